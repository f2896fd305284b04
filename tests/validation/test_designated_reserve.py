"""Case 12: a designated reserve at short notice closes on a hand-timed schedule."""

from __future__ import annotations

import pandas as pd
import pytest

from logistics_sim.engine.model import run_replication
from logistics_sim.metrics import replication_metrics
from testsupport.validation_cases import load_case

pytestmark = [pytest.mark.validation]


def _run(overlay: str = "overlay") -> tuple[dict[str, float], dict]:
    scenario, case = load_case("designated_reserve", overlay)
    allocation = pd.DataFrame(case["allocation"])
    daily = run_replication(scenario, allocation, 2026, 0).daily
    return replication_metrics(daily, scenario), case


def test_case12_designated_reserve_closes_at_notice_plus_move_minus_warning() -> None:
    """Two battalions at 3 days' notice, a move of (1700/700 + 180/40 + 540/40)/24 = 0.851 days,
    a warning of 2 days: the plan closes 3 + 0.851 - 2 = 1.851 days after the trigger, within
    its 20-day target, and the components add up to the closure."""
    metrics, case = _run()
    movement = sum(km / kph for km, kph in case["legs_km_kph"]) / 24.0
    expected = case["notice_days"] + movement - case["warning_days"]
    assert metrics["reinforcement_closure_days"] == pytest.approx(expected, abs=1e-9)
    assert metrics["probability_reinforcement_on_time"] == 1.0
    assert metrics["reinforcement_warning_days"] == pytest.approx(case["warning_days"])
    assert metrics["reinforcement_notice_days"] == pytest.approx(case["notice_days"])
    assert metrics["reinforcement_movement_days"] == pytest.approx(movement, abs=1e-9)
    assert metrics["reinforcement_queue_days"] == pytest.approx(0.0, abs=1e-9)
    assert metrics["reinforcement_units_short"] == 0.0


def test_case12_a_reserve_short_of_the_requirement_never_closes_and_says_why() -> None:
    metrics, _ = _run("overlay_short")
    assert metrics["reinforcement_units_short"] == 1.0
    assert metrics["probability_reinforcement_on_time"] == 0.0
    assert pd.isna(metrics["reinforcement_closure_days"])
    assert pd.isna(metrics["reinforcement_notice_days"])
