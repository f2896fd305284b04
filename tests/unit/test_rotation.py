"""Rotation against hand arithmetic: cycle, pool sizes, gaps and extensions counted by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logistics_sim import Scenario, load_scenario
from logistics_sim.engine.model import run_replication
from logistics_sim.rules.rotation_math import (
    cycle_days,
    pool_multiplier,
    pool_units_staggered,
    pool_units_synchronised,
    slot_cover_days,
)

LINE = Path(__file__).resolve().parents[1] / "data" / "rotation_line.yaml"


@pytest.fixture(scope="module")
def line() -> Scenario:
    return load_scenario(LINE)


def variant(scenario: Scenario, **changes: Any) -> Scenario:
    """The scenario with dotted-path fields replaced, re-validated (e.g. rotation.overlap_days)."""
    data = scenario.model_dump()
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = data
        for part in parents:
            target = target[part]
        target[leaf] = value
    return Scenario.model_validate(data)


def set_node(scenario: Scenario, node_id: str, **fields: Any) -> Scenario:
    data = scenario.model_dump()
    for node in data["network"]["nodes"]:
        if node["id"] == node_id:
            node.update(fields)
    return Scenario.model_validate(data)


def alloc(units: int, pool: int | None = None) -> pd.DataFrame:
    rows: dict[str, list[Any]] = {"nation": ["GBR"], "capability": ["inf"], "units": [units]}
    if pool is not None:
        rows["pool_units"] = [pool]
    return pd.DataFrame(rows)


def series(daily: pd.DataFrame, metric: str) -> pd.Series:
    """A metric summed over its dimensions, by day."""
    return daily[daily["metric"] == metric].groupby("day")["value"].sum()


def run_value(daily: pd.DataFrame, metric: str) -> float:
    return float(daily[(daily["metric"] == metric) & (daily["day"] == -1)]["value"].iloc[0])


def test_cycle_arithmetic_of_the_issue() -> None:
    # T=180, r=3, O=10, tau=5: C = 180 + 540 + 10 = 730; C/(T-O) = 730/170 = 4.294
    assert cycle_days(180, 3, 5) == 730
    assert slot_cover_days(180, 10) == 170
    assert pool_multiplier(180, 3, 10, 5) == pytest.approx(4.294, abs=1e-3)
    assert pool_units_synchronised(3, 730 / 170) == 15  # 3 x ceil(4.29)
    assert pool_units_staggered(3, 730 / 170) == 13  # ceil(12.88)


def test_default_pool_is_the_staggered_pool_from_planned_transit(line: Scenario) -> None:
    sc = variant(line, horizon_days=10)
    daily = run_replication(sc, alloc(3), base_seed=1, replication=0).daily
    day0 = daily[daily["day"] == 0]
    units = day0[day0["metric"].isin(["units_deployed", "units_in_transit", "units_at_home"])]
    assert units["value"].sum() == 13  # ceil(3 x 730/170), tau = 4 d air + 1 d road


@pytest.mark.parametrize("slots", [1, 2, 3, 5])
def test_exact_staggered_pool_has_no_gaps_or_extensions(line: Scenario, slots: int) -> None:
    sc = variant(line, horizon_days=3000)
    pool = pool_units_staggered(slots, 730 / 170)
    daily = run_replication(sc, alloc(slots, pool), base_seed=1, replication=0).daily
    assert series(daily, "gapped_slots").sum() == 0
    assert series(daily, "extended_units").sum() == 0
    # every slot covered every day; overlaps of O days add a second unit
    assert (series(daily, "units_deployed") >= slots).all()
    assert run_value(daily, "initial_deployment_closure_days") == 0.0


def test_one_unit_fewer_gaps_as_counted_by_hand(line: Scenario) -> None:
    """S=1, pool 4 instead of 5, extension limit 10 days, horizon 1100.

    Incumbent U0 ends its tour at O + tau = 15; reliefs depart 15 days before each tour end.
    A: departs 0, arrives 5, tour ends 185.  U0 home 20, ready 20 + 540 = 560.
    B: departs 170, arrives 175, ends 355.   A leaves 185, ready 730.
    C: departs 340, arrives 345, ends 525.   B leaves 355, ready 900.
    Relief due to depart 510: nobody ready until U0 at 560; arrives 565.
      C extended 525 -> 535 (limit), then slot gapped 535 -> 565: 30 gap days, 10 extension days.
      C ready 535 + 5 + 540 = 1080.  U0's tour ends 745.
    A departs 730 (ready exactly then), arrives 735; U0 leaves 745; A ends 915.
    B departs 900, arrives 905, ends 1085.
    Relief due to depart 1070: C ready 1080, arrives 1085; B stays for the overlap to 1095:
      10 more extension days, no gap.
    Totals to day 1100: 30 gapped slot-days, 20 extended unit-days.
    """
    sc = variant(line, horizon_days=1100)
    daily = run_replication(sc, alloc(1, 4), base_seed=1, replication=0).daily
    gapped = series(daily, "gapped_slots")
    extended = series(daily, "extended_units")
    assert gapped.sum() == 30
    assert extended.sum() == 20
    # end-of-day state: U0 arrives at t = 565, the end of day 564
    assert list(gapped[gapped > 0].index) == list(range(534, 564))
    assert list(extended[extended > 0].index) == [*range(524, 534), *range(1084, 1094)]


def test_covered_strength_counts_each_filled_slot_once(line: Scenario) -> None:
    """The hand timeline above: covered pax = (slots - gapped) x pax every day; deployed pax
    exceeds it only while a relief overlaps its incumbent (A arrives at t = 5, the end of day 4;
    U0 leaves at 15: days 4-13; B arrives 175, A leaves 185: days 174-183; ...)."""
    sc = variant(line, horizon_days=1100)
    pax = sc.capability("inf").personnel_per_unit_pax
    daily = run_replication(sc, alloc(1, 4), base_seed=1, replication=0).daily
    days = daily[daily["day"] >= 0]
    covered = series(days, "covered_pax")
    gapped = series(days, "gapped_slots")
    deployed = series(days, "deployed_pax")
    assert ((covered + gapped * pax) == pax).all()  # one slot, held or gapped, never both
    overlap = deployed[deployed > covered]
    assert (overlap == 2 * pax).all()
    assert list(overlap.index[:11]) == [*range(4, 14), 174]
    assert 183 in overlap.index and 184 not in overlap.index


def test_one_unit_fewer_under_gap_policy(line: Scenario) -> None:
    """As above, but incumbents leave on time: C leaves at 525, gap 525 -> 565 = 40 days.

    C is then ready 525 + 5 + 540 = 1070, exactly when the relief of B must depart: no more gaps.
    """
    sc = variant(line, horizon_days=1100, rotation__no_relief_policy="gap")
    daily = run_replication(sc, alloc(1, 4), base_seed=1, replication=0).daily
    assert series(daily, "gapped_slots").sum() == 40
    assert series(daily, "extended_units").sum() == 0


def test_synchronised_start_needs_the_synchronised_pool(line: Scenario) -> None:
    # all 3 slots start together from home: 13 (staggered) is short, 15 = 3 x ceil(4.29) is not
    sc = variant(line, horizon_days=3000, force__initial_state="from_home")
    short = run_replication(sc, alloc(3, 13), base_seed=1, replication=0).daily
    enough = run_replication(sc, alloc(3, 15), base_seed=1, replication=0).daily
    # before the first arrival (t = 5) every slot is empty: 3 slots x 4 days (days 0..3)
    assert series(enough, "gapped_slots").sum() == 3 * 4
    assert series(enough, "extended_units").sum() == 0
    assert series(short, "gapped_slots").sum() > 3 * 4
    assert run_value(enough, "initial_deployment_closure_days") == 5.0


def test_dwell_and_tour_seen_in_unit_states(line: Scenario) -> None:
    # S=1, pool 5, deployed start: A departs at 0, arrives at 5 (end of day 4); U0's tour ends
    # at 15 (end of day 14) and it is home at 20 (end of day 19)
    sc = variant(line, horizon_days=40)
    daily = run_replication(sc, alloc(1, 5), base_seed=1, replication=0).daily
    transit = series(daily, "units_in_transit")
    deployed = series(daily, "units_deployed")
    assert list(transit[transit > 0].index) == [0, 1, 2, 3, 14, 15, 16, 17, 18]
    assert list(deployed[deployed == 2].index) == list(range(4, 14))  # overlap 5 -> 15
    assert series(daily, "deployed_pax")[10] == 1000


def test_cutting_gauge_change_capacity_delays_reliefs(line: Scenario) -> None:
    """Equipment by rail through the gauge change (8 days handling per train).

    Six units move together (synchronised start, pool 30 = 6 x 5). With six handling lines no
    train waits; with one, the k-th train of each wave waits 8(k-1) days, so reliefs arrive late:
    extensions and gaps appear and the build-up closes later.
    """
    base = variant(
        line,
        horizon_days=1500,
        force__initial_state="from_home",
        force__target_deployed_pax=3000,
        rotation__fall_in_on_equipment=False,
    )
    wide = set_node(base, "GAUGE", servers=6, handling_days=8.0)
    narrow = set_node(base, "GAUGE", servers=1, handling_days=8.0)
    good = run_replication(wide, alloc(6, 30), base_seed=1, replication=0).daily
    cut = run_replication(narrow, alloc(6, 30), base_seed=1, replication=0).daily
    # planned move = 4 d rail + 8 d handling + 1 d rail = 13 d; all six arrive at 13
    assert run_value(good, "initial_deployment_closure_days") == 13.0
    # with one line the sixth train leaves the gauge change at 4 + 6 x 8 = 52, arrives 53
    assert run_value(cut, "initial_deployment_closure_days") == 53.0
    after = slice(60, None)
    assert series(good, "gapped_slots")[after].sum() == 0
    assert series(good, "extended_units").sum() == 0
    assert series(cut, "gapped_slots")[after].sum() > 0
    assert series(cut, "extended_units").sum() > 0
    gauge = cut[(cut["metric"] == "node_utilisation") & (cut["node"] == "GAUGE")]
    assert gauge["value"].max() == pytest.approx(1.0)


def test_build_up_departures_are_time_phased(line: Scenario) -> None:
    # 4 slots from home, departures spread over 30 days: at 0, 7.5, 15, 22.5; 5 days each
    sc = variant(
        line,
        horizon_days=60,
        force__initial_state="from_home",
        force__target_deployed_pax=2000,
        rotation__readiness_spread_days=30.0,
    )
    daily = run_replication(sc, alloc(4, 20), base_seed=1, replication=0).daily
    assert run_value(daily, "initial_deployment_closure_days") == 27.5
    deployed = series(daily, "units_deployed")
    # arrivals at 5, 12.5, 20, 27.5 -> seen at the end of days 4, 12, 19, 27
    assert [deployed[d] for d in (3, 4, 11, 12, 19, 26, 27)] == [0, 1, 1, 2, 3, 3, 4]
    assert series(daily, "gapped_slots")[0] == 4


def test_air_hub_mog_diverts_and_retries(line: Scenario) -> None:
    """One parking stand (MOG 1), 2-day turnaround; three lifts leave home together at t = 0.

    t=4: all reach the hub; one is handled (4-6), two diverted; they retry at 5, reach it at 9:
    one handled (9-11), one diverted; it retries at 10, reaches it at 14, handled 14-16.
    Arrivals (1 day by road): 7, 12, 17. Diversions: 3.
    """
    sc = set_node(
        variant(
            line,
            horizon_days=60,
            force__initial_state="from_home",
            force__target_deployed_pax=1500,
        ),
        "HUB",
        servers=1,
        handling_days=2.0,
        max_on_ground=1,
    )
    daily = run_replication(sc, alloc(3, 15), base_seed=1, replication=0).daily
    assert run_value(daily, "diverted_movements") == 3
    assert run_value(daily, "initial_deployment_closure_days") == 17.0


@settings(max_examples=25, deadline=None)
@given(
    tour=st.integers(20, 200),
    dwell=st.sampled_from([0.5, 1.0, 2.0, 3.0, 4.0]),
    overlap_share=st.floats(0.05, 0.4),
    slots=st.integers(1, 6),
)
def test_staggered_pool_suffices_for_any_rotation_rules(
    line: Scenario, tour: int, dwell: float, overlap_share: float, slots: int
) -> None:
    """Little's law: with reliefs evenly staggered, ceil(S C / (T - O)) units never gap a slot."""
    overlap = max(1.0, round(tour * overlap_share))
    cycle = cycle_days(tour, dwell, 5.0)
    sc = variant(
        line,
        horizon_days=int(3 * cycle),
        rotation__tour_days=float(tour),
        rotation__dwell_ratio=dwell,
        rotation__overlap_days=overlap,
    )
    pool = pool_units_staggered(slots, pool_multiplier(tour, dwell, overlap, 5.0))
    daily = run_replication(sc, alloc(slots, pool), base_seed=1, replication=0).daily
    assert series(daily, "gapped_slots").sum() == 0
    assert (series(daily, "units_deployed") >= slots).all()


def test_fall_in_on_equipment_moves_equipment_on_first_fill_only(line: Scenario) -> None:
    """Reliefs fall in on equipment left in theatre, but the build-up has to bring it.

    From home, the first unit's equipment goes by rail through the gauge change (4 days of rail,
    then half a day of handling): one arrival there, at t = 4 (the end of day 3). Reliefs after
    that move only personnel by air, so the gauge change sees no other arrival in two years.
    """
    sc = variant(line, force__initial_state="from_home", rotation__fall_in_on_equipment=True)
    sc = set_node(sc, "GAUGE", handling_days=0.5)
    daily = run_replication(sc, alloc(1, 5), base_seed=1, replication=0).daily
    gauge = daily[(daily["metric"] == "node_arrivals") & (daily["node"] == "GAUGE")]
    arrivals = gauge.set_index("day")["value"]
    assert arrivals.sum() == 1
    assert arrivals[arrivals > 0].index.tolist() == [3]
