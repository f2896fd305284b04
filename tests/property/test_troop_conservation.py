"""Troops are conserved every recorded day: deployed + in transit + at home = pool (hypothesis)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logistics_sim import Scenario, load_scenario
from logistics_sim.engine.model import run_replication

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny.yaml"
BASE = load_scenario(TINY)
NATIONS = ("GBR", "FRA")
CAPABILITIES = ("mech_inf", "artillery")


@st.composite
def small_runs(draw: st.DrawFn) -> tuple[Scenario, pd.DataFrame]:
    """A variant of tiny.yaml with random rotation rules, start state, capacities and allocation."""
    data: dict[str, Any] = BASE.model_dump()
    tour = draw(st.floats(10, 90))
    rot = data["rotation"]
    rot["tour_days"] = tour
    rot["dwell_ratio"] = draw(st.floats(0, 4))
    rot["overlap_days"] = draw(st.floats(0, tour * 0.5))
    rot["no_relief_policy"] = draw(st.sampled_from(["extend_then_gap", "gap"]))
    rot["max_extension_days"] = draw(st.floats(0, 20))
    rot["fall_in_on_equipment"] = draw(st.booleans())
    rot["readiness_spread_days"] = draw(st.floats(0, 30))
    data["force"]["initial_state"] = draw(st.sampled_from(["from_home", "deployed"]))
    data["horizon_days"] = draw(st.integers(1, 150))
    reinforcement = data["reinforcement"]
    reinforcement["tiers"][0]["share_of_pool"] = draw(st.floats(0, 1))
    surge = reinforcement["plans"][0]
    surge["trigger_day"] = {"kind": "fixed", "value": draw(st.floats(0, 150))}
    surge["required"] = [
        {"capability": cap, "units": draw(st.integers(1, 3))} for cap in CAPABILITIES
    ]
    surge["recall_from_dwell"] = draw(st.booleans())
    surge["priority"] = draw(st.sampled_from(["shared", "reinforcement_first"]))
    for nation in data["nations"]:
        nation["tour_days"] = None
    for node in data["network"]["nodes"]:
        if node["id"] in ("RZE", "PRZ"):
            node["servers"] = draw(st.integers(1, 3))
        if node["id"] == "RZE":
            node["max_on_ground"] = draw(st.integers(1, 4))
    rows = []
    for nation in NATIONS:
        for cap in CAPABILITIES:
            units = draw(st.integers(0, 3))
            pool = draw(st.one_of(st.none(), st.integers(0, 8)))
            rows.append((nation, cap, units, pool))
    alloc = pd.DataFrame(rows, columns=["nation", "capability", "units", "pool_units"])
    if all(r[3] is None for r in rows):
        alloc = alloc.drop(columns="pool_units")
    else:
        alloc["pool_units"] = [r[3] if r[3] is not None else r[2] * 3 for r in rows]
    return Scenario.model_validate(data), alloc


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_runs(), st.integers(0, 2**32 - 1))
def test_troops_conserved_every_day(run: tuple[Scenario, pd.DataFrame], seed: int) -> None:
    scenario, alloc = run
    daily = run_replication(scenario, alloc, base_seed=seed, replication=0).daily
    days = daily[daily["day"] >= 0]
    key = ["nation", "capability", "day"]
    deployed = days[days["metric"] == "deployed_pax"].groupby(key)["value"].sum()
    moving = days[days["metric"] == "in_transit_pax"].set_index(key)["value"]
    home = days[days["metric"] == "at_home_pax"].set_index(key)["value"]
    units = (
        days[days["metric"].isin(["units_deployed", "units_in_transit", "units_at_home"])]
        .groupby(key)["value"]
        .sum()
    )
    wide = pd.DataFrame(
        {
            "deployed": deployed.reindex(moving.index, fill_value=0.0),
            "moving": moving,
            "home": home,
            "units": units.reindex(moving.index),
        }
    ).reset_index()
    wide["pax"] = [scenario.capability(c).personnel_per_unit_pax for c in wide["capability"]]
    pool = wide.groupby(["nation", "capability"])["units"].transform("first")
    assert (wide["units"] == pool).all()
    assert (wide["deployed"] + wide["moving"] + wide["home"] == pool * wide["pax"]).all()
    # every recorded day is there, and a slot is never less than empty
    assert set(moving.index.get_level_values("day")) <= set(range(scenario.horizon_days))
    gapped = days[days["metric"] == "gapped_slots"]
    assert (gapped["value"] >= 0).all()
    assert (days[days["metric"] == "deployed_pax"]["value"] >= 0).all()
    # pools are the allocation's pool_units when given
    if "pool_units" in alloc.columns:
        given = {(n, c): p for n, c, u, p in alloc.itertuples(index=False) if u > 0}
        first = wide.groupby(["nation", "capability"], as_index=False)["units"].first()
        for nation, cap, n_units in first.itertuples(index=False):
            assert n_units == given[(str(nation), str(cap))]
