"""Reinforcement closure: the plans, arrivals after the trigger, closure, the surge's cost."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from logistics_sim.report import figures
from logistics_sim.report.findings import reinforcement_windows
from logistics_sim.report.format import dist_text, interval, num, pct, pct_interval
from logistics_sim.report.rundata import (
    RunData,
    band,
    is_nan,
)
from logistics_sim.report.sections.elements import Figure, Section, Table

PRIORITY_WORDS = {
    "reinforcement_first": "the reinforcement goes ahead of rotation and supply",
    "shared": "the reinforcement queues with rotation and supply in arrival order",
}
#: Surge-window metric, the whole-run metric beside it (None: none), row label, digits.
SURGE_ROWS: tuple[tuple[str, str | None, str, int], ...] = (
    ("surge_other_sectors_fill_rate", "fill_rate", "fill rate (share of demand met)", 4),
    ("surge_other_sectors_mean_days_of_supply", None, "mean days of supply", 3),
    ("surge_other_sectors_min_days_of_supply", "min_days_of_supply", "lowest days of supply", 3),
)


def surge_impact_sentence(run: RunData) -> str:
    """What the surge window is and what it shows of the other sectors' supply."""
    plans = run.scenario.reinforcement.plans
    metrics = run.summary.get("metrics", {})
    threatened = sorted({p.sector for p in plans})
    others = [s.id for s in run.scenario.force.sectors if s.id not in threatened]
    targets = sorted({p.target_days for p in plans})
    window = (
        f"the {num(targets[0])} days from the trigger to the target"
        if len(targets) == 1
        else "each plan's days from its trigger to its target"
    )
    fill = metrics.get("surge_other_sectors_fill_rate", {})
    if is_nan(fill.get("mean")):
        return (
            f"Supply in the other sectors during the surge ({window}) cannot be shown: no "
            "supply demand was recorded there in any replication."
        )
    lowest = metrics.get("surge_other_sectors_min_days_of_supply", {})
    where = ", ".join(others) if others else "sectors other than the threatened one"
    return (
        f"Effect of the surge on everyone else's supply: over {window}, the sectors not "
        f"reinforced ({where}) met {pct(fill.get('mean'))} of their demand, and their stocks "
        f"fell as low as {num(lowest.get('mean'))} days of supply on average over replications "
        "(table: mean [CI]; beside it, the whole run after the warm-up in all sectors). To see "
        "what the priority rule costs them, sweep it with common random numbers: "
        '`logistics-sim sweep FILE --set "reinforcement.plans[0].priority=shared,'
        'reinforcement_first"`.'
    )


def surge_impact_table(metrics: Mapping[str, Mapping[str, Any]]) -> Table | None:
    """Other sectors' fill rate and days of supply in the surge beside the whole run's."""
    if all(is_nan(metrics.get(m, {}).get("mean")) for m, *_ in SURGE_ROWS):
        return None
    rows = [
        [
            label,
            interval(metrics.get(surge, {}), digits),
            interval(metrics[whole], digits) if whole and whole in metrics else "—",
        ]
        for surge, whole, label, digits in SURGE_ROWS
    ]
    return Table(["supply", "other sectors, surge window", "whole run, all sectors"], rows)


