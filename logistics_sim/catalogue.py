"""The metric catalogue: every summary metric's name, unit, kind and meaning, in one place.

Validation checks that a criterion names a metric here, ``metrics`` computes exactly these
(in this order: the columns of replication_metrics.csv and the keys of summary.json's
``metrics``) and takes each one's unit and interval from its kind, and the report reads units
from here. docs/engine_contract.md ("Summary metrics") defines each in prose; a test keeps the
documents and this catalogue naming the same metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

#: Units of metrics that cannot exceed 1 (their intervals are clipped there).
BOUNDED_UNITS = frozenset({"share", "probability"})


class MetricKind(Enum):
    """How a metric is measured, which decides its warm-up, its interval and its counts.

    ``daily``: from the daily series, over the days at or after the warm-up. ``closure``: a
    time from day 0 to a closure, NaN in a replication that never closed (the summary counts
    ``never_reached``). ``proportion``: a share of trials, whose interval is Wilson's rather
    than Student t's. ``surge``: over a reinforcement's surge window, which ignores the
    warm-up. ``count``: bookkeeping that gates a closure metric; no criterion may name it.
    """

    daily = "daily"
    closure = "closure"
    proportion = "proportion"
    surge = "surge"
    count = "count"


@dataclass(frozen=True)
class Metric:
    """One summary metric: its name, unit, kind and one-line meaning.

    ``gate`` names the count metric that must be > 0 for a closure to apply in a replication
    (a reinforcement plan triggered after the horizon has no closure, reached or not).
    """

    name: str
    unit: str
    kind: MetricKind
    description: str
    gate: str | None = None

    @property
    def bounded(self) -> bool:
        """Whether the metric cannot exceed 1 (a share or a probability)."""
        return self.unit in BOUNDED_UNITS

    @property
    def criterion(self) -> bool:
        """Whether a feasibility criterion may name it."""
        return self.kind is not MetricKind.count


_D, _C, _P, _S, _N = (
    MetricKind.daily,
    MetricKind.closure,
    MetricKind.proportion,
    MetricKind.surge,
    MetricKind.count,
)

#: Every summary metric, in the order of summary.json and replication_metrics.csv.
CATALOGUE: tuple[Metric, ...] = (
    Metric(
        "deployed_strength_mean_pax",
        "pax",
        _D,
        "mean troops in theatre per day (a unit and its relief in place both count)",
    ),
    Metric("deployed_strength_min_pax", "pax", _D, "fewest troops in theatre on any day"),
    Metric(
        "covered_strength_mean_pax",
        "pax",
        _D,
        "mean strength of the filled slots per day (each slot once: the strength held)",
    ),
    Metric("covered_strength_min_pax", "pax", _D, "lowest strength of the filled slots"),
    Metric("days_below_target", "days", _D, "days on which the covered strength is below target"),
    Metric(
        "initial_deployment_closure_days",
        "days",
        _C,
        "days from day 0 until the deployed strength first reaches the target",
    ),
    Metric("rotation_gap_unit_days", "unit-days", _D, "sum over days of the slots left empty"),
    Metric("supply_demand_t_per_day", "t/day", _D, "mean tonnes demanded per day"),
    Metric("supply_delivered_t_per_day", "t/day", _D, "mean tonnes delivered per day"),
    Metric("fill_rate", "share", _D, "tonnes consumed over tonnes demanded"),
    Metric("stockout_days", "days", _D, "days on which any sector and class fell short"),
    Metric(
        "min_days_of_supply",
        "days of supply",
        _D,
        "lowest stock over sectors, classes and days, in days of supply",
    ),
    Metric(
        "reinforcement_closure_days",
        "days",
        _C,
        "days from the trigger until the slowest plan's required force closed",
        gate="reinforcement_plans_triggered",
    ),
    Metric(
        "probability_reinforcement_on_time",
        "probability",
        _P,
        "share of the triggered plans that closed within their target days",
    ),
    Metric(
        "max_node_utilisation",
        "share",
        _D,
        "the largest over nodes of the node's mean daily utilisation",
    ),
    Metric(
        "reinforcement_warning_days",
        "days",
        _C,
        "of the slowest plan: days its alert came before the trigger (a credit on closure)",
        gate="reinforcement_plans_triggered",
    ),
    Metric(
        "reinforcement_notice_days",
        "days",
        _C,
        "of the slowest plan: the notice to move of the unit whose arrival closed it",
        gate="reinforcement_plans_triggered",
    ),
    Metric(
        "reinforcement_movement_days",
        "days",
        _C,
        "of the slowest plan: the planned (uncongested) move days of the deciding unit",
        gate="reinforcement_plans_triggered",
    ),
    Metric(
        "reinforcement_queue_days",
        "days",
        _C,
        "of the slowest plan: the deciding unit's move beyond its plan (queues, closures)",
        gate="reinforcement_plans_triggered",
    ),
    Metric(
        "reinforcement_units_short",
        "units",
        _N,
        "units the triggered plans needed but could find nowhere (summed over plans)",
    ),
    Metric(
        "max_fleet_utilisation",
        "share",
        _D,
        "the largest over transport fleets of the fleet's mean daily utilisation",
    ),
    Metric(
        "max_crossing_throughput_share",
        "share of capacity",
        _D,
        "the largest over crossings with a cited capacity of mean supply t/day over that capacity",
    ),
    Metric(
        "reinforcement_plans_triggered",
        "plans",
        _N,
        "reinforcement plans triggered within the horizon",
    ),
    Metric(
        "surge_other_sectors_fill_rate",
        "share",
        _S,
        "fill rate of the sectors not reinforced during the surge window",
    ),
    Metric(
        "surge_other_sectors_min_days_of_supply",
        "days of supply",
        _S,
        "lowest stock of the sectors not reinforced during the surge window",
    ),
    Metric(
        "surge_other_sectors_mean_days_of_supply",
        "days of supply",
        _S,
        "mean stock of the sectors not reinforced during the surge window",
    ),
)


@dataclass(frozen=True)
class MetricFamily:
    """Metrics measured once per entity (a fleet, a crossing): ``<prefix>:<entity id>``.

    They follow the catalogue in summary.json and replication_metrics.csv, sorted by name; no
    criterion may name them (the entities differ between scenarios).
    """

    prefix: str
    unit: str
    kind: MetricKind
    description: str

    def name(self, entity: str) -> str:
        """The metric's name for one entity."""
        return f"{self.prefix}:{entity}"


