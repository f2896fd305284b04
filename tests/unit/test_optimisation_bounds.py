"""Combinatorial bounds and their completion (optimisation/bounds.py, cost_programme.py,
completion.py) on hand-solvable instances.

A bound must never exceed the optimum; when a completion is found its value is the optimum and
it keeps every limit (``evaluate``). Tied optima are never asserted, only values and limits.
"""

from __future__ import annotations

import dataclasses

import pytest
from optimisation_fixture import PARAMS, instance, keys_1_1_2, nation

from logistics_sim.scenario import Objective
from optimisation import bounds, completion
from optimisation.formulation import Key
from optimisation.instance import AllocationInstance, CapabilityData, evaluate
from optimisation.solve import Status, solve


def test_fairness_bounds_are_the_hand_optima_and_are_attained() -> None:
    # Keys 1:1:2, 3 units of 100 pax (as test_sum_of_deviations_and_largest_deviation_by_hand):
    # sum of deviations 100 pax, largest relative excess 1/3, both met by one unit each.
    inst = keys_1_1_2()
    for objective, optimum in (
        (Objective.min_sum_deviation, 100.0),
        (Objective.min_max_deviation, 1.0 / 3.0),
    ):
        attempt = completion.bound_and_complete(inst, objective, 10.0, 0.0)
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
    small, members = completion.merged(inst)
    assert sorted(c.id for c in small.capabilities) == ["guns", "inf"]
    assert small.capability("inf").required_units == 5
    assert [c.id for c in members["inf"]] == ["inf", "rifles"]
    split = completion.split_units(inst, {Key("AAA", "inf"): 2, Key("BBB", "inf"): 3}, members)
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
    attempt = completion.bound_and_complete(blocked, Objective.min_sum_deviation, 10.0, 0.0)
    assert attempt.found is None and attempt.bound is None
    assert solve(blocked, Objective.min_sum_deviation, PARAMS).status is Status.infeasible


def two_types_only_one_nation_holds() -> AllocationInstance:
    """One x and one y unit of 100 pax; AAA and BBB own no y, CCC owns no x (keys 1:1:key_c).

    Every nation's totals are {0, 100}, so the totals programme is free to give 100 pax to
    AAA and BBB, which the types forbid: one of them must leave its place to CCC.
    """
    caps = [CapabilityData("x", 100, 1), CapabilityData("y", 100, 1)]
    return instance(
        [
            nation("AAA", 1000, inventory_units={"y": 0}),
            nation("BBB", 1000, inventory_units={"y": 0}),
            nation("CCC", 1000, key_value=0.02, inventory_units={"x": 0}),
        ],
        caps,
    )


def assert_search_proves(inst: AllocationInstance, objective: Objective, optimum: float) -> None:
    """The bound's completion or search finds the optimum, and solve reports it proven."""
    attempt = completion.bound_and_complete(inst, objective, 10.0, 0.0)
    assert attempt.found is not None
    assert attempt.found.value == pytest.approx(optimum)
    assert attempt.found.bound == pytest.approx(optimum)
    result = solve(inst, objective, PARAMS)
    assert result.status is Status.optimal
    assert result.objective_value == pytest.approx(optimum)
    assert result.bound == pytest.approx(optimum)
    assert evaluate(inst, result.allocation) == []


def test_largest_excess_search_climbs_from_the_bound_to_the_proven_optimum() -> None:
    # Fair shares 200/2.02 pax for AAA and BBB, 200 · 0.02/2.02 for CCC. The totals bound has
    # AAA and BBB at 100 pax (excess 0.01); only CCC can hold y, so the optimum puts 100 pax
    # on CCC: excess 100 / (400/202) − 1 = 49.5, the next step, proven by the search.
    inst = two_types_only_one_nation_holds()
    bound = bounds.max_deviation_bound(inst)
    assert bound is not None and bound.value == pytest.approx(0.01)
    assert completion.complete(inst, bound, 10.0) is None
    assert_search_proves(inst, Objective.min_max_deviation, 49.5)


def test_sum_search_finds_totals_that_tie_with_the_bounds_own() -> None:
    # Equal keys, fair share 200/3 pax each: any two nations at 100 pax give the bound 400/3.
    # The programme keeps AAA and BBB (both x only), which the types forbid; the search asks
    # for any totals within the bound and finds one with CCC.
    inst = two_types_only_one_nation_holds()
    inst = instance(
        [dataclasses.replace(n, key_value=1.0) for n in inst.nations], list(inst.capabilities)
    )
    bound = bounds.sum_deviation_bound(inst)
    assert bound is not None and bound.value == pytest.approx(400.0 / 3.0)
    assert completion.complete(inst, bound, 10.0) is None
    for objective, optimum in (
        (Objective.min_sum_deviation, 400.0 / 3.0),
        (Objective.min_max_deviation, 0.5),
    ):
        assert_search_proves(inst, objective, optimum)


def test_cost_questions_keep_the_units_and_pax_through_which_the_programme_fits() -> None:
    # As above: AAA holds at most 2 units (cost 2 each), BBB the rest (cost 3 each); 4 units.
    # Within 10 only AAA 2 + BBB 2; within 11 also AAA 1 + BBB 3; below 10 nothing.
    inst = instance(
        [nation("AAA", 400, 2.0), nation("BBB", 10_000, 3.0)], [CapabilityData("inf", 100, 4)]
    )
    counted = bounds.count_cost_bound(inst)
    assert counted is not None and counted.at is not None
    assert counted.at(9.99) is None
    at_10 = counted.at(10.0)
    assert at_10 is not None and at_10.cost_ceiling == 10.0
    assert at_10.pairs == {"AAA": ((2, 200),), "BBB": ((2, 200),)}
    at_11 = counted.at(11.0)
    assert at_11 is not None and at_11.pairs is not None
    assert set(at_11.pairs["AAA"]) == {(1, 100), (2, 200)}
    assert set(at_11.pairs["BBB"]) == {(2, 200), (3, 300)}


def test_cost_search_rises_above_a_bound_the_types_forbid() -> None:
    # Two x and one y of 100 pax. Only BBB (multiplier 1.5, 300 pax) owns y; its 300 pax hold
    # two units of one type (pool 3) but not one of each (2 + 2). The (units, pax) bound gives
    # BBB two units and AAA one: 3 + 2 = 5; but BBB's must be its one y (1.5), the two x go to
    # AAA (at most one, 2) and CCC (2): 5.5, which the search proves.
    caps = [CapabilityData("x", 100, 2), CapabilityData("y", 100, 1)]
    inst = instance(
        [
            nation("AAA", 200, 2.0, inventory_units={"y": 0}),
            nation("BBB", 300, 1.5),
            nation("CCC", 600, 2.0, inventory_units={"y": 0}),
        ],
        caps,
    )
    bound = next(bounds.lower_bounds(inst, Objective.min_cost))
    assert bound.value == pytest.approx(5.0)
    assert_search_proves(inst, Objective.min_cost, 5.5)
