"""`logistics-sim report`: optimise → simulate → report on the real engine; exit 0 always.

Why end to end: the report must build from what the real pipeline writes, not only from the
synthetic fixture; and an infeasible requirement must simulate the largest sustainable force
and say so in the first lines.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from logistics_sim import experiment
from logistics_sim.cli import app
from logistics_sim.report import SECTIONS

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


@dataclass
class InfeasibleResult:
    """What the optimiser returns when the requirement cannot be met (fields as in issue 6)."""

    status: str
    allocation: pd.DataFrame
    largest_sustainable_force: pd.DataFrame
    conflicting_limits: list[str] = field(default_factory=list)


def test_report_simulates_largest_force_when_infeasible(tmp_path: Path, monkeypatch: Any) -> None:
    """An infeasible plan: the largest sustainable force is simulated; first lines say so."""
    largest = pd.DataFrame(
        {
            "nation": ["FRA", "GBR", "GBR"],
            "capability": ["mech_inf", "mech_inf", "artillery"],
            "units": [1, 2, 1],
            "personnel_deployed": [600, 1200, 400],
            "personnel_committed": [1800, 3600, 1200],
        }
    )
    result = InfeasibleResult(
        status="INFEASIBLE",
        allocation=largest.iloc[0:0],
        largest_sustainable_force=largest,
        conflicting_limits=["mech_inf: 4 battalions required; willing nations can sustain 3"],
    )
    monkeypatch.setattr(
        experiment,
        "choose_allocation",
        lambda scenario, csv=None: experiment.AllocationChoice(
            largest.iloc[0:0], "optimiser (INFEASIBLE)", result
        ),
    )
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
