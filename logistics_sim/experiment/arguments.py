"""The arguments of a run, checked before anything is written (Python API and command line).

A wrong type is a ``TypeError`` naming the argument, a value out of bounds a
:class:`RunArgumentError` (exit 2 on the command line), and a run whose estimated work is
above the limits (``logistics_sim.limits``) is refused with the environment variable that
raises them, so no folder is made for a run that cannot start.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from logistics_sim import limits
from logistics_sim.allocation_file import checked_allocation
from logistics_sim.scenario import Scenario


class RunArgumentError(ValueError):
    """An argument of a run out of its bounds, or a run too large to start."""


def _whole(name: str, value: Any, low: int, high: int) -> int:
    """``value`` as a whole number in [low, high]; TypeError or RunArgumentError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number, got {type(value).__name__}")
    if not low <= value <= high:
        raise RunArgumentError(f"{name} must be between {low:,} and {high:,}, got {value:,}")
    return value


def checked_target(target_half_width: Any) -> float | None:
    """``target_half_width`` within TARGET_HALF_WIDTH_RANGE (None: a fixed number of runs)."""
    if target_half_width is None:
        return None
    if isinstance(target_half_width, bool) or not isinstance(target_half_width, int | float):
        raise TypeError(
            f"target_half_width must be a number, got {type(target_half_width).__name__}"
        )
    low, high = limits.TARGET_HALF_WIDTH_RANGE
    if not (math.isfinite(target_half_width) and low <= target_half_width <= high):
        raise RunArgumentError(
            f"target half-width must be between {low} and {high} (a share of the mean, or a "
            f"probability's half-width), got {target_half_width}"
        )
    return float(target_half_width)


def checked_scenario(scenario: Any) -> Scenario:
    """``scenario`` if it is a Scenario; a TypeError naming what was given otherwise."""
    if not isinstance(scenario, Scenario):
        raise TypeError(
            f"scenario must be a Scenario (from load_scenario), got {type(scenario).__name__}"
        )
    return scenario


def checked_run(
    scenario: Any,
    allocation: Any,
    replications: Any,
    seed: Any,
    jobs: Any,
    out: Any,
    target_half_width: Any,
    max_replications: Any,
) -> pd.DataFrame:
    """Check a run's arguments and its estimated work; returns the checked allocation."""
    scenario = checked_scenario(scenario)
    frame = checked_allocation(allocation, scenario)
    top = limits.REPLICATIONS.value()
    n = _whole("replications", replications, 1, top)
    _whole("seed", seed, 0, limits.MAX_SEED)
    _whole("jobs", jobs, 1, 1024)
    cap = _whole("max_replications", max_replications, 1, top)
    if out is not None and not isinstance(out, str | Path):
        raise TypeError(f"out must be a str or Path, got {type(out).__name__}")
    if isinstance(out, str) and not out.strip():
        raise RunArgumentError("the output folder is empty text; name a folder")
    target = checked_target(target_half_width)
    units = int(frame["units"].sum())
    work = run_work_message(units, scenario.horizon_days, max(n, cap) if target else n)
    if work:
        raise RunArgumentError(work)
    return frame


def run_work_message(units: int, horizon_days: int, replications: int) -> str | None:
    """One message when the run's estimated work is above the limits, else None."""
    problems = limits.run_work_problems(units, horizon_days, replications)
    if not problems:
        return None
    return (
        f"refused before starting: {units:,} units x {horizon_days:,} days x "
        f"{replications:,} replications: " + "; ".join(problems)
    )
