"""A supply-line test scenario for sustainment and disruption tests, built from tiny.yaml.

Trains load at a Polish rear hub ``RH`` and cross the gauge-change hub ``PRZ`` to the two forward
depots; no convoys, so every tonne passes ``PRZ``. The force starts deployed, demand variation is
off unless asked for, and there is no reinforcement plan.
"""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd

from logistics_sim.loading import read_mapping
from logistics_sim.scenario import Scenario
from testsupport.scenarios import TINY_YAML, build_scenario

#: 2 x 600 + 1 x 400 pax per nation: 3,200 pax in the two sectors.
ALLOCATION = pd.DataFrame(
    {
        "nation": ["GBR", "FRA", "GBR", "FRA"],
        "capability": ["mech_inf", "mech_inf", "artillery", "artillery"],
        "units": [2, 2, 1, 1],
    }
)

_TINY, _ = read_mapping(TINY_YAML)


def supply_line_mapping(horizon_days: int = 120, trains: int = 3) -> dict[str, Any]:
    """The mapping of the supply-line scenario, for tests to edit further."""
    m = copy.deepcopy(_TINY)
    m["horizon_days"] = horizon_days
    m["force"]["initial_state"] = "deployed"
    m["reinforcement"] = {"tiers": [], "plans": []}
    m["network"]["nodes"].append(
        {
            "id": "RH",
            "name": "Rear hub",
            "kind": "rear_hub",
            "country": "POL",
            "lat": 50.0,
            "lon": 21.0,
            "storage_t": 20000.0,
            "assumption": "test",
        }
    )
    m["network"]["links"].append(
        {
            "id": "L_RH_PRZ_RAIL",
            "from_node": "RH",
            "to_node": "PRZ",
            "mode": "rail",
            "distance_km": 120.0,
            "speed_kph": 20.0,
            "assumption": "test",
        }
    )
    sus = m["sustainment"]
    sus["fleets"] = [
        {
            "id": "trains",
            "mode": "rail",
            "count": trains,
            "payload_t": 1000.0,
            "load_days": 0.25,
            "unload_days": 0.25,
            "speed_kph": 20.0,
            "base_node": "RH",
            "assumption": "test",
        }
    ]
    sus["demand_variation"] = 1.0
    return m


def supply_line(horizon_days: int = 120, trains: int = 3) -> Scenario:
    """The supply-line scenario, validated."""
    return build_scenario(supply_line_mapping(horizon_days, trains))


def series(daily: pd.DataFrame, metric: str, **dims: str) -> pd.Series:
    """One metric's daily values (day >= 0) summed over the rows matching ``dims``, by day."""
    rows = daily[(daily["metric"] == metric) & (daily["day"] >= 0)]
    for dim, value in dims.items():
        rows = rows[rows[dim] == value]
    return rows.groupby("day")["value"].sum()


def run_value(daily: pd.DataFrame, metric: str, **dims: str) -> float:
    """A whole-run value (day = -1) summed over the rows matching ``dims``."""
    rows = daily[(daily["metric"] == metric) & (daily["day"] == -1)]
    for dim, value in dims.items():
        rows = rows[rows[dim] == value]
    return float(rows["value"].sum())
