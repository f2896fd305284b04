"""An allocation given by the user (``--allocation FILE`` or a DataFrame): read and checked.

Units are whole numbers ≥ 0 of known nations and capabilities, one row per pair (two rows for
the same pair would be summed silently, hiding a typo). Problems in a CSV are located
``file:line:col: rows[i].column: message``, as every other input is.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import pandas as pd

from logistics_sim import limits
from logistics_sim.data import TableRefused, readable_file
from logistics_sim.errors import Problem, ScenarioError
from logistics_sim.scenario import Scenario

REQUIRED_COLUMNS = ("nation", "capability", "units")
#: Most units one row may hold (a whole force is a few hundred battalions).
MAX_ROW_UNITS = 10_000


def _whole(value: Any) -> int | None:
    """``value`` as a whole number ≥ 0 within MAX_ROW_UNITS, else None (2.5, -1, 'x', inf)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip()) if value.strip() else None
        except ValueError:
            return None
    if not isinstance(value, int | float) or (
        isinstance(value, float) and not math.isfinite(value)
    ):
        return None
    if value < 0 or value != int(value) or value > MAX_ROW_UNITS:
        return None
    return int(value)


def allocation_problems(
    rows: list[dict[str, Any]], scenario: Scenario, columns: list[str], *, file: bool = True
) -> list[tuple[int, str, str]]:
    """(row index, column, message) for every problem of an allocation's rows.

    A file must have rows (an empty file is a mistake); a DataFrame may be empty (a force of
    nothing, such as a largest sustainable force of zero).
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        return [(-1, "", f"allocation CSV lacks column {col!r}") for col in missing]
    if not rows and file:
        return [(-1, "", "the allocation has no rows: give nation,capability,units lines")]
    nations = sorted(n.code for n in scenario.nations)
    capabilities = sorted(c.id for c in scenario.force.capabilities)
    problems: list[tuple[int, str, str]] = []
    seen: dict[tuple[str, str], int] = {}
    for i, row in enumerate(rows):
        for col, known in (("nation", nations), ("capability", capabilities)):
            if str(row.get(col)) not in known:
                problems.append(
                    (
                        i,
                        col,
                        f"{col} {row.get(col)} not in scenario {scenario.name} "
                        f"(it has {', '.join(known)})",
                    )
                )
        if _whole(row.get("units")) is None:
            problems.append(
                (
                    i,
                    "units",
                    f"units must be a whole number 0-{MAX_ROW_UNITS:,}, got {row['units']!r}",
                )
            )
        pair = (str(row.get("nation")), str(row.get("capability")))
        if pair in seen:
            problems.append(
                (
                    i,
                    "nation",
                    f"{pair[0]} {pair[1]} is also on row {seen[pair]}; give each pair once",
                )
            )
        seen.setdefault(pair, i)
    return problems


def checked_allocation(frame: Any, scenario: Scenario) -> pd.DataFrame:
    """An allocation DataFrame given through the Python API, checked; raises on a problem.

    TypeError when it is not a DataFrame, ValueError listing every problem otherwise.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"allocation must be a pandas DataFrame, got {type(frame).__name__}")
    rows = [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]
    problems = allocation_problems(rows, scenario, [str(c) for c in frame.columns], file=False)
    if problems:
        raise ValueError(
            "allocation: " + "; ".join(f"row {i}: {m}" if i >= 0 else m for i, _, m in problems)
        )
    out = frame.copy()
    out["units"] = pd.Series([_whole(v) for v in out["units"]], index=out.index, dtype="int64")
    return out


def read_allocation(file: Path, scenario: Scenario) -> pd.DataFrame:
    """Read ``--allocation FILE``; raise :class:`ScenarioError` with located problems."""
    name = str(file)

    def refuse(message: str, line: int = 1, path: str = "") -> ScenarioError:
        return ScenarioError([Problem(name, line, 1, path, message)])

    try:
        text = readable_file(file).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise refuse("allocation file not found") from None
    except IsADirectoryError:
        raise refuse("is a directory, not an allocation CSV") from None
    except TableRefused as exc:
        raise refuse(str(exc).removeprefix(f"{file}: ")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise refuse(f"unreadable: {exc}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows, lines = [], []
    try:
        for row in reader:
            rows.append(row)
            lines.append(reader.line_num)
            if limits.TABLE_ROWS.exceeded(len(rows)):
                raise refuse(str(limits.TABLE_ROWS.exceeded(len(rows))), reader.line_num)
    except csv.Error as exc:
        raise refuse(f"not a CSV file: {exc}", reader.line_num) from None
    problems = allocation_problems(rows, scenario, list(reader.fieldnames or []))
    if problems:
        raise ScenarioError(
            [
                Problem(name, lines[i] if i >= 0 else 1, 1, f"rows[{i}].{col}" if i >= 0 else "", m)
                for i, col, m in problems
            ]
        )
    frame = pd.DataFrame(rows)
    frame["units"] = [_whole(v) for v in frame["units"]]
    return frame.astype({"nation": str, "capability": str, "units": "int64"})
