"""`make bench`: the performance table, written to benchmarks/results.json and printed.

Every ratio is measured within one run of this script (the model against bare SimPy in the same
process), so the figures compare across machines better than raw seconds do. Medians over
several rounds.
"""

from __future__ import annotations

import json
import math
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import simpy

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASELINE = ROOT / "scenarios" / "ukraine_reassurance_150k.yaml"
ROUNDS = 3


def median_seconds(func: Callable[[], object], rounds: int = ROUNDS) -> float:
    """Median wall time of ``func`` over ``rounds`` calls."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the kernel events it processes."""

    def __init__(self) -> None:
        super().__init__()
        self.events_processed = 0

    def step(self) -> None:
        self.events_processed += 1
        super().step()


def kernel_events_per_s(cycles: int = 100_000) -> float:
    """Bare SimPy: kernel events per second in Resource request/hold/release cycles."""

    def run() -> int:
        env = CountingEnvironment()
        resource = simpy.Resource(env, capacity=3)

        def customer(env: simpy.Environment, n: int) -> object:
            for _ in range(n):
                with resource.request() as req:
                    yield req
                    yield env.timeout(1.0)

        for _ in range(10):
            env.process(customer(env, cycles // 10))
        env.run()
        return env.events_processed

    rates = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        events = run()
        rates.append(events / (time.perf_counter() - start))
    return statistics.median(rates)


def model_figures() -> dict[str, float]:
    """The baseline model's events per second, seconds per simulated year and peak memory."""
    from logistics_sim import load_scenario
    from logistics_sim.model import run_replication
    from optimisation import optimise

    scenario = load_scenario(BASELINE)
    allocation = optimise(scenario).allocation
    years = scenario.horizon_days / 365.0
    rates, seconds = [], []
    for replication in range(ROUNDS):
        start = time.perf_counter()
        result = run_replication(scenario, allocation, scenario.experiment.seed, replication)
        elapsed = time.perf_counter() - start
        rates.append(result.events / elapsed)
        seconds.append(elapsed / years)
    tracemalloc.start()
    run_replication(scenario, allocation, scenario.experiment.seed, 0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "model_events_per_s": statistics.median(rates),
        "replication_s_per_sim_year": statistics.median(seconds),
        "peak_memory_mb": peak / 2**20,
        **scaling_exponents(scenario, allocation),
    }


def scaling_exponents(scenario: object, allocation: object) -> dict[str, float]:
    """Slopes of log time against log horizon (1, 2, 4 years) and log force (0.5x, 1x, 2x)."""
    from logistics_sim.model import run_replication

    def slope(xs: list[float], ts: list[float]) -> float:
        return float(np.polyfit(np.log(xs), np.log(ts), 1)[0])

    horizons = [365, 730, 1460]
    horizon_times = [
        median_seconds(
            lambda h=h: run_replication(
                scenario.model_copy(update={"horizon_days": h}),  # type: ignore[attr-defined]
                allocation,
                1,
                0,
            ),
            rounds=1,
        )
        for h in horizons
    ]
    factors = [0.5, 1.0, 2.0]
    force_times = []
    for factor in factors:
        scaled = allocation.copy()  # type: ignore[attr-defined]
        scaled["units"] = (scaled["units"] * factor).round().astype(int).clip(lower=1)
        scaled = scaled.drop(columns=[c for c in ("pool_units",) if c in scaled.columns])
        force_times.append(
            median_seconds(lambda a=scaled: run_replication(scenario, a, 1, 0), rounds=1)  # type: ignore[misc]
        )
    return {
        "scaling_exponent_horizon": slope([float(h) for h in horizons], horizon_times),
        "scaling_exponent_force": slope(factors, force_times),
    }


def optional(name: str) -> dict[str, float]:
    """Figures from another benchmark module's ``run_benchmarks()``, when it exists."""
    try:
        module = __import__(f"benchmarks.{name}", fromlist=["run_benchmarks"])
    except ImportError:
        return {}
    result: dict[str, float] = module.run_benchmarks()
    return result


TARGETS = {
    "model_vs_kernel_ratio": (">=", 0.6),
    "replication_s_per_sim_year": ("<=", 0.25),
    "parallel_efficiency_2": (">=", 0.9),
    "dask_efficiency_2": (">=", 0.85),
    "optimiser_s_baseline": ("<=", 0.1),
    "optimiser_s_300x30": ("<=", 1.0),
    "scaling_exponent_horizon": ("<=", 1.1),
    "scaling_exponent_force": ("<=", 1.1),
    "peak_memory_mb": ("<=", 500.0),
}


def main() -> None:
    """Measure, write results.json, print the table."""
    results: dict[str, float] = {"kernel_events_per_s": kernel_events_per_s()}
    try:
        results.update(model_figures())
        results["model_vs_kernel_ratio"] = (
            results["model_events_per_s"] / results["kernel_events_per_s"]
        )
    except ImportError as exc:
        print(f"model figures skipped: {exc}")
    results.update(optional("optimiser"))
    results.update(optional("parallel"))
    payload = {"machine": platform.platform(), "python": platform.python_version(), **results}
    (HERE / "results.json").write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    print(f"{'key':32} {'value':>14}  target")
    for key in sorted(results):
        value = results[key]
        op, target = TARGETS.get(key, ("", math.nan))
        met = ""
        if op:
            ok = value >= target if op == ">=" else value <= target
            met = f"{op} {target:g} {'met' if ok else 'NOT met'}"
        print(f"{key:32} {value:14.4g}  {met}")
    print(f"written {HERE / 'results.json'}")


if __name__ == "__main__":
    main()
