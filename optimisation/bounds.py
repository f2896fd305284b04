"""Combinatorial lower bounds and their completion: proven optima without branch and bound.

Each objective has a lower bound that ignores one coupling of the model, computed exactly by a
dynamic programme or a minimum; when an allocation keeping every limit (1)–(7) attains it, that
allocation is optimal, with the bound as its proof. SCIP is then not run.

- ``min_sum_deviation``: both fairness objectives depend on an allocation only through the
  totals P_n. Dropping (1)'s split by type and keeping only Σ_n P_n = P* leaves
  min Σ_n |P_n − f_n P*| over P_n ∈ 𝒫_n (each nation's deployable totals on its own limits,
  ``instance.achievable_personnel_pax``): a dynamic programme over the running total in steps
  of the unit sizes' greatest common divisor. It gives the bound and totals attaining it.
- ``min_max_deviation``: t* is one of the finitely many excesses (P − f_n P*)/(f_n P*),
  P ∈ 𝒫_n. The bound is the smallest such t for which totals P_n ∈ 𝒫_n, each at most
  (1 + t) f_n P*, can sum to P* (a reachability programme, bisected over the sorted
  candidates); among the totals that reach it, those nearest the fair shares are kept.
- ``min_cost``: every unit of type k costs at least c_k · min_n m_nk; the bound is met only by
  allocations that use for each type just the nations where it is cheapest.

Completion: CP-SAT looks for units keeping (1)–(7) with each nation's total fixed to the
bound's totals (or, for cost, only the cheapest nations per type) — a feasibility question
without an objective, which it settles in hundredths of a second on the shipped scenarios.
It is asked on a merged copy of the instance: capabilities that no nation tells apart (same
unit size, same multiplier in every nation, no nation's unit limit or inventory on them; for
cost, also the same cheapest nations) become one, which removes
the symmetry between them. The merged copy is a relaxation (one rounded pool for the merged
units instead of one per type), so its units are split back per type and re-checked with
``evaluate``; where the split rounds a nation's pools over what it can spare, that nation is
given that much less room on the merged copy and CP-SAT is asked again (``SPLIT_ROUNDS``),
and last on the instance itself. CP-SAT runs one worker, a fixed seed and a deterministic
time limit (the scenario's wall-clock limit only as a backstop), so the same instance gives
the same answer. When no completion attains the bound (the bound is not
tight, or CP-SAT runs out of its deterministic time), ``solve`` falls back to SCIP.

Measured (benchmarks/optimiser.py, medians): on the shipped scenarios' largest forces the
bound is the optimum for both fairness objectives and for the lexicographic cost stage, and
the completions take 0.01–0.03 s (SCIP: 0.14–0.28 s). For min cost there the cheapest-nation
bound is not tight and the (units, personnel) bound falls short of the optimum by 2e-6 (the
mix decides), so SCIP proves it, from that bound (formulation (10)). On the generated 300 × 30
instance the cheapest-nation cost bound is the optimum and its completion takes about 1.4 s
over several split rounds (SCIP: 7.5 s); the fairness bounds are not tight there (t: bound
0.166, optimum in (0.17, 0.19]; sum: bound 22,837 pax, SCIP's best about 31,000): the split
of the force by type, a bin-packing question, decides, and SCIP runs as before. On
all-Europe's largest force the fairness bounds are close but not attained by the completion
(t: 3.493 against an optimum of 3.504; sum: 64,224 pax, attained by SCIP from the bound).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import reduce

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from logistics_sim.scenario import Objective
from optimisation.formulation import Key, build_feasibility
from optimisation.instance import (
    EPS,
    AllocationInstance,
    CapabilityData,
    NationData,
    achievable_personnel_pax,
    evaluate,
    unit_options,
)

#: CP-SAT's deterministic time limit for one completion (its own work units, about seconds on
#: this machine; the baseline's completions take about 0.01, the 300 × 30 cost one 0.01).
COMPLETION_DETERMINISTIC_S = 1.0
#: Attempts on the merged instance, each leaving the nations whose pools the split overfilled
#: that much less room (the 300 × 30 cost completion needs several).
SPLIT_ROUNDS = 6
#: Largest (units, personnel) cost programme attempted: its states times the nations' cells.
COUNT_DP_MAX_WORK = 200_000_000
#: Cost coefficients scaled to integers for CP-SAT's budget rows (the result is re-checked).
COST_SCALE = 1_000_000
#: Largest dynamic programme attempted: states (P* over the step) times deployable totals.
DP_MAX_WORK = 50_000_000


@dataclass(frozen=True)
class Bound:
    """A lower bound and what an allocation must do to attain it.

    ``totals``: each eligible nation's personnel (pax) in the bound's solution, or None;
    ``allowed``: the (nation, capability) pairs that may hold units, or None; ``counts``: each
    nation's units, or None; ``cost_budget``: the most each nation's units may cost (only
    where its types' costs differ), or None; ``caps``: personnel caps every allocation keeps
    (the lexicographic cost stage's fairness tolerance), or None.
    """

    value: float
    totals: dict[str, int] | None = None
    allowed: frozenset[Key] | None = None
    counts: dict[str, int] | None = None
    cost_budget: dict[str, float] | None = None
    caps: dict[str, float] | None = None


@dataclass(frozen=True)
class Completion:
    """Units attaining a bound: the proven optimum's allocation and its objective value."""

    units: dict[Key, int]
    value: float
    bound: float


# ---------------------------------------------------------------------------------------------
# Objective values of an allocation (the model's definitions, without a solver).
# ---------------------------------------------------------------------------------------------


def personnel_by_nation(instance: AllocationInstance, units: dict[Key, int]) -> dict[str, int]:
    """P_n for every eligible nation (pax)."""
    out = {n.code: 0 for n in instance.eligible}
    for c in instance.capabilities:
        for n in instance.eligible:
            out[n.code] += c.personnel_per_unit_pax * units.get(Key(n.code, c.id), 0)
    return out


def objective_value(
    instance: AllocationInstance, objective: Objective, units: dict[Key, int]
) -> float:
    """The value of ``objective`` (not lexicographic or largest_force) for these units."""
    if objective is Objective.min_cost:
        return float(
            sum(
                c.cost_per_unit_year * n.m(c.id) * units.get(Key(n.code, c.id), 0)
                for n in instance.eligible
                for c in instance.capabilities
            )
        )
    target = float(instance.required_pax)
    totals = personnel_by_nation(instance, units)
    fair = {n.code: instance.fair_share.get(n.code, 0.0) * target for n in instance.eligible}
    if objective is Objective.min_sum_deviation:
        return float(sum(abs(totals[code] - fair[code]) for code in totals))
    excess = [(totals[code] - fair[code]) / fair[code] for code in totals if fair[code] > 0]
    return max([0.0, *excess])


# ---------------------------------------------------------------------------------------------
# Bounds.
# ---------------------------------------------------------------------------------------------


def _deployable(instance: AllocationInstance) -> tuple[int, dict[str, np.ndarray]] | None:
    """The totals' step and each eligible nation's deployable totals; None if the DP is off.

    Off when a nation's own minimums cannot be met (SCIP proves that), when nothing is
    required, or when the programme would be larger than ``DP_MAX_WORK``.
    """
    caps = instance.capabilities
    if not caps or not instance.eligible or instance.required_pax <= 0:
        return None
    step = reduce(math.gcd, (c.personnel_per_unit_pax for c in caps))
    totals = {n.code: achievable_personnel_pax(instance, n) for n in instance.eligible}
    if any(t.size == 0 for t in totals.values()):
        return None
    work = (instance.required_pax // step + 1) * sum(t.size for t in totals.values())
    if work > DP_MAX_WORK:
        return None
    return step, totals


def _least_deviation(
    instance: AllocationInstance,
    step: int,
    totals: dict[str, np.ndarray],
    cap: dict[str, float] | None = None,
) -> Bound | None:
    """min Σ_n |P_n − f_n P*| over P_n ∈ 𝒫_n (each ≤ cap_n) with Σ_n P_n = P*, and its P_n.

    A dynamic programme over the running total (units of ``step`` pax), nations in order; the
    choice per nation and total is kept to read the totals back. None when no choice sums to P*.
    """
    target = float(instance.required_pax)
    states = instance.required_pax // step
    best = np.full(states + 1, np.inf)
    best[0] = 0.0
    choices: list[np.ndarray] = []
    for n in instance.eligible:
        fair = instance.fair_share.get(n.code, 0.0) * target
        options = totals[n.code]
        if cap is not None:
            options = options[options <= cap[n.code] + EPS]
        grown = np.full(states + 1, np.inf)
        choice = np.full(states + 1, -1, dtype=np.int64)
        for total in options:
            shift = int(total) // step
            if shift > states:
                break
            candidate = best[: states + 1 - shift] + abs(float(total) - fair)
            better = candidate < grown[shift:]
            grown[shift:][better] = candidate[better]
            choice[shift:][better] = total
        best = grown
        choices.append(choice)
    if not math.isfinite(best[states]):
        return None
    chosen: dict[str, int] = {}
    state = states
    for n, choice in zip(reversed(instance.eligible), reversed(choices), strict=True):
        total = int(choice[state])
        chosen[n.code] = total
        state -= total // step
    return Bound(float(best[states]), totals=chosen)


def _reachable(
    instance: AllocationInstance, step: int, totals: dict[str, np.ndarray], cap: dict[str, float]
) -> bool:
    """Whether totals P_n ∈ 𝒫_n, each at most cap_n, can sum to P* exactly."""
    states = instance.required_pax // step
    reach = np.zeros(states + 1, dtype=bool)
    reach[0] = True
    for n in instance.eligible:
        options = totals[n.code]
        options = options[options <= cap[n.code] + EPS]
        grown = np.zeros_like(reach)
        for total in options:
            shift = int(total) // step
            if shift > states:
                break
            grown[shift:] |= reach[: states + 1 - shift]
        reach = grown
    return bool(reach[states])


def sum_deviation_bound(instance: AllocationInstance) -> Bound | None:
    """Lower bound on the sum of absolute deviations and the totals attaining it."""
    deployable = _deployable(instance)
    if deployable is None:
        return None
    return _least_deviation(instance, *deployable)


def _fair_pax(instance: AllocationInstance) -> dict[str, float]:
    """Each eligible nation's fair share of the requirement, f_n P*, in personnel."""
    target = float(instance.required_pax)
    return {n.code: instance.fair_share.get(n.code, 0.0) * target for n in instance.eligible}


def excess_caps(
    instance: AllocationInstance, t: float, fair: dict[str, float] | None = None
) -> dict[str, float]:
    """Personnel caps (1 + t) f_n P* that keep every nation's relative excess within t.

    A nation without a fair share has no cap (inf). ``fair``: f_n P* when already at hand.
    """
    fair = _fair_pax(instance) if fair is None else fair
    return {code: (1.0 + t) * f if f > 0 else math.inf for code, f in fair.items()}


def max_deviation_bound(instance: AllocationInstance) -> Bound | None:
    """Lower bound on the largest relative excess t and totals within (1 + t) f_n P*.

    t* is among the candidates (P − f_n P*)/(f_n P*), P ∈ 𝒫_n, and 0; reachability is
    monotone in t, so a bisection over the sorted candidates finds the smallest reachable one.
    """
    deployable = _deployable(instance)
    if deployable is None:
        return None
    step, totals = deployable
    fair = _fair_pax(instance)
    excesses = {0.0}
    for code, options in totals.items():
        if fair[code] > 0:
            above = options[options > fair[code] + EPS]
            excesses.update(((above - fair[code]) / fair[code]).tolist())
    candidates = sorted(excesses)

    def caps(t: float) -> dict[str, float]:
        return excess_caps(instance, t, fair)

    if not _reachable(instance, step, totals, caps(candidates[-1])):
        return None
    low, high = -1, len(candidates) - 1  # candidates[high] reachable, candidates[low] not
    while high - low > 1:
        mid = (low + high) // 2
        if _reachable(instance, step, totals, caps(candidates[mid])):
            high = mid
        else:
            low = mid
    t = candidates[high]
    within = _least_deviation(instance, step, totals, caps(t))
    if within is None:  # pragma: no cover - reachable above means a finite programme here
        return None
    return Bound(t, totals=within.totals)


def _fields_a_unit(n: NationData, c: CapabilityData) -> bool:
    """Whether n can keep at least one unit of c deployed on its own limits (as unit_options)."""
    low = max(n.min_units.get(c.id, 0), 1)
    if n.max_units.get(c.id, c.required_units) < low:
        return False
    if c.id in n.inventory_units and n.pool_units(c.id, low) > n.inventory_units[c.id]:
        return False
    return n.pool_units(c.id, low) * c.personnel_per_unit_pax <= n.available_pax + EPS


def cost_bound(instance: AllocationInstance, caps: dict[str, float] | None = None) -> Bound | None:
    """Σ_k R_k · min_n c_k m_nk over nations that can field a unit of k, and those nations.

    ``caps``: personnel caps the completion must keep too (the bound ignores them).
    """
    value = 0.0
    allowed: set[Key] = set()
    for c in instance.capabilities:
        if c.required_units == 0:
            continue
        able = [n for n in instance.eligible if _fields_a_unit(n, c)]
        if not able:
            return None
        cheapest = min(c.cost_per_unit_year * n.m(c.id) for n in able)
        value += c.required_units * cheapest
        allowed.update(
            Key(n.code, c.id)
            for n in able
            if c.cost_per_unit_year * n.m(c.id) <= cheapest * (1.0 + 1e-12) + 1e-12
        )
    return Bound(value, allowed=frozenset(allowed), caps=caps)


def _by_counts(
    n: NationData, caps: tuple[CapabilityData, ...], step: int, units: int, states: int
) -> tuple[np.ndarray, np.ndarray]:
    """Over (units U, personnel P / step), as far as n can go: whether n's pools hold some
    such division, and the least cost Σ_k c_k m_nk x_k of one (pools aside)."""
    options = [unit_options(n, c) for c in caps]
    top_u = min(units, sum(o[-1][0] for o in options if o))
    top_p = min(
        states,
        sum(
            o[-1][0] * c.personnel_per_unit_pax // step
            for o, c in zip(options, caps, strict=True)
            if o
        ),
    )
    pool = np.full((top_u + 1, top_p + 1), np.inf)
    pool[0, 0] = 0.0
    cost = pool.copy()
    for c, option in zip(caps, options, strict=True):
        grown_pool = np.full_like(pool, np.inf)
        grown_cost = np.full_like(cost, np.inf)
        for count, pool_pax in option:
            shift = count * c.personnel_per_unit_pax // step
            if count > top_u or shift > top_p:
                break
            np.minimum(
                grown_pool[count:, shift:],
                pool[: top_u + 1 - count, : top_p + 1 - shift] + pool_pax,
                out=grown_pool[count:, shift:],
            )
            np.minimum(
                grown_cost[count:, shift:],
                cost[: top_u + 1 - count, : top_p + 1 - shift]
                + count * c.cost_per_unit_year * n.m(c.id),
                out=grown_cost[count:, shift:],
            )
        pool, cost = grown_pool, grown_cost
    return pool <= n.available_pax + EPS, cost


def count_cost_bound(
    instance: AllocationInstance, caps: dict[str, float] | None = None
) -> Bound | None:
    """Cost bound keeping each nation's pools: min Σ_n g_n(U_n, P_n) with Σ U_n = Σ_k R_k and
    Σ P_n = P*, g_n the least cost of U units and P pax among divisions n's pools can hold.

    Exact when a nation's units all cost the same (costs equal across types, as in the
    shipped scenarios) and the required mix holds no more: only the split by type is left
    out. ``caps``: personnel caps per nation (the lexicographic cost stage). None when the
    programme is too large.
    """
    caps_k = instance.capabilities
    if not caps_k or not instance.eligible or instance.required_pax <= 0:
        return None
    step = reduce(math.gcd, (c.personnel_per_unit_pax for c in caps_k))
    units = sum(c.required_units for c in caps_k)
    states = instance.required_pax // step
    if (units + 1) * (states + 1) * len(instance.eligible) * len(caps_k) > 10 * COUNT_DP_MAX_WORK:
        return None  # (at least one option per nation and type: too large before counting)
    options = sum(len(unit_options(n, c)) for n in instance.eligible for c in caps_k)
    if options * (units + 1) * (states + 1) > COUNT_DP_MAX_WORK:
        return None
    tables: list[tuple[NationData, np.ndarray]] = []
    work = 0
    for n in instance.eligible:
        holds, cost = _by_counts(n, caps_k, step, units, states)
        pax = np.arange(holds.shape[1]) * step
        keep = (pax >= n.min_deployed_pax) & (pax <= n.max_deployed_pax + EPS)
        if caps is not None:
            keep &= pax <= caps.get(n.code, math.inf) + EPS
        table = np.where(holds & keep[None, :], cost, np.inf)
        work += int(np.isfinite(table).sum()) * (units + 1) * (states + 1)
        if work > COUNT_DP_MAX_WORK:
            return None
        tables.append((n, table))
    # forward: best[i][U, P] = least cost of the first i nations deploying U units, P pax
    best = [np.full((units + 1, states + 1), np.inf)]
    best[0][0, 0] = 0.0
    for _, table in tables:
        grown = np.full_like(best[-1], np.inf)
        for u, p in np.argwhere(np.isfinite(table)):
            np.minimum(
                grown[u:, p:],
                best[-1][: units + 1 - u, : states + 1 - p] + table[u, p],
                out=grown[u:, p:],
            )
        best.append(grown)
    value = float(best[-1][units, states])
    if not math.isfinite(value):
        return None
    counts: dict[str, int] = {}
    chosen: dict[str, int] = {}
    budget: dict[str, float] = {}
    u_left, p_left = units, states
    for i in range(len(tables), 0, -1):  # back: a cell that adds up to the best
        n, table = tables[i - 1]
        cells = np.argwhere(np.isfinite(table))
        cells = cells[(cells[:, 0] <= u_left) & (cells[:, 1] <= p_left)]
        totals = (
            best[i - 1][u_left - cells[:, 0], p_left - cells[:, 1]]
            + table[cells[:, 0], cells[:, 1]]
        )
        u, p = (int(v) for v in cells[int(np.argmin(totals))])
        counts[n.code], chosen[n.code] = u, p * step
        if len({c.cost_per_unit_year * n.m(c.id) for c in caps_k}) > 1:
            budget[n.code] = float(table[u, p])
        u_left, p_left = u_left - u, p_left - p
    return Bound(value, totals=chosen, counts=counts, cost_budget=budget or None, caps=caps)


def lower_bounds(
    instance: AllocationInstance, objective: Objective, caps: dict[str, float] | None = None
) -> Iterator[Bound]:
    """The bounds of ``objective`` (min_max_deviation, min_sum_deviation or min_cost), the
    cheapest first; ``caps`` (cost only): personnel caps every allocation keeps."""
    if objective is Objective.min_sum_deviation:
        found = sum_deviation_bound(instance)
    elif objective is Objective.min_max_deviation:
        found = max_deviation_bound(instance)
    else:
        cheapest = cost_bound(instance, caps)
        found = count_cost_bound(instance, caps)
        if found is None or (
            cheapest is not None and found.value <= cheapest.value * (1 + 1e-12) + 1e-12
        ):
            found = cheapest  # as strong, and its completion is freer
    if found is not None:
        yield found


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
) -> dict[Key, int] | bool | None:
    """CP-SAT: units keeping (1)–(7) and the bound's totals, counts, allowed pairs, caps and
    budgets; False when there are none, None when CP-SAT could not tell in time."""
    feas = build_feasibility(instance)
    for literal in feas.literals.values():
        feas.model.add(literal == 1)
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
        mine = [(c, feas.x[Key(n.code, c.id)]) for c in instance.capabilities]
        if bound.caps is not None and math.isfinite(bound.caps.get(n.code, math.inf)):
            cap = math.floor(bound.caps[n.code] + EPS)
            feas.model.add(sum(c.personnel_per_unit_pax * x for c, x in mine) <= cap)
        if bound.counts is not None:
            feas.model.add(sum(x for _, x in mine) == bound.counts[n.code])
        if bound.cost_budget is not None and n.code in bound.cost_budget:
            scaled = [(round(COST_SCALE * c.cost_per_unit_year * n.m(c.id)), x) for c, x in mine]
            budget = round(COST_SCALE * bound.cost_budget[n.code]) + len(mine)
            feas.model.add(sum(w * x for w, x in scaled) <= budget)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = COMPLETION_DETERMINISTIC_S
    solver.parameters.max_time_in_seconds = max(time_limit_s, 0.01)
    status = solver.solve(feas.model)
    if status == cp_model.INFEASIBLE:
        return False
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return {key: int(solver.value(var)) for key, var in feas.x.items() if key.nation in eligible}


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


def _frame(units: dict[Key, int]) -> pd.DataFrame:
    """Units as the ``nation, capability, units`` frame ``evaluate`` reads."""
    rows = [(k.nation, k.capability, v) for k, v in units.items() if v]
    return pd.DataFrame(rows, columns=["nation", "capability", "units"])


def complete(
    instance: AllocationInstance, bound: Bound, time_limit_s: float
) -> dict[Key, int] | None:
    """Units that keep every limit and attain ``bound``, or None when none is found.

    First on the merged instance (split back and re-checked), then on the instance itself.
    """
    small, members = merged(instance, bound.allowed, by_cost=bound.cost_budget is not None)
    if len(small.capabilities) < len(instance.capabilities):
        for attempt in range(SPLIT_ROUNDS):
            found = _complete_on(small, bound, time_limit_s)
            if found is False and attempt == 0:
                return None  # the merged instance is a relaxation: none on the instance either
            if not isinstance(found, dict):
                break
            units = split_units(instance, found, members)
            over = pool_overflow(instance, units)
            if not over and not evaluate(instance, _frame(units)):
                return units
            # the split rounded more pools up than the merged types did: leave each
            # overflowing nation that much less room and ask again
            extra = {
                code: pool_pax(instance, code, units) - pool_pax(small, code, found)
                for code in over
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
    found = _complete_on(instance, bound, time_limit_s)
    if not isinstance(found, dict) or evaluate(instance, _frame(found)):
        return None
    return found


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
    only): personnel caps per nation, for the lexicographic cost stage. The bound alone is
    still worth having: as a cut (formulation (10)) it spares SCIP most of its proof.
    """
    best: float | None = None
    for bound in lower_bounds(instance, objective, caps):
        best = bound.value if best is None else max(best, bound.value)
        units = complete(instance, bound, time_limit_s)
        if units is None:
            continue
        value = objective_value(instance, objective, units)
        if value - bound.value > tolerance * abs(value) + 1e-9 * max(1.0, abs(value)):
            continue
        return Attempt(Completion(units, value, min(bound.value, value)), best)
    return Attempt(None, best)
