"""Assumptions and sources: every planning figure with its source key and estimate flag."""

from __future__ import annotations

from pydantic import BaseModel

from logistics_sim.report.findings import estimate_flags, walk_sourced
from logistics_sim.report.format import dist_text, num
from logistics_sim.report.rundata import (
    RunData,
    read_csv_rows,
    read_sources,
    source_keys,
)
from logistics_sim.report.sections.elements import Section, Table
from logistics_sim.scenario import (
    Dist,
    ExponentialDist,
    FixedDist,
    LognormalDist,
    Nation,
    TriangularDist,
    UniformDist,
)


def _values(model: BaseModel) -> str:
    """The block's own numbers and distributions in words (nested blocks excluded)."""
    parts = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if name in ("source", "assumption"):
            continue
        if isinstance(value, bool):
            parts.append(f"{name}={'yes' if value else 'no'}")
        elif isinstance(value, int | float):
            parts.append(f"{name}={num(value)}")
        elif isinstance(
            value, FixedDist | ExponentialDist | LognormalDist | TriangularDist | UniformDist
        ):
            parts.append(f"{name}={dist_text(value)}")
        elif (
            isinstance(value, dict)
            and value
            and all(isinstance(v, int | float) for v in value.values())
        ):
            inner = ", ".join(f"{getattr(k, 'value', k)}: {num(v)}" for k, v in value.items())
            parts.append(f"{name}={{{inner}}}")
    return "; ".join(parts)


_ = Dist  # the union walked by _values; imported so its members stay in one place


def assumptions_section(run: RunData) -> Section:
    """Every planning figure the scenario uses with its source and estimate flag; the tables'."""
    sec = Section("assumptions", "Assumptions and sources")
    sources = read_sources(run.data_dir)
    tables = {
        "planning_factors.csv": ("factor_id", read_csv_rows(run.data_dir, "planning_factors.csv")),
        "force_factors.csv": ("factor_id", read_csv_rows(run.data_dir, "force_factors.csv")),
        "lines_of_communication.csv": (
            "loc_id",
            read_csv_rows(run.data_dir, "lines_of_communication.csv"),
        ),
        "network_capacities.csv": (
            "element",
            read_csv_rows(run.data_dir, "network_capacities.csv"),
        ),
        "nations.csv": ("iso3", read_csv_rows(run.data_dir, "nations.csv")),
    }
    row_estimate: dict[str, bool] = {}
    for _name, (key, rows) in tables.items():
        for row in rows:
            est = (row.get("is_estimate") or row.get("army_is_estimate") or "").lower() == "yes"
            row_estimate[row.get(key, "")] = row_estimate.get(row.get(key, ""), False) or est
    flag = estimate_flags(row_estimate)
    blocks = list(walk_sourced(run.scenario))
    counts: dict[str, int] = {}
    rows_out = []
    for path, block in blocks:
        f = flag(block.source, block.assumption)
        if isinstance(block, Nation) and row_estimate.get(block.code) and f == "sourced":
            f = "partly estimated"  # nations.csv marks this nation's land forces an estimate
        counts[f] = counts.get(f, 0) + 1
        rows_out.append(
            [
                path,
                _values(block) or "(see nested blocks)",
                block.source or "",
                block.assumption or "",
                f,
            ]
        )
    sec.paragraphs.append(
        f"The resolved scenario has {len(blocks)} blocks of figures; "
        + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
        + ". 'Estimate' means every source key is an assumption (ASSUMP_…), our arithmetic "
        "(DERIVED) or a reference-table row marked is_estimate = yes."
    )
    sec.details.append(
        (
            f"Every block of figures in the resolved scenario ({len(rows_out)})",
            Table(["block", "figures used", "source", "assumption", "status"], rows_out),
        )
    )
    used_factors = {
        fid
        for sc in run.scenario.sustainment.supply_classes
        for ids in sc.factor_ids.values()
        for fid in ids
    }
    cited = {k for _p, b in blocks for k in source_keys(b.source)}
    nation_codes = {n.code for n in run.scenario.nations}
    for name, (key, rows) in tables.items():
        if name == "planning_factors.csv":
            chosen = [r for r in rows if r.get(key) in used_factors or r.get(key) in cited]
        elif name == "nations.csv":
            chosen = [r for r in rows if r.get(key) in nation_codes]
        elif name == "network_capacities.csv":
            chosen = rows
        else:
            chosen = [r for r in rows if r.get(key) in cited]
        if not chosen:
            continue
        if name == "nations.csv":
            header = ["iso3", "land forces", "land forces estimated?", "source", "willingness"]
            body = [
                [
                    r.get("iso3", ""),
                    r.get("army_personnel", ""),
                    r.get("army_is_estimate", ""),
                    r.get("army_source", "") or r.get("source", ""),
                    r.get("willingness_flag", ""),
                ]
                for r in chosen
            ]
        else:
            value_col = "value_kg_per_person_day" if name == "planning_factors.csv" else "value"
            header = [key, "item", "value", "unit", "source", "is_estimate"]
            body = [
                [
                    r.get(key, ""),
                    r.get("item") or r.get("parameter") or r.get("name") or "",
                    r.get(value_col) or r.get("value", ""),
                    "kg/person/day" if value_col != "value" else r.get("unit", ""),
                    r.get("source", ""),
                    r.get("is_estimate", ""),
                ]
                for r in chosen
            ]
        sec.details.append((f"scenarios/data/{name}: {len(chosen)} rows used", Table(header, body)))
    if run.data_dir is None:
        sec.paragraphs.append(
            "The reference tables (scenarios/data) were not found beside the package, so data "
            "rows are not listed; the blocks above still give each figure's source key."
        )
    keys = sorted(
        cited
        | {
            k
            for r in (tables["planning_factors.csv"][1])
            if r.get("factor_id") in used_factors
            for k in source_keys(r.get("source"))
        }
    )
    if sources:
        sec.details.append(
            (
                f"Source keys cited ({sum(k in sources for k in keys)} defined in sources.md)",
                Table(
                    ["key", "citation"],
                    [[k, sources.get(k, "(table row or key not in sources.md)")] for k in keys],
                ),
            )
        )
    return sec
