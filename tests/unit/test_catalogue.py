"""The metric catalogue is the one list of summary metrics: metrics, validation, docs agree."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from logistics_sim import load_scenario
from logistics_sim.catalogue import CATALOGUE, CRITERION_METRICS, METRICS, MetricKind
from logistics_sim.metrics import metric_ci, metrics_frame, replication_metrics, summarise

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny.yaml"


def test_a_replication_gives_every_catalogue_metric_in_its_order() -> None:
    scenario = load_scenario(TINY)
    empty = pd.DataFrame(
        {
            "day": [],
            "sector": [],
            "node": [],
            "nation": [],
            "supply_class": [],
            "metric": [],
            "value": [],
            "replication": [],
        }
    )
    one = replication_metrics(empty, scenario)
    assert set(one) == set(METRICS)
    assert list(metrics_frame([(0, one)]).columns) == [m.name for m in CATALOGUE]


def test_summary_units_and_closure_counts_come_from_the_catalogue() -> None:
    frame = pd.DataFrame(
        {
            "reinforcement_closure_days": [10.0, math.nan, math.nan],
            "reinforcement_plans_triggered": [1.0, 1.0, 0.0],
            "fill_rate": [0.9, 1.0, 0.95],
        }
    )
    summary = summarise(frame)
    assert summary["fill_rate"]["unit"] == "share"
    assert summary["reinforcement_plans_triggered"]["unit"] == "plans"
    # the third replication triggered no plan: its closure is not applicable, not "never"
    assert summary["reinforcement_closure_days"]["never_reached"] == 1


def test_bounded_metrics_are_clipped_to_one() -> None:
    assert METRICS["fill_rate"].bounded and metric_ci("fill_rate", [0.99, 1.0, 1.0]).ci_high == 1.0
    assert not METRICS["stockout_days"].bounded


def test_a_count_is_no_criterion() -> None:
    assert "reinforcement_plans_triggered" not in CRITERION_METRICS
    assert {m.name for m in CATALOGUE if m.kind is MetricKind.count} == {
        "reinforcement_plans_triggered"
    }
    assert len(CRITERION_METRICS) == len(CATALOGUE) - 1


def test_the_documents_name_every_criterion_metric() -> None:
    """docs/scenario_format.md lists and docs/engine_contract.md defines the same metrics."""
    fmt = (ROOT / "docs" / "scenario_format.md").read_text(encoding="utf-8")
    listed = fmt[fmt.index("## `criteria`") :].split("\n## ")[0]
    named = {n for n in METRICS if f"`{n}`" in listed}
    assert named == set(CRITERION_METRICS)
    contract = (ROOT / "docs" / "engine_contract.md").read_text(encoding="utf-8")
    assert [n for n in CRITERION_METRICS if f"`{n}`" not in contract] == []
