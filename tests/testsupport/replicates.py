"""Deterministic replicate functions in the engine contract's format, for experiment tests.

They stand in for ``logistics_sim.engine.model.run_replication`` so executors, resume and statistics
can be tested without the engine's cost. Each draws only from
``SeedSequence(base_seed, spawn_key=(replication,))``, exactly as the engine must, so any
dependence on executor or order would show up as a difference between runs. They live in an
importable module (not a test file) because worker processes unpickle them by name.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from logistics_sim.experiment import seed_sequence
from logistics_sim.runfolder import DAILY_COLUMNS
from logistics_sim.scenario import Scenario


@dataclass(frozen=True)
class FakeResult:
    """Same fields as model.ReplicationResult."""

    replication: int
    daily: pd.DataFrame
    events: int


def fake_replicate(
    scenario: Scenario, allocation: pd.DataFrame, base_seed: int, replication: int
) -> FakeResult:
    """Random daily series per nation/sector/capability, supply and nodes, plus closures."""
    rng = np.random.default_rng(seed_sequence(base_seed, replication))
    days = np.arange(scenario.horizon_days, dtype="int32")
    rows: list[tuple] = []
    sectors = [s.id for s in scenario.force.sectors]
    for _, alloc in allocation.sort_values(["nation", "capability"]).iterrows():
        pax = scenario.capability(alloc["capability"]).personnel_per_unit_pax * alloc["units"]
        for sector in sectors:
            level = pax / len(sectors) * np.minimum(1.0, (days + 1) / 20.0)
            values = level * rng.uniform(0.9, 1.0, days.size)
            rows += [
                ("deployed_pax", alloc["nation"], sector, alloc["capability"], "", "", d, v)
                for d, v in zip(days, values, strict=True)
            ]
            gaps = rng.poisson(0.05, days.size).astype(float)
            rows += [
                ("gapped_slots", alloc["nation"], sector, alloc["capability"], "", "", d, v)
                for d, v in zip(days, gaps, strict=True)
            ]
    for sector in sectors:
        for supply_class in ("I", "III"):
            demand = rng.uniform(50.0, 60.0, days.size)
            consumed = demand * rng.uniform(0.9, 1.0, days.size)
            for metric, series in (
                ("demand_t", demand),
                ("consumed_t", consumed),
                ("delivered_t", consumed * rng.uniform(0.95, 1.05, days.size)),
                ("shortfall_t", demand - consumed),
                ("days_of_supply", rng.uniform(2.0, 10.0, days.size)),
            ):
                rows += [
                    (metric, "", sector, "", supply_class, "", d, v)
                    for d, v in zip(days, series, strict=True)
                ]
    for node in ("PRZ", "RZE"):
        util = rng.uniform(0.3, 0.9, days.size)
        rows += [
            ("node_utilisation", "", "", "", "", node, d, v)
            for d, v in zip(days, util, strict=True)
        ]
    closure = rng.uniform(10.0, 30.0)
    rows.append(("initial_deployment_closure_days", "", "", "", "", "", -1, closure))
    reached = rng.uniform() < 0.8
    reinf = rng.uniform(10.0, 25.0) if reached else np.nan
    rows.append(("reinforcement_closure_days", "", "east", "", "", "", -1, reinf))
    rows.append(
        ("reinforcement_on_time", "", "east", "", "", "", -1, float(reached and reinf <= 20))
    )
    frame = pd.DataFrame(
        rows,
        columns=[
            "metric",
            "nation",
            "sector",
            "capability",
            "supply_class",
            "node",
            "day",
            "value",
        ],
    )
    frame.insert(0, "replication", replication)
    frame = frame[list(DAILY_COLUMNS)]
    return FakeResult(replication, frame, events=len(frame))


def failing_replicate(
    scenario: Scenario, allocation: pd.DataFrame, base_seed: int, replication: int
) -> FakeResult:
    """As fake_replicate, but replication 3 raises (a model bug in one replication)."""
    if replication == 3:
        raise RuntimeError("boom in replication 3")
    return fake_replicate(scenario, allocation, base_seed, replication)


def dying_replicate(
    scenario: Scenario, allocation: pd.DataFrame, base_seed: int, replication: int
) -> FakeResult:
    """As fake_replicate, but replication 2 kills its own worker process (as an OOM kill does)."""
    if replication == 2:
        os._exit(137)
    return fake_replicate(scenario, allocation, base_seed, replication)


def slow_replicate(
    scenario: Scenario, allocation: pd.DataFrame, base_seed: int, replication: int
) -> FakeResult:
    """As fake_replicate, taking a quarter of a second (time to kill a run half-way)."""
    time.sleep(0.25)
    return fake_replicate(scenario, allocation, base_seed, replication)
