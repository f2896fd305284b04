"""Burden sharing: divide the required capabilities among nations, fairly, within their limits.

``optimise(scenario)`` is the entry point (DESIGN.md §5): it builds the instance, solves the
scenario's objective and, when the requirement cannot be met, returns an infeasible result that
carries the largest sustainable force in the required mix (its allocation), the conflicting
limits, the shortfalls and the smallest relaxations, all in planners' words.
"""

from __future__ import annotations

from logistics_sim.scenario import FairnessKey, Objective, Scenario
from optimisation.diagnostics import conflict_set, diagnose
from optimisation.instance import AllocationInstance, build_instance, evaluate
from optimisation.result import AllocationResult, NationBurden, Status
from optimisation.solve import (
    LARGEST_FORCE_DIVISION,
    SolveParams,
    solve,
    solve_largest_force,
    solve_requirement,
)


def params_of(scenario: Scenario) -> SolveParams:
    """Solver settings from the scenario's burden_sharing block."""
    bs = scenario.burden_sharing
    return SolveParams(time_limit_s=bs.time_limit_s, cost_tolerance=bs.cost_tolerance)


def optimise_instance(
    instance: AllocationInstance, objective: Objective | str, params: SolveParams
) -> AllocationResult:
    """Solve, and diagnose an infeasible requirement (the result then holds the largest force)."""
    objective = Objective(objective)
    if objective is Objective.largest_force:
        largest = solve_largest_force(instance, params)
        if largest.largest_force_share >= 1.0 or not largest.feasible:
            return largest
        return diagnose(instance, params, largest, largest)
    result = solve_requirement(instance, objective, params)
    if result.status is not Status.infeasible:
        return result
    largest = solve_largest_force(instance, params, division=objective)
    return diagnose(instance, params, result, largest)


def optimise(
    scenario: Scenario,
    objective: Objective | str | None = None,
    key: FairnessKey | str | None = None,
) -> AllocationResult:
    """Solve the scenario's burden-sharing question; when infeasible, explain and size down.

    ``objective`` and ``key`` (enum members or their names) override the scenario's
    ``burden_sharing`` settings; a name is turned into its member here, since everything
    below compares members by identity. Never raises on an infeasible requirement: the status
    says so and ``allocation`` is the largest force.
    """
    chosen = Objective(objective) if objective else scenario.burden_sharing.objective
    fairness = FairnessKey(key) if key else None
    return optimise_instance(build_instance(scenario, fairness), chosen, params_of(scenario))


__all__ = [
    "LARGEST_FORCE_DIVISION",
    "AllocationInstance",
    "AllocationResult",
    "NationBurden",
    "SolveParams",
    "Status",
    "build_instance",
    "conflict_set",
    "evaluate",
    "optimise",
    "optimise_instance",
    "solve",
]
