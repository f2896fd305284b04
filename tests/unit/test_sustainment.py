"""Sustainment: planning-factor demand, stock policy, dispatch rule, depots, fleets, Erlang C."""

from __future__ import annotations

import csv
import math
from collections.abc import Generator
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
import simpy
from scipy import stats

from logistics_sim import load_scenario
from logistics_sim.distributions import Fixed
from logistics_sim.engine.model import build_model, run_replication, subsystem_rngs
from logistics_sim.engine.recording import Recorder
from logistics_sim.engine.sustainment import (
    DepotClassState,
    DepotStocks,
    HubStocks,
    Load,
    SustainmentEngine,
    days_of_supply,
    demand_rates_t_per_day,
    order_need_t,
    plan_load,
    split_storage_t,
)
from logistics_sim.scenario import Fleet, Mode, StockPolicy
from testsupport.scenarios import build_scenario
from testsupport.supply_line import ALLOCATION, run_value, series, supply_line, supply_line_mapping

ROOT = Path(__file__).resolve().parents[2]
POLICY = StockPolicy(
    initial_days_of_supply=10.0, reorder_point_days=5.0, order_up_to_days=10.0, assumption="t"
)


def _factors() -> dict[str, dict[str, str]]:
    with open(ROOT / "scenarios" / "data" / "planning_factors.csv", encoding="utf-8") as f:
        return {row["factor_id"]: row for row in csv.DictReader(f)}


# -- demand arithmetic --------------------------------------------------------------------------


def test_demand_is_planning_factor_times_strength_times_modifier() -> None:
    sc = supply_line()
    kg = {
        row: float(_factors()[row]["value_kg_per_person_day"])
        for row in ("CL1_UMU", "CL3B_IRAQ2004_GROUND", "CL3P", "CL5_LOW")
    }
    pax = {("west", "mech_inf"): 1200, ("west", "artillery"): 400, ("east", "mech_inf"): 600}
    rates = demand_rates_t_per_day(sc, pax)
    # class I: no modifier; III: mech_inf x1.2; V: artillery x2.0 (tiny.yaml)
    assert rates[("west", "I")] == pytest.approx(1600 * kg["CL1_UMU"] / 1000)
    fuel = kg["CL3B_IRAQ2004_GROUND"] + kg["CL3P"]
    assert rates[("west", "III")] == pytest.approx((1200 * 1.2 + 400) * fuel / 1000)
    assert rates[("west", "V")] == pytest.approx((1200 + 400 * 2.0) * kg["CL5_LOW"] / 1000)
    assert rates[("east", "III")] == pytest.approx(600 * 1.2 * fuel / 1000)
    assert rates[("east", "V")] == pytest.approx(600 * kg["CL5_LOW"] / 1000)


def test_baseline_full_strength_demand_is_the_5814_t_planning_figure() -> None:
    """150,000 pax at the baseline capability mix: moved demand within 1% of the table's 5,814."""
    sc = load_scenario(ROOT / "scenarios" / "ukraine_reassurance_150k.yaml")
    pax = {
        ("north", c.id): c.personnel_per_unit_pax * c.required_units for c in sc.force.capabilities
    }
    assert sum(pax.values()) == 150_000
    rates = demand_rates_t_per_day(sc, pax)
    moved = {c.id for c in sc.sustainment.supply_classes if c.moved}
    moved_t = math.fsum(t for (_, c), t in rates.items() if c in moved)
    table_t = float(_factors()["FORCE150K_LOW_EXCL_WATER"]["value"])
    assert moved_t == pytest.approx(table_t, rel=0.01)
    water_t = rates[("north", "water")]
    assert water_t == pytest.approx(150_000 * 24.61 / 1000)


