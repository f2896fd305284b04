"""Force state: slots spread over sectors by hand, unit bookkeeping conserves pax."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from logistics_sim import Scenario, load_scenario
from logistics_sim.engine.force import (
    ForceState,
    UnitState,
    allocation_units,
    build_slots,
    largest_remainder,
    sector_slot_counts,
)

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny.yaml"


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario(TINY)


def test_largest_remainder_by_hand() -> None:
    # 7 over weights 1:1:1 -> quotas 2.33 each -> 2,2,2 and the one left to the first
    assert largest_remainder(7, [1, 1, 1]) == [3, 2, 2]
    # 10 over 5:3:2 exact
    assert largest_remainder(10, [5, 3, 2]) == [5, 3, 2]
    # 4 over 0.5:0.3:0.2 -> quotas 2.0, 1.2, 0.8 -> 2,1,0 + one to the 0.8 remainder
    assert largest_remainder(4, [0.5, 0.3, 0.2]) == [2, 1, 1]
    assert largest_remainder(3, [0, 0]) == [2, 1]
    assert largest_remainder(0, [1, 2]) == [0, 0]


def test_slots_follow_sector_troops_or_sector_allocation(tiny: Scenario) -> None:
    assert sector_slot_counts(tiny, "mech_inf", 5) == {"west": 3, "east": 2}
    data = tiny.model_dump()
    data["force"]["sector_allocation"] = {"west": {"mech_inf": 1}, "east": {"mech_inf": 3}}
    sc = Scenario.model_validate(data)
    assert sector_slot_counts(sc, "mech_inf", 4) == {"west": 1, "east": 3}


def test_build_slots_larger_contributor_first(tiny: Scenario) -> None:
    alloc = pd.DataFrame(
        {
            "nation": ["FRA", "GBR", "GBR"],
            "capability": ["mech_inf", "mech_inf", "x"],
            "units": [1, 3, 0],
        }
    )
    groups = allocation_units(alloc)
    assert groups == {("FRA", "mech_inf"): 1, ("GBR", "mech_inf"): 3}
    slots = build_slots(tiny, groups)
    # 4 slots -> west 2, east 2; GBR (3) fills west, west, east; FRA takes the last east
    assert [(s.nation, s.sector, s.index) for s in slots] == [
        ("GBR", "west", 0),
        ("GBR", "west", 1),
        ("GBR", "east", 2),
        ("FRA", "east", 0),
    ]
    assert {s.depot for s in slots} == {"DEPOT_W", "DEPOT_E"}


def test_state_changes_keep_counters_consistent(tiny: Scenario) -> None:
    force = ForceState.build(tiny, {("GBR", "mech_inf"): 2}, {("GBR", "mech_inf"): 3})
    key = ("GBR", "mech_inf")
    unit = force.pools[key][0]
    slot = force.slots[0]
    assert force.pool_pax(key) == 1800
    force.depart(unit)
    force.arrive(unit, slot, 4.0)
    assert force.units_in_state[key] == {
        UnitState.at_home: 2,
        UnitState.in_transit: 0,
        UnitState.deployed: 1,
    }
    assert force.deployed_pax_by_sector() == {"west": 600, "east": 0}
    assert force.deployed_pax_by_sector_capability() == {
        ("west", "mech_inf"): 600,
        ("east", "mech_inf"): 0,
    }
    assert [s.gapped for s in force.slots] == [False, True]
    force.leave(unit)
    assert force.total_deployed_pax == 0 and unit.state is UnitState.in_transit
    force.reach_home(unit)
    assert force.units_in_state[key][UnitState.at_home] == 3
    with pytest.raises(ValueError):
        force.leave(unit)


def test_allocation_with_unknown_nation_or_capability_is_refused(tiny: Scenario) -> None:
    bad_nation = pd.DataFrame({"nation": ["XXX"], "capability": ["mech_inf"], "units": [1]})
    bad_cap = pd.DataFrame({"nation": ["GBR"], "capability": ["cavalry"], "units": [1]})
    with pytest.raises(ValueError, match="XXX"):
        allocation_units(bad_nation, tiny)
    with pytest.raises(ValueError, match="cavalry"):
        allocation_units(bad_cap, tiny)
