"""Burden-sharing optimiser on hand-solvable instances, and on the shipped scenarios."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from logistics_sim import load_scenario
from logistics_sim.scenario import Objective
from optimisation import optimise
from optimisation.instance import (
    AllocationInstance,
    CapabilityData,
    NationData,
    build_instance,
    evaluate,
)
from optimisation.solve import Status, solve

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def nation(code: str, spare_pax: float, multiplier: float = 2.0, **kw: object) -> NationData:
    fields: dict = dict(
        code=code,
        eligible=True,
        land_forces_pax=int(spare_pax * 2),
        available_pax=spare_pax,
        min_deployed_pax=0,
        max_deployed_pax=float("inf"),
        multiplier=multiplier,
        transit_days=0.0,
        key_value=1.0,
        max_units={},
        min_units={},
        inventory_units={},
    )
    fields.update(kw)
    return NationData(**fields)


def instance(nations: list[NationData], caps: list[CapabilityData]) -> AllocationInstance:
    total = sum(n.key_value for n in nations if n.eligible)
    fair = {n.code: n.key_value / total for n in nations if n.eligible}
    return AllocationInstance(tuple(nations), tuple(caps), fair, "test")


INF = CapabilityData("inf", 100, 4, 1.0, False)


def test_equal_keys_split_the_force_evenly() -> None:
    # two equal nations, 4 units of 100 pax: 2 each, no deviation from the 50/50 fair share
    inst = instance([nation("AAA", 1000), nation("BBB", 1000)], [INF])
    result = solve(inst, Objective.min_max_deviation)
    assert result.status is Status.optimal
    assert result.objective_value == pytest.approx(0.0, abs=1e-6)
    assert evaluate(inst, result.allocation) == []
    assert result.allocation.groupby("nation")["units"].sum().to_dict() == {"AAA": 2, "BBB": 2}


def test_capacity_forces_the_smallest_largest_deviation() -> None:
    # BBB can spare 200 pax at multiplier 2: one unit at most. AAA takes 3 of 4 units.
    # Fair share 200 pax each; AAA deviates by +100 = 50% of its fair share: t* = 0.5.
    inst = instance([nation("AAA", 1000), nation("BBB", 200)], [INF])
    result = solve(inst, Objective.min_max_deviation)
    assert result.objective_value == pytest.approx(0.5, abs=1e-6)
    assert result.allocation.set_index("nation")["units"].to_dict() == {"AAA": 3, "BBB": 1}
    assert any("BBB" in line for line in result.binding_limits)


def test_pool_committed_is_rounded_up_units_times_multiplier() -> None:
    inst = instance([nation("AAA", 10_000, multiplier=4.29)], [INF])
    alloc = solve(inst, Objective.min_cost).allocation.iloc[0]
    assert alloc["units"] == 4
    assert alloc["pool_units"] == 18  # ceil(4 x 4.29 = 17.16)
    assert alloc["personnel_committed"] == 1800


def test_infeasible_requirement_gives_the_largest_force_and_its_reason() -> None:
    # 4 units x 100 pax x multiplier 2 need 800 pax of spare; only 300 + 300 exist -> 3 units
    inst = instance([nation("AAA", 300), nation("BBB", 300)], [INF])
    assert solve(inst, Objective.min_max_deviation).status is Status.infeasible
    largest = solve(inst, Objective.largest_force)
    assert int(largest.allocation["units"].sum()) == 2  # each nation: floor(300 / 200) = 1 unit
    assert largest.largest_force_share == pytest.approx(0.5, abs=1e-3)


def test_evaluate_names_every_broken_limit() -> None:
    inst = instance(
        [nation("AAA", 300), nation("BBB", 300, eligible=False, max_units={"inf": 0})], [INF]
    )
    alloc = pd.DataFrame({"nation": ["AAA", "BBB"], "capability": ["inf", "inf"], "units": [3, 1]})
    problems = evaluate(inst, alloc)
    assert (
        "AAA: rotation pool 600 pax exceeds the 300 pax it can spare above its home-defence floor"
        in problems
    )
    assert "BBB: contributes 100 pax but is not willing" in problems
    assert "BBB: 1 inf units above its cap 0" in problems


def test_baseline_is_infeasible_with_explanation_and_largest_force() -> None:
    scenario = load_scenario(SCENARIOS / "ukraine_reassurance_150k.yaml")
    result = optimise(scenario)
    assert result.status is Status.infeasible
    deployed = int(result.allocation["personnel_deployed"].sum())
    assert 0 < deployed < scenario.force.target_deployed_pax
    assert result.explanation[0].startswith("150,000 pax deployed need a rotation pool")
    assert evaluate_largest_ok(result)


def evaluate_largest_ok(result: object) -> bool:
    largest = result.largest_sustainable_force  # type: ignore[attr-defined]
    return largest is not None and not largest.allocation.empty


def test_tiny_is_feasible_and_meets_every_limit() -> None:
    scenario = load_scenario(SCENARIOS / "tiny.yaml")
    result = optimise(scenario)
    assert result.status is Status.optimal
    assert evaluate(build_instance(scenario), result.allocation) == []