def test_engine_demand_follows_live_deployed_strength_exactly() -> None:
    """Variation off: every day's demand_t = kg x that day's deployed pax x modifier."""
    sc = supply_line(horizon_days=90)
    daily = run_replication(sc, ALLOCATION, 3, 0).daily
    pax = (
        daily[(daily["metric"] == "deployed_pax") & (daily["day"] >= 0)]
        .groupby(["day", "sector", "capability"])["value"]
        .sum()
    )
    demand = daily[(daily["metric"] == "demand_t") & (daily["day"] >= 0)]
    assert len(demand) == 90 * 2 * 3
    for day in (0, 37, 61, 89):
        rows = [(cast(tuple[int, str, str], key), float(v)) for key, v in pax.items()]
        by_cap = {(k[1], k[2]): v for k, v in rows if k[0] == day}
        expected = demand_rates_t_per_day(sc, by_cap)
        got = demand[demand["day"] == day].set_index(["sector", "supply_class"])["value"]
        for key, value in expected.items():
            assert got[key] == pytest.approx(value, rel=1e-12)
    # reliefs in place raise the demand above the steady 3,200 pax for some days
    total_pax = pax.groupby(level="day").sum()
    assert total_pax.max() > 3200 and total_pax.min() == 3200


def test_demand_variation_is_one_draw_per_sector_class_day_with_mean_one() -> None:
    m = supply_line_mapping(horizon_days=200)
    m["sustainment"]["demand_variation"] = {"kind": "lognormal", "mean": 1.0, "cv": 0.2}
    daily = run_replication(build_scenario(m), ALLOCATION, 5, 0).daily
    fixed = run_replication(supply_line(horizon_days=200), ALLOCATION, 5, 0).daily
    ratio = (series(daily, "demand_t", sector="west", supply_class="I") /
             series(fixed, "demand_t", sector="west", supply_class="I"))  # fmt: skip
    assert ratio.nunique() == 200  # a fresh draw every day
    assert ratio.mean() == pytest.approx(1.0, abs=3 * 0.2 / math.sqrt(200))
    assert ratio.std() == pytest.approx(0.2, rel=0.25)


def test_demand_in_lots_is_whole_lots_of_the_rate_poisson_with_mean_one_over_lot_days() -> None:
    """demand_lot_days 0.25: each day's draw is lot_t = 0.25 x rate times a Poisson(4) count."""
    m = supply_line_mapping(horizon_days=300)
    m["sustainment"]["demand_lot_days"] = 0.25
    daily = run_replication(build_scenario(m), ALLOCATION, 5, 0).daily
    where = {"sector": "west", "supply_class": "I"}
    # the day's rate from the end-of-day stock and its days of supply (stock > 0 days only)
    rate = series(daily, "stock_t", **where) / series(daily, "days_of_supply", **where)
    lots = (series(daily, "demand_t", **where) / (0.25 * rate)).dropna()
    assert len(lots) > 250
    assert np.allclose(lots, lots.round(), atol=1e-9)  # whole lots, every day
    assert lots.mean() == pytest.approx(4.0, abs=3 * 2.0 / math.sqrt(300))
    assert lots.var() == pytest.approx(4.0, rel=0.25)  # Poisson: variance = mean


# -- stock policy and the dispatch rule --------------------------------------------------------


def _state(sector: str, cls: str, dos: float, rate: float = 10.0, **kw: float) -> DepotClassState:
    return DepotClassState(
        sector,
        cls,
        position_t=dos * rate,
        rate_t_per_day=rate,
        capacity_t=kw.get("capacity_t", math.inf),
        available_t=kw.get("available_t", math.inf),
    )


def test_dispatch_picks_the_most_depleted_pair_below_reorder_and_tops_up_its_depot() -> None:
    states = [
        _state("west", "I", 4.0),  # below 5 days
        _state("west", "III", 8.0, rate=100.0),  # above the reorder point, below order-up-to
        _state("west", "V", 9.5),
        _state("east", "I", 2.0),  # most depleted
        _state("east", "III", 7.0, rate=100.0),
        _state("east", "V", 3.0),
    ]
    load = plan_load(states, POLICY, payload_t=500.0)
    assert load is not None and load.sector == "east"
    cargo = dict(load.tonnes_by_class)
    # east I up to 10 days (80 t), then east V (3 days, 70 t), then east III with what is left
    assert list(cargo) == ["I", "V", "III"]
    assert cargo["I"] == pytest.approx(80.0)
    assert cargo["V"] == pytest.approx(70.0)
    assert cargo["III"] == pytest.approx(300.0)  # needs 300 t, gets exactly the rest: 500 - 150
    assert load.total_t == pytest.approx(450.0)  # east has no more need: 50 t stay unused


