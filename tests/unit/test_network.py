"""LOC network: routes and node queues against hand timelines, factors, MOG, reroute."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from logistics_sim import Scenario, load_scenario
from logistics_sim.engine.network import LocNetwork, MoveOutcome
from logistics_sim.engine.recording import Recorder
from logistics_sim.rules.routes import planned_route
from logistics_sim.scenario import InTransitPolicy, Mode

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny.yaml"
DAY = 24.0
Move = tuple[str, str, set[Mode], dict[str, Any]]


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario(TINY)


def with_nodes(scenario: Scenario, **changes: dict[str, Any]) -> Scenario:
    """The scenario with some nodes' fields replaced (re-validated)."""
    data = scenario.model_dump()
    for node in data["network"]["nodes"]:
        node.update(changes.get(node["id"], {}))
    return Scenario.model_validate(data)


def run_moves(
    scenario: Scenario,
    moves: list[tuple[str, str, set[Mode], dict[str, Any]]],
    *,
    days: int = 20,
    actions: list[tuple[float, str, str, float]] = (),  # type: ignore[assignment]
) -> tuple[list[MoveOutcome], Recorder]:
    """Start movements at t=0, apply (time, target, cause, factor) actions, record each day."""
    env = simpy.Environment()
    rec = Recorder(days)
    net = LocNetwork(env, scenario, np.random.default_rng(0), rec)

    def act() -> Any:
        for t, target, cause, factor in actions:
            if t > env.now:
                yield env.timeout(t - env.now)
            net.set_factor(target, cause, factor)

    env.process(act())  # started first, so a closure at t=0 precedes the departures
    procs = []
    for origin, dest, modes, kw in moves:
        route = net.route(origin, dest, modes)
        assert route is not None
        procs.append(env.process(net.move(route, **kw)))

    def tick() -> Any:
        for d in range(days):
            yield env.timeout(1)
            net.record_day(d)

    env.process(tick())
    env.run(until=days + 0.5)
    return [outcome_of(p) for p in procs], rec


def outcome_of(process: simpy.Process) -> MoveOutcome:
    """The MoveOutcome a finished movement process returned."""
    outcome = process.value
    assert isinstance(outcome, MoveOutcome)
    return outcome


def test_planned_route_personnel_by_air_then_road(tiny: Scenario) -> None:
    route = planned_route(tiny, "HOME_GBR", "DEPOT_W", {Mode.air, Mode.road})
    assert route is not None
    assert route.nodes == ("HOME_GBR", "RZE", "DEPOT_W")
    assert route.links == ("L_GBR_RZE_AIR", "L_RZE_W_ROAD")
    # 1700 km at 700 kph + 0.1 d handling at RZE + 180 km at 40 kph
    assert route.planned_days == pytest.approx(1700 / (700 * DAY) + 0.1 + 180 / (40 * DAY))


def test_planned_route_equipment_by_rail_through_gauge_change(tiny: Scenario) -> None:
    route = planned_route(tiny, "HOME_GBR", "DEPOT_E", {Mode.rail})
    assert route is not None
    assert route.nodes == ("HOME_GBR", "PRZ", "DEPOT_E")
    # 2000 km at 12 kph + mean 0.5 d handling at PRZ + 600 km at 20 kph
    assert route.planned_days == pytest.approx(2000 / (12 * DAY) + 0.5 + 600 / (20 * DAY))


def test_no_route_by_missing_mode_and_never_through_a_home_node(tiny: Scenario) -> None:
    assert planned_route(tiny, "HOME_GBR", "DEPOT_W", {Mode.sea}) is None
    # air and rail join RZE and PRZ only through a home base (RZE -air- HOME_GBR -rail- PRZ)
    assert planned_route(tiny, "RZE", "PRZ", {Mode.air, Mode.rail}) is None
    # a home base may be the origin or the destination
    assert planned_route(tiny, "HOME_GBR", "HOME_FRA", {Mode.rail}) is not None
    same = planned_route(tiny, "PRZ", "PRZ", {Mode.rail})
    assert same is not None and same.links == () and same.planned_days == 0.0


