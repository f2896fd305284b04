"""Model assembly: seeds per subsystem, identical frames for a seed, the daily tick, events."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import simpy

from logistics_sim import Scenario, load_scenario
from logistics_sim.engine.model import (
    SUBSYSTEMS,
    build_model,
    run_replication,
    subsystem_rngs,
)
from logistics_sim.engine.recording import COLUMNS, Recorder

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny.yaml"
ALLOCATION = pd.DataFrame(
    {
        "nation": ["GBR", "FRA", "GBR", "FRA"],
        "capability": ["mech_inf", "mech_inf", "artillery", "artillery"],
        "units": [2, 2, 1, 1],
    }
)


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario(TINY)


def test_subsystem_rngs_follow_the_contract() -> None:
    rngs = subsystem_rngs(7, 3)
    assert tuple(rngs) == SUBSYSTEMS
    children = np.random.SeedSequence(7, spawn_key=(3,)).spawn(len(SUBSYSTEMS))
    for child, rng in zip(children, rngs.values(), strict=True):
        assert rng.random() == np.random.default_rng(child).random()
    # the background and airlift streams came last: the first six are those of six children
    first_six = np.random.SeedSequence(7, spawn_key=(3,)).spawn(6)
    assert [np.random.default_rng(c).random() for c in first_six] == [
        np.random.default_rng(c).random() for c in children[:6]
    ]
    # replications and subsystems get different streams
    assert subsystem_rngs(7, 4)["network"].random() != subsystem_rngs(7, 3)["network"].random()


def test_same_seed_identical_frames_other_seed_differs(tiny: Scenario) -> None:
    a = run_replication(tiny, ALLOCATION, base_seed=1, replication=0)
    b = run_replication(tiny, ALLOCATION, base_seed=1, replication=0)
    assert a.daily.equals(b.daily)
    assert a.daily.to_csv() == b.daily.to_csv()
    assert a.events == b.events
    # PRZ handling is exponential: equipment arrivals, hence node waits, depend on the seed
    c = run_replication(tiny, ALLOCATION, base_seed=2, replication=0)
    assert not a.daily.equals(c.daily)
    waits = [
        r.daily[(r.daily["metric"] == "node_utilisation") & (r.daily["node"] == "PRZ")][
            "value"
        ].to_numpy()
        for r in (a, c)
    ]
    assert not np.array_equal(waits[0], waits[1])


def test_frame_covers_every_day_and_dimension(tiny: Scenario) -> None:
    result = run_replication(tiny, ALLOCATION, base_seed=1, replication=5)
    daily = result.daily
    assert tuple(daily.columns) == COLUMNS
    assert (daily["replication"] == 5).all()
    deployed = daily[daily["metric"] == "deployed_pax"]
    # every (nation, sector, capability) holding slots has a row for each of the 120 days
    counts = deployed.groupby(["nation", "sector", "capability"]).size()
    assert (counts == tiny.horizon_days).all()
    assert set(deployed["day"]) == set(range(tiny.horizon_days))
    run = daily[daily["day"] == -1].set_index("metric")["value"]
    assert run["kernel_events"] == result.events > 0
    assert 0 < run["initial_deployment_closure_days"] < 20
    # the whole force (2x600 + 2x600 + 400 + 400 = 3200 = target) is in place after closure
    total = deployed.groupby("day")["value"].sum()
    closure_day = int(run["initial_deployment_closure_days"])
    assert (total[closure_day + 1 :] >= 3200).all()


def test_empty_allocation_runs_and_records_no_force(tiny: Scenario) -> None:
    empty = pd.DataFrame({"nation": [], "capability": [], "units": []})
    daily = run_replication(tiny, empty, base_seed=1, replication=0).daily
    assert (daily["metric"] == "deployed_pax").sum() == 0
    run = daily[daily["day"] == -1].set_index("metric")["value"]
    assert np.isnan(run["initial_deployment_closure_days"])


def test_capacity_factor_set_at_run_time_slows_the_gauge_change() -> None:
    """Disruption path: a strike leaves the gauge change a quarter of its capacity from t = 0.

    Six trains, six lines, 8 days each at full capacity: equipment arrives at 4 + 8 + 1 = 13.
    At factor 0.25 each handling takes 32 days: arrival at 4 + 32 + 1 = 37.
    """
    data = load_scenario(Path(__file__).resolve().parents[1] / "data" / "rotation_line.yaml")
    raw = data.model_dump()
    raw["horizon_days"] = 400
    raw["force"]["initial_state"] = "from_home"
    raw["force"]["target_deployed_pax"] = 3000
    raw["rotation"]["fall_in_on_equipment"] = False
    for node in raw["network"]["nodes"]:
        if node["id"] == "GAUGE":
            node.update(servers=6, handling_days=8.0)
    sc = Scenario.model_validate(raw)
    allocation = pd.DataFrame(
        {"nation": ["GBR"], "capability": ["inf"], "units": [6], "pool_units": [30]}
    )

    def closure_and_gaps(factor: float) -> tuple[float, float]:
        env = simpy.Environment()
        recorder = Recorder(sc.horizon_days)
        model = build_model(env, sc, allocation, subsystem_rngs(1, 0), recorder)
        model.network.set_factor("GAUGE", "strike", factor)
        assert model.tick is not None
        env.run(until=model.tick)
        model.finish()
        daily = recorder.frame(0)
        run = daily[daily["day"] == -1].set_index("metric")["value"]
        late = daily[
            (daily["day"] >= 40) & daily["metric"].isin(["gapped_slots", "extended_units"])
        ]
        return float(run["initial_deployment_closure_days"]), float(late["value"].sum())

    full_closure, full_late = closure_and_gaps(1.0)
    cut_closure, cut_late = closure_and_gaps(0.25)
    assert full_closure == 13.0 and full_late == 0.0
    assert cut_closure == 37.0 and cut_late > 0.0
