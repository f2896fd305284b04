"""Run folder files: atomic writes, deterministic Parquet, resume identity checks."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from logistics_sim import load_scenario
from logistics_sim import runfolder as rf

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny.yaml"


def daily(rep: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "replication": [rep] * 3,
            "day": [1, 0, -1],
            "metric": ["deployed_pax", "deployed_pax", "initial_deployment_closure_days"],
            "nation": ["GBR", "GBR", ""],
            "sector": ["west", "west", ""],
            "capability": ["mech_inf", "mech_inf", ""],
            "supply_class": ["", "", ""],
            "node": ["", "", ""],
            "value": [2.0, 1.0, math.nan],
        }
    )


def test_parquet_is_deterministic_and_round_trips(tmp_path):
    a = rf.daily_to_parquet_bytes(daily())
    b = rf.daily_to_parquet_bytes(daily().sample(frac=1.0, random_state=3))  # any row order
    assert a == b
    rf.write_replication(tmp_path, 4, daily(4))
    back = rf.read_replication(tmp_path, 4)
    assert list(back.columns) == list(rf.DAILY_COLUMNS)
    assert back["day"].tolist() == [0, 1, -1]  # contract order: metric, dims, day
    assert back["replication"].dtype == "int32" and back["value"].dtype == "float64"
    assert rf.finished_replications(tmp_path) == [4]


def test_parquet_statistics_let_readers_skip_files_by_metric_and_day(tmp_path):
    import pyarrow.parquet as pq

    path = rf.write_replication(tmp_path, 0, daily())
    group = pq.ParquetFile(path).metadata.row_group(0)
    stats = {group.column(i).path_in_schema: group.column(i).statistics for i in range(9)}
    assert (stats["day"].min, stats["day"].max) == (-1, 1)
    assert stats["metric"].max == "initial_deployment_closure_days"
    assert stats["nation"] is None  # one row group holds every nation: nothing to prune


def test_normalise_rejects_missing_columns():
    with pytest.raises(ValueError, match="lacks columns"):
        rf.normalise_daily(daily().drop(columns=["node"]))


def test_atomic_write_leaves_no_temporary_and_temps_are_ignored(tmp_path):
    path = tmp_path / "replications" / "rep-00001.parquet"
    rf.write_bytes_atomic(path, b"abc")
    assert path.read_bytes() == b"abc"
    assert [p.name for p in path.parent.iterdir()] == ["rep-00001.parquet"]
    (path.parent / ".rep-00002.parquet.x.tmp").write_bytes(b"half")  # a killed writer's leftover
    assert rf.finished_replications(tmp_path) == [1]


def test_json_has_no_nan_and_sorted_keys(tmp_path):
    rf.write_json_atomic(tmp_path / "x.json", {"b": math.nan, "a": [1.0, math.nan]})
    assert (
        tmp_path / "x.json"
    ).read_text() == '{\n  "a": [\n    1.0,\n    null\n  ],\n  "b": null\n}\n'


def test_resume_refuses_another_scenario_or_seed(tmp_path):
    rf.write_json_atomic(
        tmp_path / rf.MANIFEST,
        {"scenario_sha256": "aaa", "allocation_sha256": "bbb", "base_seed": 1},
    )
    rf.check_resumable(tmp_path, "aaa", "bbb", 1)
    with pytest.raises(rf.RunFolderMismatch, match="scenario_sha256"):
        rf.check_resumable(tmp_path, "zzz", "bbb", 1)
    with pytest.raises(rf.RunFolderMismatch, match="base_seed"):
        rf.check_resumable(tmp_path, "aaa", "bbb", 2)
    with pytest.raises(rf.RunFolderMismatch, match="allocation_sha256"):
        rf.check_resumable(tmp_path, "aaa", "ccc", 1)


def test_scenario_identity_and_run_id():
    scenario = load_scenario(TINY)
    sha = rf.scenario_sha256(scenario)
    assert sha == rf.scenario_sha256(load_scenario(TINY))
    other = scenario.model_copy(update={"horizon_days": 121})
    assert rf.scenario_sha256(other) != sha
    code = f"-code{rf.code_fingerprint()[:8]}"
    assert rf.default_folder(scenario, 7) == Path("results") / "tiny" / f"{sha[:12]}-seed7{code}"
    alloc = pd.DataFrame({"nation": ["GBR"], "capability": ["mech_inf"], "units": [4]})
    with_alloc = rf.default_folder(scenario, 7, alloc)
    assert with_alloc.name == f"{sha[:12]}-{rf.allocation_sha256(alloc)[:8]}-seed7{code}"


def test_readme_queries_pandas_and_duckdb(tmp_path, monkeypatch):
    """The README's pandas and DuckDB examples, with a killed writer's temp file lying about."""

    duckdb = pytest.importorskip("duckdb")
    from logistics_sim.experiment import simulate, stand_in_allocation
    from testsupport.replicates import fake_replicate

    scenario = load_scenario(TINY)
    monkeypatch.chdir(tmp_path)
    run = simulate(
        scenario,
        stand_in_allocation(scenario),
        replications=3,
        seed=2,
        jobs=1,
        replicate=fake_replicate,
    )
    assert run.folder == rf.default_folder(scenario, 2, stand_in_allocation(scenario))
    (run.folder / "replications" / ".rep-00009.parquet.abc.tmp").write_bytes(b"PAR1 half")

    daily = pd.read_parquet(f"results/tiny/{run.folder.name}/replications/")
    assert sorted(daily["replication"].unique()) == [0, 1, 2]
    assert len(daily) == len(run.daily)

    rows = duckdb.sql("""
        SELECT filename.split('/')[-3] AS run, day, avg(total) AS deployed_pax
        FROM (SELECT filename, replication, day, sum(value) AS total
              FROM read_parquet('results/tiny/*/replications/*.parquet', filename = true)
              WHERE metric = 'deployed_pax' GROUP BY ALL)
        GROUP BY ALL ORDER BY run, day;
    """).fetchall()
    assert len(rows) == scenario.horizon_days and {r[0] for r in rows} == {run.folder.name}
    expected = (
        run.daily[run.daily["metric"] == "deployed_pax"]
        .groupby(["replication", "day"])["value"]
        .sum()
        .groupby("day")
        .mean()
    )
    assert [r[2] for r in rows] == pytest.approx(expected.to_list(), rel=1e-12)


# --- issue 20: folders the tool owns, replication files that prove whose they are ----------


def test_claim_creates_marks_and_takes_its_own_folder_again(tmp_path):
    out = tmp_path / "a" / "run"
    rf.claim_folder(out)
    assert json.loads((out / rf.OWNER_MARK).read_text())["kind"] == "run"
    rf.claim_folder(out)  # its own: fine
    with pytest.raises(rf.FolderRefused, match="is a run folder of logistics-sim, not a sweep"):
        rf.claim_folder(out, "sweep")


def test_claim_adopts_an_empty_folder_and_refuses_a_users(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    rf.claim_folder(empty)
    assert (empty / rf.OWNER_MARK).is_file()
    mine = tmp_path / "mine"
    mine.mkdir()
    for i in range(7):
        (mine / f"f{i}.txt").write_text("x")
    with pytest.raises(rf.FolderRefused, match=r"holds f0.txt, .*f4.txt and 2 more\)"):
        rf.claim_folder(mine)
    assert not (mine / rf.OWNER_MARK).exists()


def test_claim_adopts_a_run_folder_made_before_the_mark(tmp_path):
    (tmp_path / rf.MANIFEST).write_text('{"scenario_sha256": "abc"}')
    rf.claim_folder(tmp_path)
    assert (tmp_path / rf.OWNER_MARK).is_file()


def test_replication_file_carries_and_proves_its_identity(tmp_path):
    identity = rf.replication_identity(4, 11, "c" * 64)
    rf.write_replication(tmp_path, 4, daily(4), identity)
    frame = rf.verified_replication(tmp_path, identity)
    assert frame["replication"].eq(4).all()
    for key, other in (("base_seed", 12), ("code_sha256", "d" * 64)):
        with pytest.raises(rf.ReplicationUnusable, match=f"its {key} is"):
            rf.verified_replication(tmp_path, {**identity, key: other})


def test_file_without_identity_or_truncated_is_unusable(tmp_path):
    rf.write_replication(tmp_path, 0, daily())
    identity = rf.replication_identity(0, 1, "c")
    with pytest.raises(rf.ReplicationUnusable, match="carries no identity"):
        rf.verified_replication(tmp_path, identity)
    path = rf.replication_path(tmp_path, 0)
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(rf.ReplicationUnusable, match="unreadable"):
        rf.verified_replication(tmp_path, identity)


def test_set_aside_never_overwrites_an_earlier_rejected_file(tmp_path):
    for text in (b"first", b"second"):
        rf.replication_path(tmp_path, 2).parent.mkdir(parents=True, exist_ok=True)
        rf.replication_path(tmp_path, 2).write_bytes(text)
        rf.set_aside(tmp_path, 2)
    rejected = tmp_path / rf.REPLICATIONS_DIR / rf.REJECTED_DIR
    assert sorted(p.read_bytes() for p in rejected.iterdir()) == [b"first", b"second"]


def test_damaged_json_is_a_located_problem(tmp_path):
    from logistics_sim.errors import ScenarioError

    path = tmp_path / rf.MANIFEST
    path.write_text('{"a": 1,\n "b": ]}')
    with pytest.raises(ScenarioError) as info:
        rf.read_manifest(tmp_path)
    assert str(info.value).startswith(f"{path}:2:7: (file): not valid JSON (Expecting value)")
    path.write_text("[1, 2]")
    with pytest.raises(ScenarioError, match="a manifest is a JSON object"):
        rf.read_manifest(tmp_path)
