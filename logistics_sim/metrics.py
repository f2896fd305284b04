"""Summary metrics: one row of figures per replication, then mean and CI across them.

Pure functions from DataFrames to DataFrames/dicts; no files, no printing. Definitions follow
docs/engine_contract.md ("Summary metrics"). Two conventions analysts must know:

- **Warm-up.** Metrics computed from daily series (strength, gaps, supply, stocks, node
  utilisation) use only days ``>= experiment.warmup_days``; closure times, the reinforcement
  on-time share and other whole-run values (day = -1) are transient by nature and ignore it.
- **Undefined values.** A closure never reached (initial deployment, reinforcement) is NaN in
  that replication. The summary's mean and CI are over the replications where the value is
  defined (``n``); ``never_reached`` and ``share_reached`` say how many closed at all, and the
  verdict never PASSes a criterion on such a metric unless every replication closed. A
  reinforcement plan triggered after the horizon has no closure at all: such replications are
  neither reached nor never-reached (``reinforcement_plans_triggered`` counts the plans that
  were triggered).
  ``fill_rate`` is NaN when nothing was demanded.
- **Surge window.** The ``surge_other_sectors_*`` metrics measure what a reinforcement does to
  everyone else's supply. A triggered plan's window is the days ``d`` whose interval
  ``[d, d + 1)`` overlaps ``[trigger_day, trigger_day + target_days)``: ``floor(trigger)``
  through ``ceil(trigger + target) - 1``, clipped to the horizon. The window has the same length
  whatever the closure, so two priority settings compare the same days under common random
  numbers. Its rows are the supply rows (``demand_t``, ``consumed_t``, ``days_of_supply``) of
  every sector except the plan's; several plans take the union of their (sector, day) pairs; a
  sector with several plans uses the longest target. Like closures, the window ignores the
  warm-up. NaN when no plan was triggered within the horizon (and the fill rate also when
  nothing was demanded there).
- **Intervals.** Every metric's CI is the t interval of :func:`mean_ci`, except
  ``probability_reinforcement_on_time``: a proportion, whose t interval can leave [0, 1], gets
  the Wilson score interval of :func:`wilson_ci` (each replication one trial; its value the
  share of its plans on time).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from logistics_sim.catalogue import CATALOGUE, METRICS, MetricKind
from logistics_sim.scenario import Scenario

#: Views of the metric catalogue (logistics_sim.catalogue), which defines every metric once.
METRIC_UNITS: dict[str, str] = {m.name: m.unit for m in CATALOGUE}
SUMMARY_METRICS = tuple(METRIC_UNITS)
CLOSURE_METRICS = frozenset(m.name for m in CATALOGUE if m.kind is MetricKind.closure)
#: A closure metric only applies to replications where its gate metric is > 0.
CLOSURE_GATES = {m.name: m.gate for m in CATALOGUE if m.gate is not None}
#: Proportions whose CI is the Wilson score interval instead of the t interval.
PROPORTION_METRICS = frozenset(m.name for m in CATALOGUE if m.kind is MetricKind.proportion)


# ---------------------------------------------------------------------------------------------
# Per replication.
# ---------------------------------------------------------------------------------------------


DAILY_INPUTS = (
    "deployed_pax",
    "covered_pax",
    "gapped_slots",
    "demand_t",
    "delivered_t",
    "consumed_t",
    "shortfall_t",
    "days_of_supply",
    "node_utilisation",
)
WHOLE_RUN_INPUTS = (
    "initial_deployment_closure_days",
    "reinforcement_trigger_day",
    "reinforcement_closure_days",
    "reinforcement_on_time",
)
_EMPTY = pd.DataFrame(
    {
        "day": pd.Series(dtype="int32"),
        "sector": pd.Series(dtype="str"),
        "node": pd.Series(dtype="str"),
        "value": pd.Series(dtype="float64"),
    }
)


def _split(daily: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The rows each summary metric needs, by input metric (one pass over a large frame).

    Daily inputs keep every day ``>= 0`` (the warm-up is cut per metric: the surge window
    ignores it); whole-run inputs keep day -1.
    """
    metric = daily["metric"]
    wanted = daily.loc[
        metric.isin(DAILY_INPUTS + WHOLE_RUN_INPUTS), ["metric", "day", "sector", "node", "value"]
    ]
    day = wanted["day"]
    daily_rows = wanted["metric"].isin(DAILY_INPUTS) & (day >= 0)
    run_rows = wanted["metric"].isin(WHOLE_RUN_INPUTS) & (day == -1)
    kept = wanted[daily_rows | run_rows]
    parts = {str(k): v for k, v in kept.groupby("metric", sort=False, observed=True)}
    return {name: parts.get(name, _EMPTY) for name in DAILY_INPUTS + WHOLE_RUN_INPUTS}


