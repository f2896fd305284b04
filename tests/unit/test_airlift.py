"""Airlift of personnel in the whole model: switching the air fleet off changes the results."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from logistics_sim import Scenario
from logistics_sim.engine.model import run_replication
from logistics_sim.metrics import metrics_frame, replication_metrics, summarise

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "validation"))
from test_airlift_sorties import case

ALLOCATION = pd.DataFrame(
    {"nation": ["GBR", "FRA", "GBR"], "capability": ["mech_inf", "mech_inf", "artillery"]}
).assign(units=[2, 2, 2])


def summary(aircraft: int, replications: int = 4) -> dict[str, dict]:
    """Reliefs fall in on equipment in theatre, so only their troops move (by air or not)."""
    data = case(aircraft).model_dump()
    data["rotation"]["fall_in_on_equipment"] = True
    scenario = Scenario.model_validate(data)
    rows = [
        (rep, replication_metrics(run_replication(scenario, ALLOCATION, 5, rep).daily, scenario))
        for rep in range(replications)
    ]
    return summarise(metrics_frame(rows))


def test_with_troops_flown_switching_the_air_fleet_off_changes_a_criterion_interval() -> None:
    """Common random numbers (same seeds): with the fleet, troops fly in 0.3 days; without it
    they go 7 days by rail, so reliefs arrive late and the strength held falls."""
    flown, grounded = summary(2), summary(0)
    assert flown["fleet_utilisation:lift"]["mean"] > 0
    metric = "deployed_strength_mean_pax"  # tiny's strength criterion
    a, b = flown[metric], grounded[metric]
    assert (a["ci_low"], a["ci_high"]) != (b["ci_low"], b["ci_high"])
    assert b["mean"] < a["mean"]
