"""A run: replications into a run folder, resume, summary.json (docs/architecture.md, run folder).

A run killed at any instant loses no finished replication, and ``resume`` runs only what is
missing.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from logistics_sim import runfolder as rf
from logistics_sim.experiment.arguments import checked_run, checked_scenario
from logistics_sim.experiment.cost import cost_block
from logistics_sim.experiment.executors import Batch, Executor, execute, rearm_interrupt, session
from logistics_sim.experiment.progress import Progress
from logistics_sim.experiment.replication import Outcome, ReplicateFn, default_replicate
from logistics_sim.experiment.summary import build_summary, more_replications
from logistics_sim.metrics import (
    metrics_frame,
    replication_metrics,
)
from logistics_sim.scenario import Scenario
from logistics_sim.verdict import RequirementVerdict
from optimisation.result import AllocationResult


@dataclass
class RunResult:
    """A finished run: its folder, summary (as summary.json) and per-replication metrics."""

    folder: Path
    summary: dict
    per_replication: pd.DataFrame
    failed: dict[int, str]
    rejected: dict[int, str] = field(default_factory=dict)  # files set aside, then rerun

    @cached_property
    def daily(self) -> pd.DataFrame:
        """Tidy daily frame of all successful replications (read from the run folder)."""
        return rf.read_daily(self.folder, self.per_replication.index.to_list())


def _prepare_folder(folder: Path, scenario_sha: str, allocation_sha: str, seed: int) -> None:
    """Check a folder of the tool can take this run; clear what the run will derive again.

    A folder holding another scenario's, allocation's, seed's or model code's run is refused
    (its replications are never discarded); one holding this run keeps its replications.
    """
    rf.check_resumable(folder, scenario_sha, allocation_sha, seed, rf.code_fingerprint())
    rf.remove_stale_temporaries(folder)
    rf.remove_derived(folder)


def _reuse_finished(
    folder: Path, scenario: Scenario, base_seed: int
) -> tuple[dict[int, dict[str, float]], dict[int, str]]:
    """Figures of the replications already in the folder, each verified; and those set aside.

    A file that is not this run's (another replication's copied over it, another seed or
    model code) or that cannot be read to the end is moved to ``replications/rejected/`` and
    its replication runs again.
    """
    per_rep: dict[int, dict[str, float]] = {}
    rejected: dict[int, str] = {}
    code = rf.code_fingerprint()
    for r in rf.finished_replications(folder):
        try:
            frame = rf.verified_replication(folder, rf.replication_identity(r, base_seed, code))
        except rf.ReplicationUnusable as exc:
            moved = rf.set_aside(folder, r)
            rejected[r] = f"{exc}; moved to {moved.relative_to(folder)} and run again"
            continue
        per_rep[r] = replication_metrics(frame, scenario)
    return per_rep, rejected


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
    requirement: RequirementVerdict | None = None,
) -> RunResult:
    """Run replications into a run folder (docs/architecture.md) and write summary.json.

    ``requirement`` (the optimiser's verdict on the asked force) goes into summary.json next
    to the force verdict; ``scenario`` is then the fielded force's (``rules.fielded_force``).

    ``replications`` and ``seed`` default to the scenario's ``experiment`` block (whose own
    defaults are 30 and 1). With ``target_half_width`` (e.g. 0.05), replications are added
    until every criterion metric's CI half-width is within that share of its mean (all
    metrics when the scenario has no criteria), up to ``max_replications``. ``executor``
    (from ``session``) overrides ``jobs`` and ``dask`` to share one cluster between runs.
    """
    replicate = replicate or default_replicate()
    scenario = checked_scenario(scenario)  # before its experiment block is read
    n_planned = replications if replications is not None else scenario.experiment.replications
    base_seed = seed if seed is not None else scenario.experiment.seed
    allocation = checked_run(
        scenario, allocation, n_planned, base_seed, jobs, out, target_half_width, max_replications
    )
    rearm_interrupt()  # a solver run before may have left Ctrl-C killing the process outright
    scenario_sha = rf.scenario_sha256(scenario)
    allocation_sha = rf.allocation_sha256(allocation)
    folder = Path(out) if out is not None else rf.default_folder(scenario, base_seed, allocation)
    rf.claim_folder(folder, "run")  # the tool's own folder, or refused before any write
    with rf.exclusive(folder):  # one run per folder; freed even if we are killed
        _prepare_folder(folder, scenario_sha, allocation_sha, base_seed)
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

        failed: dict[int, str] = {}
        per_rep, rejected = _reuse_finished(folder, scenario, base_seed)
        manifest["rejected_replications"] = {str(k): v for k, v in sorted(rejected.items())}
        if per_rep:  # finished replications are never discarded
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
        summary = build_summary(scenario, frame, base_seed, sorted(failed), requirement)
        if target_half_width is not None:
            summary["target_relative_half_width"] = target_half_width
        summary["cost"] = cost_block(scenario, allocation)
        rf.write_json_atomic(folder / rf.SUMMARY, summary)
        rf.write_bytes_atomic(
            folder / "replication_metrics.csv",
            frame.to_csv(lineterminator="\n", float_format="%.17g").encode(),
        )
        return RunResult(
            folder=folder,
            summary=summary,
            per_replication=frame,
            failed=failed,
            rejected=rejected,
        )


def load_run(folder: str | Path) -> RunResult:
    """Re-open a finished run folder (summary, per-replication metrics) without rerunning."""
    path = Path(folder)
    summary = rf.read_json(path / rf.SUMMARY)
    frame = pd.read_csv(path / "replication_metrics.csv", index_col="replication")
    failed = {int(k): v for k, v in rf.read_json(path / rf.MANIFEST)["failed_replications"].items()}
    return RunResult(folder=path, summary=summary, per_replication=frame, failed=failed)
