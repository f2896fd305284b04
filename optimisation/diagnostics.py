"""Why a requirement cannot be met: shortfalls, conflicting limits, the largest force, relaxations.

All in planners' words ("air defence: 20 battalions required; willing nations can sustain 6 with
their rotation rules"), so the report can quote them as they are.
"""

from __future__ import annotations

import dataclasses

from optimisation.instance import AllocationInstance
from optimisation.solve import AllocationResult, SolveParams, Status, feasible_at


def capability_shortfalls(instance: AllocationInstance) -> dict[str, tuple[int, int]]:
    """Per capability: (required, sustainable if every eligible nation gave only that type).

    Each nation's own limits are applied one capability at a time, so a shortfall here is a
    hard conflict: no division of the other types can cure it.
    """
    out = {}
    for c in instance.capabilities:
        sustainable = 0
        for n in instance.eligible:
            by_capacity = n.available_pax / (c.personnel_per_unit_pax * n.multiplier)
            limit = min(by_capacity, n.max_deployed_pax / c.personnel_per_unit_pax)
            limit = min(limit, n.max_units.get(c.id, c.required_units))
            if c.scarce and c.id in n.inventory_units:
                limit = min(limit, n.inventory_units[c.id] / n.multiplier)
            sustainable += int(limit + 1e-9)
        out[c.id] = (c.required_units, min(sustainable, c.required_units))
    return out


def aggregate_statement(instance: AllocationInstance) -> str:
    """The whole force: rotation pool needed against the personnel the eligible nations spare."""
    spare = sum(n.available_pax for n in instance.eligible)
    weights = [n.available_pax for n in instance.eligible]
    mean_multiplier = (
        sum(n.multiplier * w for n, w in zip(instance.eligible, weights, strict=True))
        / sum(weights)
        if sum(weights)
        else float("nan")
    )
    need = instance.required_pax * mean_multiplier
    return (
        f"{instance.required_pax:,} pax deployed need a rotation pool of about {need:,.0f} pax "
        f"({mean_multiplier:.2f} per deployed soldier); the {len(instance.eligible)} eligible "
        f"nations can spare {spare:,.0f} pax above their home-defence floors"
    )


def with_all_willing(instance: AllocationInstance, codes: set[str]) -> AllocationInstance:
    """The instance with the named nations made eligible (fair shares recomputed)."""
    nations = tuple(
        dataclasses.replace(n, eligible=n.eligible or n.code in codes) for n in instance.nations
    )
    total = sum(n.key_value for n in nations if n.eligible)
    fair = {n.code: n.key_value / total for n in nations if n.eligible}
    return AllocationInstance(nations, instance.capabilities, fair, instance.key_label)


def nations_to_add(instance: AllocationInstance, params: SolveParams) -> list[str]:
    """Smallest greedy set of other participating nations (largest spare first) that suffices."""
    candidates = sorted(
        (n for n in instance.nations if not n.eligible and n.available_pax > 0),
        key=lambda n: (-n.available_pax, n.code),
    )
    added: set[str] = set()
    for n in candidates:
        added.add(n.code)
        if feasible_at(with_all_willing(instance, added), params, 1.0):
            return sorted(added)
    return []


def diagnose(
    instance: AllocationInstance, params: SolveParams, largest: AllocationResult
) -> AllocationResult:
    """Fill an infeasible result's explanation, shortfalls and relaxations."""
    largest_pax = int(largest.allocation["personnel_deployed"].sum())
    explanation = [aggregate_statement(instance)]
    shortfall: dict[str, int] = {}
    for cap, (required, sustainable) in capability_shortfalls(instance).items():
        if sustainable < required:
            shortfall[cap] = required - sustainable
            explanation.append(
                f"{cap}: {required} units required; the eligible nations can sustain "
                f"{sustainable} with their rotation rules"
            )
    explanation.append(
        f"largest sustainable force in the required mix: {largest_pax:,} pax "
        f"({largest.largest_force_share:.0%} of the requirement of {instance.required_pax:,})"
    )
    relaxations = []
    added = nations_to_add(instance, params)
    if added:
        relaxations.append("add these nations as contributors: " + ", ".join(added))
    else:
        relaxations.append(
            "no set of the other participating nations closes the gap at these rotation rules"
        )
    return AllocationResult(
        status=Status.infeasible,
        objective=largest.objective,
        objective_value=largest.objective_value,
        bound=largest.bound,
        gap=largest.gap,
        solve_time_s=largest.solve_time_s,
        allocation=largest.allocation,
        burden=largest.burden,
        binding_limits=largest.binding_limits,
        explanation=explanation,
        shortfall_by_capability=shortfall,
        relaxations=relaxations,
        largest_force_share=largest.largest_force_share,
        largest_sustainable_force=largest,
    )
