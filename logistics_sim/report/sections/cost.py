"""Who pays what: each nation's yearly bill in euros and its weight on budget and economy.

The figures are summary.json's ``cost`` block (logistics_sim/rules/cost.py states the model);
this section only formats them, so the report and summary.json cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from logistics_sim.report import figures
from logistics_sim.report.format import num
from logistics_sim.report.rundata import RunData
from logistics_sim.report.sections.elements import Figure, Section, Table

EUR_MILLION = 1e6
COMPONENTS = (
    ("personnel_eur_per_year", "personnel", figures.BLUE),
    ("operations_maintenance_eur_per_year", "operations and maintenance", figures.ORANGE),
    ("transport_eur_per_year", "rotation transport", figures.GREY),
)


def share_text(share: float | None, decimals: int = 2) -> str:
    """A small share as a percentage ('—' when the base is unknown)."""
    return "—" if share is None else f"{100 * share:.{decimals}f}%"


def cost_chart(table: pd.DataFrame) -> bytes:
    """Stacked horizontal bars per nation: personnel, O&M and transport, EUR million a year.

    ``table`` columns: nation and the three component columns of COMPONENTS, in euros.
    """
    with plt.rc_context(figures.STYLE):
        rows = table.iloc[::-1]
        fig, ax = figures._figure(7.5, 0.32 * len(rows) + 1.4)
        y = np.arange(len(rows))
        left = np.zeros(len(rows))
        for column, label, colour in COMPONENTS:
            width = rows[column].to_numpy(dtype="float64") / EUR_MILLION
            ax.barh(y, width, left=left, height=0.6, color=colour, label=label)
            left += width
        ax.set_yticks(y, rows["nation"].tolist())
        ax.set_xlabel("EUR million a year")
        ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.grid(axis="y", visible=False)
        ax.legend(loc="lower right", fontsize=8, frameon=False)
    return figures.to_svg(fig)


def _row(code: str, name: str, entry: Mapping[str, Any]) -> list[str]:
    return [
        f"{name} ({code})",
        num(entry["deployed_pax"]),
        *(num(entry[column] / EUR_MILLION) for column, _, _ in COMPONENTS),
        num(entry["cost_eur_per_year"] / EUR_MILLION),
        share_text(entry["share_of_defence_budget"]),
        share_text(entry["share_of_gdp"], decimals=3),
    ]


def cost_section(run: RunData) -> Section:
    """The "who pays what" table and its stacked bar chart, largest bill first."""
    sec = Section("cost", "Who pays what")
    block = run.summary.get("cost")
    if not block or not block.get("nations"):
        sec.paragraphs.append(
            "This run folder records no cost (written before the cost model, or no troops "
            "deployed), so no bill is shown."
        )
        return sec
    nations: Mapping[str, Mapping[str, Any]] = block["nations"]
    codes = sorted(nations, key=lambda c: (-float(nations[c]["cost_eur_per_year"]), c))
    names = {n.code: n.name for n in run.scenario.nations}
    sec.paragraphs.append(
        f"Keeping the allocated force in theatre costs the contributors about EUR "
        f"{num(block['total_eur_per_year'] / EUR_MILLION)} million a year. Each soldier-year "
        f"costs EUR {num(block['personnel_eur_per_soldier_year'])} in personnel and EUR "
        f"{num(block['om_eur_per_soldier_year'])} in operations and maintenance (Bloomberg "
        f"Economics' USD 75,000, BLOOMBERG_FEB2025, at USD {block['usd_per_eur']} per euro, "
        f"ECB_EXR_2024, split half and half by assumption ASSUMP_COST_SPLIT), plus EUR "
        f"{num(block['eur_per_soldier_trip'])} per soldier per trip, two trips a tour "
        f"(ASSUMP_COST_TRIP). Shares compare the bill with each nation's defence spending and "
        f"GDP in nations.csv. A rough order of magnitude, not a budget: no air component, no "
        f"equipment attrition, no host-nation support."
    )
    sec.tables.append(
        Table(
            [
                "nation",
                "troops deployed",
                "personnel (EUR m/yr)",
                "operations and maintenance (EUR m/yr)",
                "transport (EUR m/yr)",
                "total (EUR m/yr)",
                "share of defence budget",
                "share of GDP",
            ],
            [_row(code, names.get(code, code), nations[code]) for code in codes],
        )
    )
    frame = pd.DataFrame(
        [{"nation": code, **{c: nations[code][c] for c, _, _ in COMPONENTS}} for code in codes]
    )
    sec.figures.append(
        Figure(
            "cost.svg",
            cost_chart(frame),
            "Stacked bar chart of each nation's yearly cost in EUR million (personnel, "
            "operations and maintenance, rotation transport); the same figures are in the table.",
        )
    )
    return sec
