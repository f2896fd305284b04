"""Named cross-field checks on a validated scenario, each a small ``check_*`` function.

Each check returns :class:`Finding` rows located by field path (a tuple such as
``("force", "sectors", 2, "forward_depot")``). Errors refuse the scenario; warnings are
reported by ``validate`` and become errors with ``--strict``. Checks never read files: the
source keys of the sources document are passed in by the loader (:func:`run_checks`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from logistics_sim.catalogue import CRITERION_METRICS
from logistics_sim.distributions import sampler
from logistics_sim.rules.routes import FALLBACK_MODE, RoutePlanner, route_graph
from logistics_sim.scenario import (
    FairnessKey,
    NodeKind,
    Scenario,
    Sourced,
    TriangularDist,
    UniformDist,
    rotation_of,
)

FieldPath = tuple[str | int, ...]

#: Capability mix may differ from the target strength by this share before a warning.
MIX_TOLERANCE_SHARE = 0.03

KG_PER_T = 1000.0


class Severity(StrEnum):
    """Whether a finding refuses the scenario or only warns."""

    error = "error"
    warning = "warning"


@dataclass(frozen=True)
class Finding:
    """One result of a check: where, what, and how serious."""

    path: FieldPath
    message: str
    severity: Severity = Severity.error


Check = Callable[[Scenario], Iterable[Finding]]


def _warn(path: FieldPath, message: str) -> Finding:
    """A warning finding (becomes an error with ``--strict``)."""
    return Finding(path, message, Severity.warning)


def _node_kinds(s: Scenario) -> dict[str, NodeKind]:
    """Kind of every node by id."""
    return {node.id: node.kind for node in s.network.nodes}


def _plural(n: int, word: str) -> str:
    """``3 units``, ``1 unit``."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


# ---------------------------------------------------------------------------------------------
# Identity and references.
# ---------------------------------------------------------------------------------------------


