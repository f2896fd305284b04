"""Parallel efficiency of the experiment executors at 2 workers: processes and Dask LocalCluster.

efficiency = T_sequential / (2 × T_parallel), wall time of the same replications written to a
run folder, start-up of the pool or cluster included (that is what an analyst waits for).
T_sequential is the mean of a sequential run before the parallel ones and one after: the
machine's speed drifts, and ``parallel_sequential_drift`` (after / before) shows by how much. On a
machine other jobs also load, wall-time efficiency falls for reasons that are not ours, so the
CPU efficiency (sequential CPU / all CPU spent in parallel) and the load average are reported
alongside.
The workload is the engine's ``run_replication`` on the baseline scenario when both exist,
else on scenarios/tiny.yaml; the replication count is chosen so the sequential run takes about
``TARGET_SEQUENTIAL_S`` seconds. Called by ``benchmarks/run.py``; runnable alone:
``python -m benchmarks.parallel``.
"""

from __future__ import annotations

import math
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from logistics_sim.scenario import Scenario

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCENARIOS = (
    ROOT / "scenarios" / "ukraine_reassurance_150k.yaml",
    ROOT / "scenarios" / "tiny.yaml",
)
TARGET_SEQUENTIAL_S = 30.0
WORKERS = 2


def _timed_run(
    scenario: Scenario, allocation: pd.DataFrame, replications: int, folder: Path, **executor: Any
) -> tuple[float, float]:
    """Wall seconds and CPU seconds (this process + reaped workers) of one ``simulate`` call."""
    from logistics_sim.experiment import simulate

    cpu0 = _cpu_seconds()
    start = time.perf_counter()
    simulate(scenario, allocation, replications, 1, out=folder, quiet=True, **executor)
    return time.perf_counter() - start, _cpu_seconds() - cpu0


def _cpu_seconds() -> float:
    """User + system CPU of this process and of its finished child processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_benchmarks() -> dict[str, float]:
    """Parallel efficiency at 2 workers for local processes and for Dask (plus the raw times)."""
    from logistics_sim import ScenarioError, load_scenario
    from logistics_sim.experiment import default_replicate
    from logistics_sim.pipeline import choose_allocation

    default_replicate()  # ImportError here: no engine yet, nothing to measure
    scenario = None
    for file in SCENARIOS:  # the baseline if it exists and loads, else the tiny scenario
        try:
            scenario = load_scenario(file)
            break
        except ScenarioError:
            continue
    assert scenario is not None, "no scenario to benchmark"
    allocation = choose_allocation(scenario).allocation
    load_before = os.getloadavg()[0]  # other work on the machine skews the efficiencies
    with tempfile.TemporaryDirectory(prefix="bench-parallel-") as tmp:
        root = Path(tmp)
        _timed_run(scenario, allocation, 1, root / "warm", jobs=1)  # imports, caches
        two, _ = _timed_run(scenario, allocation, 2, root / "calibrate", jobs=1)
        reps = max(4, 2 * math.ceil(TARGET_SEQUENTIAL_S / max(two / 2, 1e-3) / 2))
        before, before_cpu = _timed_run(scenario, allocation, reps, root / "seq", jobs=1)
        processes, proc_cpu = _timed_run(scenario, allocation, reps, root / "proc", jobs=WORKERS)
        dask, dask_cpu = _timed_run(
            scenario, allocation, reps, root / "dask", jobs=WORKERS, dask="local"
        )
        # the sequential run again: this machine's speed drifts by tens of percent within
        # minutes, so the parallel runs are compared with the mean of runs on either side
        after, after_cpu = _timed_run(scenario, allocation, reps, root / "seq_after", jobs=1)
        sequential, seq_cpu = (before + after) / 2, (before_cpu + after_cpu) / 2
        same = all(
            (root / "seq" / "summary.json").read_bytes() == (root / d / "summary.json").read_bytes()
            for d in ("proc", "dask", "seq_after")
        )
    return {
        "parallel_efficiency_2": sequential / (WORKERS * processes),
        "dask_efficiency_2": sequential / (WORKERS * dask),
        # CPU efficiency: sequential CPU over all CPU spent in parallel (start-up, pickling,
        # scheduling). Unlike the wall-time ratio it does not fall when others load the machine.
        "parallel_cpu_efficiency_2": seq_cpu / proc_cpu,
        "dask_cpu_efficiency_2": seq_cpu / dask_cpu,
        "parallel_replications": float(reps),
        "parallel_replication_s": sequential / reps,
        "parallel_sequential_s": sequential,
        "parallel_sequential_drift": after / before,
        "parallel_processes_2_s": processes,
        "parallel_dask_2_s": dask,
        "parallel_results_identical": float(same),
        "parallel_scenario_is_baseline": float(scenario.name != "tiny"),
        "parallel_load_average_before": load_before,
    }


if __name__ == "__main__":
    for key, value in run_benchmarks().items():
        print(f"{key:32} {value:12.4g}")
