"""Reference tables (scenarios/data/*.csv) merged into a scenario before validation.

A scenario names its tables under ``data:`` by path relative to the scenario file. A nation
entry gives at least its ``code``; every field it leaves out is taken from ``nations.csv``.
A supply class may give ``factor_ids`` instead of ``kg_per_pax_day``; the kilograms are then
the sum of those rows of ``planning_factors.csv``. Values written inline always win.
"""

from __future__ import annotations

import copy
import csv
import math
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from logistics_sim import limits

TablePath = tuple[str | int, ...]
TableProblem = tuple[TablePath, str]

# nations.csv column -> Nation field
NATION_COLUMNS = {
    "name": "name",
    "willingness_flag": "willingness",
    "army_personnel": "land_forces_pax",
    "active_personnel": "active_personnel_pax",
    "population": "population",
    "gdp_usd": "gdp_usd",
    "source": "source",
}
INT_FIELDS = {"land_forces_pax", "active_personnel_pax", "population"}
FLOAT_FIELDS = {"gdp_usd"}
USD_PER_BN = 1e9

#: Default sources document, relative to the scenario file, when ``data.sources`` is not given.
DEFAULT_SOURCES = "data/sources.md"

# A source key is defined by a list item that opens with it in bold: ``- **WB_GDP** — ...``.
_SOURCE_KEY_LINE = re.compile(r"^\s*[-*]\s+\*\*([A-Za-z0-9_.\-]+)\*\*")


#: Environment variable naming further folders (``os.pathsep``-separated) that ``data:`` may
#: point into, besides the scenario file's own folder and its subfolders.
DATA_DIRS_ENV = "LOGISTICS_SIM_DATA_DIRS"
#: Largest magnitude of a number in a reference table (world GDP is about 1e14 USD).
MAX_TABLE_NUMBER = 1e15


class TableRefused(ValueError):
    """A ``data:`` path the reader will not open: outside the allowed folders, not a regular
    file, or too large. The message says which and how to allow it."""


def allowed_roots(base_dir: Path) -> list[Path]:
    """Folders ``data:`` paths may point into.

    The scenario's own folder tree, the working directory's tree (a project run from its root
    keeps scenarios and tables side by side, ``../data/x.csv``), and ``DATA_DIRS_ENV``.
    """
    extra = [Path(p) for p in os.environ.get(DATA_DIRS_ENV, "").split(os.pathsep) if p.strip()]
    return [folder.resolve() for folder in (base_dir, Path.cwd(), *extra)]


def readable_file(file: Path) -> Path:
    """``file`` resolved, if it is a regular file within the size limit; else raise.

    Raises FileNotFoundError, IsADirectoryError, or :class:`TableRefused` for a FIFO, device
    or socket (reading one hangs or never ends) or a file above ``limits.TABLE_BYTES``.
    """
    resolved = file.resolve()
    if not resolved.exists():
        raise FileNotFoundError(str(file))
    if resolved.is_dir():
        raise IsADirectoryError(str(file))
    if not stat.S_ISREG(resolved.stat().st_mode):
        raise TableRefused(f"{file} is not a regular file (a FIFO, device or socket)")
    problem = limits.TABLE_BYTES.exceeded(resolved.stat().st_size)
    if problem:
        raise TableRefused(f"{file}: {problem}")
    return resolved


def checked_file(file: Path, base_dir: Path) -> Path:
    """``file`` resolved, if a scenario may read it as a reference table; else raise.

    As :func:`readable_file`, and :class:`TableRefused` for a file outside ``allowed_roots``
    or under a hidden folder (``~/.ssh``): a scenario from elsewhere must not read private
    files into its resolved scenario and report. A path with a control character (a NUL
    cannot name any file) is refused before the file system is asked.
    """
    if any(ord(char) < 32 for char in str(file)):
        raise TableRefused(f"{str(file)!r} contains a control character; no file is named so")
    resolved = file.resolve()
    roots = [root for root in allowed_roots(base_dir) if resolved.is_relative_to(root)]
    if resolved.exists() and not roots:
        raise TableRefused(
            f"{file} is outside the scenario's folder ({base_dir.resolve()}) and the working "
            f"directory; move the table beside the scenario or add its folder to {DATA_DIRS_ENV}"
        )
    inside = resolved.relative_to(max(roots, key=lambda r: len(r.parts))).parts if roots else ()
    if any(part.startswith(".") for part in inside):
        raise TableRefused(f"{file} is in a hidden folder or is a hidden file")
    return readable_file(file)