def _daily_total(rows: pd.DataFrame, days: pd.Index) -> pd.Series:
    """Sum over all dimensions per day, 0 on days without rows (additive series)."""
    totals = rows.groupby("day")["value"].sum()
    return totals.reindex(days, fill_value=0.0).astype("float64")


def replication_metrics(daily: pd.DataFrame, scenario: Scenario) -> dict[str, float]:
    """The summary metrics of one replication's daily frame (NaN where undefined)."""
    first_day = math.ceil(scenario.experiment.warmup_days)
    days = pd.RangeIndex(first_day, scenario.horizon_days, name="day")
    all_days = _split(daily)
    rows = {
        name: part[part["day"] >= first_day] if name in DAILY_INPUTS else part
        for name, part in all_days.items()
    }
    has_days = len(days) > 0
    out: dict[str, float] = {}

    strength = _daily_total(rows["deployed_pax"], days)
    out["deployed_strength_mean_pax"] = float(strength.mean()) if has_days else math.nan
    out["deployed_strength_min_pax"] = float(strength.min()) if has_days else math.nan
    covered = _daily_total(rows["covered_pax"], days)
    out["covered_strength_mean_pax"] = float(covered.mean()) if has_days else math.nan
    out["covered_strength_min_pax"] = float(covered.min()) if has_days else math.nan
    target = scenario.force.target_deployed_pax
    # slots held, not troops in theatre: an overlapping relief must not hide a gapped slot
    out["days_below_target"] = float((covered < target).sum())

    closure = rows["initial_deployment_closure_days"]["value"].to_numpy(dtype="float64")
    out["initial_deployment_closure_days"] = float(closure[0]) if closure.size else math.nan

    out["rotation_gap_unit_days"] = float(_daily_total(rows["gapped_slots"], days).sum())

    demand = _daily_total(rows["demand_t"], days)
    delivered = _daily_total(rows["delivered_t"], days)
    consumed = _daily_total(rows["consumed_t"], days)
    out["supply_demand_t_per_day"] = float(demand.mean()) if has_days else math.nan
    out["supply_delivered_t_per_day"] = float(delivered.mean()) if has_days else math.nan
    total_demand = float(demand.sum())
    out["fill_rate"] = float(consumed.sum()) / total_demand if total_demand > 0 else math.nan

    shortfall = rows["shortfall_t"]
    out["stockout_days"] = float(shortfall.loc[shortfall["value"] > 0, "day"].nunique())

    dos = rows["days_of_supply"]["value"]
    out["min_days_of_supply"] = float(dos.min()) if dos.notna().any() else math.nan

    reinf = rows["reinforcement_closure_days"]["value"].to_numpy(dtype="float64")
    # Several plans: the run's closure is its slowest plan; one never closed makes it NaN.
    # A plan triggered after the horizon has no closure row: not applicable, not "never".
    out["reinforcement_closure_days"] = float(reinf.max()) if reinf.size else math.nan
    out["reinforcement_plans_triggered"] = float(reinf.size)
    on_time = rows["reinforcement_on_time"]["value"].to_numpy(dtype="float64")
    out["probability_reinforcement_on_time"] = float(on_time.mean()) if on_time.size else math.nan

    per_node = rows["node_utilisation"].groupby("node")["value"].mean()
    out["max_node_utilisation"] = float(per_node.max()) if per_node.notna().any() else math.nan
    out.update(surge_other_sectors(all_days, scenario))
    return out