def test_single_server_queue_matches_hand_timeline(tiny: Scenario) -> None:
    sc = with_nodes(tiny, PRZ={"servers": 1, "handling_days": 1.0})
    rail = 2000 / (12 * DAY)  # 6.944 d to PRZ
    onward = 90 / (20 * DAY)  # 0.1875 d PRZ -> DEPOT_W
    moves: list[Move] = [("HOME_GBR", "DEPOT_W", {Mode.rail}, {}) for _ in range(3)]
    outcomes, rec = run_moves(sc, moves)
    # served one after another: finish at rail + 1, + 2, + 3 days; waits 0, 1, 2
    assert [o.arrived for o in outcomes] == [True, True, True]
    assert [o.days for o in outcomes] == pytest.approx([rail + k + onward for k in (1, 2, 3)])
    assert [o.wait_days for o in outcomes] == pytest.approx([0.0, 1.0, 2.0])
    df = rec.frame(0)
    prz = df[df["node"] == "PRZ"].set_index(["metric", "day"])["value"]
    frac = 7 - rail  # busy part of day 6
    assert prz["node_arrivals", 6] == 3
    assert prz["node_utilisation", 6] == pytest.approx(frac)
    assert prz["node_utilisation", 7] == pytest.approx(1.0)
    assert prz["node_queue_length", 6] == pytest.approx(2 * frac)
    assert prz["node_wait_days", 7] == pytest.approx(1.0)
    assert prz["node_wait_days", 8] == pytest.approx(2.0)
    assert math.isnan(prz["node_wait_days", 12])
    # time-weighted integrals are exact: queue area = total wait, busy area = total service
    assert prz.loc["node_queue_length"].sum() == pytest.approx(3.0)
    assert prz.loc["node_utilisation"].sum() == pytest.approx(3.0)
    assert (prz.loc["node_capacity_factor"] == 1.0).all()


def test_priority_serves_lower_number_first(tiny: Scenario) -> None:
    sc = with_nodes(tiny, PRZ={"servers": 1, "handling_days": 1.0})
    moves: list[Move] = [("HOME_GBR", "DEPOT_W", {Mode.rail}, {"priority": 1}) for _ in range(3)]
    moves.append(("HOME_GBR", "DEPOT_W", {Mode.rail}, {"priority": 0}))
    outcomes, _ = run_moves(sc, moves)
    # the first holds the server; the priority-0 movement goes next despite arriving last
    assert outcomes[3].wait_days == pytest.approx(1.0)
    assert sorted(o.wait_days for o in outcomes[1:3]) == pytest.approx([2.0, 3.0])


def test_air_hub_diverts_beyond_max_on_ground(tiny: Scenario) -> None:
    sc = with_nodes(tiny, RZE={"servers": 1, "handling_days": 1.0, "max_on_ground": 3})
    moves: list[Move] = [("HOME_GBR", "DEPOT_W", {Mode.air, Mode.road}, {}) for _ in range(5)]
    outcomes, _ = run_moves(sc, moves)
    assert [o.arrived for o in outcomes] == [True, True, True, False, False]
    assert outcomes[3].days == pytest.approx(1700 / (700 * DAY))


def test_closed_link_holds_movement_until_reopened(tiny: Scenario) -> None:
    moves: list[Move] = [("RZE", "DEPOT_W", {Mode.road}, {})]
    outcomes, _ = run_moves(
        tiny,
        moves,
        actions=[(0.0, "L_RZE_W_ROAD", "strike", 0.0), (3.0, "L_RZE_W_ROAD", "strike", 1.0)],
    )
    assert outcomes[0].days == pytest.approx(3.0 + 180 / (40 * DAY))
    assert outcomes[0].wait_days == pytest.approx(3.0)


def test_factors_multiply_and_slow_transit(tiny: Scenario) -> None:
    env = simpy.Environment()
    net = LocNetwork(env, tiny, np.random.default_rng(0), Recorder(1))
    net.set_factor("L_RZE_W_ROAD", "strike", 0.5)
    net.set_factor("mode:road", "mud", 0.5)
    assert net.factor("L_RZE_W_ROAD") == pytest.approx(0.25)
    assert net.factor("mode:road") == 0.5
    net.set_factor("L_RZE_W_ROAD", "strike", 1.0)
    assert net.factor("L_RZE_W_ROAD") == pytest.approx(0.5)
    with pytest.raises(KeyError):
        net.set_factor("NOWHERE", "x", 0.5)
    route = net.route("RZE", "DEPOT_W", {Mode.road})
    assert route is not None
    proc = env.process(net.move(route))
    env.run()
    assert outcome_of(proc).days == pytest.approx(2 * 180 / (40 * DAY))  # mud halves speed


def test_reroute_goes_around_closed_link_and_wait_does_not(tiny: Scenario) -> None:
    sc = with_nodes(tiny, PRZ={"handling_days": 0.5})
    modes = {Mode.road, Mode.rail}
    closure = [(0.0, "L_W_E_ROAD", "strike", 0.0), (10.0, "L_W_E_ROAD", "strike", 1.0)]
    waited, _ = run_moves(sc, [("RZE", "DEPOT_E", modes, {})], actions=closure)
    rerouted, _ = run_moves(
        sc,
        [
            (
                "RZE",
                "DEPOT_E",
                modes,
                {"in_transit_policy": InTransitPolicy.reroute, "modes": modes},
            )
        ],
        actions=closure,
    )
    road = 180 / (40 * DAY)
    assert waited[0].days == pytest.approx(10.0 + 540 / (40 * DAY))
    # at DEPOT_W it re-plans: rail back to PRZ, handling 0.5, rail to DEPOT_E
    assert rerouted[0].days == pytest.approx(road + 90 / (20 * DAY) + 0.5 + 600 / (20 * DAY))
    assert rerouted[0].arrived


