"""Fleet utilisation and crossing throughput against capacity, on hand-built frames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from logistics_sim import load_scenario
from logistics_sim.catalogue import metric_unit
from logistics_sim.metrics import metrics_frame, replication_metrics, summarise
from logistics_sim.runfolder import DAILY_COLUMNS

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny.yaml"


def frame(rows: list[tuple[int, str, str, float]]) -> pd.DataFrame:
    """Rows (day, metric, node, value) of replication 0 as a contract frame."""
    full = [(0, day, metric, "", "", "", "", node, value) for day, metric, node, value in rows]
    return pd.DataFrame(full, columns=list(DAILY_COLUMNS))


@pytest.fixture(scope="module")
def tiny_with_capacity():
    scenario = load_scenario(TINY)
    nodes = [
        n.model_copy(update={"throughput_t_per_day": 400.0}) if n.id == "PRZ" else n
        for n in scenario.network.nodes
    ]
    network = scenario.network.model_copy(update={"nodes": nodes})
    return scenario.model_copy(update={"network": network})


def test_fleet_use_is_the_mean_over_days_and_the_busiest_fleet_the_max(tiny_with_capacity):
    days = tiny_with_capacity.horizon_days
    rows = [(d, "fleet_utilisation", "trains", 0.5 if d % 2 else 1.0) for d in range(days)]
    rows += [(d, "fleet_utilisation", "convoys", 0.25) for d in range(days)]
    out = replication_metrics(frame(rows), tiny_with_capacity)
    assert out["fleet_utilisation:trains"] == pytest.approx(0.75)
    assert out["fleet_utilisation:convoys"] == pytest.approx(0.25)
    assert out["max_fleet_utilisation"] == pytest.approx(0.75)


def test_crossing_tonnes_per_day_count_days_without_traffic_and_divide_by_capacity(
    tiny_with_capacity,
):
    days = tiny_with_capacity.horizon_days
    # 1,000 t handled on every fourth day: 250 t/day over the horizon, 62.5% of 400 t/day
    rows = [(d, "node_throughput_t", "PRZ", 1000.0) for d in range(0, days, 4)]
    rows += [(d, "node_throughput_t", "DEPOT_W", 5000.0) for d in range(days)]  # not a crossing
    out = replication_metrics(frame(rows), tiny_with_capacity)
    assert out["crossing_throughput_t_per_day:PRZ"] == pytest.approx(250.0)
    assert out["crossing_throughput_share:PRZ"] == pytest.approx(0.625)
    assert out["max_crossing_throughput_share"] == pytest.approx(0.625)
    assert "crossing_throughput_t_per_day:DEPOT_W" not in out


def test_per_entity_metrics_follow_the_catalogue_with_their_units(tiny_with_capacity):
    rows = [(d, "fleet_utilisation", "trains", 1.0) for d in range(10)]
    one = replication_metrics(frame(rows), tiny_with_capacity)
    per_rep = metrics_frame([(0, one), (1, one)])
    assert list(per_rep.columns)[-1] == "fleet_utilisation:trains"
    summary = summarise(per_rep)
    assert summary["fleet_utilisation:trains"]["unit"] == "share"
    assert summary["fleet_utilisation:trains"]["ci_high"] <= 1.0
    assert metric_unit("crossing_throughput_t_per_day:PRZ") == "t/day"
    assert metric_unit("no_such_family:PRZ") == ""
