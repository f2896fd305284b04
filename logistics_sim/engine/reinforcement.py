"""Rapid reinforcement of a threatened sector: trigger, readiness tiers, movement, closure.

For each plan the cease-fire breaks on a sampled ``trigger_day``. Warning of the attack
(``us_enablers.isr``: ``warning_days_on`` with US ISR, ``warning_days_off`` without) lets the
alert go out ``warning`` days earlier (never before day 0); notice-to-move clocks start at the
alert. Closure is measured from the trigger: the first time the arrived troops reach
``closure_share`` of the required troops; ``max(0, closure - trigger)`` days (0 when the
reinforcement was in place before the attack), NaN if it never closes within the horizon.

Sources, in this order for each required capability:

1. ``theatre_reserve`` units of the plan (in theatre already, outside the national pools) move
   by road from the forward depot nearest (planned road days) to the threatened sector's depot,
   with no notice. They count toward closure but not toward any nation's deployed strength.
2. ``designated_reserve`` units: a nation's units held at home for this plan, outside its
   rotation pools (a designated high-readiness reserve). Each waits its own sampled
   ``notice_to_move_days`` and then moves as a national unit does (below). Like the theatre
   reserve they count toward closure but not toward the nation's deployed strength.
3. National units of that capability at home: ready units, and with ``recall_from_dwell`` also
   units in dwell. Each pool's units are split over the readiness tiers by ``share_of_pool``
   (largest remainder by unit number; the rest of the pool is in no tier and cannot reinforce).
   Planners choose the highest-readiness units first: by tier, then planned move days to the
   sector, then nation code and unit number. Each chosen unit waits a notice sampled from its
   tier's ``notice_to_move_days``, then moves personnel and equipment (reinforcements always take
   their equipment) over the same network as rotation and supply, with node priority 0 under
   ``reinforcement_first`` (ahead of the priority 1 of rotation and supply) or 1 under
   ``shared``. Chosen units leave the rotation and stay in the sector for the rest of the run.

Closure decomposed. The unit whose arrival closes a plan decides its closure time::

    closure = notice + movement + queues - warning     (when positive)

``warning`` the days the alert came before the trigger, ``notice`` that unit's notice to move,
``movement`` its planned (uncongested) move days and ``queues`` the rest of its move: waiting at
nodes and closures and the spread of transit and handling times about their means. Units that
could not be found for a plan (no candidate left) are counted as ``units_short``.

Recorded: daily ``reinforcement_arrived_pax`` by sector (cumulative over the sector's plans),
and whole-run ``reinforcement_trigger_day``, ``reinforcement_closure_days`` and
``reinforcement_on_time`` (1 if closed within ``target_days``, 0 if not; no row when the horizon
ends before the target is decided), and for a triggered plan ``reinforcement_warning_days``,
``reinforcement_notice_days``, ``reinforcement_movement_days``, ``reinforcement_queue_days``
(NaN when it never closed) and ``reinforcement_units_short``, each with ``sector`` set to the
plan's sector. A plan whose
trigger falls after the horizon records only its trigger day.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from logistics_sim.distributions import sampler
from logistics_sim.engine.force import ForceState, Unit, UnitState, largest_remainder
from logistics_sim.engine.network import LocNetwork
from logistics_sim.engine.recording import Recorder
from logistics_sim.engine.rotation import RotationEngine
from logistics_sim.rules.routes import Legs
from logistics_sim.scenario import Mode, ReinforcementPlan, ReinforcementPriority, Scenario

#: Node queue priority of a reinforcement that goes first (rotation and supply use 1).
FIRST = 0
SHARED = 1


#: The components of a closure time, in the order they are recorded (module docstring).
CLOSURE_COMPONENTS = ("warning", "notice", "movement", "queue")


@dataclass(frozen=True)
class Arrival:
    """What one unit's arrival took: its notice, planned move days and the rest (queues)."""

    notice_days: float
    movement_days: float
    queue_days: float


@dataclass
class PlanState:
    """One plan during a run: its sampled times, what it needs and what has arrived."""

    plan: ReinforcementPlan
    trigger_day: float
    alert_day: float
    required_pax: int
    arrived_pax: int = 0
    closure_day: float = math.nan
    units_sent: list[Unit] = field(default_factory=list)
    units_short: int = 0
    deciding: Arrival | None = None

    @property
    def closure_pax(self) -> float:
        """Troops that must have arrived for the plan to count as closed."""
        return self.plan.closure_share * self.required_pax


def assign_tiers(scenario: Scenario, force: ForceState) -> None:
    """Give every pool unit its readiness tier (index into ``reinforcement.tiers``) or None."""
    shares = [t.share_of_pool for t in scenario.reinforcement.tiers]
    if not shares:
        return
    rest = max(0.0, 1.0 - sum(shares))
    for units in force.pools.values():
        counts = largest_remainder(len(units), [*shares, rest])
        position = 0
        for tier, n in enumerate(counts):
            for unit in units[position : position + n]:
                unit.tier = tier if tier < len(shares) else None
            position += n


