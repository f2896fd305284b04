"""The home-defence floor: the share of a nation's land forces that never leaves home.

A nation's own ``home_defence_floor`` overrides the scenario's ``rotation.home_defence_floor``;
what is left above the floor is all its rotation pools may hold.
"""

from __future__ import annotations

from logistics_sim.scenario import Nation, Scenario


def home_defence_floor(scenario: Scenario, nation: Nation) -> float:
    """The nation's floor (0..1): its own if given, else the scenario's default."""
    if nation.home_defence_floor is not None:
        return float(nation.home_defence_floor)
    return float(scenario.rotation.home_defence_floor)


def spare_pax(scenario: Scenario, nation: Nation) -> float:
    """Land forces above the floor (pax): the most its rotation pools may hold."""
    return nation.land_forces_pax * (1.0 - home_defence_floor(scenario, nation))
