"""Everything the report shows, read from one run folder and reduced to small tables.

The report is built from a run folder only (DESIGN.md §2, §4), so a report can be rebuilt
years later from the archived folder. Replication files are read one at a time with only
the metrics the report needs, and reduced at once, so memory stays small on long runs.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from logistics_sim import runfolder as rf
from logistics_sim.loading import load_scenario
from logistics_sim.scenario import Scenario
from optimisation.result import AllocationResult

#: Daily metrics the report reads from each replication.
REPORT_METRICS = (
    "deployed_pax",
    "days_of_supply",
    "shortfall_t",
    "node_utilisation",
    "node_wait_days",
    "reinforcement_arrived_pax",
)
#: Whole-run (day = -1) metrics the report reads.
WHOLE_RUN = ("reinforcement_trigger_day", "reinforcement_closure_days", "reinforcement_on_time")


@dataclass
class Reduced:
    """Per-replication reductions of the daily frames (small; one row per rep and day)."""

    strength: pd.DataFrame  # replication, day, value (summed deployed_pax)
    supply: pd.DataFrame  # replication, day, sector, supply_class, days_of_supply, shortfall_t
    nodes: pd.DataFrame  # replication, day, node, utilisation, wait_days
    arrivals: pd.DataFrame  # replication, day, sector, value
    whole_run: pd.DataFrame  # replication, metric, sector, value


@dataclass
class RunData:
    """A run folder's files, parsed: manifest, summary, optimiser output, allocation, scenario."""

    folder: Path
    manifest: dict[str, Any]
    summary: dict[str, Any]
    optimisation: AllocationResult | None
    allocation: pd.DataFrame
    scenario: Scenario
    reduced: Reduced
    sweep: pd.DataFrame | None = None
    data_dir: Path | None = None
    docs_dir: Path | None = None
    file_hashes: dict[str, str] = field(default_factory=dict)


def _read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from ``path``, or None when the file is absent."""
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {"value": data}


def _reduce_replication(path: Path) -> dict[str, pd.DataFrame]:
    """Read one replication's Parquet (report metrics only) and reduce it."""
    wanted = [*REPORT_METRICS, *WHOLE_RUN]
    frame = pq.read_table(
        path, schema=rf.DAILY_SCHEMA, filters=[("metric", "in", wanted)]
    ).to_pandas()
    rep = int(frame["replication"].iloc[0]) if len(frame) else -1
    by = {str(name): rows for name, rows in frame.groupby("metric", sort=True)}
    empty = frame.iloc[0:0]

    def daily(name: str) -> pd.DataFrame:
        rows = by.get(name, empty)
        return rows[rows["day"] >= 0]

    strength = daily("deployed_pax").groupby("day", as_index=False)["value"].sum()
    dos = daily("days_of_supply")[["day", "sector", "supply_class", "value"]].rename(
        columns={"value": "days_of_supply"}
    )
    short = (
        daily("shortfall_t")
        .groupby(["day", "sector", "supply_class"])["value"]
        .sum()
        .rename("shortfall_t")
        .reset_index()
    )
    supply = dos.merge(short, on=["day", "sector", "supply_class"], how="outer")
    util = daily("node_utilisation")[["day", "node", "value"]].rename(
        columns={"value": "utilisation"}
    )
    wait = daily("node_wait_days")[["day", "node", "value"]].rename(columns={"value": "wait_days"})
    nodes = util.merge(wait, on=["day", "node"], how="outer")
    arrivals = (
        daily("reinforcement_arrived_pax").groupby(["day", "sector"], as_index=False)["value"].sum()
    )
    whole = frame[(frame["day"] < 0) & frame["metric"].isin(WHOLE_RUN)][
        ["metric", "sector", "value"]
    ]
    out = {
        "strength": strength,
        "supply": supply,
        "nodes": nodes,
        "arrivals": arrivals,
        "whole_run": whole,
    }
    for part in out.values():
        part.insert(0, "replication", rep)
    return out


def reduce_run(folder: Path) -> Reduced:
    """Per-replication reductions of every finished replication of a run folder."""
    parts: dict[str, list[pd.DataFrame]] = {
        k: [] for k in ("strength", "supply", "nodes", "arrivals", "whole_run")
    }
    for r in rf.finished_replications(folder):
        for key, frame in _reduce_replication(rf.replication_path(folder, r)).items():
            parts[key].append(frame)
    columns = {
        "strength": ["replication", "day", "value"],
        "supply": ["replication", "day", "sector", "supply_class", "days_of_supply", "shortfall_t"],
        "nodes": ["replication", "day", "node", "utilisation", "wait_days"],
        "arrivals": ["replication", "day", "sector", "value"],
        "whole_run": ["replication", "metric", "sector", "value"],
    }
    frames = {
        key: (
            pd.concat(parts[key], ignore_index=True)
            if parts[key]
            else pd.DataFrame({c: pd.Series(dtype="float64") for c in columns[key]})
        )
        for key in parts
    }
    return Reduced(**frames)


def _sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def default_data_dir() -> Path | None:
    """The repository's ``scenarios/data`` next to the package, when present."""
    candidate = Path(__file__).resolve().parents[2] / "scenarios" / "data"
    return candidate if candidate.is_dir() else None


def default_docs_dir() -> Path | None:
    """The repository's ``docs`` folder next to the package, when present."""
    candidate = Path(__file__).resolve().parents[2] / "docs"
    return candidate if candidate.is_dir() else None


