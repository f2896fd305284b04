"""What it would take: the smallest set of changes, among stated levers, that meets the requirement.

Each lever lists its values in order of increasing change from the scenario as given (a lower
dwell ratio, a lower home-defence floor, a wider coalition). The search asks the optimiser for
the largest force at scenario variants, fewest levers first; among equally many levers, the
fewest steps along them. A set of levers is tried at all only if its strongest values meet the
requirement (the largest force never falls as a lever goes further: more nations, less dwell,
lower floors), so hopeless sets cost one solve each.

Each lever's marginal effect is the largest force at each of its values alone, against the
scenario as given: troops gained per step.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from logistics_sim.analysis.levers import Lever, apply_point, label
from logistics_sim.analysis.parallel import map_points
from logistics_sim.analysis.solver import ForceSize
from logistics_sim.experiment import Executor

MAX_SOLVES = 400


@dataclass(frozen=True)
class Step:
    """One lever at one value alone: the largest force there and the troops gained."""

    path: str
    value: Any
    largest_force_pax: int
    gained_pax: int


@dataclass(frozen=True)
class Answer:
    """What it would take: the scenario as given, the marginal effects and the smallest change."""

    as_given: ForceSize
    steps: tuple[Step, ...]
    changes: dict[str, Any] | None  # None: no combination of the stated levers suffices
    with_changes: ForceSize | None
    solves: int
    providers: tuple[tuple[str, int], ...] = ()  # troops by nation with the changes, largest first

    def sentences(self) -> list[str]:
        """The answer in planners' words."""
        asked = self.as_given.asked_pax
        if self.as_given.feasible:
            return [f"the requirement of {asked:,} is met as given; no change is needed"]
        lines = [
            f"as given, {self.as_given.largest_force_pax:,} of the {asked:,} asked can be held "
            f"({self.as_given.share_of_target:.0%})"
        ]
        for step in self.steps:
            lines.append(
                f"{step.path}={step.value} alone: {step.largest_force_pax:,} "
                f"({step.gained_pax:+,} troops)"
            )
        if self.changes is None:
            lines.append(
                f"no combination of the stated levers holds {asked:,}: they cannot close the gap"
            )
        else:
            then = ", ".join(f"{code} {pax:,}" for code, pax in self.providers[:6])
            lines.append(
                f"with {label(self.changes)}, {asked:,} can be held"
                + (f"; the largest providers are then {then}" if then else "")
            )
        return lines


def _size(
    file: str, settings: dict[str, Any], keep_national: bool, nations_from: Path | None
) -> ForceSize:
    """The largest force at one variant (a worker's task)."""
    from logistics_sim.analysis.solver import largest_force

    return largest_force(apply_point(Path(file), settings, keep_national, nations_from).scenario)


def _candidates(levers: Sequence[Lever], chosen: Sequence[int]) -> list[dict[str, Any]]:
    """Every point of the chosen levers, fewest total steps first (ties in grid order)."""
    indexed = itertools.product(*(range(len(levers[i].values)) for i in chosen))
    ordered = sorted(indexed, key=lambda steps: (sum(steps), steps))
    return [
        {levers[i].path: levers[i].values[s] for i, s in zip(chosen, steps, strict=True)}
        for steps in ordered
    ]


def _with_providers(
    answer: Answer, file: str, keep_national: bool, nations_from: Path | None
) -> Answer:
    """The answer with who provides the troops once its changes are made."""
    from dataclasses import replace

    from logistics_sim.analysis.solver import troops_by_nation

    changed = apply_point(Path(file), answer.changes or {}, keep_national, nations_from).scenario
    troops = sorted(troops_by_nation(changed).items(), key=lambda kv: (-kv[1], kv[0]))
    return replace(answer, providers=tuple(troops), solves=answer.solves + 1)


def what_it_takes(
    file: str | Path,
    levers: Sequence[Lever],
    *,
    keep_national: bool = False,
    executor: Executor | None = None,
    nations_from: Path | None = None,
) -> Answer:
    """The marginal effect of each lever and the smallest set of changes meeting the requirement."""
    executor = executor or Executor()
    name = str(file)
    for lever in levers:  # every value validated before any solve
        for value in lever.values:
            apply_point(Path(name), {lever.path: value}, keep_national, nations_from)
    alone = [(lever.path, value) for lever in levers for value in lever.values]
    sizes = map_points(
        _size,
        [(name, {}, keep_national, nations_from)]
        + [(name, {p: v}, keep_national, nations_from) for p, v in alone],
        executor,
    )
    base, singles = sizes[0], sizes[1:]
    steps = tuple(
        Step(p, v, s.largest_force_pax, s.largest_force_pax - base.largest_force_pax)
        for (p, v), s in zip(alone, singles, strict=True)
    )
    solves = len(sizes)
    if base.feasible:
        return Answer(base, steps, {}, base, solves)
    found = [(p, v, s) for (p, v), s in zip(alone, singles, strict=True) if s.feasible]
    if found:
        path, value, size = found[0]  # one lever: the first feasible value in stated order
        answer = Answer(base, steps, {path: value}, size, solves)
        return _with_providers(answer, name, keep_national, nations_from)
    for count in range(2, len(levers) + 1):
        subsets = list(itertools.combinations(range(len(levers)), count))
        strongest = [{levers[i].path: levers[i].values[-1] for i in chosen} for chosen in subsets]
        tops = map_points(
            _size, [(name, s, keep_national, nations_from) for s in strongest], executor
        )
        solves += len(tops)
        hopeful = [chosen for chosen, top in zip(subsets, tops, strict=True) if top.feasible]
        best: tuple[int, dict[str, Any], ForceSize] | None = None
        for chosen in hopeful:
            points = _candidates(levers, chosen)
            if solves + len(points) > MAX_SOLVES:
                points = points[: max(1, MAX_SOLVES - solves)]
            results = map_points(
                _size, [(name, p, keep_national, nations_from) for p in points], executor
            )
            solves += len(results)
            for point, size in zip(points, results, strict=True):
                if size.feasible:
                    steps_taken = sum(
                        levers[i].values.index(point[levers[i].path]) + 1 for i in chosen
                    )
                    if best is None or steps_taken < best[0]:
                        best = (steps_taken, point, size)
                    break
        if best is not None:
            answer = Answer(base, steps, best[1], best[2], solves)
            return _with_providers(answer, name, keep_national, nations_from)
    return Answer(base, steps, None, None, solves)


def step_table(answer: Answer) -> pd.DataFrame:
    """what_it_takes.csv: each lever value alone, then the smallest set of changes (if any)."""
    rows: list[dict[str, Any]] = [
        {
            "change": "as given",
            "levers_changed": 0,
            "largest_force_pax": answer.as_given.largest_force_pax,
            "gained_pax": 0,
            "meets_requirement": answer.as_given.feasible,
        }
    ]
    rows += [
        {
            "change": f"{s.path}={s.value}",
            "levers_changed": 1,
            "largest_force_pax": s.largest_force_pax,
            "gained_pax": s.gained_pax,
            "meets_requirement": s.largest_force_pax >= answer.as_given.asked_pax,
        }
        for s in answer.steps
    ]
    if answer.changes and answer.with_changes is not None:
        rows.append(
            {
                "change": "smallest set: " + label(answer.changes),
                "levers_changed": len(answer.changes),
                "largest_force_pax": answer.with_changes.largest_force_pax,
                "gained_pax": answer.with_changes.largest_force_pax
                - answer.as_given.largest_force_pax,
                "meets_requirement": True,
            }
        )
    return pd.DataFrame(rows)
