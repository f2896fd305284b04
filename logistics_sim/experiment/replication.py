"""One replication as a worker runs it: its seed, the model to call, and what it sends back.

Replication r of a run always draws from ``SeedSequence(base_seed, spawn_key=(r,))`` (the model
splits it per subsystem), so it gives the same frame alone, in any order, on any executor and
after a resume. Its Parquet is written atomically as soon as it finishes (by the worker itself,
or by the client for a remote Dask cluster that shares no disk with it). A replication that
raises is reported by number, never raised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from logistics_sim import runfolder as rf
from logistics_sim.metrics import (
    replication_metrics,
)
from logistics_sim.scenario import Scenario


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


ReplicateFn = Callable[[Scenario, pd.DataFrame, int, int], ReplicationLike]


def seed_sequence(base_seed: int, replication: int) -> np.random.SeedSequence:
    """The root seed of replication ``replication``: ``SeedSequence(base_seed, spawn_key=(r,))``."""
    return np.random.SeedSequence(base_seed, spawn_key=(replication,))


def default_replicate() -> ReplicateFn:
    """The engine's ``run_replication`` (imported late: the engine is heavy)."""
    from logistics_sim.engine.model import run_replication

    return run_replication


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
        daily = rf.normalise_daily(result.daily)
        reps = daily["replication"].unique()
        if len(reps) > 1 or (len(reps) == 1 and int(reps[0]) != replication):
            raise ValueError(f"frame carries replication numbers {sorted(reps)}")
        data = rf.daily_to_parquet_bytes(daily, normalised=True)
        if folder is not None:
            rf.write_bytes_atomic(rf.replication_path(Path(folder), replication), data)
        return Outcome(
            replication=replication,
            ok=True,
            metrics=replication_metrics(daily, scenario),
            events=int(result.events),
            parquet=None if folder is not None else data,
        )
    except Exception as exc:  # reported by number; the run goes on
        return Outcome(replication=replication, ok=False, error=f"{type(exc).__name__}: {exc}")
