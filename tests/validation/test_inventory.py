"""Case 6: forward depot fill rate against the formula: (r, nQ) with Poisson lots, order-up-to."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson

from logistics_sim.engine.model import run_replication
from testsupport.validation_cases import interval, load_case, report

pytestmark = [pytest.mark.validation, pytest.mark.slow]


def rnq_fill_rate(lots_per_day: float, reorder_lots: float, order_lots: int) -> float:
    """Stationary fill rate of a daily-review (r, nQ) depot with Poisson lots and lost sales.

    The stock at a day's draw, in lots, is a Markov chain: the draw D ~ Poisson(λ) takes
    min(D, s), leaving s' = max(s − D, 0); if s' < r an order of the fewest whole Q-lots that
    reaches r arrives before the next draw. Fill rate β = Σ_s π(s) E[min(D, s)] / λ with π the
    stationary distribution (Hadley & Whitin, *Analysis of Inventory Systems*, 1963, ch. 4, for
    the (r, nQ) policy; with lost sales the inventory position is not uniform on r+1..r+Q, so
    the chain is solved exactly instead of using the backorder formula).
    """
    top = math.floor(reorder_lots) + order_lots
    transition = np.zeros((top + 1, top + 1))
    served = np.zeros(top + 1)
    for s in range(top + 1):
        for d in range(s + 1):
            # d = s stands for every draw of s lots or more: the stock runs out
            p = poisson.pmf(d, lots_per_day) if d < s else poisson.sf(s - 1, lots_per_day)
            served[s] += d * p
            left = s - d
            if left < reorder_lots:
                left += order_lots * math.ceil((reorder_lots - left) / order_lots)
            transition[s, left] += p
    system = np.vstack([transition.T - np.eye(top + 1), np.ones(top + 1)])
    rhs = np.zeros(top + 2)
    rhs[-1] = 1.0
    stationary = np.linalg.lstsq(system, rhs, rcond=None)[0]
    return float(stationary @ served / lots_per_day)


def test_rnq_chain_reduces_to_hand_values() -> None:
    """Q = 1 lot pins the stock at the draw to the first whole lot above r: with λ = 1,
    r = 0.5 it is 1, β = P(D ≥ 1) = 1 − e^(−1); r = 1.5 gives 2,
    β = E[min(D, 2)] = P(D = 1) + 2 P(D ≥ 2) = 2 − 3/e."""
    assert rnq_fill_rate(1.0, 0.5, 1) == pytest.approx(1 - math.exp(-1), rel=1e-12)
    assert rnq_fill_rate(1.0, 1.5, 1) == pytest.approx(2 - 3 * math.exp(-1), rel=1e-12)


def fill_rates(name: str) -> list[float]:
    """Per replication: Σ consumed / Σ demand over the moved classes after the warm-up."""
    scenario, case = load_case(name)
    allocation = pd.DataFrame(case["allocation"])
    moved = {c.id for c in scenario.sustainment.supply_classes if c.moved}
    rates = []
    for rep in range(case["replications"]):
        daily = run_replication(scenario, allocation, 2026, rep).daily
        days = daily[(daily["day"] >= case["warmup_days"]) & daily["supply_class"].isin(moved)]
        demand = days.loc[days["metric"] == "demand_t", "value"].sum()
        consumed = days.loc[days["metric"] == "consumed_t", "value"].sum()
        assert demand > 0
        rates.append(consumed / demand)
    return rates


def test_case6_depot_fill_rate_rnq_poisson_lots() -> None:
    """Case 6 as briefed: an (r, nQ) policy with Poisson demand. Demand in lots of half a day
    of the rate (λ = 2 lots a day), reorder point 1.5 lots, orders of 3 lots, every order in the
    depot before the next draw: β from :func:`rnq_fill_rate` = 0.8727, the same for every
    sector and class whatever its rate. Whole-model runs: Poisson demand, consumption, the
    dispatch rule's (r, nQ) orders, convoys over the network, deliveries.
    """
    _, case = load_case("depot_rnq_poisson")
    expected = rnq_fill_rate(case["lots_per_day"], case["reorder_lots"], case["order_lots"])
    ci = interval(fill_rates("depot_rnq_poisson"))
    print(report("case 6 fill rate, (r, nQ) Poisson lots", expected, ci))
    assert ci.contains(expected), ci
    assert ci.half < 0.02 * expected


def test_case6_depot_fill_rate_order_up_to_exponential_demand() -> None:
    """Case 6, second form: continuous demand. Periodic review every day, order up to S, lead
    time shorter than the review period, lost sales: the depot holds exactly S at each day's
    draw, so the day's consumption is min(D, S) and the fill rate is

        β = E[min(D, S)] / E[D] = 1 − E[(D − S)⁺] / E[D]

    (the single-period loss function: Zipkin, *Foundations of Inventory Management*, §6.2 and
    §9.4; Axsäter, *Inventory Control*, §5.3). With D = rate × Exp(1) and S = k × rate,
    E[(D − S)⁺] = rate · e^(−k), so β = 1 − e^(−k); k = 1.5 days: β = 0.7769, the same for every
    sector and class whatever its rate. Whole-model runs: demand, consumption, the dispatch
    rule, convoys over the network, deliveries; fill rate = Σ consumed / Σ demand over the
    moved classes after the first days.
    """
    _, case = load_case("depot_order_up_to")
    expected = 1 - math.exp(-case["order_up_to_days"])
    ci = interval(fill_rates("depot_order_up_to"))
    print(report("case 6 fill rate, order-up-to 1.5 days, Exp demand", expected, ci))
    assert ci.contains(expected), ci
    assert ci.half < 0.02 * expected
