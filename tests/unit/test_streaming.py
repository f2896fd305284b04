"""A worker streams a replication to Parquet in row groups: the same rows and summary figures as
writing its whole frame, written atomically, for any row-group size."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from logistics_sim import load_scenario
from logistics_sim import runfolder as rf
from logistics_sim.engine.model import run_replication, simulate_replication
from logistics_sim.experiment import replication as worker
from logistics_sim.experiment import run_and_store, stand_in_allocation
from logistics_sim.metrics import replication_metrics

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny.yaml"


@pytest.fixture(scope="module")
def tiny():
    return load_scenario(TINY)


@pytest.mark.parametrize("rows", [1_000, 1_000_000])
def test_streamed_file_holds_the_whole_frames_rows_and_figures(
    tiny, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int
) -> None:
    monkeypatch.setattr(worker, "ROW_GROUP_ROWS", rows)
    allocation = stand_in_allocation(tiny)
    outcome = run_and_store(simulate_replication, tiny, allocation, 5, 2, str(tmp_path))
    assert outcome.ok, outcome.error
    whole = rf.normalise_daily(run_replication(tiny, allocation, 5, 2).daily)
    path = rf.replication_path(tmp_path, 2)
    groups = pq.ParquetFile(path).num_row_groups
    assert groups == (1 if rows > len(whole) else pytest.approx(len(whole) / rows, abs=2))
    back = rf.read_replication(tmp_path, 2)
    expected = pq.read_table(io.BytesIO(rf.daily_to_parquet_bytes(whole, normalised=True)))
    expected = expected.to_pandas()
    pd.testing.assert_frame_equal(back, expected)
    figures = replication_metrics(whole, tiny)
    assert outcome.metrics.keys() == figures.keys()
    for name, value in figures.items():  # identical, NaN where undefined
        assert np.isnan(value) == np.isnan(outcome.metrics[name])
        assert np.isnan(value) or outcome.metrics[name] == value, name
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left


def test_a_failure_mid_stream_leaves_no_file(tiny, tmp_path: Path) -> None:
    class Broken:
        """Records whose third piece carries another replication's number."""

        def __init__(self) -> None:
            self.records = simulate_replication(tiny, stand_in_allocation(tiny), 5, 2)
            self.replication, self.events = 2, self.records.events

        def frame(self, metrics, *, categorical=False):
            return self.records.frame(metrics, categorical=categorical)

        def tables(self, max_rows):
            for i, table in enumerate(self.records.tables(1_000)):
                yield table if i != 2 else table.set_column(0, "replication", [[9] * len(table)])

    outcome = run_and_store(lambda *_: Broken(), tiny, None, 5, 2, str(tmp_path))
    assert not outcome.ok and "replication numbers [9]" in outcome.error
    assert not any(tmp_path.rglob("*.parquet*"))
