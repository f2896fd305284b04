"""Levers: named changes to a scenario file that a planner can pull, applied to its mapping.

A lever is a scenario path and the values to try (``--vary path=v1,v2,...``), or one of the
planners' levers with their own meaning:

- ``coalition``: who may contribute. ``willing`` (lead and willing nations), ``willing_open``
  (and those open under conditions), ``all`` (every listed nation with forces that has not
  opted out or opposed), a ``+``-joined list of codes (``GBR+FRA+POL``: exactly those, each
  eligible whatever its stated willingness), or codes after a leading ``+`` (``+POL+ITA``: the
  scenario's coalition and these nations too). A nation the scenario does not list is taken,
  with its home node and that node's links, from a donor scenario (``nations_from``, e.g.
  ``scenarios/all_europe.yaml``), so the baseline can ask what Poland and Italy would add.
- ``rotation.tour_days``, ``rotation.dwell_ratio``, ``rotation.overlap_days``,
  ``rotation.home_defence_floor``: the coalition's rule. A nation's own setting of the same
  field overrides the coalition's, so a lever applies to every nation: the national settings
  are removed, unless the caller keeps them, and the point records whose were removed or kept.

Any other path is set as ``sweep --set`` sets it (``nations[FRA].dwell_ratio``,
``force.target_deployed_pax``...).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from logistics_sim.scenario import Scenario, Willingness

COALITION = "coalition"

#: Rotation fields a nation may set for itself, overriding the coalition's.
NATIONAL_ROTATION_FIELDS = ("tour_days", "dwell_ratio", "overlap_days", "home_defence_floor")

#: Coalitions by stated willingness (nations.csv ``willingness_flag``).
COALITIONS: dict[str, tuple[Willingness, ...]] = {
    "willing": (Willingness.lead, Willingness.willing),
    "willing_open": (Willingness.lead, Willingness.willing, Willingness.open_conditional),
    "all": (
        Willingness.lead,
        Willingness.willing,
        Willingness.open_conditional,
        Willingness.hesitant,
        Willingness.unclear,
        Willingness.no_ground_troops,
    ),
}

#: Limits on what a command line may ask (every input bounded).
MAX_LEVERS = 6
MAX_VALUES = 50
MAX_POINTS = 400


class LeverError(ValueError):
    """A lever the analysis cannot apply (bad syntax, unknown nation, too many points)."""


@dataclass(frozen=True)
class Lever:
    """One ``--vary path=v1,v2,...``: a path and the values to try, in the order given."""

    path: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Applied:
    """A scenario built for one point and what applying its levers did to national settings."""

    scenario: Scenario
    removed: tuple[str, ...]  # "FRA dwell_ratio": national settings the lever replaced
    kept: tuple[str, ...]  # national settings kept by request (they override the lever)


def parse_lever(text: str) -> Lever:
    """``rotation.dwell_ratio=1,2,3`` -> Lever('rotation.dwell_ratio', (1, 2, 3))."""
    from logistics_sim.experiment import SweepSpecError, parse_set

    try:
        parameter = parse_set(text)
    except SweepSpecError as exc:
        raise LeverError(str(exc).replace("--set", "--vary")) from None
    if len(parameter.values) > MAX_VALUES:
        raise LeverError(f"--vary {parameter.path}: at most {MAX_VALUES} values")
    values = parameter.values
    if parameter.path == COALITION:
        values = tuple(str(v) for v in values)
    return Lever(parameter.path, values)


def grid(levers: Sequence[Lever]) -> list[dict[str, Any]]:
    """Every combination of the levers' values, the first lever varying slowest."""
    import itertools

    if len(levers) > MAX_LEVERS:
        raise LeverError(f"at most {MAX_LEVERS} levers")
    paths = [lever.path for lever in levers]
    if len(set(paths)) != len(paths):
        raise LeverError("a lever is given twice: " + ", ".join(sorted(paths)))
    count = 1
    for lever in levers:
        count *= len(lever.values)
    if count > MAX_POINTS:
        raise LeverError(f"{count} points: at most {MAX_POINTS} (fewer values per lever)")
    return [
        dict(zip(paths, combo, strict=True))
        for combo in itertools.product(*(lever.values for lever in levers))
    ]


def label(point: dict[str, Any]) -> str:
    """``coalition=willing, rotation.dwell_ratio=2`` (``as given`` for no change)."""
    return ", ".join(f"{k}={v}" for k, v in point.items()) or "as given"


def _join_from(mapping: dict[str, Any], donor: dict[str, Any], code: str) -> bool:
    """Copy nation ``code``, its home node and that node's links from ``donor``; found?"""
    entry = next((n for n in donor.get("nations") or [] if n.get("code") == code), None)
    if entry is None:
        return False
    mapping.setdefault("nations", []).append(copy.deepcopy(entry))
    home = entry.get("home_node")
    network = mapping.setdefault("network", {})
    have = {n.get("id") for n in network.get("nodes") or []}
    for node in (donor.get("network") or {}).get("nodes") or []:
        if node.get("id") == home and home not in have:
            network.setdefault("nodes", []).append(copy.deepcopy(node))
    links = {link.get("id") for link in network.get("links") or []}
    for link in (donor.get("network") or {}).get("links") or []:
        if home in (link.get("from_node"), link.get("to_node")) and link.get("id") not in links:
            network.setdefault("links", []).append(copy.deepcopy(link))
    return True


