"""The run folder (docs/architecture.md): atomic files, the manifest, per-replication Parquet.

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
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from logistics_sim.engine.recording import COLUMNS, DIMENSIONS, SORT_KEYS
from logistics_sim.errors import Problem, ScenarioError
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
#: Marks a folder the tool created (JSON: which kind); the tool writes into no other folder.
OWNER_MARK = ".logistics-sim"
#: Where replication files that fail verification on resume are moved (never deleted).
REJECTED_DIR = "rejected"
#: Files derived from the replications: removed when a run starts, so a run that fails
#: never leaves the previous run's verdict beside replications it no longer describes.
DERIVED_FILES = (SUMMARY, "replication_metrics.csv", "report.html", "report.md")
#: Key of the identity a replication file carries in its Parquet metadata.
IDENTITY_KEY = b"logistics_sim.replication"


class RunFolderMismatch(Exception):
    """A folder that cannot take this run: another run's, in use, or not the tool's."""


class FolderRefused(RunFolderMismatch):
    """``--out`` names a folder the tool did not create (or a file): nothing is written."""


class ReplicationUnusable(Exception):
    """A replication file that fails verification: unreadable, or another run's."""


# ---------------------------------------------------------------------------------------------
# Atomic writes.
# ---------------------------------------------------------------------------------------------


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via temp file + fsync + rename (readers see all or nothing)."""
    write_atomic(path, lambda handle: handle.write(data))


def write_atomic(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Let ``write`` fill a temp file beside ``path``, then fsync and rename it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
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
    """Read a JSON file written by this module; a damaged one is a located input problem.

    Raises :class:`~logistics_sim.errors.ScenarioError` (exit 2 on the command line) with the
    line and column where the JSON breaks, instead of a bare ``JSONDecodeError``.
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        message = (
            f"not valid JSON ({exc.msg}); the file is damaged: restore it or use another --out"
        )
        raise ScenarioError([Problem(str(path), exc.lineno, exc.colno, "", message)]) from None
    except UnicodeDecodeError as exc:
        message = f"not UTF-8 text (byte {exc.start}); the file is damaged"
        raise ScenarioError([Problem(str(path), 1, 1, "", message)]) from None


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The run folder's manifest, None when it has none; damaged or not a mapping: refused."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    manifest = read_json(path)
    if not isinstance(manifest, dict):
        raise ScenarioError([Problem(str(path), 1, 1, "", "a manifest is a JSON object")])
    return manifest


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


def replication_identity(replication: int, base_seed: int, code_sha: str) -> dict[str, Any]:
    """What a replication file says about itself: its number, the run's seed and model code."""
    return {"replication": replication, "base_seed": base_seed, "code_sha256": code_sha}


def daily_to_parquet_bytes(
    daily: pd.DataFrame, *, normalised: bool = False, identity: dict[str, Any] | None = None
) -> bytes:
    """Serialise a daily frame (normalised first unless said): fixed schema, no timestamps.

    ``identity`` (``replication_identity``) is stored in the file's metadata, so a resume
    can tell a file of this run from one copied over it or left by another run.
    """
    frame = daily if normalised else normalise_daily(daily)
    sink = io.BytesIO()
    write_daily_tables(sink, [daily_table(frame)], identity)
    return sink.getvalue()


def daily_table(normalised: pd.DataFrame) -> pa.Table:
    """A normalised daily frame as an Arrow table of DAILY_SCHEMA (no pandas metadata)."""
    table = pa.Table.from_pandas(normalised, schema=DAILY_SCHEMA, preserve_index=False)
    return table.replace_schema_metadata(None)


def write_daily_tables(
    sink: BinaryIO, tables: Iterable[pa.Table], identity: dict[str, Any] | None = None
) -> None:
    """Write consecutive pieces of one replication's daily rows as a Parquet file to ``sink``.

    Each piece (cast to DAILY_SCHEMA) is written and dropped before the next is asked for, so
    a long run is written without its whole frame in memory; the rows read back are the
    pieces' rows in order, whatever the row groups. ``identity`` (``replication_identity``)
    is stored in the file's metadata, so a resume can tell a file of this run from one copied
    over it or left by another run.
    """
    metadata = {IDENTITY_KEY: json.dumps(identity, sort_keys=True).encode()} if identity else None
    schema = DAILY_SCHEMA.with_metadata(metadata) if metadata else DAILY_SCHEMA
    # min/max statistics on the nation, sector and node columns prune nothing (every row
    # group holds them all); they took a quarter of the write
    with pq.ParquetWriter(
        sink, schema, compression="zstd", write_statistics=list(STATISTICS_COLUMNS)
    ) as writer:
        for table in tables:
            writer.write_table(table.cast(DAILY_SCHEMA).replace_schema_metadata(metadata))


def write_replication(
    folder: Path, replication: int, daily: pd.DataFrame, identity: dict[str, Any] | None = None
) -> Path:
    """Write one replication's daily frame atomically; returns its path."""
    path = replication_path(folder, replication)
    write_bytes_atomic(path, daily_to_parquet_bytes(daily, identity=identity))
    return path


