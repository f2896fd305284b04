"""Case 10: troops and tonnes are conserved exactly, for random scenarios (hypothesis).

Troops: every day, for every (nation, capability), units deployed + in transit + at home = the
pool, and the same in personnel (pool × personnel per unit); reinforcements stay counted.
Tonnes: for every supply class, shipped = delivered + in transit at the end + lost; every day,
for every (sector, class), stock = initial + delivered to date − consumed to date, and demand =
consumed + shortfall (shortfalls below the engine's rounding threshold are recorded as 0).
Runs are variants of scenarios/tiny.yaml drawn by the project's property strategy
(tests/property/test_troop_conservation.py: rotation rules, start state, capacities, MOG,
reinforcement, allocation), plus random stock policy, fleet sizes and strikes on the
crossings, with sustainment on.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logistics_sim.engine.model import run_replication
from logistics_sim.engine.sustainment import SHORTFALL_ROUNDING_T
from logistics_sim.scenario import Scenario
from testsupport.validation_cases import REPO


def _property_strategy() -> Any:
    """The project's random-scenario strategy, from tests/property (loaded by path)."""
    path = REPO / "tests" / "property" / "test_troop_conservation.py"
    spec = importlib.util.spec_from_file_location("_troop_conservation_strategies", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.small_runs


small_runs = _property_strategy()

pytestmark = [pytest.mark.validation, pytest.mark.slow]


@st.composite
def supplied_runs(draw: st.DrawFn) -> tuple[Scenario, pd.DataFrame]:
    scenario, alloc = draw(small_runs())
    data: dict[str, Any] = scenario.model_dump()
    policy = data["sustainment"]["stock_policy"]
    policy["initial_days_of_supply"] = draw(st.floats(0, 15))
    policy["reorder_point_days"] = draw(st.floats(0, 10))
    policy["order_up_to_days"] = policy["reorder_point_days"] + draw(st.floats(0.5, 10))
    for fleet in data["sustainment"]["fleets"]:
        fleet["count"] = draw(st.integers(1, 6))
    if draw(st.booleans()):
        data["disruptions"]["scheduled"] = [
            {
                "target": draw(st.sampled_from(["PRZ", "RZE", "L_PRZ_W_RAIL", "L_RZE_W_ROAD"])),
                "start_day": draw(st.floats(0, 100)),
                "duration_days": {"kind": "exponential", "mean": draw(st.floats(1, 20))},
                "capacity_factor": draw(st.sampled_from([0.0, 0.5])),
            }
        ]
    return Scenario.model_validate(data), alloc


def series(days: pd.DataFrame, metric: str, key: list[str]) -> pd.Series:
    return days[days["metric"] == metric].groupby(key)["value"].sum()


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(supplied_runs(), st.integers(0, 2**32 - 1))
def test_case10_troops_and_tonnes_conserved(run: tuple[Scenario, pd.DataFrame], seed: int) -> None:
    """Case 10 (exact, up to float rounding): see the module docstring."""
    scenario, alloc = run
    daily = run_replication(scenario, alloc, base_seed=seed, replication=0).daily
    days = daily[daily["day"] >= 0]
    whole = daily[daily["day"] == -1]
    # troops
    key = ["nation", "capability", "day"]
    units = sum(
        series(days, m, key) for m in ("units_deployed", "units_in_transit", "units_at_home")
    )
    pax = sum(series(days, m, key) for m in ("deployed_pax", "in_transit_pax", "at_home_pax"))
    if len(units):
        pool = units.groupby(level=[0, 1]).transform("first")
        assert (units == pool).all()
        per_unit = [scenario.capability(c).personnel_per_unit_pax for _, c, _ in units.index]
        assert np.array_equal(pax.reindex(units.index).to_numpy(), units.to_numpy() * per_unit)
    # tonnes, whole run, by class
    by_class = {
        m: series(whole, m, ["supply_class"]) for m in ("shipped_t", "lost_t", "in_transit_t")
    }
    delivered = series(days, "delivered_t", ["supply_class"])
    for c, shipped in by_class["shipped_t"].items():
        rest = delivered.get(c, 0.0) + by_class["in_transit_t"][c] + by_class["lost_t"][c]
        assert shipped == pytest.approx(rest, rel=1e-9, abs=1e-6), c
    # tonnes, every day, by sector and class
    sc_key = ["sector", "supply_class", "day"]
    stock = series(days, "stock_t", sc_key)
    if len(stock):
        got = series(days, "delivered_t", sc_key).reindex(stock.index, fill_value=0.0)
        used = series(days, "consumed_t", sc_key).reindex(stock.index, fill_value=0.0)
        initial = series(whole, "initial_stock_t", ["sector", "supply_class"])
        cum = (got - used).groupby(level=[0, 1]).cumsum()
        start = initial.reindex(stock.index.droplevel(2)).to_numpy()
        np.testing.assert_allclose(stock.to_numpy(), start + cum.to_numpy(), rtol=1e-9, atol=1e-6)
    demand = series(days, "demand_t", sc_key)
    consumed = series(days, "consumed_t", sc_key).reindex(demand.index)
    short = series(days, "shortfall_t", sc_key).reindex(demand.index)
    gap = (demand - consumed - short).to_numpy()
    assert (np.abs(gap) <= SHORTFALL_ROUNDING_T + 1e-9).all()
