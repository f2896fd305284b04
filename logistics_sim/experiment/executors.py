"""Executors: where replications run (this process, a spawn-started process pool, or Dask).

Each yields outcomes as replications finish. A worker that dies costs only the replication it
was running; the others still finish.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from logistics_sim import runfolder as rf
from logistics_sim.experiment.replication import Outcome, ReplicateFn, run_and_store
from logistics_sim.scenario import Scenario


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
