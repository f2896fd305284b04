"""Sustainment: daily demand by sector and class, forward depot stocks, the fleets refilling them.

Demand. Each sector's draw of supply class ``c`` on day ``d`` is one event (never per soldier)::

    demand_t = kg_per_pax_day[c][posture] / 1000 * sum_cap(pax[sector, cap] * modifier[cap, c])
               * variation

with ``pax`` the live deployed strength at the end of day ``d`` (force.py), ``modifier`` the
capability's ``consumption_modifiers`` (absent = 1; the sum is the pax-weighted modifier times the
sector's strength) and ``variation`` one sample of ``sustainment.demand_variation`` per sector,
class and day from the ``demand`` generator (drawn even when the sector is empty, so streams stay
aligned across variants). The *rate* of a sector and class is the same expression without the
variation: stock policy and days of supply are measured against it. With
``sustainment.demand_lot_days`` set, demand comes in whole lots (requisitions) of that many days
of the rate instead: ``demand_t = lot_t * N`` with ``lot_t = demand_lot_days * rate`` and ``N``
Poisson with mean ``variation / demand_lot_days``, one vector of Poisson draws per day after the
variation's.

Timing. The daily tick calls :meth:`SustainmentEngine.record_day` at t = d + 1 after every other
event: the day's demand is consumed then, from the stock left after the day's deliveries, and the
end-of-day values are recorded. A class with ``moved: false`` (water drawn in theatre) is demand
that is always met in theatre and never shipped; it has no stock rows.

Echelons. National source --(``source_lead_time_days``, ``transport`` generator)--> the fleet's
base node (a rear hub: tonnes per class, the node's ``storage_t`` split in proportion to the
force's planned demand by class; a base-stock policy reorders every tonne loaded out, which arrives
one ``source_lead_time_days`` draw later; a home node or a node without storage is the national
source itself, never short) --> the fleet's route over the network (``LocNetwork.move``: it queues
at every handling node after the base, the crossings, gauge changes and the depot's own reception
lines, shared with rotation and reinforcement movements) --> the forward depot (tonnes per sector
and class, a plain number: consumption never waits and a delivery always fits; the node's
``storage_t`` is split over its sectors and classes in proportion to their planned demand, i.e. the
allocation's strength in the sector; no ``storage_t`` = unlimited). Stock never goes negative:
unmet demand is recorded as ``shortfall_t`` and lost (no backorders).

Stock policy (days of supply against the current rate). Inventory position = stock + tonnes in
transit to the depot. A (depot, class) needs resupply when its position is below
``reorder_point_days`` x rate; an order brings it up to ``min(order_up_to_days x rate, capacity)``,
or, with ``order_quantity_days`` set, is the smallest whole number of lots of that many days that
reaches the reorder point (the (r, nQ) policy). Depots start with ``initial_days_of_supply`` x the
*planned* rate (the allocation's full strength: stocks are pre-positioned before the build-up),
capped by capacity.

Dispatch rule (documented choice). Whenever a vehicle (one train, convoy or aircraft sortie) is
free, after each day's consumption and when stock reaches a rear hub, loads are decided one at a
time. Each fleet with a free vehicle proposes a load:

1. candidates are the (depot, class) pairs of the depots the fleet serves (``serves``, or every
   depot its mode reaches from its base) whose position is below the reorder point, whose rate is
   positive and whose class the base holds;
2. its load goes to the candidate with the lowest days of supply (position / rate; ties by
   depot then class in scenario order) and carries that class up to its need (``order_need_t``);
3. spare payload tops up the other classes of the same depot that the policy would order for
   (below their order-up-to level; under fixed lots, below their reorder point), lowest days of
   supply first.

The proposal for the most depleted (depot, class) wins; among fleets proposing the same days of
supply, the one with the quickest planned trip (route plus mean loading and unloading) sends it,
ties in scenario order. So a depot is resupplied by the nearest free vehicle that can reach it,
not by whichever fleet the scenario lists first.

A load never exceeds the payload, the base's stock or the depot's free capacity after what is
already on its way, so a delivery always fits. A free vehicle with nothing to do waits for the
next decision point.

A vehicle's trip: wait for the decision, load (``load_days`` / the base's capacity factor; while
the base is closed it waits, re-checked hourly), move loaded (priority 1), unload (``unload_days``
/ the depot's capacity factor) and credit the depot, return empty (priority 2: loaded traffic goes
first). A movement that does not arrive (diverted by a full air hub, no route left) loses its
load (``lost_t``). Fleets with ``us_enabler`` exist only when ``us_enablers.airlift.enabled``.

Strikes (disruption.py) may destroy a share of the stock at a depot or rear hub
(``destroy_stock``): the daily ``destroyed_t`` by sector and class, ``hub_destroyed_t`` by rear
hub and class for the run; a rear hub reorders what it lost.

Whole-run values: ``shipped_t``, ``lost_t``, ``in_transit_t`` (end of run) by supply class, so that
``shipped_t = delivered_t + in_transit_t + lost_t``; ``initial_stock_t`` by sector and class, so
that a depot's stock on any day = initial + delivered - consumed - destroyed to date.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

import numpy as np
import simpy

from logistics_sim.distributions import Sampler, sampler
from logistics_sim.engine.airlift import air_fleets
from logistics_sim.engine.force import ForceState
from logistics_sim.engine.network import LocNetwork, MoveOutcome, Route
from logistics_sim.engine.recording import Recorder
from logistics_sim.scenario import Fleet, NodeKind, Scenario, StockPolicy

#: Node queue priority of a loaded supply movement (as rotation) and of an empty return.
LOADED_PRIORITY = 1
EMPTY_PRIORITY = 2
#: Re-check interval (days) for a vehicle waiting to load at a closed base.
CLOSED_BASE_POLL_DAYS = 1.0 / 24.0
#: A shortfall below this (tonnes, 1 g) is float rounding of stock arithmetic, recorded as 0.
SHORTFALL_ROUNDING_T = 1e-6
#: Slack on container capacities so that float rounding never blocks a put (tonnes, relative).
_CAPACITY_SLACK = 1e-9

SectorClass = tuple[str, str]  # (sector id, supply class id)


# ---------------------------------------------------------------------------------------------
# Pure arithmetic: demand, storage split, stock policy, dispatch rule.
# ---------------------------------------------------------------------------------------------


def class_kg_per_pax_day(scenario: Scenario) -> dict[str, float]:
    """kg per person per day of each supply class at the scenario's posture (0 when absent)."""
    posture = scenario.sustainment.posture
    return {c.id: c.kg_per_pax_day.get(posture, 0.0) for c in scenario.sustainment.supply_classes}


