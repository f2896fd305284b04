"""The allocation a run simulates when it is given, not optimised: a CSV file or a stand-in.

The optimiser's answer reaches a run from ``logistics_sim.pipeline``, as a typed
``AllocationResult`` in an ``AllocationChoice``; this layer never calls the optimiser.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from logistics_sim.rules.eligibility import eligible_nations
from logistics_sim.scenario import Scenario
from optimisation.result import AllocationResult


class AllocationFileError(ValueError):
    """An ``--allocation`` CSV that is missing or lacks the columns the model needs."""


@dataclass(frozen=True)
class AllocationChoice:
    """The allocation simulated, where it came from, and the optimiser's result if any."""

    allocation: pd.DataFrame
    source: str
    optimisation: AllocationResult | None = None


def stand_in_allocation(scenario: Scenario) -> pd.DataFrame:
    """Required units of each capability split among eligible nations by land forces.

    An allocation that needs no solver (examples, tests of the run machinery); it keeps no
    national limit. Largest-remainder rounding keeps each capability's total equal to its
    requirement; with no eligible nation, every participating one shares.
    """
    eligible = eligible_nations(scenario) or [n for n in scenario.nations if n.participates]
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


def allocation_from_csv(scenario: Scenario, allocation_csv: Path) -> AllocationChoice:
    """``--allocation FILE``: its rows, checked against the scenario's nations and types."""
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
