"""The report's charts as deterministic SVG bytes (matplotlib, Agg, no clock, fixed hash salt).

Why these settings: matplotlib writes a creation date and random ids into an SVG unless
``metadata={"Date": None}`` and ``svg.hashsalt`` are fixed, and the report must be
byte-identical for the same run folder. Text is kept as text (``svg.fonttype``
'none') so figures stay small and readable by screen readers.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

STYLE: dict[Any, Any] = {
    "svg.hashsalt": "logistics_sim-report",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": 96,
}
MAP_LABELS = 8  # only the busiest nodes are named on the map (co-located nodes overlap)
BLUE, ORANGE, GREY, RED, GREEN = "#1f5f99", "#d9822b", "#8a8a8a", "#b3261e", "#2e7d32"


def to_svg(fig: Figure) -> bytes:
    """Serialise a figure to SVG bytes with no date and a fixed hash salt, then close it."""
    sink = io.BytesIO()
    with plt.rc_context(STYLE):
        fig.savefig(sink, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    return sink.getvalue()


def _figure(width: float, height: float) -> tuple[Figure, plt.Axes]:
    """A new figure and axes in the report style."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(width, height))
    return fig, ax


def burden_chart(table: pd.DataFrame) -> bytes:
    """Horizontal bars per nation: troops deployed, pool committed; fair share and headroom marks.

    ``table`` columns: nation, deployed_pax, committed_pax, fair_share_pax, available_pax.
    """
    with plt.rc_context(STYLE):
        rows = table.iloc[::-1]
        fig, ax = _figure(7.5, 0.32 * len(rows) + 1.4)
        y = np.arange(len(rows))
        ax.barh(y + 0.18, rows["committed_pax"], height=0.36, color=ORANGE, label="pool committed")
        ax.barh(y - 0.18, rows["deployed_pax"], height=0.36, color=BLUE, label="troops deployed")
        fair = rows["fair_share_pax"].to_numpy(dtype="float64")
        ax.scatter(
            fair, y, marker="D", s=22, color="black", zorder=3, label="fair share (deployed)"
        )
        avail = rows["available_pax"].to_numpy(dtype="float64")
        ax.scatter(
            avail, y, marker="|", s=160, color=RED, zorder=3, label="land forces above home floor"
        )
        ax.set_yticks(y, rows["nation"].tolist())
        ax.set_xlabel("personnel")
        ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.grid(axis="y", visible=False)
        ax.legend(loc="lower right", fontsize=8, frameon=False)
    return to_svg(fig)


def strength_chart(
    band: pd.DataFrame, target: float, warmup_days: float, confidence: float
) -> bytes:
    """Deployed strength by day: mean line, CI band, the target, and the warm-up shaded."""
    with plt.rc_context(STYLE):
        fig, ax = _figure(7.5, 3.2)
        day = band["day"].to_numpy()
        if warmup_days > 0:
            ax.axvspan(0, warmup_days, color=GREY, alpha=0.12, lw=0, label="warm-up (not judged)")
        ax.fill_between(
            day,
            band["ci_low"].to_numpy(dtype="float64"),
            band["ci_high"].to_numpy(dtype="float64"),
            color=BLUE,
            alpha=0.25,
            lw=0,
            label=f"{confidence:.0%} CI of the mean",
        )
        ax.plot(day, band["mean"], color=BLUE, lw=1.4, label="mean over replications")
        ax.axhline(target, color=RED, ls="--", lw=1.1, label=f"target {target:,.0f}")
        ax.set_xlabel("day of the run")
        ax.set_ylabel("troops deployed")
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=4, fontsize=8, frameon=False
        )
    return to_svg(fig)


def supply_chart(
    mean_dos: pd.DataFrame, reorder_days: float, warmup_days: float, cap_days: float
) -> bytes:
    """Days of supply by day: one panel per sector, one line per supply class (mean over reps).

    The y axis stops at ``cap_days``: during the build-up few troops draw on full depots and
    days of supply run into the hundreds, which would flatten the steady state to a line.
    """
    sectors = sorted(mean_dos["sector"].unique())
    classes = sorted(mean_dos["supply_class"].unique())
    colours = plt.get_cmap("tab20")(np.linspace(0, 1, max(len(classes), 2)))
    with plt.rc_context(STYLE):
        ncols = min(2, len(sectors))
        nrows = int(np.ceil(len(sectors) / ncols))
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(7.5, 2.4 * nrows + 0.6), squeeze=False, sharex=True
        )
        for ax, sector in zip(axes.flat, sectors, strict=False):
            rows = mean_dos[mean_dos["sector"] == sector]
            for colour, cls in zip(colours, classes, strict=False):
                part = rows[rows["supply_class"] == cls]
                ax.plot(part["day"], part["mean"], lw=1.0, color=colour, label=f"class {cls}")
            ax.axhline(reorder_days, color=GREY, ls=":", lw=1, label="reorder point")
            ax.axhline(0, color=RED, lw=1)
            if warmup_days > 0:
                ax.axvspan(0, warmup_days, color=GREY, alpha=0.12, lw=0)
            ax.set_ylim(0, cap_days)
            ax.set_title(f"sector {sector}", fontsize=9)
            ax.set_ylabel("days of supply")
        for ax in list(axes.flat)[len(sectors) :]:
            ax.set_visible(False)
        for ax in axes[-1]:
            ax.set_xlabel("day of the run")
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(
            handles,
            labels,
            loc="upper center",
            ncol=min(6, len(labels)),
            fontsize=8,
            frameon=False,
            bbox_to_anchor=(0.5, 1.04),
        )
        fig.tight_layout(rect=(0, 0, 1, 0.93))
    return to_svg(fig)


