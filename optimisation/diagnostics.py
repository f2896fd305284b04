"""Why a requirement cannot be met: conflicting limits, shortfalls, largest force, relaxations.

Everything is said in planners' words ("mech_inf: 50 units required; the 12 eligible nations
can sustain 39 with their rotation rules and home-defence floors"), so the report and the
command line can quote it as it is.

The conflicting limits come from CP-SAT: the feasibility copy of the model (formulation.py)
puts every limit behind an assumption literal and has no objective, so CP-SAT's
``sufficient_assumptions_for_infeasibility`` is a focused set; a deletion filter then drops
every limit the others do not need, leaving an irreducible set (each limit in it is necessary:
relax any one and the rest can hold).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from optimisation.formulation import Key, Limit, build, build_feasibility, cp_solver
from optimisation.instance import (
    AllocationInstance,
    NationData,
    with_dwell_cap,
    with_eligible,
)
from optimisation.result import AllocationResult, Diagnosis, LimitRecord, Status
from optimisation.solve import SolveParams, requirement_feasible, run

#: Political distance of a willingness flag: nations closer to "willing" are asked first.
WILLINGNESS_ORDER = (
    "lead",
    "willing",
    "open_conditional",
    "hesitant",
    "unclear",
    "no_ground_troops",
    "opposed",
    "neutral_out",
    "no_forces",
)

#: Resolution of the dwell-ratio search (days at home per day deployed).
DWELL_STEP = 0.05


@dataclass(frozen=True)
class Conflict:
    """Limits that cannot all hold; ``minimal`` when no limit in it can be dropped."""

    limits: tuple[Limit, ...]
    minimal: bool


# ---------------------------------------------------------------------------------------------
# Conflict sets (CP-SAT, assumption literals).
# ---------------------------------------------------------------------------------------------


#: Order in which the deletion filter tries to drop limits: what is asked first, so the set
#: it keeps names the fewest requirements against the nations' own limits.
DROP_ORDER = (
    "requirement",
    "unit_min",
    "personnel_min",
    "willingness",
    "unit_cap",
    "personnel_cap",
    "inventory",
    "capacity",
)


def _cp_solver(time_limit_s: float, presolve: bool) -> cp_model.CpSolver:
    """One worker and a fixed seed: the same verdict on every run."""
    solver = cp_solver(time_limit_s)
    solver.parameters.cp_model_presolve = presolve
    return solver


def assumption_core(instance: AllocationInstance, time_limit_s: float) -> set[Limit] | None:
    """CP-SAT's own set of limits blamed for infeasibility, by assumption literals.

    Presolve off: with it on, OR-Tools issue #5141 can blame a literal that is not an
    assumption. None when CP-SAT cannot decide in time (enforced constraints relax weakly,
    so aggregate conflicts among dozens of nations can take long) or finds the limits hold.
    """
    feas = build_feasibility(instance)
    index = {lit.Index(): limit for limit, lit in feas.literals.items()}
    feas.model.add_assumptions(list(feas.literals.values()))
    solver = _cp_solver(time_limit_s, presolve=False)
    if solver.solve(feas.model) != cp_model.INFEASIBLE:
        return None
    core = {index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in index}
    return core or set(feas.literals)


def subset_status(instance: AllocationInstance, kept: set[Limit], time_limit_s: float) -> int:
    """CP-SAT status of the model with only the ``kept`` limits enforced (literals fixed)."""
    feas = build_feasibility(instance)
    for limit, literal in feas.literals.items():
        feas.model.add(literal == int(limit in kept))
    return int(_cp_solver(time_limit_s, presolve=True).solve(feas.model))


def conflict_set(instance: AllocationInstance, time_limit_s: float = 30.0) -> Conflict | None:
    """An irreducible set of limits (1)–(7) that cannot hold together; None if none is found.

    Starts from CP-SAT's assumption core (or every limit when CP-SAT cannot produce one
    quickly), then deletes limits one by one in ``DROP_ORDER``, dropping each the others do
    not need. Each test fixes the literals and lets presolve work, which proves the
    aggregate conflicts of the scenarios in tenths of a second. A test that runs out of the
    shared time budget keeps its limit, and ``minimal`` is then False. None when the limits
    can all hold or CP-SAT cannot decide.
    """
    deadline = time.perf_counter() + time_limit_s
    every = set(build_feasibility(instance).literals)
    core = assumption_core(instance, min(2.0, time_limit_s / 4))
    current = core if core is not None else every
    if subset_status(instance, current, time_limit_s / 4) != cp_model.INFEASIBLE:
        current = every
        if subset_status(instance, current, time_limit_s / 4) != cp_model.INFEASIBLE:
            return None
    minimal = True
    order = sorted(current, key=lambda lim: (DROP_ORDER.index(lim.family), lim))
    for limit in order:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            minimal = False
            break
        status = subset_status(instance, current - {limit}, remaining)
        if status == cp_model.INFEASIBLE:
            current = current - {limit}
        elif status not in (cp_model.FEASIBLE, cp_model.OPTIMAL):
            minimal = False
    return Conflict(tuple(sorted(current)), minimal)


def sustainable_units(n: NationData, capability_id: str, personnel_per_unit_pax: int) -> int:
    """Most units of one type nation ``n`` could keep deployed if it gave nothing else."""
    most = n.max_units.get(capability_id, 10**6)
    if math.isfinite(n.max_deployed_pax):
        most = min(most, int(n.max_deployed_pax // personnel_per_unit_pax))
    units = 0
    while units < most:
        pool = n.pool_units(capability_id, units + 1)
        if pool * personnel_per_unit_pax > n.available_pax + 1e-6:
            break
        if capability_id in n.inventory_units and pool > n.inventory_units[capability_id]:
            break
        units += 1
    return units


def describe_limit(instance: AllocationInstance, limit: Limit) -> str:
    """One limit in planners' words."""
    if limit.family == "requirement":
        c = instance.capability(limit.capability)
        return (
            f"{c.id}: {c.required_units} units ({c.required_units * c.personnel_per_unit_pax:,}"
            " pax) required deployed at all times"
        )
    n = instance.nation(limit.nation)
    if limit.family == "capacity":
        return (
            f"{n.code}: can spare {n.available_pax:,.0f} of its {n.land_forces_pax:,} land forces "
            f"above its {n.home_defence_floor:.0%} home-defence floor; at {n.tour_days:g}-day "
            f"tours and 1:{n.dwell_ratio:g} dwell each deployed unit ties up "
            f"{n.multiplier:.2f} units"
        )
    if limit.family == "willingness":
        return f"{n.code}: not eligible to contribute (willingness: {n.willingness})"
    if limit.family == "personnel_cap":
        return f"{n.code}: political cap of {n.max_deployed_pax:,.0f} pax deployed"
    if limit.family == "personnel_min":
        return f"{n.code}: committed to at least {n.min_deployed_pax:,} pax deployed"
    if limit.family == "unit_cap":
        return f"{n.code}: at most {n.max_units[limit.capability]} {limit.capability} units"
    if limit.family == "unit_min":
        return f"{n.code}: at least {n.min_units[limit.capability]} {limit.capability} units"
    if limit.family == "inventory":
        return f"{n.code}: owns {n.inventory_units[limit.capability]} {limit.capability} units"
    raise ValueError(f"unknown limit family: {limit.family}")


