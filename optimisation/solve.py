"""Solve the burden-sharing model for an objective; never raises on an infeasible plan.

SCIP through OR-Tools' linear-solver wrapper: on this machine it proved 300 nations × 30
capabilities optimal in about a tenth of a second, where CP-SAT failed to prove 100 × 15 in
30 s (measured by the team, see issue 6). Single thread and a fixed seed: deterministic.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pandas as pd
from ortools.linear_solver import pywraplp

from logistics_sim.scenario import Objective
from optimisation.formulation import Key, Model, build
from optimisation.instance import AllocationInstance, evaluate

ALLOCATION_COLUMNS = [
    "nation",
    "capability",
    "units",
    "personnel_deployed",
    "personnel_committed",
    "pool_units",
]


class Status(StrEnum):
    """Outcome of a solve."""

    optimal = "optimal"
    feasible = "feasible"
    infeasible = "infeasible"
    error = "error"


@dataclass(frozen=True)
class SolveParams:
    """Solver settings: time limit (s), lexicographic cost tolerance and proven gap (shares)."""

    time_limit_s: float = 30.0
    cost_tolerance: float = 0.05
    relative_gap: float = 1e-4


@dataclass
class AllocationResult:
    """A solve's outcome: the allocation, the burden per nation and what limits it."""

    status: Status
    objective: Objective
    objective_value: float
    bound: float
    gap: float
    solve_time_s: float
    allocation: pd.DataFrame
    burden: pd.DataFrame
    binding_limits: list[str] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)
    shortfall_by_capability: dict[str, int] = field(default_factory=dict)
    relaxations: list[str] = field(default_factory=list)
    largest_force_share: float = math.nan
    largest_sustainable_force: AllocationResult | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able fields for optimisation.json (the allocation goes to allocation.csv)."""
        largest = self.largest_sustainable_force
        return {
            "status": self.status.value,
            "objective": self.objective.value,
            "objective_value": self.objective_value,
            "bound": self.bound,
            "gap": self.gap,
            "solve_time_s": self.solve_time_s,
            "burden": self.burden.to_dict(orient="records"),
            "binding_limits": self.binding_limits,
            "explanation": self.explanation,
            "shortfall_by_capability": self.shortfall_by_capability,
            "relaxations": self.relaxations,
            "largest_force_share": self.largest_force_share,
            "largest_sustainable_force_pax": (
                int(largest.allocation["personnel_deployed"].sum()) if largest else None
            ),
        }


def _configure(solver: pywraplp.Solver, params: SolveParams) -> None:
    solver.SetTimeLimit(int(params.time_limit_s * 1000))
    solver.SetNumThreads(1)
    solver.SetSolverSpecificParametersAsString("randomization/randomseedshift = 0\n")


def _run(model: Model, params: SolveParams) -> int:
    _configure(model.solver, params)
    settings = pywraplp.MPSolverParameters()
    settings.SetDoubleParam(settings.RELATIVE_MIP_GAP, params.relative_gap)
    return int(model.solver.Solve(settings))


def allocation_frame(model: Model) -> pd.DataFrame:
    """Units per (nation, capability) with personnel deployed and committed to the rotation."""
    inst = model.instance
    rows = []
    for n in inst.eligible:
        for c in inst.capabilities:
            units = round(model.x[Key(n.code, c.id)].solution_value())
            if units == 0:
                continue
            pool_units = math.ceil(units * n.multiplier - 1e-9)
            rows.append(
                (
                    n.code,
                    c.id,
                    units,
                    units * c.personnel_per_unit_pax,
                    pool_units * c.personnel_per_unit_pax,
                    pool_units,
                )
            )
    return pd.DataFrame(rows, columns=ALLOCATION_COLUMNS).astype(
        {"units": "int64", "personnel_deployed": "int64", "personnel_committed": "int64"}
    )


def burden_table(instance: AllocationInstance, allocation: pd.DataFrame) -> pd.DataFrame:
    """Per nation: troops deployed, pool committed, share of land forces, fair share, deviation."""
    by_nation = allocation.groupby("nation")[["personnel_deployed", "personnel_committed"]].sum()
    total = float(allocation["personnel_deployed"].sum()) or 1.0
    rows = []
    for n in instance.eligible:
        deployed = float(by_nation["personnel_deployed"].get(n.code, 0.0))
        committed = float(by_nation["personnel_committed"].get(n.code, 0.0))
        fair = instance.fair_share.get(n.code, 0.0)
        rows.append(
            {
                "nation": n.code,
                "troops_deployed_pax": deployed,
                "pool_committed_pax": committed,
                "share_of_land_forces": committed / n.land_forces_pax if n.land_forces_pax else 0.0,
                "fair_share": fair,
                "actual_share": deployed / total,
                "deviation_pax": deployed - fair * total,
                "capacity_used": deployed * n.multiplier / n.available_pax
                if n.available_pax
                else 0.0,
            }
        )
    return pd.DataFrame(rows)


def binding_limits(model: Model) -> list[str]:
    """National capacities the solution uses to the full, in planners' words."""
    out = []
    for n in model.instance.eligible:
        used = sum(
            c.personnel_per_unit_pax * n.multiplier * model.x[Key(n.code, c.id)].solution_value()
            for c in model.instance.capabilities
        )
        smallest = min(c.personnel_per_unit_pax for c in model.instance.capabilities)
        if used == 0 and n.available_pax < smallest * n.multiplier:
            out.append(
                f"{n.code}: the {n.available_pax:,.0f} pax it can spare above its home-defence "
                f"floor cannot sustain even one unit ({smallest * n.multiplier:,.0f} pax of pool)"
            )
        elif n.available_pax - used < smallest * n.multiplier:
            out.append(
                f"{n.code}: its rotation pool ({used:,.0f} pax at {n.multiplier:.2f} units per "
                f"deployed unit) fills the {n.available_pax:,.0f} pax it can spare above its "
                "home-defence floor"
            )
    return out