#: Per-entity metrics: each fleet's use, each crossing's supply tonnes against its capacity.
FAMILIES: tuple[MetricFamily, ...] = (
    MetricFamily("fleet_utilisation", "share", _D, "mean daily utilisation of the fleet"),
    MetricFamily(
        "crossing_throughput_t_per_day",
        "t/day",
        _D,
        "mean supply tonnes per day handled at the crossing",
    ),
    MetricFamily(
        "crossing_throughput_share",
        "share of capacity",
        _D,
        "mean supply t/day at the crossing over its cited throughput_t_per_day",
    ),
)
FLEET_UTILISATION, CROSSING_T_PER_DAY, CROSSING_SHARE = FAMILIES


def family_of(name: str) -> MetricFamily | None:
    """The per-entity family a metric name belongs to (None for a catalogue name)."""
    prefix, sep, _ = name.partition(":")
    if not sep:
        return None
    return next((f for f in FAMILIES if f.prefix == prefix), None)


METRICS: dict[str, Metric] = {m.name: m for m in CATALOGUE}
#: Names a feasibility criterion may use.
CRITERION_METRICS: frozenset[str] = frozenset(m.name for m in CATALOGUE if m.criterion)


def metric_unit(name: str) -> str:
    """The unit of a summary metric ('' for a name not in the catalogue)."""
    metric = METRICS.get(name)
    if metric is not None:
        return metric.unit
    family = family_of(name)
    return family.unit if family is not None else ""