def surge_windows(triggers: pd.DataFrame, scenario: Scenario) -> list[tuple[str, int, int]]:
    """(threatened sector, first day, end day exclusive) of each plan triggered in the horizon.

    The days whose interval overlaps ``[trigger, trigger + target_days)`` (module docstring);
    ``triggers`` are the ``reinforcement_trigger_day`` rows (sector, value).
    """
    target_days: dict[str, float] = {}
    for plan in scenario.reinforcement.plans:
        target_days[plan.sector] = max(target_days.get(plan.sector, 0.0), plan.target_days)
    horizon = scenario.horizon_days
    windows = []
    for sector, trigger in zip(triggers["sector"], triggers["value"], strict=True):
        if math.isnan(trigger) or trigger >= horizon or sector not in target_days:
            continue
        end = min(horizon, math.ceil(trigger + target_days[sector]))
        windows.append((str(sector), math.floor(trigger), end))
    return windows


def _in_surge(rows: pd.DataFrame, windows: list[tuple[str, int, int]]) -> pd.Series:
    """Rows of sectors other than a plan's own sector on a day of that plan's window."""
    inside = pd.Series(False, index=rows.index)
    for threatened, first, end in windows:
        inside |= (rows["sector"] != threatened) & (rows["day"] >= first) & (rows["day"] < end)
    return inside


def surge_other_sectors(rows: dict[str, pd.DataFrame], scenario: Scenario) -> dict[str, float]:
    """Fill rate and days of supply of the sectors not reinforced, during the surge windows.

    Why: priority to a reinforcement at shared nodes delays everyone else's resupply; these
    figures show the price it pays (compare priority settings with common random numbers).
    """
    windows = surge_windows(rows["reinforcement_trigger_day"], scenario)
    demand, consumed, dos = rows["demand_t"], rows["consumed_t"], rows["days_of_supply"]
    total_demand = float(demand.loc[_in_surge(demand, windows), "value"].sum())
    total_consumed = float(consumed.loc[_in_surge(consumed, windows), "value"].sum())
    stocks = dos.loc[_in_surge(dos, windows), "value"].dropna()
    return {
        "surge_other_sectors_fill_rate": (
            total_consumed / total_demand if total_demand > 0 else math.nan
        ),
        "surge_other_sectors_min_days_of_supply": (
            float(stocks.min()) if len(stocks) else math.nan
        ),
        "surge_other_sectors_mean_days_of_supply": (
            float(stocks.mean()) if len(stocks) else math.nan
        ),
    }


def metrics_frame(rows: Iterable[tuple[int, dict[str, float]]]) -> pd.DataFrame:
    """Per-replication metrics as a frame indexed by replication (sorted), one column a metric."""
    records = {rep: values for rep, values in rows}
    frame = pd.DataFrame.from_dict(records, orient="index", dtype="float64")
    frame = frame.reindex(columns=list(SUMMARY_METRICS)).sort_index()
    frame.index = frame.index.astype("int64")
    frame.index.name = "replication"
    return frame


# ---------------------------------------------------------------------------------------------
# Across replications.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeanCI:
    """Sample mean with a two-sided t confidence interval; NaN bounds when n < 2."""

    mean: float
    ci_low: float
    ci_high: float
    n: int

    @property
    def half_width(self) -> float:
        """Half the CI's width (NaN when undefined)."""
        return (self.ci_high - self.ci_low) / 2.0

    @property
    def relative_half_width(self) -> float:
        """Half-width over |mean| (inf for a zero mean with a nonzero width, 0 when both 0)."""
        hw = self.half_width
        if math.isnan(hw):
            return math.inf
        if self.mean == 0:
            return 0.0 if hw == 0 else math.inf
        return hw / abs(self.mean)


