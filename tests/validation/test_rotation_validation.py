"""Case 7: rotation arithmetic, exact in a deterministic run of the model."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import simpy
from validation_support import load_case

from logistics_sim.engine.force import allocation_units, build_slots
from logistics_sim.engine.model import run_replication
from logistics_sim.engine.network import LocNetwork
from logistics_sim.engine.recording import Recorder
from logistics_sim.engine.rotation import pool_sizes
from logistics_sim.rules import rotation_math
from logistics_sim.scenario import rotation_of

pytestmark = [pytest.mark.validation, pytest.mark.slow]


def test_case7_rotation_arithmetic_in_a_deterministic_run() -> None:
    """Case 7. A unit's cycle is C = T + rT + 2τ and it covers T − O days of a slot, so a slot
    needs C/(T − O) units and S staggered slots ⌈S·C/(T − O)⌉ (rotation_math; Little's law
    L = λW on the pool: λ = S/(T − O) reliefs a day, each unit away from the ready pool for C).
    In a run with fixed times (``scenarios/rotation_line.yaml``):

    - the pool in the run is exactly ⌈S·C/(T − O)⌉ with τ the planned move days (exact);
    - with that pool no slot is ever gapped and no tour extended (exact);
    - deployed strength never falls below the target after the start (exact);
    - by Little's law, units in theatre average S·T/(T − O) (each slot has its incumbent for
      T days every T − O days); daily snapshots give this within 1 %.
    """
    scenario, case = load_case("rotation_line")
    allocation = pd.DataFrame(case["allocation"])
    slots_by_group = allocation_units(allocation, scenario)
    slots = build_slots(scenario, slots_by_group)
    network = LocNetwork(simpy.Environment(), scenario, np.random.default_rng(0), Recorder(1))
    pools = pool_sizes(scenario, network, slots, allocation)
    daily = run_replication(scenario, allocation, 2026, 0).daily
    days = daily[daily["day"] >= 0]
    warm = case["warmup_days"]
    assert days.loc[days["metric"] == "gapped_slots", "value"].sum() == 0
    assert days.loc[days["metric"] == "extended_units", "value"].sum() == 0
    strength = days[days["metric"] == "deployed_pax"].groupby("day")["value"].sum()
    assert strength.min() >= scenario.force.target_deployed_pax
    key = ["nation", "capability", "day"]
    in_theatre = days[days["metric"] == "units_deployed"].groupby(key)["value"].sum()
    total = (
        days[days["metric"].isin(["units_deployed", "units_in_transit", "units_at_home"])]
        .groupby(key)["value"]
        .sum()
    )
    for (nation, cap), n_slots in slots_by_group.items():
        tour, dwell, overlap = rotation_of(scenario, scenario.nation(nation))
        home = scenario.nation(nation).home_node
        tau = max(
            network.planner.unit_legs(cap, home, s.depot).planned_days  # type: ignore[arg-type, union-attr]
            for s in slots
            if (s.nation, s.capability) == (nation, cap)
        )
        multiplier = rotation_math.pool_multiplier(tour, dwell, overlap, tau)
        assert pools[(nation, cap)] == math.ceil(n_slots * multiplier - 1e-9)
        assert (total.loc[(nation, cap)] == pools[(nation, cap)]).all()
        mean_in_theatre = in_theatre.loc[(nation, cap)].loc[warm:].mean()
        expected = n_slots * tour / (tour - overlap)
        print(
            f"case 7 {nation} {cap}: units in theatre {mean_in_theatre:.4f}, "
            f"S·T/(T−O) {expected:.4f}"
        )
        assert mean_in_theatre == pytest.approx(expected, rel=0.01)