def supply_matrix(matrix: pd.DataFrame, reorder_days: float) -> bytes:
    """Sector (rows) × class (columns): lowest days of supply after warm-up, values written in.

    Red at 0 (a stock-out), white from the reorder point up: the cells to worry about stand out.
    """
    with plt.rc_context(STYLE):
        fig, ax = _figure(7.5, 0.45 * len(matrix) + 1.5)
        values = matrix.to_numpy(dtype="float64")
        image = ax.imshow(
            values.clip(0, max(reorder_days, 1e-9)),
            cmap="Reds_r",
            vmin=0,
            vmax=max(reorder_days, 1e-9),
            aspect="auto",
            interpolation="nearest",
        )
        for (i, j), v in np.ndenumerate(values):
            if not np.isnan(v):
                ax.text(
                    j,
                    i,
                    f"{v:.1f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if v < reorder_days / 3 else "black",
                )
        ax.set_yticks(np.arange(len(matrix)), [str(i) for i in matrix.index])
        ax.set_xticks(
            np.arange(len(matrix.columns)),
            [str(c) for c in matrix.columns],
            rotation=45,
            ha="right",
        )
        ax.set_xlabel("class of supply")
        ax.set_ylabel("sector")
        ax.grid(False)
        fig.colorbar(
            image,
            ax=ax,
            label="lowest days of supply (capped at reorder point)",
            fraction=0.03,
            pad=0.02,
        )
    return to_svg(fig)


