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
        return self.unit in ("share", "probability")

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

METRICS: dict[str, Metric] = {m.name: m for m in CATALOGUE}
#: Names a feasibility criterion may use.
CRITERION_METRICS: frozenset[str] = frozenset(m.name for m in CATALOGUE if m.criterion)


def metric_unit(name: str) -> str:
    """The unit of a summary metric ('' for a name not in the catalogue)."""
    metric = METRICS.get(name)
    return metric.unit if metric is not None else ""
