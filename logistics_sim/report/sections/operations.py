"""Deployed strength over time, days of supply by sector and class, node utilisation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from logistics_sim.report import figures
from logistics_sim.report.findings import supply_ranking
from logistics_sim.report.format import interval, num, pct
from logistics_sim.report.rundata import (
    RunData,
    band,
)
from logistics_sim.report.sections.elements import Figure, Section, Table

PERIOD_DAYS = 7
HEATMAP_NODES = 12
SUPPLY_ROWS = 8  # sector/class rows shown before the full table folds away


def strength_section(run: RunData) -> Section:
    """Deployed strength by day: mean, CI band, target; build-up visible from day 0."""
    sec = Section("strength", "Deployed strength over time")
    s = run.reduced.strength
    if s.empty:
        sec.paragraphs.append("No deployed strength was recorded in this run.")
        return sec
    conf = run.scenario.experiment.confidence
    b = band(s, ["day"], "value", conf)
    target = float(run.scenario.force.target_deployed_pax)
    warm = run.scenario.experiment.warmup_days
    metrics = run.summary.get("metrics", {})
    closure = metrics.get("initial_deployment_closure_days", {})
    mean_entry = metrics.get("deployed_strength_mean_pax", {})
    held = metrics.get("covered_strength_mean_pax", {})
    below = metrics.get("days_below_target", {})
    sec.paragraphs.append(
        f"Target {target:,.0f} troops. After the {num(warm)}-day warm-up the force averaged "
        f"{interval(mean_entry)} troops in theatre (mean [{conf:.0%} CI]; a unit and its relief "
        f"in place both count) and held slots worth {interval(held)} troops (each filled slot "
        f"once), and was below target on {interval(below)} days. "
        + (
            f"The initial build-up first reached the target after {interval(closure)} days"
            + (
                f"; in {closure.get('never_reached')} replications it never did."
                if closure.get("never_reached")
                else "."
            )
            if closure.get("n", 0)
            else f"The force never reached the target in any of the "
            f"{closure.get('never_reached', 0)} replications."
        )
    )
    sec.figures.append(
        Figure(
            "strength.svg",
            figures.strength_chart(b, target, warm, conf),
            f"Line chart of troops deployed by day with its confidence band against the target of "
            f"{target:,.0f}; the build-up from day 0 is visible.",
        )
    )
    return sec


def supply_section(run: RunData) -> Section:
    """Days of supply by sector and class (chart and table), or why there are none."""
    sec = Section("supply", "Days of supply by sector and class")
    sup = run.reduced.supply
    if sup.empty or sup["days_of_supply"].notna().sum() == 0:
        enabled = run.scenario.sustainment.enabled
        sec.paragraphs.append(
            "No stock levels were recorded in this run: "
            + (
                "sustainment is switched off in the scenario."
                if not enabled
                else "the engine that produced it did not model forward depots' stocks."
            )
            + " No chart is drawn."
        )
        return sec
    policy = run.scenario.sustainment.stock_policy
    mean = (
        sup.groupby(["sector", "supply_class", "day"])["days_of_supply"]
        .mean()
        .rename("mean")
        .reset_index()
    )
    warm = run.scenario.experiment.warmup_days
    cap = 1.5 * policy.order_up_to_days
    ranking = supply_ranking(run)
    sec.paragraphs.append(
        f"Forward depot stock in days of supply. Stock policy: start "
        f"{num(policy.initial_days_of_supply)}, reorder at {num(policy.reorder_point_days)}, "
        f"order up to {num(policy.order_up_to_days)} days. The grid gives, for each sector and "
        f"class, the lowest level after the {num(warm)}-day warm-up (mean over replications of "
        "each run's minimum); 0 means the depot ran dry."
    )
    matrix = ranking.pivot(index="sector", columns="supply_class", values="min_dos").sort_index()
    sec.figures.append(
        Figure(
            "supply_lowest.svg",
            figures.supply_matrix(matrix, policy.reorder_point_days),
            "Grid of the lowest days of supply by sector and class of supply after warm-up.",
        )
    )
    sec.figures.append(
        Figure(
            "supply.svg",
            figures.supply_chart(mean, policy.reorder_point_days, warm, cap),
            f"Days of supply by day for each sector and class (mean over replications) with "
            f"the reorder point; the axis stops at {num(cap)} days.",
        )
    )
    header = [
        "sector",
        "class",
        "mean days of supply",
        "lowest (mean of run minima)",
        "shortfall days per run",
    ]
    rows = [
        [str(r.sector), str(r.supply_class), num(r.mean_dos), num(r.min_dos), num(r.short_days)]
        for r in ranking.itertuples(index=False)
    ]
    sec.tables.append(Table(header, rows[:SUPPLY_ROWS]))
    if len(rows) > SUPPLY_ROWS:
        sec.details.append((f"All {len(rows)} sector and class combinations", Table(header, rows)))
    return sec


def nodes_section(run: RunData) -> Section:
    """Node utilisation: schematic map from coordinates and a heatmap by period."""
    sec = Section("nodes", "Node utilisation")
    nodes = run.reduced.nodes
    warm = run.scenario.experiment.warmup_days
    if nodes.empty or nodes["utilisation"].notna().sum() == 0:
        sec.paragraphs.append("No node utilisation was recorded in this run; no chart is drawn.")
        return sec
    after = nodes[nodes["day"] >= warm]
    mean = after.groupby("node")["utilisation"].mean()
    wait = after.groupby("node")["wait_days"].mean()
    net = run.scenario.network
    pos = {n.id: n for n in net.nodes}
    shown = [n for n in net.nodes if n.kind.value != "home"]
    frame = pd.DataFrame(
        {
            "id": [n.id for n in shown],
            "lat": [n.lat for n in shown],
            "lon": [n.lon for n in shown],
            "utilisation": [float(mean.get(n.id, np.nan)) for n in shown],
        }
    )
    links = [
        (pos[lk.from_node].lon, pos[lk.from_node].lat, pos[lk.to_node].lon, pos[lk.to_node].lat)
        for lk in net.links
        if lk.from_node in pos
        and lk.to_node in pos
        and pos[lk.from_node].kind.value != "home"
        and pos[lk.to_node].kind.value != "home"
    ]
    sec.paragraphs.append(
        "Share of each node's handling lines busy, after warm-up, mean over replications. "
        "The map is schematic (node coordinates only, home bases off-map); a node at 100% has "
        "no spare capacity and queues grow."
    )
    sec.figures.append(
        Figure(
            "network.svg",
            figures.node_map(frame, links),
            "Schematic map of the lines of communication with nodes coloured by mean utilisation.",
        )
    )
    period = after.assign(period=(after["day"] // PERIOD_DAYS) * PERIOD_DAYS)
    matrix = period.groupby(["node", "period"])["utilisation"].mean().unstack("period")
    busiest = mean.sort_values(ascending=False, kind="stable").index[:HEATMAP_NODES]
    rest = len(mean) - len(busiest)
    sec.figures.append(
        Figure(
            "node_heatmap.svg",
            figures.node_heatmap(matrix.loc[busiest], PERIOD_DAYS),
            f"Heatmap of node utilisation by {PERIOD_DAYS}-day period, busiest node first"
            + (f"; the {rest} quieter nodes are in the table below." if rest > 0 else "."),
        )
    )
    order = mean.sort_values(ascending=False, kind="stable").index
    sec.tables.append(
        Table(
            ["node", "name", "kind", "servers", "mean utilisation", "mean wait (days)"],
            [
                [
                    str(n),
                    pos[n].name if n in pos else "",
                    pos[n].kind.value if n in pos else "",
                    num(pos[n].servers) if n in pos else "",
                    pct(mean[n]),
                    num(wait.get(n)),
                ]
                for n in order
            ],
        )
    )
    return sec
