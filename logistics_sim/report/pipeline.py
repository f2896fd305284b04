"""optimise → simulate → report, as one call (the ``logistics-sim report`` command's work).

Why here and not in cli.py: the CLI stays thin (DESIGN.md §2), and a notebook can run the
same pipeline. When the optimiser finds the requirement infeasible, the force simulated is the
largest sustainable one, so the report can say what *can* be done next to what was asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from logistics_sim.report.build import write_report
from logistics_sim.report.findings import requirement
from logistics_sim.report.format import VERDICT_WORDS
from logistics_sim.report.rundata import load_run_data
from logistics_sim.report.sections import headline
from logistics_sim.rules.fielded_force import fielded_scenario, units_by_capability
from logistics_sim.scenario import Objective, Scenario
from logistics_sim.verdict import FEASIBLE, INFEASIBLE, RequirementVerdict

#: Attributes of an infeasible optimiser result that may hold the largest sustainable force.
LARGEST_FORCE_FIELDS = ("largest_sustainable_force", "largest_force", "largest_allocation")


@dataclass(frozen=True)
class ReportRun:
    """The outcome of the pipeline: run folder, report paths, banner verdict and its lines."""

    folder: Path
    html: Path
    md: Path
    verdict: str
    lines: list[str]
    failed: dict[int, str]


def is_infeasible(result: Any) -> bool:
    """Whether an optimiser result says the requirement cannot be met."""
    status = getattr(result, "status", "")
    return "infeasible" in str(getattr(status, "value", status)).lower()


def _allocation_of(value: Any) -> pd.DataFrame | None:
    """A non-empty allocation DataFrame from a result, a DataFrame, or a dict holding one."""
    if isinstance(value, pd.DataFrame):
        return value if not value.empty else None
    if isinstance(value, dict):
        value = value.get("allocation")
        return value if isinstance(value, pd.DataFrame) and not value.empty else None
    frame = getattr(value, "allocation", None)
    return frame if isinstance(frame, pd.DataFrame) and not frame.empty else None


def largest_force(scenario: Scenario, result: Any) -> tuple[pd.DataFrame | None, str]:
    """The largest sustainable force's allocation from an infeasible result, and its label.

    Looks in the result first; otherwise asks the optimiser again with the
    ``largest_force`` objective. None when neither gives an allocation.
    """
    for name in LARGEST_FORCE_FIELDS:
        frame = _allocation_of(getattr(result, name, None))
        if frame is not None:
            return frame, "optimiser: largest sustainable force in the required mix"
    import importlib

    optimise = importlib.import_module("optimisation").optimise
    bs = scenario.burden_sharing.model_copy(update={"objective": Objective.largest_force})
    second = optimise(scenario.model_copy(update={"burden_sharing": bs}))
    frame = _allocation_of(second)
    if frame is not None:
        return frame, "optimiser: largest sustainable force (objective largest_force)"
    frame = _allocation_of(result)
    if frame is not None:
        return frame, "optimiser: partial allocation returned with the infeasible status"
    return None, ""


def requirement_of(scenario: Scenario, result: Any) -> RequirementVerdict | None:
    """The requirement verdict from an optimiser result on the asked scenario (None: no answer).

    What binds is the optimiser's own conflict sentence (or its first explanation line).
    """
    status = str(getattr(getattr(result, "status", ""), "value", ""))
    if result is None or status not in ("optimal", "feasible", "infeasible"):
        return None
    asked = int(scenario.force.target_deployed_pax)
    if status != "infeasible":
        return RequirementVerdict(FEASIBLE, asked, asked)
    frame = _allocation_of(result)
    largest = int(frame["personnel_deployed"].sum()) if frame is not None else 0
    explanation = [str(line) for line in getattr(result, "explanation", [])]
    binding = [line for line in explanation if line.startswith("conflict:")] or explanation[:1]
    return RequirementVerdict(INFEASIBLE, asked, largest, tuple(binding))


@dataclass(frozen=True)
class FieldedForce:
    """What is simulated: the fielded force's scenario and allocation, and the requirement."""

    scenario: Scenario
    allocation: pd.DataFrame
    source: str
    requirement: RequirementVerdict | None


def field_force(
    scenario: Scenario, allocation: pd.DataFrame, source: str, result: Any
) -> FieldedForce:
    """The force to simulate: the allocation chosen, its scenario restated at its own size.

    When the requirement is infeasible, the largest sustainable force replaces the optimiser's
    allocation (if it is not already it), so what is simulated is what can be generated.
    """
    if result is not None and is_infeasible(result):
        frame, label = largest_force(scenario, result)
        if frame is None:
            raise RuntimeError(
                "the optimiser found the requirement infeasible and gave no largest "
                "sustainable force to simulate"
            )
        allocation, source = frame, label
    fielded = fielded_scenario(scenario, units_by_capability(allocation))
    return FieldedForce(fielded, allocation, source, requirement_of(scenario, result))


def run_report(
    file: Path,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 2,
    dask: str | None = None,
    out: Path | None = None,
    *,
    quiet: bool = True,
    sweep: Path | None = None,
) -> ReportRun:
    """Load, optimise (largest sustainable force if infeasible), simulate, and build the report."""
    from logistics_sim import experiment
    from logistics_sim.loading import load_scenario
    from logistics_sim.verdict import criteria_lines

    scenario = load_scenario(file)
    choice = experiment.choose_allocation(scenario)
    force = field_force(scenario, choice.allocation, choice.source, choice.optimisation)
    run = experiment.simulate(
        force.scenario,
        force.allocation,
        replications,
        seed,
        jobs,
        dask,
        out,
        False,
        quiet=quiet,
        allocation_source=force.source,
        optimisation=choice.optimisation,
        requirement=force.requirement,
    )
    data = load_run_data(run.folder, sweep=sweep)
    html, md = write_report(data)
    req = requirement(data)
    verdict, first = headline(data, req)
    lines = [f"verdict: {VERDICT_WORDS.get(verdict, verdict)}", *first]
    lines += criteria_lines(run.summary)
    return ReportRun(run.folder, html, md, verdict, lines, dict(run.failed))
