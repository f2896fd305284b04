"""The hand-made allocation that fields the baseline's full 150,000 troops, capacity aside.

The optimiser leaves the baseline at the force the willing nations can hold; the tool exists
for the full requirement, so the benchmark also runs that. This allocation gives every
capability its ``required_units``, split among the participating nations in proportion to
their land forces (largest remainders), whatever their capacity: a load to measure, not a
plan. ``python -m benchmarks.allocation_150k`` rewrites ``benchmarks/allocation_150k.csv``
from the scenario, so the file can always be regenerated and checked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from logistics_sim.scenario import Scenario

HERE = Path(__file__).resolve().parent
BASELINE = HERE.parent / "scenarios" / "ukraine_reassurance_150k.yaml"
ALLOCATION_150K = HERE / "allocation_150k.csv"


def full_force_allocation(scenario: Scenario) -> pd.DataFrame:
    """``nation, capability, units``: each capability's requirement over participating nations.

    Shares in proportion to land forces (at least 1 person each), largest remainders, so each
    capability's total is exactly its requirement.
    """
    nations = [n for n in scenario.nations if n.participates]
    weights = np.array([max(n.land_forces_pax, 1) for n in nations], dtype="float64")
    share = weights / weights.sum()
    rows = []
    for cap in scenario.force.capabilities:
        exact = share * cap.required_units
        units = np.floor(exact).astype(int)
        for i in np.argsort(-(exact - units), kind="stable")[: cap.required_units - units.sum()]:
            units[i] += 1
        rows += [(n.code, cap.id, int(u)) for n, u in zip(nations, units, strict=True) if u > 0]
    return pd.DataFrame(rows, columns=["nation", "capability", "units"])


def main() -> None:
    """Rewrite benchmarks/allocation_150k.csv from the baseline scenario."""
    from logistics_sim import load_scenario

    frame = full_force_allocation(load_scenario(BASELINE))
    frame.to_csv(ALLOCATION_150K, index=False)
    print(f"written {ALLOCATION_150K}: {len(frame)} rows, {int(frame['units'].sum())} units")


if __name__ == "__main__":
    main()
