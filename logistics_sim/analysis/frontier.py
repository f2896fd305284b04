"""The frontier: the largest sustainable force over a grid of levers.

Each point of the grid is the scenario with the levers' values applied (``levers``), re-solved
for the largest force in its required mix (``solver.largest_force``). With ``simulate``, each
point's largest force is also simulated at its own size (``rules.fielded_force``) and gets the
simulation's verdict, the force verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from logistics_sim.analysis.levers import Applied, Lever, apply_point, grid, label
from logistics_sim.analysis.parallel import map_points
from logistics_sim.analysis.solver import ForceSize, divided_force, largest_force
from logistics_sim.experiment import Executor
from logistics_sim.rules.fielded_force import fielded_scenario, units_by_capability
from logistics_sim.verdict import FEASIBLE, INFEASIBLE, RequirementVerdict


@dataclass(frozen=True)
class FrontierPoint:
    """One point: its lever values, the requirement's answer, and national settings touched."""

    settings: dict[str, Any]
    size: ForceSize
    removed: tuple[str, ...]
    kept: tuple[str, ...]
    force_verdict: str | None = None
    run_folder: Path | None = None


@dataclass(frozen=True)
class Frontier:
    """Every point of the grid, in grid order (first lever slowest)."""

    levers: tuple[Lever, ...]
    points: tuple[FrontierPoint, ...]

    def table(self) -> pd.DataFrame:
        """frontier.csv: lever values, largest force (troops, share of target), binding limit."""
        rows = []
        for p in self.points:
            row: dict[str, Any] = dict(p.settings)
            row.update(
                asked_pax=p.size.asked_pax,
                largest_force_pax=p.size.largest_force_pax,
                largest_force_share=round(p.size.share_of_target, 4),
                requirement_verdict=FEASIBLE if p.size.feasible else INFEASIBLE,
                binding_limit=p.size.binding_limit,
                national_settings_removed="; ".join(p.removed),
                national_settings_kept="; ".join(p.kept),
            )
            if p.force_verdict is not None:
                row["force_verdict"] = p.force_verdict
            rows.append(row)
        return pd.DataFrame(rows)

    def kept_overrides(self) -> list[str]:
        """National settings kept by request somewhere on the grid (they override a lever)."""
        return sorted({note for p in self.points for note in p.kept})

    def removed_overrides(self) -> list[str]:
        """National settings a lever replaced somewhere on the grid."""
        return sorted({note for p in self.points for note in p.removed})


def size_point(
    file: str, settings: dict[str, Any], keep_national: bool, nations_from: Path | None = None
) -> FrontierPoint:
    """One grid point re-solved (runs in a worker: arguments and result are picklable)."""
    applied: Applied = apply_point(Path(file), settings, keep_national, nations_from)
    return FrontierPoint(settings, largest_force(applied.scenario), applied.removed, applied.kept)


def frontier(
    file: str | Path,
    levers: Sequence[Lever],
    *,
    keep_national: bool = False,
    executor: Executor | None = None,
    nations_from: Path | None = None,
) -> Frontier:
    """The largest force at every point of the levers' grid, points solved in parallel.

    Every point's scenario is built and validated first, so a bad value stops the analysis
    before any solve.
    """
    points = grid(levers)
    for settings in points:
        apply_point(Path(file), settings, keep_national, nations_from)
    calls = [(str(file), settings, keep_national, nations_from) for settings in points]
    solved = map_points(size_point, calls, executor or Executor())
    return Frontier(tuple(levers), tuple(solved))


def requirement_verdict(size: ForceSize) -> RequirementVerdict:
    """The requirement verdict of a point, as summary.json records it."""
    verdict = FEASIBLE if size.feasible else INFEASIBLE
    binding = () if size.feasible else (size.binding_limit,)
    return RequirementVerdict(verdict, size.asked_pax, size.largest_force_pax, binding)


def describe(point: FrontierPoint) -> str:
    """One line for a terminal: settings, largest force, share of target, verdicts."""
    size = point.size
    verdict = FEASIBLE if size.feasible else INFEASIBLE
    line = (
        f"{label(point.settings)}: largest force {size.largest_force_pax:,} of "
        f"{size.asked_pax:,} ({size.share_of_target:.0%}), requirement {verdict}"
    )
    if point.force_verdict is not None:
        line += f", force {point.force_verdict}"
    return line


def simulate_points(
    result: Frontier,
    file: str | Path,
    keep_national: bool,
    replications: int,
    seed: int | None,
    executor: Executor,
    folder: Path,
    quiet: bool = True,
    nations_from: Path | None = None,
) -> Frontier:
    """Each point's largest force simulated at its own size; its force verdict recorded.

    The points run one after another, each point's replications in parallel on ``executor``
    (one cluster for all); every point uses the same seed (common random numbers).
    """
    from logistics_sim.experiment import session
    from logistics_sim.experiment import simulate as run_replications

    done = []
    with session(executor) as active:
        for i, point in enumerate(result.points):
            applied = apply_point(Path(file), point.settings, keep_national, nations_from)
            scenario = applied.scenario
            allocation = divided_force(scenario)
            if allocation.empty:
                done.append(replace(point, force_verdict="NO_FORCE"))
                continue
            run = run_replications(
                fielded_scenario(scenario, units_by_capability(allocation)),
                allocation,
                replications,
                seed,
                out=folder / f"point-{i:03d}",
                quiet=quiet,
                allocation_source="optimiser: largest sustainable force at this point",
                command_line=f"frontier point {i}: {label(point.settings)}",
                executor=active,
                requirement=requirement_verdict(point.size),
            )
            done.append(
                replace(point, force_verdict=run.summary["force_verdict"], run_folder=run.folder)
            )
    return replace(result, points=tuple(done))
