"""Burden sharing: divide the required capabilities among nations, fairly, within their limits."""

from __future__ import annotations

from logistics_sim.scenario import FairnessKey, Objective, Scenario
from optimisation.diagnostics import diagnose
from optimisation.instance import AllocationInstance, build_instance, evaluate
from optimisation.solve import AllocationResult, SolveParams, Status, solve


def optimise(
    scenario: Scenario, objective: Objective | None = None, key: FairnessKey | None = None
) -> AllocationResult:
    """Solve the scenario's burden-sharing question; when infeasible, explain and size down.

    An infeasible requirement returns status ``infeasible`` whose ``allocation`` is the largest
    sustainable force in the required mix (also in ``largest_sustainable_force``), with the
    conflicting limits and relaxations in ``explanation`` and ``relaxations``.
    """
    bs = scenario.burden_sharing
    objective = objective or bs.objective
    params = SolveParams(time_limit_s=bs.time_limit_s, cost_tolerance=bs.cost_tolerance)
    instance = build_instance(scenario, key)
    result = solve(instance, objective, params)
    if result.status is not Status.infeasible or objective is Objective.largest_force:
        return result
    largest = solve(instance, Objective.largest_force, params)
    return diagnose(instance, params, largest)


__all__ = [
    "AllocationInstance",
    "AllocationResult",
    "SolveParams",
    "Status",
    "build_instance",
    "evaluate",
    "optimise",
    "solve",
]