def check_unique_ids(s: Scenario) -> Iterable[Finding]:
    """Ids of sectors, capabilities, nations, nodes, links, classes and fleets are unique."""
    groups: list[tuple[FieldPath, list[str]]] = [
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
    node_ids = {n.id for n in s.network.nodes}
    for i, link in enumerate(s.network.links):
        if link.id in node_ids:
            yield Finding(
                ("network", "links", i, "id"),
                f"link id '{link.id}' is also a node id; strike targets could not tell them apart",
            )


def check_link_endpoints_known(s: Scenario) -> Iterable[Finding]:
    """Every link starts and ends at a node of the network."""
    kinds = _node_kinds(s)
    for i, link in enumerate(s.network.links):
        for field in ("from_node", "to_node"):
            node_id = getattr(link, field)
            if node_id not in kinds:
                yield Finding(
                    ("network", "links", i, field),
                    f"link '{link.id}' refers to unknown node '{node_id}'",
                )
        if link.from_node == link.to_node:
            yield Finding(
                ("network", "links", i, "to_node"),
                f"link '{link.id}' starts and ends at the same node '{link.to_node}'",
            )


def check_sector_depots(s: Scenario) -> Iterable[Finding]:
    """Each sector's forward depot is a node of kind ``forward_depot``."""
    kinds = _node_kinds(s)
    for i, sector in enumerate(s.force.sectors):
        path = ("force", "sectors", i, "forward_depot")
        kind = kinds.get(sector.forward_depot)
        if kind is None:
            yield Finding(
                path, f"sector '{sector.id}': forward depot '{sector.forward_depot}' is not a node"
            )
        elif kind is not NodeKind.forward_depot:
            yield Finding(
                path,
                f"sector '{sector.id}': node '{sector.forward_depot}' is a {kind.value}, "
                "not a forward_depot",
            )


def check_nation_home_nodes(s: Scenario) -> Iterable[Finding]:
    """A nation's home node is a node of kind ``home``; participating nations need one."""
    kinds = _node_kinds(s)
    for i, nation in enumerate(s.nations):
        path = ("nations", i, "home_node")
        if nation.home_node is None:
            if nation.participates:
                yield _warn(
                    path,
                    f"{nation.code} has no home_node: its units and supplies cannot be moved",
                )
            continue
        kind = kinds.get(nation.home_node)
        if kind is None:
            yield Finding(path, f"{nation.code}: home node '{nation.home_node}' is not a node")
        elif kind is not NodeKind.home:
            yield Finding(
                path,
                f"{nation.code}: node '{nation.home_node}' is a {kind.value}, not a home node",
            )


def check_fleet_nodes(s: Scenario) -> Iterable[Finding]:
    """A fleet's base is a node and every depot it serves is a forward depot."""
    kinds = _node_kinds(s)
    for i, fleet in enumerate(s.sustainment.fleets):
        if fleet.base_node not in kinds:
            yield Finding(
                ("sustainment", "fleets", i, "base_node"),
                f"fleet '{fleet.id}': base node '{fleet.base_node}' is not a node",
            )
        for j, depot in enumerate(fleet.serves):
            path = ("sustainment", "fleets", i, "serves", j)
            kind = kinds.get(depot)
            if kind is None:
                yield Finding(path, f"fleet '{fleet.id}' serves unknown node '{depot}'")
            elif kind is not NodeKind.forward_depot:
                yield Finding(
                    path,
                    f"fleet '{fleet.id}' serves '{depot}', a {kind.value}, not a forward_depot",
                )


def check_strike_targets_known(s: Scenario) -> Iterable[Finding]:
    """Strike targets (scheduled and random) are node or link ids."""
    known = {n.id for n in s.network.nodes} | {link.id for link in s.network.links}
    for i, strike in enumerate(s.disruptions.scheduled):
        if strike.target not in known:
            yield Finding(
                ("disruptions", "scheduled", i, "target"),
                f"strike target '{strike.target}' is neither a node nor a link",
            )
    for i, random_strikes in enumerate(s.disruptions.random):
        for j, target in enumerate(random_strikes.targets):
            if target not in known:
                yield Finding(
                    ("disruptions", "random", i, "targets", j),
                    f"strike target '{target}' is neither a node nor a link",
                )


def check_capability_ids_known(s: Scenario) -> Iterable[Finding]:
    """Capability ids named by nations, sector allocation and reinforcement are in the catalogue."""
    known = {c.id for c in s.force.capabilities}

    def unknown(path: FieldPath, capability_id: str) -> Finding:
        return Finding(path, f"unknown capability '{capability_id}' (not in force.capabilities)")

    for i, nation in enumerate(s.nations):
        for field in ("max_units", "min_units", "inventory_units"):
            for cap in getattr(nation, field):
                if cap not in known:
                    yield unknown(("nations", i, field, cap), cap)
    for sector_id, units in s.force.sector_allocation.items():
        for cap in units:
            if cap not in known:
                yield unknown(("force", "sector_allocation", sector_id, cap), cap)
    for i, plan in enumerate(s.reinforcement.plans):
        for field in ("required", "theatre_reserve", "designated_reserve"):
            for j, need in enumerate(getattr(plan, field)):
                if need.capability not in known:
                    yield unknown(
                        ("reinforcement", "plans", i, field, j, "capability"), need.capability
                    )


def check_supply_class_ids_known(s: Scenario) -> Iterable[Finding]:
    """Consumption modifiers name supply classes of the scenario."""
    known = {c.id for c in s.sustainment.supply_classes}
    for i, cap in enumerate(s.force.capabilities):
        for class_id in cap.consumption_modifiers:
            if class_id not in known:
                yield Finding(
                    ("force", "capabilities", i, "consumption_modifiers", class_id),
                    f"unknown supply class '{class_id}' (not in sustainment.supply_classes)",
                )


def check_sector_ids_known(s: Scenario) -> Iterable[Finding]:
    """Reinforcement plans and the sector allocation name sectors of the force."""
    known = {sec.id for sec in s.force.sectors}
    for i, plan in enumerate(s.reinforcement.plans):
        if plan.sector not in known:
            yield Finding(
                ("reinforcement", "plans", i, "sector"),
                f"plan '{plan.id}' reinforces unknown sector '{plan.sector}'",
            )
    for sector_id in s.force.sector_allocation:
        if sector_id not in known:
            yield Finding(
                ("force", "sector_allocation", sector_id),
                f"unknown sector '{sector_id}' (not in force.sectors)",
            )


# ---------------------------------------------------------------------------------------------
# The force.
# ---------------------------------------------------------------------------------------------


def check_sector_troops_add_up(s: Scenario) -> Iterable[Finding]:
    """Sector troops add up to the force's target deployed strength."""
    total = sum(sec.troops_pax for sec in s.force.sectors)
    if total != s.force.target_deployed_pax:
        yield Finding(
            ("force", "sectors"),
            f"sector troops add up to {total:,} pax, not the target "
            f"{s.force.target_deployed_pax:,} pax",
        )


def check_background_load_targets(s: Scenario) -> Iterable[Finding]:
    """Background load targets are nodes with handling (a node without it never queues)."""
    load = s.network.background_load
    if load is None:
        return
    nodes = {n.id: n for n in s.network.nodes}
    for i, target in enumerate(load.targets):
        path = ("network", "background_load", "targets", i)
        node = nodes.get(target)
        if node is None:
            yield Finding(path, f"background load target '{target}' is not a node")
        elif sampler(node.handling_days).mean <= 0:
            yield _warn(path, f"node '{target}' has no handling: a background load changes nothing")


def check_capability_mix_matches_target(s: Scenario) -> Iterable[Finding]:
    """Personnel of the required units is within a few per cent of the target strength."""
    mix_pax = sum(c.personnel_per_unit_pax * c.required_units for c in s.force.capabilities)
    target = s.force.target_deployed_pax
    if abs(mix_pax - target) > MIX_TOLERANCE_SHARE * target:
        yield _warn(
            ("force", "capabilities"),
            f"required units hold {mix_pax:,} pax (personnel per unit x required units), "
            f"{(mix_pax - target) / target:+.1%} from the target {target:,} pax "
            f"(tolerance {MIX_TOLERANCE_SHARE:.0%})",
        )


def check_sector_allocation_matches_required(s: Scenario) -> Iterable[Finding]:
    """Where sectors are given units of a capability, they add up to its required units."""
    allocated: dict[str, int] = {}
    for units in s.force.sector_allocation.values():
        for cap_id, n in units.items():
            allocated[cap_id] = allocated.get(cap_id, 0) + n
    for i, cap in enumerate(s.force.capabilities):
        if cap.id in allocated and allocated[cap.id] != cap.required_units:
            yield Finding(
                ("force", "capabilities", i, "required_units"),
                f"sector_allocation places {_plural(allocated[cap.id], 'unit')} of '{cap.id}' "
                f"but {cap.required_units:,} are required",
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


def check_designated_reserve_nations(s: Scenario) -> Iterable[Finding]:
    """A designated reserve names a nation of the scenario that has a home node to leave from."""
    nations = {n.code: n for n in s.nations}
    for i, plan in enumerate(s.reinforcement.plans):
        for j, reserve in enumerate(plan.designated_reserve):
            path = ("reinforcement", "plans", i, "designated_reserve", j, "nation")
            nation = nations.get(reserve.nation)
            if nation is None:
                yield Finding(path, f"unknown nation '{reserve.nation}' (not in nations)")
            elif nation.home_node is None:
                yield Finding(path, f"{reserve.nation} has no home_node to send its reserve from")


def check_nation_limits_ordered(s: Scenario) -> Iterable[Finding]:
    """A nation's minimum contribution is not above its maximum (pax and units, by capability)."""
    for i, nation in enumerate(s.nations):
        lo, hi = nation.min_deployed_pax, nation.max_deployed_pax
        if lo is not None and hi is not None and lo > hi:
            yield Finding(
                ("nations", i, "min_deployed_pax"),
                f"{nation.code}: minimum {lo:,} pax is above its maximum {hi:,} pax",
            )
        for cap, min_units in nation.min_units.items():
            max_units = nation.max_units.get(cap)
            if max_units is not None and min_units > max_units:
                yield Finding(
                    ("nations", i, "min_units", cap),
                    f"{nation.code}: minimum {_plural(min_units, 'unit')} of '{cap}' is above "
                    f"its maximum {max_units:,}",
                )
            owned = nation.inventory_units.get(cap)
            if owned is not None and min_units > owned:
                yield Finding(
                    ("nations", i, "min_units", cap),
                    f"{nation.code}: minimum {_plural(min_units, 'unit')} of '{cap}' is above "
                    f"the {owned:,} it owns (inventory_units)",
                )


# ---------------------------------------------------------------------------------------------
# Sustainment.
# ---------------------------------------------------------------------------------------------


def check_stock_policy_order(s: Scenario) -> Iterable[Finding]:
    """Reorder point below order-up-to level; initial stock not above the order-up-to level."""
    policy = s.sustainment.stock_policy
    base = ("sustainment", "stock_policy")
    if policy.reorder_point_days >= policy.order_up_to_days:
        yield Finding(
            (*base, "reorder_point_days"),
            f"reorder point of {policy.reorder_point_days:g} days of supply must be below the "
            f"order-up-to level of {policy.order_up_to_days:g} days",
        )
    if policy.initial_days_of_supply > policy.order_up_to_days:
        yield Finding(
            (*base, "initial_days_of_supply"),
            f"initial stock of {policy.initial_days_of_supply:g} days of supply is above the "
            f"order-up-to level of {policy.order_up_to_days:g} days",
        )


def sector_daily_demand_t(s: Scenario, sector_index: int) -> float:
    """Tonnes per day a sector at its planned troops draws, over the classes moved to it.

    kg/person/day at the scenario's posture, times each class's personnel-weighted capability
    modifier (the sector's own mix when ``sector_allocation`` gives it, else the force's mix).
    """
    sector = s.force.sectors[sector_index]
    units = s.force.sector_allocation.get(sector.id)
    caps = s.force.capabilities
    weights = {
        c.id: c.personnel_per_unit_pax * (units.get(c.id, 0) if units else c.required_units)
        for c in caps
    }
    total_weight = sum(weights.values())
    kg_per_pax_day = 0.0
    for cls in s.sustainment.supply_classes:
        if not cls.moved:
            continue
        kg = cls.kg_per_pax_day.get(s.sustainment.posture, 0.0)
        if total_weight > 0:
            modifier = (
                sum(weights[c.id] * c.consumption_modifiers.get(cls.id, 1.0) for c in caps)
                / total_weight
            )
        else:
            modifier = 1.0
        kg_per_pax_day += kg * modifier
    return sector.troops_pax * kg_per_pax_day / KG_PER_T


def check_initial_stock_fits_depot(s: Scenario) -> Iterable[Finding]:
    """Initial days of supply at each sector's daily demand fit in its forward depot's storage."""
    nodes = {n.id: n for n in s.network.nodes}
    days = s.sustainment.stock_policy.initial_days_of_supply
    for i, sector in enumerate(s.force.sectors):
        depot = nodes.get(sector.forward_depot)
        if depot is None or depot.storage_t is None:
            continue
        needed_t = days * sector_daily_demand_t(s, i)
        if needed_t > depot.storage_t:
            yield Finding(
                ("sustainment", "stock_policy", "initial_days_of_supply"),
                f"sector '{sector.id}': {days:g} days of supply is {needed_t:,.0f} t, more than "
                f"the {depot.storage_t:,.0f} t storage of depot '{depot.id}'",
            )


def check_supply_postures_given(s: Scenario) -> Iterable[Finding]:
    """Every supply class gives kilograms per person per day for the scenario's posture."""
    posture = s.sustainment.posture
    for i, cls in enumerate(s.sustainment.supply_classes):
        if posture not in cls.kg_per_pax_day:
            yield Finding(
                ("sustainment", "supply_classes", i, "kg_per_pax_day"),
                f"class '{cls.id}' gives no kg per person per day for the '{posture.value}' "
                "posture of this scenario",
            )


# ---------------------------------------------------------------------------------------------
# Distributions, seasons, reinforcement, criteria, burden sharing.
# ---------------------------------------------------------------------------------------------


def _walk(value: Any, path: FieldPath) -> Iterator[tuple[FieldPath, Any]]:
    """Every model, list item and mapping value of the scenario with its field path."""
    yield path, value
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name), (*path, name))
    elif isinstance(value, tuple | list):
        for i, item in enumerate(value):
            yield from _walk(item, (*path, i))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*path, str(key)))


