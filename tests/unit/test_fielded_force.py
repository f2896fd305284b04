"""The fielded force: the scenario restated for the units actually fielded (rules/fielded_force)."""

from __future__ import annotations

from pathlib import Path

import pytest

from logistics_sim.errors import ScenarioError
from logistics_sim.loading import load_scenario
from logistics_sim.rules.fielded_force import fielded_scenario
from logistics_sim.scenario import Comparison, Criterion, Scenario
from logistics_sim.validation import run_checks

TINY = "scenarios/tiny.yaml"


def with_criteria(scenario: Scenario) -> Scenario:
    """Tiny with a share-of-target strength criterion and an absolute fill-rate one."""
    strength = Criterion(
        name="Strength held",
        metric="covered_strength_mean_pax",
        comparison=Comparison.ge,
        threshold_share_of_target=0.95,
    )
    fill = Criterion(name="Fill", metric="fill_rate", comparison=Comparison.ge, threshold=0.95)
    return Scenario.model_validate(
        {**scenario.model_dump(), "criteria": [strength.model_dump(), fill.model_dump()]}
    )


def test_share_threshold_is_stated_for_the_scenarios_own_target() -> None:
    scenario = with_criteria(load_scenario(TINY))
    assert scenario.criteria[0].threshold == pytest.approx(0.95 * 3200)
    assert scenario.criteria[1].threshold == 0.95


def test_fielded_force_is_judged_at_its_own_size() -> None:
    # tiny asks 4 mech_inf (600) + 2 artillery (400) = 3,200 in two sectors of 1,600
    scenario = with_criteria(load_scenario(TINY))
    fielded = fielded_scenario(scenario, {"mech_inf": 2, "artillery": 1})
    assert fielded.force.target_deployed_pax == 2 * 600 + 400
    assert [s.troops_pax for s in fielded.force.sectors] == [800, 800]
    assert [c.required_units for c in fielded.force.capabilities] == [2, 1]
    assert fielded.criteria[0].threshold == pytest.approx(0.95 * 1600)  # follows the force
    assert fielded.criteria[1].threshold == 0.95  # a fill rate does not scale
    assert fielded.network == scenario.network and fielded.rotation == scenario.rotation
    assert not [f for f in run_checks(fielded) if f.severity == "error"]


def test_the_asked_force_is_its_own_fielded_force() -> None:
    scenario = load_scenario(TINY)
    assert fielded_scenario(scenario, {"mech_inf": 4, "artillery": 2}) is scenario
    assert fielded_scenario(scenario, {}) is scenario  # nothing fielded: nothing restated


def test_a_criterion_needs_a_threshold(tmp_path: Path) -> None:
    text = Path(TINY).read_text().replace('comparison: ">=", threshold: 2800,', 'comparison: ">=",')
    (tmp_path / "data").symlink_to(Path("scenarios/data").resolve())
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert str(problem).endswith(
        "bad.yaml:91:5: criteria[0].threshold: give threshold (in the metric's unit) "
        "or threshold_share_of_target"
    )
