"""A small but realistic run folder for the report tests.

Why synthetic: the report must be testable on every section (supply, reinforcement, optimiser
limits, sweeps) whatever the engine and optimiser currently produce. The daily frames follow
docs/engine_contract.md, and summary.json is computed by the real metrics and verdict code, so
the fixture cannot drift from the run folder format without tests/unit/test_report_fixture.py
failing.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from logistics_sim import runfolder as rf
from logistics_sim.experiment import build_summary, stand_in_allocation
from logistics_sim.experiment.cost import cost_block
from logistics_sim.loading import load_scenario
from logistics_sim.metrics import metrics_frame, replication_metrics
from logistics_sim.scenario import Objective, Scenario
from optimisation.result import (
    ALLOCATION_COLUMNS,
    AllocationResult,
    Diagnosis,
    NationBurden,
    Status,
    allocation_from_rows,
)

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "scenarios" / "tiny.yaml"
NODES = {"PRZ": (0.72, 0.6), "RZE": (0.31, 0.1)}  # mean utilisation, mean wait days
CLASSES = ("I", "III", "V")
TRIGGER_DAY = 60


def tiny_scenario(**updates: Any) -> Scenario:
    """The tiny scenario, with top-level fields replaced (e.g. a hostile description)."""
    scenario = load_scenario(TINY)
    return scenario.model_copy(update=updates) if updates else scenario


def _rows(metric: str, days: np.ndarray, values: np.ndarray, **dims: str) -> pd.DataFrame:
    """Contract rows of one metric over days for one combination of dimensions."""
    return pd.DataFrame(
        {
            "day": days.astype("int32"),
            "metric": metric,
            "nation": dims.get("nation", ""),
            "sector": dims.get("sector", ""),
            "capability": dims.get("capability", ""),
            "supply_class": dims.get("supply_class", ""),
            "node": dims.get("node", ""),
            "value": values.astype("float64"),
        }
    )


def synthetic_daily(
    scenario: Scenario,
    allocation: pd.DataFrame,
    replication: int,
    *,
    supply: bool = True,
    closes: bool = True,
) -> pd.DataFrame:
    """One replication's tidy daily frame: build-up, supply dip in the east, a reinforcement."""
    rng = np.random.default_rng(1000 + replication)
    horizon = scenario.horizon_days
    days = np.arange(horizon)
    sectors = [s.id for s in scenario.force.sectors]
    parts = []
    ramp = np.clip((days - 4) / (6 + replication), 0, 1)
    for row in allocation.itertuples(index=False):
        for sector in sectors:
            pax = row.personnel_deployed / len(sectors)
            noise = 1 + 0.01 * rng.standard_normal(horizon)
            parts.append(
                _rows(
                    "deployed_pax",
                    days,
                    np.round(pax * ramp * noise),
                    nation=row.nation,
                    sector=sector,
                    capability=row.capability,
                )
            )
    if supply:
        for sector in sectors:
            for cls in CLASSES:
                dos = 9 + rng.standard_normal(horizon) * 0.5
                if sector == "east" and cls == "V":
                    dos -= 8.5 * np.exp(-(((days - 70) / 6.0) ** 2))
                dos = np.clip(dos, 0, None)
                demand = np.full(horizon, 20.0)
                short = np.where(dos < 1.0, 5.0, 0.0)
                dims = {"sector": sector, "supply_class": cls}
                parts += [
                    _rows("days_of_supply", days, dos, **dims),
                    _rows("stock_t", days, dos * demand, **dims),
                    _rows("demand_t", days, demand, **dims),
                    _rows("consumed_t", days, demand - short, **dims),
                    _rows("shortfall_t", days, short, **dims),
                    _rows("delivered_t", days, demand, **dims),
                ]
    for node, (util, wait) in NODES.items():
        u = np.clip(util + 0.08 * rng.standard_normal(horizon), 0, 1)
        w = np.clip(wait + 0.05 * rng.standard_normal(horizon), 0, None)
        parts += [
            _rows("node_utilisation", days, u, node=node),
            _rows("node_wait_days", days, w, node=node),
        ]
    closure = 12.0 + 2 * replication if closes or replication != 0 else math.nan
    needed = 1200.0
    since = days + 1 - TRIGGER_DAY
    arrived = np.where(
        since < 0, 0.0, needed * np.clip(since / (closure if closes else 40.0), 0, 1)
    )
    if not closes and replication == 0:
        arrived = np.minimum(arrived, 600.0)
    parts.append(_rows("reinforcement_arrived_pax", days, arrived, sector="east"))
    whole = [
        ("initial_deployment_closure_days", 10.0 + replication, ""),
        ("reinforcement_trigger_day", float(TRIGGER_DAY), "east"),
        ("reinforcement_closure_days", closure, "east"),
    ]
    if not math.isnan(closure):
        whole.append(("reinforcement_on_time", float(closure <= 20), "east"))
    else:
        whole.append(("reinforcement_on_time", 0.0, "east"))
    for metric, value, sector in whole:
        parts.append(_rows(metric, np.array([-1]), np.array([value]), sector=sector))
    frame = pd.concat(parts, ignore_index=True)
    frame.insert(0, "replication", np.int32(replication))
    return rf.normalise_daily(frame)