class DemandRates:
    """Expected tonnes per day by (sector, class) for a strength by (sector, capability).

    kg/person/day x sum over capabilities of pax x the capability's modifier for the class, / 1000.
    Every sector and class of the scenario has an entry (0 for an empty sector). The factors are
    looked up once per scenario (the engine asks whenever the strength changes).
    """

    def __init__(self, scenario: Scenario) -> None:
        kg = class_kg_per_pax_day(scenario)
        self._sectors = [s.id for s in scenario.force.sectors]
        self._classes = list(kg)
        self._factors = {
            cap.id: [
                (k, kg_pax, cap.consumption_modifiers.get(c, 1.0))
                for k, (c, kg_pax) in enumerate(kg.items())
            ]
            for cap in scenario.force.capabilities
        }
        self._default = [(k, kg_pax, 1.0) for k, kg_pax in enumerate(kg.values())]

    def __call__(
        self, pax_by_sector_capability: Mapping[tuple[str, str], float]
    ) -> dict[SectorClass, float]:
        """The rates for this strength."""
        # a row of class totals per sector, summed in the same order as a dict would be
        rows = {sector: [0.0] * len(self._classes) for sector in self._sectors}
        for (sector, cap), pax in sorted(pax_by_sector_capability.items()):
            if pax == 0:
                continue
            row = rows[sector]
            for k, kg_pax, modifier in self._factors.get(cap, self._default):
                row[k] += pax * kg_pax * modifier / 1000.0
        return {
            (sector, c): total
            for sector, row in rows.items()
            for c, total in zip(self._classes, row, strict=True)
        }


def demand_rates_t_per_day(
    scenario: Scenario, pax_by_sector_capability: Mapping[tuple[str, str], float]
) -> dict[SectorClass, float]:
    """Expected tonnes per day by (sector, class) for a strength (see :class:`DemandRates`)."""
    return DemandRates(scenario)(pax_by_sector_capability)


def split_storage_t(storage_t: float | None, weights: Mapping[Any, float]) -> dict[Any, float]:
    """A node's storage split over keys in proportion to ``weights`` (even if all are 0).

    ``None`` (no storage given) means unlimited: every key gets ``inf``.
    """
    if storage_t is None:
        return {key: math.inf for key in weights}
    total = math.fsum(weights.values())
    if total <= 0:
        return {key: storage_t / len(weights) for key in weights}
    return {key: storage_t * w / total for key, w in weights.items()}


def days_of_supply(stock_t: float, rate_t_per_day: float) -> float:
    """Stock in days of the current rate; NaN when nothing is being consumed."""
    return stock_t / rate_t_per_day if rate_t_per_day > 0 else math.nan


def order_need_t(
    position_t: float, rate_t_per_day: float, capacity_t: float, policy: StockPolicy
) -> float:
    """Tonnes the stock policy asks for a (depot, class) now, never beyond its capacity.

    Order-up-to: the gap to ``order_up_to_days`` x rate. Fixed lots, the (r, nQ) policy:
    below the reorder point, the smallest whole number of lots of ``order_quantity_days`` x
    rate that brings the position to the reorder point or above; nothing otherwise.
    """
    if policy.order_quantity_days is None:
        target = min(policy.order_up_to_days * rate_t_per_day, capacity_t)
        return max(0.0, target - position_t)
    if not below_reorder_point(position_t, rate_t_per_day, policy):
        return 0.0
    lot_t = policy.order_quantity_days * rate_t_per_day
    lots = math.ceil((policy.reorder_point_days * rate_t_per_day - position_t) / lot_t)
    return min(lots * lot_t, max(0.0, capacity_t - position_t))


