"""The burden-sharing instance: every number the optimiser uses, frozen, built from a scenario.

``evaluate(instance, allocation)`` re-checks every limit of the formulation without a solver,
so an allocation from anywhere (the optimiser, a CSV, a test) can be audited the same way.

Rotation: a nation keeping ``x`` units of a type deployed ties up ``ceil(x · m)`` units of its
pool, ``m = C / (T − O)`` (``logistics_sim.rules.rotation_math``), with the transit time τ
in C taken as the engine takes it: the slowest planned move of the unit (personnel by
``rotation.personnel_mode``, else that mode with road legs; equipment by
``rotation.equipment_mode`` when it moves with the unit) from the nation's home node to any
sector's forward depot. The optimiser does not know which sectors a nation's units will serve,
so it uses the farthest depot: a conservative pool by at most a day of transit.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce

import numpy as np
import pandas as pd

from logistics_sim.engine.network import planned_route
from logistics_sim.rules.eligibility import is_eligible
from logistics_sim.rules.home_defence import home_defence_floor, spare_pax
from logistics_sim.rules.rotation_math import pool_multiplier, pool_units_staggered
from logistics_sim.rules.shares import nation_key_value, shares_of
from logistics_sim.scenario import FairnessKey, Mode, Nation, Scenario, rotation_of

#: Tolerance on pax and unit comparisons (floating-point noise only).
EPS = 1e-6


@dataclass(frozen=True)
class NationData:
    """One nation's data for the optimiser (pax, USD, days)."""

    code: str
    eligible: bool
    land_forces_pax: int
    available_pax: float  # land forces × (1 − home-defence floor): what its pools may hold
    multiplier: float  # pool units tied up per deployed unit, C / (T − O), personnel move only
    key_value: float = 1.0  # the fairness key's raw value (GDP, population, ...)
    min_deployed_pax: int = 0
    max_deployed_pax: float = math.inf  # personnel deployed (not pool), inf when uncapped
    max_units: dict[str, int] = field(default_factory=dict)
    min_units: dict[str, int] = field(default_factory=dict)
    inventory_units: dict[str, int] = field(default_factory=dict)
    capability_multiplier: dict[str, float] = field(default_factory=dict)  # where τ differs
    willingness: str = "willing"
    home_defence_floor: float = 0.5
    tour_days: float = 180.0
    dwell_ratio: float = 2.0
    overlap_days: float = 0.0
    transit_days: float = 0.0  # personnel move home → farthest forward depot
    capability_transit_days: dict[str, float] = field(default_factory=dict)

    def m(self, capability: str) -> float:
        """Pool units tied up per deployed unit of ``capability`` (C / (T − O))."""
        return self.capability_multiplier.get(capability, self.multiplier)

    def pool_units(self, capability: str, units: int) -> int:
        """Units of the pool tied up by ``units`` deployed: ceil(units · m), staggered reliefs."""
        return pool_units_staggered(units, self.m(capability))


@dataclass(frozen=True)
class CapabilityData:
    """One unit type: personnel per unit, units required deployed, relative cost."""

    id: str
    personnel_per_unit_pax: int
    required_units: int
    cost_per_unit_year: float = 1.0
    scarce: bool = False


@dataclass(frozen=True)
class AllocationInstance:
    """Nations, capabilities and the fair shares of a scenario's burden-sharing question."""

    nations: tuple[NationData, ...]
    capabilities: tuple[CapabilityData, ...]
    fair_share: dict[str, float]  # over eligible nations, sums to 1
    key_label: str = "gdp"
    notes: tuple[str, ...] = ()

    @property
    def eligible(self) -> tuple[NationData, ...]:
        """Nations allowed to contribute."""
        return tuple(n for n in self.nations if n.eligible)

    @property
    def candidates(self) -> tuple[NationData, ...]:
        """Nations listed but not allowed to contribute (candidates for a relaxation)."""
        return tuple(n for n in self.nations if not n.eligible)

    @property
    def required_pax(self) -> int:
        """Personnel deployed when every required unit is in place."""
        return sum(c.personnel_per_unit_pax * c.required_units for c in self.capabilities)

    def nation(self, code: str) -> NationData:
        """The nation with this code."""
        return next(n for n in self.nations if n.code == code)

    def capability(self, capability_id: str) -> CapabilityData:
        """The capability with this id."""
        return next(c for c in self.capabilities if c.id == capability_id)