#: Fair shares the fixture's optimiser records: no key gives them, so a report that shows them
#: read them from optimisation.json rather than recomputing.
FIXTURE_FAIR_SHARES = {"GBR": 0.62, "FRA": 0.38}


def _result_of(allocation: pd.DataFrame, status: Status) -> AllocationResult:
    """An optimiser result for the fixture's allocation (pool units as committed, no rotation)."""
    frame = allocation.assign(pool_units=allocation["units"])
    rows = frame[list(ALLOCATION_COLUMNS)].to_dict(orient="records")
    by = allocation.groupby("nation")["personnel_deployed"].sum()
    total = float(by.sum())
    burden = tuple(
        NationBurden(
            nation=code,
            eligible=True,
            fair_share=share,
            home_defence_floor=0.5,
            troops_deployed_pax=float(by.get(code, 0.0)),
            pool_committed_pax=float(by.get(code, 0.0)),
            share_of_land_forces=0.1,
            actual_share=float(by.get(code, 0.0)) / total,
            deviation_pax=float(by.get(code, 0.0)) - share * total,
            capacity_used=0.2,
            rotation_multiplier=3.0,
            cost=1.0,
        )
        for code, share in FIXTURE_FAIR_SHARES.items()
    )
    return AllocationResult(
        status=status,
        objective=Objective.min_max_deviation,
        objective_value=0.021,
        bound=0.021,
        gap=0.0,
        solve_time_s=0.5,
        allocation=allocation_from_rows(rows),
        burden=burden,
        largest_force_share=1.0,
    )


def feasible_optimisation(allocation: pd.DataFrame) -> AllocationResult:
    """The optimiser's result for a feasible plan."""
    return dataclasses.replace(
        _result_of(allocation, Status.optimal),
        binding_limits=(
            "GBR: home-defence floor — 50% of 82,500 land forces must stay home",
            "artillery: every willing nation's artillery is committed",
        ),
    )


def infeasible_optimisation(allocation: pd.DataFrame) -> AllocationResult:
    """The optimiser's result for a requirement the nations cannot meet: the largest force."""
    largest = dataclasses.replace(
        _result_of(allocation, Status.optimal),
        objective=Objective.largest_force,
        largest_force_share=0.75,
    )
    return dataclasses.replace(
        largest,
        status=Status.infeasible,
        objective=Objective.min_max_deviation,
        objective_value=math.nan,
        largest_sustainable_force=largest,
        diagnosis=Diagnosis(
            conflicting_limits=(
                "mech_inf: 4 battalions required; willing nations can sustain 3 with their "
                "rotation rules",
            ),
            shortfall_by_capability={"mech_inf": 1},
        ),
    )


