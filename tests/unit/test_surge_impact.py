"""Priority to a reinforcement at a shared node: faster closure, paid for by the other sectors.

Both priority settings run with common random numbers (same base seed, same replication
numbers, so the same demand draws and notices to move) and are compared replication by
replication with :func:`logistics_sim.metrics.paired_difference`, as a sweep does.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from logistics_sim.engine.model import run_replication
from logistics_sim.metrics import MeanCI, metrics_frame, paired_difference, replication_metrics
from logistics_sim.scenario import Scenario
from testsupport.scenarios import build_scenario
from testsupport.supply_line import ALLOCATION, supply_line_mapping

TRIGGER_DAY = 40.0
TARGET_DAYS = 30.0
SURGE_UNITS = 16
REPLICATIONS = 20
BASE_SEED = 7
#: Each nation's pool: its two deployed battalions and ten more at home, ready.
POOLS = ALLOCATION.assign(
    pool_units=ALLOCATION["units"] + 10 * (ALLOCATION["capability"] == "mech_inf")
)


def surge_scenario(priority: str) -> Scenario:
    """The supply line with one gauge-change line and a 16-battalion surge to the east.

    PRZ handles one train at a time for 0.5 day; units stay for the whole run (tours of 365
    days), so the only traffic after the trigger is supply and the reinforcement.
    """
    m = supply_line_mapping(horizon_days=90, trains=3)
    m["rotation"]["tour_days"] = 365
    for nation in m["nations"]:
        nation.pop("tour_days", None)
    for node in m["network"]["nodes"]:
        if node["id"] == "PRZ":
            node.update(servers=1, handling_days=0.5)
    m["sustainment"]["demand_variation"] = {"kind": "lognormal", "mean": 1.0, "cv": 0.1}
    m["experiment"]["warmup_days"] = 0.0
    m["reinforcement"] = {
        "tiers": [
            {
                "name": "ready",
                "notice_to_move_days": {"kind": "uniform", "low": 0.0, "high": 6.0},
                "share_of_pool": 1.0,
                "assumption": "test",
            }
        ],
        "plans": [
            {
                "id": "surge",
                "sector": "east",
                "trigger_day": TRIGGER_DAY,
                "required": [{"capability": "mech_inf", "units": SURGE_UNITS}],
                "target_days": TARGET_DAYS,
                "priority": priority,
                "assumption": "test",
            }
        ],
    }
    return build_scenario(m)


def per_replication(priority: str) -> pd.DataFrame:
    """Summary metrics of every replication under one priority setting (common seeds)."""
    scenario = surge_scenario(priority)
    return metrics_frame(
        (r, replication_metrics(run_replication(scenario, POOLS, BASE_SEED, r).daily, scenario))
        for r in range(REPLICATIONS)
    )


@pytest.fixture(scope="module")
def runs() -> dict[str, pd.DataFrame]:
    return {p: per_replication(p) for p in ("shared", "reinforcement_first")}


@pytest.fixture(scope="module")
def first_minus_shared(runs: dict[str, pd.DataFrame]) -> dict[str, MeanCI]:
    return paired_difference(runs["reinforcement_first"], runs["shared"], confidence=0.99)


def test_every_replication_triggers_and_closes(runs: dict[str, pd.DataFrame]) -> None:
    for frame in runs.values():
        assert (frame["reinforcement_plans_triggered"] == 1).all()
        assert frame["reinforcement_closure_days"].notna().all()


def test_priority_to_reinforcement_shortens_closure_and_lowers_other_sectors_supply(
    first_minus_shared: dict[str, MeanCI],
) -> None:
    """Why the effect must appear, and with which sign.

    The 16 battalions' equipment trains (one per unit, by rail from home: 5.9 days from France,
    6.9 from Britain, after a notice uniform on 0-6 days) reach PRZ between days 46 and 53: eight
    line-days of handling in about seven days, on the one line that also takes every supply train
    from the rear hub to both depots. So PRZ has a queue for about a week.

    - Shared: reinforcement and loaded supply trains are served in the order they arrive, so each
      reinforcement train also waits for the supply trains ahead of it (0.5 day each).
    - Reinforcement first: a reinforcement train overtakes every waiting supply train, so the
      last one arrives, and the plan closes, earlier: closure days fall.
    - The west depot (not reinforced) reorders at 5 days of supply with a lead time of about
      1.5 days. Its loaded train that meets the queue waits only for the trains ahead of it when
      shared, but for the whole reinforcement backlog when the reinforcement goes first: it
      arrives days later, the depot runs lower or out, so west's days of supply and fill rate
      during the surge window (trigger to trigger + 30 days) fall.

    Nothing before the trigger differs (identical seeds and traffic), so the paired differences
    (reinforcement first minus shared) carry only the priority's effect; their 99 % intervals
    must lie wholly below zero.
    """
    closure = first_minus_shared["reinforcement_closure_days"]
    mean_dos = first_minus_shared["surge_other_sectors_mean_days_of_supply"]
    fill = first_minus_shared["surge_other_sectors_fill_rate"]
    assert closure.n == REPLICATIONS
    assert closure.ci_high < 0, closure
    assert mean_dos.ci_high < 0, mean_dos
    assert fill.ci_high < 0, fill


def test_nothing_differs_before_the_trigger(runs: dict[str, pd.DataFrame]) -> None:
    """The common random numbers hold: the two settings share their pre-trigger history."""
    scenario = {p: surge_scenario(p) for p in runs}
    for r in range(3):
        frames = [run_replication(scenario[p], POOLS, BASE_SEED, r).daily for p in sorted(scenario)]
        before = [f[(f["day"] >= 0) & (f["day"] < math.floor(TRIGGER_DAY))] for f in frames]
        pd.testing.assert_frame_equal(
            before[0].reset_index(drop=True), before[1].reset_index(drop=True)
        )