def check_distribution_parameters(s: Scenario) -> Iterable[Finding]:
    """Triangular distributions have low <= mode <= high; uniform ones low <= high."""
    for path, value in _walk(s, ()):
        if isinstance(value, TriangularDist) and not value.low <= value.mode <= value.high:
            yield Finding(
                path,
                f"triangular distribution needs low <= mode <= high, got low {value.low:g}, "
                f"mode {value.mode:g}, high {value.high:g}",
            )
        elif isinstance(value, UniformDist) and value.low > value.high:
            yield Finding(
                path,
                f"uniform distribution needs low <= high, got low {value.low:g}, "
                f"high {value.high:g}",
            )


def _season_days(start: int, end: int) -> set[int]:
    """Days of the year a season covers; a season may run over the new year (start > end)."""
    if start <= end:
        return set(range(start, end + 1))
    return set(range(start, 367)) | set(range(1, end + 1))


def check_seasons(s: Scenario) -> Iterable[Finding]:
    """Seasons that touch the same mode do not overlap (which factor would apply is unclear)."""
    seasons = s.disruptions.seasons
    for i, a in enumerate(seasons):
        days_a = _season_days(a.start_day_of_year, a.end_day_of_year)
        for j in range(i + 1, len(seasons)):
            b = seasons[j]
            shared_modes = sorted(set(a.modes) & set(b.modes))
            if not shared_modes:
                continue
            overlap = days_a & _season_days(b.start_day_of_year, b.end_day_of_year)
            if overlap:
                yield Finding(
                    ("disruptions", "seasons", j, "start_day_of_year"),
                    f"season '{b.name}' overlaps season '{a.name}' for "
                    f"{', '.join(m.value for m in shared_modes)} on {len(overlap)} days "
                    "of the year",
                )


