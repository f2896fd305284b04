"""The (units, personnel) cost programme: min Σ_n g_n(U_n, P_n) over Σ_n U_n = Σ_k R_k and
Σ_n P_n = P*, g_n the least cost of U units and P pax that nation n's pools hold.

Where the pools bind, the cheapest-nation cost bound (``bounds.cost_bound``) is weak: a nation
cannot field every type where it is cheapest. This programme keeps each nation's pools and
leaves out only the split by type; ``bounds.count_cost_bound`` reads the bound and its totals
from it, and the cost search's questions (``completion.search_above``) the (units, pax) of each
nation through which it stays within a target. Per eligible nation a table of least costs by
(units, steps of the unit sizes' greatest common divisor) among the divisions its pools hold;
a forward pass over the nations, kept to the windows of running totals the other nations can
still complete to the requirement, and (for the questions) a backward pass meeting it.

Measured (benchmarks/optimiser.py, medians): on all-Europe's largest force the programme's
bound is 627.777 against the optimum 627.781; its passes, kept to the running totals the other
nations can complete, take 0.35 s with the questions' backward pass, most of it building each
nation's table, instead of about 5 s over every total.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

import numpy as np

from optimisation.instance import (
    EPS,
    AllocationInstance,
    CapabilityData,
    NationData,
    unit_options,
)

#: Largest (units, personnel) cost programme attempted: its states times the nations' cells.
COUNT_DP_MAX_WORK = 200_000_000
#: Largest set of per-nation (units, personnel) tables built for it: options times states.
COUNT_TABLES_MAX_WORK = 1_000_000_000


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
class CountProgramme:
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


def count_programme(
    instance: AllocationInstance, caps: dict[str, float] | None, reachable: Callable[[], bool]
) -> CountProgramme | None:
    """The (units, personnel) cost programme's forward pass; None when it is too large
    (``COUNT_DP_MAX_WORK``) or nothing sums to the requirement (first asked of the nations'
    totals alone, which is cheaper than building the tables: 0.2 s on the baseline's
    requirement, which no totals reach).

    ``reachable``: whether the nations' totals alone (within ``caps``) can sum to the
    requirement, asked after the size checks (``bounds`` answers it; passed in so that this
    module does not import ``bounds``).
    """
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
    if not reachable():
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
    return CountProgramme(tuple(tables), tuple(windows), tuple(prefix), total, step)


def prefix_cost(grid: _Grid, units: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """The grid's least costs at these running totals (inf outside its window)."""
    rows, cols = units - grid.low[0], steps - grid.low[1]
    inside = (rows >= 0) & (rows < grid.costs.shape[0]) & (cols >= 0) & (cols < grid.costs.shape[1])
    out = np.full(units.shape, np.inf)
    out[inside] = grid.costs[rows[inside], cols[inside]]
    return out


def _suffix_grids(programme: CountProgramme) -> list[_Grid]:
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


def cells_through(programme: CountProgramme) -> list[list[tuple[int, int, float]]]:
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
