"""Feasibility criteria → PASS / AT_RISK / FAIL, and the overall verdict (the worst criterion).

DESIGN.md §4: a criterion PASSes when its whole confidence interval meets the threshold, FAILs
when the whole interval misses it, and is AT_RISK otherwise. Cases the rule alone leaves open:

- one replication (no interval): AT_RISK — one run proves nothing either way;
- no replication with a value: FAIL for a closure time that was due but never reached (missed
  the target), AT_RISK otherwise (cannot be judged: no plan triggered, no supply demand);
- a closure reached in only some replications: at best AT_RISK, whatever the interval.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from logistics_sim.metrics import CLOSURE_METRICS
from logistics_sim.scenario import Comparison, Criterion

PASS, AT_RISK, FAIL = "PASS", "AT_RISK", "FAIL"
FEASIBLE, INFEASIBLE = "FEASIBLE", "INFEASIBLE"
_RANK = {PASS: 0, AT_RISK: 1, FAIL: 2}
_OVERALL = {PASS: FEASIBLE, AT_RISK: AT_RISK, FAIL: INFEASIBLE}


def _meets(value: float, comparison: Comparison, threshold: float) -> bool:
    """Whether one value satisfies ``value >= threshold`` or ``value <= threshold``."""
    return value >= threshold if comparison is Comparison.ge else value <= threshold


def _fmt(value: float) -> str:
    """A number for a sentence: whole above 100 (thousands separated), else 4 significant digits."""
    if math.isnan(value):
        return "undefined"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def judge(criterion: Criterion, metric: Mapping[str, Any] | None, confidence: float) -> dict:
    """One criterion's entry of summary.json: figures, verdict and a plain-words explanation."""
    if criterion.threshold is None:  # validation refuses such a scenario (check_criteria_*)
        raise ValueError(f"criterion {criterion.name!r} has no threshold")
    threshold = criterion.threshold
    stat = dict(metric or {})
    mean = _num(stat.get("mean"))
    low, high = _num(stat.get("ci_low")), _num(stat.get("ci_high"))
    unit = str(stat.get("unit", ""))
    n = int(stat.get("n", 0) or 0)
    never = int(stat.get("never_reached", 0) or 0)
    sign = "at or above" if criterion.comparison is Comparison.ge else "at or below"
    target = f"{_fmt(threshold)} {unit}".strip()
    level = f"{confidence:.0%}"

    if n == 0:
        closure = criterion.metric in CLOSURE_METRICS and never > 0
        verdict = FAIL if closure else AT_RISK
        why = (
            "never reached in any replication"
            if closure
            else "undefined in every replication (not triggered, or nothing to measure), "
            "so it cannot be judged"
        )
        text = f"{criterion.name}: {criterion.metric} was {why}."
    elif n == 1 or math.isnan(low) or math.isnan(high):
        verdict = AT_RISK
        text = (
            f"{criterion.name}: only one replication gave a value ({_fmt(mean)} {unit}); "
            f"without a confidence interval the target ({sign} {target}) cannot be confirmed."
        )
    else:
        span = f"mean {_fmt(mean)} {unit}, {level} CI {_fmt(low)} to {_fmt(high)}".replace(
            "  ", " "
        )
        low_ok = _meets(low, criterion.comparison, threshold)
        high_ok = _meets(high, criterion.comparison, threshold)
        if low_ok and high_ok:
            verdict = PASS
            text = f"{criterion.name}: {span} — the whole interval is {sign} {target}."
        elif not low_ok and not high_ok:
            verdict = FAIL
            text = (
                f"{criterion.name}: {span} — the whole interval misses the target "
                f"({sign} {target})."
            )
        else:
            verdict = AT_RISK
            text = (
                f"{criterion.name}: {span} — the interval straddles the target ({sign} {target}); "
                "more replications or a larger margin are needed to be sure."
            )
        if never and verdict != FAIL:
            verdict = AT_RISK
            text += f" In {never} of {n + never} replications it was never reached at all."
    if criterion.explanation:
        text += f" ({criterion.explanation})"
    return {
        "name": criterion.name,
        "metric": criterion.metric,
        "comparison": criterion.comparison.value,
        "threshold": threshold,
        "mean": mean,
        "ci_low": low,
        "ci_high": high,
        "unit": unit,
        "verdict": verdict,
        "explanation": text,
    }


def _num(value: Any) -> float:
    """A summary number, None (JSON null) read as NaN."""
    return math.nan if value is None else float(value)


def overall(criterion_verdicts: Iterable[str]) -> str:
    """The worst criterion's verdict as FEASIBLE / AT_RISK / INFEASIBLE (FEASIBLE if none)."""
    worst = max(criterion_verdicts, key=_RANK.__getitem__, default=PASS)
    return _OVERALL[worst]


def assess(
    criteria: Iterable[Criterion], metrics: Mapping[str, Mapping[str, Any]], confidence: float
) -> tuple[str, list[dict]]:
    """Judge every criterion against the summary metrics; the overall verdict and the entries."""
    entries = [judge(c, metrics.get(c.metric), confidence) for c in criteria]
    return overall(e["verdict"] for e in entries), entries


def verdict_lines(summary: Mapping[str, Any]) -> list[str]:
    """A run's verdict for a terminal: the overall verdict, then one line per criterion."""
    lines = [f"verdict: {summary['verdict']} ({summary['replications']} replications)"]
    lines += [f"  {c['verdict']:8} {c['explanation']}" for c in summary.get("criteria", [])]
    return lines
