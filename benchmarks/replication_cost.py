"""Time and memory of one replication at the full 150,000, as a worker runs it.

``python -m benchmarks.replication_cost DAYS`` runs, in this fresh process, one replication of
the baseline with benchmarks/allocation_150k.csv over ``DAYS`` days exactly as a worker does
(``run_and_store``: simulate, write the Parquet file atomically, compute the summary figures)
and prints one JSON line: wall and CPU seconds, the process's peak resident memory during the
replication (``VmHWM``, reset after a short warm-up replication) and its resident memory before.
Peak resident memory counts what tracemalloc cannot see (Arrow's buffers), and is what decides
whether a long run fits. :func:`measure` runs it in a subprocess for the benchmark table.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from benchmarks.allocation_150k import ALLOCATION_150K, BASELINE

WARMUP_DAYS = 30


def _status_mb(field: str) -> float:
    """A ``/proc/self/status`` memory field (kB) in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def _reset_peak() -> None:
    """Reset VmHWM to the current resident size (Linux: ``echo 5 > /proc/self/clear_refs``)."""
    Path("/proc/self/clear_refs").write_text("5")


def run(days: int) -> dict[str, float]:
    """One replication of ``days`` days in this process: seconds and memory."""
    from logistics_sim import load_scenario
    from logistics_sim.experiment import default_replicate, run_and_store

    scenario = load_scenario(BASELINE)
    allocation = pd.read_csv(ALLOCATION_150K)
    replicate = default_replicate()
    seed = scenario.experiment.seed
    with tempfile.TemporaryDirectory() as folder:
        warm = scenario.model_copy(update={"horizon_days": WARMUP_DAYS})
        run_and_store(replicate, warm, allocation, seed, 1, folder)
        long = scenario.model_copy(update={"horizon_days": days})
        before_mb = _status_mb("VmRSS")
        _reset_peak()
        start, cpu_start = time.perf_counter(), time.process_time()
        outcome = run_and_store(replicate, long, allocation, seed, 0, folder)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        peak_mb = _status_mb("VmHWM")
    if not outcome.ok:
        raise RuntimeError(outcome.error)
    return {
        "days": days,
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mb": peak_mb,
        "rss_before_mb": before_mb,
    }


def measure(days: int) -> dict[str, float]:
    """:func:`run` in a fresh Python process (so one measurement's memory is not another's)."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.replication_cost", str(days)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]))))
