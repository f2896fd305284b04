"""Reference tables (scenarios/data/*.csv) merged into a scenario before validation.

A scenario names its tables under ``data:`` by path relative to the scenario file. A nation
entry gives at least its ``code``; every field it leaves out is taken from ``nations.csv``.
A supply class may give ``factor_ids`` instead of ``kg_per_pax_day``; the kilograms are then
the sum of those rows of ``planning_factors.csv``. Values written inline always win.
"""

from __future__ import annotations

import copy
import csv
from pathlib import Path
from typing import Any

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


def read_table(file: Path, key: str) -> dict[str, dict[str, str]]:
    """Rows of a CSV keyed by column ``key``; repeated keys keep the first row."""
    rows: dict[str, dict[str, str]] = {}
    with file.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows.setdefault(row[key], row)
    return rows


def _table(
    mapping: dict[str, Any], base_dir: Path, name: str, key: str, problems: list[TableProblem]
) -> dict[str, dict[str, str]] | None:
    """The table the scenario names under ``data.<name>``, or None (with a problem if unreadable)."""
    rel = (mapping.get("data") or {}).get(name) if isinstance(mapping.get("data"), dict) else None
    if not isinstance(rel, str):
        return None
    file = base_dir / rel
    try:
        return read_table(file, key)
    except FileNotFoundError:
        problems.append((("data", name), f"table not found: {file}"))
    except (KeyError, csv.Error, UnicodeDecodeError) as exc:
        problems.append((("data", name), f"table {file} unreadable: {exc}"))
    return None


def nation_from_row(row: dict[str, str]) -> dict[str, Any]:
    """Nation fields from a nations.csv row (empty cells are left out)."""
    out: dict[str, Any] = {}
    for column, field in NATION_COLUMNS.items():
        cell = (row.get(column) or "").strip()
        if not cell:
            continue
        if field in INT_FIELDS:
            out[field] = round(float(cell))
        elif field in FLOAT_FIELDS:
            out[field] = float(cell)
        else:
            out[field] = cell
    spending = (row.get("def_usd_bn_2024_approx") or "").strip()
    pct = (row.get("def_pct_gdp_2025") or row.get("def_pct_gdp_2024") or "").strip()
    if spending:
        out["defence_spending_usd"] = float(spending) * USD_PER_BN
    elif pct and "gdp_usd" in out:
        out["defence_spending_usd"] = float(pct) / 100.0 * out["gdp_usd"]
    return out


def _resolve_nations(
    mapping: dict[str, Any], table: dict[str, dict[str, str]], problems: list[TableProblem]
) -> None:
    entries = mapping.get("nations")
    if not isinstance(entries, list):
        return
    resolved: list[Any] = []
    for i, entry in enumerate(entries):
        if isinstance(entry, str):
            entry = {"code": entry}
        if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
            resolved.append(entry)
            continue
        row = table.get(entry["code"])
        if row is None:
            problems.append(((("nations", i, "code")), f"unknown nation code '{entry['code']}'"))
            resolved.append(entry)
            continue
        resolved.append({**nation_from_row(row), **entry})
    mapping["nations"] = resolved


def _resolve_supply_classes(
    mapping: dict[str, Any], table: dict[str, dict[str, str]], problems: list[TableProblem]
) -> None:
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
            total = 0.0
            for factor_id in ids if isinstance(ids, list) else []:
                row = table.get(factor_id)
                path = ("sustainment", "supply_classes", i, "factor_ids", posture)
                if row is None:
                    problems.append((path, f"unknown planning factor '{factor_id}'"))
                    continue
                cell = (row.get("value_kg_per_person_day") or "").strip()
                if not cell:
                    problems.append((path, f"planning factor '{factor_id}' has no kg/person/day"))
                    continue
                total += float(cell)
                sources.extend(s for s in row["source"].split(";") if s not in sources)
            kg[posture] = round(total, 6)
        cls["kg_per_pax_day"] = kg
        cls.setdefault("source", ";".join(sources))


def resolve_tables(mapping: dict[str, Any], base_dir: Path) -> tuple[dict[str, Any], list[TableProblem]]:
    """The scenario mapping with table values filled in, and the problems met doing so."""
    problems: list[TableProblem] = []
    resolved = copy.deepcopy(mapping)
    nations = _table(resolved, base_dir, "nations", "iso3", problems)
    if nations is not None:
        _resolve_nations(resolved, nations, problems)
    factors = _table(resolved, base_dir, "planning_factors", "factor_id", problems)
    if factors is not None:
        _resolve_supply_classes(resolved, factors, problems)
    return resolved, problems
