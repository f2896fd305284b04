"""The hand-made allocation that fields the baseline's full 150,000 troops, capacity aside.

The optimiser leaves the baseline at the force the willing nations can hold; the tool exists
for the full requirement, so the benchmark also runs that. This allocation is the experiment's
stand-in rule (``stand_in_allocation``): every capability's ``required_units`` split among the
eligible nations in proportion to their land forces (largest remainders), whatever their
capacity: a load to measure, not a plan. ``python -m benchmarks.allocation_150k`` rewrites
``benchmarks/allocation_150k.csv`` from the scenario, so the file can always be regenerated.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from logistics_sim.scenario import Scenario

HERE = Path(__file__).resolve().parent
BASELINE = HERE.parent / "scenarios" / "ukraine_reassurance_150k.yaml"
ALLOCATION_150K = HERE / "allocation_150k.csv"


def full_force_allocation(scenario: Scenario) -> pd.DataFrame:
    """``nation, capability, units``: each capability's requirement over the eligible nations."""
    from logistics_sim.experiment import stand_in_allocation

    return stand_in_allocation(scenario).loc[:, ["nation", "capability", "units"]]


def main() -> None:
    """Rewrite benchmarks/allocation_150k.csv from the baseline scenario."""
    from logistics_sim import load_scenario

    frame = full_force_allocation(load_scenario(BASELINE))
    frame.to_csv(ALLOCATION_150K, index=False)
    print(f"written {ALLOCATION_150K}: {len(frame)} rows, {int(frame['units'].sum())} units")


if __name__ == "__main__":
    main()
