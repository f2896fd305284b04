"""Burden sharing: troops deployed and pool committed per nation against fair share."""

from __future__ import annotations

import numpy as np
import pandas as pd

from logistics_sim.report import figures
from logistics_sim.report.findings import Requirement, fair_shares
from logistics_sim.report.format import num, pct
from logistics_sim.report.rundata import (
    RunData,
    is_nan,
)
from logistics_sim.report.sections.elements import Figure, Section, Table
from logistics_sim.rules.home_defence import spare_pax


def burden_section(run: RunData, req: Requirement) -> Section:
    """Per-nation table and chart: troops deployed and pool committed vs fair share, land forces."""
    sec = Section("burden", "Burden sharing")
    scen = run.scenario
    alloc = run.allocation
    if alloc.empty:
        sec.paragraphs.append("The run folder holds no allocation, so no burden table is shown.")
        return sec
    per_unit = {c.id: c.personnel_per_unit_pax for c in scen.force.capabilities}
    a = alloc.copy()
    if "personnel_deployed" not in a.columns:
        a["personnel_deployed"] = [
            per_unit.get(c, 0) * u for c, u in zip(a["capability"], a["units"], strict=True)
        ]
    if "personnel_committed" not in a.columns:
        a["personnel_committed"] = np.nan
    by = a.groupby("nation", sort=True).agg(
        units=("units", "sum"),
        deployed=("personnel_deployed", "sum"),
        committed=("personnel_committed", lambda s: s.sum(min_count=1)),
    )
    fair_shares_ = fair_shares(run)
    share, key_label = fair_shares_.shares, fair_shares_.key_label
    codes = sorted(set(by.index) | set(share))
    codes = [c for c in codes if any(n.code == c for n in scen.nations)]
    total = float(by["deployed"].sum())
    rows, chart = [], []
    for code in sorted(codes, key=lambda c: (-float(by["deployed"].get(c, 0)), c)):
        nation = scen.nation(code)
        deployed = float(by["deployed"].get(code, 0))
        committed = float(by["committed"].get(code, np.nan))
        fair = share.get(code, 0.0) * total
        available = spare_pax(scen, nation)
        rows.append(
            [
                f"{nation.name} ({code})",
                nation.willingness.value.replace("_", " "),
                num(by["units"].get(code, 0)),
                num(deployed),
                num(committed),
                num(fair),
                num(deployed - fair),
                num(nation.land_forces_pax),
                pct(committed / nation.land_forces_pax)
                if nation.land_forces_pax and not is_nan(committed)
                else "—",
            ]
        )
        chart.append(
            {
                "nation": code,
                "deployed_pax": deployed,
                "committed_pax": committed,
                "fair_share_pax": fair,
                "available_pax": available,
            }
        )
    sec.paragraphs.append(
        f"Troops deployed are in theatre at any time; the pool committed also counts the units "
        f"preparing, travelling and recovering that rotation needs. Fair share: the deployed "
        f"force ({total:,.0f} troops) split among the eligible nations by {key_label}. "
        f"'Headroom' marks land forces minus the home-defence floor."
    )
    if (by["committed"] == by["deployed"]).all():
        sec.paragraphs.append(
            "This allocation records no rotation pool beyond the deployed units, so 'pool "
            "committed' equals 'troops deployed' here; the optimiser's allocation gives both."
        )
    sec.tables.append(
        Table(
            [
                "nation",
                "stance",
                "units",
                "troops deployed",
                "pool committed",
                "fair share",
                "deployed − fair",
                "land forces",
                "pool / land forces",
            ],
            rows,
        )
    )
    frame = pd.DataFrame(chart)
    frame["committed_pax"] = frame["committed_pax"].fillna(0)
    sec.figures.append(
        Figure(
            "burden.svg",
            figures.burden_chart(frame),
            "Bar chart of troops deployed and pool committed per nation, with fair share and "
            "land-force headroom marks; the same figures are in the table.",
        )
    )
    by_cap = a.pivot_table(
        index="nation", columns="capability", values="units", aggfunc="sum", fill_value=0
    ).sort_index()
    sec.details.append(
        (
            "Units by nation and capability",
            Table(
                ["nation", *[str(c) for c in by_cap.columns]],
                [
                    [str(i), *[num(v) for v in r]]
                    for i, r in zip(by_cap.index, by_cap.to_numpy(), strict=True)
                ],
            ),
        )
    )
    return sec