def node_heatmap(matrix: pd.DataFrame, week_days: int) -> bytes:
    """Mean utilisation per node (rows) and period (columns), 0 to 1 (above 1 clipped)."""
    with plt.rc_context(STYLE):
        fig, ax = _figure(7.5, 0.3 * len(matrix) + 1.4)
        image = ax.imshow(
            matrix.to_numpy(dtype="float64").clip(0, 1),
            aspect="auto",
            cmap="YlOrRd",
            vmin=0,
            vmax=1,
            interpolation="nearest",
        )
        ax.set_yticks(np.arange(len(matrix)), [str(i) for i in matrix.index])
        cols = matrix.columns.to_numpy()
        step = max(1, len(cols) // 12)
        ticks = np.arange(0, len(cols), step)
        ax.set_xticks(ticks, [str(int(cols[i])) for i in ticks])
        ax.set_xlabel(f"day of the run (start of each {week_days}-day period)")
        ax.grid(False)
        fig.colorbar(image, ax=ax, label="utilisation", fraction=0.03, pad=0.02)
    return to_svg(fig)


def node_map(nodes: pd.DataFrame, links: Sequence[tuple[float, float, float, float]]) -> bytes:
    """Schematic network from node lat/lon (no tiles): links grey, nodes coloured by utilisation.

    The busiest nodes are labelled; every node is named in the table under the map.

    ``nodes`` columns: id, lat, lon, utilisation (NaN = no handling, drawn hollow).
    """
    with plt.rc_context(STYLE):
        fig, ax = _figure(8.5, 5.4)
        for lon1, lat1, lon2, lat2 in links:
            ax.plot([lon1, lon2], [lat1, lat2], color=GREY, lw=0.7, alpha=0.6, zorder=1)
        util = nodes["utilisation"].to_numpy(dtype="float64")
        known = ~np.isnan(util)
        ax.scatter(
            nodes.loc[~known, "lon"],
            nodes.loc[~known, "lat"],
            s=18,
            facecolors="white",
            edgecolors=GREY,
            zorder=2,
            label="no handling modelled",
        )
        points = ax.scatter(
            nodes.loc[known, "lon"],
            nodes.loc[known, "lat"],
            c=util[known].clip(0, 1),
            cmap="YlOrRd",
            vmin=0,
            vmax=1,
            s=46,
            edgecolors="black",
            linewidths=0.5,
            zorder=3,
        )
        ranked = nodes[known].sort_values("utilisation", ascending=False, kind="stable")
        placed: list[tuple[float, float]] = []
        for row in ranked.itertuples(index=False):
            crowded = any(abs(row.lon - x) < 0.8 and abs(row.lat - y) < 0.3 for x, y in placed)
            if crowded or len(placed) >= MAP_LABELS:
                continue  # a busier node nearby is already named; the table names them all
            placed.append((row.lon, row.lat))
            ax.annotate(
                str(row.id),
                (row.lon, row.lat),
                xytext=(3, 3),
                textcoords="offset points",
                fontsize=7,
            )
        ax.set_xlabel("longitude (°E)")
        ax.set_ylabel("latitude (°N)")
        ax.set_aspect(1 / np.cos(np.deg2rad(float(nodes["lat"].mean()))), adjustable="datalim")
        fig.colorbar(points, ax=ax, label="mean utilisation after warm-up", fraction=0.03)
        ax.legend(loc="lower left", fontsize=8, frameon=False)
    return to_svg(fig)


def arrivals_chart(curves: pd.DataFrame, required_pax: dict[str, float]) -> bytes:
    """Cumulative reinforcement troops at the threatened sector, days after the trigger."""
    with plt.rc_context(STYLE):
        fig, ax = _figure(7.5, 3.0)
        for sector, part in curves.groupby("sector", sort=True):
            ax.plot(part["since"], part["mean"], lw=1.4, label=f"sector {sector}: mean")
            ax.fill_between(part["since"], part["ci_low"], part["ci_high"], alpha=0.2, lw=0)
            need = required_pax.get(str(sector))
            if need:
                ax.axhline(need, ls="--", lw=1, color=RED, label=f"required {need:,.0f}")
        ax.set_xlabel("days after the trigger")
        ax.set_ylabel("reinforcement troops closed")
        ax.set_xlim(left=0)
        ax.legend(loc="lower right", fontsize=8, frameon=False)
    return to_svg(fig)


def closure_cdf(
    closures: dict[str, np.ndarray], n_applicable: dict[str, int], targets: dict[str, float]
) -> bytes:
    """Empirical CDF of closure days per sector (never-closed runs keep the curve below 1)."""
    with plt.rc_context(STYLE):
        fig, ax = _figure(7.5, 3.0)
        for sector in sorted(closures):
            values = np.sort(closures[sector])
            total = max(n_applicable.get(sector, len(values)), 1)
            steps = np.arange(1, len(values) + 1) / total
            end = max([*values, targets.get(sector, 0.0)]) * 1.1 or 1.0
            ax.step(
                np.r_[0, values, end],
                np.r_[0, steps, len(values) / total],
                where="post",
                label=f"sector {sector} ({len(values)} of {total} closed)",
            )
            target = targets.get(sector)
            if target is not None:
                ax.axvline(target, ls="--", color=RED, lw=1, label=f"target {target:g} days")
        ax.set_ylim(0, 1.02)
        ax.set_xlim(left=0)
        ax.set_xlabel("closure time (days after the trigger)")
        ax.set_ylabel("share of replications closed")
        ax.legend(loc="lower right", fontsize=8, frameon=False)
    return to_svg(fig)


def tornado(rows: pd.DataFrame, metric: str, unit: str) -> bytes:
    """Tornado: per varied parameter, the range of the paired difference from the baseline.

    ``rows`` columns: parameter, low, high (differences of the metric's mean).
    """
    with plt.rc_context(STYLE):
        order = rows.assign(span=(rows["high"] - rows["low"]).abs()).sort_values(
            "span", kind="stable"
        )
        fig, ax = _figure(7.5, 0.4 * len(order) + 1.3)
        y = np.arange(len(order))
        low = order["low"].to_numpy(dtype="float64")
        high = order["high"].to_numpy(dtype="float64")
        ax.barh(
            y,
            np.minimum(high, 0) - np.minimum(low, 0),
            left=np.minimum(low, 0),
            color=ORANGE,
            label="decrease",
        )
        ax.barh(
            y,
            np.maximum(high, 0) - np.maximum(low, 0),
            left=np.maximum(low, 0),
            color=BLUE,
            label="increase",
        )
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, order["parameter"].tolist())
        ax.set_xlabel(f"change in {metric} vs baseline ({unit})".replace(" ()", ""))
        ax.grid(axis="y", visible=False)
        ax.legend(loc="lower right", fontsize=8, frameon=False)
    return to_svg(fig)
