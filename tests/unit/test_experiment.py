"""Executors, seeds, resume and sweeps, on a deterministic stand-in replicate function.

The stand-in (tests/unit/experiment_fixture.py) returns frames in the engine contract's format
and draws only from SeedSequence(base_seed, spawn_key=(r,)); the properties tested here are
those of the experiment layer, whatever model runs inside it.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from logistics_sim import load_scenario
from logistics_sim import runfolder as rf
from logistics_sim.errors import ScenarioError
from logistics_sim.experiment import (
    ReplicationsFailed,
    SweepParameter,
    allocation_from_csv,
    build_variant,
    design,
    more_replications,
    parse_set,
    run_and_store,
    set_path,
    simulate,
    split_path,
    stand_in_allocation,
    sweep,
)
from logistics_sim.metrics import wilson_ci

sys.path.insert(0, str(Path(__file__).resolve().parent))
from experiment_fixture import (
    dying_replicate,
    failing_replicate,
    fake_replicate,
    slow_replicate,
)

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny.yaml"


@pytest.fixture(scope="module")
def tiny():
    return load_scenario(TINY)


@pytest.fixture(scope="module")
def allocation(tiny):
    return stand_in_allocation(tiny)


def folder_bytes(folder: Path) -> dict[str, bytes]:
    """Every replication Parquet and summary.json, by name (what must be byte-identical)."""
    files = {p.name: p.read_bytes() for p in (folder / "replications").glob("*.parquet")}
    files["summary.json"] = (folder / "summary.json").read_bytes()
    files["replication_metrics.csv"] = (folder / "replication_metrics.csv").read_bytes()
    return files


def run(tiny, allocation, out, n=4, **kw):
    kw.setdefault("replicate", fake_replicate)
    kw.setdefault("jobs", 1)
    return simulate(tiny, allocation, replications=n, seed=11, out=out, **kw)


def test_run_folder_contents(tiny, allocation, tmp_path):
    result = run(tiny, allocation, tmp_path / "r", n=3)
    names = sorted(p.name for p in result.folder.iterdir())
    assert names == [
        ".lock",
        "allocation.csv",
        "manifest.json",
        "replication_metrics.csv",
        "replications",
        "scenario.resolved.yaml",
        "summary.json",
    ]
    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert manifest["scenario_sha256"] == rf.scenario_sha256(tiny)
    assert manifest["replications_done"] == 3 and manifest["base_seed"] == 11
    assert manifest["versions"]["numpy"]
    summary = json.loads((result.folder / "summary.json").read_text())
    assert summary == rf._nan_to_none(result.summary)  # undefined figures are null in JSON
    assert summary["replications"] == 3 and summary["verdict"] in {
        "FEASIBLE",
        "AT_RISK",
        "INFEASIBLE",
    }
    assert summary["metrics"]["fill_rate"]["unit"] == "share"
    assert sorted(result.daily["replication"].unique()) == [0, 1, 2]
    resolved = load_scenario(result.folder / "scenario.resolved.yaml")
    assert resolved.model_copy(update={"data": tiny.data}) == tiny


def test_replication_seven_alone_equals_seven_in_ten(tiny, allocation, tmp_path):
    ten = run(tiny, allocation, tmp_path / "ten", n=10)
    alone = run_and_store(fake_replicate, tiny, allocation, 11, 7, str(tmp_path / "alone"))
    assert alone.ok
    assert (
        rf.replication_path(tmp_path / "alone", 7).read_bytes()
        == rf.replication_path(ten.folder, 7).read_bytes()
    )
    pd.testing.assert_series_equal(  # NaN equals NaN here, unlike in dict comparison
        pd.Series(alone.metrics).sort_index(),
        ten.per_replication.loc[7].sort_index(),
        check_names=False,
        check_exact=True,
    )


@pytest.mark.slow
def test_sequential_equals_two_processes(tiny, allocation, tmp_path):
    seq = run(tiny, allocation, tmp_path / "seq", n=6)
    par = run(tiny, allocation, tmp_path / "par", n=6, jobs=2)
    assert folder_bytes(seq.folder) == folder_bytes(par.folder)
    pd.testing.assert_frame_equal(seq.daily, par.daily)


@pytest.mark.slow
def test_real_model_sequential_equals_processes_and_dask(tiny, allocation, tmp_path):
    """The engine on tiny.yaml: sequential = 2 processes = Dask (LocalCluster, and a remote
    scheduler address, where the client writes the files), byte for byte."""
    from distributed import LocalCluster

    real = dict(replicate=None, seed=3)
    seq = simulate(tiny, allocation, 4, out=tmp_path / "seq", jobs=1, **real)
    par = simulate(tiny, allocation, 4, out=tmp_path / "par", jobs=2, **real)
    local = simulate(tiny, allocation, 4, out=tmp_path / "local", jobs=2, dask="local", **real)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = simulate(
            tiny,
            allocation,
            4,
            out=tmp_path / "remote",
            jobs=2,
            dask=cluster.scheduler_address,
            **real,
        )
    expected = folder_bytes(seq.folder)
    assert len(expected) == 4 + 2
    for other in (par, local, remote):
        assert folder_bytes(other.folder) == expected, other.folder.name
    pd.testing.assert_frame_equal(seq.daily, remote.daily)
    executors = [
        json.loads((r.folder / "manifest.json").read_text())["executor"]
        for r in (seq, par, local, remote)
    ]
    assert executors[:3] == ["sequential", "processes:2", "dask-local:2"]
    assert executors[3].startswith("dask:tcp://")

    # A sweep shares one LocalCluster among its variants and gives the sequential table.
    params = [SweepParameter("rotation.dwell_ratio", (3,))]
    tables = [
        sweep(
            TINY,
            params,
            "oat",
            2,
            5,
            jobs=jobs,
            dask=dask,
            out=tmp_path / f"sweep-{jobs}",
            allocation=allocation,
            replicate=fake_replicate,
        ).folder
        / "sweep.csv"
        for jobs, dask in ((1, None), (2, "local"))
    ]
    assert tables[0].read_bytes() == tables[1].read_bytes()


def test_real_model_replication_seven_alone_equals_seven_in_ten(tiny, allocation, tmp_path):
    from logistics_sim.engine.model import run_replication

    ten = simulate(tiny, allocation, 10, 3, jobs=1, out=tmp_path / "ten")
    alone = run_and_store(run_replication, tiny, allocation, 3, 7, str(tmp_path / "alone"))
    assert alone.ok, alone.error
    assert (
        rf.replication_path(tmp_path / "alone", 7).read_bytes()
        == rf.replication_path(ten.folder, 7).read_bytes()
    )
    first = simulate(tiny, allocation, 2, 3, jobs=1, out=tmp_path / "two")
    assert (
        rf.replication_path(first.folder, 1).read_bytes()
        == rf.replication_path(ten.folder, 1).read_bytes()
    )


def test_failing_replication_is_reported_and_others_finish(tiny, allocation, tmp_path):
    result = run(tiny, allocation, tmp_path / "r", n=6, replicate=failing_replicate)
    assert list(result.failed) == [3] and "boom in replication 3" in result.failed[3]
    assert result.per_replication.index.tolist() == [0, 1, 2, 4, 5]
    assert result.summary["failed_replications"] == [3]
    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert manifest["failed_replications"] == {"3": "RuntimeError: boom in replication 3"}
    # Resume with the bug fixed runs only replication 3 and gives the uninterrupted result.
    calls = []

    def counting(scenario, alloc, seed, r):
        calls.append(r)
        return fake_replicate(scenario, alloc, seed, r)

    resumed = run(tiny, allocation, tmp_path / "r", n=6, replicate=counting, resume=True)
    assert calls == [3] and resumed.failed == {}
    clean = run(tiny, allocation, tmp_path / "clean", n=6)
    assert folder_bytes(resumed.folder) == folder_bytes(clean.folder)


def test_a_run_where_every_replication_fails_raises_and_writes_no_summary(
    tiny, allocation, tmp_path
):
    def always_failing(scenario, alloc, seed, r):
        raise RuntimeError(f"boom in replication {r}")

    with pytest.raises(ReplicationsFailed, match=r"every replication failed \(3\).*replication 0"):
        run(tiny, allocation, tmp_path / "r", n=3, replicate=always_failing)
    assert not (tmp_path / "r" / "summary.json").exists()
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert sorted(manifest["failed_replications"]) == ["0", "1", "2"]


@pytest.mark.slow
def test_script_on_stdin_runs_its_replications_in_process(tmp_path):
    """Spawned workers cannot re-run a script piped to ``python -``: fall back, warn, succeed."""
    script = (
        "import warnings\n"
        "from logistics_sim import load_scenario\n"
        "from logistics_sim.experiment import simulate\n"
        "from optimisation import optimise\n"
        f"sc = load_scenario({str(TINY)!r})\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        f"    res = simulate(sc, optimise(sc).allocation, 3, jobs=2, out={str(tmp_path / 'o')!r})\n"
        "warned = any('standard input' in str(w.message) for w in caught)\n"
        "print(res.summary['replications'], warned)\n"
    )
    done = subprocess.run(
        [sys.executable, "-"], input=script, text=True, capture_output=True, cwd=tmp_path,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["3", "True"]


@pytest.mark.slow
def test_dead_worker_fails_only_its_replication(tiny, allocation, tmp_path):
    result = run(tiny, allocation, tmp_path / "r", n=5, jobs=2, replicate=dying_replicate)
    assert list(result.failed) == [2] and "died" in result.failed[2]
    assert result.per_replication.index.tolist() == [0, 1, 3, 4]


@pytest.mark.slow
def test_sigkill_then_resume_equals_uninterrupted_run(tiny, allocation, tmp_path):
    out = tmp_path / "killed"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
        from experiment_fixture import slow_replicate
        from logistics_sim import load_scenario
        from logistics_sim.experiment import simulate, stand_in_allocation
        s = load_scenario({str(TINY)!r})
        simulate(s, stand_in_allocation(s), replications=12, seed=11, jobs=1,
                 out={str(out)!r}, replicate=slow_replicate)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while len(rf.finished_replications(out)) < 3:
            assert proc.poll() is None, "run ended before it could be killed"
            assert time.monotonic() < deadline, "no replication finished in time"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    survived = rf.finished_replications(out)
    assert 3 <= len(survived) < 12 and not (out / "summary.json").exists()
    for r in survived:  # every file left behind is complete
        assert rf.read_replication(out, r)["replication"].eq(r).all()

    calls = []

    def counting(scenario, alloc, seed, r):
        calls.append(r)
        return slow_replicate(scenario, alloc, seed, r)

    resumed = run(tiny, allocation, out, n=12, replicate=counting, resume=True)
    assert sorted(calls) == sorted(set(range(12)) - set(survived))
    clean = run(tiny, allocation, tmp_path / "clean", n=12)
    assert folder_bytes(resumed.folder) == folder_bytes(clean.folder)


def test_resume_refuses_other_seed_or_scenario(tiny, allocation, tmp_path):
    out = tmp_path / "r"
    run(tiny, allocation, out, n=2)
    with pytest.raises(rf.RunFolderMismatch, match="base_seed"):
        simulate(
            tiny,
            allocation,
            replications=2,
            seed=12,
            jobs=1,
            out=out,
            resume=True,
            replicate=fake_replicate,
        )
    other = tiny.model_copy(update={"horizon_days": 60})
    with pytest.raises(rf.RunFolderMismatch, match="scenario_sha256"):
        simulate(
            other,
            allocation,
            replications=2,
            seed=11,
            jobs=1,
            out=out,
            resume=True,
            replicate=fake_replicate,
        )
    with pytest.raises(rf.RunFolderMismatch, match="another scenario"):
        simulate(
            other, allocation, replications=2, seed=11, jobs=1, out=out, replicate=fake_replicate
        )


def test_rerun_without_resume_starts_afresh(tiny, allocation, tmp_path):
    out = tmp_path / "r"
    run(tiny, allocation, out, n=4)
    again = run(tiny, allocation, out, n=2)
    assert rf.finished_replications(out) == [0, 1] and again.summary["replications"] == 2


def test_a_probability_stops_on_its_wilson_half_width_not_on_a_degenerate_t_interval(tiny):
    """Twenty replications all late: the t interval is [0, 0] (it would stop at once), the
    Wilson interval is [0, 0.161] at 95 %; ±0.05 needs n·(half-width / 0.05)² replications."""
    no_criteria = tiny.model_copy(update={"criteria": ()})
    late = {r: {"probability_reinforcement_on_time": 0.0} for r in range(20)}
    half = wilson_ci([0.0] * 20).half_width
    assert half == pytest.approx(1.96**2 / (20 + 1.96**2) / 2, rel=1e-3)
    more = more_replications(no_criteria, late, 0.05, 20)
    assert more == math.ceil(20 * (half / 0.05) ** 2) - 20 == 32
    assert more_replications(no_criteria, late, 0.09, 20) == 0


def test_target_half_width_adds_replications(tiny, allocation, tmp_path):
    loose = run(tiny, allocation, tmp_path / "loose", n=3, target_half_width=10.0)
    assert loose.summary["replications"] == 3
    tight = run(
        tiny, allocation, tmp_path / "tight", n=3, target_half_width=0.0008, max_replications=40
    )
    n = tight.summary["replications"]
    assert 3 < n <= 40
    manifest = json.loads((tight.folder / "manifest.json").read_text())
    assert manifest["replications_planned"] == n
    for c in tight.summary["criteria"]:
        m = tight.summary["metrics"][c["metric"]]
        relative = (m["ci_high"] - m["ci_low"]) / 2 / abs(m["mean"])
        assert relative <= 0.0008 or n == 40


def test_allocation_choice(tiny, tmp_path):
    alloc = stand_in_allocation(tiny)
    caps = alloc.groupby("capability")["units"].sum().to_dict()
    assert caps == {c.id: c.required_units for c in tiny.force.capabilities}
    csv = tmp_path / "a.csv"
    alloc[["nation", "capability", "units"]].to_csv(csv, index=False)
    chosen = allocation_from_csv(tiny, csv)
    assert chosen.source.startswith("file:") and chosen.allocation["units"].sum() == 6
    assert chosen.optimisation is None


# ---------------------------------------------------------------------------------------------
# Sweeps.
# ---------------------------------------------------------------------------------------------


def test_parse_set_and_paths():
    p = parse_set("rotation.dwell_ratio=2,2.5,3")
    assert p == SweepParameter("rotation.dwell_ratio", (2, 2.5, 3))
    assert parse_set("x=true,NO").values == (True, "NO")  # YAML 1.2: NO stays text
    assert split_path("nations[FRA].tour_days") == ["nations", "FRA", "tour_days"]
    assert split_path("force.sectors[0].troops_pax") == ["force", "sectors", 0, "troops_pax"]
    with pytest.raises(ValueError, match="path=value"):
        parse_set("rotation.dwell_ratio")
    mapping = {"nations": [{"code": "GBR"}, {"code": "FRA"}], "rotation": {}}
    assert set_path(mapping, "nations[FRA].tour_days", 90) == ("nations", 1, "tour_days")
    set_path(mapping, "experiment.warmup_days", 5.0)
    assert mapping["nations"][1]["tour_days"] == 90 and mapping["experiment"] == {
        "warmup_days": 5.0
    }
    with pytest.raises(ValueError, match="no item 'DEU'"):
        set_path(mapping, "nations[DEU].tour_days", 1)


def test_designs():
    a, b = SweepParameter("a", (1, 2, 3)), SweepParameter("b", (10, 20))
    assert len(design([a, b], "factorial")) == 1 + 6
    oat = design([a, b], "oat")
    assert oat == [{}, {"a": 1}, {"a": 2}, {"a": 3}, {"b": 10}, {"b": 20}]
    with pytest.raises(ValueError):
        design([a], "latin")


def test_bad_variant_value_is_located_in_the_file():
    with pytest.raises(ScenarioError) as err:
        build_variant(TINY, {"rotation.dwell_ratio": "lots"})
    text = str(err.value)
    assert "tiny.yaml:" in text and "rotation.dwell_ratio" in text
    assert "--set rotation.dwell_ratio=lots" in text
    assert build_variant(TINY, {"rotation.dwell_ratio": 3}).rotation.dwell_ratio == 3.0


def test_sweep_uses_common_random_numbers(tmp_path, allocation):
    params = [
        SweepParameter("rotation.dwell_ratio", (2, 3)),
        SweepParameter("horizon_days", (120, 90)),
    ]
    result = sweep(
        TINY,
        params,
        "oat",
        replications=3,
        seed=5,
        jobs=1,
        out=tmp_path / "sw",
        allocation=allocation,
        replicate=fake_replicate,
    )
    table = pd.read_csv(tmp_path / "sw" / "sweep.csv")
    assert sorted(table["variant"].unique()) == [0, 1, 2, 3, 4]
    assert {
        "rotation.dwell_ratio",
        "horizon_days",
        "metric",
        "unit",
        "mean",
        "ci_low",
        "ci_high",
        "diff_vs_baseline",
        "diff_ci_low",
        "diff_ci_high",
    } <= set(table.columns)
    fill = table[table["metric"] == "fill_rate"].set_index("variant")
    # The stand-in model ignores dwell ratio: with common random numbers the paired
    # difference is exactly zero, not merely small.
    assert fill.loc[1, "diff_vs_baseline"] == 0.0 and fill.loc[2, "diff_ci_high"] == 0.0
    assert fill.loc[0, "varied"] == "baseline" and fill.loc[4, "varied"] == "horizon_days"
    assert fill.loc[4, "settings"] == "horizon_days=90"
    assert (tmp_path / "sw" / "variant-004" / "summary.json").exists()
    assert len(result.runs) == 5
    gaps = table[table["metric"] == "rotation_gap_unit_days"].set_index("variant")
    assert gaps.loc[4, "diff_vs_baseline"] < 0  # a shorter horizon counts fewer gap-days


def test_progress_bar_counts_and_is_off_without_a_terminal(capsys):
    from logistics_sim.experiment import Progress, progress_wanted

    assert not progress_wanted(quiet=False)  # pytest's captured stdout is not a terminal
    assert not progress_wanted(quiet=True)
    bar = Progress(True, total=3, horizon_days=120, label="tiny")
    for _ in range(3):
        bar.advance()
    bar.grow(4)
    bar.close()
    assert bar.done == 3
    assert "3/4" in capsys.readouterr().out
    silent = Progress(False, total=2, horizon_days=120, label="tiny")
    silent.advance()
    silent.close()
    assert capsys.readouterr().out == ""


def _session_members(session: int) -> list[int]:
    """PIDs of live processes in a session (Linux /proc), zombies excluded."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session and fields[0] != "Z":  # fields: state, ppid, pgrp, session
            members.append(int(stat.parent.name))
    return members


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_sigkill_of_process_pool_run_leaves_no_workers_and_resumes(tiny, allocation, tmp_path):
    out = tmp_path / "killed"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
        from experiment_fixture import slow_replicate
        from logistics_sim import load_scenario
        from logistics_sim.experiment import simulate, stand_in_allocation
        if __name__ == "__main__":
            s = load_scenario({str(TINY)!r})
            simulate(s, stand_in_allocation(s), replications=40, seed=11, jobs=2,
                     out={str(out)!r}, replicate=slow_replicate)
    """)
    path = tmp_path / "run.py"
    path.write_text(script)
    proc = subprocess.Popen([sys.executable, str(path)], cwd=ROOT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(rf.finished_replications(out)) < 4:
            assert proc.poll() is None, f"run ended early (exit {proc.returncode})"
            assert time.monotonic() < deadline, "no 4 replications within 120 s"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    deadline = time.monotonic() + 15
    while _session_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _session_members(proc.pid)
    for pid in left:  # do not leave them behind even when the assertion fails
        os.kill(pid, signal.SIGKILL)
    assert left == [], "pool workers outlived the killed run"

    survived = rf.finished_replications(out)
    assert 4 <= len(survived) < 40, survived
    resumed = run(tiny, allocation, out, n=40, resume=True)
    assert not list((out / "replications").glob(".rep-*.tmp"))
    clean = run(tiny, allocation, tmp_path / "clean", n=40)
    assert folder_bytes(resumed.folder) == folder_bytes(clean.folder)


def test_worker_with_other_model_code_refuses_and_writes_nothing(tiny, allocation, tmp_path):
    outcome = run_and_store(
        fake_replicate, tiny, allocation, 11, 0, str(tmp_path), code_sha="0" * 64
    )
    assert not outcome.ok and "model code" in outcome.error and "differs" in outcome.error
    assert rf.finished_replications(tmp_path) == []
    same = run_and_store(
        fake_replicate, tiny, allocation, 11, 0, str(tmp_path), code_sha=rf.code_fingerprint()
    )
    assert same.ok and rf.finished_replications(tmp_path) == [0]


def test_resume_refuses_a_run_made_by_other_model_code(tiny, allocation, tmp_path):
    out = tmp_path / "r"
    run(tiny, allocation, out, n=2)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["code_sha256"] == rf.code_fingerprint()
    manifest["code_sha256"] = "f" * 64  # as if the engine had changed since
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(rf.RunFolderMismatch, match="code_sha256"):
        run(tiny, allocation, out, n=3, resume=True)
    assert run(tiny, allocation, out, n=3).summary["replications"] == 3  # a fresh run may


def test_a_folder_in_use_is_refused(tiny, allocation, tmp_path):
    out = tmp_path / "r"
    with rf.exclusive(out), pytest.raises(rf.RunFolderMismatch, match="in use"):
        run(tiny, allocation, out, n=2)
    assert run(tiny, allocation, out, n=2).summary["replications"] == 2  # free again
