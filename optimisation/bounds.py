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
  allocations that use for each type just the nations where it is cheapest. Where the pools
  bind, the (units, personnel) programme is stronger: min Σ_n g_n(U_n, P_n) over
  Σ_n U_n = Σ_k R_k and Σ_n P_n = P*, g_n the least cost of U units and P pax n's pools hold.

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
whether some allocation keeps (1)–(7) with its objective at most a target, on the merged
copy, each nation restricted to what the bound's programme proves of every such allocation:
the totals (for cost, the (units, pax)) through which the programme stays within the target,
from a pass over the nations before it and one over those after (the largest excess: caps
(1 + t) f_n P* and the totals some choice within them sums to P* with; the sum and the cost:
also the target as a ceiling, in integers rounded down). Every restriction holds for every
allocation within the target, so "none" on the merged copy is a proof and raises the bound.
For t the targets are the finitely many excesses, from the bound up (galloping, then
bisecting; the bound's own step is skipped when the completion proved its totals impossible
and they are the only ones the step allows); for the sum and the cost, first the bound plus
the relative gap, then wider while none, then a found value less the gap. When no question
settles it within ``SEARCH_PROBES``, ``solve`` falls back to SCIP.

Measured (benchmarks/optimiser.py, medians): on the shipped scenarios' largest forces the bound
is the optimum for both fairness objectives and for the lexicographic cost stage, and the
completions take 0.01–0.03 s (SCIP: 0.14–0.28 s). For min cost there the cheapest-nation bound
is not tight and the (units, personnel) bound falls short of the optimum by 2e-6 (the mix
decides); the search's first question (bound + 1e-4) finds the optimum SCIP found, in 0.19 s
(SCIP from the bound: 0.22 s). On all-Europe's largest force (pools nearly full) no bound's own
totals split by type and SCIP proved none of the four objectives in 30 s; the searches prove
them all: t* = 3.5039 (the bound's own totals, the only ones its step allows, proven impossible
in 0.5 s; the next excess found in 0.8 s; 1.4 s in all), the sum 64,224 pax (= the bound, one
question, 0.8 s), min cost 627.781 against the (units, personnel) bound 627.777 (its passes
kept to the running totals the other nations can complete: 0.35 s with the questions' backward
pass, most of it building each nation's table, instead of about 5 s over every total; one
question and a CP-SAT split, 1.2 s in all), lexicographic 630.957 (2.5 s, both stages). On the
generated 300 × 30 instance the cheapest-nation cost bound is the optimum and its completion
takes about 1.4 s over several split rounds (SCIP: 7.5 s); the fairness bounds are not tight
there (t: bound 0.166, optimum in (0.17, 0.19]; sum: bound 22,837 pax, SCIP's best about
31,000): the split of the force by type, a bin-packing question, decides; the searches raise
the bounds to 0.1716 and 23,004 pax in 7–8 s and 5 s before running out of deterministic
time, and SCIP runs as before.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, reduce
from typing import Literal

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from logistics_sim.scenario import Objective
from optimisation.formulation import FeasibilityModel, Key, build_feasibility
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
#: Largest (units, personnel) cost programme attempted: its states times the nations' cells.
COUNT_DP_MAX_WORK = 200_000_000
#: Largest set of per-nation (units, personnel) tables built for it: options times states.
COUNT_TABLES_MAX_WORK = 1_000_000_000
#: Cost coefficients scaled to integers for CP-SAT's budget rows (the result is re-checked).
COST_SCALE = 1_000_000
#: Largest dynamic programme attempted: states (P* over the step) times deployable totals.
DP_MAX_WORK = 50_000_000
#: Deviations scaled to integers (per pax) for CP-SAT's ceiling row (floored: a relaxation).
DEVIATION_SCALE = 1_000
#: CP-SAT's deterministic time limit for one question of a search above a bound (all-Europe's
#: largest force needs at most 0.5).
PROBE_DETERMINISTIC_S = 2.0
#: Most questions one search above a bound asks.
SEARCH_PROBES = 16


