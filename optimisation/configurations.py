"""Fairness when most nations are small: each nation's whole contribution as one choice.

Why. When most fair shares are below one battalion (the generated 300 × 30 instance of
benchmarks/optimiser.py: median 420 pax, only 26 of its 390 units under 500 pax), the
fairness objectives are bin-packing questions: which of the many small nations get the few
small units. The compact model (formulation (1)–(9)) relaxes that away, its LP handing a
nation part of a unit, and the bounds of ``bounds`` see each nation's totals but not its
units by type. Measured there: SCIP on the compact model ended 60 s with the largest excess
in [0.166, 0.190] and the sum of deviations in [22,837, 30,880].

How. Formulation (11), configurations: every *contribution* of a nation (its units by type,
one vector v_j that its own limits (2)–(6) allow, with total P_j) becomes a binary y_nj, for
each nation with at most ``MAX_CONTRIBUTIONS_PER_NATION`` of them; exactly one is chosen and
it fixes the nation's units and deviations:
    Σ_j y_nj = 1;   x_nk = Σ_j v_jk y_nj;   u_n ≥ Σ_j |P_j − f_n P*| y_nj;
    t ≥ Σ_j (P_j − f_n P*)⁺ / (f_n P*) · y_nj
The rows are added to the compact model (larger nations keep (1)–(9) alone), so the LP is the
configuration LP for the small nations: it can no longer give one of them a fraction of a
unit of the type it would need.

It is solved on the instance with interchangeable types merged (``completion.merged``; 30 types
become 5 unit sizes there), which keeps the contributions few and is a relaxation of the
instance (one rounded pool per merged type): its optimum is a lower bound, and the optimum
of the instance when its units split back per type keep every limit (``completion.complete``
with the nations' totals).

- min_max_deviation: t* is one of the finitely many excesses (P − f_n P*)/(f_n P*). From the
  DP bound of ``bounds`` up, a search over them (doubling, then halving), each step the
  feasibility MIP with every contribution capped at (1 + t) f_n P* and the small nations as
  classes of equal contributions (11'). Measured: infeasible steps take about 1 s (the
  configuration LP proves most), feasible ones 1.1–3 s (with a binary per nation and
  contribution 4–14 s; CP-SAT found no packing in 5 s on the same question).
- min_sum_deviation: the MIP (11) with the sum as its objective (classes do not apply: each
  nation's deviation depends on its own fair share). Measured: per-nation limit 100 → not
  proven in 150 s, 600 → 130 s, 3,000 → 42–83 s (the configuration LP's bound is within
  0.2 % of the optimum; the compact rows' hull cuts (9) for the largest nations close the
  rest).
- the lexicographic cost stage (min cost with every excess within t_cap): classes of nations
  with equal contributions and rotation (11') and the split by type (12), a transportation
  layer from the merged types back to the instance's own (costs differ within a merged type).

Measured on the generated 300 × 30 instance (1 thread, the machine shared): t* = 0.18050
proven in 16 s (12 MIP steps; SCIP on the compact model: not proven in 120 s), the sum
30,880 pax in 42–44 s (SCIP compact: 22,837–30,880 after 60 s). The cost stage at
t_cap = 1.05 t*: 1824.42, proven to the 1e-4 gap in 305–386 s with classes (with a binary
per nation and contribution: gap 1.3e-4 after 400 s; the compact model: 1942 against 1824
after 120 s). On all-Europe's largest force (26 nations, 5 merged types) the sum is proven
in 9 s and t* not in 30 s; the search above the bounds (``completion``) proves both faster
there, so configurations are tried only where the bounds fail.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from logistics_sim.scenario import Objective
from optimisation.bounds import (
    Bound,
    Completion,
    fair_pax,
    max_deviation_bound,
    objective_value,
    personnel_by_nation,
)
from optimisation.completion import complete, merged, split_units, units_frame
from optimisation.formulation import Key, Limit, Model, build
from optimisation.instance import (
    EPS,
    AllocationInstance,
    CapabilityData,
    NationData,
    evaluate,
    unit_options,
)

#: Most contributions a nation gets binaries for; larger nations keep the compact rows alone.
#: Measured on the generated 300 × 30 instance (sum of deviations): 100 → not proven in
#: 150 s, 600 → 130 s, 3,000 → 83 s.
MAX_CONTRIBUTIONS_PER_NATION = 3000
#: Most binaries in all; beyond it the configuration model is not tried.
MAX_CONTRIBUTIONS = 60_000
#: Time (s) for CP-SAT to split a merged solution back by type when the greedy split cannot
#: (``completion.complete``; the 300 × 30 splits need none).
SPLIT_BACK_S = 10.0


@dataclass(frozen=True)
class Contribution:
    """One way a nation can contribute: units per capability (in the instance's order), pax."""

    units: tuple[int, ...]
    personnel_pax: int


def contributions(
    n: NationData, caps: tuple[CapabilityData, ...], most_pax: float, limit: int
) -> list[Contribution] | None:
    """Every contribution n's own limits (2)–(6) allow with at most ``most_pax`` deployed.

    None when there are more than ``limit``: the nation then keeps the compact rows.
    """
    options = [unit_options(n, c) for c in caps]
    if any(not option for option in options):
        return []
    top = min(most_pax, n.max_deployed_pax) + EPS
    found: list[Contribution] = []
    counts: list[int] = []

    def extend(i: int, pool_pax: float, pax: int) -> bool:
        """Depth-first over capabilities; False once there are too many."""
        if i == len(caps):
            if pax >= n.min_deployed_pax:
                found.append(Contribution(tuple(counts), pax))
            return len(found) <= limit
        size = caps[i].personnel_per_unit_pax
        for units, pool in options[i]:
            if pool_pax + pool > n.available_pax + EPS or pax + units * size > top:
                break
            counts.append(units)
            going = extend(i + 1, pool_pax + pool, pax + units * size)
            counts.pop()
            if not going:
                return False
        return True

    return found if extend(0, 0.0, 0) else None


def contribution_table(
    instance: AllocationInstance, t: float = math.inf
) -> dict[str, list[Contribution]] | None:
    """Each eligible nation's contributions with every excess within t, where few enough.

    Nations with more than ``MAX_CONTRIBUTIONS_PER_NATION`` (or none) are left out: they keep
    the compact rows. None when all together exceed ``MAX_CONTRIBUTIONS``.
    """
    fair = fair_pax(instance)
    table: dict[str, list[Contribution]] = {}
    total = 0
    for n in instance.eligible:
        most = (1.0 + t) * fair[n.code] if fair[n.code] > 0 else math.inf
        options = contributions(n, instance.capabilities, most, MAX_CONTRIBUTIONS_PER_NATION)
        if options:
            table[n.code] = options
            total += len(options)
            if total > MAX_CONTRIBUTIONS:
                return None
    return table


def add_configurations(model: Model, table: dict[str, list[Contribution]]) -> None:
    """(11) One binary per contribution of each nation in ``table``, exactly one chosen."""
    inst, solver = model.instance, model.solver
    fair = fair_pax(inst)
    for code, options in table.items():
        chosen = [solver.BoolVar(f"y[{code},{j}]") for j in range(len(options))]
        solver.Add(sum(chosen) == 1, f"one_contribution[{code}]")
        for k, c in enumerate(inst.capabilities):
            picked = sum(o.units[k] * y for o, y in zip(options, chosen, strict=True))
            solver.Add(model.x[Key(code, c.id)] == picked, f"contribution[{code},{c.id}]")
        f = fair[code]
        deviation = sum(abs(o.personnel_pax - f) * y for o, y in zip(options, chosen, strict=True))
        solver.Add(model.abs_dev[code] >= deviation, f"contribution_dev[{code}]")
        if f > 0:
            excess = sum(
                max(0.0, (o.personnel_pax - f) / f) * y
                for o, y in zip(options, chosen, strict=True)
            )
            solver.Add(model.max_dev >= excess, f"contribution_excess[{code}]")


Rotation = tuple[float, ...]  # a nation's multipliers m_nk, in its instance's type order


def rotation(instance: AllocationInstance, n: NationData) -> Rotation:
    """n's multipliers by type: nations with the same rotate (and cost) alike."""
    return tuple(n.m(c.id) for c in instance.capabilities)


@dataclass(frozen=True)
class NationClass:
    """Nations with the same contributions and multipliers: one another's equals for cost."""

    codes: tuple[str, ...]
    options: tuple[Contribution, ...]
    counts: tuple[pywraplp.Variable, ...]  # N_cj: how many of them take contribution j
    units: dict[str, pywraplp.Variable]  # X_cg: their units of each merged type


def add_nation_classes(
    model: Model,
    instance: AllocationInstance,
    table: dict[str, list[Contribution]],
    by_rotation: bool = True,
) -> list[NationClass]:
    """(11') The nations of ``table`` by class of equals, each class as counts of choices.

    Σ_j N_cj = |c|;  X_cg = Σ_j v_jg N_cj, added to (1). ``instance`` holds the nations of
    ``table``; the model must not (``build`` on the others). Nations that differ only in
    their fair shares are the same for the cost stage (their caps are in their
    contributions), and hundreds of interchangeable binaries leave SCIP nothing to branch on
    but symmetry: on the 300 × 30 cost stage, 294 small nations are 77 classes.
    ``by_rotation``: nations must also rotate alike (for cost; feasibility needs only the
    same contributions, 50 classes there).
    """
    solver = model.solver
    grouped: dict[tuple, list[str]] = {}
    for code, options in sorted(table.items()):
        rho = rotation(instance, instance.nation(code)) if by_rotation else None
        signature = (tuple(options), rho)
        grouped.setdefault(signature, []).append(code)
    classes = []
    for i, ((options, _), codes) in enumerate(grouped.items()):
        counts = tuple(solver.IntVar(0, len(codes), f"N[{i},{j}]") for j in range(len(options)))
        solver.Add(sum(counts) == len(codes), f"class_size[{i}]")
        units = {}
        for k, c in enumerate(instance.capabilities):
            units[c.id] = solver.IntVar(0, c.required_units, f"X[{i},{c.id}]")
            picked = sum(o.units[k] * count for o, count in zip(options, counts, strict=True))
            solver.Add(units[c.id] == picked, f"class_units[{i},{c.id}]")
            model.constraints[Limit("requirement", "", c.id)].SetCoefficient(units[c.id], 1.0)
        classes.append(NationClass(tuple(codes), options, counts, units))
    return classes


def class_units(cls: NationClass, caps: tuple[CapabilityData, ...]) -> dict[Key, int]:
    """The solution's units of each nation of the class: contributions in order of code."""
    out: dict[Key, int] = {}
    codes = iter(cls.codes)
    for option, count in zip(cls.options, cls.counts, strict=True):
        for _ in range(round(count.solution_value())):
            code = next(codes)
            out.update({Key(code, c.id): v for c, v in zip(caps, option.units, strict=True)})
    return out


def add_type_split(
    model: Model,
    instance: AllocationInstance,
    members: dict[str, tuple[CapabilityData, ...]],
    holders: list[tuple[Rotation, dict[str, pywraplp.Variable]]],
) -> dict[tuple[Rotation, str], pywraplp.Variable]:
    """(12) Units of the merged types split back into the instance's types, and their cost.

    A unit's cost depends on its type and its nation's multipliers only, so the split is by
    rotation ρ: w_ρk ≥ 0 for each member type k of a merged type g, with
    Σ_{k∈g} w_ρk = Σ_{holders h of ρ} X_hg and Σ_ρ w_ρk = R_k; the objective Σ c_k m_ρk w_ρk.
    For fixed X a transportation problem, so an integral w exists (the LP's basic solution is
    one). ``holders``: each holder's rotation and merged units (a nation or a class of them).
    """
    solver = model.solver
    column = {  # a member type's multipliers are its merged type's (as merged requires)
        c.id: i for i, g in enumerate(model.instance.capabilities) for c in members[g.id]
    }
    rotations = sorted({rho for rho, _ in holders})
    split: dict[tuple[Rotation, str], pywraplp.Variable] = {}
    cost = []
    for merged_id, group in members.items():
        for rho in rotations:
            for c in group:
                var = solver.NumVar(0.0, c.required_units, f"w[{rotations.index(rho)},{c.id}]")
                split[rho, c.id] = var
                cost.append(c.cost_per_unit_year * rho[column[c.id]] * var)
            held = sum(units[merged_id] for r, units in holders if r == rho)
            solver.Add(sum(split[rho, c.id] for c in group) == held)
        for c in group:
            solver.Add(sum(split[rho, c.id] for rho in rotations) == c.required_units)
    solver.Minimize(sum(cost))
    return split


def split_by_rotation(
    instance: AllocationInstance,
    small: AllocationInstance,
    members: dict[str, tuple[CapabilityData, ...]],
    merged_units: dict[Key, int],
    split: dict[tuple[Rotation, str], pywraplp.Variable],
) -> dict[Key, int]:
    """Each nation's merged units as units of the instance's types, within its rotation's w.

    Per rotation, ``completion.split_units`` with each type's room the rotation's w_ρk.
    """
    out: dict[Key, int] = {}
    for rho in sorted({rho for rho, _ in split}):
        alike = tuple(n for n in small.eligible if rotation(small, n) == rho)
        room = {
            merged_id: tuple(
                dataclasses.replace(c, required_units=round(split[rho, c.id].solution_value()))
                for c in group
            )
            for merged_id, group in members.items()
        }
        out.update(split_units(dataclasses.replace(instance, nations=alike), merged_units, room))
    return out


#: Runs a model within a time limit (s) and returns the OR-Tools result code (``solve.run``).
Runner = Callable[[Model, float], int]


def _on_instance(
    instance: AllocationInstance, small: AllocationInstance, units: dict[Key, int], value: float
) -> dict[Key, int] | None:
    """Units of the instance with the merged solution's totals per nation, or None.

    The merged copy is a relaxation, so equal totals attain its optimum on the instance too.
    """
    totals = personnel_by_nation(small, units)
    return complete(instance, Bound(value, totals=totals), time_limit_s=SPLIT_BACK_S)


def class_model(
    small: AllocationInstance,
    table: dict[str, list[Contribution]],
    t_cap: float,
    by_rotation: bool,
) -> tuple[Model, list[NationClass]]:
    """The compact model of the nations outside ``table``, its excess within ``t_cap``, and
    the nations of ``table`` as classes of equals (11')."""
    others = tuple(n for n in small.nations if n.code not in table)
    model = build(dataclasses.replace(small, nations=others))
    model.max_dev.SetUb(t_cap)
    return model, add_nation_classes(model, small, table, by_rotation)


def merged_solution(
    model: Model, classes: list[NationClass], caps: tuple[CapabilityData, ...]
) -> dict[Key, int]:
    """Units by nation and merged type of a class model's solution."""
    units = model.solution_units()
    for cls in classes:
        units.update(class_units(cls, caps))
    return units


def _feasible_at(
    small: AllocationInstance, t: float, run: Runner, seconds: float
) -> tuple[bool | None, dict[Key, int]]:
    """Whether some allocation of the merged instance keeps every excess within t, and it.

    Nations as classes of equal contributions (11'): measured on the 300 × 30 instance,
    feasible steps 1.8–3.7 s instead of 4.1–8.9 s with a binary per nation and contribution
    (11), infeasible ones alike (1.2–2.2 s). None when the configuration model would be too
    large or the solver ran out of time.
    """
    table = contribution_table(small, t)
    if table is None:
        return None, {}
    model, classes = class_model(small, table, t, by_rotation=False)
    code = run(model, seconds)
    if code in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return True, merged_solution(model, classes, small.capabilities)
    if code == pywraplp.Solver.INFEASIBLE:
        return False, {}
    return None, {}


def excess_candidates(instance: AllocationInstance) -> list[float]:
    """The excesses t* can take, from the DP bound up (ascending); empty without a bound."""
    bound = max_deviation_bound(instance)
    return list(bound.steps) if bound is not None and bound.steps is not None else []


def first_feasible(candidates: list[float], feasible: Callable[[float], bool | None]) -> int | None:
    """Index of the first candidate ``feasible`` accepts (monotone), doubling then halving.

    Below index 0 is known infeasible. None when a step is undecided or none is feasible.
    """
    low, step, probe = -1, 1, 0
    while True:
        answer = feasible(candidates[probe])
        if answer is None:
            return None
        if answer:
            break
        if probe == len(candidates) - 1:
            return None
        low, probe, step = probe, min(probe + step, len(candidates) - 1), step * 2
    high = probe
    while high - low > 1:
        mid = (low + high) // 2
        answer = feasible(candidates[mid])
        if answer is None:
            return None
        if answer:
            high = mid
        else:
            low = mid
    return high


def least_excess(
    instance: AllocationInstance, run: Runner, time_limit_s: float
) -> Completion | None:
    """min_max_deviation by the search over candidate excesses: proven (its bound is its
    value), or, when a step runs out of time, the best found with the candidate above the
    highest proven infeasible as its bound.

    None when the configuration model would be too large, no step found an allocation, or
    the merged solution's totals cannot be met on the instance.
    """
    deadline = time.perf_counter() + time_limit_s
    small, _ = merged(instance)
    candidates = excess_candidates(small)
    if not candidates:
        return None
    found: dict[float, dict[Key, int]] = {}
    refused: list[int] = []  # indices proven infeasible

    def feasible(t: float) -> bool | None:
        answer, units = _feasible_at(small, t, run, deadline - time.perf_counter())
        if answer:
            found[t] = units
        elif answer is False:
            refused.append(candidates.index(t))
        return answer

    index = first_feasible(candidates, feasible)
    if not found:
        return None
    t_best = candidates[index] if index is not None else min(found)
    units = _on_instance(instance, small, found[t_best], t_best)
    if units is None:
        return None
    value = objective_value(instance, Objective.min_max_deviation, units)
    lower = candidates[max(refused, default=-1) + 1]
    return Completion(units, value, min(lower, value))


def least_sum_deviation(
    instance: AllocationInstance, run: Runner, time_limit_s: float
) -> Completion | None:
    """min_sum_deviation on the merged configuration model, with SCIP's bound (the optimum
    when the solve ended within its gap), or None when it found no allocation in time."""
    small, _ = merged(instance)
    table = contribution_table(small)
    if table is None:
        return None
    model = build(small)
    add_configurations(model, table)
    model.solver.Minimize(sum(model.abs_dev.values()) + 0.0 * model.max_dev)
    if run(model, time_limit_s) not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    value = model.solver.Objective().Value()
    units = _on_instance(instance, small, model.solution_units(), value)
    if units is None:
        return None
    bound = model.solver.Objective().BestBound()
    return Completion(units, objective_value(instance, Objective.min_sum_deviation, units), bound)


def least_cost_within(
    instance: AllocationInstance, t_cap: float, run: Runner, time_limit_s: float
) -> Completion | None:
    """min cost with every excess within ``t_cap`` (the lexicographic cost stage) and SCIP's
    bound, or None (no allocation found in time, or its split breaks a pool).

    On the merged instance: the nations with few contributions as classes of equals (11'),
    the others compact, the split by type (12). A relaxation of the instance (merged pools),
    so its optimum is the instance's when the split keeps the members' own pools.
    """
    small, members = merged(instance)
    table = contribution_table(small, t_cap)
    if table is None:
        return None
    model, classes = class_model(small, table, t_cap, by_rotation=True)
    holders = [(rotation(small, small.nation(cls.codes[0])), cls.units) for cls in classes] + [
        (rotation(small, n), {c.id: model.x[Key(n.code, c.id)] for c in small.capabilities})
        for n in small.eligible
        if n.code not in table
    ]
    split = add_type_split(model, instance, members, holders)
    if run(model, time_limit_s) not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    merged_units = merged_solution(model, classes, small.capabilities)
    units = split_by_rotation(instance, small, members, merged_units, split)
    if evaluate(instance, units_frame(units)):
        return None
    bound = model.solver.Objective().BestBound()
    return Completion(units, objective_value(instance, Objective.min_cost, units), bound)


def by_configurations(
    instance: AllocationInstance, objective: Objective, run: Runner, time_limit_s: float
) -> Completion | None:
    """A fairness objective on the configuration model: an allocation and its proven bound
    (equal to its value, within the solver's gap, when optimal); None if no allocation was
    found (or the objective is not a fairness one)."""
    if objective is Objective.min_max_deviation:
        return least_excess(instance, run, time_limit_s)
    if objective is Objective.min_sum_deviation:
        return least_sum_deviation(instance, run, time_limit_s)
    return None