def _add_nations(mapping: dict[str, Any], codes: list[str], donor: dict[str, Any] | None) -> None:
    """The scenario's coalition plus ``codes``, each eligible whatever its willingness."""
    listed = {str(n.get("code")) for n in mapping.get("nations") or [] if isinstance(n, dict)}
    missing = [
        code
        for code in codes
        if code not in listed and (donor is None or not _join_from(mapping, donor, code))
    ]
    if missing:
        raise LeverError(
            f"coalition=+{'+'.join(codes)}: {', '.join(missing)} not listed in the scenario"
            + ("" if donor else "; name a scenario that lists them with --nations-from")
        )
    for nation in mapping["nations"]:
        if nation.get("code") in codes:
            nation["participates"] = True
            nation["willingness"] = Willingness.willing.value


def _set_coalition(
    mapping: dict[str, Any], value: str, donor: dict[str, Any] | None = None
) -> None:
    """Who may contribute: a named coalition, a list of codes, or ``+`` codes added."""
    if value.startswith("+"):
        _add_nations(mapping, [c.strip() for c in value.split("+") if c.strip()], donor)
        return
    nations = mapping.get("nations") or []
    listed = [str(n.get("code")) for n in nations if isinstance(n, dict)]
    bs = mapping.setdefault("burden_sharing", {})
    if value in COALITIONS:
        bs["eligible_willingness"] = [w.value for w in COALITIONS[value]]
        for nation in nations:
            nation.pop("participates", None)
        return
    codes = [code.strip() for code in value.split("+") if code.strip()]
    unknown = sorted(set(codes) - set(listed))
    if not codes or unknown:
        raise LeverError(
            f"coalition={value}: expected {', '.join(COALITIONS)} or codes joined by '+' from "
            f"the scenario's nations ({', '.join(listed)})"
            + (f"; not listed: {', '.join(unknown)}" if unknown else "")
        )
    bs["eligible_willingness"] = [w.value for w in Willingness]
    for nation in nations:
        nation["participates"] = nation.get("code") in codes


def _national_overrides(
    mapping: dict[str, Any], path: str, keep_national: bool
) -> tuple[list[str], list[str]]:
    """Remove (or keep and report) the nations' own settings of a coalition rotation field."""
    head, _, field = path.partition(".")
    if head != "rotation" or field not in NATIONAL_ROTATION_FIELDS:
        return [], []
    removed, kept = [], []
    for nation in mapping.get("nations") or []:
        if isinstance(nation, dict) and nation.get(field) is not None:
            note = f"{nation.get('code')} {field}={nation[field]}"
            if keep_national:
                kept.append(note)
            else:
                del nation[field]
                removed.append(note)
    return removed, kept


def shadowed(scenario: Scenario, path: str) -> list[str]:
    """Nations whose own setting overrides a coalition rotation ``path`` (``FRA dwell_ratio=2``)."""
    head, _, field = path.partition(".")
    if head != "rotation" or field not in NATIONAL_ROTATION_FIELDS:
        return []
    return [
        f"{n.code} {field}={getattr(n, field):g}"
        for n in scenario.nations
        if getattr(n, field) is not None
    ]


def apply_point(
    file: Path, point: dict[str, Any], keep_national: bool = False, nations_from: Path | None = None
) -> Applied:
    """The scenario file with one point's levers applied, validated like the file itself.

    ``nations_from``: a scenario whose nations (with their home nodes and links) a
    ``coalition=+CODE`` lever may bring in when this scenario does not list them.
    """
    from logistics_sim.errors import Problem, ScenarioError
    from logistics_sim.experiment import SweepSpecError, set_path
    from logistics_sim.loading import read_mapping, scenario_from_mapping

    mapping, positions = read_mapping(file)
    mapping = copy.deepcopy(mapping)
    removed: list[str] = []
    kept: list[str] = []
    for path, value in point.items():
        if path == COALITION:
            donor = read_mapping(nations_from)[0] if nations_from is not None else None
            _set_coalition(mapping, str(value), donor)
            continue
        gone, stay = _national_overrides(mapping, path, keep_national)
        removed += gone
        kept += stay
        try:
            set_path(mapping, path, value)
        except SweepSpecError as exc:
            raise LeverError(str(exc).replace("--set", "--vary")) from None
    try:
        scenario = scenario_from_mapping(mapping, positions, file)
    except ScenarioError as exc:
        raise ScenarioError(
            [
                Problem(p.file, p.line, p.col, p.path, f"{p.message} (with {label(point)})")
                for p in exc.problems
            ]
        ) from None
    return Applied(scenario, tuple(removed), tuple(kept))
