"""Replications, seeds and executors (sequential, processes, Dask), resume, and sweeps.

Replication r of a run always draws from ``SeedSequence(base_seed, spawn_key=(r,))`` (the model
splits it per subsystem), so it gives the same frame alone, in any order, on any executor and
after a resume. Each replication's Parquet is written atomically as soon as it finishes (by
the worker itself, or by the client for a remote Dask cluster that shares no disk with it), so
a run killed at any instant loses no finished replication, and ``resume`` runs only what is
missing. A replication that raises is reported by number; the others still finish.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import math
import multiprocessing
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from logistics_sim import runfolder as rf
from logistics_sim.metrics import (
    PROPORTION_METRICS,
    metric_ci,
    metrics_frame,
    paired_difference,
    replication_metrics,
    summarise,
)
from logistics_sim.scenario import Scenario
from logistics_sim.verdict import assess

STAND_IN_LABEL = (
    "stand-in allocation (optimisation package not installed): each capability's required "
    "units split among eligible participating nations in proportion to their land forces"
)


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


# ---------------------------------------------------------------------------------------------
# One replication, as run by a worker.
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Executors: each yields outcomes as replications finish.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Executor:
    """Where replications run: ``jobs`` local processes (1 = in this process) or Dask."""

    jobs: int = 1
    dask: str | None = None  # None, "local" (LocalCluster of ``jobs`` workers) or an address
    shared_disk: bool = False  # Dask workers can write into the run folder themselves
    label: str = ""

    def describe(self) -> str:
        """Short label for the manifest."""
        if self.label:
            return self.label
        if self.dask == "local":
            return f"dask-local:{self.jobs}"
        if self.dask:
            return f"dask:{self.dask}"
        return "sequential" if self.jobs <= 1 else f"processes:{self.jobs}"


#: Dask settings of the workers of a local cluster. A worker's statistical profiler (a stack
#: sample every 10 ms) and the nanny's aggressive ``malloc_trim`` made a baseline replication
#: 40 % slower in a worker than in this process (0.51 s against 0.37 s of CPU) while the
#: recorder kept a list per day for the garbage collector to walk, and still about 10 % after
#: it stopped; with both off a worker runs within noise of a plain process. Neither serves a
#: batch of replications.
LOCAL_WORKER_CONFIG: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,
    "distributed.nanny.pre-spawn-environ": {
        "OMP_NUM_THREADS": 1,
        "MKL_NUM_THREADS": 1,
        "OPENBLAS_NUM_THREADS": 1,
    },
}


@contextlib.contextmanager
def session(executor: Executor) -> Iterator[Executor]:
    """Start what an executor needs once for several runs: ``dask="local"`` → a LocalCluster.

    Yields the executor to use inside (the cluster's address, workers writing files directly),
    so automatic replication rounds and sweep variants share one cluster.
    """
    if executor.dask != "local":
        yield executor
        return
    LocalCluster = _distributed().LocalCluster
    jobs = max(1, executor.jobs)
    with (
        importlib.import_module("dask").config.set(LOCAL_WORKER_CONFIG),
        LocalCluster(
            n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
    ):
        yield Executor(jobs, cluster.scheduler_address, True, f"dask-local:{jobs}")


def _distributed() -> Any:
    """The dask.distributed module, or an error saying which extra to install."""
    try:
        return importlib.import_module("distributed")
    except ImportError:
        raise ImportError(
            "--dask needs dask.distributed: pip install -e '.[dask]' (here and on every worker)"
        ) from None


def _run_sequential(
    replicate: ReplicateFn,
    scenario: Scenario,
    allocation: pd.DataFrame,
    seed: int,
    reps: Sequence[int],
    folder: Path,
) -> Iterator[Outcome]:
    """In this process, in order."""
    for r in reps:
        yield run_and_store(replicate, scenario, allocation, seed, r, str(folder))  # same code


def _run_processes(
    replicate: ReplicateFn,
    scenario: Scenario,
    allocation: pd.DataFrame,
    seed: int,
    reps: Sequence[int],
    folder: Path,
    jobs: int,
) -> Iterator[Outcome]:
    """A spawn-started process pool, fed as workers free up.

    A worker that dies (killed, out of memory, crashed) breaks the whole pool: the
    replications in flight are then rerun one at a time in a fresh single-worker pool, so
    only the one that kills its worker is reported failed, and the rest of the run goes on.
    """
    context = multiprocessing.get_context("spawn")
    task = partial(
        run_and_store, replicate, scenario, allocation, seed, code_sha=rf.code_fingerprint()
    )
    queue = list(reversed(reps))
    while queue:
        suspects: list[int] = []
        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=context,
            initializer=_exit_with_parent,
            initargs=(os.getpid(),),
        ) as pool:
            futures: dict[Any, int] = {}
            broken = False
            while futures or (queue and not broken):
                # Two tasks per worker in flight: workers stay busy, yet a break loses little.
                while queue and not broken and len(futures) < 2 * jobs:
                    r = queue.pop()
                    try:
                        futures[pool.submit(task, r, str(folder))] = r
                    except BrokenProcessPool:  # broke before any future told us
                        queue.append(r)
                        broken = True
                if not futures:
                    break
                done, _ = wait(list(futures), return_when=FIRST_COMPLETED)
                for fut in done:
                    r = futures.pop(fut)
                    try:
                        outcome = fut.result()
                    except BrokenProcessPool:
                        suspects.append(r)
                        broken = True
                        continue
                    yield outcome
        for r in sorted(suspects):
            yield _run_isolated(task, r, folder, context)


def _exit_with_parent(parent_pid: int) -> None:
    """Worker initializer: leave when the run that started us is gone (killed with SIGKILL).

    Orphaned pool workers otherwise wait forever; a replication cut short leaves only a
    temporary file, which no reader globs and the next run of the folder removes.
    """
    import threading

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _run_isolated(task: partial[Outcome], replication: int, folder: Path, context: Any) -> Outcome:
    """Rerun one replication alone in a fresh process; a second death marks it failed."""
    with ProcessPoolExecutor(
        max_workers=1, mp_context=context, initializer=_exit_with_parent, initargs=(os.getpid(),)
    ) as pool:
        try:
            return pool.submit(task, replication, str(folder)).result()
        except BrokenProcessPool:
            return Outcome(replication, ok=False, error="worker process died while running it")


def _run_dask(
    replicate: ReplicateFn,
    scenario: Scenario,
    allocation: pd.DataFrame,
    seed: int,
    reps: Sequence[int],
    folder: Path,
    executor: Executor,
) -> Iterator[Outcome]:
    """Dask distributed: workers write files when they share our disk, else we write them."""
    distributed = _distributed()
    if executor.dask == "local":  # not inside a session: one cluster for this call
        with session(executor) as inner:
            yield from _run_dask(replicate, scenario, allocation, seed, reps, folder, inner)
        return
    client = distributed.Client(executor.dask)
    try:
        scen_f, alloc_f = client.scatter([scenario, allocation], broadcast=True)
        target = str(folder) if executor.shared_disk else None
        # Task keys name what determines the result, so equal keys are equal results even on
        # a cluster shared by several analysts' runs.
        model = getattr(replicate, "__qualname__", type(replicate).__name__)
        scen_sha, alloc_sha = rf.scenario_sha256(scenario)[:16], rf.allocation_sha256(allocation)
        code = rf.code_fingerprint()
        identity = f"{model}-{code[:12]}-{scen_sha}-{alloc_sha[:16]}-seed{seed}"
        futures = [
            client.submit(
                run_and_store,
                replicate,
                scen_f,
                alloc_f,
                seed,
                r,
                target,
                code_sha=code,
                key=f"{identity}-{r}",
                pure=False,
                retries=1,
            )
            for r in reps
        ]
        keyed = {fut.key: r for fut, r in zip(futures, reps, strict=True)}
        for fut in distributed.as_completed(futures):
            try:
                outcome = fut.result()
            except Exception as exc:  # worker lost twice, or the task could not be unpickled
                outcome = Outcome(keyed[fut.key], ok=False, error=f"{type(exc).__name__}: {exc}")
            if outcome.parquet is not None:
                rf.write_bytes_atomic(
                    rf.replication_path(folder, outcome.replication), outcome.parquet
                )
                outcome = Outcome(outcome.replication, True, outcome.metrics, outcome.events)
            yield outcome
    finally:
        client.close()


def execute(
    replicate: ReplicateFn,
    scenario: Scenario,
    allocation: pd.DataFrame,
    seed: int,
    reps: Sequence[int],
    folder: Path,
    executor: Executor,
) -> Iterator[Outcome]:
    """Run ``reps`` on ``executor``; yields each outcome as it arrives (any order)."""
    if not reps:
        return iter(())
    if executor.dask:
        return _run_dask(replicate, scenario, allocation, seed, reps, folder, executor)
    if executor.jobs <= 1 or len(reps) == 1:
        return _run_sequential(replicate, scenario, allocation, seed, reps, folder)
    if not workers_can_start():
        warnings.warn(
            "the calling program has no file that worker processes can re-run (a script read "
            "from standard input?): running the replications in this process instead; save "
            "the script to a file to use several processes",
            RuntimeWarning,
            stacklevel=2,
        )
        return _run_sequential(replicate, scenario, allocation, seed, reps, folder)
    return _run_processes(replicate, scenario, allocation, seed, reps, folder, executor.jobs)


def workers_can_start() -> bool:
    """Whether spawn-started workers can re-create ``__main__``.

    A spawned worker re-runs the parent's main script by its path; a script piped to
    ``python -`` is called ``<stdin>``, which no worker can open, so every replication would
    die. (Interactive sessions and ``python -c`` have no path and are fine.)
    """
    main = sys.modules.get("__main__")
    if getattr(main, "__spec__", None) is not None:  # python -m: re-imported by name
        return True
    path = getattr(main, "__file__", None)
    return path is None or os.path.exists(path)


# ---------------------------------------------------------------------------------------------
# Progress.
# ---------------------------------------------------------------------------------------------


class Progress:
    """Rich progress bar: replications done, simulated days per second, ETA (or nothing)."""

    def __init__(self, enabled: bool, total: int, horizon_days: int, label: str) -> None:
        self.enabled, self.horizon_days, self.start = enabled, horizon_days, time.monotonic()
        self.done = self.skipped = 0
        self._bar: Any = None
        if enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("replications"),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(label, total=total, rate="")

    def already_done(self, done: int) -> None:
        """Replications found finished (resume): shown as done, left out of the rate."""
        self.done = self.skipped = done
        if self._bar is not None:
            self._bar.update(self._task, completed=done)

    def grow(self, total: int) -> None:
        """More replications were planned (automatic replication count)."""
        if self._bar is not None:
            self._bar.update(self._task, total=total)

    def advance(self) -> None:
        """One replication finished (or failed)."""
        self.done += 1
        if self._bar is not None:
            elapsed = max(time.monotonic() - self.start, 1e-9)
            fresh = self.done - self.skipped
            rate = f"{fresh * self.horizon_days / elapsed:,.0f} sim days/s"
            self._bar.update(self._task, advance=1, rate=rate)

    def close(self) -> None:
        """Leave the finished bar on screen."""
        if self._bar is not None:
            self._bar.stop()


def progress_wanted(quiet: bool) -> bool:
    """Progress bar only on a terminal and without --quiet."""
    return not quiet and sys.stdout.isatty()


# ---------------------------------------------------------------------------------------------
# Allocation.
# ---------------------------------------------------------------------------------------------


class AllocationFileError(ValueError):
    """An ``--allocation`` CSV that is missing or lacks the columns the model needs."""


@dataclass(frozen=True)
class AllocationChoice:
    """The allocation simulated, where it came from, and the optimiser's result if any."""

    allocation: pd.DataFrame
    source: str
    optimisation: Any = None


def stand_in_allocation(scenario: Scenario) -> pd.DataFrame:
    """Required units of each capability split among eligible nations by land forces.

    Used only when the optimiser is unavailable; labelled as a stand-in wherever it appears.
    Largest-remainder rounding keeps each capability's total equal to its requirement.
    """
    eligible = [
        n
        for n in scenario.nations
        if n.participates and n.willingness in scenario.burden_sharing.eligible_willingness
    ] or [n for n in scenario.nations if n.participates]
    weights = np.array([max(n.land_forces_pax, 1) for n in eligible], dtype="float64")
    share = weights / weights.sum()
    rows = []
    for cap in scenario.force.capabilities:
        exact = share * cap.required_units
        units = np.floor(exact).astype(int)
        remainder = cap.required_units - int(units.sum())
        for i in np.argsort(-(exact - units), kind="stable")[:remainder]:
            units[i] += 1
        for nation, u in zip(eligible, units, strict=True):
            if u > 0:
                pax = int(u) * cap.personnel_per_unit_pax
                rows.append((nation.code, cap.id, int(u), pax, pax))
    return pd.DataFrame(
        rows,
        columns=["nation", "capability", "units", "personnel_deployed", "personnel_committed"],
    )


def choose_allocation(scenario: Scenario, allocation_csv: Path | None = None) -> AllocationChoice:
    """``--allocation FILE`` if given, else the optimiser, else the labelled stand-in."""
    if allocation_csv is not None:
        if not Path(allocation_csv).is_file():
            raise AllocationFileError(f"{allocation_csv}: allocation file not found")
        frame = pd.read_csv(allocation_csv, dtype={"nation": str, "capability": str})
        for col in ("nation", "capability", "units"):
            if col not in frame.columns:
                raise AllocationFileError(f"{allocation_csv}: allocation CSV lacks column {col!r}")
        if not pd.api.types.is_integer_dtype(frame["units"]) or (frame["units"] < 0).any():
            raise AllocationFileError(f"{allocation_csv}: units must be whole numbers >= 0")
        nations = {n.code for n in scenario.nations}
        capabilities = {c.id for c in scenario.force.capabilities}
        for col, known in (("nation", nations), ("capability", capabilities)):
            unknown = sorted(set(frame[col]) - known)
            if unknown:
                raise AllocationFileError(
                    f"{allocation_csv}: {col} {', '.join(unknown)} not in scenario "
                    f"{scenario.name} (it has {', '.join(sorted(known))})"
                )
        return AllocationChoice(frame, f"file: {allocation_csv}")
    try:
        module = importlib.import_module("optimisation")
    except ModuleNotFoundError as exc:  # only a missing package; errors inside it propagate
        if exc.name != "optimisation":
            raise
        return AllocationChoice(stand_in_allocation(scenario), STAND_IN_LABEL)
    result = module.optimise(scenario)
    status = getattr(result, "status", "")
    return AllocationChoice(
        result.allocation, f"optimiser ({getattr(status, 'value', status)})", result
    )


def optimisation_record(result: Any) -> dict:
    """The optimiser's result as JSON-able fields (whatever it provides)."""
    if result is None:
        return {}
    if hasattr(result, "to_dict"):
        data = result.to_dict()
    elif hasattr(result, "__dataclass_fields__"):
        data = {k: getattr(result, k) for k in result.__dataclass_fields__ if k != "allocation"}
    else:
        data = {k: v for k, v in vars(result).items() if k != "allocation"}
    return _jsonable(data)


def _jsonable(value: Any) -> Any:
    """Best-effort conversion of optimiser output to JSON types."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, pd.DataFrame):
        return _jsonable(value.to_dict(orient="records"))
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if hasattr(value, "value") and isinstance(value.value, str | int | float):
        return value.value
    return str(value)


# ---------------------------------------------------------------------------------------------
# A run.
# ---------------------------------------------------------------------------------------------


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
    optimisation: Any = None,
    command_line: str | None = None,
    executor: Executor | None = None,
) -> RunResult:
    """Run replications into a run folder (DESIGN.md §4) and write summary.json.

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
        rf.write_bytes_atomic(folder / "allocation.csv", rf.allocation_csv(allocation).encode())
        if optimisation is not None:
            rf.write_json_atomic(folder / "optimisation.json", optimisation_record(optimisation))
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
        try:
            with session(requested) as active:  # one LocalCluster for every round
                planned = n_planned
                while True:
                    todo = [r for r in range(planned) if r not in per_rep and r not in failed]
                    if bar.done == 0:
                        bar.already_done(planned - len(todo))
                    for outcome in execute(
                        replicate, scenario, allocation, base_seed, todo, folder, active
                    ):
                        record(outcome)
                        bar.advance()
                    if target_half_width is None or planned >= max_replications:
                        break
                    more = _more_replications(scenario, per_rep, target_half_width, planned)
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
        rf.write_json_atomic(folder / rf.SUMMARY, summary)
        rf.write_bytes_atomic(
            folder / "replication_metrics.csv",
            frame.to_csv(lineterminator="\n", float_format="%.17g").encode(),
        )
        return RunResult(folder=folder, summary=summary, per_replication=frame, failed=failed)


def _more_replications(
    scenario: Scenario, per_rep: dict[int, dict[str, float]], target: float, n: int
) -> int:
    """How many more replications the worst metric needs to reach the target precision.

    Precision is the CI half-width relative to the mean, except for a proportion (its Wilson
    interval; PROPORTION_METRICS), where it is the half-width itself: a probability near 0 has
    no useful relative precision, while "within ±0.05" is what an analyst asks of it.
    """
    names = [c.metric for c in scenario.criteria] or None
    frame = metrics_frame(per_rep.items())
    columns = [c for c in (names or list(frame.columns)) if c in frame.columns]
    worst = 0.0
    for name in columns:
        ci = metric_ci(name, frame[name].to_list(), scenario.experiment.confidence)
        if ci.n == 0:
            continue
        precision = ci.half_width if name in PROPORTION_METRICS else ci.relative_half_width
        worst = max(worst, precision if ci.n >= 2 else math.inf)
    if worst <= target:
        return 0
    if math.isinf(worst):
        return max(2, n)
    needed = math.ceil(n * (worst / target) ** 2)  # half-width shrinks as 1/sqrt(n)
    return max(needed - n, 1)


def build_summary(
    scenario: Scenario, per_replication: pd.DataFrame, base_seed: int, failed: Sequence[int]
) -> dict:
    """summary.json (DESIGN.md §4) from per-replication metrics."""
    confidence = scenario.experiment.confidence
    metrics = summarise(per_replication, confidence)
    verdict, criteria = assess(scenario.criteria, metrics, confidence)
    return {
        "scenario": scenario.name,
        "replications": len(per_replication),
        "base_seed": base_seed,
        "confidence": confidence,
        "warmup_days": scenario.experiment.warmup_days,
        "failed_replications": list(failed),
        "verdict": verdict,
        "criteria": criteria,
        "metrics": metrics,
    }


def load_run(folder: str | Path) -> RunResult:
    """Re-open a finished run folder (summary, per-replication metrics) without rerunning."""
    path = Path(folder)
    summary = rf.read_json(path / rf.SUMMARY)
    frame = pd.read_csv(path / "replication_metrics.csv", index_col="replication")
    failed = {int(k): v for k, v in rf.read_json(path / rf.MANIFEST)["failed_replications"].items()}
    return RunResult(folder=path, summary=summary, per_replication=frame, failed=failed)


# ---------------------------------------------------------------------------------------------
# Sweeps.
# ---------------------------------------------------------------------------------------------


class SweepSpecError(ValueError):
    """A ``--set`` or ``--design`` the sweep cannot apply (bad syntax, no such list item)."""


@dataclass(frozen=True)
class SweepParameter:
    """One ``--set path=v1,v2,...``: a dotted scenario path and its values."""

    path: str
    values: tuple[Any, ...]


def parse_value(text: str) -> Any:
    """One value as YAML 1.2 reads a scalar (``2`` int, ``2.5`` float, ``true``, ``NO`` text)."""
    from ruamel.yaml import YAML

    value = YAML(typ="safe", pure=True).load(text)
    return text if value is None or isinstance(value, dict | list) else value


def parse_set(text: str) -> SweepParameter:
    """``rotation.dwell_ratio=2,3,4`` → SweepParameter('rotation.dwell_ratio', (2, 3, 4))."""
    path, sep, values = text.partition("=")
    if not sep or not path.strip() or not values.strip():
        raise SweepSpecError(f"--set {text!r}: expected path=value1,value2,...")
    parts = [v.strip() for v in values.split(",")]
    if any(not v for v in parts):
        raise SweepSpecError(f"--set {text!r}: empty value")
    return SweepParameter(path.strip(), tuple(parse_value(v) for v in parts))


def split_path(path: str) -> list[str | int]:
    """``nations[FRA].tour_days`` → ['nations', 'FRA', 'tour_days']; ``x[0]`` → ['x', 0]."""
    out: list[str | int] = []
    for part in path.split("."):
        name, _, rest = part.partition("[")
        if name:
            out.append(name)
        while rest:
            key, _, rest = rest.partition("]")
            out.append(int(key) if key.lstrip("-").isdigit() else key)
            rest = rest.removeprefix("[")
    return out


def set_path(mapping: dict[str, Any], path: str, value: Any) -> tuple[str | int, ...]:
    """Set ``path`` in a scenario mapping (creating mappings on the way); returns the key path.

    A bracketed name selects the list item whose ``id``, ``code`` or ``name`` equals it.
    """
    keys = split_path(path)
    node: Any = mapping
    resolved: list[str | int] = []
    for i, key in enumerate(keys):
        last = i == len(keys) - 1
        if isinstance(node, list):
            if isinstance(key, str):
                idx = next(
                    (
                        j
                        for j, item in enumerate(node)
                        if isinstance(item, dict)
                        and key in (item.get("id"), item.get("code"), item.get("name"))
                    ),
                    None,
                )
                if idx is None:
                    raise SweepSpecError(
                        f"--set {path}: no item {key!r} in {'.'.join(map(str, resolved))}"
                    )
                key = idx
            if not -len(node) <= key < len(node):
                raise SweepSpecError(f"--set {path}: index {key} out of range")
        elif isinstance(node, dict):
            if isinstance(key, int):
                raise SweepSpecError(f"--set {path}: {'.'.join(map(str, resolved))} is not a list")
            if not last and not isinstance(node.get(key), dict | list):
                node[key] = {}
        else:
            raise SweepSpecError(f"--set {path}: cannot descend into a {type(node).__name__}")
        resolved.append(key)
        if last:
            node[key] = value
        else:
            node = node[key]
    return tuple(resolved)


def design(parameters: Sequence[SweepParameter], kind: str = "factorial") -> list[dict[str, Any]]:
    """Variants as {path: value}: baseline ({}) first, then full factorial or one-at-a-time."""
    if kind not in ("factorial", "oat"):
        raise SweepSpecError(f"unknown design {kind!r}: factorial or oat")
    variants: list[dict[str, Any]] = [{}]
    if kind == "oat":
        for p in parameters:
            variants.extend({p.path: v} for v in p.values)
    else:
        for combo in itertools.product(*(p.values for p in parameters)):
            variants.append(dict(zip((p.path for p in parameters), combo, strict=True)))
    return variants


def variant_label(overrides: dict[str, Any]) -> str:
    """``rotation.dwell_ratio=3, horizon_days=90`` (``baseline`` for no override)."""
    return ", ".join(f"{k}={v}" for k, v in overrides.items()) or "baseline"


@dataclass
class SweepResult:
    """The comparison table (as sweep.csv) and each variant's run."""

    folder: Path
    table: pd.DataFrame
    runs: list[RunResult]


def build_variant(file: Path, overrides: dict[str, Any]) -> Scenario:
    """The scenario file with ``overrides`` applied, re-validated (problems say file:line:col)."""
    import copy

    from logistics_sim.errors import Problem, ScenarioError
    from logistics_sim.loading import read_mapping, scenario_from_mapping

    mapping, positions = read_mapping(file)
    mapping = copy.deepcopy(mapping)
    for path, value in overrides.items():
        set_path(mapping, path, value)
    try:
        return scenario_from_mapping(mapping, positions, file)
    except ScenarioError as exc:
        label = ", ".join(f"{k}={v}" for k, v in overrides.items())
        raise ScenarioError(
            [
                Problem(p.file, p.line, p.col, p.path, f"{p.message} (with --set {label})")
                for p in exc.problems
            ]
        ) from None


def sweep(
    file: str | Path,
    parameters: Sequence[SweepParameter],
    kind: str = "factorial",
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 2,
    dask: str | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    *,
    quiet: bool = True,
    allocation: pd.DataFrame | None = None,
    replicate: ReplicateFn | None = None,
    choose: Callable[[Scenario], AllocationChoice] | None = None,
) -> SweepResult:
    """Run every variant with common random numbers; write sweep.csv with paired differences.

    All variants use the same base seed, so replication r of each variant sees the same
    random streams and their difference is measured with far less noise than independent
    runs; the CI of a difference is a paired t interval over replications.
    """
    path = Path(file)
    variants = design(parameters, kind)
    scenarios = [build_variant(path, v) for v in variants]  # all validated before any run
    base = scenarios[0]
    n = replications if replications is not None else base.experiment.replications
    base_seed = seed if seed is not None else base.experiment.seed
    if out is None:
        import hashlib

        tag = hashlib.sha256(
            repr(
                (rf.scenario_sha256(base), kind, [(p.path, p.values) for p in parameters])
            ).encode()
        ).hexdigest()[:12]
        out = Path("results") / base.name / f"sweep-{tag}-seed{base_seed}"
    root = Path(out)
    runs: list[RunResult] = []
    with session(Executor(jobs, dask)) as active:  # one LocalCluster for all variants
        for i, (overrides, scen) in enumerate(zip(variants, scenarios, strict=True)):
            if allocation is not None:
                choice = AllocationChoice(allocation, "given by caller")
            else:
                choice = (choose or choose_allocation)(scen)
            runs.append(
                simulate(
                    scen,
                    choice.allocation,
                    n,
                    base_seed,
                    out=root / f"variant-{i:03d}",
                    resume=resume,
                    quiet=quiet,
                    replicate=replicate,
                    allocation_source=choice.source,
                    optimisation=choice.optimisation,
                    command_line=f"sweep variant {i}: {variant_label(overrides)}",
                    executor=active,
                )
            )
    table = sweep_table(parameters, variants, runs, base.experiment.confidence)
    rf.write_bytes_atomic(
        root / "sweep.csv", table.to_csv(index=False, lineterminator="\n").encode()
    )
    return SweepResult(folder=root, table=table, runs=runs)


def sweep_table(
    parameters: Sequence[SweepParameter],
    variants: Sequence[dict[str, Any]],
    runs: Sequence[RunResult],
    confidence: float,
) -> pd.DataFrame:
    """One row per variant and metric: mean, CI, and the paired difference from the baseline."""
    baseline = runs[0].per_replication
    rows = []
    for i, (overrides, run) in enumerate(zip(variants, runs, strict=True)):
        diffs = paired_difference(run.per_replication, baseline, confidence)
        for metric, stat in run.summary["metrics"].items():
            d = diffs[metric]
            row: dict[str, Any] = {"variant": i}
            row.update({p.path: overrides.get(p.path, "") for p in parameters})
            row["varied"] = ";".join(overrides) or "baseline"
            row["settings"] = variant_label(overrides)
            row.update(
                metric=metric,
                unit=stat["unit"],
                n=stat["n"],
                mean=stat["mean"],
                ci_low=stat["ci_low"],
                ci_high=stat["ci_high"],
                diff_vs_baseline=d.mean,
                diff_ci_low=d.ci_low,
                diff_ci_high=d.ci_high,
                verdict=run.summary["verdict"],
            )
            rows.append(row)
    return pd.DataFrame(rows)
