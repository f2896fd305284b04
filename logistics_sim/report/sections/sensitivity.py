"""Sensitivity: a tornado chart from a sweep table, or how to run a sweep."""

from __future__ import annotations

import pandas as pd

from logistics_sim.catalogue import metric_unit
from logistics_sim.report import figures
from logistics_sim.report.format import num
from logistics_sim.report.rundata import (
    RunData,
)
from logistics_sim.report.sections.elements import Figure, Section, Table


def sensitivity_section(run: RunData) -> Section:
    """Tornado chart from a sweep table, or how to run a sweep."""
    sec = Section("sensitivity", "Sensitivity")
    sweep = run.sweep
    if sweep is None or sweep.empty:
        sec.paragraphs.append(
            "No sweep was given, so no sensitivity chart is drawn. To see which inputs move the "
            "verdict, run for example `logistics-sim sweep SCENARIO --design oat --set "
            "rotation.dwell_ratio=2,4 --set sustainment.stock_policy.reorder_point_days=7,13` and "
            "pass the resulting sweep folder to `logistics-sim report --sweep FOLDER`."
        )
        return sec
    criteria = [c.metric for c in run.scenario.criteria]
    metrics = [m for m in criteria if m in set(sweep["metric"])] or sorted(set(sweep["metric"]))
    metric = metrics[0]
    rows = sweep[(sweep["metric"] == metric) & (sweep["varied"] != "baseline")]
    unit = metric_unit(metric)
    params = sorted({p for v in rows["varied"].astype(str) for p in v.split(";") if p})
    bars = []
    for p in params:
        own = rows[rows["varied"].astype(str) == p]
        if own.empty:
            own = rows[rows["varied"].astype(str).str.split(";").apply(lambda v, p=p: p in v)]
        d = own["diff_vs_baseline"].astype("float64")
        if d.notna().any():
            # the baseline (difference 0) is one end of every bar
            bars.append(
                {"parameter": p, "low": min(0.0, float(d.min())), "high": max(0.0, float(d.max()))}
            )
    if not bars:
        sec.paragraphs.append(f"The sweep gives no difference for {metric}; no chart is drawn.")
        return sec
    sec.paragraphs.append(
        f"Change in {metric} (the first criterion's metric) from the baseline, paired by "
        "replication (common random numbers), over the values each parameter took in the "
        "sweep; the sweep's sweep.csv holds every other metric."
    )
    frame = pd.DataFrame(bars)
    sec.figures.append(
        Figure(
            "tornado.svg",
            figures.tornado(frame, metric, unit),
            f"Tornado chart of the change in {metric} for each swept parameter.",
        )
    )
    label = "settings" if "settings" in sweep.columns else "varied"
    cols = [
        c
        for c in (
            "variant",
            label,
            "mean",
            "ci_low",
            "ci_high",
            "diff_vs_baseline",
            "diff_ci_low",
            "diff_ci_high",
            "verdict",
        )
        if c in sweep.columns
    ]
    sec.tables.append(
        Table(
            cols,
            [
                [num(v) if isinstance(v, int | float) else str(v) for v in r]
                for r in sweep[sweep["metric"] == metric][cols].itertuples(index=False)
            ],
        )
    )
    return sec