def _rows(file: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """The CSV's rows with the line each ends on, at most the row limit."""
    with file.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for count, row in enumerate(reader, start=1):
            problem = limits.TABLE_ROWS.exceeded(count)
            if problem:
                raise TableRefused(f"{file}: {problem}")
            yield reader.line_num, row


def read_table(file: Path, key: str, *, unique: bool = True) -> dict[str, dict[str, str]]:
    """Rows of a CSV keyed by column ``key``.

    With ``unique`` a key given twice is refused with both lines (a nation or planning factor
    defined twice is ambiguous); without it, the first row of each key is kept (tables such
    as the lines of communication hold several rows per place, read here only for their ids).
    """
    rows: dict[str, dict[str, str]] = {}
    lines: dict[str, int] = {}
    for line, row in _rows(file):
        value = row[key]
        if value in lines and not unique:
            continue
        if value in lines:
            raise TableRefused(
                f"{file}: {key} {value!r} is on line {lines[value]} and again on line {line}; "
                "each row needs its own key"
            )
        rows[value], lines[value] = row, line
    return rows


def _table(
    mapping: dict[str, Any], base_dir: Path, name: str, key: str, problems: list[TableProblem]
) -> dict[str, dict[str, str]] | None:
    """The table named under ``data.<name>``, or None (with a problem if it is unreadable)."""
    rel = (mapping.get("data") or {}).get(name) if isinstance(mapping.get("data"), dict) else None
    if not isinstance(rel, str):
        return None
    file = base_dir / rel
    try:
        return read_table(checked_file(file, base_dir), key)
    except FileNotFoundError:
        problems.append((("data", name), f"table not found: {file}"))
    except KeyError:
        problems.append((("data", name), f"table {file} has no '{key}' column"))
    except IsADirectoryError:
        problems.append((("data", name), f"table {file} is a directory, not a CSV file"))
    except TableRefused as exc:
        problems.append((("data", name), f"table refused: {exc}"))
    except (OSError, csv.Error, UnicodeDecodeError) as exc:
        problems.append((("data", name), f"table {file} unreadable: {exc}"))
    return None


def table_number(cell: str) -> float:
    """A number from a table cell: finite and within ``MAX_TABLE_NUMBER``, else ValueError."""
    value = float(cell)
    if not math.isfinite(value) or abs(value) > MAX_TABLE_NUMBER:
        raise ValueError(f"{cell[:40]!r} is not a finite number within ±{MAX_TABLE_NUMBER:.0e}")
    return value


def nation_from_row(row: dict[str, str]) -> dict[str, Any]:
    """Nation fields from a nations.csv row (empty cells are left out)."""
    out: dict[str, Any] = {}
    for column, field in NATION_COLUMNS.items():
        cell = (row.get(column) or "").strip()
        if not cell:
            continue
        if field in INT_FIELDS:
            out[field] = round(table_number(cell))
        elif field in FLOAT_FIELDS:
            out[field] = table_number(cell)
        else:
            out[field] = cell
    spending = (row.get("def_usd_bn_2024_approx") or "").strip()
    pct = (row.get("def_pct_gdp_2025") or row.get("def_pct_gdp_2024") or "").strip()
    if spending:
        out["defence_spending_usd"] = table_number(spending) * USD_PER_BN
    elif pct and "gdp_usd" in out:
        out["defence_spending_usd"] = table_number(pct) / 100.0 * out["gdp_usd"]
    return out


def _resolve_nations(
    mapping: dict[str, Any], table: dict[str, dict[str, str]] | None, problems: list[TableProblem]
) -> None:
    """Fill each nation entry from its nations.csv row; a bare code string stands for ``{code}``."""
    entries = mapping.get("nations")
    if not isinstance(entries, list):
        return
    resolved: list[Any] = []
    for i, entry in enumerate(entries):
        if isinstance(entry, str):
            entry = {"code": entry}
            if table is None:
                problems.append(
                    (
                        ("nations", i),
                        f"nation '{entry['code']}' is given by its code only, but the scenario "
                        "names no nations table (data.nations)",
                    )
                )
                continue
        if table is None or not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
            resolved.append(entry)
            continue
        row = table.get(entry["code"])
        if row is None:
            problems.append(
                (
                    ("nations", i, "code"),
                    f"unknown nation code '{entry['code']}' (not in nations.csv)",
                )
            )
            continue
        try:
            from_table = nation_from_row(row)
        except ValueError as exc:
            problems.append(
                (
                    ("nations", i, "code"),
                    f"nations.csv row '{entry['code']}' has a bad number: {exc}",
                )
            )
            continue
        resolved.append({**from_table, **entry})
    mapping["nations"] = resolved


def _resolve_supply_classes(
    mapping: dict[str, Any], table: dict[str, dict[str, str]], problems: list[TableProblem]
) -> None:
    """Sum planning-factor rows into ``kg_per_pax_day`` where a class gives only ``factor_ids``."""
    sustainment = mapping.get("sustainment")
    classes = sustainment.get("supply_classes") if isinstance(sustainment, dict) else None
    if not isinstance(classes, list):
        return
    for i, cls in enumerate(classes):
        if not isinstance(cls, dict) or "kg_per_pax_day" in cls:
            continue
        factor_ids = cls.get("factor_ids")
        if not isinstance(factor_ids, dict):
            continue
        kg: dict[str, float] = {}
        sources: list[str] = []
        for posture, ids in factor_ids.items():
            path = ("sustainment", "supply_classes", i, "factor_ids", posture)
            if not isinstance(ids, list):
                problems.append((path, "expected a list of planning factor ids"))
                continue
            total = 0.0
            for j, factor_id in enumerate(ids):
                row = table.get(factor_id) if isinstance(factor_id, str) else None
                if row is None:
                    problems.append(
                        ((*path, j), f"unknown planning factor '{factor_id}' (not in the table)")
                    )
                    continue
                cell = (row.get("value_kg_per_person_day") or "").strip()
                try:
                    total += table_number(cell)
                except ValueError:
                    problems.append(
                        ((*path, j), f"planning factor '{factor_id}' has no kg/person/day")
                    )
                    continue
                row_sources = (row.get("source") or "").split(";")
                sources.extend(s for s in row_sources if s and s not in sources)
            kg[posture] = round(total, 6)
        cls["kg_per_pax_day"] = kg
        cls.setdefault("source", ";".join(sources))


def read_source_keys(file: Path, base_dir: Path | None = None) -> frozenset[str]:
    """Keys defined in a sources document: list items opening with a bold key (``- **KEY**``).

    With ``base_dir``, the file is checked like a reference table first (``checked_file``).
    """
    if base_dir is not None:
        file = checked_file(file, base_dir)
    keys = set()
    for line in file.read_text(encoding="utf-8").splitlines():
        match = _SOURCE_KEY_LINE.match(line)
        if match:
            keys.add(match.group(1))
    return frozenset(keys)


#: Key column of each reference table: a ``source`` may cite a row by this id.
TABLE_ID_COLUMNS = {
    "nations": "iso3",
    "planning_factors": "factor_id",
    "force_factors": "factor_id",
    "lines_of_communication": "loc_id",
}
#: Tables read only for their row ids here (the others are merged and report their own errors).
_CITED_ONLY_TABLES = {"force_factors", "lines_of_communication"}


def _table_row_ids(data: dict[str, Any], base_dir: Path, problems: list[TableProblem]) -> set[str]:
    """Row ids of every reference table, named under ``data`` or in its default place."""
    ids: set[str] = set()
    for name, column in TABLE_ID_COLUMNS.items():
        rel = data.get(name)
        named = isinstance(rel, str)
        file = base_dir / rel if isinstance(rel, str) else base_dir / "data" / f"{name}.csv"
        if not named and not file.is_file():
            continue
        try:
            ids.update(read_table(checked_file(file, base_dir), column, unique=False))
        except (OSError, KeyError, csv.Error, UnicodeDecodeError, TableRefused) as exc:
            if named and name in _CITED_ONLY_TABLES:
                problems.append(((("data", name)), f"table {file} unreadable: {exc!s}"))
    return ids


def source_keys_for(
    mapping: dict[str, Any], base_dir: Path
) -> tuple[frozenset[str] | None, list[TableProblem]]:
    """What a ``source`` may cite: keys of the sources document and row ids of the tables.

    The sources document is ``data.sources``, else ``data/sources.md`` beside the scenario.
    None when the scenario names no document and the default does not exist: then sources
    are not checked. A named document or table that cannot be read is a problem.
    """
    data = mapping.get("data")
    data = data if isinstance(data, dict) else {}
    rel = data.get("sources")
    problems: list[TableProblem] = []
    if isinstance(rel, str):
        file = base_dir / rel
    else:
        file = base_dir / DEFAULT_SOURCES
        if not file.is_file():
            return None, []
    try:
        keys = read_source_keys(file, base_dir)
    except FileNotFoundError:
        return None, [(("data", "sources"), f"sources document not found: {file}")]
    except (OSError, UnicodeDecodeError, TableRefused) as exc:
        return None, [(("data", "sources"), f"sources document {file} unreadable: {exc}")]
    return keys | _table_row_ids(data, base_dir, problems), problems


def resolve_tables(
    mapping: dict[str, Any], base_dir: Path
) -> tuple[dict[str, Any], list[TableProblem]]:
    """The scenario mapping with table values filled in, and the problems met doing so."""
    problems: list[TableProblem] = []
    resolved = copy.deepcopy(mapping)
    nations = _table(resolved, base_dir, "nations", "iso3", problems)
    _resolve_nations(resolved, nations, problems)
    factors = _table(resolved, base_dir, "planning_factors", "factor_id", problems)
    if factors is not None:
        _resolve_supply_classes(resolved, factors, problems)
    return resolved, problems
