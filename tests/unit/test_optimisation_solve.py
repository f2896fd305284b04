"""Burden-sharing optimiser on hand-solvable micro instances: exact objectives and evaluate().

Where several allocations tie, the tests assert the objective and that ``evaluate`` finds no
broken limit, never one particular optimum.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from optimisation_fixture import PARAMS, instance, keys_1_1_2, nation
from ortools.linear_solver import pywraplp

from logistics_sim.scenario import Objective
from optimisation import formulation, optimise_instance
from optimisation.instance import CapabilityData, achievable_personnel_pax, evaluate
from optimisation.solve import Status, solve


def units_by_nation(allocation: pd.DataFrame) -> dict[str, int]:
    """Deployed units per nation."""
    return {str(k): int(v) for k, v in allocation.groupby("nation")["units"].sum().items()}


INF = CapabilityData("inf", 100, 4)


def test_equal_keys_split_the_force_evenly() -> None:
    # Two equal nations, 4 units of 100 pax: deviation 0 needs exactly 200 pax each.
    inst = instance([nation("AAA", 1000), nation("BBB", 1000)], [INF])
    result = solve(inst, Objective.min_max_deviation, PARAMS)
    assert result.status is Status.optimal
    assert result.objective_value == pytest.approx(0.0, abs=1e-6)
    assert evaluate(inst, result.allocation) == []
    assert units_by_nation(result.allocation) == {"AAA": 2, "BBB": 2}


def test_capacity_forces_the_smallest_largest_deviation() -> None:
    # BBB spares 200 pax at multiplier 2: one unit at most. AAA takes 3 of 4 units.
    # Fair share 200 pax each; both deviate by 100 pax = 50% of their fair share: t* = 0.5.
    inst = instance([nation("AAA", 1000), nation("BBB", 200)], [INF])
    result = solve(inst, Objective.min_max_deviation, PARAMS)
    assert result.objective_value == pytest.approx(0.5, abs=1e-6)
    assert units_by_nation(result.allocation) == {"AAA": 3, "BBB": 1}
    assert any(line.startswith("BBB: its rotation pools") for line in result.binding_limits)
    assert not any(line.startswith("AAA") for line in result.binding_limits)


def test_sum_of_deviations_and_largest_deviation_by_hand() -> None:
    # Keys 1:1:2, 3 units of 100 pax: fair 75, 75, 150 pax. One unit each deviates by
    # 25 + 25 + 50 = 100 pax; any other division deviates more (0,1,2: 75+25+50 = 150).
    # The largest relative deviation is then 25/75 = 50/150 = 1/3.
    inst = keys_1_1_2()
    by_sum = solve(inst, Objective.min_sum_deviation, PARAMS)
    assert by_sum.objective_value == pytest.approx(100.0, abs=1e-6)
    assert units_by_nation(by_sum.allocation) == {"AAA": 1, "BBB": 1, "CCC": 1}
    by_max = solve(inst, Objective.min_max_deviation, PARAMS)
    assert by_max.objective_value == pytest.approx(1.0 / 3.0, abs=1e-6)
    assert evaluate(inst, by_max.allocation) == []


def test_min_cost_puts_units_where_rotation_ties_up_least() -> None:
    # Cost = sum of c_k m_n x_nk: 4 units at multiplier 2 cost 8, at multiplier 3 cost 12.
    inst = instance([nation("AAA", 10_000, 2.0), nation("BBB", 10_000, 3.0)], [INF])
    result = solve(inst, Objective.min_cost, PARAMS)
    assert result.objective_value == pytest.approx(8.0)
    assert units_by_nation(result.allocation) == {"AAA": 4}


def test_lexicographic_fairness_first_then_cost_within_tolerance() -> None:
    # Keys 3:1 over 4 units: fair 3 and 1 units (t* = 0). Cost 3·2 + 1·3 = 9; the 5% tolerance
    # on t* = 0 allows no other division.
    inst = instance(
        [nation("AAA", 10_000, 2.0, key_value=3.0), nation("BBB", 10_000, 3.0, key_value=1.0)],
        [INF],
    )
    result = solve(inst, Objective.lexicographic, PARAMS)
    assert result.stage_values["max_relative_deviation"] == pytest.approx(0.0, abs=1e-6)
    assert result.objective_value == pytest.approx(9.0)
    assert units_by_nation(result.allocation) == {"AAA": 3, "BBB": 1}


def test_lexicographic_tolerance_buys_cost() -> None:
    # 3 units of 100 pax, keys 1:1: fair 150 pax each; 2+1 and 1+2 both deviate by 50/150,
    # so t* = 1/3 either way, and cost picks two units at the cheaper multiplier: 2·2 + 1·4 = 8.
    inst = instance(
        [nation("AAA", 10_000, 2.0), nation("BBB", 10_000, 4.0)], [CapabilityData("inf", 100, 3)]
    )
    result = solve(inst, Objective.lexicographic, PARAMS)
    assert result.stage_values["max_relative_deviation"] == pytest.approx(1.0 / 3.0, abs=1e-6)
    assert result.objective_value == pytest.approx(8.0)
    assert units_by_nation(result.allocation) == {"AAA": 2, "BBB": 1}


def test_pool_committed_is_rounded_up_units_times_multiplier() -> None:
    inst = instance([nation("AAA", 10_000, multiplier=4.29)], [INF])
    row = solve(inst, Objective.min_cost, PARAMS).allocation.iloc[0]
    assert row["units"] == 4
    assert row["pool_units"] == 18  # ceil(4 × 4.29 = 17.16)
    assert row["personnel_deployed"] == 400
    assert row["personnel_committed"] == 1800


def test_pool_rounding_binds_the_capacity() -> None:
    # Multiplier 2.5: 2 units tie up 5 pool units (500 pax), 3 units ceil(7.5) = 8 (800 pax).
    # With 700 pax to spare AAA can keep 2 units; the linear form (750 pax) would wrongly allow 3.
    inst = instance([nation("AAA", 700, 2.5), nation("BBB", 10_000, 2.0)], [INF])
    result = solve(inst, Objective.min_max_deviation, PARAMS)
    assert units_by_nation(result.allocation) == {"AAA": 2, "BBB": 2}
    assert evaluate(inst, result.allocation) == []


def test_pool_hull_form_gives_the_same_optima_as_the_ceiling_form(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """(2) written as its hull is a reformulation: every objective's optimum is unchanged.

    Tight pools, so the hull form is chosen; then the ceiling form is forced by allowing it no
    binaries. Rounding decides the answer: the fair split is 3 + 3 units, but AAA's third unit
    needs ceil(7.5) = 8 pool units (800 pax) and it spares 700, so AAA keeps 2 and BBB 4
    (a hull that rounded pools down would let AAA take 3).
    """
    six = CapabilityData("inf", 100, 6)
    inst = instance([nation("AAA", 700, 2.5), nation("BBB", 800, 2.0)], [six])
    assert formulation.pool_load(inst) > formulation.TIGHT_POOL_LOAD
    assert formulation.use_pool_hull(inst)
    objectives = (Objective.min_max_deviation, Objective.min_sum_deviation, Objective.min_cost)
    hull = {o: solve(inst, o, PARAMS) for o in objectives}
    monkeypatch.setattr(formulation, "HULL_MAX_BINARIES", 0)
    assert not formulation.use_pool_hull(inst)
    for objective in objectives:
        ceiling = solve(inst, objective, PARAMS)
        assert hull[objective].status is ceiling.status is Status.optimal
        assert hull[objective].objective_value == pytest.approx(ceiling.objective_value, abs=1e-6)
        assert evaluate(inst, hull[objective].allocation) == []
    assert units_by_nation(hull[Objective.min_max_deviation].allocation) == {"AAA": 2, "BBB": 4}


@pytest.mark.parametrize("pool_rounding", ["add_pool_rounding", "add_pool_rounding_hull"])
def test_each_form_of_pool_rounding_alone_rounds_every_pool_up(pool_rounding: str) -> None:
    """Families (1), (2), (3), (5) only (no implied bounds to mask a wrong rounding). AAA spares
    700 pax, multiplier 2.5, two types of 100 pax: 2 + 0 units tie up pools 5 + 0 (500 pax);
    1 + 2 units tie up ceil(2.5) + ceil(5) = 3 + 5 (800 pax), which does not fit, although
    pools rounded down (2 + 5) or the linear form (750 pax) would."""
    for (inf, arty), feasible in (((2, 0), True), ((1, 2), False)):
        caps = [CapabilityData("inf", 100, inf), CapabilityData("arty", 100, arty)]
        model = formulation.new_model(instance([nation("AAA", 700, 2.5)], caps))
        formulation.add_requirement(model)
        formulation.add_unit_limits(model)
        getattr(formulation, pool_rounding)(model)
        formulation.add_national_capacity(model)
        code = model.solver.Solve()
        assert (code == pywraplp.Solver.OPTIMAL) is feasible, (inf, arty, code)


def test_personnel_cap_minimum_and_unit_limits_hold() -> None:
    # AAA capped at 100 pax deployed, BBB must send at least 2 artillery units.
    art = CapabilityData("art", 50, 2)
    inst = instance(
        [
            nation("AAA", 10_000, max_deployed_pax=100.0),
            nation("BBB", 10_000, min_units={"art": 2}, max_units={"inf": 3}),
        ],
        [INF, art],
    )
    result = solve(inst, Objective.min_sum_deviation, PARAMS)
    assert result.status is Status.optimal
    assert evaluate(inst, result.allocation) == []
    table = result.allocation.set_index(["nation", "capability"])["units"].to_dict()
    assert table == {("AAA", "inf"): 1, ("BBB", "inf"): 3, ("BBB", "art"): 2}
    # Fair 250 pax each of 500: AAA 100, BBB 400 -> |d| = 150 + 150.
    assert result.objective_value == pytest.approx(300.0)


def test_ineligible_nations_get_nothing() -> None:
    inst = instance([nation("AAA", 1000), nation("BBB", 10_000, eligible=False)], [INF])
    result = solve(inst, Objective.min_cost, PARAMS)
    assert units_by_nation(result.allocation) == {"AAA": 4}
    assert [(b.nation, b.eligible, b.fair_share) for b in result.burden] == [
        ("AAA", True, 1.0),
        ("BBB", False, 0.0),
    ]


def test_infeasible_requirement_gives_the_largest_force_in_the_mix() -> None:
    # Each nation spares 400 pax at multiplier 2: two units each, four in all. The mix of
    # 4 X + 2 Y (100 pax each) needs six. Shares where counts step: 1/4 (1+1), 1/2 (2+1),
    # 3/4 (3+2 = 5 > 4): the largest is 1/2, i.e. 2 X + 1 Y = 300 pax.
    caps = [CapabilityData("X", 100, 4), CapabilityData("Y", 100, 2)]
    inst = instance([nation("AAA", 400), nation("BBB", 400)], caps)
    assert solve(inst, Objective.min_max_deviation, PARAMS).status is Status.infeasible
    result = optimise_instance(inst, Objective.min_max_deviation, PARAMS)
    assert result.status is Status.infeasible
    assert not result.feasible
    assert result.largest_force_share == pytest.approx(0.5)
    assert result.allocation.groupby("capability")["units"].sum().to_dict() == {"X": 2, "Y": 1}
    assert result.deployed_pax == 300
    assert result.largest_sustainable_force is not None
    assert result.diagnosis.explanation[-1].startswith(
        "largest sustainable force in the required mix: 300"
    )


def test_largest_force_objective_on_a_feasible_instance_is_the_whole_force() -> None:
    inst = instance([nation("AAA", 1000), nation("BBB", 1000)], [INF])
    result = optimise_instance(inst, Objective.largest_force, PARAMS)
    assert result.status is Status.optimal
    assert result.largest_force_share == 1.0
    assert result.deployed_pax == 400


def test_evaluate_names_every_broken_limit() -> None:
    inst = instance(
        [
            nation("AAA", 300),
            nation("BBB", 300, eligible=False, willingness="hesitant", max_units={"inf": 0}),
        ],
        [INF],
    )
    alloc = pd.DataFrame({"nation": ["AAA", "BBB"], "capability": ["inf", "inf"], "units": [3, 2]})
    assert evaluate(inst, alloc) == [
        "inf: 5 units deployed, 4 required",
        "AAA: rotation pool 600 pax exceeds the 300 pax it can spare above its home-defence floor",
        "BBB: contributes 200 pax but is not eligible (hesitant)",
        "BBB: rotation pool 400 pax exceeds the 300 pax it can spare above its home-defence floor",
        "BBB: 2 inf units above its cap 0",
    ]


def test_to_dict_is_json_safe_when_infeasible() -> None:
    inst = instance([nation("AAA", 100)], [INF])
    data = optimise_instance(inst, Objective.min_cost, PARAMS).to_dict()
    assert data["status"] == "infeasible"
    assert data["deployed_pax"] == 0
    assert data["largest_force_share"] == 0.0
    assert all(not (isinstance(v, float) and not math.isfinite(v)) for v in data.values())


def test_a_nation_that_cannot_field_one_unit_does_not_decide_the_largest_deviation() -> None:
    # Keys 1 : 1 : 0.1 over 4 units of 100 pax; CCC (50 pax spare) cannot sustain one unit.
    # AAA and BBB take 2 units each: fair 400/2.1 pax, excess 200·2.1/400 − 1 = 0.05. CCC's
    # shortfall is not counted against fairness itself (the two-sided measure would be 1).
    nations = [
        nation("AAA", 1000, key_value=1.0),
        nation("BBB", 1000, key_value=1.0),
        nation("CCC", 50, key_value=0.1),
    ]
    inst = instance(nations, [INF])
    result = solve(inst, Objective.min_max_deviation, PARAMS)
    assert result.objective_value == pytest.approx(0.05, abs=1e-6)
    assert units_by_nation(result.allocation) == {"AAA": 2, "BBB": 2}


def test_achievable_personnel_rounds_each_pool_up() -> None:
    # 600 pax spare at multiplier 2.5: 1 inf (100 pax) ties up 3 units = 300 pax, 2 tie up 5 =
    # 500; 1 art (50 pax) ties up 150, 2 tie up 250. 2 inf + 1 art needs 650 > 600, so the
    # totals are 0..200 by 50, and 250 is out although the linear pool (600/2.5 = 240) is not.
    inst = instance([nation("AAA", 600, 2.5)], [INF, CapabilityData("art", 50, 2)])
    totals = achievable_personnel_pax(inst, inst.nations[0])
    assert totals.tolist() == [0, 50, 100, 150, 200]