def below_reorder_point(position_t: float, rate_t_per_day: float, policy: StockPolicy) -> bool:
    """Whether the inventory position is below the reorder point (never when the rate is 0)."""
    return rate_t_per_day > 0 and position_t < policy.reorder_point_days * rate_t_per_day


class DepotClassState(NamedTuple):
    """What the dispatch rule sees of one (sector depot, class): tonnes and tonnes per day.

    A named tuple: the rule builds one per candidate on every decision (cheap to make).
    """

    sector: str
    supply_class: str
    position_t: float  # stock + in transit to the depot
    rate_t_per_day: float
    capacity_t: float
    available_t: float  # at the vehicle's base


@dataclass(frozen=True)
class Load:
    """One vehicle's cargo: the sector whose depot it goes to and tonnes by class."""

    sector: str
    tonnes_by_class: tuple[tuple[str, float], ...]

    @property
    def total_t(self) -> float:
        """Tonnes aboard."""
        return math.fsum(t for _, t in self.tonnes_by_class)


def _need_t(s: DepotClassState, policy: StockPolicy) -> float:
    """Tonnes the policy asks for and the base can give (rule steps 2 and 3)."""
    return min(order_need_t(s.position_t, s.rate_t_per_day, s.capacity_t, policy), s.available_t)


def first_choice(
    states: Sequence[DepotClassState], policy: StockPolicy
) -> tuple[float, int] | None:
    """Rule steps 1-2: (days of supply, index) of the most depleted candidate, None if none.

    ``states`` are in scenario order (sector, then class), which breaks ties.
    """
    candidates = [
        (s.position_t / s.rate_t_per_day, i)
        for i, s in enumerate(states)
        if below_reorder_point(s.position_t, s.rate_t_per_day, policy) and _need_t(s, policy) > 0
    ]
    return min(candidates) if candidates else None


def plan_load(
    states: Sequence[DepotClassState], policy: StockPolicy, payload_t: float
) -> Load | None:
    """The dispatch rule (module docstring): most depleted (depot, class) first, then top up.

    ``states`` are in scenario order (sector, then class), which breaks ties. None when no
    candidate is below its reorder point with stock at the base.
    """
    choice = first_choice(states, policy)
    if choice is None:
        return None
    first = states[choice[1]]
    first_t = min(payload_t, _need_t(first, policy))
    cargo = [(first.supply_class, first_t)]
    spare = payload_t - first_t
    others = sorted(
        (s.position_t / s.rate_t_per_day, i, s)
        for i, s in enumerate(states)
        if s.sector == first.sector and s is not first and s.rate_t_per_day > 0
    )
    for _, _, s in others:
        if spare <= 0:
            break
        top_up = min(spare, _need_t(s, policy))
        if top_up > 0:
            cargo.append((s.supply_class, top_up))
            spare -= top_up
    return Load(first.sector, tuple(cargo))


# ---------------------------------------------------------------------------------------------
# The SimPy side.
# ---------------------------------------------------------------------------------------------


class _Proposal(NamedTuple):
    """A fleet's first choice (rule steps 1-2): its days of supply and its sector."""

    days_of_supply: float
    sector: str


@dataclass
class _FleetState:
    """One fleet during a run: its routes, free vehicles and busy-time statistics."""

    fleet: Fleet
    load: Sampler
    unload: Sampler
    routes: dict[str, Route]  # sector -> outbound route from the base to its depot
    returns: dict[str, Route | None]
    # the (sector, class) pairs it can resupply, as indices of the engine's stock keys
    key_ids: frozenset[int] = frozenset()
    trip_days: dict[str, float] = field(default_factory=dict)  # planned, base to depot, loaded
    idle: list[simpy.Event] = field(default_factory=list)
    busy: int = 0
    busy_area: float = 0.0
    last_t: float = 0.0

    def advance(self, now: float) -> None:
        """Accumulate busy vehicle-days up to ``now``."""
        self.busy_area += self.busy * (now - self.last_t)
        self.last_t = now


