"""The allocation a run simulates: a file, the optimiser's, or the labelled stand-in."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from logistics_sim.scenario import Scenario

STAND_IN_LABEL = (
    "stand-in allocation (optimisation package not installed): each capability's required "
    "units split among eligible participating nations in proportion to their land forces"
)


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
