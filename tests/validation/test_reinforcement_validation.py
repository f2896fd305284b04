"""Case 8: reinforcement closure as the last of k exponential arrivals (harmonic sum)."""

from __future__ import annotations

import pandas as pd
import pytest
from validation_support import harmonic, interval, load_case, report

from logistics_sim.engine.model import run_replication
from logistics_sim.rules.routes import planned_route
from logistics_sim.scenario import Mode

pytestmark = [pytest.mark.validation, pytest.mark.slow]


def test_case8_closure_is_last_of_k_exponentials() -> None:
    """Case 8. k units each ready after an independent exponential notice (mean m) then a
    deterministic move of d days: closure = d + max of k exponentials, whose mean is

        E[max(X_1..X_k)] = m · H_k,   H_k = 1 + 1/2 + ... + 1/k

    (Rényi's representation of exponential order statistics: the gaps between successive
    arrivals are exponential with means m/k, m/(k−1), ..., m; David & Nagaraja, *Order
    Statistics*, 3rd ed., §2.5). k = 8, m = 4 days: m·H_8 = 10.871 days. The whole model runs
    (``run_replication``: rotation, reinforcement, network), the plan triggered on day 10
    with no ISR warning; five such plans per run (two sectors), and each replication's value is
    the mean over its plans of ``reinforcement_closure_days`` − d.
    """
    scenario, case = load_case("reinforcement_harmonic")
    allocation = pd.DataFrame(case["allocation"])
    move_days = {}
    for sector, spec in case["personnel_routes"].items():
        modes = {Mode(m) for m in spec["modes"]}
        route = planned_route(scenario, spec["origin"], spec["destination"], modes)
        assert route is not None
        move_days[sector] = route.planned_days
    expected = case["mean_notice_days"] * harmonic(case["units"])
    notices = []
    for rep in range(case["replications"]):
        daily = run_replication(scenario, allocation, 2026, rep).daily
        rows = daily[daily["metric"] == "reinforcement_closure_days"]
        assert len(rows) == len(scenario.reinforcement.plans) and rows["value"].notna().all()
        values = rows["value"] - rows["sector"].map(move_days).astype(float)
        assert (values > 0).all()
        notices.append(float(values.mean()))
    ci = interval(notices)
    print(report("case 8 closure − move days (days)", expected, ci))
    assert ci.contains(expected), ci
    assert ci.half < 0.08 * expected