@dataclass
class DepotStocks:
    """The forward depots by (sector, moved class): one array entry per key of ``keys``.

    ``keys`` are in scenario order (sector, then class), which breaks the dispatch rule's ties;
    ``index`` finds a key's entry. Tonnes, and tonnes per day for the current rate; the daily
    tick works on the arrays whole, the dispatch rule reads single entries.
    """

    keys: list[SectorClass]
    index: dict[SectorClass, int]
    capacity_t: np.ndarray
    initial_t: np.ndarray
    stock_t: np.ndarray
    in_transit_t: np.ndarray
    delivered_today_t: np.ndarray
    delivered_total_t: np.ndarray
    destroyed_today_t: np.ndarray
    rate_t_per_day: np.ndarray
    reorder_t: np.ndarray  # reorder point in tonnes at the current rate

    @classmethod
    def build(
        cls, keys: list[SectorClass], capacity_t: list[float], initial_t: list[float]
    ) -> DepotStocks:
        """Depots holding ``initial_t`` (nothing in transit, no rate yet)."""
        n = len(keys)
        return cls(
            keys=keys,
            index={key: i for i, key in enumerate(keys)},
            capacity_t=np.array(capacity_t, dtype=np.float64),
            initial_t=np.array(initial_t, dtype=np.float64),
            stock_t=np.array(initial_t, dtype=np.float64),
            in_transit_t=np.zeros(n),
            delivered_today_t=np.zeros(n),
            delivered_total_t=np.zeros(n),
            destroyed_today_t=np.zeros(n),
            rate_t_per_day=np.zeros(n),
            reorder_t=np.zeros(n),
        )

    def below_reorder_point(self) -> np.ndarray:
        """Indices of the keys whose position (stock + in transit) is below the reorder point."""
        position = self.stock_t + self.in_transit_t
        return np.flatnonzero((self.rate_t_per_day > 0) & (position < self.reorder_t))

    def days_of_supply(self) -> np.ndarray:
        """Stock in days of the current rate; NaN where nothing is consumed (days_of_supply)."""
        out = np.full(len(self.keys), math.nan)
        return np.divide(self.stock_t, self.rate_t_per_day, out=out, where=self.rate_t_per_day > 0)


@dataclass
class HubStocks:
    """Rear-hub stocks by (base node, moved class): tonnes, capacity (with slack), destroyed.

    A base that is not here (a home node, a node without storage) is the national source
    itself, never short.
    """

    keys: list[tuple[str, str]]
    index: dict[tuple[str, str], int]
    level_t: np.ndarray
    capacity_t: np.ndarray
    destroyed_t: np.ndarray

    @classmethod
    def build(cls, levels: dict[tuple[str, str], float]) -> HubStocks:
        """Full hubs at ``levels`` (their capacities)."""
        keys = list(levels)
        return cls(
            keys=keys,
            index={key: i for i, key in enumerate(keys)},
            level_t=np.array([levels[k] for k in keys], dtype=np.float64),
            capacity_t=np.array([_slack(levels[k]) for k in keys], dtype=np.float64),
            destroyed_t=np.zeros(len(keys)),
        )

    def available_t(self, base: str, supply_class: str) -> float:
        """Tonnes of the class a fleet at ``base`` can load (inf at a national source)."""
        i = self.index.get((base, supply_class))
        return math.inf if i is None else self.level_t.item(i)


