"""Airlift of personnel: sorties of a finite fleet of aircraft, and the ground when it is short.

With ``rotation.personnel_by_airlift``, the air part of a unit's personnel route (its
contiguous air links) is flown in sorties by the aircraft of the scenario's air fleets
(``sustainment.fleets`` of mode air with ``payload_pax`` > 0; those marked ``us_enabler`` only
while the US airlift switch is on). The model:

- The aircraft are one pool, taken first come first served (a ``simpy.Store`` of aircraft in
  the scenario's fleet order). A unit's personnel take aircraft one at a time, each carrying
  its ``payload_pax``, until all its troops are aboard.
- A sortie: load (``load_days``), fly the air links through the air hub (``LocNetwork.move``:
  its handling queue and ``max_on_ground``; a sortie turned away by a full hub flies back and
  tries again after ``DIVERSION_RETRY_DAYS``), unload (``unload_days``), fly back empty (the
  planned air days), and the aircraft is free again. Aircraft positioning between nations'
  airfields is not modelled (assumption: the aircraft is where the troops are).
- The fleet is short when no aircraft comes free within the planned days of the ground route
  (rail and road) from the air segment's start to the unit's destination: the troops not yet
  aboard then go by ground, one movement, and never wait longer for aircraft than the ground
  takes. With no aircraft at all (fleet switched off) every unit goes by ground.
- Troops flown in continue over the rest of their route (road from the air hub) as one
  movement once the last sortie has landed; the unit has arrived when they and any troops
  sent by ground have.

Recorded: daily ``fleet_utilisation`` of each air fleet (busy aircraft-time over count x day),
whole-run ``airlift_sorties``, ``airlift_pax`` and ``ground_fallback_pax``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from logistics_sim.distributions import Sampler, sampler
from logistics_sim.engine.network import LocNetwork
from logistics_sim.engine.recording import Recorder
from logistics_sim.rules.routes import Route, link_planned_days
from logistics_sim.scenario import Fleet, InTransitPolicy, Mode, Scenario

#: Days before a sortie turned away by a full air hub tries again (as for rotation lifts).
DIVERSION_RETRY_DAYS = 1.0
#: A ground movement: (route, modes it may re-plan over, node priority) -> SimPy process body.
MoveLeg = Callable[[Route, Collection[Mode], int], Generator[simpy.Event, Any, None]]
#: The modes troops take when the aircraft are short.
GROUND_MODES = frozenset({Mode.rail, Mode.road})


@dataclass
class _AirFleet:
    """One air fleet during a run: its aircraft's payload and busy-time statistics."""

    fleet: Fleet
    load: Sampler
    unload: Sampler
    busy: int = 0
    busy_area: float = 0.0
    last_t: float = 0.0

    def advance(self, now: float) -> None:
        """Accumulate busy aircraft-time up to ``now``."""
        self.busy_area += self.busy * (now - self.last_t)
        self.last_t = now


def air_fleets(scenario: Scenario) -> list[Fleet]:
    """The fleets that fly personnel: mode air, a troop payload, present under the US switch."""
    us_airlift = scenario.us_enablers.airlift.enabled
    return [
        f
        for f in scenario.sustainment.fleets
        if f.mode is Mode.air and f.payload_pax > 0 and (us_airlift or not f.us_enabler)
    ]


def split_air(route: Route, links_mode: dict[str, Mode]) -> tuple[Route, Route, Route] | None:
    """The route as (before, air, after) sub-routes around its first air segment, or None."""
    modes = [links_mode[lid] for lid in route.links]
    if Mode.air not in modes:
        return None
    first = modes.index(Mode.air)
    last = first
    while last + 1 < len(modes) and modes[last + 1] is Mode.air:
        last += 1

    def sub(i: int, j: int) -> Route:  # links i..j-1, nodes i..j
        return Route(route.nodes[i : j + 1], route.links[i:j], 0.0)

    return sub(0, first), sub(first, last + 1), sub(last + 1, len(modes))


