"""Summary metrics on hand-built frames, and confidence intervals checked against scipy."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from logistics_sim import load_scenario
from logistics_sim.metrics import (
    mean_ci,
    metric_ci,
    metrics_frame,
    paired_difference,
    replication_metrics,
    summarise,
    wilson_ci,
)
from logistics_sim.runfolder import DAILY_COLUMNS

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny.yaml"


@pytest.fixture(scope="module")
def tiny():
    return load_scenario(TINY)


def frame(rows: list[tuple]) -> pd.DataFrame:
    """Rows (day, metric, dimensions..., value) of replication 0 as a contract frame."""
    out = pd.DataFrame(rows, columns=list(DAILY_COLUMNS[1:]))
    out.insert(0, "replication", 0)
    return out


@pytest.mark.parametrize(
    "sample",
    [[1.0, 2.0, 3.0, 4.0, 10.0], [0.91, 0.95, 0.97], list(np.linspace(-3, 7, 31) ** 2)],
)
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_mean_ci_matches_scipy(sample, confidence):
    ci = mean_ci(sample, confidence)
    low, high = stats.t.interval(
        confidence, len(sample) - 1, loc=np.mean(sample), scale=stats.sem(sample)
    )
    assert ci.n == len(sample)
    assert ci.mean == pytest.approx(np.mean(sample), rel=1e-12)
    assert ci.ci_low == pytest.approx(low, rel=1e-12)
    assert ci.ci_high == pytest.approx(high, rel=1e-12)


def test_mean_ci_known_value_by_hand():
    # n=4, mean 5, s = sqrt(20/3); t_{0.975,3} = 3.182446305284263
    ci = mean_ci([2.0, 4.0, 6.0, 8.0], 0.95)
    half = 3.182446305284263 * math.sqrt(20.0 / 3.0) / 2.0
    assert (ci.ci_low, ci.ci_high) == pytest.approx((5.0 - half, 5.0 + half), rel=1e-12)


def test_metric_intervals_stay_within_what_the_metric_can_be():
    """A t interval of small days-of-supply values dips below 0; of fill rates near 1, above 1.
    The summary clips to the metric's support; the raw t interval is left as computed."""
    low_stock = [0.0, 0.0, 0.0, 1.2]  # mean 0.3, t half-width 0.95: raw interval [-0.65, 1.25]
    assert mean_ci(low_stock).ci_low < 0
    clipped = metric_ci("min_days_of_supply", low_stock)
    assert clipped.ci_low == 0.0 and clipped.ci_high == mean_ci(low_stock).ci_high
    full = [1.0, 1.0, 0.9]
    assert mean_ci(full).ci_high > 1
    assert metric_ci("fill_rate", full).ci_high == 1.0
    assert metric_ci("deployed_strength_mean_pax", [5.0, 7.0]).ci_high > 7  # no upper bound


def test_mean_ci_ignores_nan_and_handles_small_samples():
    ci = mean_ci([1.0, math.nan, 3.0])
    assert ci.n == 2 and ci.mean == 2.0
    one = mean_ci([4.0])
    assert one.n == 1 and one.mean == 4.0 and math.isnan(one.ci_low)
    none = mean_ci([math.nan])
    assert none.n == 0 and math.isnan(none.mean)
    flat = mean_ci([2.0, 2.0, 2.0])
    assert (flat.ci_low, flat.ci_high) == (2.0, 2.0)


