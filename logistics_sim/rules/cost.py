"""What each nation's contingent costs it a year, in euros, and as a share of its budget and GDP.

Model (a steady posture: a nation that keeps ``deployed_pax`` in theatre pays for that many
soldier-years each year, whoever is on tour):

- personnel = deployed_pax x ``personnel_eur_per_soldier_year``
- operations and maintenance = deployed_pax x ``om_eur_per_soldier_year``
- transport = deployed_pax x (2 x 365 / tour_days) trips x ``eur_per_soldier_trip``: every
  soldier flies in and out once per tour (strategic rotation; resupply freight is in O&M).

The two per-soldier-year rates split Bloomberg Economics' ~USD 75,000 per soldier-year
(USD 30bn over 10 years for 40,000; BLOOMBERG_FEB2025) at the ECB's 2024 average rate
(ECB_EXR_2024) by a stated share (ASSUMP_COST_SPLIT); the trip price is an assumption
(ASSUMP_COST_TRIP). Bloomberg's figure is read as the stationing cost and transport is added
on top, so a shorter tour costs more. Shares convert euros back to US dollars at the same rate,
since nations.csv gives GDP and defence spending in US dollars. No flying-hour term: the
scenario has no air component yet (issue 18 item 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from logistics_sim.scenario import Scenario, rotation_of

DAYS_PER_YEAR = 365.0
# BLOOMBERG_FEB2025: USD 30bn over 10 years for a 40,000-strong force.
BLOOMBERG_USD_PER_SOLDIER_YEAR = 30e9 / (40_000 * 10)
USD_PER_EUR_2024 = 1.0824  # ECB_EXR_2024: euro reference rate, 2024 annual average
PERSONNEL_SHARE = 0.5  # ASSUMP_COST_SPLIT
EUR_PER_SOLDIER_TRIP = 1_200.0  # ASSUMP_COST_TRIP: one-way charter seat, Europe to Poland


@dataclass(frozen=True)
class CostFactors:
    """The cited unit costs (euros) and exchange rate the cost model uses."""

    personnel_eur_per_soldier_year: float
    om_eur_per_soldier_year: float
    eur_per_soldier_trip: float
    usd_per_eur: float


def default_cost_factors() -> CostFactors:
    """The shipped factors: Bloomberg's soldier-year in euros, split by ASSUMP_COST_SPLIT."""
    eur_per_soldier_year = BLOOMBERG_USD_PER_SOLDIER_YEAR / USD_PER_EUR_2024
    return CostFactors(
        personnel_eur_per_soldier_year=eur_per_soldier_year * PERSONNEL_SHARE,
        om_eur_per_soldier_year=eur_per_soldier_year * (1.0 - PERSONNEL_SHARE),
        eur_per_soldier_trip=EUR_PER_SOLDIER_TRIP,
        usd_per_eur=USD_PER_EUR_2024,
    )


@dataclass(frozen=True)
class NationCost:
    """One nation's yearly bill (euros) and its weight on the nation's budget and economy."""

    nation: str
    deployed_pax: float
    personnel_eur_per_year: float
    operations_maintenance_eur_per_year: float
    transport_eur_per_year: float
    share_of_defence_budget: float | None
    share_of_gdp: float | None

    @property
    def total_eur_per_year(self) -> float:
        """Personnel plus operations and maintenance plus transport."""
        return (
            self.personnel_eur_per_year
            + self.operations_maintenance_eur_per_year
            + self.transport_eur_per_year
        )


def personnel_eur_per_year(deployed_pax: float, factors: CostFactors) -> float:
    """Pay and allowances of the soldier-years kept in theatre."""
    return deployed_pax * factors.personnel_eur_per_soldier_year


def operations_maintenance_eur_per_year(deployed_pax: float, factors: CostFactors) -> float:
    """Running the force in theatre: fuel, rations, spares, maintenance, resupply freight."""
    return deployed_pax * factors.om_eur_per_soldier_year


def transport_eur_per_year(deployed_pax: float, tour_days: float, factors: CostFactors) -> float:
    """Rotation trips: each soldier travels in and out once per tour."""
    trips_per_soldier_year = 2.0 * DAYS_PER_YEAR / tour_days
    return deployed_pax * trips_per_soldier_year * factors.eur_per_soldier_trip


def share_of(cost_eur: float, base_usd: float, factors: CostFactors) -> float | None:
    """Cost as a share of a US-dollar total (defence budget or GDP); None when it is unknown."""
    if base_usd <= 0:
        return None
    return cost_eur * factors.usd_per_eur / base_usd


def nation_costs(
    scenario: Scenario, deployed_pax: Mapping[str, float], factors: CostFactors
) -> list[NationCost]:
    """Each contributing nation's bill, sorted by nation code (nations with no troops left out)."""
    out: list[NationCost] = []
    for nation in sorted(scenario.nations, key=lambda n: n.code):
        pax = float(deployed_pax.get(nation.code, 0.0))
        if pax <= 0:
            continue
        tour_days = rotation_of(scenario, nation)[0]
        personnel = personnel_eur_per_year(pax, factors)
        om = operations_maintenance_eur_per_year(pax, factors)
        transport = transport_eur_per_year(pax, tour_days, factors)
        total = personnel + om + transport
        out.append(
            NationCost(
                nation=nation.code,
                deployed_pax=pax,
                personnel_eur_per_year=personnel,
                operations_maintenance_eur_per_year=om,
                transport_eur_per_year=transport,
                share_of_defence_budget=share_of(total, nation.defence_spending_usd, factors),
                share_of_gdp=share_of(total, nation.gdp_usd, factors),
            )
        )
    return out
