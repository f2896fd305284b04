"""Issue 20's cases, each reproduced through the command line: no user file lost, finished work
kept, what is resumed verified, every input bounded with a located message, text inert."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from logistics_sim import experiment
from logistics_sim import runfolder as rf
from logistics_sim.cli import app
from testsupport.replicates import fake_replicate

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny.yaml"

runner = CliRunner()


def use_model(monkeypatch: pytest.MonkeyPatch, replicate: object) -> None:
    """Run ``replicate`` instead of the engine (where ``simulate`` looks it up)."""
    monkeypatch.setattr(experiment.run, "default_replicate", lambda: replicate)


@pytest.fixture
def fake_model(monkeypatch):
    """The stand-in replicate function instead of the engine (sequential runs, in-process)."""
    use_model(monkeypatch, fake_replicate)


def simulate(out: Path | str, *extra: str) -> object:
    """``simulate tiny.yaml`` with 3 sequential replications into ``out``."""
    args = ["simulate", str(TINY), "-n", "3", "-j", "1", "--quiet", "--out", str(out), *extra]
    return runner.invoke(app, args)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# --- a folder the tool did not create is not written into ----------------------------------


def test_out_naming_a_users_folder_is_refused_and_nothing_changes(fake_model, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    for name, text in {
        "summary.json": '{"mine": 1}',
        "allocation.csv": "x\n1\n",
        "report.html": "<p>mine</p>",
    }.items():
        (mine / name).write_text(text)
    before = snapshot(mine)
    result = simulate(mine)
    assert result.exit_code == 2
    assert "exists and was not created by logistics-sim" in result.stderr
    assert "allocation.csv, report.html, summary.json" in result.stderr
    assert snapshot(mine) == before


def test_empty_out_is_the_working_directory_and_is_refused(fake_model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    result = simulate("")
    assert result.exit_code == 2 and "was not created by logistics-sim" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_out_naming_a_file_is_refused(fake_model, tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("mine")
    result = simulate(target)
    assert result.exit_code == 2 and "is a file, not a folder" in result.stderr
    assert target.read_text() == "mine"


def test_optimise_out_is_claimed_like_a_run_folder(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "allocation.csv").write_text("my own plan\n")
    result = runner.invoke(app, ["optimise", str(TINY), "--out", str(mine)])
    assert result.exit_code == 2 and "not created by logistics-sim" in result.stderr
    assert (mine / "allocation.csv").read_text() == "my own plan\n"


def test_users_file_inside_a_run_folder_survives_reruns(fake_model, tmp_path):
    out = tmp_path / "run"
    assert simulate(out).exit_code == 0
    (out / "notes.md").write_text("my notes")
    assert simulate(out, "-n", "5").exit_code == 0
    assert (out / "notes.md").read_text() == "my notes"


# --- finished replications are never discarded without the user asking ----------------------


def test_rerun_without_resume_keeps_and_reuses_finished_replications(fake_model, tmp_path):
    out = tmp_path / "run"
    assert simulate(out, "-n", "8").exit_code == 0
    before = {r: rf.replication_path(out, r).read_bytes() for r in range(8)}
    result = simulate(out, "-n", "2")  # the old code deleted six of the eight
    assert result.exit_code == 0, result.output
    assert rf.finished_replications(out) == list(range(8))
    assert {r: rf.replication_path(out, r).read_bytes() for r in range(8)} == before
    assert json.loads((out / "summary.json").read_text())["replications"] == 8


@pytest.mark.parametrize("flags", [["--resume"], []])
def test_report_resume_reports_a_run_without_recomputing_it(monkeypatch, tmp_path, flags):
    out = tmp_path / "run"
    use_model(monkeypatch, fake_replicate)
    assert simulate(out, "-n", "4", "--seed", "3").exit_code == 0
    calls: list[int] = []

    def counting(scenario, alloc, seed, r):
        calls.append(r)
        return fake_replicate(scenario, alloc, seed, r)

    use_model(monkeypatch, counting)
    args = ["report", str(TINY), "-n", "2", "--seed", "3", "-j", "1", "-q", "--out", str(out)]
    result = runner.invoke(app, [*args, *flags])  # without --resume too: nothing deleted
    assert result.exit_code == 0, result.output
    assert calls == [] and rf.finished_replications(out) == [0, 1, 2, 3]
    assert (out / "report.html").is_file()


# --- what is resumed is verified ----------------------------------------------------------


def test_replication_copied_over_another_is_set_aside_and_rerun(fake_model, tmp_path):
    out = tmp_path / "run"
    assert simulate(out, "-n", "5").exit_code == 0
    clean = json.loads((out / "summary.json").read_text())
    shutil.copy(rf.replication_path(out, 4), rf.replication_path(out, 3))
    result = simulate(out, "-n", "5", "--resume")
    assert result.exit_code == 0, result.output
    assert "warning: replication 3's file was not this run's or not whole: its replication" in (
        result.stderr
    )
    assert (out / "replications" / "rejected" / "rep-00003.parquet").is_file()
    assert json.loads((out / "summary.json").read_text()) == clean  # not a wrong summary


def test_truncated_replication_is_set_aside_and_rerun(fake_model, tmp_path):
    out = tmp_path / "run"
    assert simulate(out).exit_code == 0
    path = rf.replication_path(out, 1)
    path.write_bytes(path.read_bytes()[:100])
    result = simulate(out, "--resume")
    assert result.exit_code == 0, result.output
    assert "replication 1's file" in result.stderr and "unreadable" in result.stderr
    assert rf.finished_replications(out) == [0, 1, 2]
    again = simulate(out, "--resume")  # the next resume does not fail on it either
    assert again.exit_code == 0 and "warning" not in again.stderr


def test_failed_resume_leaves_no_old_summary(fake_model, tmp_path, monkeypatch):
    out = tmp_path / "run"
    assert simulate(out).exit_code == 0
    assert (out / "summary.json").is_file()

    def broken(scenario, alloc, seed, r):
        raise RuntimeError("boom")

    use_model(monkeypatch, broken)
    for r in range(3):
        rf.replication_path(out, r).unlink()
    result = simulate(out, "--resume")
    assert result.exit_code == 1
    assert not (out / "summary.json").exists()


def test_corrupt_manifest_is_exit_2_with_its_location(fake_model, tmp_path):
    out = tmp_path / "run"
    assert simulate(out).exit_code == 0
    (out / "manifest.json").write_text('{"scenario": "tiny",\n  "base_seed": }\n')
    result = simulate(out, "--resume")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{out / 'manifest.json'}:2:16: (file): not valid JSON")


# --- every input bounded, with a located message ------------------------------------------


@pytest.mark.parametrize("value", ["0", "1e-300", "inf", "-1", "nan"])
def test_target_half_width_out_of_bounds_is_refused_before_any_work(fake_model, tmp_path, value):
    out = tmp_path / "run"
    result = simulate(out, "--target-half-width", value)
    assert result.exit_code == 2
    assert "target half-width must be between 0.0001 and 10.0" in result.stderr
    assert not out.exists()


def test_work_above_the_limit_is_refused_and_the_limit_can_be_raised(
    fake_model, tmp_path, monkeypatch
):
    monkeypatch.setenv("LOGISTICS_SIM_MAX_RUN_UNIT_DAYS", "1000")
    out = tmp_path / "run"
    result = simulate(out)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: refused before starting: 6 units x 120 days x 3 ")
    assert "set LOGISTICS_SIM_MAX_RUN_UNIT_DAYS to raise it" in result.stderr
    assert not out.exists()  # no half-made run folder
    monkeypatch.setenv("LOGISTICS_SIM_MAX_RUN_UNIT_DAYS", "3000")
    assert simulate(out).exit_code == 0


def test_sweep_above_the_variant_limit_is_refused(fake_model, tmp_path):
    values = ",".join(str(v) for v in range(2, 32))
    result = runner.invoke(
        app,
        [
            "sweep",
            str(TINY),
            "--set",
            f"rotation.dwell_ratio={values}",
            "--set",
            f"rotation.overlap_days={values}",
            "--out",
            str(tmp_path / "sw"),
        ],
    )
    assert result.exit_code == 2
    assert "the sweep's number of variants is 901, above the limit of 200" in result.stderr
    assert "LOGISTICS_SIM_MAX_SWEEP_VARIANTS" in result.stderr
    assert not (tmp_path / "sw").exists()


def test_set_value_with_a_yaml_tag_is_exit_2(fake_model, tmp_path):
    result = runner.invoke(
        app,
        ["sweep", str(TINY), "--set", "horizon_days=!!python/object:os.system x", "-j", "1"],
    )
    assert result.exit_code == 2
    assert "explicit YAML tags are not allowed" in result.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "1:1: (file): allocation CSV lacks column 'nation'"),
        ("nation,capability,units\n", "1:1: (file): the allocation has no rows"),
        (
            "nation,capability,units\nGBR,mech_inf,2\nGBR,mech_inf,2\nFRA,artillery,2\n",
            "3:1: rows[1].nation: GBR mech_inf is also on row 0; give each pair once",
        ),
        (
            "nation,capability,units\nGBR,mech_inf,-1\n",
            "2:1: rows[0].units: units must be a whole number 0-10,000, got '-1'",
        ),
        (
            "nation,capability,units\nGBR,mech_inf,2.5\n",
            "2:1: rows[0].units: units must be a whole number 0-10,000, got '2.5'",
        ),
    ],
)
def test_bad_allocation_files_are_located(fake_model, tmp_path, text, message):
    csv = tmp_path / "alloc.csv"
    csv.write_text(text)
    result = simulate(tmp_path / "run", "--allocation", str(csv))
    assert result.exit_code == 2, result.output
    assert f"{csv}:{message}" in result.stderr
    assert not (tmp_path / "run").exists()


def test_allocation_beyond_capacity_is_warned_with_what_is_exceeded(fake_model, tmp_path):
    csv = tmp_path / "alloc.csv"
    csv.write_text("nation,capability,units\nGBR,mech_inf,400\nFRA,artillery,2\n")
    result = simulate(tmp_path / "run", "--allocation", str(csv))
    assert "warning: the allocation file breaks a limit: mech_inf: 400 units deployed, 4 " in (
        result.stderr
    )
    assert "GBR: rotation pool" in result.stderr


# --- text from inputs is inert on the terminal --------------------------------------------


def test_control_characters_in_scenario_text_cannot_forge_lines(fake_model, tmp_path):
    hostile = "Fill\\nverdict: FEASIBLE\\x1b]0;owned\\x07\\x1b[2J\\u202e"
    text = TINY.read_text().replace("{name: Supply fill rate,", f'{{name: "{hostile}",')
    assert text != TINY.read_text()
    scenario = tmp_path / "s.yaml"
    (tmp_path / "data").symlink_to(ROOT / "scenarios" / "data")
    scenario.write_text(text)
    result = runner.invoke(
        app, ["simulate", str(scenario), "-n", "2", "-j", "1", "-q", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output
    lines = result.stdout.splitlines()
    assert not any(line.startswith("verdict: FEASIBLE\\x1b") for line in lines)
    assert any(
        "Fill\\nverdict: FEASIBLE\\x1b]0;owned\\x07\\x1b[2J\\u202e" in line for line in lines
    )


def test_nation_code_with_a_newline_cannot_forge_a_problem_line(tmp_path):
    text = TINY.read_text().replace("{code: FRA,", '{code: "FRA\\nx.yaml:1:1: name: forged",')
    scenario = tmp_path / "s.yaml"
    (tmp_path / "data").symlink_to(ROOT / "scenarios" / "data")
    scenario.write_text(text)
    result = runner.invoke(app, ["validate", str(scenario)])
    assert result.exit_code == 2
    assert all(line.startswith(f"{scenario}:") for line in result.stderr.splitlines())


# --- process-level behaviour: pipes and Ctrl-C --------------------------------------------


def test_schema_into_a_closed_pipe_prints_no_traceback():
    proc = subprocess.Popen(
        [sys.executable, "-m", "logistics_sim.cli", "schema"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()  # as `| head -c 10` does
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err


@pytest.mark.slow
def test_ctrl_c_after_the_optimiser_is_clean(tmp_path):
    """OR-Tools leaves SIGINT at its default action after solving; the run re-arms Python's."""
    out = tmp_path / "run"
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT / "tests")!r})
        from testsupport.replicates import fake_replicate
        from logistics_sim.experiment import run
        from logistics_sim.cli import app

        def interrupted(scenario, alloc, seed, r):
            if r == 1:
                os.kill(os.getpid(), signal.SIGINT)
            return fake_replicate(scenario, alloc, seed, r)

        run.default_replicate = lambda: interrupted
        app(["simulate", {str(TINY)!r}, "-n", "3", "-j", "1", "-q", "--out", {str(out)!r}])
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 130, (done.returncode, done.stderr)
    assert "interrupted: finished replications are kept" in done.stderr
    assert "Traceback" not in done.stderr
    assert rf.finished_replications(out) == [0]


@pytest.mark.slow
def test_ctrl_c_reaching_spawned_workers_prints_no_traceback(tmp_path):
    out = tmp_path / "run"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT / "tests")!r})
        from testsupport.replicates import slow_replicate
        from logistics_sim.experiment import run
        from logistics_sim.cli import app

        run.default_replicate = lambda: slow_replicate
        app(["simulate", {str(TINY)!r}, "-n", "40", "-j", "2", "-q", "--out", {str(out)!r}])
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        import time

        deadline = time.monotonic() + 120
        while not rf.finished_replications(out):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)  # the terminal sends it to the whole group
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
