"""The pipeline's optimiser calls: typed results other analyses (frontiers) build on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from logistics_sim import load_scenario, pipeline
from logistics_sim.scenario import Objective
from optimisation.result import Status

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny.yaml"


def test_largest_force_of_a_feasible_scenario_is_the_whole_requirement() -> None:
    scenario = load_scenario(TINY)
    result = pipeline.largest_force(scenario)
    assert result.objective is Objective.largest_force
    assert result.status is Status.optimal
    assert result.largest_force_share == 1.0
    assert result.deployed_pax == scenario.force.target_deployed_pax


def test_the_simulated_choice_of_a_feasible_result_is_its_allocation() -> None:
    result = pipeline.optimise_scenario(load_scenario(TINY), Objective.min_cost)
    choice = pipeline.simulated_choice(result)
    assert choice.allocation is result.allocation
    assert choice.source == "optimiser (optimal)" and choice.optimisation is result


def test_only_the_pipeline_loads_the_solvers() -> None:
    """The report, the experiment and the command line read results without the solvers."""
    code = (
        "import sys\n"
        "import logistics_sim.cli, logistics_sim.experiment, logistics_sim.report.build\n"
        "assert 'ortools' not in sys.modules and 'optimisation.solve' not in sys.modules\n"
        "import logistics_sim.pipeline\n"
        "assert 'optimisation.solve' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
