"""Solve the burden-sharing model for an objective; never raises on an infeasible plan.

First, for every objective but largest_force, the combinatorial bound of ``bounds`` and a
CP-SAT completion attaining it (``completion``): a proven optimum without branch and bound
where the bound is tight (both fairness objectives and the lexicographic cost stage on the
shipped scenarios' largest forces, 0.03–0.07 s instead of 0.14–0.31 s; min cost on the
generated 300 × 30 instance, 1.4 s instead of 7.5 s), or else where a search above the bound
settles it (``completion.search_above``: every objective on all-Europe's largest force in
0.8–2.5 s, where SCIP proved none in 30 s; min cost on the other shipped scenarios' largest
forces). Where neither settles a fairness objective, the configuration model
(``configurations``, formulation (11)–(12)): the fairness objectives of the generated 300 × 30
instance, whose many small nations make them bin packing, and its lexicographic cost stage.
Otherwise SCIP on the compact model, with the bound as a cut (formulation (10)):

Solver chosen by measurement. SCIP through OR-Tools' linear-solver wrapper, one thread and a
fixed random seed (deterministic), solves every objective. Measured on the baseline's largest
force (pools full, rounded per type): SCIP proves each objective in 0.5–2.5 s with the
formulation's implied cuts (9); CP-SAT through the same wrapper scales the real fair shares
and multipliers to integers and returned a sum of deviations 5 pax off the true optimum, and
HiGHS took 3.5 s for the sum and did not prove min cost in 20 s. The issue's 0.03–0.12 s up to
300 × 30 is not reproduced here: on the generated 300 × 30 instance (pools rounded per type,
most fair shares below one battalion) SCIP on the compact model proves min cost in 6–12 s
and the fairness objectives only to gaps of 12 % (largest excess) and 26 % (sum) within 60 s,
the lexicographic cost stage to 6 % in 120 s; the configuration model proves each
(benchmarks/optimiser.py). CP-SAT is
used for the feasibility checks of the largest-force search and the conflict sets of
``diagnostics`` (assumption literals on a feasibility copy), where it finds divisions of full
pools that SCIP does not.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import pandas as pd
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from logistics_sim.scenario import Objective
from optimisation.bounds import excess_caps, proven_within
from optimisation.completion import bound_and_complete
from optimisation.configurations import Runner, by_configurations, least_cost_within
from optimisation.formulation import (
    Key,
    Model,
    add_objective_bound,
    build,
    build_all_limits,
    cp_solver,
)
from optimisation.instance import AllocationInstance, evaluate, with_requirement
from optimisation.result import (
    AllocationResult,
    Diagnosis,
    NationBurden,
    Status,
    allocation_from_rows,
)

#: Objective used to divide the largest sustainable force among the nations.
LARGEST_FORCE_DIVISION = Objective.lexicographic


@dataclass(frozen=True)
class SolveParams:
    """Solver settings: time limit per solve (s), lexicographic tolerance and relative MIP gap."""

    time_limit_s: float = 30.0
    cost_tolerance: float = 0.05
    relative_gap: float = 1e-4


def _configure(solver: pywraplp.Solver, params: SolveParams) -> pywraplp.MPSolverParameters:
    """One thread, fixed seed, time limit and gap: the same answer on every run."""
    solver.SetTimeLimit(max(1, int(params.time_limit_s * 1000)))
    solver.SetNumThreads(1)
    solver.SetSolverSpecificParametersAsString("randomization/randomseedshift = 0\n")
    settings = pywraplp.MPSolverParameters()
    settings.SetDoubleParam(settings.RELATIVE_MIP_GAP, params.relative_gap)
    return settings


def run(model: Model, params: SolveParams) -> int:
    """Solve the model as it stands; the OR-Tools result code."""
    settings = _configure(model.solver, params)
    return int(model.solver.Solve(settings))


def _runner(params: SolveParams) -> Runner:
    """``run`` with ``params`` but the time limit given (s), for ``configurations``."""
    return lambda model, seconds: run(
        model, dataclasses.replace(params, time_limit_s=max(seconds, 0.01))
    )


def allocation_frame(instance: AllocationInstance, units: dict[Key, int]) -> pd.DataFrame:
    """Rows per (nation, capability) with units: personnel deployed and committed, pool units."""
    rows = []
    for n in instance.nations:
        for c in instance.capabilities:
            count = units.get(Key(n.code, c.id), 0)
            if count == 0:
                continue
            pool = n.pool_units(c.id, count)
            rows.append(
                (
                    n.code,
                    c.id,
                    count,
                    count * c.personnel_per_unit_pax,
                    pool * c.personnel_per_unit_pax,
                    pool,
                )
            )
    return allocation_from_rows(rows)


def burden_table(
    instance: AllocationInstance, allocation: pd.DataFrame
) -> tuple[NationBurden, ...]:
    """Per listed nation: eligibility, troops, pool, share of land forces, fair share, deviation."""
    by_nation = allocation.groupby("nation")[["personnel_deployed", "personnel_committed"]].sum()
    total = float(allocation["personnel_deployed"].sum())
    costs: dict[str, float] = {}
    for nation, cap, count in zip(
        allocation["nation"], allocation["capability"], allocation["units"], strict=True
    ):
        n = instance.nation(str(nation))
        c = instance.capability(str(cap))
        costs[n.code] = costs.get(n.code, 0.0) + c.cost_per_unit_year * n.m(c.id) * int(count)
    rows = []
    for n in instance.nations:
        deployed = float(by_nation["personnel_deployed"].get(n.code, 0.0))
        committed = float(by_nation["personnel_committed"].get(n.code, 0.0))
        fair = instance.fair_share.get(n.code, 0.0)
        rows.append(
            NationBurden(
                nation=n.code,
                eligible=n.eligible,
                fair_share=fair,
                home_defence_floor=n.home_defence_floor,
                troops_deployed_pax=deployed,
                pool_committed_pax=committed,
                share_of_land_forces=committed / n.land_forces_pax if n.land_forces_pax else 0.0,
                actual_share=deployed / total if total else 0.0,
                deviation_pax=deployed - fair * total,
                capacity_used=committed / n.available_pax if n.available_pax else 0.0,
                rotation_multiplier=n.multiplier,
                cost=costs.get(n.code, 0.0),
            )
        )
    return tuple(rows)


def binding_limits(instance: AllocationInstance, units: dict[Key, int]) -> list[str]:
    """Limits the allocation uses to the full, in planners' words (one line per limit)."""
    out: list[str] = []
    caps = instance.capabilities
    for n in instance.eligible:
        mine = {c.id: units.get(Key(n.code, c.id), 0) for c in caps}
        pool = sum(n.pool_units(c.id, mine[c.id]) * c.personnel_per_unit_pax for c in caps)
        pax = sum(mine[c.id] * c.personnel_per_unit_pax for c in caps)
        more = [
            (n.pool_units(c.id, mine[c.id] + 1) - n.pool_units(c.id, mine[c.id]))
            * c.personnel_per_unit_pax
            for c in caps
        ]
        if caps and pool + min(more) > n.available_pax + 1e-6:
            if pax == 0:
                out.append(
                    f"{n.code}: the {n.available_pax:,.0f} pax it can spare above its "
                    f"{n.home_defence_floor:.0%} home-defence floor cannot sustain one more unit "
                    f"at its rotation rules ({n.multiplier:.2f} pool units per deployed unit)"
                )
            else:
                out.append(
                    f"{n.code}: its rotation pools ({pool:,} pax for {pax:,} deployed, "
                    f"{n.multiplier:.2f} per deployed unit at 1:{n.dwell_ratio:g} dwell) fill the "
                    f"{n.available_pax:,.0f} pax it can spare above its "
                    f"{n.home_defence_floor:.0%} home-defence floor"
                )
        smallest = min((c.personnel_per_unit_pax for c in caps), default=0)
        if math.isfinite(n.max_deployed_pax) and pax + smallest > n.max_deployed_pax:
            out.append(f"{n.code}: at its political cap of {n.max_deployed_pax:,.0f} pax deployed")
        if n.min_deployed_pax and pax == n.min_deployed_pax:
            out.append(f"{n.code}: held at its minimum of {n.min_deployed_pax:,} pax deployed")
        for cap_id, cap_max in sorted(n.max_units.items()):
            if mine.get(cap_id, 0) >= cap_max:
                out.append(f"{n.code}: at its cap of {cap_max} {cap_id} units")
        for cap_id, owned in sorted(n.inventory_units.items()):
            if cap_id in mine and n.pool_units(cap_id, mine[cap_id] + 1) > owned:
                out.append(
                    f"{n.code}: its {owned} {cap_id} units are all committed to the rotation "
                    f"({mine[cap_id]} deployed)"
                )
    return out