def make_run_folder(
    folder: Path,
    *,
    replications: int = 4,
    infeasible: bool = False,
    supply: bool = True,
    closes: bool = True,
    optimisation: bool = True,
    sweep: bool = False,
    **scenario_updates: Any,
) -> Path:
    """Write a complete run folder (docs/architecture.md) from synthetic replications; return it."""
    scenario = tiny_scenario(**scenario_updates)
    allocation = stand_in_allocation(scenario)
    if infeasible:  # the largest sustainable force: one mechanised battalion fewer
        first = allocation.index[allocation["capability"] == "mech_inf"][0]
        allocation.loc[first, "units"] -= 1
        for col in ("personnel_deployed", "personnel_committed"):
            allocation.loc[first, col] -= 600
    folder.mkdir(parents=True, exist_ok=True)
    rf.write_scenario_yaml(folder / "scenario.resolved.yaml", scenario)
    result = None
    if optimisation:
        make = infeasible_optimisation if infeasible else feasible_optimisation
        result = make(allocation)
    rf.write_allocation_files(folder, allocation, result)
    per_rep = []
    for r in range(replications):
        daily = synthetic_daily(scenario, allocation, r, supply=supply, closes=closes)
        rf.write_replication(folder, r, daily)
        per_rep.append((r, replication_metrics(daily, scenario)))
    summary = build_summary(scenario, metrics_frame(per_rep), 7, [])
    summary["cost"] = cost_block(scenario, allocation)  # as experiment.run adds it
    rf.write_json_atomic(folder / rf.SUMMARY, summary)
    rf.write_bytes_atomic(  # as a real run writes it
        folder / "replication_metrics.csv",
        metrics_frame(per_rep).to_csv(lineterminator="\n", float_format="%.17g").encode(),
    )
    manifest = {
        "scenario": scenario.name,
        "scenario_sha256": rf.scenario_sha256(scenario),
        "allocation_sha256": rf.allocation_sha256(allocation),
        "allocation_source": (
            "file: test"
            if not optimisation
            else "optimiser: largest sustainable force"
            if infeasible
            else "optimiser (optimal)"
        ),
        "base_seed": 7,
        "seeds": "numpy SeedSequence(base_seed, spawn_key=(replication,))",
        "replications_planned": replications,
        "replications_done": replications,
        "failed_replications": {},
        "executor": "sequential",
        "versions": {"logistics_sim": "0.1.0", "python": "3.11", "simpy": "4.1.2"},
        "command_line": "logistics-sim report scenarios/tiny.yaml",
    }
    rf.write_json_atomic(folder / rf.MANIFEST, manifest)
    if sweep:
        rows = []
        for variant, (path, value, diff) in enumerate(
            [
                ("", "", 0.0),
                ("rotation.dwell_ratio", 3, -120.0),
                ("rotation.dwell_ratio", 1, 40.0),
                ("rotation.tour_days", 90, 15.0),
            ]
        ):
            rows.append(
                {
                    "variant": variant,
                    "rotation.dwell_ratio": value if path == "rotation.dwell_ratio" else "",
                    "rotation.tour_days": value if path == "rotation.tour_days" else "",
                    "varied": path or "baseline",
                    "settings": f"{path}={value}" if path else "baseline",
                    "metric": "deployed_strength_mean_pax",
                    "unit": "pax",
                    "n": replications,
                    "mean": 3100 + diff,
                    "ci_low": 3050 + diff,
                    "ci_high": 3150 + diff,
                    "diff_vs_baseline": diff,
                    "diff_ci_low": diff - 10,
                    "diff_ci_high": diff + 10,
                    "verdict": "FEASIBLE",
                }
            )
        pd.DataFrame(rows).to_csv(folder / "sweep.csv", index=False)
    return folder
