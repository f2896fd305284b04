"""Completion of a bound with CP-SAT: attaining it, or searching above it for the optimum.

A bound of ``bounds`` is a proof of optimality for any allocation keeping every limit (1)–(7)
that attains it; ``bound_and_complete`` asks CP-SAT for one, then searches above the bound when
its own totals cannot be completed. SCIP is run only when neither settles the objective.

Completion: CP-SAT looks for units keeping (1)–(7) with each nation's total fixed to the
bound's totals (or, for cost, only the cheapest nations per type) — a feasibility question
without an objective, which it settles in hundredths of a second on the shipped scenarios.
It is asked on a merged copy of the instance: capabilities that no nation tells apart (same
unit size, same multiplier in every nation, no nation's unit limit or inventory on them; for
cost, also the same cheapest nations) become one, which removes
the symmetry between them. The merged copy is a relaxation (one rounded pool for the merged
units instead of one per type), so its units are split back per type and re-checked with
``evaluate``; where the split rounds a nation's pools over what it can spare, CP-SAT splits
them (small instances), else that nation is given that much less room on the merged copy and
CP-SAT is asked again (``SPLIT_ROUNDS``), and last on the instance itself. CP-SAT runs one
worker, a fixed seed and a deterministic time limit (the scenario's wall-clock limit only as
a backstop), so the same instance gives the same answer.

Search above the bound, when the bound's own totals cannot be completed: CP-SAT is asked
whether some allocation keeps (1)–(7) with its objective at most a target, on the merged copy,
each nation restricted to what the bound's programme proves of every such allocation
(``Bound.at``): the totals (for cost, the (units, pax)) through which the programme stays
within the target, from a pass over the nations before it and one over those after (the largest
excess: caps (1 + t) f_n P* and the totals some choice within them sums to P* with; the sum and
the cost: also the target as a ceiling, in integers rounded down). Every restriction holds for
every allocation within the target, so "none" on the merged copy is a proof and raises the
bound. For t the targets are the finitely many excesses, from the bound up (galloping, then
bisecting; the bound's own step is skipped when the completion proved its totals impossible and
they are the only ones the step allows); for the sum and the cost, first the bound plus the
relative gap, then wider while none, then a found value less the gap. When no question settles
it within ``SEARCH_PROBES``, ``solve`` falls back to SCIP.

Measured (benchmarks/optimiser.py, medians): on the shipped scenarios' largest forces the bound
is the optimum for both fairness objectives and for the lexicographic cost stage, and the
completions take 0.01–0.03 s (SCIP: 0.14–0.28 s). For min cost there the cheapest-nation bound
is not tight and the (units, personnel) bound falls short of the optimum by 2e-6 (the mix
decides); the search's first question (bound + 1e-4) finds the optimum SCIP found, in 0.19 s
(SCIP from the bound: 0.22 s). On all-Europe's largest force (pools nearly full) no bound's own
totals split by type and SCIP proved none of the four objectives in 30 s; the searches prove
them all: t* = 3.5039 (the bound's own totals, the only ones its step allows, proven impossible
in 0.5 s; the next excess found in 0.8 s; 1.4 s in all), the sum 64,224 pax (= the bound, one
question, 0.8 s), min cost 627.781 against the (units, personnel) bound 627.777 (0.35 s of it
the (units, personnel) programme's passes, ``cost_programme``; one question and a CP-SAT
split, 1.2 s in all), lexicographic 630.957 (2.5 s, both stages). On the
generated 300 × 30 instance the cheapest-nation cost bound is the optimum and its completion
takes about 1.4 s over several split rounds (SCIP: 7.5 s); the fairness bounds are not tight
there (t: bound 0.166, optimum in (0.17, 0.19]; sum: bound 22,837 pax, SCIP's best about
31,000): the split of the force by type, a bin-packing question, decides; the searches raise
the bounds to 0.1716 and 23,004 pax in 7–8 s and 5 s before running out of deterministic
time, and the configuration model (``configurations``) proves them.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import time
from dataclasses import dataclass
from typing import Literal

import pandas as pd
from ortools.sat.python import cp_model

from logistics_sim.scenario import Objective
from optimisation.bounds import (
    Bound,
    Completion,
    fair_pax,
    lower_bounds,
    objective_value,
    proven_within,
)
from optimisation.formulation import FeasibilityModel, Key, build_all_limits, cp_solver
from optimisation.instance import (
    EPS,
    AllocationInstance,
    CapabilityData,
    NationData,
    evaluate,
)

#: CP-SAT's deterministic time limit for one completion (its own work units, about seconds on
#: this machine; the baseline's completions take about 0.01, the 300 × 30 cost one 0.01).
COMPLETION_DETERMINISTIC_S = 1.0
#: CP-SAT's deterministic time limit for splitting a merged division back per type (it
#: needs 0.002 on all-Europe's largest force).
SPLIT_DETERMINISTIC_S = 0.1
#: Largest instance (nations × capabilities) whose merged divisions CP-SAT splits back per
#: type when the greedy split fails: on the generated 300 × 30 instance (9,000) building and
#: presolving the split takes 1 s and finds none, where leaving room succeeds (SPLIT_ROUNDS);
#: on all-Europe (260) it takes 0.02 s and is the only way the cost searches' divisions split.
SPLIT_MAX_VARIABLES = 2_000
#: Attempts on the merged instance, each leaving the nations whose pools the split overfilled
#: that much less room (the 300 × 30 cost completion needs several).
SPLIT_ROUNDS = 6
#: Cost coefficients scaled to integers for CP-SAT's budget rows (the result is re-checked).
COST_SCALE = 1_000_000
#: Deviations scaled to integers (per pax) for CP-SAT's ceiling row (floored: a relaxation).
DEVIATION_SCALE = 1_000
#: CP-SAT's deterministic time limit for one question of a search above a bound (all-Europe's
#: largest force needs at most 0.5).
PROBE_DETERMINISTIC_S = 2.0
#: Most questions one search above a bound asks.
SEARCH_PROBES = 16


# ---------------------------------------------------------------------------------------------
# Merging capabilities no nation tells apart, and splitting their units back.
# ---------------------------------------------------------------------------------------------


def merged(
    instance: AllocationInstance, allowed: frozenset[Key] | None = None, by_cost: bool = False
) -> tuple[AllocationInstance, dict[str, tuple[CapabilityData, ...]]]:
    """The instance with interchangeable capabilities merged, and each merged type's members.

    Interchangeable: the same unit size and multiplier in every listed nation, no nation's
    unit cap, minimum or inventory on either, (with ``allowed``) the same nations allowed and
    (``by_cost``) the same cost. A merged type keeps its first member's id and needs the
    members' units together.
    """
    limited = {
        cap_id
        for n in instance.nations
        for cap_id in (*n.max_units, *n.min_units, *n.inventory_units)
    }
    groups: dict[tuple, list[CapabilityData]] = {}
    for c in instance.capabilities:
        if c.id in limited:
            signature: tuple = ("own", c.id)
        else:
            signature = (
                c.personnel_per_unit_pax,
                tuple(n.m(c.id) for n in instance.nations),
                None
                if allowed is None
                else tuple(Key(n.code, c.id) in allowed for n in instance.nations),
                c.cost_per_unit_year if by_cost else None,
            )
        groups.setdefault(signature, []).append(c)
    members = {group[0].id: tuple(group) for group in groups.values()}
    capabilities = tuple(
        dataclasses.replace(group[0], required_units=sum(c.required_units for c in group))
        for group in groups.values()
    )
    return dataclasses.replace(instance, capabilities=capabilities), members


def split_units(
    instance: AllocationInstance,
    units: dict[Key, int],
    members: dict[str, tuple[CapabilityData, ...]],
) -> dict[Key, int]:
    """Units of the merged types split back per member type, each nation's kept together.

    Nations with the most units first; each goes whole to the member with the least room that
    still holds it, else fills the member with the most room and goes on (a split rounds two
    pools up instead of one, so splits are kept few). ``evaluate`` re-checks the pools.
    """
    out: dict[Key, int] = {}
    for merged_id, group in members.items():
        room = {c.id: c.required_units for c in group}
        holders = sorted(
            ((units.get(Key(n.code, merged_id), 0), n.code) for n in instance.eligible),
            key=lambda pair: (-pair[0], pair[1]),
        )
        for count, code in holders:
            left = count
            while left > 0:
                fits = [cid for cid in room if room[cid] >= left]
                cid = (
                    min(fits, key=lambda i: (room[i], i))
                    if fits
                    else max(room, key=lambda i: (room[i], i))
                )
                taken = min(left, room[cid])
                out[Key(code, cid)] = out.get(Key(code, cid), 0) + taken
                room[cid] -= taken
                left -= taken
    return out


# ---------------------------------------------------------------------------------------------
# Completion.
# ---------------------------------------------------------------------------------------------


def _complete_on(
    instance: AllocationInstance,
    bound: Bound,
    time_limit_s: float,
    deterministic_s: float = COMPLETION_DETERMINISTIC_S,
) -> dict[Key, int] | Literal[False] | None:
    """CP-SAT: units keeping (1)–(7) and the bound's totals, counts, allowed pairs, caps,
    budgets and search restrictions; False when there are none, None when CP-SAT could not
    tell in time."""
    feas = build_all_limits(instance)
    eligible = {n.code for n in instance.eligible}
    if bound.totals is not None:
        for n in instance.eligible:
            personnel = sum(
                c.personnel_per_unit_pax * feas.x[Key(n.code, c.id)] for c in instance.capabilities
            )
            feas.model.add(personnel == bound.totals[n.code])
    if bound.allowed is not None:
        for key, var in feas.x.items():
            if key.nation in eligible and key not in bound.allowed:
                feas.model.add(var == 0)
    for n in instance.eligible:
        _restrict_nation(feas, instance, n, bound)
    _restrict_ceilings(feas, instance, bound)
    solver = cp_solver(time_limit_s, deterministic_s)
    status = solver.solve(feas.model)
    if status == cp_model.INFEASIBLE:
        return False
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return {key: int(solver.value(var)) for key, var in feas.x.items() if key.nation in eligible}


def _restrict_nation(
    feas: FeasibilityModel, instance: AllocationInstance, n: NationData, bound: Bound
) -> None:
    """Nation n's rows of the bound: its cap, units, budget, domain and (units, pax)."""
    mine = [(c, feas.x[Key(n.code, c.id)]) for c in instance.capabilities]
    personnel = sum(c.personnel_per_unit_pax * x for c, x in mine)
    units = sum(x for _, x in mine)
    model = feas.model
    if bound.caps is not None and math.isfinite(bound.caps.get(n.code, math.inf)):
        model.add(personnel <= math.floor(bound.caps[n.code] + EPS))
    if bound.counts is not None:
        model.add(units == bound.counts[n.code])
    if bound.cost_budget is not None and n.code in bound.cost_budget:
        scaled = [(round(COST_SCALE * c.cost_per_unit_year * n.m(c.id)), x) for c, x in mine]
        budget = round(COST_SCALE * bound.cost_budget[n.code]) + len(mine)
        model.add(sum(w * x for w, x in scaled) <= budget)
    if bound.domains is not None:
        values = cp_model.Domain.from_values(list(bound.domains[n.code]))
        model.add_linear_expression_in_domain(personnel, values)
    if bound.pairs is not None:
        top = sum(c.required_units for c in instance.capabilities)
        count = model.new_int_var(0, top, f"U[{n.code}]")
        total = model.new_int_var(0, instance.required_pax, f"P[{n.code}]")
        model.add(count == units)
        model.add(total == personnel)
        model.add_allowed_assignments([count, total], list(bound.pairs[n.code]))


