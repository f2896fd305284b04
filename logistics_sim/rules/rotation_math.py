"""Steady-state rotation arithmetic shared by the simulation and the optimiser.

A unit spends ``tour_days`` (T) in theatre, relief-in-place overlap (O) included, travels home
(``transit_days``, τ), dwells ``dwell_ratio`` × T (r·T), and travels out again (τ). Its cycle is
C = T + r·T + 2τ, and it covers T − O days of a slot per cycle, so by Little's law one slot
ties up C / (T − O) units of a nation's pool when reliefs are evenly staggered.
"""

from __future__ import annotations

import math


def cycle_days(tour_days: float, dwell_ratio: float, transit_days: float) -> float:
    """Full cycle C = T + r·T + 2τ of one unit (days)."""
    return tour_days + dwell_ratio * tour_days + 2.0 * transit_days


def slot_cover_days(tour_days: float, overlap_days: float) -> float:
    """Days of a slot one tour covers, T − O (the overlap is shared with the relieved unit)."""
    return tour_days - overlap_days


def pool_multiplier(
    tour_days: float, dwell_ratio: float, overlap_days: float, transit_days: float
) -> float:
    """Units of pool tied up per permanently filled slot, C / (T − O)."""
    return cycle_days(tour_days, dwell_ratio, transit_days) / slot_cover_days(
        tour_days, overlap_days
    )


def pool_units_staggered(slots: int, multiplier: float) -> int:
    """Pool needed in steady state when reliefs are evenly staggered: ceil(S·C/(T−O))."""
    return math.ceil(slots * multiplier - 1e-9)


def pool_units_synchronised(slots: int, multiplier: float) -> int:
    """Pool needed when all S slots start their tours together: S·ceil(C/(T−O))."""
    return slots * math.ceil(multiplier - 1e-9)