def fair_shares(nations: Iterable[NationData]) -> dict[str, float]:
    """Each eligible nation's share of the key over the eligible nations (sums to 1)."""
    return shares_of({n.code: n.key_value for n in nations if n.eligible})


def _route_days(scenario: Scenario, home: str, mode: Mode) -> float | None:
    """Slowest planned move by ``mode`` (else ``mode`` + road) from home to any forward depot."""
    days: list[float] = []
    for sector in scenario.force.sectors:
        route = planned_route(scenario, home, sector.forward_depot, {mode})
        if route is None:
            route = planned_route(scenario, home, sector.forward_depot, {mode, Mode.road})
        if route is not None:
            days.append(route.planned_days)
    return max(days) if days else None


def _transit(scenario: Scenario, nation: Nation) -> tuple[float, dict[str, float], list[str]]:
    """Personnel transit days, per-capability transit where equipment moves slower, notes."""
    notes: list[str] = []
    if nation.home_node is None:
        notes.append(f"{nation.code}: no home node given; transit to theatre taken as 0 days")
        return 0.0, {}, notes
    rot = scenario.rotation
    personnel = _route_days(scenario, nation.home_node, rot.personnel_mode)
    if personnel is None:
        notes.append(
            f"{nation.code}: no {rot.personnel_mode.value} route from {nation.home_node} to a "
            "forward depot; transit taken as 0 days"
        )
        personnel = 0.0
    by_capability: dict[str, float] = {}
    if not rot.fall_in_on_equipment:
        equipment = _route_days(scenario, nation.home_node, rot.equipment_mode)
        for cap in scenario.force.capabilities:
            if cap.equipment_t_per_unit > 0 and equipment is not None and equipment > personnel:
                by_capability[cap.id] = equipment
    return personnel, by_capability, notes


def nation_data(scenario: Scenario, nation: Nation, key: FairnessKey) -> tuple[NationData, list]:
    """One nation's instance data and the notes on how it was derived."""
    tour, dwell, overlap = rotation_of(scenario, nation)
    transit, cap_transit, notes = _transit(scenario, nation)
    floor = home_defence_floor(scenario, nation)
    data = NationData(
        code=nation.code,
        eligible=is_eligible(scenario, nation),
        land_forces_pax=nation.land_forces_pax,
        available_pax=spare_pax(scenario, nation),
        multiplier=pool_multiplier(tour, dwell, overlap, transit),
        key_value=nation_key_value(scenario, nation, key),
        min_deployed_pax=nation.min_deployed_pax or 0,
        max_deployed_pax=float(nation.max_deployed_pax)
        if nation.max_deployed_pax is not None
        else math.inf,
        max_units=dict(nation.max_units),
        min_units=dict(nation.min_units),
        inventory_units=dict(nation.inventory_units),
        capability_multiplier={
            cap: pool_multiplier(tour, dwell, overlap, days) for cap, days in cap_transit.items()
        },
        willingness=nation.willingness.value,
        home_defence_floor=floor,
        tour_days=tour,
        dwell_ratio=dwell,
        overlap_days=overlap,
        transit_days=transit,
        capability_transit_days=cap_transit,
    )
    return data, notes


