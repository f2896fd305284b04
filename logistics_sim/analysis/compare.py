"""Runs side by side: verdicts, criteria with their intervals, key figures, paired differences.

Each run is a run folder (or a scenario, run first through the same fielding as ``report``).
Differences from the first run are paired by replication (common random numbers) when both
runs used the same base seed; otherwise none is given, since independent runs would need an
unpaired interval that the shared seeds were meant to avoid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from logistics_sim import runfolder as rf
from logistics_sim.metrics import paired_difference

#: The logistics figures shown for every run besides the criteria.
KEY_FIGURES = (
    "covered_strength_mean_pax",
    "initial_deployment_closure_days",
    "supply_demand_t_per_day",
    "fill_rate",
    "min_days_of_supply",
    "reinforcement_closure_days",
    "probability_reinforcement_on_time",
    "max_node_utilisation",
)


@dataclass(frozen=True)
class ComparedRun:
    """One run: a label, its folder, summary.json and per-replication metrics."""

    label: str
    folder: Path
    summary: dict[str, Any]
    per_replication: pd.DataFrame


def load_compared(folder: Path) -> ComparedRun:
    """A finished run folder (summary.json and replication_metrics.csv)."""
    summary = rf.read_json(folder / rf.SUMMARY)
    frame = pd.read_csv(folder / "replication_metrics.csv", index_col="replication")
    return ComparedRun(str(summary.get("scenario", folder.name)), folder, summary, frame)


def _verdict_rows(run: ComparedRun) -> list[dict[str, Any]]:
    """The verdict items of one run (text values)."""
    s = run.summary
    largest = s.get("largest_force_pax")
    return [
        {"item": "overall verdict", "text": s.get("verdict", "")},
        {"item": "requirement verdict", "text": s.get("requirement_verdict", "not assessed")},
        {"item": "troops asked", "mean": s.get("asked_pax")},
        {"item": "largest sustainable force (troops)", "mean": largest},
        {"item": "force verdict", "text": s.get("force_verdict", s.get("verdict", ""))},
        {"item": "replications", "mean": s.get("replications")},
    ]


def _figure_rows(run: ComparedRun, first: ComparedRun | None) -> list[dict[str, Any]]:
    """Each criterion and key figure with its interval and, when paired, the difference."""
    s = run.summary
    metrics = s.get("metrics", {})
    paired = (
        first is not None
        and first is not run
        and first.summary.get("base_seed") == s.get("base_seed")
        and len(first.per_replication.index.intersection(run.per_replication.index)) >= 2
    )
    confidence = float(s.get("confidence", 0.95))
    diffs = (
        paired_difference(run.per_replication, first.per_replication, confidence)
        if paired and first is not None
        else {}
    )
    items: list[tuple[str, str, str]] = [
        (f"criterion: {c['name']}", str(c["metric"]), str(c["verdict"]))
        for c in s.get("criteria", [])
    ]
    items += [(f"figure: {name}", name, "") for name in KEY_FIGURES if name in metrics]
    rows = []
    for item, name, verdict in items:
        stat = metrics.get(name, {})
        row: dict[str, Any] = {
            "item": item,
            "metric": name,
            "unit": stat.get("unit", ""),
            "mean": stat.get("mean"),
            "ci_low": stat.get("ci_low"),
            "ci_high": stat.get("ci_high"),
            "text": verdict,
        }
        if name in diffs:
            d = diffs[name]
            row.update(diff_vs_first=d.mean, diff_ci_low=d.ci_low, diff_ci_high=d.ci_high)
        rows.append(row)
    return rows


def comparison_table(runs: Sequence[ComparedRun]) -> pd.DataFrame:
    """comparison.csv: one row per run and item (verdicts, criteria, key figures)."""
    columns = [
        "run",
        "folder",
        "item",
        "metric",
        "unit",
        "mean",
        "ci_low",
        "ci_high",
        "text",
        "diff_vs_first",
        "diff_ci_low",
        "diff_ci_high",
    ]
    rows = []
    for run in runs:
        for row in _verdict_rows(run) + _figure_rows(run, runs[0] if runs else None):
            rows.append({"run": run.label, "folder": str(run.folder), **row})
    return pd.DataFrame(rows, columns=columns)
