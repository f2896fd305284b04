"""One replication as a worker runs it: its seed, the model to call, and what it sends back.

Replication r of a run always draws from ``SeedSequence(base_seed, spawn_key=(r,))`` (the model
splits it per subsystem), so it gives the same frame alone, in any order, on any executor and
after a resume. Its Parquet is written atomically as soon as it finishes (by the worker itself,
or by the client for a remote Dask cluster that shares no disk with it). A replication that
raises is reported by number, never raised.

The engine's replications are streamed: their rows go to the Parquet file in row groups of
``ROW_GROUP_ROWS``, and the summary figures are computed from the few metrics they need, so a
worker never holds a whole run's frame and its memory does not grow with the horizon beyond the
recorder's numbers. A replicate function that returns a whole frame (tests' stand-ins) is
written as one piece.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from logistics_sim import runfolder as rf
from logistics_sim.metrics import (
    DAILY_INPUTS,
    WHOLE_RUN_INPUTS,
    replication_metrics,
)
from logistics_sim.scenario import Scenario

#: Rows of a replication's Parquet row group when streamed (about 25 MB in memory while written).
ROW_GROUP_ROWS = 250_000


class ReplicationLike(Protocol):
    """What a replicate function returns (logistics_sim.engine.model.ReplicationResult)."""

    @property
    def replication(self) -> int:
        """Replication number."""

    @property
    def daily(self) -> pd.DataFrame:
        """Tidy daily frame of docs/engine_contract.md."""

    @property
    def events(self) -> int:
        """SimPy kernel events processed."""


@runtime_checkable
class StreamedReplication(Protocol):
    """A replication whose rows can be read in pieces (logistics_sim.engine.model
    .ReplicationRecords): what the worker streams to Parquet."""

    @property
    def replication(self) -> int:
        """Replication number."""

    @property
    def events(self) -> int:
        """SimPy kernel events processed."""

    def frame(self, metrics: Collection[str], *, categorical: bool = False) -> pd.DataFrame:
        """The rows of ``metrics`` only, in the frame's order (strings as categories if asked)."""

    def tables(self, max_rows: int) -> Iterator[pa.Table]:
        """The frame's rows as consecutive Arrow tables of about ``max_rows`` rows."""


ReplicateFn = Callable[[Scenario, pd.DataFrame, int, int], ReplicationLike | StreamedReplication]


def seed_sequence(base_seed: int, replication: int) -> np.random.SeedSequence:
    """The root seed of replication ``replication``: ``SeedSequence(base_seed, spawn_key=(r,))``."""
    return np.random.SeedSequence(base_seed, spawn_key=(replication,))


def default_replicate() -> ReplicateFn:
    """The engine's ``run_replication`` (imported late: the engine is heavy)."""
    from logistics_sim.engine.model import simulate_replication

    return simulate_replication


@dataclass(frozen=True)
class Outcome:
    """What a worker sends back: the replication's summary figures, or why it failed."""

    replication: int
    ok: bool
    metrics: dict[str, float] = field(default_factory=dict)
    events: int = 0
    error: str = ""
    parquet: bytes | None = None  # only when the client, not the worker, writes the file


def run_and_store(
    replicate: ReplicateFn,
    scenario: Scenario,
    allocation: pd.DataFrame,
    base_seed: int,
    replication: int,
    folder: str | None,
    code_sha: str | None = None,
) -> Outcome:
    """Run one replication, write its Parquet atomically (or return the bytes), never raise.

    With ``code_sha``, a worker whose model source differs from the run's (a file edited
    mid-run, another package version on a Dask worker) refuses instead of mixing results.
    """
    try:
        if code_sha is not None and rf.code_fingerprint() != code_sha:
            raise RuntimeError(
                f"this worker's model code ({rf.code_fingerprint()[:12]}) differs from the "
                f"run's ({code_sha[:12]}); install the same logistics_sim everywhere"
            )
        result = replicate(scenario, allocation, base_seed, replication)
        tables: Iterable[pa.Table]
        if isinstance(result, StreamedReplication):
            # the summary's inputs only, strings as categories: the same figures from
            # a fraction of the memory (the whole frame would grow with the horizon)
            inputs = result.frame(DAILY_INPUTS + WHOLE_RUN_INPUTS, categorical=True)
            metrics = replication_metrics(inputs, scenario)
            del inputs  # before the rows are written
            tables = result.tables(ROW_GROUP_ROWS)
        else:
            daily = rf.normalise_daily(result.daily)
            metrics = replication_metrics(daily, scenario)
            tables = [rf.daily_table(daily)]
        checked = (_checked(table, replication) for table in tables)
        data: bytes | None = None
        identity = rf.replication_identity(replication, base_seed, rf.code_fingerprint())
        if folder is not None:
            path = rf.replication_path(Path(folder), replication)
            rf.write_atomic(path, lambda sink: rf.write_daily_tables(sink, checked, identity))
        else:
            sink = io.BytesIO()
            rf.write_daily_tables(sink, checked, identity)
            data = sink.getvalue()
        return Outcome(
            replication=replication,
            ok=True,
            metrics=metrics,
            events=int(result.events),
            parquet=data,
        )
    except Exception as exc:  # reported by number; the run goes on
        return Outcome(replication=replication, ok=False, error=f"{type(exc).__name__}: {exc}")


def _checked(table: pa.Table, replication: int) -> pa.Table:
    """``table`` if every row carries ``replication``; else a ValueError (nothing is renamed)."""
    reps = pc.unique(table.column("replication")).to_pylist()
    if len(reps) > 1 or (len(reps) == 1 and int(reps[0]) != replication):
        raise ValueError(f"frame carries replication numbers {sorted(reps)}")
    return table
