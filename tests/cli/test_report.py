"""`logistics-sim report`: optimise → simulate → report on the real engine; exit 0 always.

Why end to end: the report must build from what the real pipeline writes, not only from the
synthetic fixture; and an infeasible requirement must simulate the largest sustainable force
and say so in the first lines.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from logistics_sim import pipeline
from logistics_sim.cli import app
from logistics_sim.report import SECTIONS
from logistics_sim.scenario import Objective
from optimisation.result import AllocationResult, Diagnosis, Status, allocation_from_rows

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny.yaml"
runner = CliRunner()


def test_report_on_tiny_runs_the_real_pipeline(tmp_path: Path) -> None:
    """Exit 0; verdict and report paths printed; both reports carry every section."""
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        ["report", str(TINY), "-n", "2", "--seed", "3", "-j", "1", "--quiet", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"^verdict: (FEASIBLE|AT RISK|INFEASIBLE)$", result.stdout, flags=re.M)
    assert "3,200 troops asked" in result.stdout
    assert f"report: {out / 'report.html'}" in result.stdout
    html = (out / "report.html").read_text()
    md = (out / "report.md").read_text()
    assert re.findall(r'<section id="([a-z_]+)"', html) == [s for s, _ in SECTIONS]
    assert [ln[3:] for ln in md.splitlines() if ln.startswith("## ")] == [t for _, t in SECTIONS]
    assert (out / "figures" / "strength.svg").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario_sha256"] in html and manifest["scenario_sha256"] in md


@pytest.mark.slow
def test_same_seed_gives_byte_identical_report(tmp_path: Path) -> None:
    """Running the whole pipeline twice with one seed renders the same HTML and Markdown."""
    out = tmp_path / "run"
    args = ["report", str(TINY), "-n", "2", "--seed", "5", "-j", "1", "-q", "--out", str(out)]
    reports = []
    for _ in range(2):
        assert runner.invoke(app, args).exit_code == 0
        reports.append(((out / "report.html").read_bytes(), (out / "report.md").read_bytes()))
    assert reports[0] == reports[1]


def test_report_simulates_largest_force_when_infeasible(tmp_path: Path, monkeypatch: Any) -> None:
    """An infeasible plan: the largest sustainable force is simulated; first lines say so."""
    largest = allocation_from_rows(
        [
            ("FRA", "mech_inf", 1, 600, 1800, 3),
            ("GBR", "mech_inf", 2, 1200, 3600, 6),
            ("GBR", "artillery", 1, 400, 1200, 3),
        ]
    )
    force = AllocationResult(
        Status.optimal, Objective.largest_force, 0.0, 0.0, 0.0, 0.0, largest, (),
        largest_force_share=0.5,
    )  # fmt: skip
    result = dataclasses.replace(
        force,
        status=Status.infeasible,
        objective=Objective.min_max_deviation,
        largest_sustainable_force=force,
        diagnosis=Diagnosis(
            conflicting_limits=("mech_inf: 4 battalions required; willing nations can sustain 3",)
        ),
    )
    monkeypatch.setattr(pipeline, "optimise_scenario", lambda scenario: result)
    out = tmp_path / "run"
    cli = runner.invoke(app, ["report", str(TINY), "-n", "2", "-j", "1", "-q", "--out", str(out)])
    assert cli.exit_code == 0, cli.output
    lines = cli.stdout.splitlines()
    assert lines[0] == "verdict: INFEASIBLE"
    assert "3,200 troops were asked" in lines[1] and "2,200 troops" in lines[1]
    assert pd.read_csv(out / "allocation.csv")["units"].sum() == 4
    html = (out / "report.html").read_text()
    assert "largest sustainable force" in html[: html.index('<section id="binds">')]
    assert "willing nations can sustain 3" in html
