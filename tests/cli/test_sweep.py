"""`logistics-sim sweep`: variants, sweep.csv, bad --set values located in the file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from logistics_sim.cli import app
from logistics_sim.experiment import run as experiment_run
from testsupport.replicates import fake_replicate

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny.yaml"

runner = CliRunner()


@pytest.fixture
def fake_model(monkeypatch):
    monkeypatch.setattr(experiment_run, "default_replicate", lambda: fake_replicate)


def test_factorial_sweep_writes_table(fake_model, tmp_path):
    out = tmp_path / "sweep"
    result = runner.invoke(
        app,
        [
            "sweep",
            str(TINY),
            "--set",
            "rotation.dwell_ratio=2,3",
            "--set",
            "nations[FRA].tour_days=90,120",
            "-n",
            "2",
            "-j",
            "1",
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "sweep.csv")
    assert table["variant"].nunique() == 1 + 4
    assert "variant   0 baseline" in result.stdout and "fill_rate" in result.stdout
    assert "rotation.dwell_ratio=3, nations[FRA].tour_days=120" in result.stdout
    assert sorted(p.name for p in out.glob("variant-*")) == [f"variant-{i:03d}" for i in range(5)]


def test_oat_design(fake_model, tmp_path):
    out = tmp_path / "sweep"
    result = runner.invoke(
        app,
        [
            "sweep",
            str(TINY),
            "--set",
            "rotation.dwell_ratio=2,3,4",
            "--set",
            "experiment.warmup_days=10",
            "--design",
            "oat",
            "-n",
            "2",
            "-j",
            "1",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out / "sweep.csv")["variant"].nunique() == 1 + 3 + 1


def test_bad_value_reports_file_line_col(tmp_path):
    result = runner.invoke(
        app, ["sweep", str(TINY), "--set", "rotation.dwell_ratio=2,-1", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    line = result.stderr.strip().splitlines()[0]
    assert line.startswith(f"{TINY}:") and "rotation.dwell_ratio" in line
    assert "--set rotation.dwell_ratio=-1" in line


def test_bad_set_syntax_and_design(tmp_path):
    result = runner.invoke(app, ["sweep", str(TINY), "--set", "rotation.dwell_ratio"])
    assert result.exit_code == 2 and "path=value" in result.stderr
    result = runner.invoke(app, ["sweep", str(TINY), "--set", "nations[DEU].tour_days=1"])
    assert result.exit_code == 2 and "no item 'DEU'" in result.stderr
    result = runner.invoke(app, ["sweep", str(TINY), "--set", "a=1", "--design", "latin"])
    assert result.exit_code == 2


def test_sweep_shows_verdicts_and_warns_of_shadowing_national_settings(fake_model, tmp_path):
    # tiny's France sets its own tour_days (120): a swept rotation.tour_days does not reach it
    out = tmp_path / "sweep"
    args = ["sweep", str(TINY), "--set", "rotation.tour_days=60,90", "-n", "2", "-j", "1"]
    result = runner.invoke(app, [*args, "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "warning: FRA tour_days=120 set their own value, which overrides the swept" in (
        result.stderr
    )
    table = pd.read_csv(out / "sweep.csv")
    assert set(table["requirement_verdict"]) == {"FEASIBLE"}  # tiny's 3,200 can be generated
    assert set(table["largest_force_pax"]) == {3200}
    assert "requirement FEASIBLE (largest force 3,200), force " in result.stdout


def test_enablers_gives_each_switch_paired_differences(fake_model, tmp_path):
    out = tmp_path / "enablers"
    result = runner.invoke(app, ["enablers", str(TINY), "-n", "3", "-j", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "enablers.csv")
    assert set(table["enabler"]) == {"air_defence", "isr", "airlift"}
    assert set(table["criterion"]) == {"Deployed strength", "Supply fill rate"}
    # the paired difference of the means is the difference of the means (same replications)
    assert (table["difference"] - (table["without"] - table["with"])).abs().max() < 1e-9
    sweep = pd.read_csv(out / "sweep.csv")
    assert sorted(sweep["varied"].unique()) == [
        "baseline",
        "us_enablers.air_defence.enabled",
        "us_enablers.airlift.enabled",
        "us_enablers.isr.enabled",
    ]


def test_frontier_writes_csv_and_figure_and_simulates_each_point(fake_model, tmp_path):
    out = tmp_path / "frontier"
    args = ["frontier", str(TINY), "--vary", "rotation.tour_days=60,90", "--simulate", "2"]
    result = runner.invoke(app, [*args, "-j", "1", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "frontier.csv")
    assert list(table["rotation.tour_days"]) == [60, 90]
    assert set(table["requirement_verdict"]) == {"FEASIBLE"}
    assert set(table["force_verdict"]) <= {"FEASIBLE", "AT_RISK", "INFEASIBLE"}
    assert (out / "frontier.svg").read_bytes().startswith(b"<?xml")
    assert sorted(p.name for p in out.glob("point-*")) == ["point-000", "point-001"]
    # France's own tour (120 days) is replaced by the lever, and the output says so
    assert "national settings replaced by the levers: FRA tour_days=120" in result.stdout
    assert set(table["national_settings_removed"]) == {"FRA tour_days=120"}