def _restrict_ceilings(feas: FeasibilityModel, instance: AllocationInstance, bound: Bound) -> None:
    """The objective at most the bound's ceiling, in integers rounded down (a relaxation).

    The sum of deviations needs ``domains``: each nation's deviation is a table over them.
    """
    model = feas.model
    if bound.deviation_ceiling is not None and bound.domains is not None:
        fair = fair_pax(instance)
        deviations = []
        for n in instance.eligible:
            options = bound.domains[n.code]
            total = model.new_int_var_from_domain(
                cp_model.Domain.from_values(list(options)), f"P[{n.code}]"
            )
            model.add(
                total
                == sum(
                    c.personnel_per_unit_pax * feas.x[Key(n.code, c.id)]
                    for c in instance.capabilities
                )
            )
            scaled = [(p, math.floor(DEVIATION_SCALE * abs(p - fair[n.code]))) for p in options]
            deviation = model.new_int_var(0, max(d for _, d in scaled), f"u[{n.code}]")
            model.add_allowed_assignments([total, deviation], scaled)
            deviations.append(deviation)
        model.add(sum(deviations) <= math.floor(DEVIATION_SCALE * bound.deviation_ceiling))
    if bound.cost_ceiling is not None:
        cost = sum(
            math.floor(COST_SCALE * c.cost_per_unit_year * n.m(c.id)) * feas.x[Key(n.code, c.id)]
            for n in instance.eligible
            for c in instance.capabilities
        )
        model.add(cost <= math.floor(COST_SCALE * bound.cost_ceiling))