def _set_hint(model: Model, units: dict[Key, int]) -> None:
    """Give SCIP a known feasible solution: units and the pools they tie up."""
    variables, values = [], []
    for key, var in model.x.items():
        count = units.get(key, 0)
        variables += [var, model.z[key]]
        values += [
            float(count),
            float(model.instance.nation(key.nation).pool_units(key.capability, count)),
        ]
    model.solver.SetHint(variables, values)


def _set_objective(model: Model, objective: Objective) -> None:
    """The first (or only) stage's objective."""
    solver = model.solver
    if objective is Objective.min_sum_deviation:
        solver.Minimize(sum(model.abs_dev.values()) + 0.0 * model.max_dev)
    elif objective is Objective.min_cost:
        solver.Minimize(model.cost() + 0.0 * model.max_dev)
    else:
        solver.Minimize(model.max_dev)


def _failed(
    instance: AllocationInstance, objective: Objective, code: int, start: float
) -> AllocationResult:
    """An empty result for an infeasible model or a solver that found nothing in time."""
    status = Status.infeasible if code == pywraplp.Solver.INFEASIBLE else Status.error
    empty = allocation_frame(instance, {})
    explanation: tuple[str, ...] = ()
    if status is Status.error:
        explanation = (
            "the solver found no allocation within its time limit and could not prove that none "
            "exists; raise burden_sharing.time_limit_s",
        )
    return AllocationResult(
        status,
        objective,
        math.nan,
        math.nan,
        math.nan,
        time.perf_counter() - start,
        empty,
        burden_table(instance, empty),
        key=instance.key_label,
        diagnosis=Diagnosis(explanation=explanation),
        notes=instance.notes,
    )


