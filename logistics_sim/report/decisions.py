"""Writing decision analysis for the user: frontier.csv and its figure, comparison pages.

Folders follow the run-folder rule: the tool writes into a folder it created, or into one that
already holds its own output of the same kind (``marker``); any other folder is refused.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from logistics_sim.analysis.frontier import Frontier
from logistics_sim.report.decision_figures import frontier_figure
from logistics_sim.runfolder import write_bytes_atomic


class FolderRefused(ValueError):
    """An output folder the tool did not create and that holds other files."""


def claim_folder(folder: Path, marker: str) -> Path:
    """Create ``folder``, or accept it when empty or holding our own ``marker`` file."""
    if folder.exists():
        if not folder.is_dir():
            raise FolderRefused(f"{folder} is a file, not a folder; choose another --out")
        if any(folder.iterdir()) and not (folder / marker).exists():
            raise FolderRefused(
                f"{folder} holds files this tool did not write there; choose another --out"
            )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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
