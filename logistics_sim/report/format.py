"""Numbers, shares, intervals and distributions as a reader sees them in the report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from logistics_sim.report.rundata import (
    is_nan,
)
from logistics_sim.scenario import (
    ExponentialDist,
    FixedDist,
    LognormalDist,
    TriangularDist,
    UniformDist,
)

VERDICT_WORDS = {"FEASIBLE": "FEASIBLE", "AT_RISK": "AT RISK", "INFEASIBLE": "INFEASIBLE"}


def num(value: Any, digits: int = 3) -> str:
    """A number for a reader: thousands separated, few significant digits, '—' when undefined."""
    if is_nan(value):
        return "—"
    v = float(value)
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if v == int(v) and abs(v) < 100:
        return f"{int(v)}"
    return f"{v:.{digits}g}"


def pct(value: Any) -> str:
    """A share as a percentage."""
    return "—" if is_nan(value) else f"{100 * float(value):.0f}%"


def interval(entry: Mapping[str, Any], digits: int = 3) -> str:
    """'mean [low, high]' for a summary entry (``digits`` significant digits below 100)."""
    mean, low, high = (num(entry.get(k), digits) for k in ("mean", "ci_low", "ci_high"))
    return f"{mean} [{low}, {high}]"


def pct_interval(entry: Mapping[str, Any]) -> str:
    """'mean% (low–high%)' for a share's summary entry, '—' when undefined."""
    if is_nan(entry.get("mean")):
        return "—"
    if is_nan(entry.get("ci_low")) or is_nan(entry.get("ci_high")):
        return pct(entry.get("mean"))
    return f"{pct(entry.get('mean'))} ({pct(entry.get('ci_low'))}–{pct(entry.get('ci_high'))})"


def dist_text(dist: Any) -> str:
    """A distribution in words."""
    if isinstance(dist, FixedDist):
        return num(dist.value)
    if isinstance(dist, ExponentialDist):
        return f"exponential, mean {num(dist.mean)}"
    if isinstance(dist, LognormalDist):
        return f"lognormal, mean {num(dist.mean)}, cv {num(dist.cv)}"
    if isinstance(dist, TriangularDist):
        return f"triangular {num(dist.low)}/{num(dist.mode)}/{num(dist.high)}"
    if isinstance(dist, UniformDist):
        return f"uniform {num(dist.low)}–{num(dist.high)}"
    return str(dist)