def largest_share(instance: AllocationInstance, params: SolveParams) -> float:
    """Largest share s of the requirement, in its mix, that the limits allow (to 1e-4).

    Bisection over feasibility models: each proves in milliseconds, where maximising s
    directly leaves SCIP closing a symmetric integrality gap for many seconds.
    """
    low, high = 0.0, 1.0
    if feasible_at(instance, params, 1.0):
        return 1.0
    while high - low > 1e-4:
        mid = (low + high) / 2
        low, high = (mid, high) if feasible_at(instance, params, mid) else (low, mid)
    return low


def feasible_at(instance: AllocationInstance, params: SolveParams, share: float) -> bool:
    """Whether the limits allow ``share`` of the requirement in its mix."""
    model = build(instance, largest_force=True)
    model.scale.SetBounds(share, share)
    return _run(model, params) in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE)


def _objective_stage(model: Model, objective: Objective) -> None:
    """Set the objective of the first stage."""
    solver = model.solver
    if objective is Objective.largest_force:
        # s is fixed at its bisected optimum: among those forces, the fairest (sum of |d_n|).
        solver.Minimize(sum(model.abs_dev.values()))
    elif objective is Objective.min_sum_deviation:
        solver.Minimize(sum(model.abs_dev.values()) * (1.0 / max(model.instance.required_pax, 1)))
    elif objective is Objective.min_cost:
        solver.Minimize(model.cost())
    else:
        solver.Minimize(model.max_dev)


def _second_stage(model: Model, objective: Objective, value: float, params: SolveParams) -> int:
    """Lexicographic: minimise cost with fairness within its tolerance of the first stage."""
    solver = model.solver
    if objective is Objective.lexicographic:
        solver.Add(model.max_dev <= value * (1 + params.cost_tolerance) + 1e-6)
        solver.Minimize(model.cost())
    else:
        return pywraplp.Solver.OPTIMAL
    return _run(model, params)


def solve(
    instance: AllocationInstance, objective: Objective, params: SolveParams | None = None
) -> AllocationResult:
    """Solve for ``objective``; an infeasible requirement gives an explained result."""
    params = params or SolveParams()
    start = time.perf_counter()
    model = build(instance, largest_force=objective is Objective.largest_force)
    if objective is Objective.largest_force:
        share = largest_share(instance, params)
        model.scale.SetBounds(share, share)
    _objective_stage(model, objective)
    if objective is Objective.largest_force:
        # Fairness of a force that cannot be sent in full is secondary: 1% gap, 2 s at most.
        params = SolveParams(min(params.time_limit_s, 2.0), params.cost_tolerance, 1e-2)
    code = _run(model, params)
    if code not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        status = Status.infeasible if code == pywraplp.Solver.INFEASIBLE else Status.error
        empty = pd.DataFrame(columns=ALLOCATION_COLUMNS)
        return AllocationResult(
            status,
            objective,
            math.nan,
            math.nan,
            math.nan,
            time.perf_counter() - start,
            empty,
            burden_table(instance, empty),
        )
    first_value = model.solver.Objective().Value()
    first_optimal = code == pywraplp.Solver.OPTIMAL
    code = _second_stage(model, objective, first_value, params)
    value = model.solver.Objective().Value()
    bound = model.solver.Objective().BestBound()
    gap = abs(value - bound) / max(abs(value), 1e-9) if value else abs(value - bound)
    allocation = allocation_frame(model)
    optimal = first_optimal and code == pywraplp.Solver.OPTIMAL
    result = AllocationResult(
        status=Status.optimal if optimal else Status.feasible,
        objective=objective,
        objective_value=value,
        bound=bound,
        gap=gap,
        solve_time_s=time.perf_counter() - start,
        allocation=allocation,
        burden=burden_table(instance, allocation),
        binding_limits=binding_limits(model),
        largest_force_share=model.scale.solution_value(),
    )
    result.explanation.extend(
        evaluate(instance, allocation) if objective is not Objective.largest_force else []
    )
    return result
