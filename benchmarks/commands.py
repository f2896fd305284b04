"""What users wait for: the whole `report` at the full 150,000, a thousand replications, and one
replication's time and memory as the horizon grows.

Each figure is measured in a fresh process, as a user's command runs, with wall seconds and the
CPU seconds of that process and its workers (the machine is shared: CPU time is what other jobs
disturb least). Keys:

- ``report_s_150k``: the `report` pipeline on the baseline with benchmarks/allocation_150k.csv
  (the full 150,000, capacity aside): the optimiser's run that `report` starts with, then 30
  replications x 730 days on 2 worker processes, then reading the run folder and writing
  report.html and report.md. (`report` itself simulates the optimiser's allocation; this
  simulates the full force instead, the load the tool exists for.)
- ``replications_1000_s``: ``logistics-sim simulate`` of the baseline (optimiser's allocation)
  with ``-n 1000 --jobs 2``, the command line itself.
- ``replication_s_per_sim_year_150k`` and ``replication_peak_mb_150k`` (730 days), and
  ``replication_peak_mb_150k_10y`` (3,650 days): one worker's replication at the full 150,000
  (benchmarks/replication_cost.py): seconds per simulated year, and the process's peak resident
  memory during the replication.

``python -m benchmarks.commands`` prints them; ``benchmarks/run.py`` adds them to the table.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.allocation_150k import ALLOCATION_150K, BASELINE
from benchmarks.replication_cost import measure

ROOT = Path(__file__).resolve().parent.parent
REPORT_REPLICATIONS = 30
MANY_REPLICATIONS = 1000
JOBS = 2


def _children_cpu_s() -> float:
    """User + system CPU seconds of this process's finished children."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def _timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (the command and its workers) of one command, which must succeed."""
    cpu0, start = _children_cpu_s(), time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start, _children_cpu_s() - cpu0


def report_150k(out: Path) -> None:
    """The `report` pipeline with the full-force allocation (run in a fresh process)."""
    import pandas as pd

    from logistics_sim import load_scenario
    from logistics_sim.experiment import choose_allocation, simulate
    from logistics_sim.report.build import write_report
    from logistics_sim.report.rundata import load_run_data

    scenario = load_scenario(BASELINE)
    choice = choose_allocation(scenario)  # what `report` runs first: the optimiser
    run = simulate(
        scenario,
        pd.read_csv(ALLOCATION_150K),
        REPORT_REPLICATIONS,
        jobs=JOBS,
        out=out,
        allocation_source=f"file: {ALLOCATION_150K.name}",
        optimisation=choice.optimisation,
    )
    write_report(load_run_data(run.folder))


def run_benchmarks() -> dict[str, float]:
    """The figures of the module docstring (about six minutes on a quiet 2-core machine)."""
    results: dict[str, float] = {"load_average_before_commands": os.getloadavg()[0]}
    year = measure(730)
    results["replication_s_per_sim_year_150k"] = year["wall_s"] / 2.0
    results["replication_cpu_s_per_sim_year_150k"] = year["cpu_s"] / 2.0
    results["replication_peak_mb_150k"] = year["peak_rss_mb"]
    results["replication_rss_before_mb_150k"] = year["rss_before_mb"]
    decade = measure(3650)
    results["replication_peak_mb_150k_10y"] = decade["peak_rss_mb"]
    results["replication_cpu_s_per_sim_year_150k_10y"] = decade["cpu_s"] / 10.0
    with tempfile.TemporaryDirectory(prefix="bench-commands-") as tmp:
        wall, cpu = _timed(
            [sys.executable, "-m", "benchmarks.commands", "report_150k", str(Path(tmp) / "r")]
        )
        results["report_s_150k"], results["report_cpu_s_150k"] = wall, cpu
        cli = str(Path(sys.executable).with_name("logistics-sim"))
        many = [cli, "simulate", str(BASELINE), "-n", str(MANY_REPLICATIONS)]
        many += ["--jobs", str(JOBS), "--out", str(Path(tmp) / "many"), "--quiet"]
        wall, cpu = _timed(many)
        results["replications_1000_s"], results["replications_1000_cpu_s"] = wall, cpu
    results["load_average_after_commands"] = os.getloadavg()[0]
    return results


if __name__ == "__main__":
    if sys.argv[1:2] == ["report_150k"]:
        report_150k(Path(sys.argv[2]))
    else:
        for key, value in run_benchmarks().items():
            print(f"{key:40} {value:12.4g}")
