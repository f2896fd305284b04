"""Case 5: the air hub's parking limit (MOG) as an Erlang loss system, and its insensitivity."""

from __future__ import annotations

import numpy as np
import pytest

from testsupport.validation_cases import erlang_b, interval, load_case, report, run_stream

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@pytest.mark.parametrize("variant", ["mog_exponential", "mog_lognormal"])
def test_case5_mog_diverted_share_is_erlang_b(variant: str) -> None:
    """Case 5. An air hub whose stands equal its MOG is an M/G/c/c loss system: the share of
    arriving aircraft diverted is Erlang B,

        B(c, a) = (a^c / c!) / Σ_{k=0..c} a^k / k!,   a = λ · E[ground time],

    which depends on the ground-time distribution only through its mean (insensitivity:
    Sevastyanov 1957; Gross et al., *Fundamentals of Queueing Theory*, §2.6 and §5.2).
    λ = 6/day, E[ground] = 0.5 day (a = 3), c = MOG = 4: B = 0.2061, the same for exponential
    and for lognormal (cv 1.5) ground times.
    """
    scenario, case = load_case(variant)
    a = case["arrival_rate_per_day"] * case["mean_ground_days"]
    expected = erlang_b(case["max_on_ground"], a)
    shares = []
    for rep in range(case["replications"]):
        kept = run_stream(scenario, case, rep).kept(case["warmup_days"])
        shares.append(np.mean([not o.arrived for o in kept]))
    ci = interval(shares)
    print(report(f"case 5 {variant} diverted share", expected, ci))
    assert ci.contains(expected), ci
    assert ci.half < 0.05 * expected
