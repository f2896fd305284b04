"""Published arithmetic (exact): the rotation pool for 150,000 and the baseline's daily demand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import simpy

from logistics_sim import load_scenario
from logistics_sim.data import read_table
from logistics_sim.engine.force import allocation_units, build_slots
from logistics_sim.engine.network import LocNetwork
from logistics_sim.engine.recording import Recorder
from logistics_sim.engine.rotation import pool_sizes
from logistics_sim.engine.sustainment import demand_rates_t_per_day
from testsupport.validation_cases import REPO, load_case

pytestmark = pytest.mark.validation

BASELINE = REPO / "scenarios" / "ukraine_reassurance_150k.yaml"


@pytest.mark.parametrize("variant", ["dwell_2", "dwell_3", "dwell_4"])
def test_pool_for_150k_is_450k_600k_750k(variant: str) -> None:
    """Pool = deployed × C/(T − O), C = T + rT + 2τ (rotation_math; Little's law on a slot).
    With τ = 0 and O = 0 it is (1 + r) × deployed: 150,000 at 1:2, 1:3, 1:4 needs 450,000,
    600,000, 750,000 (the dwell ratios of the baseline's sources: 1:2 redline, 1:3 US Army
    goal US_AC_BOG_DWELL_GOAL, UK 1:4). Computed by ``rotation.pool_sizes``, the function the
    model uses, on the baseline force with τ = 0 (no home base) and O = 0. Exact.
    """
    scenario, case = load_case("pool_150k", overlay=variant)
    allocation = pd.DataFrame(
        [
            {"nation": case["nation"], "capability": c.id, "units": c.required_units}
            for c in scenario.force.capabilities
        ]
    )
    slots = build_slots(scenario, allocation_units(allocation, scenario))
    deployed = sum(scenario.capability(s.capability).personnel_per_unit_pax for s in slots)
    assert deployed == case["deployed_pax"] == scenario.force.target_deployed_pax
    network = LocNetwork(simpy.Environment(), scenario, np.random.default_rng(0), Recorder(1))
    pools = pool_sizes(scenario, network, slots, allocation)
    pool_pax = sum(
        scenario.capability(cap).personnel_per_unit_pax * n for (_, cap), n in pools.items()
    )
    assert pool_pax == case["expected_pool_pax"][variant]


def test_baseline_demand_matches_planning_factors() -> None:
    """Baseline demand at full strength, low intensity, excluding water, equals the planning
    factors: Σ classes kg/person/day × 150,000 / 1000 = 38.76 × 150 = 5,814 t/day
    (TOTAL_LOW_EXCL_WATER in scenarios/data/planning_factors.csv: ATP 4-90 Table C-1 classes
    I, II, III(P), IV, VI, VIII, mail, the Iraq-2004 bulk fuel figure, and the stated Class V
    and IX assumptions). Computed by ``sustainment.demand_rates_t_per_day`` — the model's own
    demand rate — for the baseline allocation of the required units; consumption modifiers
    redistribute fuel and ammunition between unit types, so the theatre total is unchanged
    up to their pax-weighted mean (checked within 0.5 %).
    """
    scenario = load_scenario(BASELINE)
    factors = read_table(REPO / "scenarios" / "data" / "planning_factors.csv", "factor_id")
    per_pax = float(factors["TOTAL_LOW_EXCL_WATER"]["value_kg_per_person_day"])
    assert per_pax * 150_000 / 1000 == pytest.approx(5814.0)
    classes = {c.id: c for c in scenario.sustainment.supply_classes}
    moved = [cid for cid, c in classes.items() if c.moved]
    assert "water" not in moved
    # every class at 1 pax: the sum of kg per person per day is the table's total
    kg = sum(classes[c].kg_per_pax_day[scenario.sustainment.posture] for c in moved)
    assert kg == pytest.approx(per_pax, abs=0.01)
    strength = {}
    for cap in scenario.force.capabilities:
        share = {
            s.id: s.troops_pax / scenario.force.target_deployed_pax for s in scenario.force.sectors
        }
        for sector, w in share.items():
            strength[(sector, cap.id)] = cap.required_units * cap.personnel_per_unit_pax * w
    rates = demand_rates_t_per_day(scenario, strength)
    total = math.fsum(v for (_, c), v in rates.items() if c in moved)
    print(f"baseline demand excl. water: {total:.1f} t/day (planning factors 5,814)")
    assert total == pytest.approx(5814.0, rel=0.005)
