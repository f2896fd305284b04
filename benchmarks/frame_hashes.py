"""Digests of replication frames, to show that a change to the engine left its results alone.

``python -m benchmarks.frame_hashes [CACHE_DIR]`` prints one line per (case, replication):
the SHA-256 of the daily frame's columns, dtypes and values (NaN and -0.0 as their bits), for
tiny, the baseline, force_60k and winter_interdiction with the optimiser's allocation and the
baseline with the full 150,000 (benchmarks/allocation_150k.csv), 2 replications each. Run it
before and after a change and diff the output. With ``CACHE_DIR`` the optimiser's allocations
are kept there, so later runs compare the engine alone.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.allocation_150k import ALLOCATION_150K

ROOT = Path(__file__).resolve().parent.parent
CASES = ("tiny", "ukraine_reassurance_150k", "force_60k", "winter_interdiction", "full_150k")
REPLICATIONS = (0, 1)


def frame_digest(frame: pd.DataFrame) -> str:
    """SHA-256 of a frame's column names, dtypes and every value's bytes, in row order."""
    digest = hashlib.sha256()
    for name in frame.columns:
        column = frame[name]
        digest.update(f"{name}:{column.dtype}\n".encode())
        if column.dtype.kind in "iuf":
            digest.update(np.ascontiguousarray(column.to_numpy()).tobytes())
        else:
            digest.update("\x00".join(column.astype(str).tolist()).encode())
    return digest.hexdigest()


def allocation_for(case: str, cache: Path | None) -> tuple[object, pd.DataFrame]:
    """The case's scenario and allocation (the optimiser's, cached in ``cache`` if given)."""
    from logistics_sim import load_scenario

    name = "ukraine_reassurance_150k" if case == "full_150k" else case
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    if case == "full_150k":
        return scenario, pd.read_csv(ALLOCATION_150K)
    cached = cache / f"{case}.csv" if cache is not None else None
    if cached is not None and cached.is_file():
        return scenario, pd.read_csv(cached)
    from logistics_sim.experiment import choose_allocation
    from logistics_sim.report.pipeline import is_infeasible, largest_force

    choice = choose_allocation(scenario)  # as `report` does: the largest force if infeasible
    allocation = choice.allocation
    if choice.optimisation is not None and is_infeasible(choice.optimisation):
        frame, _ = largest_force(scenario, choice.optimisation)
        assert frame is not None
        allocation = frame
    if cached is not None:
        allocation.to_csv(cached, index=False)
    return scenario, allocation


def main() -> None:
    """Print ``case replication digest rows`` for every case."""
    from logistics_sim.engine.model import run_replication

    cache = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        scenario, allocation = allocation_for(case, cache)
        seed = scenario.experiment.seed  # type: ignore[attr-defined]
        for replication in REPLICATIONS:
            frame = run_replication(scenario, allocation, seed, replication).daily  # type: ignore[arg-type]
            print(f"{case} {replication} {frame_digest(frame)} {len(frame)}", flush=True)


if __name__ == "__main__":
    main()