def summarise_conflict(instance: AllocationInstance, conflict: Conflict) -> str:
    """The conflict in one sentence: what is required against whose limits."""
    required = [lim.capability for lim in conflict.limits if lim.family == "requirement"]
    capacity = [lim.nation for lim in conflict.limits if lim.family == "capacity"]
    excluded = [lim.nation for lim in conflict.limits if lim.family == "willingness"]
    others = [
        lim
        for lim in conflict.limits
        if lim.family not in ("requirement", "capacity", "willingness")
    ]
    parts = []
    if len(required) == 1:
        c = instance.capability(required[0])
        can = sum(sustainable_units(n, c.id, c.personnel_per_unit_pax) for n in instance.eligible)
        parts.append(
            f"{c.id}: {c.required_units} units required; the {len(instance.eligible)} eligible "
            f"nations can sustain {min(can, c.required_units)} with their rotation rules and "
            "home-defence floors"
        )
    elif required:
        pax = sum(
            instance.capability(k).required_units * instance.capability(k).personnel_per_unit_pax
            for k in required
        )
        parts.append(
            f"{', '.join(required)} together need {pax:,} pax deployed; the eligible nations' "
            "rotation pools above their home-defence floors cannot sustain them all"
        )
    if capacity:
        parts.append(f"home-defence floors and rotation rules of {', '.join(capacity)}")
    if excluded:
        parts.append(f"{', '.join(excluded)} excluded by willingness")
    if others:
        parts.append("; ".join(describe_limit(instance, lim) for lim in others))
    return "conflict: " + "; ".join(parts)