def test_dispatch_respects_payload_capacity_and_base_stock() -> None:
    assert plan_load([_state("w", "I", 1.0)], POLICY, payload_t=30.0) == Load("w", (("I", 30.0),))
    # capacity 60 t: the position (10 t) can only rise to 60 t, not to 10 days (100 t)
    capped = plan_load([_state("w", "I", 1.0, capacity_t=60.0)], POLICY, payload_t=1000.0)
    assert capped == Load("w", (("I", 50.0),))
    short = plan_load([_state("w", "I", 1.0, available_t=12.5)], POLICY, payload_t=1000.0)
    assert short == Load("w", (("I", 12.5),))
    # nothing at the base, nothing below the reorder point, nobody consuming: no trip
    assert plan_load([_state("w", "I", 1.0, available_t=0.0)], POLICY, 100.0) is None
    assert plan_load([_state("w", "I", 5.0)], POLICY, 100.0) is None
    assert plan_load([_state("w", "I", 0.0, rate=0.0)], POLICY, 100.0) is None


def test_fixed_lot_policy_orders_the_fewest_whole_lots_that_reach_the_reorder_point() -> None:
    """(r, nQ): r = 5 days, Q = 2 days of a 10 t/day rate (20 t lots)."""
    lots = POLICY.model_copy(update={"order_quantity_days": 2.0})
    assert order_need_t(49.0, 10.0, math.inf, lots) == 20.0  # 1 t short of r: one lot
    assert order_need_t(10.0, 10.0, math.inf, lots) == 40.0  # 40 t short: exactly two lots
    assert order_need_t(5.0, 10.0, math.inf, lots) == 60.0  # 45 t short: three lots
    assert order_need_t(50.0, 10.0, math.inf, lots) == 0.0  # at r: nothing
    assert order_need_t(5.0, 10.0, 30.0, lots) == 25.0  # never beyond the depot's room
    assert order_need_t(45.0, 10.0, math.inf, POLICY) == 55.0  # order-up-to: the gap to 10 days
    # the dispatch rule's top-up asks nothing of a class above its reorder point under lots
    load = plan_load([_state("w", "I", 1.0), _state("w", "V", 6.0)], lots, payload_t=1000.0)
    assert load == Load("w", (("I", 40.0),))


def test_storage_split_and_days_of_supply() -> None:
    assert split_storage_t(900.0, {"a": 1.0, "b": 2.0}) == {"a": 300.0, "b": 600.0}
    assert split_storage_t(900.0, {"a": 0.0, "b": 0.0}) == {"a": 450.0, "b": 450.0}
    assert split_storage_t(None, {"a": 1.0}) == {"a": math.inf}
    assert days_of_supply(50.0, 10.0) == 5.0
    assert math.isnan(days_of_supply(50.0, 0.0))


# -- depots and fleets in the model ------------------------------------------------------------