def check_readiness_tiers(s: Scenario) -> Iterable[Finding]:
    """Readiness tier shares of the pool add up to at most 1."""
    total = sum(t.share_of_pool for t in s.reinforcement.tiers)
    if total > 1 + 1e-9:
        yield Finding(
            ("reinforcement", "tiers"),
            f"readiness tiers hold {total:.0%} of the pool; the shares may add up to 100% at most",
        )


def check_criteria_metrics_known(s: Scenario) -> Iterable[Finding]:
    """Each feasibility criterion names a summary metric the run produces."""
    for i, criterion in enumerate(s.criteria):
        if criterion.metric not in CRITERION_METRICS:
            yield Finding(
                ("criteria", i, "metric"),
                f"unknown metric '{criterion.metric}'; known metrics: "
                + ", ".join(sorted(CRITERION_METRICS)),
            )


def check_criteria_thresholds_given(s: Scenario) -> Iterable[Finding]:
    """Each criterion states its threshold, in the metric's unit or as a share of the target."""
    for i, criterion in enumerate(s.criteria):
        if criterion.threshold is None:
            yield Finding(
                ("criteria", i, "threshold"),
                "give threshold (in the metric's unit) or threshold_share_of_target",
            )


def check_key_weights(s: Scenario) -> Iterable[Finding]:
    """``key_weights`` are given exactly when the fairness key is ``mix``, and not all zero."""
    bs = s.burden_sharing
    base = ("burden_sharing",)
    if bs.fairness_key is not FairnessKey.mix:
        if bs.key_weights:
            yield Finding(
                (*base, "key_weights"),
                f"key_weights apply only to fairness_key 'mix', not '{bs.fairness_key.value}'",
            )
        return
    if not bs.key_weights:
        yield Finding((*base, "key_weights"), "fairness_key 'mix' needs key_weights")
        return
    if FairnessKey.mix in bs.key_weights:
        yield Finding((*base, "key_weights", "mix"), "'mix' cannot be weighted inside itself")
    if sum(bs.key_weights.values()) <= 0:
        yield Finding((*base, "key_weights"), "key_weights add up to zero")


