"""Combinatorial lower bounds: each objective's bound and what an allocation must do to attain it.

Each objective has a lower bound that ignores one coupling of the model, computed exactly by a
dynamic programme or a minimum; when an allocation keeping every limit (1)–(7) attains it
(``completion``), that allocation is optimal, with the bound as its proof. SCIP is then not run.

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
  bind, the (units, personnel) programme (``cost_programme``) is stronger:
  min Σ_n g_n(U_n, P_n) over Σ_n U_n = Σ_k R_k and Σ_n P_n = P*, g_n the least cost of U units
  and P pax n's pools hold.

Each bound also carries the question a search above it asks (``Bound.at``): what its programme
proves of every allocation within a target, from a pass over the nations before each one and
one over those after (the largest excess: caps (1 + t) f_n P* and the totals some choice within
them sums to P* with; the sum and the cost: also the target as a ceiling). ``completion`` asks
CP-SAT these questions.

Measured (benchmarks/optimiser.py, medians): on the shipped scenarios' largest forces the bound
is the optimum for both fairness objectives and for the lexicographic cost stage. For min cost
there the cheapest-nation bound is not tight and the (units, personnel) bound falls short of
the optimum by 2e-6 (the mix decides). On all-Europe's largest force (pools nearly full) no
bound's own totals split by type; the optima the searches prove are t* = 3.5039 (the next
excess above the bound), the sum 64,224 pax (= the bound) and min cost 627.781 against the
(units, personnel) bound 627.777. On the generated 300 × 30 instance the cheapest-nation cost
bound is the optimum; the fairness bounds are not tight there (t: bound 0.166, optimum in
(0.17, 0.19]; sum: bound 22,837 pax, SCIP's best about 31,000): the split of the force by
type, a bin-packing question, decides.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, reduce

import numpy as np

from logistics_sim.scenario import Objective
from optimisation.cost_programme import (
    CountProgramme,
    cells_through,
    count_programme,
    prefix_cost,
)
from optimisation.formulation import Key
from optimisation.instance import (
    EPS,
    AllocationInstance,
    CapabilityData,
    NationData,
    achievable_personnel_pax,
)

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
    """Units keeping every limit, their objective value and a proven lower bound on the
    optimum: the optimum's allocation when the two meet (``proven_within``)."""

    units: dict[Key, int]
    value: float
    bound: float


def proven_within(value: float, lower: float, tolerance: float) -> bool:
    """Whether ``value`` is within the relative gap ``tolerance`` of a proven lower bound."""
    return value - lower <= tolerance * abs(value) + 1e-9 * max(1.0, abs(value))


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


def deployable_totals(instance: AllocationInstance) -> tuple[int, dict[str, np.ndarray]] | None:
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
    fair = fair_pax(instance)
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
    fair = fair_pax(instance)

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
    deployable = deployable_totals(instance)
    if deployable is None:
        return None
    found = _least_deviation(instance, *deployable)
    if found is None:
        return None
    return dataclasses.replace(found, at=_deviation_question(instance, *deployable))


def fair_pax(instance: AllocationInstance) -> dict[str, float]:
    """Each eligible nation's fair share of the requirement, f_n P*, in personnel."""
    target = float(instance.required_pax)
    return {n.code: instance.fair_share.get(n.code, 0.0) * target for n in instance.eligible}


def excess_caps(
    instance: AllocationInstance, t: float, fair: dict[str, float] | None = None
) -> dict[str, float]:
    """Personnel caps (1 + t) f_n P* that keep every nation's relative excess within t.

    A nation without a fair share has no cap (inf). ``fair``: f_n P* when already at hand.
    """
    fair = fair_pax(instance) if fair is None else fair
    return {code: (1.0 + t) * f if f > 0 else math.inf for code, f in fair.items()}


def max_deviation_bound(instance: AllocationInstance) -> Bound | None:
    """Lower bound on the largest relative excess t and totals within (1 + t) f_n P*.

    t* is among the candidates (P − f_n P*)/(f_n P*), P ∈ 𝒫_n, and 0; reachability is
    monotone in t, so a bisection over the sorted candidates finds the smallest reachable one.
    """
    deployable = deployable_totals(instance)
    if deployable is None:
        return None
    step, totals = deployable
    fair = fair_pax(instance)
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


def _totals_reach(instance: AllocationInstance, caps: dict[str, float] | None) -> bool:
    """Whether the nations' deployable totals, each within ``caps`` (if any), can sum to P*:
    the cost programme's cheap first question."""
    deployable = deployable_totals(instance)
    free = {n.code: math.inf for n in instance.eligible}
    return deployable is not None and _reachable(instance, *deployable, caps or free)


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
    programme = count_programme(instance, caps, lambda: _totals_reach(instance, caps))
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
        before = prefix_cost(programme.prefix[i - 1], u_left - cells[:, 0], p_left - cells[:, 1])
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


def _cost_question(
    instance: AllocationInstance, programme: CountProgramme, caps: dict[str, float] | None
) -> Callable[[float], Bound | None]:
    """``Bound.at`` of the cost: each nation's (units, pax) through which the programme stays
    within the target, and the target as the cost's ceiling (the backward pass is run on the
    first question only)."""
    through = cache(lambda: cells_through(programme))

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
