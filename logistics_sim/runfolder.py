"""The run folder of DESIGN.md §4: atomic files, the manifest, and the per-replication Parquet.

Every file is written to a temporary name in the same folder, flushed, fsync'ed and renamed,
so a reader (pandas, DuckDB glob) never meets a half-written file and a run killed at any
instant keeps every replication that had finished. Nothing written here depends on the
executor or the clock: the same scenario, allocation and seed give byte-identical Parquet.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import platform
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from logistics_sim.engine.recording import COLUMNS, DIMENSIONS, SORT_KEYS
from logistics_sim.scenario import Scenario
from optimisation.result import AllocationResult

# the daily frame's contract (docs/engine_contract.md) is the recorder's: one definition
DAILY_COLUMNS = COLUMNS
SORT_KEY = SORT_KEYS
DAILY_SCHEMA = pa.schema(
    [
        ("replication", pa.int32()),
        ("day", pa.int32()),
        ("metric", pa.string()),
        *((dim, pa.string()) for dim in DIMENSIONS),
        ("value", pa.float64()),
    ]
)
REPLICATIONS_DIR = "replications"
MANIFEST = "manifest.json"
ALLOCATION = "allocation.csv"
OPTIMISATION = "optimisation.json"
SUMMARY = "summary.json"
LOCK = ".lock"
REP_FILE = re.compile(r"^rep-(\d{5,})\.parquet$")


class RunFolderMismatch(Exception):
    """``--resume`` was asked of a folder made from another scenario, allocation or seed."""


# ---------------------------------------------------------------------------------------------
# Atomic writes.
# ---------------------------------------------------------------------------------------------


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via temp file + fsync + rename (readers see all or nothing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (best effort where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_json_atomic(path: Path, payload: Any) -> None:
    """Write JSON with sorted keys and NaN as null, atomically (deterministic bytes)."""
    text = json.dumps(_nan_to_none(payload), indent=2, sort_keys=True, allow_nan=False)
    write_bytes_atomic(path, (text + "\n").encode("utf-8"))


def _nan_to_none(value: Any) -> Any:
    """JSON has no NaN: undefined numbers (a closure never reached) become null."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nan_to_none(v) for v in value]
    return value


def read_json(path: Path) -> Any:
    """Read a JSON file written by this module."""
    return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Per-replication Parquet.
# ---------------------------------------------------------------------------------------------


def replication_path(folder: Path, replication: int) -> Path:
    """``<folder>/replications/rep-NNNNN.parquet`` for replication ``replication``."""
    return folder / REPLICATIONS_DIR / f"rep-{replication:05d}.parquet"


def normalise_daily(daily: pd.DataFrame) -> pd.DataFrame:
    """The contract's column order, dtypes and row order, so equal results give equal bytes."""
    missing = [c for c in DAILY_COLUMNS if c not in daily.columns]
    if missing:
        raise ValueError(f"daily frame lacks columns {missing} (docs/engine_contract.md)")
    out = daily.loc[:, list(DAILY_COLUMNS)].copy()
    out["replication"] = out["replication"].astype("int32")
    out["day"] = out["day"].astype("int32")
    for col in ("metric", *DIMENSIONS):
        out[col] = out[col].fillna("").astype(str)
    out["value"] = out["value"].astype("float64")
    if _is_sorted(out):  # the engine already sorts; checking is ~10x cheaper than sorting
        return out.reset_index(drop=True)
    return out.sort_values(SORT_KEY, kind="stable").reset_index(drop=True)


def _is_sorted(frame: pd.DataFrame) -> bool:
    """Whether rows are in SORT_KEY order (lexicographic over the key columns, ties allowed)."""
    if len(frame) < 2:
        return True
    in_order = np.ones(len(frame) - 1, dtype=bool)  # from the last key to the first
    for col in reversed(SORT_KEY):
        values = frame[col].array  # Arrow-backed strings compare without Python objects
        before, after = values[:-1], values[1:]
        less = np.asarray(before < after, dtype=bool)
        equal = np.asarray(before == after, dtype=bool)
        in_order = less | (equal & in_order)
    return bool(in_order.all())


#: Columns of a replication's Parquet file that carry min/max statistics.
STATISTICS_COLUMNS = ("replication", "day", "metric", "value")


def daily_to_parquet_bytes(daily: pd.DataFrame, *, normalised: bool = False) -> bytes:
    """Serialise a daily frame (normalised first unless said): fixed schema, no timestamps."""
    frame = daily if normalised else normalise_daily(daily)
    table = pa.Table.from_pandas(frame, schema=DAILY_SCHEMA, preserve_index=False)
    table = table.replace_schema_metadata(None)
    sink = io.BytesIO()
    # a replication is one row group holding every nation, sector and node, so min/max
    # statistics on those columns prune nothing; they took a quarter of the write
    pq.write_table(table, sink, compression="zstd", write_statistics=list(STATISTICS_COLUMNS))
    return sink.getvalue()


def write_replication(folder: Path, replication: int, daily: pd.DataFrame) -> Path:
    """Write one replication's daily frame atomically; returns its path."""
    path = replication_path(folder, replication)
    write_bytes_atomic(path, daily_to_parquet_bytes(daily))
    return path


def read_replication(folder: Path, replication: int) -> pd.DataFrame:
    """Read one replication's daily frame back."""
    return pq.read_table(replication_path(folder, replication), schema=DAILY_SCHEMA).to_pandas()


