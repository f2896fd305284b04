"""Figures of decision analysis: the frontier as a heatmap (two levers) or lines (one or more).

Deterministic SVG like every report figure (``figures.to_svg``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from logistics_sim.report.figures import BLUE, RED, STYLE, _figure, to_svg


def frontier_heatmap(table: pd.DataFrame, rows: str, columns: str, asked_pax: float) -> bytes:
    """Largest force (troops) for every pair of two levers' values; the asked force noted."""
    pivot = table.pivot_table(
        index=rows, columns=columns, values="largest_force_pax", aggfunc="first", sort=False
    )
    with plt.rc_context(STYLE):
        fig, ax = _figure(1.2 * len(pivot.columns) + 2.8, 0.55 * len(pivot.index) + 1.6)
        values = pivot.to_numpy(dtype="float64")
        image = ax.imshow(values, cmap="Blues", vmin=0, vmax=max(asked_pax, np.nanmax(values)))
        ax.set_xticks(range(len(pivot.columns)), [str(c) for c in pivot.columns])
        ax.set_yticks(range(len(pivot.index)), [str(i) for i in pivot.index])
        ax.set_xlabel(columns)
        ax.set_ylabel(rows)
        ax.grid(visible=False)
        for (i, j), value in np.ndenumerate(values):
            dark = value > 0.55 * max(asked_pax, np.nanmax(values))
            ax.text(
                j,
                i,
                f"{value:,.0f}\n{value / asked_pax:.0%}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if dark else "black",
            )
        bar = fig.colorbar(image, ax=ax, fraction=0.05)
        bar.set_label(f"largest sustainable force (troops; {asked_pax:,.0f} asked)")
    return to_svg(fig)


def frontier_lines(table: pd.DataFrame, x: str, groups: list[str], asked_pax: float) -> bytes:
    """Largest force against one lever, one line per combination of the others."""
    with plt.rc_context(STYLE):
        fig, ax = _figure(7.5, 3.4)
        order = list(dict.fromkeys(table[x].astype(str)))
        positions = {value: i for i, value in enumerate(order)}
        parts = table.groupby(groups, sort=False) if groups else [("", table)]
        for key, part in parts:
            name = ", ".join(
                f"{g}={v}"
                for g, v in zip(groups, key if isinstance(key, tuple) else (key,), strict=False)
            )
            ax.plot(
                [positions[str(v)] for v in part[x]],
                part["largest_force_pax"],
                marker="o",
                lw=1.4,
                color=None if groups else BLUE,
                label=name or "largest force",
            )
        ax.axhline(asked_pax, color=RED, ls="--", lw=1.1, label=f"asked {asked_pax:,.0f}")
        ax.set_xticks(range(len(order)), order)
        ax.set_xlabel(x)
        ax.set_ylabel("largest sustainable force (troops)")
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8, frameon=False)
    return to_svg(fig)


def frontier_figure(table: pd.DataFrame, levers: list[str]) -> bytes:
    """The frontier's figure: a heatmap for exactly two levers, otherwise lines."""
    asked = float(table["asked_pax"].max())
    if len(levers) == 2:
        return frontier_heatmap(table, levers[0], levers[1], asked)
    return frontier_lines(table, levers[-1], levers[:-1], asked)