def test_without_fleets_stock_runs_down_to_zero_and_the_rest_is_shortfall() -> None:
    m = supply_line_mapping(horizon_days=40)
    m["sustainment"]["fleets"] = []
    daily = run_replication(build_scenario(m), ALLOCATION, 1, 0).daily
    for sector in ("west", "east"):
        stock = series(daily, "stock_t", sector=sector, supply_class="III")
        demand = series(daily, "demand_t", sector=sector, supply_class="III")
        consumed = series(daily, "consumed_t", sector=sector, supply_class="III")
        shortfall = series(daily, "shortfall_t", sector=sector, supply_class="III")
        initial = run_value(daily, "initial_stock_t", sector=sector, supply_class="III")
        assert (stock >= 0).all() and stock.iloc[-1] == 0.0
        assert consumed.sum() == pytest.approx(initial)  # the initial stock, then nothing
        assert (consumed + shortfall).to_numpy() == pytest.approx(demand.to_numpy())
        drawn = demand.cumsum()
        assert (shortfall[drawn <= initial] == 0).all()
        exhausted = drawn.shift(1, fill_value=0.0) >= initial
        assert exhausted.sum() > 20
        assert shortfall[exhausted].to_numpy() == pytest.approx(demand[exhausted].to_numpy())
    assert series(daily, "delivered_t").sum() == 0.0


def test_fleet_keeps_depots_supplied_and_stock_within_storage() -> None:
    sc = supply_line(horizon_days=120)
    daily = run_replication(sc, ALLOCATION, 2, 0).daily
    assert series(daily, "shortfall_t").sum() == 0.0
    assert series(daily, "delivered_t").sum() > 0.5 * series(daily, "demand_t").sum()
    # 5,000 t per depot split over its classes: stock never exceeds the depot's storage
    for sector in ("west", "east"):
        assert series(daily, "stock_t", sector=sector).max() <= 5000.0 + 1e-6
    utilisation = series(daily, "fleet_utilisation", node="trains")
    assert 0.0 < utilisation.mean() < 1.0


def test_water_is_demand_met_in_theatre_never_shipped_or_stocked() -> None:
    m = supply_line_mapping(horizon_days=20)
    m["sustainment"]["supply_classes"].append(
        {"id": "water", "name": "Water", "kg_per_pax_day": {"low": 24.61}, "moved": False}
    )
    daily = run_replication(build_scenario(m), ALLOCATION, 1, 0).daily
    water = series(daily, "demand_t", supply_class="water")
    assert water.iloc[-1] == pytest.approx(3200 * 24.61 / 1000)
    assert (series(daily, "consumed_t", supply_class="water") == water).all()
    assert series(daily, "shortfall_t", supply_class="water").sum() == 0.0
    assert daily[(daily["metric"] == "stock_t") & (daily["supply_class"] == "water")].empty
    assert daily[(daily["metric"] == "shipped_t") & (daily["supply_class"] == "water")].empty


def test_the_quickest_free_fleet_serves_a_depot_whatever_the_fleet_order() -> None:
    """Two fleets at the same base on the same route; the one listed first loads and unloads
    in 2 days each, the other in 0.25: every load goes by the quicker one while it has free
    trains (six, against a few loads a week), so the slower fleet never moves."""
    m = supply_line_mapping(horizon_days=60, trains=6)
    slow = {**m["sustainment"]["fleets"][0], "id": "slow", "load_days": 2.0, "unload_days": 2.0}
    m["sustainment"]["fleets"].insert(0, slow)
    daily = run_replication(build_scenario(m), ALLOCATION, 3, 0).daily
    busy = daily[daily["metric"] == "fleet_utilisation"].groupby("node")["value"].sum()
    assert busy["trains"] > 0
    assert busy["slow"] == 0


def test_stock_lost_between_days_is_resupplied_at_once_not_at_the_next_day() -> None:
    """Proposals look only at stock keys noted as possibly below their reorder point; a strike
    that destroys most of a depot's stock in mid-day must note them, so a free train is sent
    for that depot the same instant (its tonnes go in transit), not at the next day's count."""
    env = simpy.Environment()
    scenario = supply_line(horizon_days=30, trains=8)  # enough trains for some to be free
    model = build_model(env, scenario, ALLOCATION, subsystem_rngs(1, 0), Recorder(30))
    engine = next(s for s in model.subsystems if isinstance(s, SustainmentEngine))
    env.run(until=10.5)
    west = [engine.depots.index[("west", c)] for c in engine.moved]
    assert (engine.depots.in_transit_t[west] == 0).all()  # nothing on its way to west yet
    assert any(fs.idle for fs in engine.fleets)
    engine.destroy_stock("DEPOT_W", 0.9)
    assert env.now == 10.5
    assert engine.depots.in_transit_t[west].sum() > 0


