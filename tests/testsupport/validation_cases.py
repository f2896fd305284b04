"""Shared machinery of the validation cases: case files, the Poisson driver, intervals.

A case file (``scenarios/<case>.yaml``) names a base scenario, an ``overlay`` merged onto it
(mappings recursively; lists of mappings by ``id``, new ids appended) and the case's own
parameters (``case``: arrival rate, horizon, replications...). The result is validated by the
project's own pydantic model, so every case runs the project's components on a scenario.

The driver feeds a Poisson stream of movements into the real :class:`LocNetwork` through
``LocNetwork.move`` on a route of the scenario; arrivals draw from the ``demand`` generator and
the network from the ``network`` generator of :func:`subsystem_rngs`, so a replication's
streams are those the model would use.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import simpy
from scipy import stats

from logistics_sim.data import resolve_tables
from logistics_sim.distributions import sampler
from logistics_sim.engine.model import subsystem_rngs
from logistics_sim.engine.network import LocNetwork, MoveOutcome, Route
from logistics_sim.engine.recording import Recorder
from logistics_sim.loading import read_mapping
from logistics_sim.scenario import Mode, Scenario

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "tests" / "validation" / "scenarios"

#: Confidence level of every interval compared with theory (two-sided).
LEVEL = 0.99


def _merge(base: Any, over: Any) -> Any:
    """``over`` merged onto ``base``: mappings by key, lists of mappings by ``id`` (or ``code``).

    A distribution spec (a mapping with ``kind``) replaces the base value whole; a list item
    with ``_drop: true`` removes the base item with its id.
    """
    if isinstance(base, dict) and isinstance(over, dict) and "kind" not in over:
        out = dict(base)
        for key, value in over.items():
            out[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    key = next(
        (
            k
            for k in ("id", "code")
            if isinstance(base, list)
            and isinstance(over, list)
            and all(isinstance(x, dict) and k in x for x in [*base, *over])
        ),
        None,
    )
    if key is not None:
        merged = [copy.deepcopy(x) for x in base]
        index = {x[key]: i for i, x in enumerate(merged)}
        dropped = {item[key] for item in over if item.get("_drop")}
        for item in over:
            if item.get("_drop"):
                continue
            if item[key] in index:
                merged[index[item[key]]] = _merge(merged[index[item[key]]], item)
            else:
                merged.append(copy.deepcopy(item))
        return [x for x in merged if x[key] not in dropped]
    return copy.deepcopy(over)


def load_case(name: str, overlay: str = "overlay") -> tuple[Scenario, dict[str, Any]]:
    """The scenario of case file ``name`` (base + ``overlay``, validated) and its ``case`` block.

    ``overlay`` names the block merged onto the base (a file may hold variants).
    """
    spec, _ = read_mapping(CASES / f"{name}.yaml")
    base_file = (CASES / spec["base"]).resolve()
    base, _ = read_mapping(base_file)
    mapping = _merge(base, spec.get(overlay, {}))
    resolved, problems = resolve_tables(mapping, base_file.parent)
    assert problems == [], problems
    return Scenario.model_validate(resolved), dict(spec.get("case", {}))


@dataclass(frozen=True)
class Interval:
    """Mean of per-replication values with a Student-t confidence interval."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def half(self) -> float:
        return (self.high - self.low) / 2

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def __str__(self) -> str:
        return f"{self.mean:.4f} [{self.low:.4f}, {self.high:.4f}] (n={self.n})"


def interval(values: Any, level: float = LEVEL) -> Interval:
    """t-interval of the mean of independent replication values."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    mean = float(x.mean())
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return Interval(mean, mean - half, mean + half, n)


# -- analytic formulas -------------------------------------------------------------------------


def erlang_b(c: int, a: float) -> float:
    """Erlang B blocking probability B(c, a) by the stable recursion B_k = aB/(k + aB)."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Erlang C probability of waiting C(c, a) = c B / (c - a (1 - B)), a = λ/μ < c."""
    b = erlang_b(c, a)
    return c * b / (c - a * (1 - b))


def mmc_wait(c: int, lam: float, mu: float) -> float:
    """M/M/c mean wait in queue Wq = C(c, λ/μ) / (cμ − λ)."""
    return erlang_c(c, lam / mu) / (c * mu - lam)


def pk_wait(lam: float, mean_s: float, var_s: float) -> float:
    """M/G/1 Pollaczek–Khinchine mean wait Wq = λ E[S²] / (2 (1 − ρ))."""
    rho = lam * mean_s
    return lam * (var_s + mean_s**2) / (2 * (1 - rho))


