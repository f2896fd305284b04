"""The air hub -> railhead tandem as a Jackson network (case 4) and Little's law (case 2).

The journey is the real ``LocNetwork.move`` over scenario routes (``scenarios/
tandem_air_rail.yaml``); feedback is two further ``move`` calls (railhead -> air hub by road,
air hub -> railhead again) taken with probability p after each railhead visit, so loads are
sent back exactly as a Jackson network routes them (Bernoulli, independent of the state).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import pytest

from logistics_sim.engine.network import LocNetwork, MoveOutcome
from testsupport.validation_cases import (
    StreamRun,
    interval,
    load_case,
    mmc_wait,
    report,
    route_of,
    run_stream,
)

pytestmark = [pytest.mark.validation, pytest.mark.slow]


def feedback_journey(case: dict[str, Any], p: float) -> Any:
    """A load's journey: in through the air hub to the railhead, then back with probability p.

    Each leg is one ``LocNetwork.move`` over a one-link route of the scenario, so the wait of
    each leg is the wait at the node at its head.
    """

    def journey(
        net: LocNetwork, rng: np.random.Generator, run: StreamRun
    ) -> Generator[Any, Any, MoveOutcome]:
        days = wait = 0.0
        legs = list(case["legs"])
        while legs:
            out = yield from run.leg(net, route_of(net, legs.pop(0)))
            days += out.days
            wait += out.wait_days
            if not legs and rng.random() < p:
                legs = list(case["feedback_legs"])
        return MoveOutcome(True, days, wait)

    return journey


def runs(p: float) -> tuple[dict[str, Any], list[StreamRun]]:
    scenario, case = load_case("tandem_air_rail")
    journey = feedback_journey(case, p)
    return case, [
        run_stream(scenario, case, rep, journey=journey) for rep in range(case["replications"])
    ]


@pytest.fixture(scope="module", params=[0.0, 0.2], ids=["no_feedback", "feedback"])
def tandem(request: pytest.FixtureRequest) -> tuple[float, dict[str, Any], list[StreamRun]]:
    p = request.param
    if p > 0:
        _, case = load_case("tandem_air_rail")
        p = case["feedback_share"]
    case, reps = runs(p)
    return p, case, reps


def test_case4_tandem_is_a_jackson_network(
    tandem: tuple[float, dict[str, Any], list[StreamRun]],
) -> None:
    """Case 4. Jackson (1957, *Operations Research* 5:518): with Poisson input, exponential
    servers and Bernoulli routing, each node behaves as an independent M/M/c with the
    throughput λ_i from the traffic equations. Here λ_i = λ/(1 − p) at both nodes (every load
    visits each node a geometric 1/(1 − p) times), so

    mean queue at node i    Lq_i = λ_i · Wq(c_i, λ_i, μ_i)   (Erlang C, case 1)
    mean total wait per load W   = (Wq_air + Wq_rail) / (1 − p).

    Road and air links are pure delays (infinite-server nodes, which do not change the product
    form). λ = 6/day; air hub c = 2, μ = 5; railhead c = 3, μ = 3; p = 0 and p = 0.2.
    """
    p, case, reps = tandem
    warm, stop = case["warmup_days"], case["arrivals_stop_day"]
    lam_i = case["arrival_rate_per_day"] / (1 - p)
    total = 0.0
    for key in ("air_hub", "railhead"):
        node = case[key]
        wq = mmc_wait(node["servers"], lam_i, node["service_rate_per_day"])
        total += wq
        lq = interval([r.node(node["node"], "node_queue_length", warm, stop).mean() for r in reps])
        print(report(f"case 4 p={p} {node['node']} Lq", lam_i * wq, lq))
        assert lq.contains(lam_i * wq), (node, lq)
        assert lq.half < 0.15 * lam_i * wq
    expected = total / (1 - p)
    ci = interval([np.mean([o.wait_days for o in r.kept(warm)]) for r in reps])  # < stop
    print(report(f"case 4 p={p} total wait per load (days)", expected, ci))
    assert ci.contains(expected), ci
    assert ci.half < 0.15 * expected


def test_case2_littles_law_on_every_node_and_the_pipeline(
    tandem: tuple[float, dict[str, Any], list[StreamRun]],
) -> None:
    """Case 2. Little's law L = λW (Little 1961, *Operations Research* 9:383; a sample-path
    identity, so it must hold within boundary effects in every replication):

    - each handling node, queue: time-average queue (``node_queue_length``, recorded by the
      node) = arrival rate (``node_arrivals``) × mean wait of the movements at that node
      (``MoveOutcome.wait_days`` of the one-link leg ending there), over the whole run; and
      the same from the daily frame alone, the daily ``node_wait_days`` weighted by
      ``node_service_starts``;
    - each node, servers: servers × ``node_utilisation`` = arrival rate × mean handling of
      the movements there (journey days − wait − link days);
    - the pipeline: time-average loads in the network = load arrival rate × mean journey days
      (``MoveOutcome.days``).

    All three use the engine's recorded metrics and outcomes. Arrivals stop 50 days before the
    end so every wait is complete and the network is empty at both ends; the identity is then
    exact, and L/(λW) must be 1 within 0.1 % in every replication.
    """
    p, case, reps = tandem
    for key in ("air_hub", "railhead"):
        node = case[key]
        name = node["node"]
        for r in reps:
            queue = r.node(name, "node_queue_length", 0)
            arrivals = r.node(name, "node_arrivals", 0)
            lam = arrivals.mean()
            w = np.mean(r.node_waits[name])
            assert queue.mean() == pytest.approx(lam * w, rel=0.001), (name, p)
            # the same identity from the daily frame alone: service starts weight the waits
            starts = r.node(name, "node_service_starts", 0)
            frame_w = np.nansum(r.node(name, "node_wait_days", 0) * starts) / starts.sum()
            assert starts.sum() == arrivals.sum(), (name, p)  # all served before the end
            assert queue.mean() == pytest.approx(starts.mean() * frame_w, rel=0.001), (name, p)
            busy = node["servers"] * r.node(name, "node_utilisation", 0).mean()
            handling = np.mean(r.node_handling[name])
            assert busy == pytest.approx(lam * handling, rel=0.001), (name, p)
    horizon = case["horizon_days"]
    ratios = []
    for r in reps:
        done = [o for t, o in r.outcomes]
        lam = len(r.outcomes) / horizon
        ratios.append((r.in_pipeline_area / horizon) / (lam * np.mean([o.days for o in done])))
    print(report(f"case 2 p={p} pipeline L/(λW)", 1.0, interval(ratios)))
    assert np.allclose(ratios, 1.0, rtol=0.001)