def build_instance(scenario: Scenario, key: FairnessKey | str | None = None) -> AllocationInstance:
    """The frozen instance of a scenario (``key`` overrides the scenario's fairness key).

    Nations with ``participates: false`` are left out entirely; listed nations that are not
    eligible stay in the instance (with no units) as candidates for the relaxations.
    """
    key = FairnessKey(key) if key else scenario.burden_sharing.fairness_key
    nations: list[NationData] = []
    notes: list[str] = []
    for nation in scenario.nations:
        if not nation.participates:
            continue
        data, nation_notes = nation_data(scenario, nation, key)
        nations.append(data)
        notes.extend(nation_notes)
    capabilities = tuple(
        CapabilityData(
            c.id, c.personnel_per_unit_pax, c.required_units, c.cost_per_unit_year, c.scarce
        )
        for c in scenario.force.capabilities
    )
    return AllocationInstance(
        tuple(nations), capabilities, fair_shares(nations), key.value, tuple(notes)
    )


def with_eligible(instance: AllocationInstance, codes: Iterable[str]) -> AllocationInstance:
    """The instance with the named nations made eligible too (fair shares recomputed)."""
    wanted = set(codes)
    nations = tuple(
        dataclasses.replace(n, eligible=n.eligible or n.code in wanted) for n in instance.nations
    )
    return dataclasses.replace(instance, nations=nations, fair_share=fair_shares(nations))


def with_dwell_cap(instance: AllocationInstance, dwell_ratio: float) -> AllocationInstance:
    """The instance with every nation's dwell ratio capped at ``dwell_ratio`` (1:r accepted)."""

    def capped(n: NationData) -> NationData:
        dwell = min(n.dwell_ratio, dwell_ratio)
        return dataclasses.replace(
            n,
            dwell_ratio=dwell,
            multiplier=pool_multiplier(n.tour_days, dwell, n.overlap_days, n.transit_days),
            capability_multiplier={
                cap: pool_multiplier(n.tour_days, dwell, n.overlap_days, days)
                for cap, days in n.capability_transit_days.items()
            },
        )

    return dataclasses.replace(instance, nations=tuple(capped(n) for n in instance.nations))


def with_requirement(instance: AllocationInstance, units: dict[str, int]) -> AllocationInstance:
    """The instance with each capability's required units replaced by ``units``."""
    capabilities = tuple(
        dataclasses.replace(c, required_units=units[c.id]) for c in instance.capabilities
    )
    return dataclasses.replace(instance, capabilities=capabilities)


def unit_options(n: NationData, c: CapabilityData) -> list[tuple[int, float]]:
    """(units, pool pax) for every count of ``c`` that ``n`` could keep deployed on its own.

    Counts run from the unit minimum to the unit cap (default: the requirement) and stop where
    the rounded-up pool outgrows the nation's spare land forces or its inventory.
    """
    low = n.min_units.get(c.id, 0)
    high = n.max_units.get(c.id, c.required_units)
    options: list[tuple[int, float]] = []
    for units in range(low, high + 1):
        pool = n.pool_units(c.id, units)
        if c.id in n.inventory_units and pool > n.inventory_units[c.id]:
            break
        if pool * c.personnel_per_unit_pax > n.available_pax + EPS:
            break
        options.append((units, float(pool * c.personnel_per_unit_pax)))
    return options


def achievable_personnel_pax(instance: AllocationInstance, n: NationData) -> np.ndarray:
    """Every personnel total ``n`` can keep deployed within its own limits, ascending (pax).

    Exact for the nation alone (pools rounded up per type, spare land forces, inventories, unit
    and personnel caps and minimums): a dynamic programme over capabilities of the least pool
    that deploys each total, in steps of the unit sizes' greatest common divisor. The
    formulation turns it into bounds and cuts its relaxation cannot see. Empty when the
    nation's own minimums cannot be met.
    """
    caps = instance.capabilities
    if not caps:
        return np.zeros(1, dtype=np.int64)
    step = reduce(math.gcd, (c.personnel_per_unit_pax for c in caps))
    options = [unit_options(n, c) for c in caps]
    if any(not option for option in options):
        return np.zeros(0, dtype=np.int64)
    top = sum(
        option[-1][0] * c.personnel_per_unit_pax // step
        for option, c in zip(options, caps, strict=True)
    )
    least_pool = np.full(top + 1, np.inf)
    least_pool[0] = 0.0
    for option, c in zip(options, caps, strict=True):
        grown = np.full(top + 1, np.inf)
        for units, pool_pax in option:
            shift = units * c.personnel_per_unit_pax // step
            np.minimum(grown[shift:], least_pool[: top + 1 - shift] + pool_pax, out=grown[shift:])
        least_pool = grown
    totals = np.nonzero(least_pool <= n.available_pax + EPS)[0].astype(np.int64) * step
    keep = (totals <= n.max_deployed_pax + EPS) & (totals >= n.min_deployed_pax)
    return totals[keep]