class ReinforcementEngine:
    """Runs every reinforcement plan of the scenario and records its arrivals and closure."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        force: ForceState,
        network: LocNetwork,
        rotation: RotationEngine,
        rng: np.random.Generator,
        recorder: Recorder,
    ) -> None:
        self.env = env
        self.scenario = scenario
        self.force = force
        self.network = network
        self.rotation = rotation
        self.rng = rng
        self.recorder = recorder
        self.depot = {s.id: s.forward_depot for s in scenario.force.sectors}
        self.notice = [sampler(t.notice_to_move_days) for t in scenario.reinforcement.tiers]
        isr = scenario.us_enablers.isr
        warning = sampler(isr.warning_days_on if isr.enabled else isr.warning_days_off)
        assign_tiers(scenario, force)
        self.plans: list[PlanState] = []
        for plan in scenario.reinforcement.plans:
            trigger = sampler(plan.trigger_day).sample(rng)
            alert = max(0.0, trigger - warning.sample(rng))
            required = sum(
                r.units * scenario.capability(r.capability).personnel_per_unit_pax
                for r in plan.required
            )
            state = PlanState(plan, trigger, alert, required)
            self.plans.append(state)
            env.process(self._run(state))
        self.sectors = sorted({p.plan.sector for p in self.plans})

    # -- choosing units ------------------------------------------------------------------------

    def _legs(self, unit: Unit, sector: str) -> Legs | None:
        home = self.scenario.nation(unit.nation).home_node
        if home is None:
            return None
        return self.network.planner.unit_legs(
            unit.capability,
            home,
            self.depot[sector],
            with_equipment=True,
        )

    def _candidates(self, plan: ReinforcementPlan, capability: str) -> list[tuple[Unit, Legs]]:
        """National units of ``capability`` that could go now, best readiness first."""
        ranked: list[tuple[tuple[int, float, str, int], Unit, Legs]] = []
        for key, units in self.force.pools.items():
            if key[1] != capability:
                continue
            ready = set(map(id, self.rotation.ready[key].items))
            for unit in units:
                if unit.tier is None or unit.tasked:
                    continue
                # a unit taken by a relief has left the ready store but may not have departed
                in_dwell = unit.state is UnitState.at_home and unit.ready_at > self.env.now
                if id(unit) not in ready and not (plan.recall_from_dwell and in_dwell):
                    continue
                legs = self._legs(unit, plan.sector)
                if legs is None:
                    continue
                ranked.append(((unit.tier, legs.planned_days, unit.nation, unit.uid), unit, legs))
        ranked.sort(key=lambda item: item[0])
        return [(unit, legs) for _, unit, legs in ranked]

    def _reserve_origin(self, sector: str) -> tuple[str, float]:
        """The forward depot nearest the threatened sector's by road, and its planned days."""
        target = self.depot[sector]
        best: tuple[float, str] = (math.inf, target)
        for other in self.scenario.force.sectors:
            if other.id == sector:
                continue
            route = self.network.route(other.forward_depot, target, {Mode.road})
            if route is not None and (route.planned_days, other.forward_depot) < best:
                best = (route.planned_days, other.forward_depot)
        return best[1], (0.0 if math.isinf(best[0]) else best[0])

    # -- processes -----------------------------------------------------------------------------

    def _run(self, state: PlanState) -> Generator[simpy.Event, Any, None]:
        """Alert, choose units, send them; closure is noted as they arrive."""
        env = self.env
        plan = state.plan
        if state.alert_day > env.now:
            yield env.timeout(state.alert_day - env.now)
        priority = FIRST if plan.priority is ReinforcementPriority.reinforcement_first else SHARED
        reserve = {r.capability: r.units for r in plan.theatre_reserve}
        for need in plan.required:
            pax = self.scenario.capability(need.capability).personnel_per_unit_pax
            from_reserve = min(need.units, reserve.get(need.capability, 0))
            for _ in range(from_reserve):
                env.process(self._send_reserve(state, pax, priority))
            wanted = need.units - from_reserve
            designated = self._send_designated(state, need.capability, wanted, priority)
            missing = need.units - from_reserve - designated
            chosen = self._candidates(plan, need.capability)[:missing]
            state.units_short += missing - len(chosen)
            for unit, legs in chosen:
                unit.tasked = True
                store = self.rotation.ready[(unit.nation, unit.capability)]
                if unit in store.items:
                    store.items.remove(unit)
                notice = self.notice[unit.tier].sample(self.rng) if unit.tier is not None else 0.0
                state.units_sent.append(unit)
                env.process(self._send_unit(state, unit, legs, notice, priority))

    def _send_designated(
        self, state: PlanState, capability: str, wanted: int, priority: int
    ) -> int:
        """Send up to ``wanted`` designated reserve units of ``capability``; how many went."""
        plan = state.plan
        sent = 0
        for reserve in plan.designated_reserve:
            if reserve.capability != capability or sent >= wanted:
                continue
            home = self.scenario.nation(reserve.nation).home_node
            legs = None
            if home is not None:
                legs = self.network.planner.unit_legs(
                    capability, home, self.depot[plan.sector], with_equipment=True
                )
            if legs is None:
                continue  # no route: validation warns; the plan counts the units short
            pax = self.scenario.capability(capability).personnel_per_unit_pax
            notice = sampler(reserve.notice_to_move_days)
            for _ in range(min(reserve.units, wanted - sent)):
                wait = notice.sample(self.rng)
                self.env.process(self._send_designated_unit(state, pax, legs, wait, priority))
                sent += 1
        return sent

    def _timed_move(
        self, legs: Legs, priority: int, pax: int
    ) -> Generator[simpy.Event, Any, float]:
        """Move a unit's legs; the days the move took."""
        start = self.env.now
        yield from self.rotation.move_unit(legs, priority, pax)
        return float(self.env.now - start)

    def _send_unit(
        self, state: PlanState, unit: Unit, legs: Legs, notice: float, priority: int
    ) -> Generator[simpy.Event, Any, None]:
        """Notice to move, then the move; the unit is deployed in the sector on arrival."""
        if notice > 0:
            yield self.env.timeout(notice)
        self.force.depart(unit)
        took = yield from self._timed_move(legs, priority, unit.pax)
        self.force.station(unit, state.plan.sector, self.env.now)
        self._arrived(state, unit.pax, Arrival(notice, legs.planned_days, took - legs.planned_days))

    def _send_designated_unit(
        self, state: PlanState, pax: int, legs: Legs, notice: float, priority: int
    ) -> Generator[simpy.Event, Any, None]:
        """A designated reserve unit: its notice, then its move from home."""
        if notice > 0:
            yield self.env.timeout(notice)
        took = yield from self._timed_move(legs, priority, pax)
        self._arrived(state, pax, Arrival(notice, legs.planned_days, took - legs.planned_days))

    def _send_reserve(
        self, state: PlanState, pax: int, priority: int
    ) -> Generator[simpy.Event, Any, None]:
        """A theatre reserve unit moves by road from the nearest other depot."""
        origin, _ = self._reserve_origin(state.plan.sector)
        route = self.network.route(origin, self.depot[state.plan.sector], {Mode.road})
        planned = took = 0.0
        if route is not None:
            start = self.env.now
            yield from self.network.move(route, priority=priority, modes={Mode.road})
            planned, took = route.planned_days, float(self.env.now - start)
        self._arrived(state, pax, Arrival(0.0, planned, took - planned))

    def _arrived(self, state: PlanState, pax: int, arrival: Arrival) -> None:
        state.arrived_pax += pax
        if math.isnan(state.closure_day) and state.arrived_pax >= state.closure_pax - 1e-9:
            state.closure_day = float(self.env.now)
            state.deciding = arrival

    # -- recording -----------------------------------------------------------------------------

    def record_day(self, day: int) -> None:
        """Append cumulative reinforcement troops arrived in each threatened sector."""
        for sector in self.sectors:
            arrived = sum(p.arrived_pax for p in self.plans if p.plan.sector == sector)
            self.recorder.add(day, "reinforcement_arrived_pax", float(arrived), sector=sector)

    def finish(self) -> None:
        """Append each plan's trigger day, closure days and whether it closed on time."""
        horizon = float(self.scenario.horizon_days)
        for state in self.plans:
            sector = state.plan.sector
            add = self.recorder.add_run
            add("reinforcement_trigger_day", state.trigger_day, sector=sector)
            if state.trigger_day >= horizon:
                continue  # the attack falls after the run: nothing to judge
            closure = math.nan
            if not math.isnan(state.closure_day):
                closure = max(0.0, state.closure_day - state.trigger_day)
            add("reinforcement_closure_days", closure, sector=sector)
            self._record_components(state)
            target = state.plan.target_days
            if not math.isnan(closure):
                add("reinforcement_on_time", float(closure <= target), sector=sector)
            elif horizon - state.trigger_day >= target:
                add("reinforcement_on_time", 0.0, sector=sector)

    def _record_components(self, state: PlanState) -> None:
        """The deciding arrival's warning, notice, movement and queue days; units short."""
        sector = state.plan.sector
        deciding = state.deciding
        values = (math.nan,) * len(CLOSURE_COMPONENTS)
        if deciding is not None:
            warning = state.trigger_day - state.alert_day
            values = (warning, deciding.notice_days, deciding.movement_days, deciding.queue_days)
        for name, value in zip(CLOSURE_COMPONENTS, values, strict=True):
            self.recorder.add_run(f"reinforcement_{name}_days", value, sector=sector)
        self.recorder.add_run("reinforcement_units_short", float(state.units_short), sector=sector)
