"""The one time unit of the model (days), unit conversions and shared constants.

Everything in the engine is measured in days (float), tonnes (t), personnel (pax),
kilometres (km) and kilometres per hour (kph); quantities carry the unit in their name.
"""

from __future__ import annotations

HOURS_PER_DAY = 24.0
DAYS_PER_YEAR = 365.0
KG_PER_T = 1000.0
KG_PER_LB = 0.4536
LITRES_PER_US_GALLON = 3.785
FUEL_DENSITY_KG_PER_L = 0.82  # JP-8/diesel; assumption stated in scenarios/data/sources.md


def transit_days(distance_km: float, speed_kph: float) -> float:
    """Days to cover ``distance_km`` at ``speed_kph`` (speed is the mean over the whole leg)."""
    return distance_km / (speed_kph * HOURS_PER_DAY)


def per_year_to_per_day(rate_per_year: float) -> float:
    """Convert an annual event rate to a daily one."""
    return rate_per_year / DAYS_PER_YEAR


def kg_to_t(kg: float) -> float:
    """Kilograms to metric tonnes."""
    return kg / KG_PER_T
