"""Verdict: PASS if the whole CI meets the threshold, FAIL if all of it misses, else AT_RISK."""

from __future__ import annotations

import math

import pytest

from logistics_sim.scenario import Comparison, Criterion
from logistics_sim.verdict import AT_RISK, FAIL, PASS, assess, judge, overall


def crit(metric: str = "fill_rate", comparison: str = ">=", threshold: float = 0.95) -> Criterion:
    return Criterion(
        name="Fill",
        metric=metric,
        comparison=Comparison(comparison),
        threshold=threshold,
        assumption="test",
    )


def stat(mean: float, low: float, high: float, n: int = 10, **extra) -> dict:
    return {"mean": mean, "ci_low": low, "ci_high": high, "unit": "share", "n": n, **extra}


@pytest.mark.parametrize(
    ("comparison", "low", "high", "expected"),
    [
        (">=", 0.96, 0.98, PASS),
        (">=", 0.95, 0.97, PASS),  # the boundary meets the threshold
        (">=", 0.93, 0.97, AT_RISK),
        (">=", 0.90, 0.94, FAIL),
        ("<=", 0.90, 0.94, PASS),
        ("<=", 0.93, 0.97, AT_RISK),
        ("<=", 0.96, 0.98, FAIL),
    ],
)
def test_three_outcomes(comparison, low, high, expected):
    entry = judge(crit(comparison=comparison), stat((low + high) / 2, low, high), 0.95)
    assert entry["verdict"] == expected
    assert entry["name"] == "Fill" and entry["threshold"] == 0.95
    assert entry["explanation"].startswith("Fill: mean")


def test_explanations_say_why():
    passed = judge(crit(), stat(0.97, 0.96, 0.98), 0.95)["explanation"]
    risky = judge(crit(), stat(0.95, 0.93, 0.97), 0.95)["explanation"]
    failed = judge(crit(), stat(0.92, 0.90, 0.94), 0.95)["explanation"]
    assert "whole interval is at or above" in passed
    assert "straddles" in risky and "more replications" in risky
    assert "misses" in failed and "95% CI" in failed


def test_no_interval_or_no_value():
    assert judge(crit(), stat(0.99, math.nan, math.nan, n=1), 0.95)["verdict"] == AT_RISK
    assert judge(crit(), stat(math.nan, math.nan, math.nan, n=0), 0.95)["verdict"] == AT_RISK
    assert judge(crit(), None, 0.95)["verdict"] == AT_RISK
    closure = crit("reinforcement_closure_days", "<=", 20.0)
    never = judge(closure, stat(math.nan, math.nan, math.nan, n=0, never_reached=10), 0.95)
    assert never["verdict"] == FAIL and "never reached" in never["explanation"]


def test_closure_reached_only_sometimes_is_at_best_at_risk():
    closure = crit("reinforcement_closure_days", "<=", 20.0)
    entry = judge(closure, stat(10.0, 9.0, 11.0, n=8, never_reached=2), 0.95)
    assert entry["verdict"] == AT_RISK
    assert "2 of 10 replications" in entry["explanation"]
    assert judge(closure, stat(30.0, 29.0, 31.0, n=8, never_reached=2), 0.95)["verdict"] == FAIL


def test_overall_is_the_worst():
    assert overall([PASS, PASS]) == "FEASIBLE"
    assert overall([PASS, AT_RISK]) == "AT_RISK"
    assert overall([AT_RISK, FAIL, PASS]) == "INFEASIBLE"
    assert overall([]) == "FEASIBLE"
    verdict, entries = assess(
        [crit(), crit("x", "<=", 1.0)],
        {"fill_rate": stat(0.97, 0.96, 0.98), "x": stat(2, 1.5, 2.5)},
        0.95,
    )
    assert verdict == "INFEASIBLE" and [e["verdict"] for e in entries] == [PASS, FAIL]


def test_closure_never_due_cannot_be_judged():
    closure = crit("reinforcement_closure_days", "<=", 20.0)
    entry = judge(closure, stat(math.nan, math.nan, math.nan, n=0, never_reached=0), 0.95)
    assert entry["verdict"] == AT_RISK and "not triggered" in entry["explanation"]


def test_explanation_numbers_are_readable():
    big = crit("deployed_strength_mean_pax", ">=", 142500.0)
    text = judge(big, {**stat(28673.07, 28220.9, 29125.2), "unit": "pax"}, 0.95)["explanation"]
    assert "mean 28,673 pax" in text and "142,500 pax" in text
    fine = judge(crit(), stat(0.99981, 0.99977, 0.99984), 0.95)["explanation"]
    assert "mean 0.9998 share" in fine and "0.9998 to 0.9998" in fine
