"""summary.json from per-replication metrics; the replications a precision target needs."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from logistics_sim.metrics import (
    PROPORTION_METRICS,
    metric_ci,
    metrics_frame,
    summarise,
)
from logistics_sim.scenario import Scenario
from logistics_sim.verdict import RequirementVerdict, assess, combined


def more_replications(
    scenario: Scenario, per_rep: dict[int, dict[str, float]], target: float, n: int
) -> int:
    """How many more replications the worst metric needs to reach the target precision.

    Precision is the CI half-width relative to the mean, except for a proportion (its Wilson
    interval; PROPORTION_METRICS), where it is the half-width itself: a probability near 0 has
    no useful relative precision, while "within ±0.05" is what an analyst asks of it.
    """
    names = [c.metric for c in scenario.criteria] or None
    frame = metrics_frame(per_rep.items())
    columns = [c for c in (names or list(frame.columns)) if c in frame.columns]
    worst = 0.0
    for name in columns:
        ci = metric_ci(name, frame[name].to_list(), scenario.experiment.confidence)
        if ci.n == 0:
            continue
        precision = ci.half_width if name in PROPORTION_METRICS else ci.relative_half_width
        worst = max(worst, precision if ci.n >= 2 else math.inf)
    if worst <= target:
        return 0
    if math.isinf(worst):
        return max(2, n)
    needed = math.ceil(n * (worst / target) ** 2)  # half-width shrinks as 1/sqrt(n)
    return max(needed - n, 1)


def build_summary(
    scenario: Scenario,
    per_replication: pd.DataFrame,
    base_seed: int,
    failed: Sequence[int],
    requirement: RequirementVerdict | None = None,
) -> dict:
    """summary.json (docs/architecture.md) from per-replication metrics.

    ``force_verdict`` judges the simulated force by the criteria at its own size (the scenario
    simulated is the fielded one); with ``requirement`` (the optimiser's answer on the asked
    force), ``verdict`` is the worse of the two, else the force verdict.
    """
    confidence = scenario.experiment.confidence
    metrics = summarise(per_replication, confidence)
    force_verdict, criteria = assess(scenario.criteria, metrics, confidence)
    summary = {
        "scenario": scenario.name,
        "replications": len(per_replication),
        "base_seed": base_seed,
        "confidence": confidence,
        "warmup_days": scenario.experiment.warmup_days,
        "failed_replications": list(failed),
        "verdict": combined(requirement.verdict if requirement else None, force_verdict),
        "force_verdict": force_verdict,
        "fielded_pax": scenario.force.target_deployed_pax,
        "criteria": criteria,
        "metrics": metrics,
    }
    if requirement is not None:
        summary.update(requirement.summary_fields())
    return summary
