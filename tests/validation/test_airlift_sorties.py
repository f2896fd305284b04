"""Case 13: troops flown in waves of sorties by a finite fleet, timed by hand; and by ground
when there are no aircraft."""

from __future__ import annotations

import math
from collections.abc import Generator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import simpy

from logistics_sim import Scenario, load_scenario
from logistics_sim.engine.airlift import Airlift
from logistics_sim.engine.network import LocNetwork
from logistics_sim.engine.recording import Recorder
from logistics_sim.rules.routes import Route
from logistics_sim.scenario import Mode

pytestmark = [pytest.mark.validation]

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny.yaml"
LOAD, UNLOAD = 0.1, 0.05


def case(aircraft: int) -> Scenario:
    """tiny with no handling anywhere and ``aircraft`` aircraft of 116 troops (0: no fleet)."""
    data = load_scenario(TINY).model_dump()
    for node in data["network"]["nodes"]:
        node["handling_days"] = {"kind": "fixed", "value": 0.0}
    data["rotation"]["personnel_by_airlift"] = True
    if aircraft:
        data["sustainment"]["fleets"] = [
            *data["sustainment"]["fleets"],
            {
                "id": "lift",
                "mode": "air",
                "count": aircraft,
                "payload_t": 37.0,
                "payload_pax": 116,
                "load_days": LOAD,
                "unload_days": UNLOAD,
                "speed_kph": 700.0,
                "base_node": "HOME_GBR",
                "assumption": "validation case",
            },
        ]
    return Scenario.model_validate(data)


def lift(scenario: Scenario, pax: int) -> tuple[float, Airlift]:
    """Days to move ``pax`` troops HOME_GBR -> DEPOT_W over air and road."""
    env = simpy.Environment()
    rec = Recorder(30)
    net = LocNetwork(env, scenario, np.random.default_rng(0), rec)
    airlift = Airlift(env, scenario, net, np.random.default_rng(1), rec)
    route = net.route("HOME_GBR", "DEPOT_W", {Mode.air, Mode.road})
    assert route is not None

    def move_leg(r: Route, modes: Any, priority: int) -> Generator[simpy.Event, Any, None]:
        yield from net.move(r, priority=priority, modes=modes)

    proc = env.process(airlift.move_personnel(route, pax, 1, frozenset(), move_leg))
    env.run(proc)
    return float(env.now), airlift


def test_case13_six_sorties_on_two_aircraft_fly_in_three_waves() -> None:
    """600 troops, 116 per sortie: 6 sorties; 2 aircraft: 3 waves. Air leg a = 1,700 km at
    700 kph = 0.1012 d; an aircraft's cycle = load + a + unload + a (flying back empty). The
    last wave lands and unloads at 2 x cycle + load + a + unload; the troops then drive
    180 km at 40 kph (0.1875 d) from the air hub to DEPOT_W."""
    air = 1700 / 700 / 24
    cycle = LOAD + air + UNLOAD + air
    expected = 2 * cycle + LOAD + air + UNLOAD + 180 / 40 / 24
    days, airlift = lift(case(2), 600)
    assert days == pytest.approx(expected, abs=1e-9)
    assert (airlift.sorties, airlift.pax_flown, airlift.ground_pax) == (6, 600, 0)
    more, _ = lift(case(6), 600)  # one wave
    assert more == pytest.approx(LOAD + air + UNLOAD + 180 / 40 / 24, abs=1e-9)


def test_case13_without_aircraft_the_troops_go_by_ground() -> None:
    """No aircraft: the ground route from the home base, rail 2,000 km at 12 kph to the
    yard, then rail 90 km at 20 kph to DEPOT_W."""
    days, airlift = lift(case(0), 600)
    assert days == pytest.approx((2000 / 12 + 90 / 20) / 24, abs=1e-9)
    assert (airlift.sorties, airlift.ground_pax) == (0, 600)
    assert math.isfinite(days)
