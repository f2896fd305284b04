"""Combinatorial bounds and their completion (optimisation/bounds.py) on hand-solvable instances.

A bound must never exceed the optimum; when a completion is found its value is the optimum and
it keeps every limit (``evaluate``). Tied optima are never asserted, only values and limits.
"""

from __future__ import annotations

import pytest
from optimisation_fixture import PARAMS, instance, keys_1_1_2, nation

from logistics_sim.scenario import Objective
from optimisation import bounds
from optimisation.formulation import Key
from optimisation.instance import CapabilityData, evaluate
from optimisation.solve import Status, solve


def test_fairness_bounds_are_the_hand_optima_and_are_attained() -> None:
    # Keys 1:1:2, 3 units of 100 pax (as test_sum_of_deviations_and_largest_deviation_by_hand):
    # sum of deviations 100 pax, largest relative excess 1/3, both met by one unit each.
    inst = keys_1_1_2()
    for objective, optimum in (
        (Objective.min_sum_deviation, 100.0),
        (Objective.min_max_deviation, 1.0 / 3.0),
    ):
        attempt = bounds.bound_and_complete(inst, objective, 10.0, 0.0)
        assert attempt.bound == pytest.approx(optimum, abs=1e-9)
        assert attempt.found is not None
        assert attempt.found.value == pytest.approx(optimum, abs=1e-9)
        units = attempt.found.units
        assert bounds.objective_value(inst, objective, units) == pytest.approx(optimum, abs=1e-9)


def test_cost_bound_by_counts_is_exact_when_a_nations_units_cost_alike() -> None:
    # AAA (multiplier 2) can rotate 2 units of 100 pax in its 400 pax; BBB (multiplier 3)
    # the rest: 2·2 + 2·3 = 10. The cheapest-nation bound (4 · 2 = 8) is not attained.
    inst = instance(
        [nation("AAA", 400, 2.0), nation("BBB", 10_000, 3.0)], [CapabilityData("inf", 100, 4)]
    )
    cheapest = bounds.cost_bound(inst)
    assert cheapest is not None and cheapest.value == pytest.approx(8.0)
    counted = bounds.count_cost_bound(inst)
    assert counted is not None and counted.value == pytest.approx(10.0)
    result = solve(inst, Objective.min_cost, PARAMS)
    assert result.status is Status.optimal
    assert result.objective_value == pytest.approx(10.0)
    assert result.bound == pytest.approx(10.0)
    assert evaluate(inst, result.allocation) == []


def test_interchangeable_capabilities_are_merged_and_split_back_per_type() -> None:
    # Two types of the same size and multiplier merge; a third with a unit cap stays apart.
    caps = [
        CapabilityData("inf", 100, 3),
        CapabilityData("rifles", 100, 2),
        CapabilityData("guns", 100, 1),
    ]
    inst = instance(
        [nation("AAA", 2000, max_units={"guns": 1}), nation("BBB", 2000)],
        caps,
    )
    small, members = bounds.merged(inst)
    assert sorted(c.id for c in small.capabilities) == ["guns", "inf"]
    assert small.capability("inf").required_units == 5
    assert [c.id for c in members["inf"]] == ["inf", "rifles"]
    split = bounds.split_units(inst, {Key("AAA", "inf"): 2, Key("BBB", "inf"): 3}, members)
    by_type = {c.id: sum(v for k, v in split.items() if k.capability == c.id) for c in caps[:2]}
    assert by_type == {"inf": 3, "rifles": 2}
    assert split.get(Key("AAA", "inf"), 0) + split.get(Key("AAA", "rifles"), 0) == 2


def test_no_bound_when_the_nations_cannot_sum_to_the_requirement() -> None:
    # Neither nation owns a 200-pax unit, so their totals (0 or 100 pax) cannot reach 300:
    # no bound, no completion, and SCIP proves the requirement infeasible.
    caps = [CapabilityData("big", 200, 1), CapabilityData("small", 100, 1)]
    blocked = instance(
        [
            nation("AAA", 1000, inventory_units={"big": 0}),
            nation("BBB", 1000, inventory_units={"big": 0}),
        ],
        caps,
    )
    attempt = bounds.bound_and_complete(blocked, Objective.min_sum_deviation, 10.0, 0.0)
    assert attempt.found is None and attempt.bound is None
    assert solve(blocked, Objective.min_sum_deviation, PARAMS).status is Status.infeasible
