"""``logistics-sim compare``: runs side by side, paired differences where the seeds match."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_report_fixture import make_run_folder

from logistics_sim.cli import app

RUNNER = CliRunner()


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("compare")
    first = make_run_folder(root / "feasible", replications=3)
    second = make_run_folder(root / "infeasible", replications=3, infeasible=True)
    out = root / "out"
    result = RUNNER.invoke(app, ["compare", str(first), str(second), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_compare_writes_three_files_with_paired_differences(comparison: Path) -> None:
    assert {p.name for p in comparison.iterdir()} == {
        "comparison.csv",
        "comparison.md",
        "comparison.html",
        ".logistics-sim",
    }
    table = pd.read_csv(comparison / "comparison.csv")
    first, second = table["folder"].unique()
    figures = table[table["item"].str.startswith(("criterion", "figure"))]
    assert figures[figures["folder"] == first]["diff_vs_first"].isna().all()
    paired = figures[figures["folder"] == second].set_index("metric")
    mine = table[table["folder"] == second].set_index("item")
    base = table[table["folder"] == first].set_index("item")
    # the paired difference of a mean is the difference of the means (same replications)
    name = "figure: covered_strength_mean_pax"
    assert paired.loc["covered_strength_mean_pax", "diff_vs_first"] == pytest.approx(
        mine.loc[name, "mean"] - base.loc[name, "mean"]
    )
    assert "Δ" in (comparison / "comparison.md").read_text()


def test_compare_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep")
    run = make_run_folder(tmp_path / "run", replications=2)
    result = RUNNER.invoke(app, ["compare", str(run), str(run), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "was not created by logistics-sim" in result.output
    assert (tmp_path / "mine.txt").read_text() == "keep"


@pytest.mark.browser
def test_comparison_page_opens_cleanly_in_chromium(comparison: Path, tmp_path: Path) -> None:
    from test_report_browser import CHROMIUM, open_page

    if CHROMIUM is None:
        pytest.skip("chromium not installed")
    errors, broken = open_page(comparison / "comparison.html", tmp_path / "p", tmp_path / "c.png")
    assert errors == [] and broken == []
    assert (tmp_path / "c.png").read_bytes().startswith(b"\x89PNG")
