"""The optimiser's limits, diagnoses and conflict set as headed sentences."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Optimiser fields read as statements, in the order shown, with their headings.
OPTIMISER_FIELDS = (
    ("explanation", "Why the requirement cannot be met"),
    ("conflicting_limits", "Conflicting limits"),
    ("binding_limits", "Binding limits"),
    ("shortfall_by_capability", "Shortfall by capability (units)"),
    ("relaxations", "What would restore feasibility"),
)
_STATEMENT_WORDS = ("binding", "conflict", "shortfall", "relax", "diagnos", "explanation")


def optimiser_statements(
    opt: Mapping[str, Any] | None, infeasible: bool
) -> list[tuple[str, list[str]]]:
    """The optimiser's limits and diagnoses as (heading, sentences), known fields first."""
    if not opt:
        return []
    titles = dict(OPTIMISER_FIELDS)
    if not infeasible:
        titles["explanation"] = "The optimiser's explanation"
    known = [k for k, _ in OPTIMISER_FIELDS if k in opt]
    other = sorted(
        k
        for k in opt
        if k not in titles
        and k not in _CONFLICT_SET_FIELDS
        and any(w in k.lower() for w in _STATEMENT_WORDS)
    )
    out = []
    for key in [*known, *other]:
        items = _flatten(opt[key])
        if items:
            out.append((titles.get(key, key.replace("_", " ").capitalize()), items))
    conflict = conflict_set_sentence(opt.get("conflict_set"), opt.get("conflict_set_minimal"))
    if conflict:
        out.append(("Limits that cannot all hold (conflict set)", [conflict]))
    return out


_CONFLICT_SET_FIELDS = frozenset({"conflict_set", "conflict_set_minimal"})
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


def conflict_set_sentence(records: Any, minimal: Any) -> str:
    """The optimiser's conflict set in one sentence: each family with the nations or types."""
    if not isinstance(records, list) or not records:
        return ""
    grouped: dict[str, list[str]] = {}
    for record in records:
        if not isinstance(record, Mapping):
            continue
        family = str(record.get("family", ""))
        names = [str(record[k]) for k in ("nation", "capability") if record.get(k)]
        grouped.setdefault(family, []).append(" ".join(names))
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


def _flatten(value: Any) -> list[str]:
    """Strings from an optimiser field (a string, list of strings, or list/dict of records)."""
    if value is None or value == "" or value == [] or value == {}:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        if all(not isinstance(v, Mapping | list) for v in value.values()):
            return ["; ".join(f"{k}: {v}" for k, v in value.items())]
        return [s for k in value for s in (f"{k} — {t}" for t in _flatten(value[k]))]
    if isinstance(value, list):
        return [s for v in value for s in _flatten(v)]
    return [str(value)]
