"""Writing decision analysis for the user: frontier.csv and its figure, comparison pages.

Folders follow the run-folder rule (``runfolder.claim_folder``): the tool writes into a folder it
created, or into one that it marked as the same kind; any other folder is refused.
"""

from __future__ import annotations

import hashlib
import html
import math
from pathlib import Path

import pandas as pd

from logistics_sim.analysis.frontier import Frontier
from logistics_sim.report.decision_figures import frontier_figure
from logistics_sim.runfolder import write_bytes_atomic


def default_folder(scenario_name: str, kind: str, identity: str) -> Path:
    """``results/<scenario>/<kind>-<12 hex of what determines the answer>``."""
    tag = hashlib.sha256(identity.encode()).hexdigest()[:12]
    return Path("results") / scenario_name / f"{kind}-{tag}"


def write_frontier(result: Frontier, folder: Path) -> list[Path]:
    """frontier.csv (one row per point) and frontier.svg; the paths written."""
    table = result.table()
    csv = folder / "frontier.csv"
    write_bytes_atomic(csv, table.to_csv(index=False, lineterminator="\n").encode())
    svg = folder / "frontier.svg"
    write_bytes_atomic(svg, frontier_figure(table, [lever.path for lever in result.levers]))
    return [csv, svg]


def markdown_table(frame: pd.DataFrame) -> str:
    """A Markdown table of a frame (cells escaped: text from inputs stays inert)."""

    def cell(value: object) -> str:
        text = (
            f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
        )
        return text.replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows]) + "\n"


def write_table(
    folder: Path, stem: str, title: str, lines: list[str], frame: pd.DataFrame
) -> list[Path]:
    """``stem``.csv and ``stem``.md (a title, the sentences, the table)."""
    csv = folder / f"{stem}.csv"
    write_bytes_atomic(csv, frame.to_csv(index=False, lineterminator="\n").encode())
    md = folder / f"{stem}.md"
    body = f"# {title}\n\n" + "".join(f"- {line}\n" for line in lines) + "\n"
    write_bytes_atomic(md, (body + markdown_table(frame)).encode())
    return [csv, md]


def figure(value: object, sign: bool = False) -> str:
    """A figure for a cell: thousands separated above 100, else 3 significant digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    number = float(value)  # type: ignore[arg-type]
    plus = "+" if sign else ""
    return f"{number:{plus},.0f}" if abs(number) >= 100 else f"{number:{plus}.3g}"


def comparison_cells(table: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Header (item, then one column per run) and rows of plain-text cells."""
    labels = dict(zip(table["folder"], table["run"], strict=True))
    folders = list(labels)
    header = ["item", *[f"{labels[f]} ({Path(f).name})" for f in folders]]
    items = list(dict.fromkeys(table["item"]))
    rows = []
    for item in items:
        cells = [item]
        for folder in folders:
            hit = table[(table["folder"] == folder) & (table["item"] == item)]
            if hit.empty:
                cells.append("")
                continue
            row = hit.iloc[0]
            parts = [str(row["text"])] if isinstance(row["text"], str) and row["text"] else []
            if pd.notna(row["mean"]):
                text = figure(row["mean"])
                if pd.notna(row["ci_low"]) and pd.notna(row["ci_high"]):
                    text += f" [{figure(row['ci_low'])}, {figure(row['ci_high'])}]"
                parts.insert(0, text)
            if pd.notna(row["diff_vs_first"]):
                low, high = figure(row["diff_ci_low"], True), figure(row["diff_ci_high"], True)
                parts.append(f"Δ {figure(row['diff_vs_first'], True)} [{low}, {high}]")
            cells.append(" ".join(parts))
        rows.append(cells)
    return header, rows


def write_comparison(table: pd.DataFrame, folder: Path) -> list[Path]:
    """comparison.csv, comparison.md and a self-contained comparison.html."""
    header, rows = comparison_cells(table)
    note = (
        "Means with their confidence intervals; Δ is the paired difference from the first run "
        "(same seeds: common random numbers), with its interval."
    )
    csv = folder / "comparison.csv"
    write_bytes_atomic(csv, table.to_csv(index=False, lineterminator="\n").encode())
    md = folder / "comparison.md"
    frame = pd.DataFrame(rows, columns=header)
    write_bytes_atomic(md, (f"# Comparison\n\n{note}\n\n" + markdown_table(frame)).encode())
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Comparison</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}"
        "th{background:#eef}</style></head><body>"
        f"<h1>Comparison</h1><p>{html.escape(note)}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        "</body></html>\n"
    )
    page_path = folder / "comparison.html"
    write_bytes_atomic(page_path, page.encode())
    return [csv, md, page_path]
