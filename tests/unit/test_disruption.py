"""Disruptions: strike arithmetic, CRN strike schedules, seasons, gauge-change strikes, policies."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
import simpy

from logistics_sim.engine.disruption import (
    DAYS_PER_YEAR,
    DisruptionEngine,
    random_strikes,
    season_active,
    season_windows,
    strike_capacity_factor,
    strike_stock_share,
)
from logistics_sim.engine.model import build_model, run_replication, subsystem_rngs
from logistics_sim.engine.network import LocNetwork
from logistics_sim.engine.recording import Recorder
from logistics_sim.engine.sustainment import Load, SustainmentEngine
from logistics_sim.scenario import AirDefence, InTransitPolicy, Mode, RandomStrikes, Season
from testsupport.scenarios import build_scenario
from testsupport.supply_line import ALLOCATION, run_value, series, supply_line_mapping

ON = AirDefence(enabled=True, strike_rate_factor_when_off=3.0, capacity_loss_factor_when_off=1.5)
OFF = AirDefence(enabled=False, strike_rate_factor_when_off=3.0, capacity_loss_factor_when_off=1.5)


def test_strike_impact_without_air_defence_is_scaled_and_capped() -> None:
    assert strike_capacity_factor(0.5, ON) == 0.5
    assert strike_capacity_factor(0.5, OFF) == pytest.approx(0.25)  # loss 0.5 x 1.5 = 0.75
    assert strike_capacity_factor(0.2, OFF) == 0.0  # loss 0.8 x 1.5 capped at a full closure
    assert strike_capacity_factor(1.0, OFF) == 1.0


def test_stock_destroyed_without_air_defence_is_scaled_and_capped() -> None:
    assert strike_stock_share(0.4, ON) == 0.4
    assert strike_stock_share(0.4, OFF) == pytest.approx(0.6)  # 0.4 x 1.5
    assert strike_stock_share(0.8, OFF) == 1.0  # capped: all of it
    assert strike_stock_share(0.0, OFF) == 0.0


def test_a_strike_on_a_depot_destroys_that_share_of_its_stock_only() -> None:
    """No fleets, so stock only falls by the day's draw: a strike at t = 10.5 halves what the
    west depot held at the end of day 9; day 10's stock is that half less day 10's draw. The
    east depot is untouched, and the depot keeps working (capacity factor 1)."""
    m = supply_line_mapping(horizon_days=20)
    m["sustainment"]["fleets"] = []
    m["disruptions"] = {"scheduled": [
        {"target": "DEPOT_W", "start_day": 10.5, "duration_days": 1.0, "capacity_factor": 1.0,
         "stock_destroyed_share": 0.5, "assumption": "test"}]}  # fmt: skip
    daily = run_replication(build_scenario(m), ALLOCATION, 1, 0).daily
    for cls in ("I", "III", "V"):
        stock = series(daily, "stock_t", sector="west", supply_class=cls)
        destroyed = series(daily, "destroyed_t", sector="west", supply_class=cls)
        consumed = series(daily, "consumed_t", sector="west", supply_class=cls)
        assert destroyed[10] == pytest.approx(0.5 * stock[9], rel=1e-12)
        assert destroyed.drop(10).eq(0).all()
        assert stock[10] == pytest.approx(stock[9] - destroyed[10] - consumed[10], abs=1e-9)
        assert series(daily, "destroyed_t", sector="east", supply_class=cls).eq(0).all()


def test_a_strike_on_a_rear_hub_destroys_its_stock_which_is_reordered() -> None:
    """All of the rear hub's stock goes at t = 5.5 (recorded by class for the run), and the base
    stock policy reorders it, 20 days later (so nothing else arrives in between)."""
    m = supply_line_mapping(horizon_days=60)
    m["sustainment"]["source_lead_time_days"] = 20.0
    m["disruptions"] = {"scheduled": [
        {"target": "RH", "start_day": 5.5, "duration_days": 0.5, "capacity_factor": 1.0,
         "stock_destroyed_share": 1.0, "assumption": "test"}]}  # fmt: skip
    env = simpy.Environment()
    scenario = build_scenario(m)
    recorder = Recorder(scenario.horizon_days)
    model = build_model(env, scenario, ALLOCATION, subsystem_rngs(1, 0), recorder)
    sustainment = next(s for s in model.subsystems if isinstance(s, SustainmentEngine))
    env.run(until=5.4)
    hubs = sustainment.hubs
    before = hubs.level_t.copy()
    assert before.sum() > 0
    env.run(until=5.6)
    assert (hubs.level_t == 0.0).all()
    assert hubs.destroyed_t == pytest.approx(before)
    env.run(until=model.tick)
    assert hubs.level_t.sum() > 0  # reordered stock came back


def test_random_strikes_common_random_numbers_on_is_a_subset_of_off() -> None:
    group = RandomStrikes(
        targets=("A", "B", "C"),
        rate_per_year=12.0,
        duration_days={"kind": "uniform", "low": 1.0, "high": 5.0},
        capacity_factor=0.5,
        assumption="t",
    )
    counts_on, counts_off = [], []
    for seed in range(200):
        on = random_strikes(group, 365.25, ON, np.random.default_rng(seed))
        off = random_strikes(group, 365.25, OFF, np.random.default_rng(seed))
        key_on = {(s.start_day, s.target, s.duration_days) for s in on}
        key_off = {(s.start_day, s.target, s.duration_days) for s in off}
        assert key_on <= key_off
        assert all(s.capacity_factor == 0.5 for s in on)
        assert all(s.capacity_factor == 0.25 for s in off)
        assert all(0 <= s.start_day < 365.25 and 1 <= s.duration_days <= 5 for s in off)
        counts_on.append(len(on))
        counts_off.append(len(off))
    # Poisson counts: mean 12 (on) and 36 (off) a year; 200 years give +-3 sigma of 0.73 / 1.27
    assert np.mean(counts_on) == pytest.approx(12.0, abs=3 * np.sqrt(12 / 200))
    assert np.mean(counts_off) == pytest.approx(36.0, abs=3 * np.sqrt(36 / 200))
    assert np.var(counts_on) == pytest.approx(12.0, rel=0.3)


def test_seasons_by_day_of_year_including_the_new_year_wrap() -> None:
    winter = Season(
        name="Winter", start_day_of_year=335, end_day_of_year=59, modes=(Mode.road,),
        capacity_factor=0.85, assumption="t",
    )  # fmt: skip
    mud = Season(
        name="Mud", start_day_of_year=60, end_day_of_year=120, modes=(Mode.road,),
        capacity_factor=0.7, assumption="t",
    )  # fmt: skip
    assert season_active(winter, 1) and season_active(winter, 59) and season_active(winter, 366)
    assert not season_active(winter, 60) and not season_active(winter, 334)
    assert season_active(mud, 60) and season_active(mud, 120) and not season_active(mud, 121)
    # start 2027-03-01 (day of year 60): mud from day 0 to 30 April (day 60) inclusive;
    # winter 1 Dec 2027 (day 275) to 28 Feb 2028; in the leap year day of year 60 is 29 Feb,
    # so mud starts a calendar day earlier (day 365): seasons are by day of year, as stated
    windows = season_windows([mud, winter], dt.date(2027, 3, 1), 400)
    assert [(w.season, w.start_day, w.end_day) for w in windows] == [
        ("Mud", 0, 61),
        ("Mud", 365, 400),
        ("Winter", 275, 365),
    ]


def _network(mapping: dict[str, Any]) -> tuple[simpy.Environment, LocNetwork, Any]:
    sc = build_scenario(mapping)
    env = simpy.Environment()
    recorder = Recorder(sc.horizon_days)
    return env, LocNetwork(env, sc, np.random.default_rng(0), recorder), sc


def test_engine_applies_and_repairs_strikes_and_seasons_on_the_network() -> None:
    m = supply_line_mapping(horizon_days=100)
    m["disruptions"] = {
        "scheduled": [
            {"target": "PRZ", "start_day": 10.0, "duration_days": 7.0, "capacity_factor": 0.0},
            {"target": "PRZ", "start_day": 12.0, "duration_days": 2.0, "capacity_factor": 0.5},
        ],
        "seasons": [
            {
                "name": "mud",
                "start_day_of_year": 60,
                "end_day_of_year": 70,
                "modes": ["road"],
                "capacity_factor": 0.7,
            },
        ],
    }
    env, net, sc = _network(m)
    engine = DisruptionEngine(env, sc, net, np.random.default_rng(0), Recorder(100))
    seen = {}
    for t in (0.5, 10.5, 12.5, 14.5, 17.5, 11.5):
        if t < env.now:
            continue
        env.run(until=t)
        seen[t] = (net.factor("PRZ"), net.factor("mode:road"), net.factor("L_RZE_W_ROAD"))
    assert seen[0.5] == (1.0, 0.7, 0.7)  # 1 March = day of year 60
    assert seen[10.5] == (0.0, 0.7, 0.7)
    assert seen[12.5] == (0.0, 1.0, 1.0)  # mud ended after 11 March; two strikes multiply
    assert seen[14.5] == (0.0, 1.0, 1.0)
    assert seen[17.5] == (1.0, 1.0, 1.0)  # repaired after 7 days
    engine.finish()


def _gauge_strike(start: float, days: float) -> dict[str, Any]:
    return {"scheduled": [{"target": "PRZ", "start_day": start, "duration_days": days,
                           "capacity_factor": 0.0, "assumption": "t"}]}  # fmt: skip


def test_seven_day_strike_on_the_gauge_change_lowers_forward_supply_then_recovers() -> None:
    """Every train crosses PRZ: closing it for 7 days draws the depots down; repair restores."""
    quiet = run_replication(build_scenario(supply_line_mapping(150, 4)), ALLOCATION, 4, 0).daily
    assert series(quiet, "shortfall_t").sum() == 0.0  # four trains keep up without strikes
    m = supply_line_mapping(150, 4)
    m["disruptions"] = _gauge_strike(60.0, 7.0)
    struck = run_replication(build_scenario(m), ALLOCATION, 4, 0).daily
    assert run_value(struck, "strikes", node="PRZ") == 1
    for sector in ("west", "east"):
        dos_quiet = series(quiet, "days_of_supply", sector=sector, supply_class="III")
        dos_struck = series(struck, "days_of_supply", sector=sector, supply_class="III")
        assert (dos_struck.loc[:59] == dos_quiet.loc[:59]).all()  # same seed, same past
        assert dos_struck.loc[60:70].min() == 0.0  # a stock-out the quiet run never has
        stock_quiet = series(quiet, "stock_t", sector=sector).loc[63:67].mean()
        assert series(struck, "stock_t", sector=sector).loc[63:67].mean() < 0.8 * stock_quiet
        assert series(struck, "shortfall_t", sector=sector).loc[80:].sum() == 0.0  # recovered
        assert dos_struck.loc[100:].mean() == pytest.approx(dos_quiet.loc[100:].mean(), rel=0.3)
    # no arrivals at PRZ while closed: queued trains are handled after the repair
    arrivals = series(struck, "node_capacity_factor", node="PRZ")
    assert (arrivals.loc[60:65] == 0.0).all() and arrivals.loc[67:].min() == 1.0


def test_air_defence_off_brings_more_strikes_and_more_stockouts_with_crn() -> None:
    """Random closures of the gauge change: without US air defence, more and longer stock-outs."""

    def run(air_defence: bool, rep: int) -> tuple[float, float]:
        m = supply_line_mapping(horizon_days=365)
        m["disruptions"] = {
            "random": [{"targets": ["PRZ"], "rate_per_year": 4.0, "capacity_factor": 0.0,
                        "duration_days": {"kind": "uniform", "low": 4.0, "high": 10.0}}]
        }  # fmt: skip
        m["us_enablers"] = {
            "air_defence": {"enabled": air_defence, "strike_rate_factor_when_off": 3.0}
        }
        daily = run_replication(build_scenario(m), ALLOCATION, 21, rep).daily
        short = series(daily, "shortfall_t")
        return run_value(daily, "strikes"), float((short > 0).mean())

    strikes_on, strikes_off, stockout_on, stockout_off = [], [], [], []
    for rep in range(6):
        s_on, p_on = run(True, rep)
        s_off, p_off = run(False, rep)
        assert s_off >= s_on  # CRN: the strikes with air defence on are among those without
        strikes_on.append(s_on)
        strikes_off.append(s_off)
        stockout_on.append(p_on)
        stockout_off.append(p_off)
    assert sum(strikes_off) > 2 * sum(strikes_on)
    assert np.mean(stockout_off) > np.mean(stockout_on)
    assert sum(a >= b for a, b in zip(stockout_off, stockout_on, strict=True)) >= 5


def _two_crossings(policy: InTransitPolicy) -> tuple[simpy.Environment, SustainmentEngine, Any]:
    """Supply line with a second gauge change PRZ2 beside PRZ (slightly slower)."""
    m = supply_line_mapping(horizon_days=30)
    m["sustainment"]["fleets"] = []
    m["disruptions"] = {"in_transit_policy": policy.value}
    m["network"]["nodes"].append(
        {"id": "PRZ2", "name": "Second gauge change", "kind": "transshipment", "country": "POL",
         "lat": 49.7, "lon": 22.7, "servers": 1, "handling_days": 0.5, "assumption": "t"}
    )  # fmt: skip
    m["network"]["links"] += [
        {"id": "L_RH_PRZ2", "from_node": "RH", "to_node": "PRZ2", "mode": "rail",
         "distance_km": 150.0, "speed_kph": 20.0, "assumption": "t"},
        {"id": "L_PRZ2_W", "from_node": "PRZ2", "to_node": "DEPOT_W", "mode": "rail",
         "distance_km": 120.0, "speed_kph": 20.0, "assumption": "t"},
    ]  # fmt: skip
    for node in m["network"]["nodes"]:
        if node["id"] == "PRZ":
            node["handling_days"] = 0.5
    sc = build_scenario(m)
    env = simpy.Environment()
    model = build_model(env, sc, ALLOCATION, subsystem_rngs(1, 0), Recorder(sc.horizon_days))
    engine = next(s for s in model.subsystems if isinstance(s, SustainmentEngine))
    return env, engine, sc


@pytest.mark.parametrize("policy", list(InTransitPolicy))
def test_shipment_under_way_waits_or_reroutes_around_a_struck_crossing(
    policy: InTransitPolicy,
) -> None:
    from logistics_sim.distributions import Fixed
    from logistics_sim.scenario import Fleet

    env, engine, _ = _two_crossings(policy)
    net = engine.network
    route = net.route("RH", "DEPOT_W", (Mode.rail,))
    assert route is not None and route.nodes == ("RH", "PRZ", "DEPOT_W")
    fleet = Fleet(id="f", mode=Mode.rail, count=1, payload_t=100.0, speed_kph=20.0, base_node="RH")
    result: dict[str, Any] = {}
    west_i = engine.depots.index[("west", "I")]

    def shipment() -> Any:
        yield env.timeout(0.05)  # leaves RH after PRZ has closed
        engine.depots.in_transit_t[west_i] += 100.0
        outcome = yield from engine.deliver(Load("west", (("I", 100.0),)), route, fleet, Fixed(0))
        result["outcome"], result["t"] = outcome, env.now

    def strike() -> Any:  # PRZ closes at t = 0 for 5 days
        net.set_factor("PRZ", "strike:test", 0.0)
        yield env.timeout(5.0)
        net.set_factor("PRZ", "strike:test", 1.0)

    env.process(shipment())
    env.process(strike())
    env.run(until=2.0)
    if policy is InTransitPolicy.reroute:  # via PRZ2: 150 + 120 km at 20 kph + 0.5 d, no wait
        assert result["outcome"].arrived and result["outcome"].wait_days == 0.0
        assert result["t"] == pytest.approx(0.05 + 270 / 20 / 24 + 0.5)
    else:  # waits at PRZ until the repair at t = 5, then 0.5 d handling and 90 km
        assert "outcome" not in result
        env.run(until=6.0)
        assert result["outcome"].arrived
        assert result["t"] == pytest.approx(5.0 + 0.5 + 90 / 20 / 24)
        assert result["outcome"].wait_days == pytest.approx(5.0 - 0.05 - 120 / 20 / 24)
    assert engine.depots.in_transit_t[west_i] == pytest.approx(0.0)
    assert engine.depots.delivered_total_t[west_i] == pytest.approx(100.0)


def test_strike_rate_is_per_year() -> None:
    assert DAYS_PER_YEAR == 365.25