@dataclass(frozen=True)
class Bound:
    """A lower bound and what an allocation must do to attain it.

    ``totals``: each eligible nation's personnel (pax) in the bound's solution, or None;
    ``allowed``: the (nation, capability) pairs that may hold units, or None; ``counts``: each
    nation's units, or None; ``cost_budget``: the most each nation's units may cost (only
    where its types' costs differ), or None; ``caps``: personnel caps every allocation keeps
    (the lexicographic cost stage's fairness tolerance), or None.

    A search above the bound asks CP-SAT whether some allocation has an objective value at
    most a target, restricted by what the bound's programme proves of every such allocation:
    ``domains``: the totals (pax) each nation may take; ``pairs``: the (units, pax) each
    nation may take; ``deviation_ceiling``, ``cost_ceiling``: the most the sum of deviations
    (pax) or the cost may be. ``at(target)`` builds that question (None: the programme alone
    proves there is no such allocation); ``steps``: the values the objective can take from the
    bound up, when finitely many (the largest excess), else None.
    """

    value: float
    totals: dict[str, int] | None = None
    allowed: frozenset[Key] | None = None
    counts: dict[str, int] | None = None
    cost_budget: dict[str, float] | None = None
    caps: dict[str, float] | None = None
    domains: dict[str, tuple[int, ...]] | None = None
    pairs: dict[str, tuple[tuple[int, int], ...]] | None = None
    deviation_ceiling: float | None = None
    cost_ceiling: float | None = None
    at: Callable[[float], Bound | None] | None = field(default=None, compare=False, repr=False)
    steps: tuple[float, ...] | None = None


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


