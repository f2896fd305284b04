"""The optimiser's entry points: solve a scenario or an instance, diagnose an infeasible one."""

from __future__ import annotations

from logistics_sim.scenario import FairnessKey, Objective, Scenario
from optimisation.diagnostics import diagnose
from optimisation.instance import AllocationInstance, build_instance
from optimisation.result import AllocationResult, Status
from optimisation.solve import SolveParams, solve_largest_force, solve_requirement


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
