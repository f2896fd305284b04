"""Node queues against queueing theory: M/M/c (Erlang C), M/D/1 (Pollaczek–Khinchine), Little.

Every case runs the real ``LocNetwork`` (``move`` on a route of a scenario file in
``scenarios/``) with a Poisson stream of movements written here, and compares the
replications' 99 % t-interval with the analytic value. See docs/validation.md.
"""

from __future__ import annotations

import numpy as np
import pytest

from testsupport.validation_cases import (
    interval,
    load_case,
    mmc_wait,
    pk_wait,
    report,
    run_stream,
)

pytestmark = pytest.mark.validation


@pytest.mark.slow
def test_case1_railhead_mmc_mean_wait_is_erlang_c() -> None:
    """Case 1. Transshipment railhead, M/M/c: Wq = C(c, a) / (cμ − λ), a = λ/μ.

    C(c, a) = (a^c/c!)(c/(c−a)) / (Σ_{k<c} a^k/k! + (a^c/c!)(c/(c−a))) — Erlang C
    (Gross, Shortle, Thompson & Harris, *Fundamentals of Queueing Theory*, 4th ed., §2.3).
    c = 3, λ = 7.2/day, μ = 3/day: a = 2.4, ρ = 0.8, C = 0.6472, Wq = 0.3596 day.
    Also utilisation ρ and mean queue Lq = λWq from the node's recorded daily metrics.
    """
    scenario, case = load_case("mmc_railhead")
    c, lam, mu = case["servers"], case["arrival_rate_per_day"], case["service_rate_per_day"]
    warm = case["warmup_days"]
    expected = mmc_wait(c, lam, mu)
    waits, utils, queues = [], [], []
    for rep in range(case["replications"]):
        run = run_stream(scenario, case, rep)
        waits.append(np.mean([o.wait_days for o in run.kept(warm)]))
        utils.append(run.node("PRZ", "node_utilisation", warm).mean())
        queues.append(run.node("PRZ", "node_queue_length", warm).mean())
    ci = interval(waits)
    print(report("case 1 M/M/3 Wq (days)", expected, ci))
    assert ci.contains(expected), (expected, ci)
    assert ci.half < 0.1 * expected  # the interval is informative
    u = interval(utils)
    print(report("case 1 utilisation", lam / (c * mu), u))
    assert u.contains(lam / (c * mu))
    lq = interval(queues)
    print(report("case 1 Lq (movements)", lam * expected, lq))
    assert lq.contains(lam * expected)


@pytest.mark.slow
def test_case3_checkpoint_md1_mean_wait_is_pollaczek_khinchine() -> None:
    """Case 3. Checkpoint with fixed handling, M/D/1: Wq = λE[S²] / (2(1 − ρ)) = ρ/(2μ(1 − ρ)).

    Pollaczek–Khinchine mean-value formula (Gross et al., *Fundamentals of Queueing Theory*,
    §5.1; Kleinrock, *Queueing Systems* vol. 1, eq. 5.72). λ = 1.5/day, S = 0.5 day fixed:
    ρ = 0.75, Wq = 0.75 day — half the M/M/1 wait at the same load (1.5 day).
    """
    scenario, case = load_case("md1_checkpoint")
    lam, s, warm = case["arrival_rate_per_day"], case["handling_days"], case["warmup_days"]
    expected = pk_wait(lam, s, 0.0)
    waits = [
        np.mean([o.wait_days for o in run_stream(scenario, case, rep).kept(warm)])
        for rep in range(case["replications"])
    ]
    ci = interval(waits)
    print(report("case 3 M/D/1 Wq (days)", expected, ci))
    assert ci.contains(expected), (expected, ci)
    assert ci.half < 0.1 * expected
    assert ci.high < pk_wait(lam, s, s**2)  # clearly below the M/M/1 wait at the same load