def _add_nation(best: np.ndarray, shifts: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """One more nation in a least-cost programme over the running total (in steps): it takes
    one of its totals (``shifts``, ascending) at its cost."""
    states = best.size - 1
    grown = np.full_like(best, np.inf)
    for shift, cost in zip(shifts.tolist(), costs.tolist(), strict=True):
        if shift > states:
            break
        np.minimum(grown[shift:], best[: states + 1 - shift] + cost, out=grown[shift:])
    return grown


def _through(
    states: int, shifts: dict[str, np.ndarray], costs: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Per nation and total: the least Σ cost of the nations' totals summing to ``states``
    steps that take it (inf when none does); nations in the order of ``shifts``.

    The programme over the nations before it meets the one over the nations after it at the
    total's complement: two passes, then one minimum per total.
    """
    order = list(shifts)
    start = np.full(states + 1, np.inf)
    start[0] = 0.0
    prefix, suffix = [start], [start]
    for code in order:
        prefix.append(_add_nation(prefix[-1], shifts[code], costs[code]))
    for code in reversed(order):
        suffix.append(_add_nation(suffix[-1], shifts[code], costs[code]))
    suffix.reverse()  # suffix[i]: the nations from i on
    out: dict[str, np.ndarray] = {}
    for i, code in enumerate(order):
        values = np.full(shifts[code].size, np.inf)
        for j, (shift, cost) in enumerate(
            zip(shifts[code].tolist(), costs[code].tolist(), strict=True)
        ):
            if shift <= states:
                around = prefix[i][: states + 1 - shift] + suffix[i + 1][states - shift :: -1]
                values[j] = cost + float(np.min(around))
        out[code] = values
    return out


def _within(value: float, target: float) -> bool:
    """Whether ``value`` is at most ``target`` (less floating-point noise)."""
    return value <= target + 1e-9 * max(1.0, abs(target))


def _domains(
    totals: dict[str, np.ndarray], through: dict[str, np.ndarray], target: float
) -> dict[str, tuple[int, ...]] | None:
    """Each nation's totals through which the programme stays within ``target``; None when a
    nation has none (then no allocation is within it)."""
    out: dict[str, tuple[int, ...]] = {}
    for code, options in totals.items():
        keep = [int(p) for p, v in zip(options, through[code], strict=True) if _within(v, target)]
        if not keep:
            return None
        out[code] = tuple(keep)
    return out


def _deviation_question(
    instance: AllocationInstance, step: int, totals: dict[str, np.ndarray]
) -> Callable[[float], Bound | None]:
    """``Bound.at`` of the sum of deviations: totals within the target's programme, and the
    target as the sum's ceiling (the programme is run on the first question only)."""
    fair = _fair_pax(instance)
    shifts = {code: options // step for code, options in totals.items()}
    costs = {code: np.abs(options - fair[code]) for code, options in totals.items()}
    through = cache(lambda: _through(instance.required_pax // step, shifts, costs))

    def at(target: float) -> Bound | None:
        domains = _domains(totals, through(), target)
        if domains is None:
            return None
        return Bound(target, domains=domains, deviation_ceiling=target)

    return at


def _excess_question(
    instance: AllocationInstance, step: int, totals: dict[str, np.ndarray]
) -> Callable[[float], Bound | None]:
    """``Bound.at`` of the largest excess: caps (1 + t) f_n P* and the totals within them that
    some choice summing to P* takes."""
    fair = _fair_pax(instance)

    def at(t: float) -> Bound | None:
        caps = excess_caps(instance, t, fair)
        within = {code: options[options <= caps[code] + EPS] for code, options in totals.items()}
        shifts = {code: options // step for code, options in within.items()}
        free = {code: np.zeros(options.size) for code, options in within.items()}
        domains = _domains(within, _through(instance.required_pax // step, shifts, free), 0.0)
        if domains is None:
            return None
        return Bound(t, caps=caps, domains=domains)

    return at


def sum_deviation_bound(instance: AllocationInstance) -> Bound | None:
    """Lower bound on the sum of absolute deviations and the totals attaining it."""
    deployable = _deployable(instance)
    if deployable is None:
        return None
    found = _least_deviation(instance, *deployable)
    if found is None:
        return None
    return dataclasses.replace(found, at=_deviation_question(instance, *deployable))


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
    return Bound(
        t,
        totals=within.totals,
        at=_excess_question(instance, step, totals),
        steps=tuple(candidates[high:]),
    )


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


@dataclass(frozen=True)
class _Grid:
    """Least costs over a window of running (units, steps) totals; ``low``: cell [0, 0]'s."""

    costs: np.ndarray
    low: tuple[int, int]


@dataclass(frozen=True)
class _CountProgramme:
    """The (units, personnel) cost programme: per eligible nation its table (least cost by
    units and steps, inf where its pools hold no such division), the windows of the running
    totals after each nation, and the least costs of the nations before each."""

    tables: tuple[np.ndarray, ...]
    windows: tuple[tuple[tuple[int, int], tuple[int, int]], ...]
    prefix: tuple[_Grid, ...]
    total: tuple[int, int]
    step: int


def _overlap(
    src_low: int, src_len: int, dst_low: int, dst_len: int, shift: int
) -> tuple[slice, slice] | None:
    """Where a source window's totals, plus ``shift``, land in a destination window: the
    source and destination index ranges, or None."""
    first = max(0, dst_low - shift - src_low)
    last = min(src_len, dst_low + dst_len - shift - src_low)
    if first >= last:
        return None
    at = src_low + first + shift - dst_low
    return slice(first, last), slice(at, at + last - first)


def _advance(grid: _Grid, table: np.ndarray, low: tuple[int, int], high: tuple[int, int]) -> _Grid:
    """One more nation in the (units, personnel) programme, kept to the window [low, high]."""
    out = np.full((high[0] - low[0] + 1, high[1] - low[1] + 1), np.inf)
    for u, p in np.argwhere(np.isfinite(table)).tolist():
        across = _overlap(grid.low[0], grid.costs.shape[0], low[0], out.shape[0], u)
        down = _overlap(grid.low[1], grid.costs.shape[1], low[1], out.shape[1], p)
        if across is None or down is None:
            continue
        target = out[across[1], down[1]]
        np.minimum(target, grid.costs[across[0], down[0]] + table[u, p], out=target)
    return _Grid(out, low)


def _windows(
    tables: list[np.ndarray], total: tuple[int, int]
) -> list[tuple[tuple[int, int], tuple[int, int]]] | None:
    """For i = 0..N, the range of the first i nations' running (units, steps) totals that the
    other nations can still complete to ``total``; None when some range is empty.

    At the largest force every nation is near its most, so the ranges are narrow: on
    all-Europe's they are about 70 of the 1,800 steps of personnel, which makes the programme
    some 20 times cheaper than over every total.
    """
    extents = []
    for table in tables:
        cells = np.argwhere(np.isfinite(table))
        if cells.size == 0:
            return None
        extents.append((cells.min(axis=0), cells.max(axis=0)))
    zero = np.zeros(2, dtype=np.int64)
    least = np.cumsum([zero, *(lo for lo, _ in extents)], axis=0)
    most = np.cumsum([zero, *(hi for _, hi in extents)], axis=0)
    goal = np.array(total)
    out = []
    for i in range(len(tables) + 1):
        low = np.maximum(least[i], goal - (most[-1] - most[i]))
        high = np.minimum(most[i], goal - (least[-1] - least[i]))
        if (low > high).any():
            return None
        out.append(((int(low[0]), int(low[1])), (int(high[0]), int(high[1]))))
    return out


def _count_tables(
    instance: AllocationInstance, caps: dict[str, float] | None, step: int, total: tuple[int, int]
) -> list[np.ndarray]:
    """Each eligible nation's least cost by (units, steps) among divisions its pools hold,
    within its personnel limits and ``caps`` (inf elsewhere)."""
    tables = []
    for n in instance.eligible:
        holds, cost = _by_counts(n, instance.capabilities, step, *total)
        pax = np.arange(holds.shape[1]) * step
        keep = (pax >= n.min_deployed_pax) & (pax <= n.max_deployed_pax + EPS)
        if caps is not None:
            keep &= pax <= caps.get(n.code, math.inf) + EPS
        tables.append(np.where(holds & keep[None, :], cost, np.inf))
    return tables


def _count_programme(
    instance: AllocationInstance, caps: dict[str, float] | None
) -> _CountProgramme | None:
    """The (units, personnel) cost programme's forward pass; None when it is too large
    (``COUNT_DP_MAX_WORK``) or nothing sums to the requirement (first asked of the nations'
    totals alone, which is cheaper than building the tables: 0.2 s on the baseline's
    requirement, which no totals reach)."""
    caps_k = instance.capabilities
    if not caps_k or not instance.eligible or instance.required_pax <= 0:
        return None
    step = reduce(math.gcd, (c.personnel_per_unit_pax for c in caps_k))
    total = (sum(c.required_units for c in caps_k), instance.required_pax // step)
    size = (total[0] + 1) * (total[1] + 1)
    if size * len(instance.eligible) * len(caps_k) > 10 * COUNT_DP_MAX_WORK:
        return None  # (at least one option per nation and type: too large before counting)
    options = sum(len(unit_options(n, c)) for n in instance.eligible for c in caps_k)
    if options * size > COUNT_TABLES_MAX_WORK:
        return None
    deployable = _deployable(instance)
    free = {n.code: math.inf for n in instance.eligible}
    if deployable is None or not _reachable(instance, *deployable, caps or free):
        return None
    tables = _count_tables(instance, caps, step, total)
    windows = _windows(tables, total)
    if windows is None:
        return None
    work = sum(
        int(np.isfinite(table).sum()) * (high[0] - low[0] + 1) * (high[1] - low[1] + 1)
        for table, (low, high) in zip(tables, windows[1:], strict=True)
    )
    if work > COUNT_DP_MAX_WORK:
        return None
    prefix = [_Grid(np.zeros((1, 1)), (0, 0))]
    for table, (low, high) in zip(tables, windows[1:], strict=True):
        prefix.append(_advance(prefix[-1], table, low, high))
    if not math.isfinite(prefix[-1].costs[0, 0]):
        return None
    return _CountProgramme(tuple(tables), tuple(windows), tuple(prefix), total, step)


def _prefix_cost(grid: _Grid, units: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """The grid's least costs at these running totals (inf outside its window)."""
    rows, cols = units - grid.low[0], steps - grid.low[1]
    inside = (rows >= 0) & (rows < grid.costs.shape[0]) & (cols >= 0) & (cols < grid.costs.shape[1])
    out = np.full(units.shape, np.inf)
    out[inside] = grid.costs[rows[inside], cols[inside]]
    return out


def count_cost_bound(
    instance: AllocationInstance, caps: dict[str, float] | None = None
) -> Bound | None:
    """Cost bound keeping each nation's pools: min Σ_n g_n(U_n, P_n) with Σ U_n = Σ_k R_k and
    Σ P_n = P*, g_n the least cost of U units and P pax among divisions n's pools can hold.

    Exact when a nation's units all cost the same (costs equal across types, as in the
    shipped scenarios) and the required mix holds no more: only the split by type is left
    out. ``caps``: personnel caps per nation (the lexicographic cost stage). None when the
    programme is too large. Its ``at`` asks for the (units, pax) of each nation through which
    the programme stays within a target.
    """
    programme = _count_programme(instance, caps)
    if programme is None:
        return None
    value = float(programme.prefix[-1].costs[0, 0])
    counts: dict[str, int] = {}
    chosen: dict[str, int] = {}
    budget: dict[str, float] = {}
    u_left, p_left = programme.total
    for i in range(len(programme.tables), 0, -1):  # back: a cell that adds up to the best
        n, table = instance.eligible[i - 1], programme.tables[i - 1]
        cells = np.argwhere(np.isfinite(table))
        cells = cells[(cells[:, 0] <= u_left) & (cells[:, 1] <= p_left)]
        before = _prefix_cost(programme.prefix[i - 1], u_left - cells[:, 0], p_left - cells[:, 1])
        totals = before + table[cells[:, 0], cells[:, 1]]
        u, p = (int(v) for v in cells[int(np.argmin(totals))])
        counts[n.code], chosen[n.code] = u, p * programme.step
        if len({c.cost_per_unit_year * n.m(c.id) for c in instance.capabilities}) > 1:
            budget[n.code] = float(table[u, p])
        u_left, p_left = u_left - u, p_left - p
    return Bound(
        value,
        totals=chosen,
        counts=counts,
        cost_budget=budget or None,
        caps=caps,
        at=_cost_question(instance, programme, caps),
    )


def _suffix_grids(programme: _CountProgramme) -> list[_Grid]:
    """suffix[i]: the least costs of the nations from i on, by their running totals."""
    goal = programme.total
    suffix = [_Grid(np.zeros((1, 1)), (0, 0))]
    for i in range(len(programme.tables) - 1, -1, -1):
        low, high = programme.windows[i]
        window_low = (goal[0] - high[0], goal[1] - high[1])
        window_high = (goal[0] - low[0], goal[1] - low[1])
        suffix.append(_advance(suffix[-1], programme.tables[i], window_low, window_high))
    suffix.reverse()
    return suffix


def _cells_through(programme: _CountProgramme) -> list[list[tuple[int, int, float]]]:
    """Per nation, each (units, steps) cell and the least cost of the programme through it."""
    suffix = _suffix_grids(programme)
    goal = programme.total
    out = []
    for i, table in enumerate(programme.tables):
        before, after = programme.prefix[i], suffix[i + 1]
        flipped = after.costs[::-1, ::-1]
        cells = []
        for u, p in np.argwhere(np.isfinite(table)).tolist():
            d_u = after.costs.shape[0] - 1 - goal[0] + u + before.low[0] + after.low[0]
            d_p = after.costs.shape[1] - 1 - goal[1] + p + before.low[1] + after.low[1]
            across = _overlap(0, before.costs.shape[0], 0, flipped.shape[0], d_u)
            down = _overlap(0, before.costs.shape[1], 0, flipped.shape[1], d_p)
            if across is None or down is None:
                continue
            around = before.costs[across[0], down[0]] + flipped[across[1], down[1]]
            cells.append((u, p, float(table[u, p]) + float(np.min(around))))
        out.append(cells)
    return out


def _cost_question(
    instance: AllocationInstance, programme: _CountProgramme, caps: dict[str, float] | None
) -> Callable[[float], Bound | None]:
    """``Bound.at`` of the cost: each nation's (units, pax) through which the programme stays
    within the target, and the target as the cost's ceiling (the backward pass is run on the
    first question only)."""
    through = cache(lambda: _cells_through(programme))

    def at(target: float) -> Bound | None:
        pairs: dict[str, tuple[tuple[int, int], ...]] = {}
        for n, cells in zip(instance.eligible, through(), strict=True):
            keep = tuple((u, p * programme.step) for u, p, v in cells if _within(v, target))
            if not keep:
                return None
            pairs[n.code] = keep
        return Bound(target, pairs=pairs, cost_ceiling=target, caps=caps)

    return at


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
        counted = count_cost_bound(instance, caps)
        found = counted
        if counted is None or (
            cheapest is not None and counted.value <= cheapest.value * (1 + 1e-12) + 1e-12
        ):
            found = cheapest  # as strong, and its completion is freer
            if found is not None and counted is not None:
                found = dataclasses.replace(found, at=counted.at)  # its questions still hold
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
    deterministic_s: float = COMPLETION_DETERMINISTIC_S,
) -> dict[Key, int] | Literal[False] | None:
    """CP-SAT: units keeping (1)–(7) and the bound's totals, counts, allowed pairs, caps,
    budgets and search restrictions; False when there are none, None when CP-SAT could not
    tell in time."""
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
        _restrict_nation(feas, instance, n, bound)
    _restrict_ceilings(feas, instance, bound)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = deterministic_s
    solver.parameters.max_time_in_seconds = max(time_limit_s, 0.01)
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
        fair = _fair_pax(instance)
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
    feas = build_feasibility(instance)
    for literal in feas.literals.values():
        feas.model.add(literal == 1)
    eligible = {n.code for n in instance.eligible}
    for n in instance.eligible:
        for merged_id, group in members.items():
            together = sum(feas.x[Key(n.code, c.id)] for c in group)
            feas.model.add(together == units.get(Key(n.code, merged_id), 0))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = SPLIT_DETERMINISTIC_S
    solver.parameters.max_time_in_seconds = max(time_limit_s, 0.01)
    if solver.solve(feas.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    split = {key: int(solver.value(var)) for key, var in feas.x.items() if key.nation in eligible}
    return None if evaluate(instance, _frame(split)) else split


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
    if isinstance(found, dict) and evaluate(instance, _frame(found)):
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
        if not over and not evaluate(instance, _frame(units)):
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
            if _proven(value, bound.value, tolerance):
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


def _proven(value: float, lower: float, tolerance: float) -> bool:
    """Whether ``value`` is within the relative gap ``tolerance`` of a proven lower bound."""
    return value - lower <= tolerance * abs(value) + 1e-9 * max(1.0, abs(value))


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
        if best is not None and _proven(best.value, steps[min(low, top)], tolerance):
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
        if best is not None and _proven(best.value, lower, tolerance):
            return Attempt(dataclasses.replace(best, bound=min(lower, best.value)), lower)
        if best is None:
            target = lower + widen
        else:
            target = best.value - tolerance * abs(best.value) - 5e-10 * max(1.0, abs(best.value))
    return Attempt(None, lower)