def _split_by_cpsat(
    instance: AllocationInstance,
    units: dict[Key, int],
    members: dict[str, tuple[CapabilityData, ...]],
    time_limit_s: float,
) -> dict[Key, int] | None:
    """Units of the merged types split back per member type by CP-SAT, when the greedy split
    rounds a pool over: (1)–(7) with each nation's units of each merged type fixed.

    Every nation keeps its totals, so its caps, deviations and (equal) costs are those of the
    merged units; only the pools can break. At all-Europe's largest force the greedy split
    spreads a small nation's two units over two types (two pools rounded up instead of one)
    and the rounds with less room find no division; this split settles it in 0.02 s.
    """
    feas = build_all_limits(instance)
    eligible = {n.code for n in instance.eligible}
    for n in instance.eligible:
        for merged_id, group in members.items():
            together = sum(feas.x[Key(n.code, c.id)] for c in group)
            feas.model.add(together == units.get(Key(n.code, merged_id), 0))
    solver = cp_solver(time_limit_s, SPLIT_DETERMINISTIC_S)
    if solver.solve(feas.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    split = {key: int(solver.value(var)) for key, var in feas.x.items() if key.nation in eligible}
    return None if evaluate(instance, units_frame(split)) else split


def pool_pax(instance: AllocationInstance, code: str, units: dict[Key, int]) -> int:
    """Personnel in nation ``code``'s rounded rotation pools (pax)."""
    n = instance.nation(code)
    return sum(
        n.pool_units(c.id, units.get(Key(code, c.id), 0)) * c.personnel_per_unit_pax
        for c in instance.capabilities
    )


def pool_overflow(instance: AllocationInstance, units: dict[Key, int]) -> dict[str, float]:
    """Pax by which each nation's rounded pools exceed what it can spare (only those over)."""
    out: dict[str, float] = {}
    for n in instance.eligible:
        pool = pool_pax(instance, n.code, units)
        if pool > n.available_pax + EPS:
            out[n.code] = pool - n.available_pax
    return out


def units_frame(units: dict[Key, int]) -> pd.DataFrame:
    """Units as the ``nation, capability, units`` frame ``evaluate`` reads."""
    rows = [(k.nation, k.capability, v) for k, v in units.items() if v]
    return pd.DataFrame(rows, columns=["nation", "capability", "units"])


def complete(
    instance: AllocationInstance, bound: Bound, time_limit_s: float
) -> dict[Key, int] | None:
    """Units that keep every limit and attain ``bound``, or None when none is found.

    First on the merged instance (split back and re-checked), then on the instance itself.
    """
    found = settle(instance, bound, time_limit_s)
    return found if isinstance(found, dict) else None


def settle(
    instance: AllocationInstance,
    bound: Bound,
    time_limit_s: float,
    deterministic_s: float = COMPLETION_DETERMINISTIC_S,
) -> dict[Key, int] | Literal[False] | None:
    """Units that keep every limit and the bound's restrictions; False when proven there are
    none (on the merged instance, a relaxation, or on the instance); None when not found.

    First on the merged instance (``_settle_merged``), then on the instance itself, unless
    CP-SAT could not settle the merged instance at all: a relaxation with fewer variables, so
    the instance would not be settled either (on the generated 300 × 30 instance a search's
    last question took 4.5 s undecided on the merged instance and 8 s more on the instance).
    """
    by_cost = bound.cost_budget is not None or bound.cost_ceiling is not None
    small, members = merged(instance, bound.allowed, by_cost=by_cost)
    if len(small.capabilities) < len(instance.capabilities):
        found = _settle_merged(instance, small, members, bound, time_limit_s, deterministic_s)
        if found is not None:
            return None if found == "undecided" else found
    found = _complete_on(instance, bound, time_limit_s, deterministic_s)
    if isinstance(found, dict) and evaluate(instance, units_frame(found)):
        return None
    return found


def _settle_merged(
    instance: AllocationInstance,
    small: AllocationInstance,
    members: dict[str, tuple[CapabilityData, ...]],
    bound: Bound,
    time_limit_s: float,
    deterministic_s: float,
) -> dict[Key, int] | Literal[False, "undecided"] | None:
    """The bound's question on the merged instance ``small``: False when it has no division
    (a relaxation: nor has the instance), "undecided" when CP-SAT could not tell, units
    when a division splits back per type, else None.

    Each division is split greedily (``split_units``), else by CP-SAT (``_split_by_cpsat``,
    on instances of at most ``SPLIT_MAX_VARIABLES`` units variables); where both fail, each
    nation whose pools the greedy split rounds over is left that much less room and CP-SAT
    asked again (``SPLIT_ROUNDS``).
    """
    for attempt in range(SPLIT_ROUNDS):
        found = _complete_on(small, bound, time_limit_s, deterministic_s)
        if attempt == 0 and not isinstance(found, dict):
            return "undecided" if found is None else False
        if not isinstance(found, dict):
            break
        units = split_units(instance, found, members)
        over = pool_overflow(instance, units)
        if not over and not evaluate(instance, units_frame(units)):
            return units
        exact = None
        if len(instance.nations) * len(instance.capabilities) <= SPLIT_MAX_VARIABLES:
            exact = _split_by_cpsat(instance, found, members, time_limit_s)
        if exact is not None:
            return exact
        # the split rounded more pools up than the merged types did: leave each
        # overflowing nation that much less room and ask again
        extra = {
            code: pool_pax(instance, code, units) - pool_pax(small, code, found) for code in over
        }
        small = dataclasses.replace(
            small,
            nations=tuple(
                dataclasses.replace(n, available_pax=n.available_pax - extra[n.code])
                if n.code in extra
                else n
                for n in small.nations
            ),
        )
    return None


@dataclass(frozen=True)
class Attempt:
    """A bound-and-complete attempt: the proven optimum if attained, else the bound (or None)."""

    found: Completion | None
    bound: float | None


def bound_and_complete(
    instance: AllocationInstance,
    objective: Objective,
    time_limit_s: float,
    tolerance: float,
    caps: dict[str, float] | None = None,
) -> Attempt:
    """A proven optimum of ``objective`` from a bound and a completion, or the bound alone.

    ``tolerance``: the relative gap accepted between the completion's value and the bound
    (the solver's relative MIP gap), on top of floating-point noise. ``caps`` (min_cost
    only): personnel caps per nation, for the lexicographic cost stage. When the bound's own
    totals cannot be completed, a search above the bound (``search_above``) asks CP-SAT for
    better ones. The bound alone is still worth having: as a cut (formulation (10)) it spares
    SCIP most of its proof.
    """
    best: float | None = None
    for bound in lower_bounds(instance, objective, caps):
        best = bound.value if best is None else max(best, bound.value)
        units = settle(instance, bound, time_limit_s)
        if isinstance(units, dict):
            value = objective_value(instance, objective, units)
            if proven_within(value, bound.value, tolerance):
                return Attempt(Completion(units, value, min(bound.value, value)), best)
        if units is False and bound.steps is not None and _pinned(bound):
            bound = dataclasses.replace(bound, steps=bound.steps[1:])  # its own step is empty
        searched = search_above(instance, objective, bound, time_limit_s, tolerance)
        if searched.bound is not None:
            best = max(best, searched.bound)
        if searched.found is not None:
            return Attempt(searched.found, best)
    return Attempt(None, best)


def _pinned(bound: Bound) -> bool:
    """Whether the question at the bound's own step leaves every nation only the bound's
    total, so that a completion proving those totals impossible proves the step empty (at
    all-Europe's largest force: one question, 0.5 s, fewer)."""
    if bound.steps is None or bound.at is None or bound.totals is None:
        return False
    question = bound.at(bound.steps[0])
    pinned = {code: (total,) for code, total in bound.totals.items()}
    return question is not None and question.domains == pinned


# ---------------------------------------------------------------------------------------------
# Searching above a bound that its own totals do not attain.
# ---------------------------------------------------------------------------------------------


def search_above(
    instance: AllocationInstance,
    objective: Objective,
    bound: Bound,
    time_limit_s: float,
    tolerance: float,
) -> Attempt:
    """The optimum from the questions ``bound.at`` asks CP-SAT, or a better lower bound.

    Over ``bound.steps`` when the objective takes finitely many values (``_search_steps``),
    else over targets (``_search_targets``). Each question is settled like a completion, on
    the merged instance first (its "none" is a proof: a relaxation); at most
    ``SEARCH_PROBES`` questions, each within ``PROBE_DETERMINISTIC_S``, and the wall-clock
    ``time_limit_s`` for the whole search as a backstop.
    """
    if bound.at is None:
        return Attempt(None, None)
    deadline = time.perf_counter() + time_limit_s
    if bound.steps is not None:
        return _search_steps(instance, objective, bound, deadline, tolerance)
    return _search_targets(instance, objective, bound, deadline, tolerance)


def _ask(
    instance: AllocationInstance, bound: Bound, target: float, deadline: float
) -> dict[Key, int] | Literal[False] | None:
    """Units whose objective is at most ``target`` (by ``bound.at``); False when there are
    none (by the bound's programme or CP-SAT); None when not settled in time."""
    assert bound.at is not None
    question = bound.at(target)
    if question is None:
        return False
    left = deadline - time.perf_counter()
    if left <= 0:
        return None
    return settle(instance, question, left, PROBE_DETERMINISTIC_S)


def _hopeless(instance: AllocationInstance, nones: int, deadline: float) -> bool:
    """After a search's second question answered none: whether no allocation keeps (1)–(7)
    at all, so that no target has one (the shipped scenarios' requirements end here, in
    three questions instead of ``SEARCH_PROBES``)."""
    if nones != 2:
        return False
    left = deadline - time.perf_counter()
    if left <= 0:
        return False
    small = merged(instance)[0]  # a relaxation: enough to prove there is none
    return _complete_on(small, Bound(math.inf), left, PROBE_DETERMINISTIC_S) is False


def _search_steps(
    instance: AllocationInstance,
    objective: Objective,
    bound: Bound,
    deadline: float,
    tolerance: float,
) -> Attempt:
    """The least of the objective's finitely many values some allocation attains.

    Galloping up from the bound (the bound's step, the next, then 1, 3, 7, ... steps above the
    highest proven empty: the optimum is usually a step or two above the bound), then
    bisecting between the highest step proven empty and the best found.
    """
    assert bound.steps is not None
    steps = bound.steps
    low, jump, nones = 0, 1, 0  # no allocation has a value below steps[low]
    best: Completion | None = None
    top = len(steps)  # steps[top] is at least the best value found
    for _ in range(SEARCH_PROBES):
        if low >= len(steps):
            break
        ahead = min(low + (jump - 1) // 2, len(steps) - 1)
        index = ahead if best is None else (low + top) // 2
        jump *= 2
        answer = _ask(instance, bound, steps[index], deadline)
        if answer is None:
            break
        if answer is False:
            low, nones = index + 1, nones + 1
            if _hopeless(instance, nones, deadline):
                break
        else:
            value = objective_value(instance, objective, answer)
            best = Completion(answer, value, steps[low])
            top = max(low, bisect.bisect_right(steps, value + 1e-9 * max(1.0, abs(value))) - 1)
        if best is not None and proven_within(best.value, steps[min(low, top)], tolerance):
            lower = steps[min(low, top)]
            return Attempt(dataclasses.replace(best, bound=min(lower, best.value)), lower)
    return Attempt(None, steps[low] if low < len(steps) else None)


def _search_targets(
    instance: AllocationInstance,
    objective: Objective,
    bound: Bound,
    deadline: float,
    tolerance: float,
) -> Attempt:
    """The least objective value to within ``tolerance``, by questions "at most this target?".

    The first target is the bound widened by the tolerance; while the answer is none, the
    lower bound rises to the target and the widening grows eightfold. Once an allocation is
    found, the target is its value less the tolerance: none proves it, else the next one is
    better (on small hand instances this proved every optimum the bisection of the gap ran
    out of questions on).
    """
    lower = bound.value
    widen = tolerance * abs(lower) + 1e-9 * max(1.0, abs(lower))
    target = lower + widen
    best: Completion | None = None
    nones = 0
    for _ in range(SEARCH_PROBES):
        answer = _ask(instance, bound, target, deadline)
        if answer is None:
            break
        if answer is False:
            lower, widen, nones = target, 8.0 * widen, nones + 1
            if _hopeless(instance, nones, deadline):
                break
        else:
            value = objective_value(instance, objective, answer)
            if best is None or value < best.value:
                best = Completion(answer, value, lower)
        if best is not None and proven_within(best.value, lower, tolerance):
            return Attempt(dataclasses.replace(best, bound=min(lower, best.value)), lower)
        if best is None:
            target = lower + widen
        else:
            target = best.value - tolerance * abs(best.value) - 5e-10 * max(1.0, abs(best.value))
    return Attempt(None, lower)