def reinforcement_section(run: RunData) -> Section:
    """Arrivals curve after the trigger and the CDF of closure days against the target."""
    sec = Section("reinforcement", "Reinforcement closure")
    plans = run.scenario.reinforcement.plans
    if not plans:
        sec.paragraphs.append("The scenario has no reinforcement plan; nothing to show.")
        return sec
    windows = reinforcement_windows(run)
    horizon = run.scenario.horizon_days
    triggered = windows[windows["trigger"].notna() & (windows["trigger"] < horizon)]
    per_unit = {c.id: c.personnel_per_unit_pax for c in run.scenario.force.capabilities}
    targets = {p.sector: p.target_days for p in plans}
    required = {
        p.sector: p.closure_share * sum(per_unit.get(r.capability, 0) * r.units for r in p.required)
        for p in plans
    }
    for p in plans:
        units = ", ".join(f"{r.units} × {r.capability}" for r in p.required)
        sec.bullets.append(
            f"Plan {p.id}: sector {p.sector} needs {units} ({pct(p.closure_share)} to close) "
            f"within {num(p.target_days)} days of the trigger (trigger day: "
            f"{dist_text(p.trigger_day)}); at shared nodes {PRIORITY_WORDS[p.priority.value]}."
        )
    metrics = run.summary.get("metrics", {})
    close = metrics.get("reinforcement_closure_days", {})
    ontime = metrics.get("probability_reinforcement_on_time", {})
    if triggered.empty:
        sec.paragraphs.append("No plan was triggered within the horizon in any replication.")
        return sec
    never = close.get("never_reached", 0)
    on_time = f"on time in {pct_interval(ontime)} of replications (Wilson interval)"
    if close.get("n", 0):
        sec.paragraphs.append(
            f"Closure time {interval(close)} days (mean [CI] over the replications that closed; "
            f"{never} never closed within the horizon); {on_time}."
        )
    else:
        sec.paragraphs.append(
            f"The required force never closed at the threatened sector in any of the {never} "
            f"replications where a plan was triggered; {on_time}."
        )
    sec.paragraphs.append(surge_impact_sentence(run))
    arr = run.reduced.arrivals.merge(
        triggered[["replication", "sector", "trigger"]], on=["replication", "sector"]
    )
    arr = arr.assign(since=arr["day"] + 1 - arr["trigger"].apply(math.floor))
    arr = arr[arr["since"] >= 0]
    # Late triggers leave few days before the horizon: draw only the days after the trigger
    # that at least half of the triggered replications (and two) still observe.
    observed = arr.groupby(["sector", "since"])["replication"].transform("nunique")
    runs = arr["sector"].map(triggered.groupby("sector")["replication"].nunique())
    arr = arr[observed >= np.maximum(2, 0.5 * runs)]
    if not arr.empty:
        curves = band(
            arr.assign(since=arr["since"].astype(int)),
            ["sector", "since"],
            "value",
            run.scenario.experiment.confidence,
        )
        curves = curves.fillna({"ci_low": curves["mean"], "ci_high": curves["mean"]})
        sec.figures.append(
            Figure(
                "reinforcement_arrivals.svg",
                figures.arrivals_chart(curves, required),
                "Cumulative reinforcement troops closed at the threatened sector by day after the "
                "trigger (mean over the replications whose horizon still covers that day), with "
                "the troops required.",
            )
        )
    closures = {
        str(s): g["closure"].dropna().to_numpy(dtype="float64")
        for s, g in triggered.groupby("sector", sort=True)
    }
    counts = {str(s): len(g) for s, g in triggered.groupby("sector", sort=True)}
    sec.figures.append(
        Figure(
            "reinforcement_cdf.svg",
            figures.closure_cdf(closures, counts, targets),
            "Cumulative distribution of closure days over replications with the target marked.",
        )
    )
    rows = []
    for s in sorted(closures):
        vals = closures[s]
        share_on_time = float((vals <= targets.get(s, math.inf)).sum()) / max(counts[s], 1)
        rows.append(
            [
                s,
                str(counts[s]),
                str(len(vals)),
                num(np.median(vals) if len(vals) else math.nan),
                num(vals.max() if len(vals) else math.nan),
                num(targets.get(s)),
                pct(share_on_time),
            ]
        )
    sec.tables.append(
        Table(
            [
                "sector",
                "triggered",
                "closed",
                "median days",
                "slowest days",
                "target days",
                "on time",
            ],
            rows,
        )
    )
    surge = surge_impact_table(metrics)
    if surge is not None:
        sec.tables.append(surge)
    return sec