# ---------------------------------------------------------------------------------------------
# Shortfalls and the aggregate picture.
# ---------------------------------------------------------------------------------------------


def capability_shortfalls(instance: AllocationInstance) -> dict[str, tuple[int, int]]:
    """Per capability: (required, sustainable if every eligible nation gave only that type).

    Each nation's limits are applied to one type at a time, so a shortfall here is a hard
    conflict: no division of the other types can cure it.
    """
    out = {}
    for c in instance.capabilities:
        can = sum(sustainable_units(n, c.id, c.personnel_per_unit_pax) for n in instance.eligible)
        out[c.id] = (c.required_units, min(can, c.required_units))
    return out


def aggregate_statement(instance: AllocationInstance) -> str:
    """The whole force: the rotation pool it needs against what the eligible nations spare."""
    eligible = instance.eligible
    spare = sum(n.available_pax for n in eligible)
    land = sum(n.land_forces_pax for n in eligible)
    weight = sum(n.available_pax for n in eligible)
    mean_m = sum(n.multiplier * n.available_pax for n in eligible) / weight if weight else math.nan
    need = instance.required_pax * mean_m
    return (
        f"{instance.required_pax:,} pax deployed need rotation pools of about {need:,.0f} pax "
        f"({mean_m:.2f} per deployed soldier at the eligible nations' tours and dwell); the "
        f"{len(eligible)} eligible nations have {land:,} land forces and can spare "
        f"{spare:,.0f} pax above their home-defence floors"
    )


# ---------------------------------------------------------------------------------------------
# Relaxations.
# ---------------------------------------------------------------------------------------------


def _quick(params: SolveParams) -> SolveParams:
    """Feasibility checks inside searches: at most 10 s each."""
    return dataclasses.replace(params, time_limit_s=min(params.time_limit_s, 10.0))


def fewest_nations_to_add(
    instance: AllocationInstance, params: SolveParams
) -> tuple[list[str] | None, bool]:
    """Fewest listed, non-eligible nations whose joining meets the requirement (None: no set).

    A small MIP: one binary per candidate, units only from candidates that join; ties broken
    towards nations whose stated willingness is closest to "willing". The flag is False when
    the solver ran out of time (the set is then small but not proven fewest).
    """
    candidates = instance.candidates
    if not candidates:
        return None, True
    widened = with_eligible(instance, [n.code for n in candidates])
    model = build(widened, fairness=False)
    joins = {n.code: model.solver.BoolVar(f"y[{n.code}]") for n in candidates}
    for n in candidates:
        for c in widened.capabilities:
            model.solver.Add(model.x[Key(n.code, c.id)] <= c.required_units * joins[n.code])
    tie = 1.0 / (len(candidates) * len(WILLINGNESS_ORDER) + 1)
    model.solver.Minimize(
        sum(
            (1.0 + tie * WILLINGNESS_ORDER.index(n.willingness)) * joins[n.code] for n in candidates
        )
    )
    code = run(model, _quick(params))
    if code not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None, code == pywraplp.Solver.INFEASIBLE
    added = sorted(code_ for code_, var in joins.items() if var.solution_value() > 0.5)
    return added, code == pywraplp.Solver.OPTIMAL


def largest_dwell_ratio(instance: AllocationInstance, params: SolveParams) -> float | None:
    """Largest dwell ratio r (to 0.05) such that capping every nation's dwell at 1:r suffices.

    None when even no dwell at all (units straight back out) does not meet the requirement.
    Feasibility only improves as r falls (each deployed unit ties up fewer at home).
    """
    quick = _quick(params)
    top = max((n.dwell_ratio for n in instance.eligible), default=0.0)
    if not requirement_feasible(with_dwell_cap(instance, 0.0), quick):
        return None
    low, high = 0, math.floor(top / DWELL_STEP + 1e-9)
    if requirement_feasible(with_dwell_cap(instance, high * DWELL_STEP), quick):
        return high * DWELL_STEP
    while high - low > 1:
        mid = (low + high) // 2
        if requirement_feasible(with_dwell_cap(instance, mid * DWELL_STEP), quick):
            low = mid
        else:
            high = mid
    return low * DWELL_STEP


