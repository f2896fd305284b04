"""Diagnosis of infeasible requirements: exact conflict sets, shortfalls and relaxations."""

from __future__ import annotations

import pytest
from optimisation_fixture import PARAMS, instance, nation

from logistics_sim.scenario import Objective
from optimisation import optimise_instance
from optimisation.diagnostics import (
    capability_shortfalls,
    conflict_set,
    fewest_nations_to_add,
    largest_dwell_ratio,
    sustainable_units,
)
from optimisation.formulation import Limit
from optimisation.instance import (
    AllocationInstance,
    CapabilityData,
    with_dwell_cap,
)
from optimisation.solve import Status, requirement_feasible


def air_defence_case() -> AllocationInstance:
    """2 air-defence units needed; AAA owns 2 (ties up 4 by rotation), BBB is unwilling.

    AAA has personnel to spare, CCC has personnel but no air defence at all. The only way
    out: BBB joins, AAA's inventory grows, or fewer units are required.
    """
    ad = CapabilityData("air_defence", 500, 2, scarce=True)
    return instance(
        [
            nation("AAA", 100_000, inventory_units={"air_defence": 2}),
            nation("BBB", 100_000, eligible=False, willingness="hesitant"),
            nation("CCC", 100_000, inventory_units={"air_defence": 0}),
        ],
        [ad],
    )


def test_conflict_set_is_exactly_the_limits_that_clash() -> None:
    conflict = conflict_set(air_defence_case())
    assert conflict is not None
    assert conflict.minimal
    assert set(conflict.limits) == {
        Limit("requirement", "", "air_defence"),
        Limit("inventory", "AAA", "air_defence"),
        Limit("inventory", "CCC", "air_defence"),
        Limit("willingness", "BBB", ""),
    }


def test_conflict_set_drops_limits_that_do_not_matter() -> None:
    # Two capabilities, two nations spare 400 pax each at multiplier 2 (two units each):
    # 4 X + 2 Y cannot all be kept; every one of the four limits is needed for the clash.
    caps = [CapabilityData("X", 100, 4), CapabilityData("Y", 100, 2), CapabilityData("Z", 1, 0)]
    inst = instance([nation("AAA", 400), nation("BBB", 400), nation("CCC", 0, 2.0)], caps)
    conflict = conflict_set(inst)
    assert conflict is not None
    assert set(conflict.limits) == {
        Limit("requirement", "", "X"),
        Limit("requirement", "", "Y"),
        Limit("capacity", "AAA"),
        Limit("capacity", "BBB"),
        Limit("capacity", "CCC"),
    }


def test_no_conflict_when_the_limits_hold() -> None:
    caps = [CapabilityData("X", 100, 2)]
    assert conflict_set(instance([nation("AAA", 400)], caps)) is None


def test_sustainable_units_and_shortfalls_by_hand() -> None:
    # 1,000 pax to spare at multiplier 2.5, 100-pax units: 4 units tie up 10 (1,000 pax).
    assert sustainable_units(nation("AAA", 1000, 2.5), "X", 100) == 4
    assert sustainable_units(nation("AAA", 1000, 2.5, max_units={"X": 3}), "X", 100) == 3
    assert sustainable_units(nation("AAA", 1000, 2.5, inventory_units={"X": 5}), "X", 100) == 2
    inst = air_defence_case()
    assert capability_shortfalls(inst) == {"air_defence": (2, 1)}


def test_fewest_nations_to_add_is_proven_and_prefers_the_nearly_willing() -> None:
    # 6 units of 100 pax at multiplier 2 need 1,200 pax of pool; AAA spares 400. Candidates:
    # DDD (opposed) alone spares 800, BBB (hesitant) and CCC (unclear) 400 each. The fewest is
    # one nation: DDD.
    inst = instance(
        [
            nation("AAA", 400),
            nation("BBB", 400, eligible=False, willingness="hesitant"),
            nation("CCC", 400, eligible=False, willingness="unclear"),
            nation("DDD", 800, eligible=False, willingness="opposed"),
        ],
        [CapabilityData("X", 100, 6)],
    )
    assert fewest_nations_to_add(inst, PARAMS) == (["DDD"], True)
    # With DDD at 400 too, any two candidates do; the tie goes to hesitant + unclear.
    tied = instance(
        [
            *inst.nations[:3],
            nation("DDD", 400, eligible=False, willingness="opposed"),
        ],
        [CapabilityData("X", 100, 6)],
    )
    assert fewest_nations_to_add(tied, PARAMS) == (["BBB", "CCC"], True)


def test_largest_dwell_ratio_by_hand() -> None:
    # Tour 100 days, no overlap or transit: m = 1 + r. 5 units of 100 pax, 1,000 pax to spare:
    # ceil(5 (1 + r)) <= 10 -> r <= 1. At 1:3 (m = 4) the pool needs 2,000 pax.
    nat = nation("AAA", 1000, 4.0, tour_days=100.0, dwell_ratio=3.0)
    inst = instance([nat], [CapabilityData("X", 100, 5)])
    assert requirement_feasible(inst, PARAMS) is False
    assert with_dwell_cap(inst, 1.0).nations[0].multiplier == pytest.approx(2.0)
    assert largest_dwell_ratio(inst, PARAMS) == pytest.approx(1.0)
    # 11 units cannot be kept even with no dwell (m = 1: 1,100 pax > 1,000).
    assert largest_dwell_ratio(instance([nat], [CapabilityData("X", 100, 11)]), PARAMS) is None


def test_optimise_explains_an_infeasible_requirement_in_planners_words() -> None:
    result = optimise_instance(air_defence_case(), Objective.lexicographic, PARAMS)
    assert result.status is Status.infeasible
    assert result.diagnosis.shortfall_by_capability == {"air_defence": 1}
    assert (
        "air_defence: 2 units required; the 2 eligible nations can sustain 1 with their rotation "
        "rules and home-defence floors, even giving nothing else"
    ) in result.diagnosis.explanation
    assert result.diagnosis.conflict_set_minimal is True
    assert sorted(result.diagnosis.conflicting_limits) == [
        "AAA: owns 2 air_defence units",
        "BBB: not eligible to contribute (willingness: hesitant)",
        "CCC: owns 0 air_defence units",
        "air_defence: 2 units (1,000 pax) required deployed at all times",
    ]
    assert (
        result.diagnosis.relaxations[0] == "add the fewest nations as contributors: BBB (hesitant)"
    )
    # The largest force: half the requirement (1 of 2 units), AAA's one unit.
    assert result.largest_force_share == pytest.approx(0.5)
    assert result.allocation[["nation", "capability", "units"]].values.tolist() == [
        ["AAA", "air_defence", 1]
    ]