def test_replication_metrics_hand_counted(tiny):
    # tiny: horizon 120 days, target 3200 pax; only days 0..2 have rows, the rest count as 0.
    rows = [
        (0, "deployed_pax", "GBR", "west", "mech_inf", "", "", 3300.0),
        (1, "deployed_pax", "GBR", "west", "mech_inf", "", "", 3000.0),
        (1, "deployed_pax", "FRA", "east", "mech_inf", "", "", 300.0),
        (2, "deployed_pax", "GBR", "west", "mech_inf", "", "", 1000.0),
        (0, "gapped_slots", "GBR", "west", "mech_inf", "", "", 2.0),
        (0, "covered_pax", "GBR", "west", "mech_inf", "", "", 2400.0),
        (0, "covered_pax", "FRA", "east", "mech_inf", "", "", 600.0),
        (1, "covered_pax", "GBR", "west", "mech_inf", "", "", 3000.0),
        (1, "covered_pax", "FRA", "east", "mech_inf", "", "", 200.0),
        (5, "gapped_slots", "FRA", "east", "mech_inf", "", "", 1.0),
        (0, "demand_t", "", "west", "", "I", "", 100.0),
        (0, "consumed_t", "", "west", "", "I", "", 80.0),
        (0, "shortfall_t", "", "west", "", "I", "", 20.0),
        (1, "demand_t", "", "east", "", "III", "", 100.0),
        (1, "consumed_t", "", "east", "", "III", "", 100.0),
        (1, "shortfall_t", "", "east", "", "III", "", 0.0),
        (0, "delivered_t", "", "west", "", "I", "", 240.0),
        (0, "days_of_supply", "", "west", "", "I", "", 4.0),
        (1, "days_of_supply", "", "east", "", "III", "", 1.5),
        (0, "node_utilisation", "", "", "", "", "PRZ", 0.9),
        (1, "node_utilisation", "", "", "", "", "PRZ", 0.5),
        (0, "node_utilisation", "", "", "", "", "RZE", 0.6),
        (1, "node_utilisation", "", "", "", "", "RZE", 0.8),
        (-1, "initial_deployment_closure_days", "", "", "", "", "", 12.5),
        (-1, "reinforcement_closure_days", "", "east", "", "", "", 18.0),
        (-1, "reinforcement_closure_days", "", "west", "", "", "", 25.0),
        (-1, "reinforcement_on_time", "", "east", "", "", "", 1.0),
        (-1, "reinforcement_on_time", "", "west", "", "", "", 0.0),
    ]
    m = replication_metrics(frame(rows), tiny)
    assert m["deployed_strength_mean_pax"] == pytest.approx((3300 + 3300 + 1000) / 120)
    assert m["deployed_strength_min_pax"] == 0.0
    # only day 1 holds 3200 in slots; day 0's 3300 troops are a relief overlapping a gap
    assert m["days_below_target"] == 119
    assert m["covered_strength_mean_pax"] == pytest.approx((3000 + 3200) / 120)
    assert m["covered_strength_min_pax"] == 0.0  # days without rows hold nothing
    assert m["initial_deployment_closure_days"] == 12.5
    assert m["rotation_gap_unit_days"] == 3.0
    assert m["supply_demand_t_per_day"] == pytest.approx(200 / 120)
    assert m["supply_delivered_t_per_day"] == pytest.approx(240 / 120)
    assert m["fill_rate"] == pytest.approx(180 / 200)
    assert m["stockout_days"] == 1
    assert m["min_days_of_supply"] == 1.5
    assert m["reinforcement_closure_days"] == 25.0  # the slowest plan
    assert m["probability_reinforcement_on_time"] == 0.5
    assert m["max_node_utilisation"] == pytest.approx(0.7)  # PRZ 0.7 and RZE 0.7 (max of means)


def test_warmup_removes_early_days(tiny):
    scenario = tiny.model_copy(
        update={"experiment": tiny.experiment.model_copy(update={"warmup_days": 1.0})}
    )
    rows = [
        (d, metric, "GBR", "west", "mech_inf", "", "", 0.0 if d == 0 else 3200.0)
        for d in range(120)
        for metric in ("deployed_pax", "covered_pax")
    ]
    rows.append((0, "gapped_slots", "GBR", "west", "mech_inf", "", "", 4.0))
    rows.append((-1, "initial_deployment_closure_days", "", "", "", "", "", 1.0))
    m = replication_metrics(frame(rows), scenario)
    assert m["deployed_strength_min_pax"] == 3200.0
    assert m["days_below_target"] == 0
    assert m["rotation_gap_unit_days"] == 0.0
    assert m["initial_deployment_closure_days"] == 1.0  # whole-run values ignore warm-up
    unwarmed = replication_metrics(frame(rows), tiny)
    assert unwarmed["days_below_target"] == 1 and unwarmed["rotation_gap_unit_days"] == 4.0