class SustainmentEngine:
    """Demand, depots, rear-hub stocks and fleets of one replication (see module docstring)."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        force: ForceState,
        network: LocNetwork,
        demand_rng: np.random.Generator,
        transport_rng: np.random.Generator,
        recorder: Recorder,
    ) -> None:
        self.env = env
        self.scenario = scenario
        self.force = force
        self.network = network
        self.demand_rng = demand_rng
        self.transport_rng = transport_rng
        self.recorder = recorder
        sus = scenario.sustainment
        self.policy = sus.stock_policy
        self.in_transit_policy = scenario.disruptions.in_transit_policy
        self.classes = [c.id for c in sus.supply_classes]
        self.moved = [c.id for c in sus.supply_classes if c.moved]
        self.sectors = [s.id for s in scenario.force.sectors]
        self.depot_of = {s.id: s.forward_depot for s in scenario.force.sectors}
        self.variation = sampler(sus.demand_variation)
        self.lead_time = sampler(sus.source_lead_time_days)

        planned_pax: dict[tuple[str, str], float] = {}
        for slot in force.slots:
            key = (slot.sector, slot.capability)
            pax = scenario.capability(slot.capability).personnel_per_unit_pax
            planned_pax[key] = planned_pax.get(key, 0) + pax
        self._demand_rates = DemandRates(scenario)
        self.planned_rate = dict(self._demand_rates(planned_pax))

        # forward depots: storage of each depot node split over its sectors' moved classes
        capacity_t: dict[SectorClass, float] = {}
        for depot in sorted(set(self.depot_of.values())):
            keys = [(s, c) for s in self.sectors if self.depot_of[s] == depot for c in self.moved]
            split = split_storage_t(
                scenario.node(depot).storage_t, {k: self.planned_rate[k] for k in keys}
            )
            capacity_t.update(split)
        # depot stocks are plain tonnes: consumption never waits and a delivery always fits
        moved_keys = [(s, c) for s in self.sectors for c in self.moved]
        initial_days = self.policy.initial_days_of_supply
        self.depots = DepotStocks.build(
            moved_keys,
            [capacity_t[key] for key in moved_keys],
            [min(capacity_t[key], initial_days * self.planned_rate[key]) for key in moved_keys],
        )
        self._capacity_list: list[float] = self.depots.capacity_t.tolist()
        # the depot node of each key, for strikes
        self._key_depot = np.array([self.depot_of[s] for s, _ in moved_keys], dtype=object)

        # fleets and the stocks at their bases
        airlift = scenario.us_enablers.airlift.enabled
        flying_troops = scenario.rotation.personnel_by_airlift  # the airlift has the aircraft
        self.fleets = [
            self._fleet_state(f)
            for f in sus.fleets
            if (airlift or not f.us_enabler) and not (flying_troops and f in air_fleets(scenario))
        ]
        force_share = {
            c: math.fsum(self.planned_rate[(s, c)] for s in self.sectors) for c in self.moved
        }
        # rear-hub stocks in tonnes, with their capacities (slack for float rounding)
        hub_levels: dict[tuple[str, str], float] = {}
        for base in sorted({fs.fleet.base_node for fs in self.fleets}):
            node = scenario.node(base)
            if node.kind is NodeKind.home or node.storage_t is None:
                continue  # the national source itself: never short
            for c, cap in split_storage_t(node.storage_t, force_share).items():
                hub_levels[(base, c)] = cap
        self.hubs = HubStocks.build(hub_levels)

        # run totals by class; the rates of every (sector, class), moved or not
        self.shipped_t = dict.fromkeys(self.moved, 0.0)
        self.lost_t = dict.fromkeys(self.moved, 0.0)
        all_keys = [(s, c) for s in self.sectors for c in self.classes]
        self._all_keys = all_keys
        # position of each depot key among all keys, and whether a key is moved
        position = {key: i for i, key in enumerate(all_keys)}
        self._moved_at = np.array([position[key] for key in moved_keys], dtype=np.intp)
        self.rate_t_per_day = np.zeros(len(all_keys))
        self._set_rates({k: 0.0 for k in self.planned_rate})
        self._rates_at_change = -1  # force.strength_changes when the rates were last set
        self._last_record_t = env.now
        self._dispatching = False
        self._proposals: dict[int, _Proposal | None] = {}  # fleet index -> its first choice
        # indices of the stock keys that may be below their reorder point: every key that is,
        # perhaps more (see _may_be_below); proposals look at these alone
        self._maybe_below: set[int] = set()

        def dims(keys: Iterable[SectorClass]) -> list[dict[str, str]]:
            return [{"sector": s, "supply_class": c} for s, c in keys]

        block = recorder.block
        self._b_demand = block("demand_t", dims(all_keys))
        self._b_consumed = block("consumed_t", dims(all_keys))
        self._b_shortfall = block("shortfall_t", dims(all_keys))
        self._b_delivered = block("delivered_t", dims(moved_keys))
        self._b_destroyed = block("destroyed_t", dims(moved_keys))
        self._b_stock = block("stock_t", dims(moved_keys))
        self._b_dos = block("days_of_supply", dims(moved_keys))
        self._b_fleet = block("fleet_utilisation", [{"node": fs.fleet.id} for fs in self.fleets])

        for fs in self.fleets:
            for _ in range(fs.fleet.count):
                env.process(self._vehicle(fs))

    # -- construction helpers ------------------------------------------------------------------

    def _fleet_state(self, fleet: Fleet) -> _FleetState:
        """A fleet's routes to the depots it serves (unreachable depots are left out)."""
        served = set(fleet.serves) if fleet.serves else set(self.depot_of.values())
        routes: dict[str, Route] = {}
        returns: dict[str, Route | None] = {}
        for sector in self.sectors:
            depot = self.depot_of[sector]
            if depot not in served:
                continue
            route = self.network.route(fleet.base_node, depot, (fleet.mode,))
            if route is None or not route.links:
                continue
            routes[sector] = route
            returns[sector] = self.network.route(depot, fleet.base_node, (fleet.mode,))
        index = self.depots.index
        key_ids = frozenset(index[(sector, c)] for sector in routes for c in self.moved)
        load, unload = sampler(fleet.load_days), sampler(fleet.unload_days)
        trip = {s: r.planned_days + load.mean + unload.mean for s, r in routes.items()}
        return _FleetState(fleet, load, unload, routes, returns, key_ids, trip)

    def _set_rates(self, rates: dict[SectorClass, float]) -> None:
        """Adopt the day's demand rates and the reorder points in tonnes that follow from them.

        A position below its reorder point in tonnes (0 when the rate is 0) is what makes a
        (depot, class) a dispatch candidate; plan_load checks the rule in full.
        """
        self.rate_t_per_day = np.fromiter(rates.values(), np.float64, len(self._all_keys))
        depots = self.depots
        depots.rate_t_per_day = self.rate_t_per_day[self._moved_at]
        depots.reorder_t = self.policy.reorder_point_days * depots.rate_t_per_day
        # the same as Python floats for the dispatch rule, which reads one entry at a time
        self._rate_list: list[float] = depots.rate_t_per_day.tolist()
        self._reorder_list: list[float] = depots.reorder_t.tolist()

    # -- dispatch ------------------------------------------------------------------------------

    def dispatch(self) -> None:
        """Give free vehicles their loads by the dispatch rule until none is needed.

        A fleet whose last proposal was nothing keeps it until something can raise a need: a
        day's consumption and new rates, a lost load, or stock reaching its empty base.
        Deliveries move tonnes from in transit to stock and reservations only lower needs, so
        keeping it gives the same loads as planning again.
        """
        if self._dispatching:
            return
        self._dispatching = True
        try:
            proposals = self._proposals
            while (decision := self._next_load(proposals)) is not None:
                index, load = decision
                fs = self.fleets[index]
                self._reserve(fs, load)
                fs.idle.pop(0).succeed(load)
                self._forget_stale(proposals, index, load)
        finally:
            self._dispatching = False

    def _next_load(self, proposals: dict[int, _Proposal | None]) -> tuple[int, Load] | None:
        """The next load (module docstring): the most depleted first, then the quickest trip.

        ``proposals`` keeps each fleet's first choice until something changes it (see
        _forget_stale and _unsettle); None is a fleet with nothing to do. Only the winner's load
        is worked out in full.
        """
        best: tuple[tuple[float, float, int], _Proposal] | None = None
        for index, fs in enumerate(self.fleets):
            if not fs.idle:
                continue
            if index not in proposals:
                proposals[index] = self._propose(fs)
            proposal = proposals[index]
            if proposal is None:
                continue
            rank = (proposal.days_of_supply, fs.trip_days[proposal.sector], index)
            if best is None or rank < best[0]:
                best = (rank, proposal)
        if best is None:
            return None
        index = best[0][2]
        fs = self.fleets[index]
        load = plan_load(self._states(fs, best[1].sector), self.policy, fs.fleet.payload_t)
        assert load is not None  # the proposal has a candidate
        return index, load

    def _forget_stale(self, proposals: dict[int, _Proposal | None], sent: int, load: Load) -> None:
        """Drop the proposals that ``load`` may have changed; the others stand as planned.

        A load raises positions in its own sector only and lowers stock at its fleet's base
        only, so a proposal for another sector from a fleet at another base is still the plan,
        and a fleet with nothing to propose still has nothing.
        """
        base = self.fleets[sent].fleet.base_node
        for index, fs in enumerate(self.fleets):
            proposal = proposals.get(index)
            if proposal is not None and (
                index == sent or fs.fleet.base_node == base or proposal.sector == load.sector
            ):
                del proposals[index]

    def _unsettle(self, base: str | None = None) -> None:
        """Make fleets propose again (those at ``base``, or all)."""
        for index, fs in enumerate(self.fleets):
            if base is None or fs.fleet.base_node == base:
                self._proposals.pop(index, None)

    def _may_be_below(self, keys: Iterable[SectorClass] | None = None) -> None:
        """Note that ``keys`` (or every key, from scratch) may have fallen below the reorder point.

        A position falls only when the day's demand is consumed (new rates too), a strike
        destroys stock, a load is lost, or by float rounding when a delivery moves tonnes from
        in transit to stock; each of these calls this. Resupply raises positions; _propose
        drops a noted key it finds at or above its reorder point.
        """
        if keys is not None:
            self._maybe_below.update(self.depots.index[key] for key in keys)
            return
        self._maybe_below = set(self.depots.below_reorder_point().tolist())

    def _propose(self, fs: _FleetState) -> _Proposal | None:
        """What one of the fleet's free vehicles would take: its first choice (rule steps 1-2).

        The rule's steps 1-2 (``first_choice``) on plain numbers, since this runs on every
        decision of every fleet: the candidate with the lowest days of supply, ties in scenario
        order, among the keys that may be below their reorder point (checked again here). The
        full load (``plan_load``) is worked out only for the winning proposal, from the stocks
        when it is sent (_states): its first choice and top-ups come from that sector alone.
        """
        hubs, base = self.hubs, fs.fleet.base_node
        depots = self.depots
        # single entries as Python floats (.item): this loop runs on every decision
        stock, in_transit = depots.stock_t, depots.in_transit_t
        rate, reorder_t, capacity = self._rate_list, self._reorder_list, self._capacity_list
        policy, keys = self.policy, depots.keys
        best_days, best_sector = math.inf, ""
        for i in sorted(self._maybe_below & fs.key_ids):  # scenario order: ties go to the first
            key = keys[i]
            rate_t = rate[i]
            position = stock.item(i) + in_transit.item(i)
            if rate_t <= 0 or position >= reorder_t[i]:
                self._maybe_below.discard(i)  # resupplied: noted again if it falls
                continue
            available = hubs.available_t(base, key[1])
            if min(order_need_t(position, rate_t, capacity[i], policy), available) <= 0:
                continue
            days = position / rate_t
            if days < best_days or not best_sector:
                best_days, best_sector = days, key[0]
        return _Proposal(best_days, best_sector) if best_sector else None

    def _states(self, fs: _FleetState, sector: str) -> list[DepotClassState]:
        """What the rule sees now of ``sector``'s depot classes from the fleet's base."""
        depots, base = self.depots, fs.fleet.base_node
        states = []
        for c in self.moved:
            i = depots.index[(sector, c)]
            states.append(
                DepotClassState(
                    sector,
                    c,
                    depots.stock_t.item(i) + depots.in_transit_t.item(i),
                    self._rate_list[i],
                    self._capacity_list[i],
                    self.hubs.available_t(base, c),
                )
            )
        return states

    def _reserve(self, fs: _FleetState, load: Load) -> None:
        """Take the load from the base (reordering it from the national source) and book it."""
        base, depots, hubs = fs.fleet.base_node, self.depots, self.hubs
        for c, tonnes in load.tonnes_by_class:
            depots.in_transit_t[depots.index[(load.sector, c)]] += tonnes
            self.shipped_t[c] += tonnes
            h = hubs.index.get((base, c))
            if h is not None:
                level = float(hubs.level_t[h])
                hubs.level_t[h] = level - min(tonnes, level)
                self._reorder_at_base(base, c, tonnes)

    def _reorder_at_base(self, base: str, supply_class: str, tonnes: float) -> None:
        """Base stock: what leaves a rear hub is reordered from the national source."""
        arrival = self.env.timeout(self.lead_time.sample(self.transport_rng))
        arrival.callbacks.append(partial(self._restock, base, supply_class, tonnes))

    def destroy_stock(self, node: str, share: float) -> None:
        """A strike on ``node`` destroys ``share`` of the stock held there (depot or rear hub).

        A depot's loss lowers its inventory position, so the fleets plan again; a rear hub
        reorders what it lost, as it reorders what it loads out.
        """
        depots, hubs = self.depots, self.hubs
        at_node = self._key_depot == node
        lost_t = depots.stock_t[at_node] * share
        depots.stock_t[at_node] -= lost_t
        depots.destroyed_today_t[at_node] += lost_t
        for h, (base, c) in enumerate(hubs.keys):
            level = float(hubs.level_t[h])
            if base == node and level > 0:
                lost = level * share
                hubs.level_t[h] = level - lost
                hubs.destroyed_t[h] += lost
                self._reorder_at_base(base, c, lost)
        self._may_be_below()
        self._unsettle()
        self.dispatch()

    def _restock(self, base: str, supply_class: str, tonnes: float, _: simpy.Event) -> None:
        """Base-stock reorder: tonnes loaded out arrive from the national source a lead time later.

        Plans are revisited in a separate event at the same instant, as a SimPy process
        waiting for a ``Container.put`` would (same order of decisions, fewer kernel events).
        """
        hubs = self.hubs
        h = hubs.index[(base, supply_class)]
        level = float(hubs.level_t[h])
        hubs.level_t[h] = level + min(tonnes, float(hubs.capacity_t[h]) - level)
        stocked = self.env.event()
        stocked.callbacks.append(partial(self._restocked, base, level <= 0))
        stocked.succeed()

    def _restocked(self, base: str, was_empty: bool, _: simpy.Event) -> None:
        """Dispatch after stock reached a base (it only limits plans where a class had none)."""
        if was_empty:
            self._unsettle(base)
        self.dispatch()

    # -- vehicles ------------------------------------------------------------------------------

    def _vehicle(self, fs: _FleetState) -> Generator[simpy.Event, Any, None]:
        """One train, convoy or aircraft: wait for a load, load, deliver, return empty; forever."""
        env = self.env
        net = self.network
        base = fs.fleet.base_node
        while True:
            wake = env.event()
            fs.idle.append(wake)
            self.dispatch()
            load: Load = yield wake
            fs.advance(env.now)
            fs.busy += 1
            while net.factor(base) == 0.0:
                yield env.timeout(CLOSED_BASE_POLL_DAYS)
            yield env.timeout(fs.load.sample(self.transport_rng) / net.factor(base))
            yield from self.deliver(load, fs.routes[load.sector], fs.fleet, fs.unload)
            back = fs.returns[load.sector]
            if back is not None and back.links:
                yield from net.move(
                    back,
                    priority=EMPTY_PRIORITY,
                    in_transit_policy=self.in_transit_policy,
                    modes=(fs.fleet.mode,),
                )
            else:  # one-way links: the empty run back takes the planned outbound time
                yield env.timeout(fs.routes[load.sector].planned_days)
            fs.advance(env.now)
            fs.busy -= 1

    def deliver(
        self, load: Load, route: Route, fleet: Fleet, unload: Sampler
    ) -> Generator[simpy.Event, Any, MoveOutcome]:
        """Move a booked load to its depot, unload and credit it; the movement's outcome.

        A load whose movement does not arrive is lost (``lost_t``).

        The load must already be booked in transit (as :meth:`dispatch` does).
        """
        env = self.env
        outcome = yield from self.network.move(
            route,
            priority=LOADED_PRIORITY,
            in_transit_policy=self.in_transit_policy,
            modes=(fleet.mode,),
            tonnes=load.total_t,
        )
        depots = self.depots
        if not outcome.arrived:
            for c, tonnes in load.tonnes_by_class:
                depots.in_transit_t[depots.index[(load.sector, c)]] -= tonnes
                self.lost_t[c] += tonnes
            self._may_be_below((load.sector, c) for c, _ in load.tonnes_by_class)
            self._unsettle()
            return outcome
        depot = self.depot_of[load.sector]
        while self.network.factor(depot) == 0.0:
            yield env.timeout(CLOSED_BASE_POLL_DAYS)
        yield env.timeout(unload.sample(self.transport_rng) / self.network.factor(depot))
        for c, tonnes in load.tonnes_by_class:
            i = depots.index[(load.sector, c)]
            depots.in_transit_t[i] -= tonnes
            depots.stock_t[i] += tonnes
            depots.delivered_today_t[i] += tonnes
            depots.delivered_total_t[i] += tonnes
        self._may_be_below((load.sector, c) for c, _ in load.tonnes_by_class)
        return outcome

    # -- the day -------------------------------------------------------------------------------

    def record_day(self, day: int) -> None:
        """Consume day ``day``'s demand from stock, record the day, then dispatch (t = day + 1)."""
        env = self.env
        if self.force.strength_changes != self._rates_at_change:  # else the rates still hold
            self._set_rates(self._demand_rates(self.force.deployed_pax_by_sector_capability()))
            self._rates_at_change = self.force.strength_changes
        depots = self.depots
        demand = self._draw_demand_t()
        consumed = demand.copy()  # a class not moved is drawn in theatre: always met
        want, level = demand[self._moved_at], depots.stock_t
        # within a gram of the stock: take it all (float rounding, not a real remainder)
        got = np.where(want >= level - SHORTFALL_ROUNDING_T, level, want)
        depots.stock_t = np.where(got > 0, level - got, level)
        consumed[self._moved_at] = got
        short = demand - consumed
        shortfall = np.where(short > SHORTFALL_ROUNDING_T, short, 0.0)
        add = self.recorder.add_block
        add(day, self._b_demand, demand)
        add(day, self._b_consumed, consumed)
        add(day, self._b_shortfall, shortfall)
        add(day, self._b_delivered, depots.delivered_today_t)
        add(day, self._b_destroyed, depots.destroyed_today_t)
        add(day, self._b_stock, depots.stock_t)
        add(day, self._b_dos, depots.days_of_supply())
        span = env.now - self._last_record_t
        utilisation = []
        for fs in self.fleets:
            fs.advance(env.now)
            utilisation.append(fs.busy_area / (fs.fleet.count * span) if span > 0 else 0.0)
            fs.busy_area = 0.0
        add(day, self._b_fleet, utilisation)
        self._last_record_t = env.now
        depots.delivered_today_t[:] = 0.0
        depots.destroyed_today_t[:] = 0.0
        self._may_be_below()
        self._unsettle()
        self.dispatch()

    def _draw_demand_t(self) -> np.ndarray:
        """The day's demand by (sector, class) in ``_all_keys`` order (module docstring)."""
        rates = self.rate_t_per_day
        factors = np.asarray(self.variation.samples(self.demand_rng, len(rates)), np.float64)
        lot_days = self.scenario.sustainment.demand_lot_days
        if lot_days is None:
            return rates * factors
        lots = self.demand_rng.poisson(factors / lot_days)
        return lot_days * rates * lots

    def finish(self) -> None:
        """Whole-run tonnes: shipped, lost and still in transit by class; initial stocks."""
        add_run = self.recorder.add_run
        depots, hubs = self.depots, self.hubs
        for c in self.moved:
            add_run("shipped_t", self.shipped_t[c], supply_class=c)
            add_run("lost_t", self.lost_t[c], supply_class=c)
            in_transit = math.fsum(
                float(depots.in_transit_t[depots.index[(s, c)]]) for s in self.sectors
            )
            add_run("in_transit_t", in_transit, supply_class=c)
        for (s, c), tonnes in zip(depots.keys, depots.initial_t.tolist(), strict=True):
            add_run("initial_stock_t", tonnes, sector=s, supply_class=c)
        for (base, c), tonnes in zip(hubs.keys, hubs.destroyed_t.tolist(), strict=True):
            add_run("hub_destroyed_t", tonnes, node=base, supply_class=c)


def _slack(capacity_t: float) -> float:
    """Container capacity with room for float rounding (the rule keeps stock within storage)."""
    return capacity_t if math.isinf(capacity_t) else capacity_t * (1 + _CAPACITY_SLACK) + 1e-6
