"""Route planning over the lines of communication: pure, and the one planner everyone uses.

The engine's network moves along these routes (it adds only the SimPy queues), validation warns
exactly when these routes do not exist, and the optimiser takes its transit times from them.

The graph. One directed edge per direction of each link of the chosen modes (a bidirectional
link gives two), weighted by the link's planned days, ``distance_km / (speed_kph x 24)`` times
the mean ``transit_variation``, plus the mean handling days at the node it enters. Parallel
links between the same pair keep the fastest (ties: the first in the scenario). A route is the
shortest path by that weight, so ``Route.planned_days`` is the expected uncongested time: the
link days plus the mean handling at each node after the origin.

The rule on home nodes. A route may start or end at a home node but never passes *through*
one. A home node stands for a nation's whole territory off the map, the place its own units
and stocks leave from; a force planner would not route another nation's convoy or airlift
through it as a transit stop (no handling for transit traffic or right of passage is modelled
there), and allowing it would join two nations' home links into a shortcut the scenario does
not describe.

A unit's move. Its personnel move by ``rotation.personnel_mode`` and, when the capability has
equipment that moves with the unit, its equipment by ``rotation.equipment_mode``: each by its
mode alone where the network allows, else by that mode with road legs (a movement rerouted
around a strike may also finish by road). The unit has arrived when its slower leg has.

Transit in the pool multiplier. The τ in a rotation cycle ``C = T + r·T + 2τ``
(:mod:`logistics_sim.rules.rotation_math`) is the planned move of one of the nation's units of
that capability from its home node to the farthest of the depots its slots are in
(:meth:`RoutePlanner.unit_transit_days`). The engine passes the depots of the slots it built;
the optimiser, which allocates units before any slot exists, passes every sector's depot.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import networkx as nx

from logistics_sim.distributions import sampler
from logistics_sim.scenario import Link, Mode, NodeKind, Scenario
from logistics_sim.units import transit_days

#: The mode a unit's leg may add where its own mode does not reach (and finish a reroute by).
FALLBACK_MODE = Mode.road


@dataclass(frozen=True)
class Route:
    """A path over the network with its planned (mean, uncongested) time in days."""

    nodes: tuple[str, ...]
    links: tuple[str, ...]
    planned_days: float


@dataclass(frozen=True)
class Legs:
    """The routes of one unit move: personnel, and equipment unless it falls in on equipment.

    ``*_modes`` are the modes a re-planned leg may use (its own mode and the fallback).
    """

    personnel: Route
    equipment: Route | None
    personnel_modes: frozenset[Mode]
    equipment_modes: frozenset[Mode]

    @property
    def planned_days(self) -> float:
        """Planned days until the unit has arrived (the slower of its legs)."""
        if self.equipment is None:
            return self.personnel.planned_days
        return max(self.personnel.planned_days, self.equipment.planned_days)


def link_planned_days(link: Link) -> float:
    """Mean transit days of a link at nominal capacity: distance/speed x mean variation."""
    return transit_days(link.distance_km, link.speed_kph) * sampler(link.transit_variation).mean


def route_graph(
    scenario: Scenario, modes: Collection[Mode], closed: Collection[str] = ()
) -> nx.DiGraph:
    """Directed graph of the links of ``modes``; edge weight = link days + mean handling at head.

    Links or nodes named in ``closed`` are left out.
    """
    wanted = frozenset(modes)
    handling = {n.id: sampler(n.handling_days).mean for n in scenario.network.nodes}
    graph: nx.DiGraph = nx.DiGraph()
    for node in scenario.network.nodes:
        if node.id not in closed:
            graph.add_node(node.id, home=node.kind == NodeKind.home)
    for link in scenario.network.links:
        if link.mode not in wanted or link.id in closed:
            continue
        days = link_planned_days(link)
        ends = [(link.from_node, link.to_node)]
        if link.bidirectional:
            ends.append((link.to_node, link.from_node))
        for tail, head in ends:
            if tail in closed or head in closed or tail not in graph or head not in graph:
                continue
            weight = days + handling[head]
            old = graph.get_edge_data(tail, head)
            if old is None or weight < old["weight"]:
                graph.add_edge(tail, head, weight=weight, link=link.id)
    return graph


def shortest_route(graph: nx.DiGraph, origin: str, destination: str) -> Route | None:
    """Shortest planned-time route on ``graph``, never passing through another home node."""
    if origin not in graph or destination not in graph:
        return None
    if origin == destination:
        return Route((origin,), (), 0.0)
    blocked = [n for n, home in graph.nodes(data="home") if home and n not in (origin, destination)]
    view = nx.restricted_view(graph, blocked, []) if blocked else graph
    try:
        path = nx.dijkstra_path(view, origin, destination, weight="weight")
    except nx.NetworkXNoPath:
        return None
    pairs = list(itertools.pairwise(path))
    links = tuple(graph.edges[a, b]["link"] for a, b in pairs)
    planned = math.fsum(graph.edges[a, b]["weight"] for a, b in pairs)
    return Route(tuple(path), links, planned)


class RoutePlanner:
    """Planned routes of one scenario, each graph and open-network route computed once."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._graphs: dict[frozenset[Mode], nx.DiGraph] = {}
        self._routes: dict[tuple[str, str, frozenset[Mode]], Route | None] = {}

    def graph(self, modes: Collection[Mode]) -> nx.DiGraph:
        """The open network's graph of ``modes`` (shared: do not modify it)."""
        key = frozenset(modes)
        if key not in self._graphs:
            self._graphs[key] = route_graph(self.scenario, key)
        return self._graphs[key]

    def route(
        self, origin: str, destination: str, modes: Collection[Mode], closed: Collection[str] = ()
    ) -> Route | None:
        """Fastest planned route over ``modes``, around the nodes and links in ``closed``."""
        if closed:
            return shortest_route(route_graph(self.scenario, modes, closed), origin, destination)
        key = (origin, destination, frozenset(modes))
        if key not in self._routes:
            self._routes[key] = shortest_route(self.graph(key[2]), origin, destination)
        return self._routes[key]

    def leg(
        self, origin: str, destination: str, mode: Mode
    ) -> tuple[Route | None, frozenset[Mode]]:
        """A leg by ``mode`` alone where the network allows, else by ``mode`` with road legs.

        The modes returned are those a re-planned leg may use (``mode`` and the fallback).
        """
        route = self.route(origin, destination, {mode})
        if route is None:
            route = self.route(origin, destination, {mode, FALLBACK_MODE})
        return route, frozenset({mode, FALLBACK_MODE})

    def unit_legs(
        self,
        capability: str,
        origin: str,
        destination: str,
        *,
        with_equipment: bool | None = None,
    ) -> Legs | None:
        """The legs of a unit's move from ``origin`` to ``destination``; None when unroutable.

        Equipment moves when the capability has any and ``with_equipment`` says so (default:
        unless the rotation falls in on equipment left in theatre).
        """
        rot = self.scenario.rotation
        if with_equipment is None:
            with_equipment = not rot.fall_in_on_equipment
        personnel, p_modes = self.leg(origin, destination, rot.personnel_mode)
        if personnel is None:
            return None
        equipment: Route | None = None
        e_modes = frozenset({rot.equipment_mode})
        moves_equipment = self.scenario.capability(capability).equipment_t_per_unit > 0
        if moves_equipment and with_equipment:
            equipment, e_modes = self.leg(origin, destination, rot.equipment_mode)
            if equipment is None:
                return None
        return Legs(personnel, equipment, p_modes, e_modes)

    def unit_transit_days(
        self, capability: str | None, home: str, depots: Iterable[str]
    ) -> float | None:
        """τ of the pool multiplier: a unit's planned move from ``home`` to the farthest depot.

        ``capability`` None: the personnel's move alone. Depots the unit cannot reach are left
        out; None when it reaches none of them.
        """
        days: list[float] = []
        for depot in depots:
            if capability is None:
                route, _ = self.leg(home, depot, self.scenario.rotation.personnel_mode)
                if route is not None:
                    days.append(route.planned_days)
            elif (legs := self.unit_legs(capability, home, depot)) is not None:
                days.append(legs.planned_days)
        return max(days) if days else None


def planned_route(
    scenario: Scenario, origin: str, destination: str, modes: Collection[Mode]
) -> Route | None:
    """Fastest planned route from ``origin`` to ``destination`` over links of ``modes``."""
    return shortest_route(route_graph(scenario, modes), origin, destination)
