"""The burden-sharing model as a mixed-integer programme, and its feasibility copy for diagnosis.

Sets
    N   nations listed and participating; E ⊆ N those eligible (willing by the scenario's rule,
        or given an explicit contribution).
    K   capabilities (unit types of the catalogue, battalion granularity).

Data
    R_k        units of type k required deployed at all times
    p_k        personnel per unit of type k (pax)
    c_k        relative cost of keeping one unit of type k deployed for a year
    m_nk       rotation multiplier: pool units tied up per deployed unit, C/(T−O), with C the
               full cycle T + r·T + 2τ of nation n's units of type k (``rotation_math``)
    A_n        personnel n can spare for its pools: land forces × (1 − home-defence floor) (pax)
    L_n, U_n   political minimum and cap on personnel deployed (pax)
    L_nk, U_nk minimum and cap on units of type k (U_nk defaults to R_k)
    I_nk       units of type k that n owns in all (scarce types: air defence, aviation, ...)
    f_n        fair share of n by the fairness key (sums to 1 over E)
    P*         personnel deployed when the requirement is met, Σ_k p_k R_k (pax)

Variables
    x_nk ∈ Z≥0   units of type k that n keeps deployed (n ∈ E)
    z_nk ∈ Z≥0   units of type k in n's rotation pool (deployed, in transit, dwelling)
    t ≥ 0        largest excess of a nation's burden over its fair share, relative to it
    u_n ≥ 0      absolute deviation of n from its fair share (pax)

Constraints
    (1) requirement:        Σ_n x_nk = R_k                       ∀ k
    (2) pool rounding:      z_nk ≥ m_nk · x_nk                   ∀ n, k  (ceil, staggered reliefs)
        or, written as its convex hull when the pools are tight and the instance small
        (``use_pool_hull``): one binary y_nkv per value v = 1..V_nk that x_nk can take,
                            Σ_v y_nkv ≤ 1;  x_nk = Σ_v v·y_nkv;  z_nk ≥ Σ_v ⌈m_nk·v⌉·y_nkv
        with V_nk the most units of type k that n's capacity (3) alone could rotate. The same
        integer solutions, but the relaxation can no longer round a pool down: on the
        baseline's largest force (274 binaries) the four objectives are proven in 0.2–0.4 s
        instead of 0.6–2.4 s; on all-Europe's (1,340) the proof was 1.5x slower, on the
        generated 300 × 30 instance (loose pools) no better.
    (3) national capacity:  Σ_k p_k z_nk ≤ A_n                   ∀ n     (pool above the floor)
    (4) personnel limits:   L_n ≤ Σ_k p_k x_nk ≤ U_n             ∀ n
    (5) unit limits:        L_nk ≤ x_nk ≤ U_nk                   ∀ n, k
    (6) inventories:        z_nk ≤ I_nk                          ∀ (n, k) with an inventory
    (7) willingness:        x_nk = 0                             ∀ n ∉ E, k
    (8) fairness:           P_n = Σ_k p_k x_nk, d_n = P_n − f_n P*;  −u_n ≤ d_n ≤ u_n   ∀ n ∈ E
                            d_n ≤ t · f_n P*                     ∀ n ∈ E with f_n > 0
    (9) implied by each nation's own limits (valid; they only tighten the relaxation). 𝒫_n is
        the set of totals n can deploy under (2)–(6) alone, exact with rounded pools
        (``instance.achievable_personnel_pax``), P̄_n = max 𝒫_n; a_n is the largest total in
        𝒫_n at or below f_n P*, b_n the smallest above it:
                            min 𝒫_n ≤ P_n ≤ P̄_n;   u_n ≥ f_n P* − P̄_n
                            u_n ≥ (f_n P* − a_n) + (b_n + a_n − 2 f_n P*)(P_n − a_n)/(b_n − a_n)
                            t ≥ (b_n − f_n P*)/(f_n P*) · (P_n − a_n)/(b_n − a_n)
        The last two are the convex hulls of (P_n, u_n) and (P_n, t) over 𝒫_n: no total
        between a_n and b_n is deployable, so the relaxation cannot hand n a fraction of a
        unit for free. Measured on the baseline's largest force: the sum of deviations is
        proven in 0.4 s with (9), 11 s without (the root bound is exact with it).
    (10) objective bounds (bounds.py; valid, they only tighten the relaxation): when a bound's
        completion is not found, SCIP starts from the bound itself (solve.py uses the cost
        bound; the fairness ones were no faster on the shipped scenarios and, on the 300 × 30
        instance, kept SCIP from finding any division of the sum in 60 s),
                            t ≥ t_LB;   Σ_n u_n ≥ U_LB;   Σ_nk c_k m_nk x_nk ≥ C_LB
        Measured on the baseline's largest force: SCIP proves min cost in 0.085 s with the
        cost bound instead of 0.14 s (the bound itself and its failed completion take about
        0.04 s, so the whole solve is no faster); on all-Europe's largest force with (2) in
        hull form, the sum of deviations in 4.6 s instead of 14 s.
    (11) configurations (configurations.py), where the bounds are not attained and many
        nations are small: for each nation n with few contributions (unit vectors v_j its own
        limits (2)–(6) allow, total P_j), binaries y_nj:
                            Σ_j y_nj = 1;   x_nk = Σ_j v_jk y_nj;
                            u_n ≥ Σ_j |P_j − f_n P*| y_nj;   t ≥ Σ_j (P_j − f_n P*)⁺/(f_n P*) y_nj
        Valid (one contribution is what n deploys); the LP can no longer give a small nation
        part of a unit. (11') where deviations do not count (feasibility at a trial t, the
        cost stage): nations with the same contributions (for cost, also the same
        multipliers) as one class c of |c| equals, integer N_cj (how many take v_j):
                            Σ_j N_cj = |c|;   X_cg = Σ_j v_jg N_cj   in (1) instead of their x
    (12) split by type (configurations.py), for cost on the instance with interchangeable
        types merged (completion.merged): w_ρk ≥ 0 per rotation ρ (nations with the same m_nk)
        and member type k of a merged type g:
                            Σ_{k∈g} w_ρk = Σ_{n of ρ} x_ng;   Σ_ρ w_ρk = R_k;   cost Σ c_k m_ρk w_ρk
        A transportation problem for fixed x, so integral; each nation's own pools per type
        are re-checked (``evaluate``) on the split.
    Because (1) fixes the force, Σ_n Σ_k p_k x_nk = P*, so d_n is linear and exact.
    (2)–(3) are the integer form of Σ_k p_k m_nk x_nk ≤ A_n: a nation commits whole units, as
    the engine sizes its pools (ceil(x · m) per nation and type). The linear form is not used:
    it lets a nation sustain units its rounded pool cannot hold (test_pool_rounding_binds...).

Objectives (solve.py)
    min_max_deviation   min t: the largest share by which a nation's burden exceeds its fair
                        share, t = max_n (P_n − f_n P*)⁺ / (f_n P*). One-sided on purpose: a
                        nation below its fair share (it cannot sustain more, or its share is
                        less than one unit) is not counted against fairness itself; its
                        shortfall counts through the excess it puts on the others, since
                        Σ_n P_n = P*. The two-sided form was 1 whenever an eligible nation could
                        not field one unit, so every division tied and the objective said
                        nothing.
    min_sum_deviation   min Σ_n u_n (pax); two-sided, which is twice the sum of the excesses
                        because the deviations sum to zero
    min_cost            min Σ_nk c_k m_nk x_nk (yearly cost of keeping the slots filled)
    lexicographic       fairness first: min t → t*; then min cost subject to
                        t ≤ t*·(1 + cost_tolerance), i.e. the tolerance is the share of the
                        fairest largest excess an analyst gives up to lower the cost (with
                        t* = 0 it allows no excess at all)
    largest_force       the largest common share s of the requirement (each type rounded up,
                        ceil(s·R_k)) that (1)–(7) allow, then divided by the lexicographic rule

Lower bounds (bounds.py; the (U, P) programme: cost_programme.py), tried before SCIP (completion
by CP-SAT: completion.py): relaxing (1) to Σ_n P_n = P* with P_n ∈ 𝒫_n
    sum of deviations   min Σ_n |P_n − f_n P*|              (dynamic programme over P)
    largest excess      min t: Σ_n P_n = P*, P_n ≤ (1 + t) f_n P*   (t among the finitely
                        many (P − f_n P*)/(f_n P*), P ∈ 𝒫_n; bisection)
    cost                Σ_k R_k · min_n c_k m_nk, or where pools bind min Σ_n g_n(U_n, P_n)
                        over Σ_n U_n = Σ_k R_k, Σ_n P_n = P* (g_n: least cost of U units
                        and P pax n's pools hold; dynamic programme over (U, P))
An allocation keeping (1)–(7) that attains its bound (found by CP-SAT on the feasibility copy
with each P_n fixed to the bound's, or units only where they are cheapest) is optimal. Where
none does, CP-SAT is asked whether (1)–(7) hold with the objective at most a target τ and
each P_n (for cost each (U_n, P_n)) among those through which the bound's programme stays
within τ — implied for every allocation within τ, so "none" proves the optimum above τ: over
the candidate t from the bound up, at the bound plus the relative gap for the sum and cost.

The feasibility copy (``FeasibilityModel``) is the same constraints (1)–(7) in CP-SAT, each
family instance guarded by an assumption literal and no objective, so that CP-SAT names a set of
limits that cannot hold together (with an objective it would return all assumptions).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from logistics_sim.scenario import Objective
from optimisation.instance import (
    EPS,
    AllocationInstance,
    CapabilityData,
    NationData,
    achievable_personnel_pax,
)

INF = pywraplp.Solver.infinity()


class Key(NamedTuple):
    """Variable key: a nation and a capability."""

    nation: str
    capability: str


class Limit(NamedTuple):
    """One limit of the model: its family (constraint number's name), nation and capability."""

    family: str  # requirement, capacity, personnel_cap, personnel_min, unit_cap, unit_min,
    # inventory, willingness
    nation: str = ""
    capability: str = ""


@dataclass
class Model:
    """The SCIP model: solver, variables and the constraints diagnostics look at."""

    solver: pywraplp.Solver
    instance: AllocationInstance
    x: dict[Key, pywraplp.Variable]
    z: dict[Key, pywraplp.Variable]
    max_dev: pywraplp.Variable
    abs_dev: dict[str, pywraplp.Variable]
    constraints: dict[Limit, pywraplp.Constraint] = field(default_factory=dict)

    def personnel(self, nation: str) -> pywraplp.LinearExpr:
        """Personnel nation deploys, Σ_k p_k x_nk (pax)."""
        return sum(
            c.personnel_per_unit_pax * self.x[Key(nation, c.id)] for c in self.instance.capabilities
        )

    def solution_units(self) -> dict[Key, int]:
        """Deployed units of the solver's solution, rounded to the integers they are."""
        return {key: round(var.solution_value()) for key, var in self.x.items()}

    def cost(self) -> pywraplp.LinearExpr:
        """Σ c_k m_nk x_nk: the yearly cost of keeping the slots filled by rotation."""
        return sum(
            c.cost_per_unit_year * n.m(c.id) * self.x[Key(n.code, c.id)]
            for n in self.instance.eligible
            for c in self.instance.capabilities
        )


def new_model(instance: AllocationInstance) -> Model:
    """SCIP solver and the variables x_nk, z_nk (n ∈ E: family (7) by omission), t, u_n."""
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:  # pragma: no cover - SCIP ships with the OR-Tools wheels
        raise RuntimeError("OR-Tools was built without SCIP")
    x: dict[Key, pywraplp.Variable] = {}
    z: dict[Key, pywraplp.Variable] = {}
    for n in instance.eligible:
        for c in instance.capabilities:
            x[Key(n.code, c.id)] = solver.IntVar(0.0, INF, f"x[{n.code},{c.id}]")
            z[Key(n.code, c.id)] = solver.IntVar(0.0, INF, f"z[{n.code},{c.id}]")
    max_dev = solver.NumVar(0.0, INF, "t")
    abs_dev = {n.code: solver.NumVar(0.0, INF, f"u[{n.code}]") for n in instance.eligible}
    return Model(solver, instance, x, z, max_dev, abs_dev)


def add_requirement(model: Model) -> None:
    """(1) Each capability's required units are deployed, no more and no fewer."""
    for c in model.instance.capabilities:
        total = sum(model.x[Key(n.code, c.id)] for n in model.instance.eligible)
        if not model.instance.eligible:
            total = 0.0 * model.max_dev
        model.constraints[Limit("requirement", "", c.id)] = model.solver.Add(
            total == c.required_units, f"requirement[{c.id}]"
        )


def add_pool_rounding(model: Model) -> None:
    """(2) The pool of each (nation, type) holds m_nk units per deployed unit, rounded up."""
    for n in model.instance.eligible:
        for c in model.instance.capabilities:
            key = Key(n.code, c.id)
            model.solver.Add(model.z[key] >= n.m(c.id) * model.x[key] - EPS, f"pool[{key}]")


def pool_hull_values(instance: AllocationInstance, n: NationData, c: CapabilityData) -> int:
    """V_nk of (2)'s hull form: the most units of type k whose rounded pool fits n's capacity.

    Also at most the unit cap (5); at least the unit minimum, so (5) decides infeasibility.
    """
    cap = n.max_units.get(c.id, c.required_units)
    per_unit = c.personnel_per_unit_pax * n.m(c.id)
    fits = int((n.available_pax + EPS) // per_unit) + 1 if per_unit > 0 else cap
    while fits > 0 and c.personnel_per_unit_pax * math.ceil(n.m(c.id) * fits - EPS) > (
        n.available_pax + EPS
    ):
        fits -= 1
    return max(min(cap, fits), n.min_units.get(c.id, 0))


def use_pool_hull(instance: AllocationInstance) -> bool:
    """Whether (2) is written as its hull: tight pools and at most ``HULL_MAX_BINARIES``."""
    if pool_load(instance) <= TIGHT_POOL_LOAD:
        return False
    binaries = sum(
        pool_hull_values(instance, n, c) for n in instance.eligible for c in instance.capabilities
    )
    return binaries <= HULL_MAX_BINARIES


def add_pool_rounding_hull(model: Model) -> None:
    """(2) as the convex hull of (x_nk, ⌈m_nk x_nk⌉): one binary per value x_nk can take."""
    solver = model.solver
    for n in model.instance.eligible:
        for c in model.instance.capabilities:
            key = Key(n.code, c.id)
            values = range(1, pool_hull_values(model.instance, n, c) + 1)
            chosen = [solver.BoolVar(f"y[{key},{v}]") for v in values]
            solver.Add(sum(chosen) <= 1, f"one_value[{key}]")
            solver.Add(
                model.x[key] == sum(v * y for v, y in zip(values, chosen, strict=True)),
                f"value[{key}]",
            )
            pools = [math.ceil(n.m(c.id) * v - EPS) for v in values]
            solver.Add(
                model.z[key] >= sum(z * y for z, y in zip(pools, chosen, strict=True)),
                f"pool[{key}]",
            )


def add_national_capacity(model: Model) -> None:
    """(3) A nation's rotation pools fit in the land forces it can spare above its floor."""
    for n in model.instance.eligible:
        pool = sum(
            c.personnel_per_unit_pax * model.z[Key(n.code, c.id)]
            for c in model.instance.capabilities
        )
        model.constraints[Limit("capacity", n.code)] = model.solver.Add(
            pool <= n.available_pax + EPS, f"capacity[{n.code}]"
        )


def add_personnel_limits(model: Model) -> None:
    """(4) Political caps and minimums on the personnel a nation deploys."""
    for n in model.instance.eligible:
        if math.isfinite(n.max_deployed_pax):
            model.constraints[Limit("personnel_cap", n.code)] = model.solver.Add(
                model.personnel(n.code) <= n.max_deployed_pax, f"cap[{n.code}]"
            )
        if n.min_deployed_pax:
            model.constraints[Limit("personnel_min", n.code)] = model.solver.Add(
                model.personnel(n.code) >= n.min_deployed_pax, f"min[{n.code}]"
            )


def add_unit_limits(model: Model) -> None:
    """(5) Caps and minimums on a nation's units of one type (variable bounds)."""
    for n in model.instance.eligible:
        for c in model.instance.capabilities:
            low = n.min_units.get(c.id, 0)
            high = n.max_units.get(c.id, c.required_units)
            model.x[Key(n.code, c.id)].SetBounds(low, high if high >= low else low)
            if high < low:
                model.constraints[Limit("unit_cap", n.code, c.id)] = model.solver.Add(
                    model.x[Key(n.code, c.id)] <= high, f"unit_cap[{n.code},{c.id}]"
                )


def add_inventories(model: Model) -> None:
    """(6) The pool of a scarce type does not exceed the units the nation owns."""
    capability_ids = {c.id for c in model.instance.capabilities}
    for n in model.instance.eligible:
        for cap_id, owned in sorted(n.inventory_units.items()):
            if cap_id in capability_ids:
                model.constraints[Limit("inventory", n.code, cap_id)] = model.solver.Add(
                    model.z[Key(n.code, cap_id)] <= owned, f"inventory[{n.code},{cap_id}]"
                )


def add_fairness(model: Model) -> None:
    """(8) Deviations from fair share: absolute u_n (pax) and the largest relative excess t."""
    inst = model.instance
    target = float(inst.required_pax)
    for n in inst.eligible:
        fair_pax = inst.fair_share.get(n.code, 0.0) * target
        deviation = model.personnel(n.code) - fair_pax
        model.solver.Add(deviation <= model.abs_dev[n.code], f"dev_above[{n.code}]")
        model.solver.Add(-deviation <= model.abs_dev[n.code], f"dev_below[{n.code}]")
        if fair_pax > 0:
            model.solver.Add(deviation <= model.max_dev * fair_pax, f"excess[{n.code}]")


def add_implied_bounds(model: Model, hull_cuts: bool = True) -> None:
    """(9) Bounds and hull cuts from the totals each nation can deploy on its own limits.

    Valid for every allocation that keeps (2)–(6); they exist because the relaxation of (2)
    lets a nation deploy a fraction of a unit, which makes proving fairness slow.
    """
    inst = model.instance
    target = float(inst.required_pax)
    for n in inst.eligible:
        totals = achievable_personnel_pax(inst, n)
        if totals.size == 0:
            continue  # its own minimums cannot be met: (3)–(6) prove it
        personnel = model.personnel(n.code)
        most, least = float(totals[-1]), float(totals[0])
        model.solver.Add(personnel <= most, f"most_personnel[{n.code}]")
        if least > 0:
            model.solver.Add(personnel >= least, f"least_personnel[{n.code}]")
        if hull_cuts:
            add_hull_cuts(model, n.code, totals, inst.fair_share.get(n.code, 0.0) * target)


def add_hull_cuts(model: Model, nation: str, totals: np.ndarray, fair_pax: float) -> None:
    """(9) u_n and t above their convex hulls over the deployable totals around the fair share."""
    u = model.abs_dev[nation]
    most = float(totals[-1])
    if fair_pax > most:
        u.SetLb(max(u.lb(), fair_pax - most))
        return
    below = totals[totals <= fair_pax + EPS]
    above = totals[totals > fair_pax + EPS]
    if below.size == 0 or above.size == 0:
        return
    low, high = float(below[-1]), float(above[0])
    personnel = model.personnel(nation)
    slope = ((high - fair_pax) - (fair_pax - low)) / (high - low)
    model.solver.Add(u >= (fair_pax - low) + slope * (personnel - low), f"dev_hull[{nation}]")
    if fair_pax > 0:
        rise = (high - fair_pax) / fair_pax / (high - low)
        model.solver.Add(model.max_dev >= rise * (personnel - low), f"excess_hull[{nation}]")


def add_objective_bound(model: Model, objective: Objective, value: float) -> None:
    """(10) The objective is at least a proven lower bound (less floating-point noise)."""
    floor = value - 1e-9 * max(1.0, abs(value))
    if objective is Objective.min_max_deviation:
        model.max_dev.SetLb(max(0.0, floor))
    elif objective is Objective.min_sum_deviation:
        model.solver.Add(sum(model.abs_dev.values()) >= floor, "sum_dev_bound")
    elif objective is Objective.min_cost:
        model.solver.Add(model.cost() >= floor, "cost_bound")


def build(instance: AllocationInstance, fairness: bool = True) -> Model:
    """The whole SCIP model: constraint families (1)–(9); without fairness (8) is left out,
    and (9) keeps only its personnel bounds, when the pools are tight (``TIGHT_POOL_LOAD``).
    """
    model = new_model(instance)
    add_requirement(model)
    if use_pool_hull(instance):
        add_pool_rounding_hull(model)
    else:
        add_pool_rounding(model)
    add_national_capacity(model)
    add_personnel_limits(model)
    add_unit_limits(model)
    add_inventories(model)
    if fairness:
        add_fairness(model)
    if fairness or pool_load(instance) > TIGHT_POOL_LOAD:
        add_implied_bounds(model, hull_cuts=fairness)
    return model


#: Share of the eligible nations' pools (linear form) above which (9) is worth its rows
#: without fairness: at the baseline's largest force (load ≈ 1) min cost is proven in 1.5 s
#: with (9) and 14 s without; on the generated 300 × 30 instance (load 0.35) in 7.5 s without
#: and 23 s with.
TIGHT_POOL_LOAD = 0.5
#: Most binaries for (2)'s hull form (measured: 274 on the baseline's largest force, 4-20x
#: faster; 1,340 on all-Europe's, 1.5x slower).
HULL_MAX_BINARIES = 500


def pool_load(instance: AllocationInstance) -> float:
    """Personnel required over what the eligible nations could sustain (linear pools)."""
    caps = instance.capabilities
    if not caps:
        return 0.0
    most = sum(n.available_pax / min(n.m(c.id) for c in caps) for n in instance.eligible)
    return instance.required_pax / most if most > 0 else math.inf


# ---------------------------------------------------------------------------------------------
# The feasibility copy in CP-SAT: every limit behind an assumption literal, no objective.
# ---------------------------------------------------------------------------------------------


@dataclass
class FeasibilityModel:
    """CP-SAT copy of (1)–(7) with one assumption literal per limit."""

    model: cp_model.CpModel
    x: dict[Key, cp_model.IntVar]
    literals: dict[Limit, cp_model.IntVar]

    def enforce(self, limit: Limit, constraint: cp_model.Constraint) -> None:
        """Guard ``constraint`` by the literal of ``limit`` (created on first use)."""
        if limit not in self.literals:
            self.literals[limit] = self.model.new_bool_var(
                f"{limit.family}[{limit.nation},{limit.capability}]"
            )
        constraint.only_enforce_if(self.literals[limit])


def _ratio(value: float) -> tuple[int, int]:
    """A multiplier as numerator and denominator (exact for C/(T−O) with days to 1e-4)."""
    fraction = Fraction(value).limit_denominator(1_000_000)
    return fraction.numerator, fraction.denominator


def build_feasibility(instance: AllocationInstance) -> FeasibilityModel:
    """CP-SAT feasibility copy: integer data, families (1)–(7) each behind a literal."""
    model = cp_model.CpModel()
    caps = instance.capabilities
    x: dict[Key, cp_model.IntVar] = {}
    z: dict[Key, cp_model.IntVar] = {}
    for n in instance.nations:
        for c in caps:
            key = Key(n.code, c.id)
            top = max(c.required_units, n.min_units.get(c.id, 0))
            x[key] = model.new_int_var(0, top, f"x[{n.code},{c.id}]")
            z[key] = model.new_int_var(0, math.ceil(top * n.m(c.id)) + 1, f"z[{n.code},{c.id}]")
            num, den = _ratio(n.m(c.id))
            model.add(den * z[key] >= num * x[key])  # (2) definitional, never relaxed
    feas = FeasibilityModel(model, x, {})
    for c in caps:  # (1)
        total = sum(x[Key(n.code, c.id)] for n in instance.nations)
        feas.enforce(Limit("requirement", "", c.id), model.add(total == c.required_units))
    for n in instance.nations:
        personnel = sum(c.personnel_per_unit_pax * x[Key(n.code, c.id)] for c in caps)
        if not n.eligible:  # (7)
            feas.enforce(Limit("willingness", n.code), model.add(personnel == 0))
        pool = sum(c.personnel_per_unit_pax * z[Key(n.code, c.id)] for c in caps)
        feas.enforce(  # (3)
            Limit("capacity", n.code), model.add(pool <= math.floor(n.available_pax + EPS))
        )
        if math.isfinite(n.max_deployed_pax):  # (4)
            feas.enforce(
                Limit("personnel_cap", n.code),
                model.add(personnel <= math.floor(n.max_deployed_pax + EPS)),
            )
        if n.min_deployed_pax:
            feas.enforce(Limit("personnel_min", n.code), model.add(personnel >= n.min_deployed_pax))
        for c in caps:  # (5), (6)
            key = Key(n.code, c.id)
            if c.id in n.max_units:
                feas.enforce(
                    Limit("unit_cap", n.code, c.id), model.add(x[key] <= n.max_units[c.id])
                )
            if n.min_units.get(c.id, 0):
                feas.enforce(
                    Limit("unit_min", n.code, c.id), model.add(x[key] >= n.min_units[c.id])
                )
            if c.id in n.inventory_units:
                feas.enforce(
                    Limit("inventory", n.code, c.id),
                    model.add(z[key] <= n.inventory_units[c.id]),
                )
    return feas


def build_all_limits(instance: AllocationInstance) -> FeasibilityModel:
    """The feasibility copy with every limit's literal fixed true: (1)–(7) must all hold."""
    feas = build_feasibility(instance)
    for literal in feas.literals.values():
        feas.model.add(literal == 1)
    return feas


def cp_solver(time_limit_s: float, deterministic_s: float | None = None) -> cp_model.CpSolver:
    """CP-SAT with one worker and a fixed seed: the same question gets the same answer.

    ``deterministic_s``: a limit in CP-SAT's own work units, the same on every machine (the
    wall-clock ``time_limit_s`` is then only a backstop).
    """
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    if deterministic_s is not None:
        solver.parameters.max_deterministic_time = deterministic_s
    solver.parameters.max_time_in_seconds = max(time_limit_s, 0.01)
    return solver
