"""Tonnes are conserved: shipped = delivered + in transit + lost; stock change = in - out.

Out of a depot is what is consumed and what strikes destroy.
"""

from __future__ import annotations

from typing import cast

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logistics_sim.engine.model import run_replication
from testsupport.scenarios import build_scenario
from testsupport.supply_line import ALLOCATION, supply_line_mapping


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    trains=st.integers(1, 4),
    cv=st.sampled_from([0.0, 0.3]),
    strike_day=st.floats(0.0, 50.0),
    strike_days=st.floats(0.5, 15.0),
    factor=st.sampled_from([0.0, 0.3]),
    policy=st.sampled_from(["wait", "reroute"]),
    destroyed=st.sampled_from([0.0, 0.5, 1.0]),
    seed=st.integers(0, 10_000),
)
def test_tonnes_are_conserved_under_strikes_and_variation(
    trains: int, cv: float, strike_day: float, strike_days: float, factor: float, policy: str,
    destroyed: float, seed: int,
) -> None:  # fmt: skip
    m = supply_line_mapping(horizon_days=70, trains=trains)
    m["sustainment"]["demand_variation"] = {"kind": "lognormal", "mean": 1.0, "cv": cv}
    m["disruptions"] = {
        "in_transit_policy": policy,
        "scheduled": [{"target": "PRZ", "start_day": strike_day, "duration_days": strike_days,
                       "capacity_factor": factor}],
        "random": [{"targets": ["DEPOT_W", "DEPOT_E", "PRZ", "RH"], "rate_per_year": 20.0,
                    "duration_days": {"kind": "uniform", "low": 1.0, "high": 5.0},
                    "capacity_factor": 0.0, "stock_destroyed_share": destroyed}],
    }  # fmt: skip
    daily = run_replication(build_scenario(m), ALLOCATION, seed, 0).daily
    days = daily[daily["day"] >= 0]
    run = daily[daily["day"] == -1]

    def by_key(metric: str, frame: pd.DataFrame = days) -> pd.Series:
        return frame[frame["metric"] == metric].set_index(["sector", "supply_class", "day"])[
            "value"
        ]

    delivered, consumed, stock = by_key("delivered_t"), by_key("consumed_t"), by_key("stock_t")
    lost_to_strikes = by_key("destroyed_t")
    initial = run[run["metric"] == "initial_stock_t"].set_index(["sector", "supply_class"])["value"]
    for key, start in initial.items():
        sector, cls = cast(tuple[str, str], key)
        d = delivered.loc[(sector, cls)]
        c = consumed.loc[(sector, cls)]
        x = lost_to_strikes.loc[(sector, cls)]
        s = stock.loc[(sector, cls)]
        assert (s >= 0).all()
        # end-of-day stock = initial + delivered - consumed - destroyed to date, every day
        expected = start + (d - c - x).cumsum()
        assert s.to_numpy() == pytest.approx(expected.to_numpy(), abs=1e-6)
    total_delivered = days[days["metric"] == "delivered_t"].groupby("supply_class")["value"].sum()
    for cls in initial.index.get_level_values("supply_class").unique():
        row = run[(run["supply_class"] == cls) & (run["node"] == "")].set_index("metric")["value"]
        assert row["shipped_t"] == pytest.approx(
            total_delivered[cls] + row["in_transit_t"] + row["lost_t"], abs=1e-6
        )
    # demand = consumed + shortfall (a stock-out is a result, not an error)
    demand, short = by_key("demand_t"), by_key("shortfall_t")
    assert (consumed + short).to_numpy() == pytest.approx(
        demand.loc[consumed.index].to_numpy(), abs=1e-6
    )
