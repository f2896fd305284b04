"""Case 9: common random numbers make a comparison of variants sharper without biasing it."""

from __future__ import annotations

import numpy as np
import pytest

from logistics_sim.scenario import Scenario
from testsupport.validation_cases import interval, load_case, mmc_wait, report, run_stream

pytestmark = [pytest.mark.validation, pytest.mark.slow]


def mean_wait(scenario: Scenario, case: dict, seed: int, rep: int) -> float:
    run = run_stream(scenario, case, rep, base_seed=seed)
    return float(np.mean([o.wait_days for o in run.kept(case["warmup_days"])]))


def test_case9_common_random_numbers_reduce_variance_of_a_difference() -> None:
    """Case 9. For variants A and B, Var(A − B) = Var(A) + Var(B) − 2 Cov(A, B): driving both
    with the same streams (same base seed and replication, ``subsystem_rngs``) makes the
    covariance positive, so the difference is estimated with less variance, while each
    variant's own distribution — and so the expected difference — is unchanged (Law,
    *Simulation Modeling and Analysis*, 5th ed., §11.2; Glasserman & Yao 1992).

    Variants: railhead with 3 tracks at μ = 3/day vs faster handling μ' = 3.333/day (λ = 7.2).
    Expected difference in mean wait Wq(3, λ, μ) − Wq(3, λ, μ') = 0.3596 − 0.1864 = 0.1731 day,
    from Erlang C (case 1). Pass: the CRN and the independent-stream
    estimates both cover it, and the CRN variance of the difference is smaller (here by far).
    """
    a, case = load_case("crn_railhead")
    b, _ = load_case("crn_railhead", overlay="variant")
    lam, mu = case["arrival_rate_per_day"], case["service_rate_per_day"]
    mu_b = case["variant_service_rate_per_day"]
    expected = mmc_wait(case["servers"], lam, mu) - mmc_wait(case["servers"], lam, mu_b)
    seed, other = case["base_seed"], case["independent_seed"]
    crn, independent = [], []
    for rep in range(case["replications"]):
        wa = mean_wait(a, case, seed, rep)
        crn.append(wa - mean_wait(b, case, seed, rep))
        independent.append(wa - mean_wait(b, case, other, rep))
    ci_crn, ci_ind = interval(crn), interval(independent)
    print(report("case 9 difference with CRN", expected, ci_crn))
    print(report("case 9 difference, independent streams", expected, ci_ind))
    var_crn, var_ind = np.var(crn, ddof=1), np.var(independent, ddof=1)
    print(f"case 9 variance of the difference: CRN {var_crn:.3g}, independent {var_ind:.3g}")
    assert ci_crn.contains(expected) and ci_ind.contains(expected)
    assert var_crn < 0.5 * var_ind
