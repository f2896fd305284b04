"""Feasibility criteria → PASS / AT_RISK / FAIL, and the overall verdict (the worst criterion).

docs/architecture.md (summary.json): a criterion PASSes when its whole confidence interval meets
the threshold, FAILs when the whole interval misses it, and is AT_RISK otherwise. Cases the rule
alone leaves open:

- one replication (no interval): AT_RISK — one run proves nothing either way;
- no replication with a value: FAIL for a closure time that was due but never reached (missed
  the target), AT_RISK otherwise (cannot be judged: no plan triggered, no supply demand);
- a closure reached in only some replications: at best AT_RISK, whatever the interval.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from logistics_sim.metrics import CLOSURE_METRICS
from logistics_sim.scenario import Comparison, Criterion

PASS, AT_RISK, FAIL = "PASS", "AT_RISK", "FAIL"
FEASIBLE, INFEASIBLE = "FEASIBLE", "INFEASIBLE"
_RANK = {PASS: 0, AT_RISK: 1, FAIL: 2}
_OVERALL = {PASS: FEASIBLE, AT_RISK: AT_RISK, FAIL: INFEASIBLE}
_VERDICT_RANK = {FEASIBLE: 0, AT_RISK: 1, INFEASIBLE: 2}


@dataclass(frozen=True)
class RequirementVerdict:
    """Can the asked force be generated and rotated: the optimiser's answer, in summary terms.

    ``largest_force_pax`` is the asked force when it can be generated, else the largest force
    in the required mix the nations can sustain (the force then fielded and simulated).
    """

    verdict: str  # FEASIBLE or INFEASIBLE
    asked_pax: int
    largest_force_pax: int
    binding: tuple[str, ...] = ()

    def summary_fields(self) -> dict[str, Any]:
        """The summary.json keys this verdict adds (DESIGN.md §9)."""
        return {
            "requirement_verdict": self.verdict,
            "asked_pax": self.asked_pax,
            "largest_force_pax": self.largest_force_pax,
            "requirement_binding": list(self.binding),
        }


def combined(requirement: str | None, force: str) -> str:
    """The overall verdict: the worse of the requirement's and the fielded force's."""
    if requirement is None:
        return force
    return max(requirement, force, key=_VERDICT_RANK.__getitem__)


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
    """A run's verdict for a terminal: overall, requirement and force verdicts, then criteria."""
    lines = [f"verdict: {summary['verdict']} ({summary['replications']} replications)"]
    if "requirement_verdict" in summary:
        lines.append(requirement_sentence(summary))
    if "force_verdict" in summary:
        lines.append(force_sentence(summary))
    return lines + criteria_lines(summary)


def criteria_lines(summary: Mapping[str, Any]) -> list[str]:
    """One terminal line per criterion: its verdict and explanation."""
    return [f"  {c['verdict']:8} {c['explanation']}" for c in summary.get("criteria", [])]


def requirement_sentence(summary: Mapping[str, Any]) -> str:
    """The requirement verdict in one sentence (from summary.json)."""
    asked, largest = int(summary["asked_pax"]), int(summary["largest_force_pax"])
    if summary["requirement_verdict"] == FEASIBLE:
        return f"requirement: FEASIBLE: the nations can generate and rotate the {asked:,} asked."
    binding = summary.get("requirement_binding") or []
    why = f" What binds: {binding[0]}." if binding else ""
    return (
        f"requirement: INFEASIBLE: of the {asked:,} troops asked, the nations can sustain at most "
        f"{largest:,} ({largest / asked:.0%}) in the required mix.{why}"
    )


def force_sentence(summary: Mapping[str, Any]) -> str:
    """The force verdict in one sentence: the fielded force judged at its own size."""
    fielded = summary.get("fielded_pax")
    size = f", {int(fielded):,} troops," if fielded else ""
    return (
        f"force: {summary['force_verdict']}: the force fielded{size} judged at its own size "
        f"(deployed, held, supplied, reinforced): {criteria_judged(summary)}."
    )


def criteria_judged(summary: Mapping[str, Any]) -> str:
    """``all 6 criteria met`` or ``2 of 6 criteria not met (A, B)``."""
    criteria = summary.get("criteria", [])
    failing = [str(c["name"]) for c in criteria if c["verdict"] != PASS]
    if not failing:
        return f"all {len(criteria)} criteria met"
    return f"{len(failing)} of {len(criteria)} criteria not met ({', '.join(failing)})"