def test_undefined_values_are_nan(tiny):
    m = replication_metrics(
        frame([(0, "deployed_pax", "GBR", "west", "mech_inf", "", "", 1.0)]), tiny
    )
    for name in (
        "initial_deployment_closure_days",
        "fill_rate",
        "min_days_of_supply",
        "reinforcement_closure_days",
        "probability_reinforcement_on_time",
        "max_node_utilisation",
    ):
        assert math.isnan(m[name]), name
    never = frame(
        [
            (-1, "reinforcement_closure_days", "", "east", "", "", "", math.nan),
            (-1, "reinforcement_closure_days", "", "west", "", "", "", 3.0),
        ]
    )
    assert math.isnan(replication_metrics(never, tiny)["reinforcement_closure_days"])


def test_summary_counts_closures_never_reached():
    per_rep = metrics_frame(
        (r, {"reinforcement_closure_days": v, "fill_rate": 0.9 + r / 100})
        for r, v in enumerate([10.0, math.nan, 14.0, 12.0])
    )
    summary = summarise(per_rep, 0.95)
    closure = summary["reinforcement_closure_days"]
    assert closure["n"] == 3 and closure["never_reached"] == 1
    assert closure["share_reached"] == 0.75 and closure["mean"] == 12.0
    assert closure["unit"] == "days"
    assert "share_reached" not in summary["fill_rate"]
    assert set(summary) == set(per_rep.columns)


def test_paired_difference_uses_matching_replications():
    base = metrics_frame((r, {"fill_rate": v}) for r, v in enumerate([0.5, 0.7, 0.9]))
    variant = metrics_frame((r, {"fill_rate": v}) for r, v in enumerate([0.6, 0.8, 1.0]))
    diff = paired_difference(variant, base)["fill_rate"]
    assert diff.mean == pytest.approx(0.1)
    assert diff.ci_low == pytest.approx(0.1) and diff.ci_high == pytest.approx(0.1)


def test_reinforcement_not_triggered_is_neither_reached_nor_never(tiny):
    # replication 0: the plan closed; 1: triggered, never closed; 2: triggered after the horizon
    per_rep = metrics_frame(
        (r, {"reinforcement_closure_days": v, "reinforcement_plans_triggered": t})
        for r, (v, t) in enumerate([(12.0, 1.0), (math.nan, 1.0), (math.nan, 0.0)])
    )
    closure = summarise(per_rep)["reinforcement_closure_days"]
    assert (closure["n"], closure["never_reached"], closure["share_reached"]) == (1, 1, 0.5)
    late = frame([(-1, "reinforcement_trigger_day", "", "east", "", "", "", 500.0)])
    m = replication_metrics(late, tiny)
    assert m["reinforcement_plans_triggered"] == 0 and math.isnan(m["reinforcement_closure_days"])


def surge_rows(trigger: float) -> list[tuple]:
    """A plan for east triggered on ``trigger``; west's and east's supply on days 58..81."""
    rows: list[tuple] = [(-1, "reinforcement_trigger_day", "", "east", "", "", "", trigger)]
    for d in range(58, 82):
        for sector in ("west", "east"):
            rows.append((d, "demand_t", "", sector, "", "I", "", 10.0))
            rows.append((d, "consumed_t", "", sector, "", "I", "", 10.0 if d % 2 else 5.0))
            rows.append((d, "days_of_supply", "", sector, "", "I", "", float(d - 50)))
    return rows


