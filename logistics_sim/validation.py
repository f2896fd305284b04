"""Named cross-field checks on a validated scenario, each a small ``check_*`` function.

Each check returns :class:`Finding` rows located by field path (a tuple such as
``("force", "sectors", 2, "forward_depot")``). Errors refuse the scenario; warnings are
reported by ``validate`` and become errors with ``--strict``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from logistics_sim.scenario import Scenario, rotation_of


class Severity(StrEnum):
    """Whether a finding refuses the scenario or only warns."""

    error = "error"
    warning = "warning"


@dataclass(frozen=True)
class Finding:
    """One result of a check: where, what, and how serious."""

    path: tuple[str | int, ...]
    message: str
    severity: Severity = Severity.error


Check = Callable[[Scenario], Iterable[Finding]]


def check_unique_ids(s: Scenario) -> Iterable[Finding]:
    """Ids of sectors, capabilities, nations, nodes, links, classes and fleets are unique."""
    groups: list[tuple[tuple[str | int, ...], list[str]]] = [
        (("force", "sectors"), [x.id for x in s.force.sectors]),
        (("force", "capabilities"), [x.id for x in s.force.capabilities]),
        (("nations",), [x.code for x in s.nations]),
        (("network", "nodes"), [x.id for x in s.network.nodes]),
        (("network", "links"), [x.id for x in s.network.links]),
        (("sustainment", "supply_classes"), [x.id for x in s.sustainment.supply_classes]),
        (("sustainment", "fleets"), [x.id for x in s.sustainment.fleets]),
        (("reinforcement", "plans"), [x.id for x in s.reinforcement.plans]),
    ]
    for base, ids in groups:
        seen: set[str] = set()
        for i, ident in enumerate(ids):
            if ident in seen:
                yield Finding((*base, i), f"duplicate id '{ident}'")
            seen.add(ident)


def check_sector_troops_add_up(s: Scenario) -> Iterable[Finding]:
    """Sector troops add up to the force's target deployed strength."""
    total = sum(sec.troops_pax for sec in s.force.sectors)
    if total != s.force.target_deployed_pax:
        yield Finding(
            ("force", "sectors"),
            f"sector troops add up to {total:,} pax, not the target "
            f"{s.force.target_deployed_pax:,} pax",
        )


def check_handover_shorter_than_tour(s: Scenario) -> Iterable[Finding]:
    """The relief-in-place overlap is shorter than the tour, for the default and every nation."""
    if s.rotation.overlap_days >= s.rotation.tour_days:
        yield Finding(
            ("rotation", "overlap_days"),
            f"handover of {s.rotation.overlap_days:g} days is not shorter than the tour of "
            f"{s.rotation.tour_days:g} days",
        )
    for i, nation in enumerate(s.nations):
        tour, _, overlap = rotation_of(s, nation)
        if (nation.tour_days is not None or nation.overlap_days is not None) and overlap >= tour:
            yield Finding(
                ("nations", i, "overlap_days" if nation.overlap_days is not None else "tour_days"),
                f"{nation.code}: handover of {overlap:g} days is not shorter than the tour of "
                f"{tour:g} days",
            )


CHECKS: tuple[Check, ...] = (
    check_unique_ids,
    check_sector_troops_add_up,
    check_handover_shorter_than_tour,
)


def run_checks(scenario: Scenario) -> list[Finding]:
    """Every finding of every check, in check order."""
    return [finding for check in CHECKS for finding in check(scenario)]