def check_warmup_within_horizon(s: Scenario) -> Iterable[Finding]:
    """The warm-up period leaves days to measure."""
    if s.experiment.warmup_days >= s.horizon_days:
        yield Finding(
            ("experiment", "warmup_days"),
            f"warm-up of {s.experiment.warmup_days:g} days leaves nothing of the "
            f"{s.horizon_days}-day horizon to measure",
        )


# ---------------------------------------------------------------------------------------------
# The network.
# ---------------------------------------------------------------------------------------------


def check_home_nodes_reach_depots(s: Scenario) -> Iterable[Finding]:
    """Each participating nation's home node reaches every sector depot by both movement modes.

    The routes are the engine's (logistics_sim.rules.routes): personnel by
    ``rotation.personnel_mode`` and equipment by ``rotation.equipment_mode``, each alone or with
    road legs, never through another nation's home node; so this warns exactly when a unit of
    that nation could not be moved to that sector.
    """
    known = {n.id for n in s.network.nodes}
    planner = RoutePlanner(s)
    movements = [("personnel", s.rotation.personnel_mode), ("equipment", s.rotation.equipment_mode)]
    for i, nation in enumerate(s.nations):
        if not nation.participates or nation.home_node not in known:
            continue
        for sector in s.force.sectors:
            if sector.forward_depot not in known:
                continue
            for what, mode in movements:
                route, _ = planner.leg(nation.home_node, sector.forward_depot, mode)
                if route is None:
                    yield _warn(
                        ("nations", i, "home_node"),
                        f"{nation.code}: no route for {what} from '{nation.home_node}' to "
                        f"sector '{sector.id}' depot '{sector.forward_depot}' by {mode.value}, "
                        f"alone or with {FALLBACK_MODE.value} legs, without passing through "
                        "another home node",
                    )