class Airlift:
    """The aircraft pool of one replication: sorties, ground fallback, fleet use."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        network: LocNetwork,
        rng: np.random.Generator,
        recorder: Recorder,
    ) -> None:
        self.env = env
        self.network = network
        self.rng = rng
        self.recorder = recorder
        self.in_transit_policy: InTransitPolicy = scenario.disruptions.in_transit_policy
        self.fleets = [
            _AirFleet(f, sampler(f.load_days), sampler(f.unload_days)) for f in air_fleets(scenario)
        ]
        self.aircraft = simpy.Store(env)
        for index, state in enumerate(self.fleets):
            self.aircraft.items.extend([index] * state.fleet.count)
        self._modes = {link.id: link.mode for link in scenario.network.links}
        self._air_days = {link.id: link_planned_days(link) for link in scenario.network.links}
        self._block = recorder.block(
            "fleet_utilisation", [{"node": s.fleet.id} for s in self.fleets]
        )
        self._last_record_t = 0.0
        self.sorties = 0
        self.pax_flown = 0
        self.ground_pax = 0

    # -- moving troops -------------------------------------------------------------------------

    def move_personnel(
        self, route: Route, pax: int, priority: int, modes: frozenset[Mode], move_leg: MoveLeg
    ) -> Generator[simpy.Event, Any, None]:
        """Move ``pax`` troops over ``route``: its air segment by sorties, the rest as one lift.

        ``move_leg(route, modes, priority)`` moves one ground movement (the rotation's, which
        retries a diverted one). Troops with neither an aircraft nor a ground route fly the
        rest of the route as one unconstrained lift, as without the airlift.
        """
        parts = split_air(route, self._modes)
        if parts is None or pax <= 0:
            yield from move_leg(route, modes, priority)
            return
        before, air, after = parts
        if before.links:
            yield from move_leg(before, modes, priority)
        ground = self.network.route(air.nodes[0], route.nodes[-1], GROUND_MODES)
        limit = ground.planned_days if ground is not None else None
        flights, rest = yield from self._board(air, pax, priority, limit)
        env = self.env
        waits = list(flights)
        if rest > 0 and ground is not None:
            self.ground_pax += rest
            waits.append(env.process(move_leg(ground, GROUND_MODES, priority)))
        elif rest > 0:
            remaining = Route(route.nodes[len(before.links) :], route.links[len(before.links) :], 0)
            waits.append(env.process(move_leg(remaining, modes, priority)))
        if flights:
            landed = env.all_of(flights)
            waits.append(env.process(self._after_landing(landed, after, priority, modes, move_leg)))
        yield env.all_of(waits)

    def _board(
        self, air: Route, pax: int, priority: int, limit: float | None
    ) -> Generator[simpy.Event, Any, tuple[list[simpy.Process], int]]:
        """Take aircraft until all ``pax`` are aboard or none comes within ``limit`` days."""
        deadline = None if limit is None else self.env.now + limit
        flights: list[simpy.Process] = []
        rest = pax
        while rest > 0:
            if not self.aircraft.items and (
                not self.fleets or (deadline is not None and self.env.now >= deadline)
            ):
                break
            get = self.aircraft.get()
            if deadline is not None and not get.triggered:
                yield get | self.env.timeout(max(0.0, deadline - self.env.now))
                if not get.triggered:
                    get.cancel()
                    break
            else:
                yield get
            index = get.value
            assert isinstance(index, int)
            carried = min(rest, self.fleets[index].fleet.payload_pax)
            rest -= carried
            self.sorties += 1
            self.pax_flown += carried
            flights.append(self.env.process(self._sortie(index, air, priority)))
        return flights, rest

    def _sortie(self, index: int, air: Route, priority: int) -> Generator[simpy.Event, Any, None]:
        """Load, fly (retrying while diverted), unload; the aircraft flies back and is free."""
        state = self.fleets[index]
        env = self.env
        state.advance(env.now)
        state.busy += 1
        back_days = sum(self._air_days[lid] for lid in air.links)
        yield env.timeout(state.load.sample(self.rng))
        while True:
            outcome = yield from self.network.move(
                air, priority=priority, in_transit_policy=self.in_transit_policy
            )
            if outcome.arrived:
                break
            yield env.timeout(DIVERSION_RETRY_DAYS)
        yield env.timeout(state.unload.sample(self.rng))
        env.process(self._fly_back(index, back_days))

    def _fly_back(self, index: int, days: float) -> Generator[simpy.Event, Any, None]:
        state = self.fleets[index]
        yield self.env.timeout(days)
        state.advance(self.env.now)
        state.busy -= 1
        yield self.aircraft.put(index)

    def _after_landing(
        self,
        landed: simpy.Event,
        after: Route,
        priority: int,
        modes: frozenset[Mode],
        move_leg: MoveLeg,
    ) -> Generator[simpy.Event, Any, None]:
        """Once the last sortie has landed, the troops go on over the rest of the route."""
        yield landed
        if after.links:
            yield from move_leg(after, modes, priority)

    # -- recording -----------------------------------------------------------------------------

    def record_day(self, day: int) -> None:
        """Append each air fleet's utilisation over the day."""
        now = self.env.now
        span = now - self._last_record_t
        self._last_record_t = now
        values = []
        for state in self.fleets:
            state.advance(now)
            values.append(state.busy_area / (state.fleet.count * span) if span > 0 else 0.0)
            state.busy_area = 0.0
        self.recorder.add_block(day, self._block, values)

    def finish(self) -> None:
        """Whole-run sorties flown, troops flown and troops sent by ground instead."""
        self.recorder.add_run("airlift_sorties", float(self.sorties))
        self.recorder.add_run("airlift_pax", float(self.pax_flown))
        self.recorder.add_run("ground_fallback_pax", float(self.ground_pax))
