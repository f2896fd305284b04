"""The optimiser's objectives agree with an independent MILP (scipy.optimize.milp / HiGHS).

The same model (formulation.py's constraints (1)–(8), without the implied cuts (9)) is written
out here from scratch as a matrix, so a mistake in either formulation, or a cut of (9) that
removes a feasible allocation, shows up as a disagreement on random instances.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from logistics_sim.scenario import Objective
from optimisation.instance import AllocationInstance, CapabilityData, NationData, fair_shares
from optimisation.solve import SolveParams, Status, solve

PARAMS = SolveParams(time_limit_s=10.0, relative_gap=0.0)
EPS = 1e-6


@st.composite
def instances(draw: st.DrawFn) -> AllocationInstance:
    """Small random instances: 1–4 nations, 1–3 capabilities, every limit family present."""
    n_caps = draw(st.integers(1, 3))
    caps = tuple(
        CapabilityData(
            f"K{k}",
            draw(st.sampled_from([100, 250, 400, 650])),
            draw(st.integers(0, 5)),
            draw(st.sampled_from([0.5, 1.0, 2.0])),
        )
        for k in range(n_caps)
    )
    nations = []
    for i in range(draw(st.integers(1, 4))):
        cap_ids = [c.id for c in caps]
        nations.append(
            NationData(
                code=f"N{i}",
                eligible=i == 0 or draw(st.booleans()),
                land_forces_pax=10_000,
                available_pax=float(draw(st.integers(0, 20)) * 250),
                multiplier=draw(st.sampled_from([1.0, 1.5, 2.0, 2.5, 3.31, 4.26])),
                key_value=float(draw(st.integers(1, 5))),
                max_deployed_pax=draw(st.sampled_from([np.inf, 500.0, 1500.0])),
                min_deployed_pax=draw(st.sampled_from([0, 0, 250, 650])),
                max_units=draw(st.dictionaries(st.sampled_from(cap_ids), st.integers(0, 4))),
                min_units=draw(st.dictionaries(st.sampled_from(cap_ids), st.integers(0, 1))),
                inventory_units=draw(st.dictionaries(st.sampled_from(cap_ids), st.integers(0, 8))),
            )
        )
    return AllocationInstance(tuple(nations), caps, fair_shares(nations), "test")


def scipy_objective(inst: AllocationInstance, objective: Objective) -> float | None:
    """The optimum by scipy's MILP, or None when infeasible; variables x, z, then t, u."""
    nations, caps = inst.eligible, inst.capabilities
    pairs = [(n, c) for n in nations for c in caps]
    n_pairs = len(pairs)
    size = 2 * n_pairs + 1 + len(nations)
    xi = {(n.code, c.id): i for i, (n, c) in enumerate(pairs)}
    zi = {key: n_pairs + i for key, i in xi.items()}
    ti = 2 * n_pairs
    ui = {n.code: 2 * n_pairs + 1 + j for j, n in enumerate(nations)}
    rows: list[np.ndarray] = []
    lower: list[float] = []
    upper: list[float] = []

    def add(coefficients: dict[int, float], low: float, high: float) -> None:
        row = np.zeros(size)
        for index, value in coefficients.items():
            row[index] += value
        rows.append(row)
        lower.append(low)
        upper.append(high)

    for c in caps:  # (1)
        add({xi[(n.code, c.id)]: 1.0 for n in nations}, c.required_units, c.required_units)
    target = float(inst.required_pax)
    for n in nations:
        for c in caps:  # (2), (6)
            add({zi[(n.code, c.id)]: 1.0, xi[(n.code, c.id)]: -n.m(c.id)}, -EPS, np.inf)
            if c.id in n.inventory_units:
                add({zi[(n.code, c.id)]: 1.0}, -np.inf, n.inventory_units[c.id])
        add(  # (3)
            {zi[(n.code, c.id)]: c.personnel_per_unit_pax for c in caps},
            -np.inf,
            n.available_pax + EPS,
        )
        personnel = {xi[(n.code, c.id)]: float(c.personnel_per_unit_pax) for c in caps}
        add(personnel, n.min_deployed_pax, n.max_deployed_pax)  # (4)
        share = inst.fair_share[n.code]
        fair = share * target
        add({**personnel, ui[n.code]: -1.0}, -np.inf, fair)  # (8)
        add({**{i: -v for i, v in personnel.items()}, ui[n.code]: -1.0}, -np.inf, -fair)
        if share > 0 and target > 0:  # one-sided: only the excess over the fair share counts
            add({**personnel, ti: -fair}, -np.inf, fair)
    low = np.zeros(size)
    high = np.full(size, np.inf)
    for n, c in pairs:  # (5)
        floor = n.min_units.get(c.id, 0)
        low[xi[(n.code, c.id)]] = floor
        cap = n.max_units.get(c.id, c.required_units)
        high[xi[(n.code, c.id)]] = max(floor, cap)
        if cap < floor:  # a cap below the minimum cannot be kept: infeasible, as evaluate() says
            add({xi[(n.code, c.id)]: 1.0}, -np.inf, cap)
    cost = np.zeros(size)
    if objective is Objective.min_max_deviation:
        cost[ti] = 1.0
    elif objective is Objective.min_sum_deviation:
        for index in ui.values():
            cost[index] = 1.0
    else:
        for n, c in pairs:
            cost[xi[(n.code, c.id)]] = c.cost_per_unit_year * n.m(c.id)
    integrality = np.zeros(size)
    integrality[: 2 * n_pairs] = 1
    result = milp(
        cost,
        constraints=LinearConstraint(np.array(rows), lower, upper),
        integrality=integrality,
        bounds=Bounds(low, high),
        options={"mip_rel_gap": 0.0},
    )
    if result.status == 2:  # infeasible
        return None
    assert result.status == 0, result.message
    return float(result.fun)


@pytest.mark.parametrize(
    "objective", [Objective.min_max_deviation, Objective.min_sum_deviation, Objective.min_cost]
)
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(inst=instances())
def test_objective_agrees_with_scipy_milp(inst: AllocationInstance, objective: Objective) -> None:
    expected = scipy_objective(inst, objective)
    result = solve(inst, objective, PARAMS)
    if expected is None:
        assert result.status is Status.infeasible
        return
    assert result.status is Status.optimal
    assert result.objective_value == pytest.approx(expected, rel=1e-6, abs=1e-6)
