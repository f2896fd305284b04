"""Who drops out: the largest force without each contributing nation, and who takes over.

For each nation that contributes troops to the largest force, the scenario is re-solved with
that nation not participating: the largest force then, the requirement's verdict, and how the
other nations' troops change (who takes over its units). Removing a nation can only shrink the
set of divisions the optimiser may choose from, so the largest force never rises.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from logistics_sim.analysis.levers import apply_point
from logistics_sim.analysis.parallel import map_points
from logistics_sim.analysis.solver import ForceSize, largest_force, troops_by_nation
from logistics_sim.experiment import Executor
from logistics_sim.verdict import FEASIBLE, INFEASIBLE


@dataclass(frozen=True)
class Division:
    """A scenario variant's largest force and its division among nations (troops)."""

    size: ForceSize
    troops: dict[str, int]


@dataclass(frozen=True)
class DropOut:
    """One nation out: what it gave, the largest force without it, and who takes over."""

    nation: str
    troops_pax: int
    force_before_pax: int
    without: ForceSize
    takeovers: dict[str, int]  # nation -> change in troops (positive: takes over)

    @property
    def lost_pax(self) -> int:
        """Troops the largest force loses without this nation."""
        return self.force_before_pax - self.without.largest_force_pax


def divide(file: str, settings: dict[str, object]) -> Division:
    """The largest force and its division at one variant (a worker's task)."""
    scenario = apply_point(Path(file), settings).scenario
    return Division(largest_force(scenario), troops_by_nation(scenario))


def drop_outs(file: str | Path, executor: Executor | None = None) -> tuple[Division, list[DropOut]]:
    """The force as given and, for each contributing nation, the force without it."""
    name = str(file)
    base = divide(name, {})
    nations = sorted(base.troops, key=lambda code: (-base.troops[code], code))
    calls = [(name, {f"nations[{code}].participates": False}) for code in nations]
    variants = map_points(divide, calls, executor or Executor())
    rows = []
    for code, variant in zip(nations, variants, strict=True):
        others = set(base.troops) | set(variant.troops)
        change = {
            other: variant.troops.get(other, 0) - base.troops.get(other, 0)
            for other in sorted(others - {code})
        }
        rows.append(
            DropOut(
                code,
                base.troops[code],
                base.size.largest_force_pax,
                variant.size,
                {k: v for k, v in change.items() if v},
            )
        )
    return base, rows


def drop_out_table(rows: list[DropOut]) -> pd.DataFrame:
    """dropouts.csv: one row per contributing nation."""
    return pd.DataFrame(
        [
            {
                "nation": r.nation,
                "troops_pax": r.troops_pax,
                "largest_force_without_pax": r.without.largest_force_pax,
                "largest_force_share_without": round(r.without.share_of_target, 4),
                "requirement_verdict_without": FEASIBLE if r.without.feasible else INFEASIBLE,
                "force_lost_pax": r.lost_pax,
                "taken_over_by": "; ".join(
                    f"{k} {v:+,}"
                    for k, v in sorted(r.takeovers.items(), key=lambda kv: -kv[1])
                    if v > 0
                ),
            }
            for r in rows
        ]
    )


def describe(row: DropOut) -> str:
    """One drop-out in planners' words."""
    takers = [f"{k} {v:+,}" for k, v in sorted(row.takeovers.items(), key=lambda kv: -kv[1])]
    takers = [t for t in takers if "+" in t]
    verdict = "meets" if row.without.feasible else "misses"
    return (
        f"without {row.nation} ({row.troops_pax:,} troops): largest force "
        f"{row.without.largest_force_pax:,} ({row.lost_pax:,} fewer), {verdict} the requirement"
        + (f"; taken over by {', '.join(takers)}" if takers else "; nobody can take over")
    )
