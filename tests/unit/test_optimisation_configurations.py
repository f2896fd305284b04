"""Configurations (optimisation/configurations.py): a nation's whole contribution as one choice.

The instances are solvable by hand and built so that the combinatorial bounds of ``bounds``
are not tight (the units by type decide), which is where configurations are used. Tied optima
are never asserted, only objective values, proofs and ``evaluate``.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from optimisation_fixture import PARAMS, instance, nation

from logistics_sim.scenario import Objective
from optimisation import bounds, completion, configurations
from optimisation.formulation import Key, Model
from optimisation.instance import AllocationInstance, CapabilityData, evaluate
from optimisation.solve import run

# the module, not the ``solve`` function optimisation/__init__.py exports under its name
solve_module = importlib.import_module("optimisation.solve")


def _runner(model: Model, seconds: float) -> int:
    return run(model, PARAMS)


def _one_small_unit() -> AllocationInstance:
    """Three nations with fair shares of 400 pax and one 400 and one 800 pax unit to field.

    By totals alone each could deploy 400 (largest excess 0, sum of deviations 0), but there
    is one 400 pax unit: one nation fields it, another the 800 (excess 1), the third none
    (sum |400−400| + |800−400| + |0−400| = 800 pax).
    """
    return instance(
        [nation(code, 10_000, 1.0) for code in ("AAA", "BBB", "CCC")],
        [CapabilityData("small", 400, 1), CapabilityData("large", 800, 1)],
    )


def test_contributions_are_every_vector_the_nations_pools_hold() -> None:
    # 3,000 pax spare at 2 pool units per deployed unit: x500 + ... with ceil(2x)·size ≤ 3000.
    n = nation("AAA", 3000, 2.0)
    caps = (CapabilityData("a", 500, 5), CapabilityData("b", 700, 5))
    found = configurations.contributions(n, caps, float("inf"), 100)
    assert found is not None
    vectors = {c.units for c in found}
    by_hand = {(a, b) for a in range(6) for b in range(6) if 2 * a * 500 + 2 * b * 700 <= 3000}
    assert vectors == by_hand
    assert all(c.personnel_pax == 500 * c.units[0] + 700 * c.units[1] for c in found)
    capped = configurations.contributions(n, caps, 1000, 100)
    assert capped is not None and {c.units for c in capped} == {
        v for v in by_hand if 500 * v[0] + 700 * v[1] <= 1000
    }
    assert configurations.contributions(n, caps, float("inf"), 3) is None


def test_first_feasible_finds_the_threshold_of_a_monotone_question() -> None:
    candidates = [i / 10 for i in range(100)]
    asked: list[float] = []

    def feasible(t: float) -> bool:
        asked.append(t)
        return t >= 3.7

    assert configurations.first_feasible(candidates, feasible) == 37
    assert len(asked) <= 2 * 7 + 1  # doubling, then halving: logarithmic
    assert configurations.first_feasible(candidates, lambda t: False) is None
    assert configurations.first_feasible(candidates, lambda t: None) is None
    assert configurations.first_feasible(candidates, lambda t: True) == 0


def test_bounds_by_totals_miss_the_units_by_type() -> None:
    inst = _one_small_unit()
    assert bounds.max_deviation_bound(inst).value == pytest.approx(0.0)  # type: ignore[union-attr]
    assert bounds.sum_deviation_bound(inst).value == pytest.approx(0.0)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("objective", "optimum"),
    [(Objective.min_max_deviation, 1.0), (Objective.min_sum_deviation, 800.0)],
)
def test_configurations_prove_the_hand_optimum(objective: Objective, optimum: float) -> None:
    inst = _one_small_unit()
    found = configurations.by_configurations(inst, objective, _runner, 10.0)
    assert found is not None
    assert found.value == pytest.approx(optimum, abs=1e-6)
    assert found.bound == pytest.approx(optimum, abs=1e-6)
    assert bounds.objective_value(inst, objective, found.units) == pytest.approx(optimum)
    assert evaluate(inst, completion.units_frame(found.units)) == []


def test_cost_within_a_fairness_cap_splits_merged_types_by_cost() -> None:
    # Two 500 pax types (costs 1 and 3) merge into one; AAA rotates at 1, BBB at 2 pool units
    # per deployed unit. Fair shares 500 each and an excess cap of 0: one unit each. The
    # dearer type goes to the cheaper rotation: 3·1 + 1·2 = 5 (the other way 1·1 + 3·2 = 7).
    inst = instance(
        [nation("AAA", 10_000, 1.0), nation("BBB", 10_000, 2.0)],
        [CapabilityData("cheap", 500, 1, 1.0), CapabilityData("dear", 500, 1, 3.0)],
    )
    small, members = completion.merged(inst)
    assert len(small.capabilities) == 1 and len(members[small.capabilities[0].id]) == 2
    found = configurations.least_cost_within(inst, 0.0, _runner, 10.0)
    assert found is not None
    assert found.value == pytest.approx(5.0)
    assert found.bound == pytest.approx(5.0)
    assert found.units[Key("AAA", "dear")] == 1 and found.units[Key("BBB", "cheap")] == 1
    assert evaluate(inst, completion.units_frame(found.units)) == []


def test_solve_asks_configurations_when_the_bound_is_not_attained(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The search above the bound settles so small an instance itself: pretend it did not, as
    # on the 300 × 30 instance, and the configurations must prove both lexicographic stages.
    asked: list[Objective] = []
    real_bound, real_configurations = (
        solve_module.bound_and_complete,
        solve_module.by_configurations,
    )

    def unattained(*args: Any, **kwargs: Any) -> completion.Attempt:
        return completion.Attempt(None, real_bound(*args, **kwargs).bound)

    def spy(*args: Any) -> bounds.Completion | None:
        asked.append(args[1])
        return real_configurations(*args)

    monkeypatch.setattr(solve_module, "bound_and_complete", unattained)
    monkeypatch.setattr(solve_module, "by_configurations", spy)
    inst = _one_small_unit()
    result = solve_module.solve(inst, Objective.lexicographic, PARAMS)
    assert asked == [Objective.min_max_deviation]
    assert result.status is solve_module.Status.optimal
    assert result.stage_values["max_relative_deviation"] == pytest.approx(1.0)
    assert result.stage_values["cost"] == pytest.approx(2.0)  # two units, multiplier 1
    assert evaluate(inst, result.allocation) == []


def test_solve_does_not_ask_configurations_without_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    # One nation cannot hold 800 pax in 500: no totals reach the requirement, no bound.
    monkeypatch.setattr(solve_module, "by_configurations", lambda *args: pytest.fail("asked"))
    short = instance([nation("AAA", 500, 1.0)], [CapabilityData("inf", 400, 2)])
    assert (
        solve_module.solve(short, Objective.min_sum_deviation, PARAMS).status.value == "infeasible"
    )


def test_least_excess_out_of_time_keeps_the_best_found_with_its_proven_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Candidates 0, 0.25, 0.5, 1.5, 2: the first two proven infeasible, 1.5 feasible (by a
    # division whose largest excess is 1), then time runs out asking 0.5. The bound is the
    # candidate above the highest proven infeasible (0.5), the value the division's own (1).
    inst = _one_small_unit()
    division = {Key("AAA", "small"): 1, Key("BBB", "large"): 1}
    answers: dict[float, bool | None] = {0.0: False, 0.25: False, 1.5: True, 0.5: None}
    asked: list[float] = []

    def feasible_at(small, t, run, seconds):  # type: ignore[no-untyped-def]
        asked.append(t)
        return answers[t], (division if answers[t] else {})

    monkeypatch.setattr(configurations, "excess_candidates", lambda small: [0, 0.25, 0.5, 1.5, 2])
    monkeypatch.setattr(configurations, "_feasible_at", feasible_at)
    found = configurations.least_excess(inst, _runner, 10.0)
    assert asked == [0.0, 0.25, 1.5, 0.5]
    assert found is not None
    assert found.value == pytest.approx(1.0) and found.bound == pytest.approx(0.5)
    assert evaluate(inst, completion.units_frame(found.units)) == []


def test_solve_reports_an_unclosed_configuration_gap_as_feasible(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inst = _one_small_unit()
    division = {Key("AAA", "small"): 1, Key("BBB", "large"): 1}
    real_bound = solve_module.bound_and_complete
    monkeypatch.setattr(
        solve_module,
        "bound_and_complete",
        lambda *a, **k: completion.Attempt(None, real_bound(*a, **k).bound),
    )
    monkeypatch.setattr(
        solve_module, "by_configurations", lambda *a: bounds.Completion(division, 1.0, 0.5)
    )
    result = solve_module.solve(inst, Objective.min_max_deviation, PARAMS)
    assert result.status is solve_module.Status.feasible
    assert result.objective_value == pytest.approx(1.0) and result.bound == pytest.approx(0.5)
    assert result.gap == pytest.approx(0.5)
