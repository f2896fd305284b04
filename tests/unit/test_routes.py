"""Route planning (rules.routes): the one rule the engine, validation and the optimiser use.

The rule on home nodes: a route may start or end at one, never pass through another. Tiny's
network: HOME_GBR and HOME_FRA reach RZE by air and PRZ by rail; PRZ reaches both depots by
rail, RZE reaches DEPOT_W by road, and DEPOT_W reaches DEPOT_E by road.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import simpy

from logistics_sim import load_scenario
from logistics_sim import validation as v
from logistics_sim.engine.force import Slot
from logistics_sim.engine.network import LocNetwork
from logistics_sim.engine.recording import Recorder
from logistics_sim.engine.rotation import pool_sizes
from logistics_sim.rules import rotation_math
from logistics_sim.rules.routes import RoutePlanner, planned_route
from logistics_sim.scenario import Mode, Scenario
from optimisation.instance import build_instance

Make = Callable[[Callable[[Mapping], object]], Scenario]
DAY = 24.0
TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny.yaml"


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario(TINY)


def french_rail_only_through_britain(m: Mapping) -> None:
    """FRA loses its own rail line to PRZ and gains one to the British home base instead."""
    links = [x for x in m["network"]["links"] if x["id"] != "L_FRA_PRZ_RAIL"]
    links.append(
        {
            "id": "L_FRA_GBR_RAIL",
            "from_node": "HOME_FRA",
            "to_node": "HOME_GBR",
            "mode": "rail",
            "distance_km": 900,
            "speed_kph": 12,
            "assumption": "test",
        }
    )
    m["network"]["links"] = links


def test_a_route_never_passes_through_another_home_node(tiny_with: Make) -> None:
    s = tiny_with(french_rail_only_through_britain)
    planner = RoutePlanner(s)
    # HOME_FRA -rail- HOME_GBR -rail- PRZ exists as track, but crosses Britain's home base
    assert planner.route("HOME_FRA", "PRZ", {Mode.rail}) is None
    assert planner.route("HOME_FRA", "DEPOT_W", {Mode.rail, Mode.road}) is None
    # a home node may still be where a route starts or ends
    to_britain = planner.route("HOME_FRA", "HOME_GBR", {Mode.rail})
    assert to_britain is not None and to_britain.links == ("L_FRA_GBR_RAIL",)
    assert to_britain.planned_days == pytest.approx(900 / (12 * DAY))


def test_validation_warns_exactly_where_the_engine_finds_no_route(tiny_with: Make) -> None:
    s = tiny_with(french_rail_only_through_britain)
    found = [f.message for f in v.check_home_nodes_reach_depots(s)]
    planner = RoutePlanner(s)
    for depot in ("DEPOT_W", "DEPOT_E"):
        assert planner.unit_legs("mech_inf", "HOME_FRA", depot) is None  # equipment by rail
        assert planner.unit_legs("mech_inf", "HOME_GBR", depot) is not None
    assert found == [
        f"FRA: no route for equipment from 'HOME_FRA' to sector '{sector}' depot '{depot}' by "
        "rail, alone or with road legs, without passing through another home node"
        for sector, depot in (("west", "DEPOT_W"), ("east", "DEPOT_E"))
    ]


def test_leg_falls_back_to_road_only_where_its_mode_does_not_reach(tiny: Scenario) -> None:
    planner = RoutePlanner(tiny)
    rail, modes = planner.leg("HOME_GBR", "DEPOT_E", Mode.rail)
    assert rail is not None and rail.nodes == ("HOME_GBR", "PRZ", "DEPOT_E")
    assert modes == {Mode.rail, Mode.road}
    air, _ = planner.leg("HOME_GBR", "DEPOT_W", Mode.air)  # no air link into a depot
    assert air is not None and air.nodes == ("HOME_GBR", "RZE", "DEPOT_W")
    assert planner.route("HOME_GBR", "DEPOT_W", {Mode.air}) is None


def test_unit_transit_is_the_slower_leg_to_the_farthest_depot(tiny: Scenario) -> None:
    planner = RoutePlanner(tiny)
    rot = tiny.rotation
    by_depot = {}
    for depot in ("DEPOT_W", "DEPOT_E"):
        personnel = planned_route(tiny, "HOME_GBR", depot, {rot.personnel_mode}) or planned_route(
            tiny, "HOME_GBR", depot, {rot.personnel_mode, Mode.road}
        )
        equipment = planned_route(tiny, "HOME_GBR", depot, {rot.equipment_mode})
        assert personnel is not None and equipment is not None
        by_depot[depot] = max(personnel.planned_days, equipment.planned_days)
    assert planner.unit_transit_days("mech_inf", "HOME_GBR", ["DEPOT_W"]) == pytest.approx(
        by_depot["DEPOT_W"]
    )
    both = planner.unit_transit_days("mech_inf", "HOME_GBR", ["DEPOT_W", "DEPOT_E"])
    assert (
        both == pytest.approx(max(by_depot.values())) and by_depot["DEPOT_E"] > by_depot["DEPOT_W"]
    )
    assert planner.unit_transit_days("mech_inf", "HOME_GBR", ["NOWHERE"]) is None


def test_engine_and_optimiser_take_the_pool_transit_from_one_rule(tiny: Scenario) -> None:
    """The optimiser's τ is the engine's for a nation whose units serve in every sector."""
    instance = build_instance(tiny)
    gbr = next(n for n in instance.nations if n.code == "GBR")
    planner = RoutePlanner(tiny)
    depots = [s.forward_depot for s in tiny.force.sectors]
    for cap in tiny.force.capabilities:
        tau = planner.unit_transit_days(cap.id, "HOME_GBR", depots)
        assert gbr.capability_transit_days.get(cap.id, gbr.transit_days) == pytest.approx(tau)
    slots = [
        Slot("GBR", "mech_inf", sector.id, sector.forward_depot, i)
        for i, sector in enumerate(tiny.force.sectors)
    ]
    network = LocNetwork(simpy.Environment(), tiny, np.random.default_rng(0), Recorder(1))
    pools = pool_sizes(tiny, network, slots, pd.DataFrame(columns=["nation", "capability"]))
    tour, dwell, overlap = gbr.tour_days, gbr.dwell_ratio, gbr.overlap_days
    tau = gbr.capability_transit_days.get("mech_inf", gbr.transit_days)
    multiplier = rotation_math.pool_multiplier(tour, dwell, overlap, tau)
    assert pools[("GBR", "mech_inf")] == rotation_math.pool_units_staggered(2, multiplier)