def harmonic(k: int) -> float:
    """H_k = 1 + 1/2 + ... + 1/k."""
    return math.fsum(1 / i for i in range(1, k + 1))


# -- the Poisson driver ------------------------------------------------------------------------


@dataclass
class StreamRun:
    """One replication of a Poisson stream through the network."""

    outcomes: list[tuple[float, MoveOutcome]] = field(default_factory=list)
    daily: pd.DataFrame | None = None
    in_pipeline_area: float = 0.0
    network: LocNetwork | None = None
    node_waits: dict[str, list[float]] = field(default_factory=dict)
    node_handling: dict[str, list[float]] = field(default_factory=dict)

    def leg(self, net: LocNetwork, route: Route) -> Generator[Any, Any, MoveOutcome]:
        """``net.move`` over a one-link ``route``, its wait and handling booked to its head node.

        Handling = journey days − wait − link days (links here have fixed transit variation).
        """
        assert len(route.links) == 1, route
        head = route.nodes[-1]
        link_days = route.planned_days - sampler(net.nodes[head].handling_days).mean
        outcome = yield from net.move(route)
        if outcome.arrived:
            self.node_waits.setdefault(head, []).append(outcome.wait_days)
            handled = outcome.days - outcome.wait_days - link_days
            self.node_handling.setdefault(head, []).append(handled)
        return outcome

    def kept(self, warmup: float) -> list[MoveOutcome]:
        """Outcomes of movements that started at or after ``warmup``."""
        return [o for t, o in self.outcomes if t >= warmup]

    def node(self, node: str, metric: str, warmup: int, end: int | None = None) -> np.ndarray:
        """Daily values of a node metric from day ``warmup`` on (before day ``end``)."""
        assert self.daily is not None
        d = self.daily
        keep = (d["node"] == node) & (d["metric"] == metric) & (d["day"] >= warmup)
        if end is not None:
            keep &= d["day"] < end
        rows = d[keep]
        return rows.sort_values("day")["value"].to_numpy(dtype=float)


def route_of(net: LocNetwork, spec: dict[str, Any]) -> Route:
    """The scenario route named by a case's ``{origin, destination, modes}``."""
    route = net.route(spec["origin"], spec["destination"], {Mode(m) for m in spec["modes"]})
    assert route is not None, spec
    return route


def run_stream(
    scenario: Scenario,
    case: dict[str, Any],
    replication: int,
    *,
    base_seed: int = 2026,
    journey: Callable[
        [LocNetwork, np.random.Generator, StreamRun], Generator[Any, Any, MoveOutcome]
    ]
    | None = None,
) -> StreamRun:
    """Poisson arrivals (``arrival_rate_per_day``) moving along ``case['route']`` until
    ``arrivals_stop_day`` (default: never), the run lasting ``horizon_days``; node metrics
    recorded daily by ``LocNetwork.record_day``.

    ``journey(net, rng, run)`` replaces the single move by a longer journey (one-link legs
    through ``run.leg``, feedback) when given; a one-link route's waits are booked per node.
    """
    rngs = subsystem_rngs(base_seed, replication)
    horizon = int(case["horizon_days"])
    env = simpy.Environment()
    recorder = Recorder(horizon)
    net = LocNetwork(env, scenario, rngs["network"], recorder)
    route = route_of(net, case["route"])
    arrivals = rngs["demand"]
    routing = rngs["transport"]
    lam = float(case["arrival_rate_per_day"])
    run = StreamRun(network=net)
    state = {"n": 0, "last": 0.0}

    def count(delta: int) -> None:
        run.in_pipeline_area += state["n"] * (env.now - state["last"])
        state["last"] = env.now
        state["n"] += delta

    def one() -> Generator[Any, Any, None]:
        start = env.now
        count(+1)
        if journey is not None:
            outcome = yield from journey(net, routing, run)
        elif len(route.links) == 1:
            outcome = yield from run.leg(net, route)
        else:
            outcome = yield from net.move(route)
        count(-1)
        run.outcomes.append((start, outcome))

    stop = float(case.get("arrivals_stop_day", math.inf))

    def source() -> Generator[Any, Any, None]:
        while True:
            yield env.timeout(arrivals.exponential(1 / lam))
            if env.now >= stop:
                return
            env.process(one())

    def tick() -> Generator[Any, Any, None]:
        for day in range(horizon):
            yield env.timeout(1)
            net.record_day(day)

    env.process(source())
    env.process(tick())
    env.run(until=horizon + 0.5)
    count(0)
    run.daily = recorder.frame(replication)
    return run


def report(name: str, analytic: float, ci: Interval) -> str:
    """One line for the test log and docs/validation.md."""
    return f"{name}: analytic {analytic:.4f}, simulated {ci}"