def _solved(
    instance: AllocationInstance,
    objective: Objective,
    units: dict[Key, int],
    value: float,
    bound: float,
    proven: bool,
    stages: dict[str, float],
    start: float,
) -> AllocationResult:
    """The result of a requirement met in full by ``units``."""
    gap = abs(value - bound) / max(abs(value), 1e-9) if abs(value) > 1e-9 else abs(bound)
    allocation = allocation_frame(instance, units)
    return AllocationResult(
        status=Status.optimal if proven else Status.feasible,
        objective=objective,
        objective_value=value,
        bound=bound,
        gap=gap,
        solve_time_s=time.perf_counter() - start,
        allocation=allocation,
        burden=burden_table(instance, allocation),
        key=instance.key_label,
        stage_values=stages,
        binding_limits=tuple(binding_limits(instance, units)),
        diagnosis=Diagnosis(explanation=tuple(evaluate(instance, allocation))),
        largest_force_share=1.0,
        notes=instance.notes,
    )


def solve_requirement(
    instance: AllocationInstance,
    objective: Objective,
    params: SolveParams,
    hint: dict[Key, int] | None = None,
) -> AllocationResult:
    """Meet the instance's requirement in full, by ``objective`` (not largest_force).

    First the objective's combinatorial bound and a CP-SAT completion attaining it, or a
    search above it (``bounds``, ``completion``; for lexicographic, of its fairness stage):
    what they find is the proven optimum and SCIP is not run. Where a bound exists but is not
    attained, the configuration model (``configurations``): its allocation with its proven
    bound (status feasible when it ran out of time before closing the gap). Otherwise SCIP
    solves the compact model (for lexicographic, its cost stage too).
    ``hint``: units known to keep every limit, given to SCIP as a starting solution.
    """
    start = time.perf_counter()
    lexicographic = objective is Objective.lexicographic
    first = Objective.min_max_deviation if lexicographic else objective
    attempt = bound_and_complete(instance, first, params.time_limit_s, params.relative_gap)
    quick = attempt.found
    # a bound its totals do not attain (none: the totals cannot even sum to the requirement,
    # or the programme is too large): the split by type decides, configurations next
    packing = quick is None and attempt.bound is not None
    if packing:
        quick = by_configurations(instance, first, _runner(params), params.time_limit_s)
    if quick is not None and not lexicographic:
        proven = proven_within(quick.value, quick.bound, params.relative_gap)
        return _solved(
            instance, objective, quick.units, quick.value, quick.bound, proven, {}, start
        )
    stages: dict[str, float] = {}
    proven = True
    if quick is not None:  # lexicographic, its fairness stage settled without SCIP
        t_star = quick.value
        proven = proven_within(quick.value, quick.bound, params.relative_gap)
    else:
        model = build(instance, fairness=objective is not Objective.min_cost)
        if hint:
            _set_hint(model, hint)
        if attempt.bound is not None and first is Objective.min_cost:
            # (fairness bounds as cuts: measured no faster on the shipped scenarios, and on
            # the 300 × 30 instance SCIP then found no division of the sum in 60 s)
            add_objective_bound(model, first, attempt.bound)
        _set_objective(model, objective)
        code = run(model, params)
        if code not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            return _failed(instance, objective, code, start)
        proven = code == pywraplp.Solver.OPTIMAL
        t_star = model.max_dev.solution_value()
    if lexicographic:
        stages["max_relative_deviation"] = t_star
        t_cap = t_star * (1.0 + params.cost_tolerance) + 1e-9
        cheapest = bound_and_complete(
            instance,
            Objective.min_cost,
            params.time_limit_s,
            params.relative_gap,
            caps=excess_caps(instance, t_cap),
        )
        found = cheapest.found
        if found is None and packing:
            found = least_cost_within(instance, t_cap, _runner(params), params.time_limit_s)
        if found is not None:
            stages["cost"] = found.value
            proven = proven and proven_within(found.value, found.bound, params.relative_gap)
            return _solved(
                instance, objective, found.units, found.value, found.bound, proven, stages, start
            )
        if quick is not None:
            model = build(instance)
            _set_hint(model, quick.units)
        model.max_dev.SetUb(t_cap)
        if cheapest.bound is not None:
            add_objective_bound(model, Objective.min_cost, cheapest.bound)
        model.solver.Minimize(model.cost())
        code = run(model, params)
        if code not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            return _failed(instance, objective, code, start)
        proven = proven and code == pywraplp.Solver.OPTIMAL
        stages["cost"] = model.solver.Objective().Value()
    value = model.solver.Objective().Value()
    bound = model.solver.Objective().BestBound()
    units = model.solution_units()
    return _solved(instance, objective, units, value, bound, proven, stages, start)