def test_us_enabler_fleet_exists_only_with_us_airlift() -> None:
    m = supply_line_mapping(horizon_days=10)
    m["sustainment"]["fleets"][0]["us_enabler"] = True
    on = run_replication(build_scenario(m), ALLOCATION, 1, 0).daily
    m["us_enablers"] = {"airlift": {"enabled": False}}
    off = run_replication(build_scenario(m), ALLOCATION, 1, 0).daily
    assert set(on[on["metric"] == "fleet_utilisation"]["node"]) == {"trains"}
    assert off[off["metric"] == "fleet_utilisation"].empty


def test_same_seed_same_frame() -> None:
    m = supply_line_mapping(horizon_days=60)
    m["sustainment"]["demand_variation"] = {"kind": "lognormal", "mean": 1.0, "cv": 0.3}
    sc = build_scenario(m)
    a = run_replication(sc, ALLOCATION, 9, 1).daily
    b = run_replication(sc, ALLOCATION, 9, 1).daily
    assert a.equals(b)


# -- Erlang C through the real gauge-change node -----------------------------------------------


def erlang_c_wait_days(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean queueing delay of M/M/c (Erlang C): P(wait) / (c mu - lambda)."""
    a = arrival_rate / service_rate
    rho = a / servers
    top = a**servers / math.factorial(servers) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)
    return p_wait / (servers * service_rate - arrival_rate)


def _poisson_deliveries(
    replication: int, arrival_rate: float, horizon_days: float, warmup_days: float
) -> tuple[list[float], int, float]:
    """Poisson loads delivered by the engine over RH2 -> XG -> DEPOT_W.

    ``XG`` is a gauge change with 2 servers and exponential handling (mean 0.5 d) that only this
    stream uses. Returns the XG waits of loads sent after the warm-up, the loads sent, and the
    arrivals the network counted at XG.
    """
    m = supply_line_mapping(horizon_days=int(horizon_days))
    m["sustainment"]["fleets"] = []
    for node in m["network"]["nodes"]:
        if node["id"].startswith("DEPOT"):
            node.pop("storage_t", None)
    m["network"]["nodes"] += [
        {"id": "RH2", "name": "Rear hub 2", "kind": "rear_hub", "country": "POL",
         "lat": 50.0, "lon": 21.5, "assumption": "test"},
        {"id": "XG", "name": "Gauge change", "kind": "transshipment", "country": "POL",
         "lat": 50.0, "lon": 22.5, "servers": 2,
         "handling_days": {"kind": "exponential", "mean": 0.5}, "assumption": "test"},
    ]  # fmt: skip
    m["network"]["links"] += [
        {"id": "L_RH2_XG", "from_node": "RH2", "to_node": "XG", "mode": "rail",
         "distance_km": 100.0, "speed_kph": 20.0, "assumption": "test"},
        {"id": "L_XG_W", "from_node": "XG", "to_node": "DEPOT_W", "mode": "rail",
         "distance_km": 5000.0, "speed_kph": 20.0, "assumption": "test: too long for others"},
    ]  # fmt: skip
    sc = build_scenario(m)
    env = simpy.Environment()
    recorder = Recorder(sc.horizon_days)
    model = build_model(env, sc, ALLOCATION, subsystem_rngs(11, replication), recorder)
    engine = next(s for s in model.subsystems if isinstance(s, SustainmentEngine))
    fleet = Fleet(
        id="poisson", mode=Mode.rail, count=1, payload_t=1.0, speed_kph=20.0, base_node="RH2"
    )
    route = model.network.route("RH2", "DEPOT_W", (Mode.rail,))
    assert route is not None and route.nodes == ("RH2", "XG", "DEPOT_W")
    arrivals = np.random.default_rng((11, replication, 7))
    waits: list[float] = []
    sent = 0

    def one(load: Load) -> Generator[simpy.Event, Any, None]:
        engine.depots.in_transit_t[engine.depots.index[("west", "I")]] += load.total_t
        start = env.now
        outcome = yield from engine.deliver(load, route, fleet, Fixed(0.0))
        assert outcome.arrived
        if start >= warmup_days:
            waits.append(outcome.wait_days)

    def source() -> Generator[simpy.Event, Any, None]:
        nonlocal sent
        while True:
            yield env.timeout(float(arrivals.exponential(1 / arrival_rate)))
            sent += 1
            env.process(one(Load("west", (("I", 1.0),))))

    env.process(source())
    env.run(until=horizon_days)
    frame = recorder.frame(replication)
    xg = frame[(frame["metric"] == "node_arrivals") & (frame["node"] == "XG")]["value"].sum()
    return waits, sent, float(xg)


@pytest.mark.validation
@pytest.mark.slow
def test_poisson_loads_through_two_server_gauge_change_match_erlang_c() -> None:
    """lambda = 3/day, c = 2, exponential 0.5 d handling (rho 0.75): Wq = 0.643 d in the CI."""
    lam, horizon, warmup = 3.0, 800.0, 50.0
    means = []
    for rep in range(20):
        waits, sent, xg = _poisson_deliveries(rep, lam, horizon, warmup)
        assert len(waits) > 0.9 * lam * (horizon - warmup)
        assert sent - 20 <= xg <= sent  # only these crossed XG (the last day is not recorded)
        means.append(float(np.mean(waits)))
    theory = erlang_c_wait_days(2, lam, 2.0)
    assert theory == pytest.approx(0.642857, rel=1e-5)
    sample = np.asarray(means)
    half = stats.t.ppf(0.995, len(sample) - 1) * sample.std(ddof=1) / math.sqrt(len(sample))
    assert abs(sample.mean() - theory) <= half, (sample.mean(), half, theory)
    # the interval is tight enough to discriminate (M/M/1 at rho 0.75 would wait 1.5 d)
    assert half < 0.25 * theory


def test_erlang_c_formula_hand_values() -> None:
    # M/M/1 special case: Wq = rho / (mu - lambda)
    assert erlang_c_wait_days(1, 1.0, 2.0) == pytest.approx(0.5 / 1.0)
    assert erlang_c_wait_days(2, 3.0, 2.0) == pytest.approx(9 / 14)


def test_depot_records_find_keys_below_reorder_point_and_days_of_supply() -> None:
    """Positions below the reorder point (never at rate 0); days of supply NaN at rate 0."""
    keys = [("west", "I"), ("west", "III"), ("east", "I")]
    depots = DepotStocks.build(keys, [100.0, 100.0, math.inf], [10.0, 40.0, 0.0])
    assert depots.index[("east", "I")] == 2 and depots.stock_t.tolist() == [10.0, 40.0, 0.0]
    depots.rate_t_per_day[:] = [5.0, 5.0, 0.0]
    depots.reorder_t[:] = [15.0, 15.0, 0.0]
    depots.in_transit_t[1] = 0.0
    assert depots.below_reorder_point().tolist() == [0]  # 10 < 15; 40 is not; rate 0 never
    depots.in_transit_t[0] = 5.0  # position 15: at the reorder point, not below
    assert depots.below_reorder_point().tolist() == []
    dos = depots.days_of_supply()
    assert dos[:2].tolist() == [2.0, 8.0] and math.isnan(dos[2])


def test_hub_records_national_source_is_never_short() -> None:
    hubs = HubStocks.build({("RH", "I"): 50.0})
    assert hubs.available_t("RH", "I") == 50.0
    assert hubs.available_t("HOME", "I") == math.inf  # not a hub: the national source
    assert hubs.capacity_t[0] > 50.0  # slack for float rounding