def find_sweep(folder: Path, sweep: Path | None) -> pd.DataFrame | None:
    """The sweep table: ``sweep`` (a sweep.csv or its folder), else ``folder/sweep.csv``."""
    candidates = []
    if sweep is not None:
        candidates.append(sweep / "sweep.csv" if sweep.is_dir() else sweep)
    candidates.append(folder / "sweep.csv")
    for path in candidates:
        if path.is_file():
            return pd.read_csv(path, keep_default_na=True)
    if sweep is not None:
        raise FileNotFoundError(f"{sweep}: no sweep.csv there")
    return None


def read_optimisation(path: Path, record: dict[str, Any] | None) -> AllocationResult | None:
    """The optimiser's result stored in ``path`` (its JSON ``record``); None when absent."""
    if record is None:
        return None
    try:
        return AllocationResult.from_dict(record)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: not an optimiser result ({type(exc).__name__}: {exc})") from None


def _timeless(value: Any) -> Any:
    """A JSON value without its solve times (keys naming a time), at any depth."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if "time" not in k}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


def load_run_data(
    folder: Path,
    *,
    sweep: Path | None = None,
    data_dir: Path | None = None,
    docs_dir: Path | None = None,
) -> RunData:
    """Read a run folder (DESIGN.md §4) into a :class:`RunData`; missing optional files are None."""
    folder = Path(folder)
    for required in (rf.MANIFEST, rf.SUMMARY, "scenario.resolved.yaml"):
        if not (folder / required).is_file():
            raise FileNotFoundError(f"{folder}: no {required}; is this a run folder?")
    manifest = _read_json(folder / rf.MANIFEST) or {}
    summary = _read_json(folder / rf.SUMMARY) or {}
    record = _read_json(folder / rf.OPTIMISATION)
    optimisation = read_optimisation(folder / rf.OPTIMISATION, record)
    alloc_path = folder / rf.ALLOCATION
    allocation = (
        pd.read_csv(alloc_path, dtype={"nation": str, "capability": str})
        if alloc_path.is_file()
        else pd.DataFrame(columns=["nation", "capability", "units"])
    )
    scenario = load_scenario(folder / "scenario.resolved.yaml")
    hashes = {
        name: _sha256(folder / name)
        for name in ("scenario.resolved.yaml", rf.ALLOCATION)
        if (folder / name).is_file()
    }
    if record is not None:  # its solve times differ from run to run: hash the rest
        canonical = json.dumps(_timeless(record), sort_keys=True, separators=(",", ":"))
        hashes["optimisation.json (without solve time)"] = hashlib.sha256(
            canonical.encode()
        ).hexdigest()
    data = data_dir if data_dir is not None else default_data_dir()
    data = data if data is not None and data.is_dir() else None
    if data is not None:
        for csv_file in sorted(data.glob("*.csv")):
            hashes[f"data/{csv_file.name}"] = _sha256(csv_file)
    return RunData(
        folder=folder,
        manifest=manifest,
        summary=summary,
        optimisation=optimisation,
        allocation=allocation,
        scenario=scenario,
        reduced=reduce_run(folder),
        sweep=find_sweep(folder, sweep),
        data_dir=data,
        docs_dir=docs_dir if docs_dir is not None else default_docs_dir(),
        file_hashes=hashes,
    )


# ---------------------------------------------------------------------------------------------
# Statistics across replications.
# ---------------------------------------------------------------------------------------------


def band(frame: pd.DataFrame, by: list[str], value: str, confidence: float) -> pd.DataFrame:
    """Mean and t-based CI across replications of ``value`` for each ``by`` group.

    The same interval as metrics.mean_ci (mean ± t·s/√n), vectorised over groups; the bounds
    are NaN where fewer than two replications have a value.
    """
    from scipy import stats

    grouped = frame.dropna(subset=[value]).groupby(by, sort=True)[value]
    out = grouped.agg(mean="mean", sd="std", n="count").reset_index()
    n = out["n"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(n >= 2, stats.t.ppf((1 + confidence) / 2, np.maximum(n - 1, 1)), np.nan)
        half = t * out["sd"].to_numpy(dtype="float64") / np.sqrt(n)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out.drop(columns="sd")


# ---------------------------------------------------------------------------------------------
# Reference tables and sources.
# ---------------------------------------------------------------------------------------------

_SOURCE_ITEM = re.compile(r"^\s*[-*]\s+\*\*([A-Za-z0-9_.\-]+)\*\*\s*(?:[—:-]+\s*)?(.*)$")


def read_sources(data_dir: Path | None) -> dict[str, str]:
    """Source keys of ``sources.md`` with their citation text (continuation lines joined)."""
    if data_dir is None or not (data_dir / "sources.md").is_file():
        return {}
    out: dict[str, str] = {}
    key: str | None = None
    for line in (data_dir / "sources.md").read_text(encoding="utf-8").splitlines():
        match = _SOURCE_ITEM.match(line)
        if match:
            key = match.group(1)
            out[key] = match.group(2).strip()
        elif key is not None and line.startswith("  ") and line.strip():
            out[key] += " " + line.strip()
        else:
            key = None
    return out


def read_csv_rows(data_dir: Path | None, name: str) -> list[dict[str, str]]:
    """Rows of ``data_dir/name`` as dicts (empty when absent)."""
    if data_dir is None or not (data_dir / name).is_file():
        return []
    with (data_dir / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def source_keys(text: str | None) -> list[str]:
    """Keys of a ';'-separated source field."""
    return [k.strip() for k in (text or "").split(";") if k.strip()]


def is_nan(value: Any) -> bool:
    """Whether ``value`` is a missing number (None or NaN)."""
    return value is None or (isinstance(value, float) and math.isnan(value))