def check_fleet_modes_leave_base(s: Scenario) -> Iterable[Finding]:
    """A fleet's base node has at least one link of the fleet's mode leaving it."""
    for i, fleet in enumerate(s.sustainment.fleets):
        if not any(fleet.base_node == n.id for n in s.network.nodes):
            continue
        graph = route_graph(s, [fleet.mode])
        if graph.out_degree(fleet.base_node) == 0:
            yield Finding(
                ("sustainment", "fleets", i, "mode"),
                f"fleet '{fleet.id}' moves by {fleet.mode.value} but no {fleet.mode.value} "
                f"link leaves its base '{fleet.base_node}'",
            )


def check_fleets_reach_served_depots(s: Scenario) -> Iterable[Finding]:
    """A fleet reaches every depot its ``serves`` names, by its own mode (the engine's route).

    The engine leaves a depot the fleet cannot reach out of its rounds; named in ``serves``, that
    is a depot the author meant it to supply.
    """
    known = {n.id for n in s.network.nodes}
    planner = RoutePlanner(s)
    for i, fleet in enumerate(s.sustainment.fleets):
        if fleet.base_node not in known:
            continue
        for j, depot in enumerate(fleet.serves):
            if depot in known and planner.route(fleet.base_node, depot, {fleet.mode}) is None:
                yield _warn(
                    ("sustainment", "fleets", i, "serves", j),
                    f"fleet '{fleet.id}' cannot reach '{depot}' from its base "
                    f"'{fleet.base_node}' by {fleet.mode.value} without passing through a home "
                    "node, so it never supplies it",
                )