def relaxations(instance: AllocationInstance, params: SolveParams) -> list[str]:
    """The smallest changes that restore the requirement, in planners' words."""
    out: list[str] = []
    added, proven = fewest_nations_to_add(instance, params)
    if added:
        flags = ", ".join(f"{code} ({instance.nation(code).willingness})" for code in added)
        fewest = "the fewest" if proven else "a small set of"
        out.append(f"add {fewest} nations as contributors: {flags}")
    elif instance.candidates:
        out.append(
            "adding every other listed nation ("
            + ", ".join(n.code for n in instance.candidates)
            + ") does not meet the requirement at the present rotation rules"
        )
    else:
        out.append("the scenario lists no other nations that could be added")
    dwell = largest_dwell_ratio(instance, params)
    if dwell is not None:
        out.append(
            f"accept a dwell ratio of 1:{dwell:.2f} (every eligible nation's dwell capped at it; "
            "the present rules are "
            + ", ".join(sorted({f"1:{n.dwell_ratio:g}" for n in instance.eligible}))
            + ")"
        )
    else:
        out.append(
            "no dwell ratio suffices: even with units sent straight back out (no dwell at home) "
            "the eligible nations' pools above their home-defence floors are too small"
        )
    if instance.candidates and not added:
        everyone = with_eligible(instance, [n.code for n in instance.candidates])
        both = largest_dwell_ratio(everyone, params)
        if both is not None:
            out.append(
                f"with every listed nation contributing, accept a dwell ratio of 1:{both:.2f}"
            )
        else:
            out.append(
                "even every listed nation with no dwell at all cannot sustain the requirement"
            )
    return out


# ---------------------------------------------------------------------------------------------
# The whole diagnosis.
# ---------------------------------------------------------------------------------------------


def diagnose(
    instance: AllocationInstance,
    params: SolveParams,
    failed: AllocationResult,
    largest: AllocationResult,
) -> AllocationResult:
    """An infeasible result carrying the largest force, the conflict and the relaxations.

    ``failed`` is the infeasible solve of the requested objective, ``largest`` the largest
    sustainable force (its allocation becomes the result's, so ``simulate`` can run it).
    """
    explanation = [aggregate_statement(instance)]
    shortfall: dict[str, int] = {}
    for cap, (required, can) in capability_shortfalls(instance).items():
        if can < required:
            shortfall[cap] = required - can
            explanation.append(
                f"{cap}: {required} units required; the {len(instance.eligible)} eligible nations "
                f"can sustain {can} with their rotation rules and home-defence floors, even "
                "giving nothing else"
            )
    conflict = conflict_set(instance, params.time_limit_s)
    conflicting: tuple[str, ...] = ()
    records: tuple[LimitRecord, ...] = ()
    if conflict is not None:
        explanation.append(summarise_conflict(instance, conflict))
        conflicting = tuple(describe_limit(instance, lim) for lim in conflict.limits)
        records = tuple(LimitRecord(*lim) for lim in conflict.limits)
    share = largest.largest_force_share
    explanation.append(
        f"largest sustainable force in the required mix: {largest.deployed_pax:,} pax "
        f"({share:.0%} of each capability, rounded up to whole units; requirement "
        f"{instance.required_pax:,} pax)"
    )
    return dataclasses.replace(
        largest,
        status=Status.infeasible,
        objective=failed.objective,
        solve_time_s=failed.solve_time_s + largest.solve_time_s,
        diagnosis=Diagnosis(
            explanation=tuple(explanation),
            conflicting_limits=conflicting,
            conflict_set=records,
            conflict_set_minimal=conflict.minimal if conflict is not None else None,
            shortfall_by_capability=shortfall,
            relaxations=tuple(relaxations(instance, params)),
        ),
        largest_sustainable_force=largest,
    )