def mix_targets(instance: AllocationInstance, share: float) -> dict[str, int]:
    """Units of each type in ``share`` of the required mix, rounded up: ceil(s · R_k)."""
    return {c.id: math.ceil(share * c.required_units - 1e-9) for c in instance.capabilities}


def mix_levels(instance: AllocationInstance) -> list[float]:
    """Every share at which some type's rounded-up units step: {j / R_k}, sorted."""
    levels = {0.0, 1.0}
    for c in instance.capabilities:
        levels.update(j / c.required_units for j in range(1, c.required_units + 1))
    return sorted(levels)


def feasible_units(
    instance: AllocationInstance, time_limit_s: float
) -> tuple[bool | None, dict[Key, int]]:
    """Whether limits (1)–(7) can all hold, and units that keep them (CP-SAT, one worker).

    Measured on the all-Europe scenario: at the largest force, where every pool is nearly
    full, CP-SAT finds a feasible division in about 2 s where SCIP finds none in 10 s; both
    prove the next share infeasible in a tenth of a second. None when time runs out.
    """
    feas = build_all_limits(instance)
    solver = cp_solver(time_limit_s)
    status = solver.solve(feas.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        eligible = {n.code for n in instance.eligible}
        return True, {
            key: int(solver.value(var)) for key, var in feas.x.items() if key.nation in eligible
        }
    if status == cp_model.INFEASIBLE:
        return False, {}
    return None, {}


def requirement_feasible(instance: AllocationInstance, params: SolveParams) -> bool | None:
    """Whether limits (1)–(7) can all hold: True, False, or None when the solver ran out of time."""
    return feasible_units(instance, min(params.time_limit_s, 10.0))[0]


def largest_share(
    instance: AllocationInstance, params: SolveParams
) -> tuple[float, bool, dict[Key, int]]:
    """Largest share s of the required mix (each type ceil(s · R_k)) the limits allow.

    Exact: a binary search over the shares where some type's unit count steps, each step a
    feasibility solve (feasibility is monotone in s). Returns the share, whether every step
    was decided (False: a solve ran out of time and counted as infeasible, so the share is a
    lower bound), and units that sustain it.
    """
    limit_s = min(params.time_limit_s, 10.0)
    answer, units = feasible_units(with_requirement(instance, mix_targets(instance, 1.0)), limit_s)
    if answer:
        return 1.0, True, units
    levels = mix_levels(instance)
    low, high = 0, len(levels) - 1  # levels[low] is sustainable (nothing is), levels[high] not
    proven = answer is not None
    best: dict[Key, int] = {}
    while high - low > 1:
        mid = (low + high) // 2
        answer, found = feasible_units(
            with_requirement(instance, mix_targets(instance, levels[mid])), limit_s
        )
        proven = proven and answer is not None
        if answer:
            low, best = mid, found
        else:
            high = mid
    return levels[low], proven, best


def solve_largest_force(
    instance: AllocationInstance, params: SolveParams, division: Objective = LARGEST_FORCE_DIVISION
) -> AllocationResult:
    """The largest force in the required mix the limits allow, divided by ``division``.

    The force's size is exact; its division is proven to the scenario's relative gap within
    5 s: pools are full at the largest force, where SCIP's proofs are slow. The bounds'
    searches prove the shipped scenarios' divisions well within it: all-Europe's whole solve
    takes 5.0 s, the division about 3 s of it (with the 1% gap used before, it stopped at a
    division 0.9% dearer, 636.6 against 631.0, in 5.7 s). If no division is found in time,
    the feasible one from the search is kept (status feasible, with a note).
    """
    start = time.perf_counter()
    share, proven, found = largest_share(instance, params)
    scaled = with_requirement(instance, mix_targets(instance, share))
    division_params = dataclasses.replace(params, time_limit_s=min(params.time_limit_s, 5.0))
    result = solve_requirement(scaled, division, division_params, hint=found)
    notes = list(result.notes)
    if not result.feasible and found:
        allocation = allocation_frame(scaled, found)
        result = dataclasses.replace(
            result,
            status=Status.feasible,
            allocation=allocation,
            burden=burden_table(scaled, allocation),
            binding_limits=tuple(binding_limits(scaled, found)),
            diagnosis=Diagnosis(explanation=tuple(evaluate(scaled, allocation))),
        )
        notes.append(
            f"the {division.value} division of the largest force was not found in "
            f"{division_params.time_limit_s:g} s; the allocation is a feasible division"
        )
    status = result.status
    if not proven and status is Status.optimal:
        status = Status.feasible
        notes.append(
            "a feasibility solve of the largest-force search ran out of time; the force found "
            "is sustainable but a larger one may be"
        )
    return dataclasses.replace(
        result,
        status=status,
        objective=Objective.largest_force,
        largest_force_share=share,
        solve_time_s=time.perf_counter() - start,
        stage_values={"largest_force_share": share, **result.stage_values},
        notes=tuple(notes),
    )


def solve(
    instance: AllocationInstance, objective: Objective | str, params: SolveParams | None = None
) -> AllocationResult:
    """Solve for ``objective``; infeasible requirements give an (unexplained) infeasible result.

    ``largest_force`` returns the largest sustainable force in the required mix, status optimal
    (it always exists, if only as the empty force). ``optimise`` adds the diagnosis.
    """
    params = params or SolveParams()
    objective = Objective(objective)  # a name as its member: the solvers compare by identity
    if objective is Objective.largest_force:
        return solve_largest_force(instance, params)
    return solve_requirement(instance, objective, params)
