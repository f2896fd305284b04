"""Unit rotation as SimPy processes: deploy, relieve in place, tour, return, dwell, ready again.

Each slot runs one process. A relief is drawn from its nation's ready units of the slot's
capability (a FIFO ``simpy.Store``) and departs ``O + planned move days`` before the incumbent's
tour ends, so that it arrives ``O`` (overlap_days) early; both units count as deployed during
the relief in place. A unit's move is its personnel (``rotation.personnel_mode``, through the
air hub) and, unless ``fall_in_on_equipment``, its equipment (``rotation.equipment_mode``,
through the gauge-change transshipment) in parallel; the unit arrives when both have. The first
fill of a slot always brings its equipment: only later reliefs fall in on it. A
movement diverted by a full air hub (MOG) tries again from home after ``DIVERSION_RETRY_DAYS``.

The relieved unit moves home, dwells ``dwell_ratio x tour_days`` (nominal tour), and rejoins the
ready units. When no relief is there at the tour's end, the incumbent, under
``extend_then_gap``, stays until the relief has had its overlap or ``max_extension_days`` have
passed, whichever is first; then it leaves and the slot is gapped until the relief arrives.
Under ``gap`` it leaves on time. A relief's tour starts when it arrives.

Start states. ``from_home``: every slot is empty; first units depart evenly spread over
``readiness_spread_days`` (slot order interleaves nations and types) and compete for the same
nodes. ``deployed``: each nation's slots of a type start filled, with tour ends evenly staggered
``(T - O) / S`` apart (S slots; the first relief departs at t = 0) and the rest of the pool at
home and ready, which is the steady state the staggered pool ``ceil(S x C / (T - O))`` is sized
for. ``initial_deployment_closure_days`` is the first time the deployed troops (reinforcements
included) reach ``force.target_deployed_pax`` (0 for a deployed start that meets it).

Pool per (nation, capability): the allocation's ``pool_units`` column if present, else
``rotation_math.pool_units_staggered(S, C / (T - O))`` with the transit time tau of
``RoutePlanner.unit_transit_days`` (logistics_sim.rules.routes): the unit's planned move
(personnel or equipment, whichever is slower) from the nation's home node to the farthest of
its slots' forward depots.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Generator
from dataclasses import dataclass
from typing import Any

import pandas as pd
import simpy

from logistics_sim.engine.airlift import Airlift
from logistics_sim.engine.force import ForceState, GroupKey, Slot, Unit, UnitState
from logistics_sim.engine.network import LocNetwork
from logistics_sim.engine.recording import Recorder
from logistics_sim.rules import rotation_math
from logistics_sim.rules.routes import Legs, Route
from logistics_sim.scenario import InitialState, Mode, NoReliefPolicy, Scenario, rotation_of

#: Days before a movement diverted by a full air hub tries again from its origin (assumption:
#: the aircraft returns and is re-slotted the next day).
DIVERSION_RETRY_DAYS = 1.0


@dataclass(frozen=True)
class TourRules:
    """Tour, dwell and overlap of one nation (days, ratio, days)."""

    tour_days: float
    dwell_ratio: float
    overlap_days: float


def pool_sizes(
    scenario: Scenario,
    network: LocNetwork,
    slots: list[Slot],
    allocation: pd.DataFrame,
) -> dict[GroupKey, int]:
    """Units in each (nation, capability) pool: allocation ``pool_units`` or the staggered pool."""
    given: dict[GroupKey, int] = {}
    if "pool_units" in allocation.columns:
        for nation, cap, pool in zip(
            allocation["nation"], allocation["capability"], allocation["pool_units"], strict=True
        ):
            key = (str(nation), str(cap))
            given[key] = given.get(key, 0) + int(pool)
    slots_by_group: dict[GroupKey, list[Slot]] = {}
    for slot in slots:
        slots_by_group.setdefault((slot.nation, slot.capability), []).append(slot)
    pools: dict[GroupKey, int] = {}
    for key, group in sorted(slots_by_group.items()):
        if key in given:
            pools[key] = given[key]
            continue
        nation = scenario.nation(key[0])
        tour, dwell, overlap = rotation_of(scenario, nation)
        tau = 0.0
        if nation.home_node is not None:
            depots = [slot.depot for slot in group]
            tau = network.planner.unit_transit_days(key[1], nation.home_node, depots) or 0.0
        multiplier = rotation_math.pool_multiplier(tour, dwell, overlap, tau)
        pools[key] = rotation_math.pool_units_staggered(len(group), multiplier)
    return pools


def _unit(process: simpy.Process) -> Unit:
    """The unit a finished relief process returned."""
    unit = process.value
    assert isinstance(unit, Unit)
    return unit


class RotationEngine:
    """Runs every slot's rotation and records force metrics each day."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        force: ForceState,
        network: LocNetwork,
        recorder: Recorder,
        airlift: Airlift | None = None,
    ) -> None:
        self.env = env
        self.scenario = scenario
        self.force = force
        self.network = network
        self.recorder = recorder
        self.airlift = airlift
        rot = scenario.rotation
        self.policy = rot.no_relief_policy
        self.max_extension_days = rot.max_extension_days
        self.in_transit_policy = scenario.disruptions.in_transit_policy
        self.rules: dict[str, TourRules] = {}
        self.ready: dict[GroupKey, simpy.Store] = {}
        self.extended: dict[GroupKey, int] = {key: 0 for key in force.pools}
        self.diverted_movements = 0
        self.closure_days = math.nan
        self.unroutable_slots = 0
        self._legs: dict[tuple[str, str, str, bool | None], Legs | None] = {}
        for key, units in force.pools.items():
            store = simpy.Store(env)
            store.items.extend(units)
            self.ready[key] = store
        for nation in {key[0] for key in force.pools}:
            self.rules[nation] = TourRules(*rotation_of(scenario, scenario.nation(nation)))
        self._register_blocks()
        self._start()

    # -- set-up --------------------------------------------------------------------------------

    def legs(
        self, slot: Slot, outbound: bool, *, with_equipment: bool | None = None
    ) -> Legs | None:
        """Cached legs home -> depot (outbound) or depot -> home for the slot's unit type.

        ``with_equipment=True`` forces the equipment to move even when reliefs fall in on
        equipment left in theatre: the first fill of a slot has to bring it.
        """
        home = self.scenario.nation(slot.nation).home_node
        if home is None:
            return None
        origin, destination = (home, slot.depot) if outbound else (slot.depot, home)
        key = (slot.capability, origin, destination, with_equipment)
        if key not in self._legs:
            self._legs[key] = self.network.planner.unit_legs(
                slot.capability,
                origin,
                destination,
                with_equipment=with_equipment,
            )
        return self._legs[key]

    def _start(self) -> None:
        """Place initial incumbents or schedule the build-up, then start one process per slot."""
        force = self.force
        deployed_start = self.scenario.force.initial_state is InitialState.deployed
        routable = [s for s in force.slots if self.legs(s, True) and self.legs(s, False)]
        self.unroutable_slots = len(force.slots) - len(routable)
        starts: dict[int, tuple[Unit | None, float]] = {}
        phased: list[Slot] = []
        for key in force.pools:
            group = [s for s in routable if (s.nation, s.capability) == key]
            rules = self.rules[key[0]]
            spacing = (rules.tour_days - rules.overlap_days) / max(len(group), 1)
            store = self.ready[key]
            for k, slot in enumerate(group):
                if deployed_start and store.items:
                    unit: Unit = store.items.pop(0)
                    force.depart(unit)
                    force.arrive(unit, slot, 0.0)
                    legs = self.legs(slot, True)
                    assert legs is not None
                    tour_end = rules.overlap_days + legs.planned_days + k * spacing
                    starts[id(slot)] = (unit, tour_end)
                else:
                    phased.append(slot)
        phased.sort(key=lambda s: (s.index, s.nation, s.capability, s.sector))
        spread = self.scenario.rotation.readiness_spread_days
        for i, slot in enumerate(phased):
            starts[id(slot)] = (None, spread * i / len(phased))
        self._check_closure()
        for slot in routable:
            incumbent, when = starts[id(slot)]
            self.env.process(self._slot(slot, incumbent, when))

    # -- processes -----------------------------------------------------------------------------

    def _slot(
        self, slot: Slot, incumbent: Unit | None, when: float
    ) -> Generator[simpy.Event, Any, None]:
        """One slot for the whole run: first fill (if empty), then relief after relief."""
        env = self.env
        rules = self.rules[slot.nation]
        legs = self.legs(slot, True)
        assert legs is not None
        if incumbent is None:
            if when > env.now:
                yield env.timeout(when - env.now)
            incumbent = yield from self._relieve(slot, first_fill=True)
            tour_end = incumbent.arrived_at + rules.tour_days
        else:
            tour_end = when
        current: Unit = incumbent
        key = (slot.nation, slot.capability)
        while True:
            depart = tour_end - rules.overlap_days - legs.planned_days
            if depart > env.now:
                yield env.timeout(depart - env.now)
            relief = env.process(self._relieve(slot))
            if tour_end > env.now:
                yield env.timeout(tour_end - env.now)
            if self.policy is NoReliefPolicy.extend_then_gap:
                deadline = tour_end + self.max_extension_days
                if not relief.triggered and deadline > env.now:
                    self._set_extended(slot, key, True)
                    yield relief | env.timeout(deadline - env.now)
                leave_at = env.now
                if relief.triggered:
                    arrived_at = _unit(relief).arrived_at
                    leave_at = min(max(tour_end, arrived_at + rules.overlap_days), deadline)
                if leave_at > env.now:
                    self._set_extended(slot, key, True)
                    yield env.timeout(leave_at - env.now)
                self._set_extended(slot, key, False)
            self.force.leave(current)
            env.process(self._return_home(slot, current))
            if not relief.triggered:
                yield relief
            current = _unit(relief)
            tour_end = current.arrived_at + rules.tour_days

    def _set_extended(self, slot: Slot, key: GroupKey, extended: bool) -> None:
        if slot.extended != extended:
            slot.extended = extended
            self.extended[key] += 1 if extended else -1

    def _relieve(self, slot: Slot, first_fill: bool = False) -> Generator[simpy.Event, Any, Unit]:
        """Take the next ready unit of the slot's type, move it out, and put it in the slot.

        The first fill of a slot always brings the unit's equipment; later reliefs leave it at
        home when they fall in on the equipment already in theatre.
        """
        unit: Unit = yield self.ready[(slot.nation, slot.capability)].get()
        self.force.depart(unit)
        legs = self.legs(slot, True, with_equipment=True if first_fill else None)
        assert legs is not None
        yield from self.move_unit(legs, pax=unit.pax)
        self.force.arrive(unit, slot, self.env.now)
        self._check_closure()
        return unit

    def _return_home(self, slot: Slot, unit: Unit) -> Generator[simpy.Event, Any, None]:
        """Move a relieved unit home, dwell, and make it ready again."""
        legs = self.legs(slot, False)
        assert legs is not None
        yield from self.move_unit(legs, pax=unit.pax)
        self.force.reach_home(unit)
        rules = self.rules[unit.nation]
        unit.ready_at = self.env.now + rules.dwell_ratio * rules.tour_days
        yield self.env.timeout(unit.ready_at - self.env.now)
        if not unit.tasked:  # a unit recalled from dwell for a reinforcement stays out
            yield self.ready[(unit.nation, unit.capability)].put(unit)

    def move_unit(
        self, legs: Legs, priority: int = 1, pax: int = 0
    ) -> Generator[simpy.Event, Any, None]:
        """Move personnel and (if the legs have it) equipment in parallel; done when both are.

        With an airlift (``rotation.personnel_by_airlift``) the personnel's air segment is flown
        in sorties of its ``pax`` troops (logistics_sim.engine.airlift).
        """
        if legs.equipment is None:
            yield from self._move_personnel(legs, priority, pax)
            return
        personnel = self.env.process(self._move_personnel(legs, priority, pax))
        equipment = self.env.process(self._move_leg(legs.equipment, legs.equipment_modes, priority))
        yield personnel & equipment

    def _move_personnel(
        self, legs: Legs, priority: int, pax: int
    ) -> Generator[simpy.Event, Any, None]:
        if self.airlift is None:
            yield from self._move_leg(legs.personnel, legs.personnel_modes, priority)
            return
        yield from self.airlift.move_personnel(
            legs.personnel, pax, priority, legs.personnel_modes, self._move_leg
        )

    def _move_leg(
        self, route: Route, modes: Collection[Mode], priority: int
    ) -> Generator[simpy.Event, Any, None]:
        """One movement over the network, retried from its origin while diverted."""
        while True:
            outcome = yield from self.network.move(
                route, priority=priority, in_transit_policy=self.in_transit_policy, modes=modes
            )
            if outcome.arrived:
                return
            self.diverted_movements += 1
            yield self.env.timeout(DIVERSION_RETRY_DAYS)

    def _check_closure(self) -> None:
        """Note the first time the deployed strength reaches the force's target."""
        if math.isnan(self.closure_days) and (
            self.force.total_deployed_pax >= self.scenario.force.target_deployed_pax
        ):
            self.closure_days = float(self.env.now)

    # -- recording -----------------------------------------------------------------------------

    def _register_blocks(self) -> None:
        """Fix the dimension rows of the daily force metrics once (recorded as blocks)."""
        rec = self.recorder
        self._sector_keys = list(self.force.deployed_pax)
        position = {key: i for i, key in enumerate(self._sector_keys)}
        self._slot_position = [
            (slot, position[(slot.nation, slot.sector, slot.capability)])
            for slot in self.force.slots
        ]
        sector_dims = [{"nation": n, "sector": s, "capability": c} for n, s, c in self._sector_keys]
        self._block_deployed = rec.block("deployed_pax", sector_dims)
        self._block_gapped = rec.block("gapped_slots", sector_dims)
        self._block_covered = rec.block("covered_pax", sector_dims)
        self._slot_pax = [
            float(self.scenario.capability(slot.capability).personnel_per_unit_pax)
            for slot in self.force.slots
        ]
        self._group_keys = list(self.force.units_in_state)
        self._group_pax = [
            float(self.scenario.capability(c).personnel_per_unit_pax) for _, c in self._group_keys
        ]
        group_dims = [{"nation": n, "capability": c} for n, c in self._group_keys]
        self._group_blocks = {
            metric: rec.block(metric, group_dims)
            for metric in (
                "in_transit_pax",
                "at_home_pax",
                "units_deployed",
                "units_in_transit",
                "units_at_home",
                "extended_units",
            )
        }

    def record_day(self, day: int) -> None:
        """Append the day's force metrics (state at the end of the day)."""
        add = self.recorder.add_block
        force = self.force
        deployed_pax = force.deployed_pax
        add(day, self._block_deployed, [float(deployed_pax[k]) for k in self._sector_keys])
        gapped = [0.0] * len(self._sector_keys)
        covered = [0.0] * len(self._sector_keys)
        for (slot, i), slot_pax in zip(self._slot_position, self._slot_pax, strict=True):
            if slot.occupants == 0:
                gapped[i] += 1.0
            else:  # one unit's strength, even while its relief overlaps it
                covered[i] += slot_pax
        add(day, self._block_gapped, gapped)
        add(day, self._block_covered, covered)
        counts = [force.units_in_state[key] for key in self._group_keys]
        blocks = self._group_blocks
        home = [float(c[UnitState.at_home]) for c in counts]
        moving = [float(c[UnitState.in_transit]) for c in counts]
        pax = self._group_pax
        add(day, blocks["in_transit_pax"], [n * p for n, p in zip(moving, pax, strict=True)])
        add(day, blocks["at_home_pax"], [n * p for n, p in zip(home, pax, strict=True)])
        add(day, blocks["units_deployed"], [float(c[UnitState.deployed]) for c in counts])
        add(day, blocks["units_in_transit"], moving)
        add(day, blocks["units_at_home"], home)
        add(day, blocks["extended_units"], [float(self.extended[k]) for k in self._group_keys])

    def finish(self) -> None:
        """Append whole-run values: closure of the initial deployment and movement counts."""
        self.recorder.add_run("initial_deployment_closure_days", self.closure_days)
        self.recorder.add_run("diverted_movements", float(self.diverted_movements))
        self.recorder.add_run("unroutable_slots", float(self.unroutable_slots))
