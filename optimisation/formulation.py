"""The burden-sharing model as a mixed-integer programme (solved with SCIP through OR-Tools).

Sets
    N   nations eligible to contribute (participating, willing by the scenario's rule, or given
        an explicit minimum); others get no variable, which is constraint family (6).
    K   capabilities (unit types of the catalogue).

Data
    R_k     units of type k required deployed at all times
    p_k     personnel per unit of type k (pax)
    m_n     rotation multiplier of nation n: pool units tied up per deployed unit, C/(T−O)
    A_n     personnel n can spare: land forces × (1 − home-defence floor) (pax)
    U_n, L_n  caps and minimums on personnel deployed (pax); U_nk, L_nk on units
    I_nk    inventory of scarce type k owned by n (units)
    f_n     fair share of n by the fairness key (sums to 1 over N)
    c_k     relative cost of keeping a unit of type k (per pool unit and year)

Variables
    x_nk ∈ Z≥0   units of type k that n keeps deployed
    s ∈ [0, 1]   share of the requirement met (fixed to 1 unless the objective is largest_force)
    t ≥ 0        largest relative deviation from fair share; u_n ≥ 0 absolute deviations

Constraints
    (1) requirement:          Σ_n x_nk = R_k                (largest force: s·R_k ≤ Σ_n x_nk ≤ R_k)
    (2) national capacity:    Σ_k p_k m_n x_nk ≤ A_n        (the rotation pool fits above the floor)
    (3) personnel caps:       L_n ≤ Σ_k p_k x_nk ≤ U_n
    (4) unit caps/minimums:   L_nk ≤ x_nk ≤ U_nk
    (5) inventories:          m_n x_nk ≤ I_nk               (scarce types only, where given)
    (6) willingness:          x_nk = 0 for n ∉ N            (no variable created)
    (7) fairness deviation:   P_n − f_n P = d_n with P_n = Σ_k p_k x_nk, P = Σ_n P_n;
                              −t f_n P* ≤ d_n ≤ t f_n P* and −u_n ≤ d_n ≤ u_n
                              (P* is the required personnel, so the constraint stays linear)

Objectives
    min_max_deviation: min t; min_sum_deviation: min Σ u_n / P*; min_cost: min Σ c_k m_n x_nk;
    lexicographic: min t, then min cost with t ≤ t*(1 + tolerance); largest_force: max s, then
    min Σ u_n with s fixed at its optimum.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from ortools.linear_solver import pywraplp

from optimisation.instance import AllocationInstance

INF = pywraplp.Solver.infinity()


class Key(NamedTuple):
    """Variable key: a nation and a capability."""

    nation: str
    capability: str


@dataclass
class Model:
    """The solver, its variables and the named constraints for diagnostics."""

    solver: pywraplp.Solver
    instance: AllocationInstance
    x: dict[Key, pywraplp.Variable]
    scale: pywraplp.Variable
    max_dev: pywraplp.Variable
    abs_dev: dict[str, pywraplp.Variable]
    capacity: dict[str, pywraplp.Constraint] = field(default_factory=dict)

    def personnel(self, nation: str) -> pywraplp.LinearExpr:
        """Personnel nation deploys, P_n (pax)."""
        return sum(
            c.personnel_per_unit_pax * self.x[Key(nation, c.id)] for c in self.instance.capabilities
        )

    def total_personnel(self) -> pywraplp.LinearExpr:
        """Personnel deployed by all, P (pax)."""
        return sum(self.personnel(n.code) for n in self.instance.eligible)

    def cost(self) -> pywraplp.LinearExpr:
        """Σ c_k m_n x_nk: the yearly cost of the pools the allocation ties up."""
        return sum(
            c.cost_per_unit_year * n.multiplier * self.x[Key(n.code, c.id)]
            for n in self.instance.eligible
            for c in self.instance.capabilities
        )


def new_model(instance: AllocationInstance, largest_force: bool) -> Model:
    """Solver and variables x_nk, s, t, u_n with bounds (4) and (6)."""
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:  # pragma: no cover - SCIP ships with OR-Tools wheels
        raise RuntimeError("OR-Tools was built without SCIP")
    x: dict[Key, pywraplp.Variable] = {}
    for n in instance.eligible:
        for c in instance.capabilities:
            low = n.min_units.get(c.id, 0)
            high = n.max_units.get(c.id, c.required_units)
            x[Key(n.code, c.id)] = solver.IntVar(low, max(low, high), f"x[{n.code},{c.id}]")
    scale = solver.NumVar(0.0, 1.0, "s") if largest_force else solver.NumVar(1.0, 1.0, "s")
    max_dev = solver.NumVar(0.0, INF, "t")
    abs_dev = {n.code: solver.NumVar(0.0, INF, f"u[{n.code}]") for n in instance.eligible}
    return Model(solver, instance, x, scale, max_dev, abs_dev)


def add_requirement(model: Model) -> None:
    """(1) Each capability's required units are deployed (scaled by s in largest-force mode)."""
    for c in model.instance.capabilities:
        total = sum(model.x[Key(n.code, c.id)] for n in model.instance.eligible)
        model.solver.Add(total >= model.scale * c.required_units, f"require[{c.id}]")
        model.solver.Add(total <= c.required_units, f"require_max[{c.id}]")


def add_national_capacity(model: Model) -> None:
    """(2) A nation's rotation pool fits in the land forces it can spare above its floor."""
    for n in model.instance.eligible:
        pool = sum(
            c.personnel_per_unit_pax * n.multiplier * model.x[Key(n.code, c.id)]
            for c in model.instance.capabilities
        )
        model.capacity[n.code] = model.solver.Add(pool <= n.available_pax, f"capacity[{n.code}]")


def add_personnel_caps(model: Model) -> None:
    """(3) Political caps and minimums on the personnel a nation deploys."""
    for n in model.instance.eligible:
        if n.max_deployed_pax != float("inf"):
            model.solver.Add(model.personnel(n.code) <= n.max_deployed_pax, f"cap[{n.code}]")
        if n.min_deployed_pax:
            model.solver.Add(model.personnel(n.code) >= n.min_deployed_pax, f"min[{n.code}]")


def add_inventories(model: Model) -> None:
    """(5) Scarce capabilities: the units a rotation ties up do not exceed those owned."""
    scarce = {c.id for c in model.instance.capabilities if c.scarce}
    for n in model.instance.eligible:
        for cap_id, owned in n.inventory_units.items():
            if cap_id in scarce:
                model.solver.Add(
                    n.multiplier * model.x[Key(n.code, cap_id)] <= owned,
                    f"inventory[{n.code},{cap_id}]",
                )


def add_fairness(model: Model) -> None:
    """(7) Deviations from fair share, relative (t) and absolute (u_n)."""
    inst = model.instance
    target = float(inst.required_pax) or 1.0
    total = model.total_personnel()
    for n in inst.eligible:
        share = inst.fair_share.get(n.code, 0.0)
        deviation = model.personnel(n.code) - share * total
        model.solver.Add(deviation <= model.abs_dev[n.code])
        model.solver.Add(-deviation <= model.abs_dev[n.code])
        if share > 0:
            model.solver.Add(deviation <= model.max_dev * share * target)
            model.solver.Add(-deviation <= model.max_dev * share * target)


def build(instance: AllocationInstance, largest_force: bool = False) -> Model:
    """The whole model: variables and constraint families (1)–(7)."""
    model = new_model(instance, largest_force)
    add_requirement(model)
    add_national_capacity(model)
    add_personnel_caps(model)
    add_inventories(model)
    add_fairness(model)
    return model