# ---------------------------------------------------------------------------------------------
# Provenance.
# ---------------------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    """A number a reader would ask the source of: int or float (not bool), or a distribution."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, BaseModel) and "kind" in type(value).model_fields:
        return True  # a distribution spec
    if isinstance(value, dict):
        return any(_is_number(v) for v in value.values())
    return False


def _sourced_blocks(s: Scenario) -> Iterator[tuple[FieldPath, Sourced]]:
    """Every block that can carry a source or an assumption, with its path."""
    for path, value in _walk(s, ()):
        if isinstance(value, Sourced):
            yield path, value


def check_numbers_have_provenance(s: Scenario) -> Iterable[Finding]:
    """A block that sets numbers says where they come from: a source key or an assumption."""
    for path, block in _sourced_blocks(s):
        if block.source or block.assumption:
            continue
        numbers = sorted(
            name for name in block.model_fields_set if _is_number(getattr(block, name))
        )
        if numbers:
            yield _warn(
                path,
                f"no source or assumption for {', '.join(numbers)}: give a source key from the "
                "sources document or an assumption saying why",
            )


def source_keys(source: str) -> list[str]:
    """The keys of a ``source`` field (``;``-separated, blanks ignored)."""
    return [key.strip() for key in source.split(";") if key.strip()]


def check_source_keys_known(s: Scenario, known_keys: frozenset[str]) -> Iterable[Finding]:
    """Every key in a ``source`` field is a key of the sources document or a table row id."""
    for path, block in _sourced_blocks(s):
        if not block.source:
            continue
        missing = [key for key in source_keys(block.source) if key not in known_keys]
        if missing:
            yield _warn(
                (*path, "source"),
                f"source key(s) {', '.join(missing)} not defined in the sources document "
                "or the data tables",
            )


CHECKS: tuple[Check, ...] = (
    check_unique_ids,
    check_link_endpoints_known,
    check_sector_depots,
    check_nation_home_nodes,
    check_designated_reserve_nations,
    check_background_load_targets,
    check_fleet_nodes,
    check_strike_targets_known,
    check_capability_ids_known,
    check_supply_class_ids_known,
    check_sector_ids_known,
    check_sector_troops_add_up,
    check_capability_mix_matches_target,
    check_sector_allocation_matches_required,
    check_handover_shorter_than_tour,
    check_nation_limits_ordered,
    check_stock_policy_order,
    check_initial_stock_fits_depot,
    check_supply_postures_given,
    check_distribution_parameters,
    check_seasons,
    check_readiness_tiers,
    check_criteria_metrics_known,
    check_criteria_thresholds_given,
    check_key_weights,
    check_warmup_within_horizon,
    check_home_nodes_reach_depots,
    check_fleet_modes_leave_base,
    check_fleets_reach_served_depots,
    check_numbers_have_provenance,
)


def run_checks(
    scenario: Scenario, known_source_keys: frozenset[str] | None = None
) -> list[Finding]:
    """Every finding of every check, in check order.

    ``known_source_keys``: keys of the scenario's sources document and row ids of its data
    tables; when given, source fields are checked against them (the loader reads the files,
    the checks never do).
    """
    findings = [finding for check in CHECKS for finding in check(scenario)]
    if known_source_keys is not None:
        findings.extend(check_source_keys_known(scenario, known_source_keys))
    return findings
