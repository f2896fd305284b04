"""Reinforcement: closure against hand timelines, order statistics, priority, recall, reserve."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from logistics_sim import Scenario, load_scenario
from logistics_sim.engine.model import run_replication

ROOT = Path(__file__).resolve().parents[2]
LINE = ROOT / "tests" / "data" / "rotation_line.yaml"
TINY = ROOT / "scenarios" / "tiny.yaml"


def scenario_with(base: Path, **blocks: Any) -> Scenario:
    """Load ``base`` and replace or update top-level blocks (dicts are merged one level deep)."""
    data = load_scenario(base).model_dump()
    for name, value in blocks.items():
        if isinstance(value, dict) and isinstance(data.get(name), dict):
            data[name].update(value)
        else:
            data[name] = value
    return Scenario.model_validate(data)


def set_node(data_scenario: Scenario, node_id: str, **fields: Any) -> Scenario:
    data = data_scenario.model_dump()
    for node in data["network"]["nodes"]:
        if node["id"] == node_id:
            node.update(fields)
    return Scenario.model_validate(data)


def plan(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "surge",
        "sector": "north",
        "trigger_day": 100.0,
        "required": [{"capability": "inf", "units": 3}],
        "target_days": 20.0,
        "assumption": "test",
    }
    base.update(fields)
    return base


def tiers(notice: Any) -> list[dict[str, Any]]:
    return [{"name": "all", "notice_to_move_days": notice, "share_of_pool": 1.0}]


def alloc(units: int, pool: int) -> pd.DataFrame:
    return pd.DataFrame(
        {"nation": ["GBR"], "capability": ["inf"], "units": [units], "pool_units": [pool]}
    )


def run_values(daily: pd.DataFrame) -> pd.Series:
    return daily[daily["day"] == -1].set_index("metric")["value"]


def arrived(daily: pd.DataFrame) -> pd.Series:
    rows = daily[daily["metric"] == "reinforcement_arrived_pax"]
    return rows.set_index("day")["value"]


def line_with(horizon: int = 160, **reinforcement: Any) -> Scenario:
    sc = scenario_with(LINE, horizon_days=horizon, reinforcement=reinforcement)
    return set_node(sc, "GAUGE", servers=1, handling_days=2.0)


def test_fixed_times_close_as_calculated_by_hand() -> None:
    """Trigger 100, notice 2: all three leave home at 102.

    Personnel: 4 d air + 1 d road -> 107. Equipment: 4 d rail -> gauge change at 106, one line,
    2 d per train: 106-108, 108-110, 110-112, then 1 d rail -> 109, 111, 113.
    Closure at 113: 13 days after the trigger, on time against 20.
    """
    sc = line_with(tiers=tiers(2.0), plans=[plan()])
    daily = run_replication(sc, alloc(1, 8), base_seed=1, replication=0).daily
    values = run_values(daily)
    assert values["reinforcement_trigger_day"] == 100.0
    assert values["reinforcement_closure_days"] == 13.0
    assert values["reinforcement_on_time"] == 1.0
    series = arrived(daily)
    assert [series[d] for d in (107, 108, 109, 110, 111, 112)] == [0, 500, 500, 1000, 1000, 1500]
    # the reinforcement is deployed in the sector beside the slot's incumbent
    deployed = daily[daily["metric"] == "deployed_pax"].groupby("day")["value"].sum()
    assert deployed[150] == 500 + 1500


def test_isr_warning_starts_the_notice_earlier() -> None:
    on = line_with(tiers=tiers(2.0), plans=[plan()])
    data = on.model_dump()
    data["us_enablers"]["isr"].update(
        {"enabled": True, "warning_days_on": 10.0, "warning_days_off": 0.0}
    )
    with_isr = Scenario.model_validate(data)
    data["us_enablers"]["isr"]["enabled"] = False
    without = Scenario.model_validate(data)
    # alert at 90 with ISR: the same timeline 10 days earlier, closing 3 days after the trigger
    assert run_values(run_replication(with_isr, alloc(1, 8), 1, 0).daily)[
        "reinforcement_closure_days"
    ] == pytest.approx(3.0)
    assert run_values(run_replication(without, alloc(1, 8), 1, 0).daily)[
        "reinforcement_closure_days"
    ] == pytest.approx(13.0)


@pytest.mark.slow
def test_closure_of_k_exponential_notices_is_m_times_harmonic_number() -> None:
    """k = 4 units, notice exponential with mean m = 10, 5-day move, no queue (no equipment).

    Closure = 5 + max of 4 exponentials; E = 5 + m (1 + 1/2 + 1/3 + 1/4) = 25.833 days.
    """
    sc = line_with(
        horizon=200,
        tiers=tiers({"kind": "exponential", "mean": 10.0}),
        plans=[plan(required=[{"capability": "inf", "units": 4}], target_days=100.0)],
    )
    data = sc.model_dump()
    data["force"]["capabilities"][0]["equipment_t_per_unit"] = 0.0
    sc = Scenario.model_validate(data)
    closures = np.array(
        [
            run_values(run_replication(sc, alloc(1, 9), base_seed=11, replication=r).daily)[
                "reinforcement_closure_days"
            ]
            for r in range(400)
        ]
    )
    expected = 5.0 + 10.0 * (1 + 1 / 2 + 1 / 3 + 1 / 4)
    half_width = 2.576 * closures.std(ddof=1) / math.sqrt(len(closures))  # 99 % interval
    assert abs(closures.mean() - expected) <= half_width
    assert closures.min() > 5.0


def test_priority_to_reinforcement_shortens_closure_behind_rotation_traffic() -> None:
    """Six rotation trains reach the one-line gauge change at t = 4 (2 d each: busy 4-16).

    The reinforcement (trigger 0, notice 1) reaches it at 5 with three trains.
    Shared: behind all six -> handled 16-22, last arrives 23 -> closure 23 days.
    Reinforcement first: after the train in service -> 6-12, last arrives 13 -> 13 days.
    """
    results = {}
    gaps = {}
    for priority in ("shared", "reinforcement_first"):
        sc = line_with(
            horizon=40, tiers=tiers(1.0), plans=[plan(trigger_day=0.0, priority=priority)]
        )
        data = sc.model_dump()
        data["force"]["initial_state"] = "from_home"
        data["force"]["target_deployed_pax"] = 3000
        data["rotation"]["fall_in_on_equipment"] = False
        sc = Scenario.model_validate(data)
        daily = run_replication(sc, alloc(6, 33), base_seed=1, replication=0).daily
        results[priority] = run_values(daily)
        gaps[priority] = daily[daily["metric"] == "gapped_slots"]["value"].sum()
    assert results["shared"]["reinforcement_closure_days"] == pytest.approx(23.0)
    assert results["reinforcement_first"]["reinforcement_closure_days"] == pytest.approx(13.0)
    # the rotation's build-up pays for it. Its units arrive when their equipment does:
    # shared 7, 9, 11, 13, 15, 17; reinforcement first 7, 15, 17, 19, 21, 23. A slot filled at
    # t is gapped at the end of days 0 .. t - 2: t - 1 gap-days.
    assert gaps["shared"] == 6 + 8 + 10 + 12 + 14 + 16
    assert gaps["reinforcement_first"] == 6 + 14 + 16 + 18 + 20 + 22


def test_recall_from_dwell_is_a_policy_option() -> None:
    """S = 1, pool 2: A relieves U0 at t = 5; at the trigger (100) U0 is in dwell until 560.

    Without recall nobody can go (no closure, late); with recall U0 goes: 2 + 5 days -> 7.
    """
    one = [{"capability": "inf", "units": 1}]
    data = scenario_with(LINE, horizon_days=160).model_dump()
    data["force"]["capabilities"][0]["equipment_t_per_unit"] = 0.0
    data["reinforcement"] = {"tiers": tiers(2.0), "plans": [plan(required=one)]}
    without = Scenario.model_validate(data)
    data["reinforcement"]["plans"] = [plan(required=one, recall_from_dwell=True)]
    recall = Scenario.model_validate(data)
    no = run_values(run_replication(without, alloc(1, 2), 1, 0).daily)
    yes = run_values(run_replication(recall, alloc(1, 2), 1, 0).daily)
    assert math.isnan(no["reinforcement_closure_days"]) and no["reinforcement_on_time"] == 0.0
    assert yes["reinforcement_closure_days"] == pytest.approx(7.0)


def test_theatre_reserve_moves_by_road_from_the_nearest_depot() -> None:
    # tiny: east threatened on day 60; the reserve at DEPOT_W is 540 km by road at 40 kph away
    sc = scenario_with(TINY)
    data = sc.model_dump()
    data["reinforcement"]["plans"][0]["theatre_reserve"] = [{"capability": "mech_inf", "units": 2}]
    sc = Scenario.model_validate(data)
    allocation = pd.DataFrame(
        {"nation": ["GBR", "FRA"], "capability": ["mech_inf", "mech_inf"], "units": [2, 2]}
    )
    values = run_values(run_replication(sc, allocation, 1, 0).daily)
    assert values["reinforcement_closure_days"] == pytest.approx(540 / (40 * 24))
    assert values["reinforcement_on_time"] == 1.0


def test_horizon_cuts_are_not_judged() -> None:
    sc = line_with(horizon=50, tiers=tiers(2.0), plans=[plan()])
    values = run_values(run_replication(sc, alloc(1, 8), 1, 0).daily)
    assert values["reinforcement_trigger_day"] == 100.0
    assert "reinforcement_closure_days" not in values.index
    assert "reinforcement_on_time" not in values.index
    # triggered at 100, closing at 113 (see the hand timeline above) but the run ends at 110:
    # not closed (NaN) and, 10 days into a 20-day target, not yet late either
    short = line_with(horizon=110, tiers=tiers(2.0), plans=[plan()])
    values = run_values(run_replication(short, alloc(1, 8), 1, 0).daily)
    assert math.isnan(values["reinforcement_closure_days"])
    assert "reinforcement_on_time" not in values.index
    # with a 125-day run it has closed, 13 days after the trigger: on time
    done = line_with(horizon=125, tiers=tiers(2.0), plans=[plan()])
    assert run_values(run_replication(done, alloc(1, 8), 1, 0).daily)["reinforcement_on_time"] == 1


@pytest.mark.slow
def test_baseline_gives_a_closure_distribution_not_a_date() -> None:
    """The 150k baseline with a stand-in allocation (each capability dealt round the nations)."""
    sc = load_scenario(ROOT / "scenarios" / "ukraine_reassurance_150k.yaml")
    nations = [n.code for n in sc.nations if n.participates and n.home_node is not None]
    rows = [
        (nations[i % len(nations)], cap.id, 1)
        for cap in sc.force.capabilities
        for i in range(cap.required_units)
    ]
    allocation = (
        pd.DataFrame(rows, columns=["nation", "capability", "units"])
        .groupby(["nation", "capability"], as_index=False)
        .sum()
    )
    outcomes = [run_values(run_replication(sc, allocation, 1, r).daily) for r in range(6)]
    triggers = {o["reinforcement_trigger_day"] for o in outcomes}
    closures = pd.Series([o["reinforcement_closure_days"] for o in outcomes])
    assert len(triggers) == 6
    assert closures.nunique(dropna=False) > 1  # NaN (not closed in the horizon) counts once


def test_unit_taken_by_a_relief_is_not_also_sent_as_reinforcement() -> None:
    # the pool's only unit fills the slot at t = 0; a plan alerted at t = 0 finds nobody
    sc = line_with(horizon=30, tiers=tiers(2.0), plans=[plan(trigger_day=0.0)])
    data = sc.model_dump()
    data["force"]["initial_state"] = "from_home"
    sc = Scenario.model_validate(data)
    daily = run_replication(sc, alloc(1, 1), base_seed=1, replication=0).daily
    assert math.isnan(run_values(daily)["reinforcement_closure_days"])
    units = daily[daily["metric"].str.startswith("units_")].groupby("day")["value"].sum()
    assert (units == 1).all()
    deployed = daily[daily["metric"] == "deployed_pax"].groupby("day")["value"].sum()
    assert deployed[29] == 500
