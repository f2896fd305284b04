"""`logistics-sim simulate`: run folder, verdict output, exit codes, resume refusal."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from logistics_sim.cli import app
from logistics_sim.experiment import run as experiment_run

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny.yaml"
sys.path.insert(0, str(ROOT / "tests" / "unit"))
from experiment_fixture import failing_replicate, fake_replicate  # noqa: E402

runner = CliRunner()


@pytest.fixture
def fake_model(monkeypatch):
    """The stand-in replicate function instead of the engine (sequential runs, in-process)."""
    monkeypatch.setattr(experiment_run, "default_replicate", lambda: fake_replicate)


def test_simulate_writes_run_folder_and_prints_verdict(fake_model, tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["simulate", str(TINY), "-n", "3", "--seed", "4", "-j", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert f"run folder: {out}" in result.stdout
    assert "verdict: " in result.stdout and "Deployed strength" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replications"] == 3 and summary["base_seed"] == 4
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command_line"] and manifest["allocation_source"]
    assert (out / "allocation.csv").read_text().startswith("nation,capability,units")


def test_simulate_with_allocation_file(fake_model, tmp_path):
    csv = tmp_path / "alloc.csv"
    csv.write_text("nation,capability,units\nGBR,mech_inf,4\nFRA,artillery,2\n")
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "simulate",
            str(TINY),
            "-n",
            "2",
            "-j",
            "1",
            "--allocation",
            str(csv),
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["allocation_source"] == f"file: {csv}"
    assert "optimisation.json" not in {p.name for p in out.iterdir()}


def test_bad_allocation_file_exits_2(fake_model, tmp_path):
    csv = tmp_path / "alloc.csv"
    csv.write_text("nation,units\nGBR,4\n")
    result = runner.invoke(app, ["simulate", str(TINY), "--allocation", str(csv)])
    assert result.exit_code == 2
    assert "lacks column 'capability'" in result.stderr


def test_allocation_naming_an_unknown_nation_exits_2(fake_model, tmp_path):
    csv = tmp_path / "alloc.csv"
    csv.write_text("nation,capability,units\nDEU,mech_inf,4\nFRA,artillery,2\n")
    result = runner.invoke(app, ["simulate", str(TINY), "--allocation", str(csv)])
    assert result.exit_code == 2
    assert "nation DEU not in scenario tiny (it has FRA, GBR)" in result.stderr


def test_bad_scenario_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.read_text().replace("horizon_days: 120", "horizon_days: -5"))
    result = runner.invoke(app, ["simulate", str(bad), "-n", "1"])
    assert result.exit_code == 2
    assert "bad.yaml:" in result.stderr and "horizon_days" in result.stderr


def test_resume_into_other_seed_is_refused(fake_model, tmp_path):
    out = tmp_path / "run"
    base = ["simulate", str(TINY), "-n", "2", "-j", "1", "--out", str(out), "--quiet"]
    assert runner.invoke(app, [*base, "--seed", "1"]).exit_code == 0
    result = runner.invoke(app, [*base, "--seed", "2", "--resume"])
    assert result.exit_code == 2 and "cannot resume" in result.stderr
    assert runner.invoke(app, [*base, "--seed", "1", "--resume"]).exit_code == 0


def test_failed_replication_reported_by_number(monkeypatch, tmp_path):
    monkeypatch.setattr(experiment_run, "default_replicate", lambda: failing_replicate)
    out = tmp_path / "run"
    result = runner.invoke(app, ["simulate", str(TINY), "-n", "5", "-j", "1", "--out", str(out)])
    assert result.exit_code == 1
    assert "replication 3 failed: RuntimeError: boom in replication 3" in result.stderr
    assert json.loads((out / "summary.json").read_text())["replications"] == 4


def test_simulate_runs_the_engine(tmp_path):
    """No stand-in: the engine's run_replication on tiny.yaml, end to end through the CLI."""
    out = tmp_path / "run"
    result = runner.invoke(app, ["simulate", str(TINY), "-n", "2", "-j", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["metrics"]["deployed_strength_mean_pax"]["mean"] > 0
    design_metrics = {  # DESIGN.md §4: names that always exist
        "deployed_strength_mean_pax",
        "deployed_strength_min_pax",
        "days_below_target",
        "initial_deployment_closure_days",
        "rotation_gap_unit_days",
        "supply_demand_t_per_day",
        "supply_delivered_t_per_day",
        "fill_rate",
        "stockout_days",
        "min_days_of_supply",
        "reinforcement_closure_days",
        "probability_reinforcement_on_time",
        "max_node_utilisation",
    }
    assert design_metrics <= set(summary["metrics"])
    for entry in summary["metrics"].values():
        assert {"mean", "ci_low", "ci_high", "unit"} <= set(entry)
    assert {"scenario", "replications", "base_seed", "verdict", "criteria"} <= set(summary)
    for criterion in summary["criteria"]:
        assert {"name", "threshold", "mean", "ci_low", "ci_high", "verdict", "explanation"} <= set(
            criterion
        )
    assert sorted(p.name for p in (out / "replications").iterdir()) == [
        "rep-00000.parquet",
        "rep-00001.parquet",
    ]


def test_default_allocation_comes_from_the_optimiser(fake_model, tmp_path):
    import importlib.util

    if importlib.util.find_spec("optimisation.solve") is None:
        pytest.skip("optimisation package not present")
    out = tmp_path / "run"
    result = runner.invoke(app, ["simulate", str(TINY), "-n", "2", "-j", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "allocation: optimiser (optimal)" in result.stdout
    record = json.loads((out / "optimisation.json").read_text())
    assert record["status"] == "optimal" and record["burden"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["allocation_source"] == "optimiser (optimal)"
    header = (out / "allocation.csv").read_text().splitlines()[0]
    assert header.startswith("nation,capability,units,personnel_deployed,personnel_committed")
