"""The lines of communication as a SimPy network: routes by mode, queued nodes, capacity factors.

A *movement* is one aggregated entity (a unit's personnel lift, its equipment train, a supply
convoy). It crosses links, which have unlimited capacity and take
``distance_km / (speed_kph * 24)`` days times a sampled ``transit_variation`` divided by the
link's capacity factor (mud slows traffic), and nodes with handling, which are
``simpy.PriorityResource`` servers (tracks, gates, parking stands) held for a sampled
``handling_days`` divided by the node's capacity factor. An air hub with ``max_on_ground`` (MOG)
diverts a movement that arrives when that many are already present (waiting or in service).

Capacity factors (1 = nominal, 0 = closed) are set at run time by disruptions and seasons per
cause; causes multiply. A movement waits while the link ahead is closed, and at a handling node
while that node is closed (holding its place in the queue); a node without handling delays
nobody. Under ``InTransitPolicy.reroute`` a movement re-plans around a closed link or node
ahead, and waits only when no open route is left. A factor applies to handling that starts
after it is set (a handling in progress keeps its duration).

Background load. With ``network.background_load``, others' traffic (Ukraine's military aid and
civil trade) takes a ``share`` of each target node's handling capacity, sampled once per
replication (from the ``background`` generator, capped at ``MAX_BACKGROUND_SHARE``) and the
same at every target: a standing capacity factor ``1 - share`` under the cause ``background``,
so the force's handling there takes ``1 / (1 - share)`` times as long. Links have no capacity of
their own in this model, so only nodes carry it.

Routes are planned by :class:`logistics_sim.rules.routes.RoutePlanner` (pure, shared with
validation and the optimiser; home nodes are never passed through); this module adds only
what a movement meets on the way: queues, closures and diversions.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Generator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import simpy

from logistics_sim.distributions import Sampler, sampler
from logistics_sim.engine.recording import Recorder
from logistics_sim.rules.routes import Route, RoutePlanner
from logistics_sim.scenario import InTransitPolicy, Link, Mode, Node, NodeKind, Scenario
from logistics_sim.units import transit_days

MODE_PREFIX = "mode:"
#: Largest share of a node's capacity a background load may take (the force keeps 5%).
MAX_BACKGROUND_SHARE = 0.95
#: Node kinds a background load applies to when it names no targets: crossings, yards and
#: ports that civil trade shares (not the rear hubs: military, NSATU's ~1% aside).
BACKGROUND_KINDS = frozenset(
    {
        NodeKind.transshipment,
        NodeKind.road_crossing,
        NodeKind.rail_crossing,
        NodeKind.port,
        NodeKind.rail_hub,
    }
)
#: Daily node rows, in the order :meth:`LocNetwork.record_day` computes them.
NODE_METRICS = (
    "node_utilisation",
    "node_queue_length",
    "node_wait_days",
    "node_arrivals",
    "node_service_starts",
    "node_capacity_factor",
    "node_throughput_t",
)


class MoveOutcome(NamedTuple):
    """Result of one movement: arrived (False when diverted or unroutable), days, queueing days."""

    arrived: bool
    days: float
    wait_days: float


@dataclass
class _NodeState:
    """A handling node's servers and its time-weighted statistics for the current day."""

    node: Node
    resource: simpy.PriorityResource
    handling: Sampler
    present: int = 0
    waiting: int = 0
    busy: int = 0
    last_t: float = 0.0
    busy_area: float = 0.0
    queue_area: float = 0.0
    wait_sum: float = 0.0
    wait_n: int = 0
    arrivals: int = 0
    handled_t: float = 0.0

    def advance(self, now: float) -> None:
        """Accumulate busy-server and queue areas up to ``now``."""
        dt = now - self.last_t
        if dt > 0:
            self.busy_area += self.busy * dt
            self.queue_area += self.waiting * dt
            self.last_t = now