def verified_replication(folder: Path, expected: dict[str, Any]) -> pd.DataFrame:
    """A finished replication's frame, once its file proves to be this run's and whole.

    Checks the identity in the file's metadata against ``expected``
    (``replication_identity``), reads every row (a truncated or damaged file fails here), and
    checks the replication column. Raises :class:`ReplicationUnusable` with the reason.
    """
    replication = int(expected["replication"])
    path = replication_path(folder, replication)
    try:
        table = pq.read_table(path, schema=DAILY_SCHEMA)
        raw = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException) as exc:
        raise ReplicationUnusable(f"unreadable ({type(exc).__name__}: {exc})") from None
    try:
        found = json.loads(raw.get(IDENTITY_KEY, b"null"))
    except ValueError:
        found = None
    if not isinstance(found, dict):
        raise ReplicationUnusable("carries no identity (written by another tool or version)")
    for key, value in expected.items():
        if found.get(key) != value:
            raise ReplicationUnusable(f"its {key} is {found.get(key)!r}, this run's is {value!r}")
    frame = table.to_pandas()
    if not frame["replication"].eq(replication).all():
        raise ReplicationUnusable(f"rows of another replication inside rep-{replication:05d}")
    return frame


def set_aside(folder: Path, replication: int) -> Path:
    """Move a replication file that failed verification to ``replications/rejected/``.

    Never deleted: it may be the user's own copy. A name already taken gets a numbered suffix.
    """
    source = replication_path(folder, replication)
    target_dir = folder / REPLICATIONS_DIR / REJECTED_DIR
    target_dir.mkdir(exist_ok=True)
    target = target_dir / source.name
    n = 1
    while target.exists():
        target = target_dir / f"{source.name}.{n}"
        n += 1
    os.replace(source, target)
    return target


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


def claim_folder(folder: Path, kind: str = "run") -> None:
    """Make ``folder`` the tool's before anything is written into it, or refuse it.

    A folder that does not exist is created and marked (``OWNER_MARK``); one the tool marked
    as the same ``kind`` is taken again; an empty one is adopted (nothing in it can be lost);
    an unmarked run folder from before the mark (a manifest with a scenario hash) is adopted.
    Anything else is refused with :class:`FolderRefused`, and nothing is written, so a user's
    ``--out`` typo never overwrites their own files.
    """
    mark = folder / OWNER_MARK
    if folder.exists() and not folder.is_dir():
        raise FolderRefused(f"{folder} is a file, not a folder; choose another --out")
    if folder.is_dir():
        owner = _mark_kind(mark)
        if owner is not None and owner != kind:
            raise FolderRefused(
                f"{folder} is a {owner} folder of logistics-sim, not a {kind} folder; "
                "choose another --out"
            )
        if owner is None and not _adoptable(folder, kind):
            held = sorted(p.name for p in folder.iterdir())
            shown = ", ".join(held[:5]) + (f" and {len(held) - 5} more" if len(held) > 5 else "")
            raise FolderRefused(
                f"{folder} exists and was not created by logistics-sim (it holds {shown}); "
                "nothing was written: choose a new folder for --out"
            )
        if owner is not None:
            return
    folder.mkdir(parents=True, exist_ok=True)
    write_json_atomic(mark, {"created_by": "logistics_sim", "kind": kind})


def _mark_kind(mark: Path) -> str | None:
    """The kind a folder's mark records (None when there is no usable mark)."""
    if not mark.is_file():
        return None
    try:
        data = json.loads(mark.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return None
    kind = data.get("kind") if isinstance(data, dict) else None
    return kind if isinstance(kind, str) else None


def _adoptable(folder: Path, kind: str) -> bool:
    """An empty folder, or a run folder written before folders were marked."""
    if not any(folder.iterdir()):
        return True
    if kind != "run" or not (folder / MANIFEST).is_file():
        return False
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return False
    return isinstance(manifest, dict) and "scenario_sha256" in manifest


def remove_derived(folder: Path) -> None:
    """Remove the files a run derives from its replications (``DERIVED_FILES``)."""
    for name in DERIVED_FILES:
        (folder / name).unlink(missing_ok=True)


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


def run_id(
    scenario_sha: str,
    base_seed: int,
    allocation_sha: str | None = None,
    code_sha: str | None = None,
) -> str:
    """Folder name of a run: from scenario, allocation, seed and model code.

    A rerun finds its folder again (and reuses its replications); a run with other model
    code gets a folder of its own instead of being refused by the old one.
    """
    allocation = f"-{allocation_sha[:8]}" if allocation_sha else ""
    code = f"-code{code_sha[:8]}" if code_sha else ""
    return f"{scenario_sha[:12]}{allocation}-seed{base_seed}{code}"


def default_folder(
    scenario: Scenario,
    base_seed: int,
    allocation: pd.DataFrame | None = None,
    root: Path = Path("results"),
) -> Path:
    """``results/<scenario-name>/<run-id>/``."""
    alloc_sha = allocation_sha256(allocation) if allocation is not None else None
    return (
        root
        / scenario.name
        / run_id(scenario_sha256(scenario), base_seed, alloc_sha, code_fingerprint())
    )


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
    """Refuse a folder holding a run of another scenario, allocation, seed or model code.

    Its replications would not belong to this run, and they are never discarded without the
    user asking, so the run goes elsewhere.
    """
    manifest = read_manifest(folder)
    if manifest is None:
        return
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
                f"cannot resume {folder}: it holds a run of another scenario, allocation, seed "
                f"or model code (its {key} is {manifest.get(key)!r}, this run's is "
                f"{expected!r}); nothing was changed: choose another --out"
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
