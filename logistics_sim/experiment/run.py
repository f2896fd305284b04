"""A run: replications into a run folder, resume, summary.json (docs/architecture.md, run folder).

A run killed at any instant loses no finished replication, and ``resume`` runs only what is
missing.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from logistics_sim import runfolder as rf
from logistics_sim.experiment.cost import cost_block
from logistics_sim.experiment.executors import Batch, Executor, execute, session
from logistics_sim.experiment.progress import Progress
from logistics_sim.experiment.replication import Outcome, ReplicateFn, default_replicate
from logistics_sim.experiment.summary import build_summary, more_replications
from logistics_sim.metrics import (
    metrics_frame,
    replication_metrics,
)
from logistics_sim.scenario import Scenario
from optimisation.result import AllocationResult


@dataclass
class RunResult:
    """A finished run: its folder, summary (as summary.json) and per-replication metrics."""

    folder: Path
    summary: dict
    per_replication: pd.DataFrame
    failed: dict[int, str]

    @cached_property
    def daily(self) -> pd.DataFrame:
        """Tidy daily frame of all successful replications (read from the run folder)."""
        return rf.read_daily(self.folder, self.per_replication.index.to_list())


def _prepare_folder(
    folder: Path, scenario_sha: str, allocation_sha: str, seed: int, resume: bool
) -> None:
    """Check a folder can take this run; without resume, clear an earlier run of the same kind."""
    if resume:
        rf.check_resumable(folder, scenario_sha, allocation_sha, seed, rf.code_fingerprint())
        rf.remove_stale_temporaries(folder)
        return
    manifest = folder / rf.MANIFEST
    if manifest.exists():
        try:
            rf.check_resumable(folder, scenario_sha, allocation_sha, seed)
        except rf.RunFolderMismatch:
            raise rf.RunFolderMismatch(
                f"{folder} holds a run of another scenario, allocation or seed; "
                "choose another --out"
            ) from None
    elif rf.finished_replications(folder):
        raise rf.RunFolderMismatch(f"{folder} holds replications but no manifest; not touching it")
    for r in rf.finished_replications(folder):
        rf.replication_path(folder, r).unlink()
    rf.remove_stale_temporaries(folder)
    (folder / rf.SUMMARY).unlink(missing_ok=True)


class ReplicationsFailed(RuntimeError):
    """No replication of a run succeeded: no summary is written (the manifest says why)."""


def simulate(
    scenario: Scenario,
    allocation: pd.DataFrame,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 2,
    dask: str | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    *,
    quiet: bool = True,
    target_half_width: float | None = None,
    max_replications: int = 1000,
    replicate: ReplicateFn | None = None,
    allocation_source: str = "given by caller",
    optimisation: AllocationResult | None = None,
    command_line: str | None = None,
    executor: Executor | None = None,
) -> RunResult:
    """Run replications into a run folder (docs/architecture.md) and write summary.json.

    ``replications`` and ``seed`` default to the scenario's ``experiment`` block (whose own
    defaults are 30 and 1). With ``target_half_width`` (e.g. 0.05), replications are added
    until every criterion metric's CI half-width is within that share of its mean (all
    metrics when the scenario has no criteria), up to ``max_replications``. ``executor``
    (from ``session``) overrides ``jobs`` and ``dask`` to share one cluster between runs.
    """
    replicate = replicate or default_replicate()
    n_planned = replications if replications is not None else scenario.experiment.replications
    base_seed = seed if seed is not None else scenario.experiment.seed
    if n_planned < 1:
        raise ValueError("replications must be at least 1")
    scenario_sha = rf.scenario_sha256(scenario)
    allocation_sha = rf.allocation_sha256(allocation)
    folder = Path(out) if out is not None else rf.default_folder(scenario, base_seed, allocation)
    with rf.exclusive(folder):  # one run per folder; freed even if we are killed
        _prepare_folder(folder, scenario_sha, allocation_sha, base_seed, resume)
        folder.mkdir(parents=True, exist_ok=True)
        rf.write_scenario_yaml(folder / "scenario.resolved.yaml", scenario)
        rf.write_allocation_files(folder, allocation, optimisation)
        requested = executor or Executor(jobs=jobs, dask=dask)

        manifest: dict[str, Any] = {
            "scenario": scenario.name,
            "scenario_sha256": scenario_sha,
            "allocation_sha256": allocation_sha,
            "allocation_source": allocation_source,
            "base_seed": base_seed,
            "seeds": "numpy SeedSequence(base_seed, spawn_key=(replication,))",
            "code_sha256": rf.code_fingerprint(),
            "replications_planned": n_planned,
            "replications_done": 0,
            "failed_replications": {},
            "executor": requested.describe(),
            "versions": rf.versions(),
            "command_line": command_line if command_line is not None else " ".join(sys.argv),
        }

        per_rep: dict[int, dict[str, float]] = {}
        failed: dict[int, str] = {}
        for r in rf.finished_replications(folder):  # resume: figures from the stored frames
            per_rep[r] = replication_metrics(rf.read_replication(folder, r), scenario)
        if per_rep:  # a resume never discards finished replications
            n_planned = max(n_planned, max(per_rep) + 1)
            manifest["replications_planned"] = n_planned

        def record(outcome: Outcome) -> None:
            if outcome.ok:
                per_rep[outcome.replication] = outcome.metrics
                failed.pop(outcome.replication, None)
            else:
                failed[outcome.replication] = outcome.error
            manifest["replications_done"] = len(per_rep)
            manifest["failed_replications"] = {str(k): v for k, v in sorted(failed.items())}
            rf.write_json_atomic(folder / rf.MANIFEST, manifest)

        rf.write_json_atomic(folder / rf.MANIFEST, manifest)
        bar = Progress(not quiet, n_planned, scenario.horizon_days, scenario.name)
        batch = Batch(replicate, scenario, allocation, base_seed, folder)
        try:
            with session(requested) as active:  # one LocalCluster for every round
                planned = n_planned
                while True:
                    todo = [r for r in range(planned) if r not in per_rep and r not in failed]
                    if bar.done == 0:
                        bar.already_done(planned - len(todo))
                    for outcome in execute(batch, todo, active):
                        record(outcome)
                        bar.advance()
                    if target_half_width is None or planned >= max_replications:
                        break
                    more = more_replications(scenario, per_rep, target_half_width, planned)
                    if more == 0:
                        break
                    planned = min(planned + more, max_replications)
                    manifest["replications_planned"] = planned
                    bar.grow(planned)
        finally:
            bar.close()

        if failed and not per_rep:
            first = min(failed)
            raise ReplicationsFailed(
                f"every replication failed ({len(failed)}), so there is nothing to summarise; "
                f"replication {first}: {failed[first]} (details in {folder / rf.MANIFEST})"
            )
        frame = metrics_frame(per_rep.items())
        summary = build_summary(scenario, frame, base_seed, sorted(failed))
        if target_half_width is not None:
            summary["target_relative_half_width"] = target_half_width
        summary["cost"] = cost_block(scenario, allocation)
        rf.write_json_atomic(folder / rf.SUMMARY, summary)
        rf.write_bytes_atomic(
            folder / "replication_metrics.csv",
            frame.to_csv(lineterminator="\n", float_format="%.17g").encode(),
        )
        return RunResult(folder=folder, summary=summary, per_replication=frame, failed=failed)


def load_run(folder: str | Path) -> RunResult:
    """Re-open a finished run folder (summary, per-replication metrics) without rerunning."""
    path = Path(folder)
    summary = rf.read_json(path / rf.SUMMARY)
    frame = pd.read_csv(path / "replication_metrics.csv", index_col="replication")
    failed = {int(k): v for k, v in rf.read_json(path / rf.MANIFEST)["failed_replications"].items()}
    return RunResult(folder=path, summary=summary, per_replication=frame, failed=failed)