def test_random_transit_variation_uses_rng(tiny: Scenario) -> None:
    data = tiny.model_dump()
    for link in data["network"]["links"]:
        link["transit_variation"] = {"kind": "uniform", "low": 0.5, "high": 1.5}
    sc = Scenario.model_validate(data)

    def days(seed: int) -> float:
        env = simpy.Environment()
        net = LocNetwork(env, sc, np.random.default_rng(seed), Recorder(1))
        route = net.route("RZE", "DEPOT_W", {Mode.road})
        assert route is not None
        proc = env.process(net.move(route))
        env.run()
        return float(outcome_of(proc).days)

    assert days(1) == days(1)
    assert days(1) != days(2)
    assert 0.5 * road_days() <= days(3) <= 1.5 * road_days()


def road_days() -> float:
    return 180 / (40 * DAY)


def test_node_queue_matches_mm1_theory(tiny: Scenario) -> None:
    """Poisson movements (1.5/day) into one server with exponential handling (mean 0.5 d).

    M/M/1 with rho = 0.75: mean wait Wq = rho / (mu - lambda) = 1.5 d, utilisation 0.75 and,
    by Little's law, mean queue Lq = lambda Wq = 2.25. Batch means give the interval.
    """
    sc = with_nodes(tiny, PRZ={"servers": 1, "handling_days": {"kind": "exponential", "mean": 0.5}})
    env = simpy.Environment()
    horizon = 12000
    rec = Recorder(horizon)
    net = LocNetwork(env, sc, np.random.default_rng(42), rec)
    route = net.route("RZE", "PRZ", {Mode.road})
    assert route is not None
    arrivals_rng = np.random.default_rng(7)
    waits: list[tuple[float, float]] = []

    def one(start: float) -> Any:
        outcome = yield from net.move(route)
        waits.append((start, outcome.wait_days))

    def source() -> Any:
        while True:
            yield env.timeout(arrivals_rng.exponential(1 / 1.5))
            env.process(one(env.now))

    def tick() -> Any:
        for d in range(horizon):
            yield env.timeout(1)
            net.record_day(d)

    env.process(source())
    env.process(tick())
    env.run(until=horizon + 0.5)
    warm = 500.0
    kept = np.array([w for t, w in waits if t >= warm])
    batches = np.array([b.mean() for b in np.array_split(kept, 30)])
    half = 3.0 * batches.std(ddof=1) / np.sqrt(len(batches))
    assert abs(kept.mean() - 1.5) <= half, (kept.mean(), half)
    assert 0 < half < 0.3  # the interval is informative
    df = rec.frame(0)
    prz = df[(df["node"] == "PRZ") & (df["day"] >= warm)]
    util = prz[prz["metric"] == "node_utilisation"]["value"].to_numpy()
    queue = prz[prz["metric"] == "node_queue_length"]["value"].to_numpy()
    assert util.mean() == pytest.approx(0.75, abs=0.03)
    assert queue.mean() == pytest.approx(1.5 * kept.mean(), rel=0.05)  # Little's law


@settings(max_examples=30, deadline=None)
@given(
    closures=st.lists(
        st.tuples(
            st.sampled_from(
                ["PRZ", "RZE", "L_RZE_W_ROAD", "L_PRZ_W_RAIL", "mode:road", "mode:rail"]
            ),
            st.floats(0, 20),
            st.floats(0.1, 10),
            st.sampled_from([0.0, 0.25, 0.5]),
        ),
        max_size=6,
    ),
    policy=st.sampled_from(list(InTransitPolicy)),
    n_moves=st.integers(1, 6),
)
def test_every_movement_arrives_no_faster_than_planned(
    tiny: Scenario,
    closures: list[tuple[str, float, float, float]],
    policy: InTransitPolicy,
    n_moves: int,
) -> None:
    """Under any closures that end, every movement arrives, no sooner than its planned time.

    Fixed handling and transit (capacity factors only slow things down); waits are never
    negative and never exceed the elapsed time.
    """
    sc = with_nodes(tiny, PRZ={"handling_days": 0.5})
    actions: list[tuple[float, str, str, float]] = []
    for i, (target, start, length, factor) in enumerate(closures):
        actions += [(start, target, f"c{i}", factor), (start + length, target, f"c{i}", 1.0)]
    actions.sort(key=lambda a: a[0])
    modes = {Mode.road, Mode.rail, Mode.air}
    moves: list[Move] = [
        ("HOME_GBR", "DEPOT_E", modes, {"in_transit_policy": policy, "modes": modes})
        for _ in range(n_moves)
    ]
    outcomes, _ = run_moves(sc, moves, days=200, actions=actions)
    planned = planned_route(sc, "HOME_GBR", "DEPOT_E", modes)
    assert planned is not None
    for outcome in outcomes:
        assert outcome.arrived
        assert outcome.days >= planned.planned_days - 1e-9
        assert 0 <= outcome.wait_days <= outcome.days + 1e-9
