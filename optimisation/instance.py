"""The burden-sharing instance: every number the optimiser uses, frozen, built from a scenario.

``evaluate(instance, allocation)`` re-checks every limit of the formulation without a solver,
so an allocation from anywhere (the optimiser, a CSV, a test) can be audited the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from logistics_sim.network import planned_route
from logistics_sim.rotation_math import pool_multiplier
from logistics_sim.scenario import FairnessKey, Scenario, rotation_of


@dataclass(frozen=True)
class NationData:
    """One nation's data for the optimiser (pax, USD, days)."""

    code: str
    eligible: bool
    land_forces_pax: int
    available_pax: float  # land forces x (1 - home-defence floor), also capped by max_deployed_pax
    min_deployed_pax: int
    max_deployed_pax: float  # personnel deployed (not pool), inf when uncapped
    multiplier: float  # pool units tied up per deployed unit, C / (T - O)
    transit_days: float
    key_value: float  # the fairness key's raw value (GDP, population, ...)
    max_units: dict[str, int]
    min_units: dict[str, int]
    inventory_units: dict[str, int]


@dataclass(frozen=True)
class CapabilityData:
    """One unit type: personnel per unit, units required deployed, relative cost."""

    id: str
    personnel_per_unit_pax: int
    required_units: int
    cost_per_unit_year: float
    scarce: bool


@dataclass(frozen=True)
class AllocationInstance:
    """Nations, capabilities and the fair shares of a scenario's burden-sharing question."""

    nations: tuple[NationData, ...]
    capabilities: tuple[CapabilityData, ...]
    fair_share: dict[str, float]  # over eligible nations, sums to 1
    key_label: str

    @property
    def eligible(self) -> tuple[NationData, ...]:
        """Nations allowed to contribute."""
        return tuple(n for n in self.nations if n.eligible)

    @property
    def required_pax(self) -> int:
        """Personnel deployed when every required unit is in place."""
        return sum(c.personnel_per_unit_pax * c.required_units for c in self.capabilities)


def key_value(nation_gdp: float, population: int, spending: float, key: FairnessKey) -> float:
    """A nation's raw fairness-key value; the national-income key uses GDP per head as NATO does.

    NATO's common-funding cost share is based on gross national income; with GDP as its
    public proxy, ``national_income`` weights GDP by the square root of income per head, so
    richer nations carry a little more than their GDP share (stated as an assumption).
    """
    if key is FairnessKey.gdp:
        return nation_gdp
    if key is FairnessKey.population:
        return float(population)
    if key is FairnessKey.defence_spending:
        return spending
    if key is FairnessKey.national_income:
        per_head = nation_gdp / population if population else 0.0
        return nation_gdp * per_head**0.5
    raise ValueError(f"mixed key needs weights: {key}")


def _transit_days(scenario: Scenario, home: str | None) -> float:
    """Longest planned personnel move from home to any sector's forward depot (days)."""
    if home is None:
        return 0.0
    mode = {scenario.rotation.personnel_mode}
    days = [
        route.planned_days
        for sector in scenario.force.sectors
        if (route := planned_route(scenario, home, sector.forward_depot, mode)) is not None
    ]
    return max(days, default=0.0)


