"""The optimiser's limits, diagnoses and conflict set as headed sentences."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from optimisation.result import AllocationResult, LimitRecord


def optimiser_statements(
    opt: AllocationResult | None, infeasible: bool
) -> list[tuple[str, list[str]]]:
    """The optimiser's explanation, limits, shortfalls and relaxations as (heading, sentences)."""
    if opt is None:
        return []
    d = opt.diagnosis
    why = "Why the requirement cannot be met" if infeasible else "The optimiser's explanation"
    headed: list[tuple[str, list[str]]] = [
        (why, list(d.explanation)),
        ("Conflicting limits", list(d.conflicting_limits)),
        ("Binding limits", list(opt.binding_limits)),
        ("Shortfall by capability (units)", _shortfall(d.shortfall_by_capability)),
        ("What would restore feasibility", list(d.relaxations)),
    ]
    out = [(heading, items) for heading, items in headed if items]
    conflict = conflict_set_sentence(d.conflict_set, d.conflict_set_minimal)
    if conflict:
        out.append(("Limits that cannot all hold (conflict set)", [conflict]))
    return out


def _shortfall(shortfall: Mapping[str, int]) -> list[str]:
    """Units missing per capability, in one line."""
    return ["; ".join(f"{k}: {v}" for k, v in shortfall.items())] if shortfall else []


#: How each constraint family of the optimiser's conflict set reads, and what it lists.
_FAMILY_WORDS = {
    "capacity": "national capacity (rotation pool above the home-defence floor) of",
    "requirement": "the requirement for",
    "inventory": "the national inventory of",
    "willingness": "the willingness of",
    "personnel_cap": "the political cap on troops of",
    "personnel_min": "the minimum troop contribution of",
    "unit_cap": "the cap on units of",
    "unit_min": "the minimum units of",
}


def conflict_set_sentence(records: Sequence[LimitRecord], minimal: bool | None) -> str:
    """The optimiser's conflict set in one sentence: each family with the nations or types."""
    if not records:
        return ""
    grouped: dict[str, list[str]] = {}
    for record in records:
        names = [name for name in (record.nation, record.capability) if name]
        grouped.setdefault(record.family, []).append(" ".join(names))
    parts = [
        f"{_FAMILY_WORDS.get(family, family.replace('_', ' ') + ' of')} {', '.join(names)}"
        for family, names in grouped.items()
    ]
    tail = (
        "; dropping any one of them would let the rest hold"
        if minimal is True
        else " (not proven to be the smallest such set)"
    )
    return "These limits cannot all hold together: " + "; ".join(parts) + tail + "."