def units_table(allocation: pd.DataFrame) -> dict[tuple[str, str], int]:
    """Deployed units by (nation, capability) from an allocation frame (rows summed)."""
    out: dict[tuple[str, str], int] = {}
    for nation, cap, count in zip(
        allocation["nation"], allocation["capability"], allocation["units"], strict=True
    ):
        key = (str(nation), str(cap))
        out[key] = out.get(key, 0) + int(count)
    return out


def evaluate(instance: AllocationInstance, allocation: pd.DataFrame) -> list[str]:
    """Every limit the allocation breaks, in planners' words; empty when it keeps them all.

    ``allocation`` has columns ``nation, capability, units`` (deployed units). The pool a
    nation commits is ceil(units × multiplier) units per capability, as the engine sizes it.
    """
    units = units_table(allocation)
    known = {n.code for n in instance.nations}
    problems: list[str] = []
    for nation_code, cap_id in sorted(units):
        if nation_code not in known and units[(nation_code, cap_id)] > 0:
            problems.append(f"{nation_code}: not a nation of this scenario")
    for cap in instance.capabilities:
        got = sum(units.get((n.code, cap.id), 0) for n in instance.nations)
        if got != cap.required_units:
            problems.append(f"{cap.id}: {got} units deployed, {cap.required_units} required")
    for n in instance.nations:
        mine = {c.id: units.get((n.code, c.id), 0) for c in instance.capabilities}
        if any(v < 0 for v in mine.values()):
            problems.append(f"{n.code}: a negative number of units")
        pax = sum(mine[c.id] * c.personnel_per_unit_pax for c in instance.capabilities)
        if not n.eligible and pax > 0:
            problems.append(
                f"{n.code}: contributes {pax:,} pax but is not eligible ({n.willingness})"
            )
        pool = sum(
            n.pool_units(c.id, mine[c.id]) * c.personnel_per_unit_pax for c in instance.capabilities
        )
        if pool > n.available_pax + EPS:
            problems.append(
                f"{n.code}: rotation pool {pool:,} pax exceeds the {n.available_pax:,.0f} "
                "pax it can spare above its home-defence floor"
            )
        if pax > n.max_deployed_pax + EPS:
            problems.append(
                f"{n.code}: {pax:,} pax deployed above its cap {n.max_deployed_pax:,.0f}"
            )
        if pax < n.min_deployed_pax:
            problems.append(
                f"{n.code}: {pax:,} pax deployed below its minimum {n.min_deployed_pax:,}"
            )
        for cap_id, cap_max in sorted(n.max_units.items()):
            if mine.get(cap_id, 0) > cap_max:
                problems.append(f"{n.code}: {mine[cap_id]} {cap_id} units above its cap {cap_max}")
        for cap_id, cap_min in sorted(n.min_units.items()):
            if mine.get(cap_id, 0) < cap_min:
                problems.append(
                    f"{n.code}: {mine[cap_id]} {cap_id} units below its minimum {cap_min}"
                )
        for cap_id, owned in sorted(n.inventory_units.items()):
            needed = n.pool_units(cap_id, mine.get(cap_id, 0))
            if needed > owned:
                problems.append(
                    f"{n.code}: keeping {mine[cap_id]} {cap_id} units deployed ties up {needed} "
                    f"by rotation; it owns {owned}"
                )
    return problems