def build_instance(scenario: Scenario, key: FairnessKey | None = None) -> AllocationInstance:
    """The frozen instance of a scenario (``key`` overrides the scenario's fairness key)."""
    bs = scenario.burden_sharing
    key = key or bs.fairness_key
    nations = []
    for n in scenario.nations:
        tour, dwell, overlap = rotation_of(scenario, n)
        transit = _transit_days(scenario, n.home_node)
        floor = n.home_defence_floor
        if floor is None:
            floor = scenario.rotation.home_defence_floor
        eligible = n.participates and (
            n.willingness in bs.eligible_willingness or bool(n.min_deployed_pax or n.min_units)
        )
        if key is FairnessKey.mix:
            weights = bs.key_weights
            raw = 0.0
            for part, weight in weights.items():
                total = sum(
                    key_value(m.gdp_usd, m.population, m.defence_spending_usd, part)
                    for m in scenario.nations
                )
                value = key_value(n.gdp_usd, n.population, n.defence_spending_usd, part)
                raw += weight * (value / total if total else 0.0)
        else:
            raw = key_value(n.gdp_usd, n.population, n.defence_spending_usd, key)
        nations.append(
            NationData(
                code=n.code,
                eligible=eligible,
                land_forces_pax=n.land_forces_pax,
                available_pax=n.land_forces_pax * (1.0 - floor),
                min_deployed_pax=n.min_deployed_pax or 0,
                max_deployed_pax=float(n.max_deployed_pax)
                if n.max_deployed_pax is not None
                else float("inf"),
                multiplier=pool_multiplier(tour, dwell, overlap, transit),
                transit_days=transit,
                key_value=raw,
                max_units=dict(n.max_units),
                min_units=dict(n.min_units),
                inventory_units=dict(n.inventory_units),
            )
        )
    capabilities = tuple(
        CapabilityData(
            c.id, c.personnel_per_unit_pax, c.required_units, c.cost_per_unit_year, c.scarce
        )
        for c in scenario.force.capabilities
    )
    total_key = sum(n.key_value for n in nations if n.eligible)
    fair = {n.code: (n.key_value / total_key if total_key else 0.0) for n in nations if n.eligible}
    return AllocationInstance(tuple(nations), capabilities, fair, key.value)


def evaluate(instance: AllocationInstance, allocation: pd.DataFrame) -> list[str]:
    """Every limit the allocation breaks, in planners' words; empty when it keeps them all.

    ``allocation`` has columns ``nation, capability, units`` (deployed units).
    """
    units = {
        (str(nation), str(cap)): int(count)
        for nation, cap, count in zip(
            allocation["nation"], allocation["capability"], allocation["units"], strict=True
        )
    }
    problems: list[str] = []
    for cap in instance.capabilities:
        got = sum(units.get((n.code, cap.id), 0) for n in instance.nations)
        if got < cap.required_units:
            problems.append(f"{cap.id}: {got} units deployed, {cap.required_units} required")
    for n in instance.nations:
        mine = {c.id: units.get((n.code, c.id), 0) for c in instance.capabilities}
        pax = sum(mine[c.id] * c.personnel_per_unit_pax for c in instance.capabilities)
        if not n.eligible and pax > 0:
            problems.append(f"{n.code}: contributes {pax:,} pax but is not willing")
        pool = pax * n.multiplier
        if pool > n.available_pax + 1e-6:
            problems.append(
                f"{n.code}: rotation pool {pool:,.0f} pax exceeds the {n.available_pax:,.0f} "
                "pax it can spare above its home-defence floor"
            )
        if pax > n.max_deployed_pax:
            problems.append(
                f"{n.code}: {pax:,} pax deployed above its cap {n.max_deployed_pax:,.0f}"
            )
        if pax < n.min_deployed_pax:
            problems.append(
                f"{n.code}: {pax:,} pax deployed below its minimum {n.min_deployed_pax:,}"
            )
        for cap_id, cap_max in n.max_units.items():
            if mine.get(cap_id, 0) > cap_max:
                problems.append(f"{n.code}: {mine[cap_id]} {cap_id} units above its cap {cap_max}")
        for cap_id, cap_min in n.min_units.items():
            if mine.get(cap_id, 0) < cap_min:
                problems.append(
                    f"{n.code}: {mine[cap_id]} {cap_id} units below its minimum {cap_min}"
                )
        for cap_id, owned in n.inventory_units.items():
            if mine.get(cap_id, 0) * n.multiplier > owned + 1e-6:
                problems.append(
                    f"{n.code}: {cap_id} rotation needs {mine[cap_id] * n.multiplier:.1f} units, "
                    f"it owns {owned}"
                )
    return problems
