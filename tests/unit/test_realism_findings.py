"""Report findings of issue 17: the deciding closure component, named from the summary."""

from __future__ import annotations

import math

from logistics_sim.report.findings import closure_decomposition


def entry(mean: float) -> dict[str, float]:
    return {"mean": mean, "ci_low": mean, "ci_high": mean}


def test_the_largest_delay_decides_and_warning_is_only_a_credit() -> None:
    metrics = {
        "reinforcement_warning_days": entry(20.0),  # largest number, but a credit
        "reinforcement_notice_days": entry(6.0),
        "reinforcement_movement_days": entry(12.25),
        "reinforcement_queue_days": entry(0.5),
        "reinforcement_units_short": entry(0.0),
    }
    parts = closure_decomposition(metrics)
    assert parts.deciding == "movement (planned travel)"
    assert parts.warning_days == 20.0
    metrics["reinforcement_queue_days"] = entry(13.0)
    assert closure_decomposition(metrics).deciding == "queues and delays on the way"


def test_no_closure_names_no_component() -> None:
    metrics = {f"reinforcement_{k}_days": {"mean": None} for k in ("notice", "movement", "queue")}
    parts = closure_decomposition(metrics)
    assert parts.deciding is None and math.isnan(parts.warning_days)