def test_surge_window_covers_trigger_to_target_in_the_other_sectors(tiny):
    # tiny's plan: east, target 20 days. Trigger 60.5: days 60..80 overlap [60.5, 80.5).
    m = replication_metrics(frame(surge_rows(60.5)), tiny)
    # west on days 60..80: 21 days, 10 odd (full) and 11 even (half): (100 + 55) / 210
    assert m["surge_other_sectors_fill_rate"] == pytest.approx(155 / 210)
    assert m["surge_other_sectors_min_days_of_supply"] == 10.0  # day 60, not 58 or 59
    assert m["surge_other_sectors_mean_days_of_supply"] == pytest.approx(20.0)  # days 60..80
    # a whole-day trigger: days 60..79 (20 days), east (the threatened sector) never counts
    whole = replication_metrics(frame(surge_rows(60.0)), tiny)
    assert whole["surge_other_sectors_mean_days_of_supply"] == pytest.approx(19.5)


def test_surge_window_ignores_warmup_and_clips_to_horizon(tiny):
    warm = tiny.model_copy(
        update={"experiment": tiny.experiment.model_copy(update={"warmup_days": 100.0})}
    )
    m = replication_metrics(frame(surge_rows(60.0)), warm)
    assert m["surge_other_sectors_min_days_of_supply"] == 10.0
    assert math.isnan(m["min_days_of_supply"])  # the whole-run figure does use the warm-up
    late = replication_metrics(frame(surge_rows(110.0)), tiny)  # horizon 120: days 110..119
    assert math.isnan(late["surge_other_sectors_fill_rate"])  # no rows there in this frame
    after = replication_metrics(frame(surge_rows(130.0)), tiny)
    assert math.isnan(after["surge_other_sectors_min_days_of_supply"])


def test_surge_metrics_undefined_without_a_trigger(tiny):
    rows = [r for r in surge_rows(60.0) if r[1] != "reinforcement_trigger_day"]
    m = replication_metrics(frame(rows), tiny)
    for name in (
        "surge_other_sectors_fill_rate",
        "surge_other_sectors_min_days_of_supply",
        "surge_other_sectors_mean_days_of_supply",
    ):
        assert math.isnan(m[name]), name


@pytest.mark.parametrize("successes,n", [(8, 10), (0, 12), (30, 30), (1, 3)])
@pytest.mark.parametrize("confidence", [0.9, 0.95])
def test_wilson_ci_matches_scipy(successes, n, confidence):
    values = [1.0] * successes + [0.0] * (n - successes)
    ci = wilson_ci([*values, math.nan], confidence)
    expected = stats.binomtest(successes, n).proportion_ci(confidence, method="wilson")
    assert ci.n == n and ci.mean == pytest.approx(successes / n)
    assert ci.ci_low == pytest.approx(expected.low, rel=1e-12, abs=1e-15)
    assert ci.ci_high == pytest.approx(expected.high, rel=1e-12)


def test_on_time_probability_interval_stays_within_zero_and_one():
    # one of ten on time: the t interval dips below 0, Wilson's does not and is not a point
    per_rep = metrics_frame(
        (r, {"probability_reinforcement_on_time": float(r == 0)}) for r in range(10)
    )
    entry = summarise(per_rep, 0.95)["probability_reinforcement_on_time"]
    assert mean_ci(per_rep["probability_reinforcement_on_time"]).ci_low < 0
    assert 0 < entry["ci_low"] < entry["mean"] == 0.1 < entry["ci_high"] < 1
    always = metrics_frame((r, {"probability_reinforcement_on_time": 1.0}) for r in range(10))
    entry = summarise(always, 0.95)["probability_reinforcement_on_time"]
    z = stats.norm.ppf(0.975)
    assert entry["ci_low"] == pytest.approx(10 / (10 + z * z))  # Wilson at p = 1: n / (n + z²)
    assert entry["ci_high"] == pytest.approx(1.0)
