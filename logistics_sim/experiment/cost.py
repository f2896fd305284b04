"""summary.json's ``cost`` block: each nation's yearly bill for the troops it deploys."""

from __future__ import annotations

import pandas as pd

from logistics_sim.rules.cost import CostFactors, default_cost_factors, nation_costs
from logistics_sim.scenario import Scenario


def deployed_pax_by_nation(scenario: Scenario, allocation: pd.DataFrame) -> dict[str, float]:
    """Personnel in theatre per nation: units x the capability's personnel per unit."""
    per_unit = {c.id: c.personnel_per_unit_pax for c in scenario.force.capabilities}
    out: dict[str, float] = {}
    for nation, capability, units in zip(
        allocation["nation"], allocation["capability"], allocation["units"], strict=True
    ):
        pax = float(per_unit.get(str(capability), 0) * int(units))
        out[str(nation)] = out.get(str(nation), 0.0) + pax
    return out


def cost_block(
    scenario: Scenario, allocation: pd.DataFrame, factors: CostFactors | None = None
) -> dict:
    """The ``cost`` block (docs/architecture.md): per-nation euros a year, shares, and totals."""
    f = factors if factors is not None else default_cost_factors()
    costs = nation_costs(scenario, deployed_pax_by_nation(scenario, allocation), f)
    nations = {
        c.nation: {
            "deployed_pax": c.deployed_pax,
            "personnel_eur_per_year": c.personnel_eur_per_year,
            "operations_maintenance_eur_per_year": c.operations_maintenance_eur_per_year,
            "transport_eur_per_year": c.transport_eur_per_year,
            "cost_eur_per_year": c.total_eur_per_year,
            "share_of_defence_budget": c.share_of_defence_budget,
            "share_of_gdp": c.share_of_gdp,
        }
        for c in costs
    }
    return {
        "basis": "planned allocation, steady posture (logistics_sim/rules/cost.py)",
        "usd_per_eur": f.usd_per_eur,
        "personnel_eur_per_soldier_year": f.personnel_eur_per_soldier_year,
        "om_eur_per_soldier_year": f.om_eur_per_soldier_year,
        "eur_per_soldier_trip": f.eur_per_soldier_trip,
        "total_eur_per_year": sum(c.total_eur_per_year for c in costs),
        "nations": nations,
    }