def finished_replications(folder: Path) -> list[int]:
    """Replication numbers whose Parquet file is complete in ``folder`` (sorted)."""
    rep_dir = folder / REPLICATIONS_DIR
    if not rep_dir.is_dir():
        return []
    found = []
    for entry in rep_dir.iterdir():
        match = REP_FILE.match(entry.name)
        if match:
            found.append(int(match.group(1)))
    return sorted(found)


@contextlib.contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """Hold the run folder for one run at a time (an OS lock the kernel frees if we are killed)."""
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    with (folder / LOCK).open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunFolderMismatch(
                f"{folder} is in use by another run; wait for it or choose another --out"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def remove_stale_temporaries(folder: Path) -> int:
    """Delete temporary files a killed writer left in the replications folder; how many."""
    rep_dir = folder / REPLICATIONS_DIR
    if not rep_dir.is_dir():
        return 0
    stale = [p for p in rep_dir.iterdir() if p.name.startswith(".rep-") and p.suffix == ".tmp"]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def read_daily(folder: Path, replications: Iterable[int] | None = None) -> pd.DataFrame:
    """All (or the given) replications of a run folder as one tidy frame, by replication."""
    reps = finished_replications(folder) if replications is None else sorted(replications)
    frames = [read_replication(folder, r) for r in reps]
    if not frames:
        return DAILY_SCHEMA.empty_table().to_pandas()
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Identity of a run: scenario, allocation, seed.
# ---------------------------------------------------------------------------------------------


def scenario_sha256(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario as canonical JSON (comments and key order ignored)."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def allocation_sha256(allocation: pd.DataFrame) -> str:
    """SHA-256 of the allocation as the CSV written to the run folder."""
    return hashlib.sha256(allocation_csv(allocation).encode("utf-8")).hexdigest()


def allocation_csv(allocation: pd.DataFrame) -> str:
    """The allocation as CSV text, rows sorted by nation and capability."""
    ordered = allocation.sort_values(["nation", "capability"], kind="stable")
    return str(ordered.to_csv(index=False, lineterminator="\n"))


def write_allocation_files(
    folder: Path, allocation: pd.DataFrame, optimisation: AllocationResult | None = None
) -> None:
    """allocation.csv and, with an optimiser result, optimisation.json: their one writer."""
    write_bytes_atomic(folder / ALLOCATION, allocation_csv(allocation).encode())
    if optimisation is not None:
        write_json_atomic(folder / OPTIMISATION, optimisation.to_dict())


def run_id(scenario_sha: str, base_seed: int, allocation_sha: str | None = None) -> str:
    """Folder name of a run: from scenario, allocation and seed, so reruns find it again."""
    allocation = f"-{allocation_sha[:8]}" if allocation_sha else ""
    return f"{scenario_sha[:12]}{allocation}-seed{base_seed}"


def default_folder(
    scenario: Scenario,
    base_seed: int,
    allocation: pd.DataFrame | None = None,
    root: Path = Path("results"),
) -> Path:
    """``results/<scenario-name>/<run-id>/``."""
    alloc_sha = allocation_sha256(allocation) if allocation is not None else None
    return root / scenario.name / run_id(scenario_sha256(scenario), base_seed, alloc_sha)


def versions() -> dict[str, str]:
    """Versions of Python and the libraries that shape the numbers."""
    from importlib import metadata

    out = {"python": platform.python_version()}
    for dist in ("logistics_sim", "simpy", "ortools", "numpy", "pandas", "pyarrow", "scipy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "absent"
    return out


#: Modules that do not change what a replication computes (checked elsewhere or presentation).
NOT_RESULT_CODE = frozenset(
    {"cli.py", "loading.py", "validation.py", "data.py", "errors.py", "__init__.py"}
)


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 of the logistics_sim source that shapes results (engine, metrics, run folder).

    Recorded in the manifest and checked by every worker, so a resume after the model changed,
    or a Dask worker running another version of the package, is refused rather than silently
    mixed into one run. The report package and the scenario reader are left out (the scenario
    itself is fingerprinted separately).
    """
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        if rel.parts[0] == "report" or (len(rel.parts) == 1 and rel.name in NOT_RESULT_CODE):
            continue
        digest.update(rel.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def check_resumable(
    folder: Path,
    scenario_sha: str,
    allocation_sha: str,
    base_seed: int,
    code_sha: str | None = None,
) -> None:
    """Refuse to resume into a folder made from another scenario, allocation, seed or code."""
    path = folder / MANIFEST
    if not path.exists():
        if finished_replications(folder):
            raise RunFolderMismatch(f"{folder} holds replications but no {MANIFEST}")
        return
    manifest = read_json(path)
    checks: list[tuple[str, object]] = [
        ("scenario_sha256", scenario_sha),
        ("allocation_sha256", allocation_sha),
        ("base_seed", base_seed),
    ]
    if code_sha is not None:
        checks.append(("code_sha256", code_sha))
    for key, expected in checks:
        if manifest.get(key) != expected:
            raise RunFolderMismatch(
                f"cannot resume {folder}: its {key} is {manifest.get(key)!r}, this run's is "
                f"{expected!r}; use another --out or drop --resume"
            )


def write_scenario_yaml(path: Path, scenario: Scenario) -> None:
    """The scenario after defaults and reference tables, as simulated (YAML 1.2).

    Self-contained: the tables are already merged in, so ``data:`` names none and the file
    loads (and simulates the same) from inside the run folder.
    """
    from ruamel.yaml import YAML

    from logistics_sim.scenario import DataTables

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    sink = io.StringIO()
    yaml.dump(scenario.model_copy(update={"data": DataTables()}).model_dump(mode="json"), sink)
    write_bytes_atomic(path, sink.getvalue().encode("utf-8"))