def mean_ci(values: Iterable[float], confidence: float = 0.95) -> MeanCI:
    """Mean and t-based CI, mean ± t_{(1+c)/2, n-1}·s/√n, over the defined (non-NaN) values."""
    from scipy import stats  # here, not at import: worker processes never need it

    x = np.asarray([v for v in values if not math.isnan(v)], dtype="float64")
    n = int(x.size)
    if n == 0:
        return MeanCI(math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n == 1:
        return MeanCI(mean, math.nan, math.nan, 1)
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf((1.0 + confidence) / 2.0, n - 1)) * sd / math.sqrt(n)
    return MeanCI(mean, mean - half, mean + half, n)


def wilson_ci(values: Iterable[float], confidence: float = 0.95) -> MeanCI:
    """Sample proportion with the Wilson score interval, over the defined values (each in [0, 1]).

    Why not the t interval: near 0 or 1 (every replication on time, say) it collapses to a
    point or leaves [0, 1]; Wilson's stays inside and keeps its coverage. With z the normal
    quantile, p the mean of n values::

        (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)
    """
    from scipy import stats  # here, not at import: worker processes never need it

    x = np.asarray([v for v in values if not math.isnan(v)], dtype="float64")
    n = int(x.size)
    if n == 0:
        return MeanCI(math.nan, math.nan, math.nan, 0)
    p = float(x.mean())
    z = float(stats.norm.ppf((1.0 + confidence) / 2.0))
    scale = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / scale
    half = z * math.sqrt(max(p * (1.0 - p), 0.0) / n + z * z / (4 * n * n)) / scale
    return MeanCI(p, max(0.0, centre - half), min(1.0, centre + half), n)


def metric_ci(name: str, values: Iterable[float], confidence: float = 0.95) -> MeanCI:
    """A metric's interval: Wilson for proportions (PROPORTION_METRICS), Student t otherwise.

    Every summary metric is non-negative and shares and probabilities are at most 1, so the t
    interval is clipped to those bounds (a lowest days of supply of "-0.18" misleads).
    """
    interval = wilson_ci if name in PROPORTION_METRICS else mean_ci
    ci = interval(values, confidence)
    upper = 1.0 if name in METRICS and METRICS[name].bounded else math.inf
    low = ci.ci_low if math.isnan(ci.ci_low) else max(ci.ci_low, 0.0)
    high = ci.ci_high if math.isnan(ci.ci_high) else min(ci.ci_high, upper)
    return MeanCI(ci.mean, low, high, ci.n)


def summarise(per_replication: pd.DataFrame, confidence: float = 0.95) -> dict[str, dict]:
    """``metrics`` block of summary.json: mean, CI, unit and counts for every metric."""
    out: dict[str, dict] = {}
    for name in per_replication.columns:
        ci = metric_ci(str(name), per_replication[name].to_list(), confidence)
        entry: dict[str, object] = {
            "mean": ci.mean,
            "ci_low": ci.ci_low,
            "ci_high": ci.ci_high,
            "unit": METRIC_UNITS.get(name, ""),
            "n": ci.n,
        }
        if name in CLOSURE_METRICS:
            applicable = _applicable(per_replication, str(name))
            entry["never_reached"] = applicable - ci.n
            entry["share_reached"] = ci.n / applicable if applicable else math.nan
        out[str(name)] = entry
    return out


def _applicable(per_replication: pd.DataFrame, closure: str) -> int:
    """Replications where a closure could happen (reinforcement: some plan was triggered)."""
    gate = CLOSURE_GATES.get(closure)
    if gate is None or gate not in per_replication.columns:
        return len(per_replication)
    gates = per_replication[gate]
    return int(((gates > 0) | gates.isna()).sum())  # unknown gate: assume it applied


def paired_difference(
    variant: pd.DataFrame, baseline: pd.DataFrame, confidence: float = 0.95
) -> dict[str, MeanCI]:
    """CI of (variant - baseline) per metric, paired by replication (common random numbers)."""
    common = variant.index.intersection(baseline.index)
    diffs = variant.loc[common] - baseline.loc[common]
    return {str(name): mean_ci(diffs[name].to_list(), confidence) for name in diffs.columns}