class LocNetwork:
    """The network during one replication: routes, node queues, capacity factors, statistics."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        rng: np.random.Generator,
        recorder: Recorder,
        background_rng: np.random.Generator | None = None,
    ) -> None:
        self.env = env
        self.scenario = scenario
        self.rng = rng
        self.recorder = recorder
        self.links: dict[str, Link] = {link.id: link for link in scenario.network.links}
        self.nodes: dict[str, Node] = {node.id: node for node in scenario.network.nodes}
        self._link_days = {
            lid: transit_days(lk.distance_km, lk.speed_kph) for lid, lk in self.links.items()
        }
        self._variation = {lid: sampler(lk.transit_variation) for lid, lk in self.links.items()}
        self._handling_nodes: dict[str, _NodeState] = {}
        for node in scenario.network.nodes:
            handling = sampler(node.handling_days)
            if handling.mean > 0:
                self._handling_nodes[node.id] = _NodeState(
                    node, simpy.PriorityResource(env, capacity=node.servers), handling
                )
        node_dims = [{"node": node_id} for node_id in self._handling_nodes]
        self._node_blocks = [recorder.block(metric, node_dims) for metric in NODE_METRICS]
        self._causes: dict[str, dict[str, float]] = {}
        self._factors: dict[str, float] = {}  # combined factors since the last change
        self.planner = RoutePlanner(scenario)
        self._reopened: simpy.Event | None = None
        self._last_record_t = 0.0
        self.background_share = 0.0
        if scenario.network.background_load is not None and background_rng is not None:
            self._apply_background(background_rng)

    def _apply_background(self, rng: np.random.Generator) -> None:
        """Sample the replication's background share and take it from every target's capacity."""
        load = self.scenario.network.background_load
        assert load is not None
        share = min(MAX_BACKGROUND_SHARE, max(0.0, sampler(load.share).sample(rng)))
        self.background_share = share
        targets = load.targets or tuple(
            n.id for n in self.scenario.network.nodes if n.kind in BACKGROUND_KINDS
        )
        if share > 0:
            for target in targets:
                self.set_factor(target, "background", 1.0 - share)
        self.recorder.add_run("background_load_share", share)

    # -- capacity factors ----------------------------------------------------------------------

    def _own_factor(self, target: str) -> float:
        causes = self._causes.get(target)
        if not causes:
            return 1.0
        return math.prod(causes.values())

    def factor(self, target: str) -> float:
        """Combined capacity factor now: a node's, a mode's, or a link's times its mode's.

        Kept until the next :meth:`set_factor` (movements ask at every node and link).
        """
        cached = self._factors.get(target)
        if cached is not None:
            return cached
        own = self._own_factor(target)
        link = self.links.get(target)
        if link is not None:
            own *= self._own_factor(MODE_PREFIX + link.mode.value)
        self._factors[target] = own
        return own

    def set_factor(self, target: str, cause: str, factor: float) -> None:
        """Set ``cause``'s capacity factor on a node, link or ``mode:<mode>``; 1 removes it.

        Factors of different causes multiply. Movements waiting for a closed target re-check it.
        """
        if not 0.0 <= factor <= 1.0:
            raise ValueError(f"capacity factor must be in [0, 1], got {factor}")
        known = (
            target in self.nodes
            or target in self.links
            or (target.startswith(MODE_PREFIX) and target[len(MODE_PREFIX) :] in Mode.__members__)
        )
        if not known:
            raise KeyError(f"unknown network target {target!r}")
        node_state = self._handling_nodes.get(target)
        if node_state is not None:
            node_state.advance(self.env.now)
        self._factors.clear()
        causes = self._causes.setdefault(target, {})
        if factor == 1.0:
            causes.pop(cause, None)
        else:
            causes[cause] = factor
        if self._reopened is not None:
            event, self._reopened = self._reopened, None
            event.succeed()

    def _wait_reopen(self) -> simpy.Event:
        """Event fired at the next change of any capacity factor."""
        if self._reopened is None:
            self._reopened = self.env.event()
        return self._reopened

    # -- routes --------------------------------------------------------------------------------

    def route(
        self,
        origin: str,
        destination: str,
        modes: Collection[Mode],
        *,
        avoid_closed: bool = False,
    ) -> Route | None:
        """Fastest planned route over ``modes``; with ``avoid_closed`` around closed targets now."""
        if not avoid_closed:
            return self.planner.route(origin, destination, modes)
        closed = {n for n in self._causes if n in self.nodes and self.factor(n) == 0.0}
        closed |= {lid for lid in self.links if self.factor(lid) == 0.0}
        closed.discard(origin)
        return self.planner.route(origin, destination, modes, closed)

    # -- movement ------------------------------------------------------------------------------

    def move(
        self,
        route: Route,
        *,
        priority: int = 1,
        in_transit_policy: InTransitPolicy = InTransitPolicy.wait,
        modes: Collection[Mode] = (),
        tonnes: float = 0.0,
    ) -> Generator[simpy.Event, Any, MoveOutcome]:
        """Move one aggregated movement along ``route`` (a SimPy process body).

        ``priority``: lower goes first at node queues. Under ``reroute`` a closed link or node
        ahead makes the movement re-plan from where it is over ``modes`` (default: the modes of
        the route's links); with no open route it waits. ``tonnes``: the cargo carried (a
        supply load), added to each handling node's ``node_throughput_t`` as its handling starts.
        """
        env = self.env
        start = env.now
        wait_days = 0.0
        nodes: Sequence[str] = route.nodes
        links: Sequence[str] = route.links
        rerouting = in_transit_policy is InTransitPolicy.reroute
        reroute_modes: frozenset[Mode] | None = None  # the route's own modes unless given
        i = 0
        while i < len(links):
            link_id = links[i]
            if rerouting:
                while self.factor(link_id) == 0.0 or self.factor(nodes[i + 1]) == 0.0:
                    if reroute_modes is None:
                        reroute_modes = frozenset(modes) or frozenset(
                            self.links[lid].mode for lid in route.links
                        )
                    new = self.route(nodes[i], nodes[-1], reroute_modes, avoid_closed=True)
                    if new is not None and len(new.links) > 0:
                        nodes = [*nodes[:i], *new.nodes]
                        links = [*links[:i], *new.links]
                        link_id = links[i]
                        break
                    t0 = env.now
                    yield self._wait_reopen()
                    wait_days += env.now - t0
            t0 = env.now
            while self.factor(link_id) == 0.0:
                yield self._wait_reopen()
            wait_days += env.now - t0
            variation = self._variation[link_id]
            days = self._link_days[link_id]
            if variation.is_random:
                days *= variation.sample(self.rng)
            else:
                days *= variation.mean
            yield env.timeout(days / self.factor(link_id))
            node_state = self._handling_nodes.get(nodes[i + 1])
            if node_state is not None:
                handled = yield from self._handle(node_state, priority, tonnes)
                if handled is None:
                    return MoveOutcome(False, env.now - start, wait_days)
                wait_days += handled
            i += 1
        return MoveOutcome(True, env.now - start, wait_days)

    def _handle(
        self, state: _NodeState, priority: int, tonnes: float = 0.0
    ) -> Generator[simpy.Event, Any, float | None]:
        """Queue for a server, wait while closed, hold the handling; the wait (None: diverted)."""
        env = self.env
        node = state.node
        state.advance(env.now)
        state.arrivals += 1
        if node.max_on_ground is not None and state.present >= node.max_on_ground:
            return None
        arrived_at = env.now
        state.present += 1
        state.waiting += 1
        with state.resource.request(priority=priority) as request:
            yield request
            while self.factor(node.id) == 0.0:
                yield self._wait_reopen()
            state.advance(env.now)
            state.waiting -= 1
            state.busy += 1
            wait = env.now - arrived_at
            state.wait_sum += wait
            state.wait_n += 1
            state.handled_t += tonnes
            hold = state.handling.sample(self.rng) / self.factor(node.id)
            yield env.timeout(hold)
            state.advance(env.now)
            state.busy -= 1
            state.present -= 1
        return wait

    # -- recording -----------------------------------------------------------------------------

    def record_day(self, day: int) -> None:
        """Append the day's node metrics (called at t = day + 1): exact time-weighted averages."""
        now = self.env.now
        span = now - self._last_record_t
        self._last_record_t = now
        states = list(self._handling_nodes.values())
        for state in states:
            state.advance(now)
        columns = (  # in NODE_METRICS order
            [s.busy_area / (s.node.servers * span) if span > 0 else 0.0 for s in states],
            [s.queue_area / span if span > 0 else 0.0 for s in states],
            [s.wait_sum / s.wait_n if s.wait_n else math.nan for s in states],
            [float(s.arrivals) for s in states],
            [float(s.wait_n) for s in states],
            [self.factor(node_id) for node_id in self._handling_nodes],
            [s.handled_t for s in states],
        )
        for state in states:
            state.busy_area = 0.0
            state.queue_area = 0.0
            state.wait_sum = 0.0
            state.wait_n = 0
            state.arrivals = 0
            state.handled_t = 0.0
        for block, column in zip(self._node_blocks, columns, strict=True):
            self.recorder.add_block(day, block, column)
