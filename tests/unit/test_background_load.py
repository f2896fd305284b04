"""Background load: others' traffic takes a share of shared nodes; the force gets the rest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import simpy

from logistics_sim import Scenario, load_scenario
from logistics_sim.engine.model import run_replication
from logistics_sim.engine.network import LocNetwork
from logistics_sim.engine.recording import Recorder
from logistics_sim.metrics import replication_metrics
from logistics_sim.scenario import Mode
from logistics_sim.validation import check_background_load_targets

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny.yaml"
BASELINE = ROOT / "scenarios" / "ukraine_reassurance_150k.yaml"
FULL_FORCE = ROOT / "benchmarks" / "allocation_150k.csv"


def with_background(scenario: Scenario, share: float, targets: tuple[str, ...] = ()) -> Scenario:
    data = scenario.model_dump()
    data["network"]["background_load"] = {
        "share": {"kind": "fixed", "value": share},
        "targets": list(targets),
        "assumption": "test",
    }
    return Scenario.model_validate(data)


def handling_through_prz(scenario: Scenario) -> float:
    """Days one train from the British home base to DEPOT_W takes (it is handled at PRZ)."""
    data = scenario.model_dump()
    for node in data["network"]["nodes"]:
        if node["id"] == "PRZ":
            node["handling_days"] = {"kind": "fixed", "value": 0.5}
    scenario = Scenario.model_validate(data)
    env = simpy.Environment()
    net = LocNetwork(env, scenario, np.random.default_rng(0), Recorder(5), np.random.default_rng(1))
    route = net.route("HOME_GBR", "DEPOT_W", {Mode.rail})
    assert route is not None and "PRZ" in route.nodes
    proc = env.process(net.move(route))
    env.run(proc)
    return float(proc.value.days)


def test_half_the_capacity_taken_doubles_the_forces_handling_at_a_yard() -> None:
    tiny = load_scenario(TINY)
    alone = handling_through_prz(tiny)
    shared = handling_through_prz(with_background(tiny, 0.5))  # PRZ is a transshipment yard
    assert shared - alone == pytest.approx(0.5, abs=1e-12)  # 0.5 d handling becomes 1.0 d
    elsewhere = handling_through_prz(with_background(tiny, 0.5, targets=("RZE",)))
    assert elsewhere == pytest.approx(alone, abs=1e-12)


def test_a_target_that_is_not_a_node_is_an_error() -> None:
    findings = list(
        check_background_load_targets(with_background(load_scenario(TINY), 0.5, ("NOPE",)))
    )
    assert [f.message for f in findings] == ["background load target 'NOPE' is not a node"]


@pytest.mark.slow
def test_half_of_every_crossing_taken_lowers_supply_of_the_full_150k() -> None:
    """The full 150,000, two replications with common random numbers: with half of every
    crossing and yard taken by Ukraine's own traffic, the force's supply is worse in each."""
    baseline = load_scenario(BASELINE)
    allocation = pd.read_csv(FULL_FORCE)
    free, shared = with_background(baseline, 0.0), with_background(baseline, 0.5)
    for rep in range(2):
        a = replication_metrics(run_replication(free, allocation, 1, rep).daily, free)
        b = replication_metrics(run_replication(shared, allocation, 1, rep).daily, shared)
        assert b["fill_rate"] < a["fill_rate"]
        assert b["min_days_of_supply"] < a["min_days_of_supply"]
        assert b["max_node_utilisation"] > a["max_node_utilisation"]
