"""Reinforcement closure decomposed: warning, notice, movement, queues, and which one decides."""

from __future__ import annotations

from logistics_sim.report.findings import CLOSURE_COMPONENT_WORDS, closure_decomposition
from logistics_sim.report.format import interval, num
from logistics_sim.report.rundata import RunData, is_nan
from logistics_sim.report.sections.elements import Section, Table


def _sources_sentence(run: RunData) -> str:
    """Where the reinforcements come from: designated reserve, theatre reserve, pools."""
    parts = []
    for plan in run.scenario.reinforcement.plans:
        held = sum(r.units for r in plan.designated_reserve)
        nations = sorted({r.nation for r in plan.designated_reserve})
        line = f"Sources of plan {plan.id}: " + (
            f"{held} units held at home out of the rotation by {', '.join(nations)} "
            "(a designated reserve, sent first)"
            if held
            else "no designated reserve"
        )
        if plan.theatre_reserve:
            line += f", {sum(r.units for r in plan.theatre_reserve)} units in theatre"
        line += (
            ", then national pool units by readiness tier"
            + (" including units recalled from dwell" if plan.recall_from_dwell else "")
            + "."
        )
        parts.append(line)
    return " ".join(parts)


def closure_section(run: RunData) -> Section:
    """The slowest plan's closure as its components (means over the replications that closed)."""
    sec = Section("closure", "Reinforcement closure decomposed")
    if not run.scenario.reinforcement.plans:
        sec.paragraphs.append("The scenario has no reinforcement plan.")
        return sec
    metrics = run.summary.get("metrics", {})
    parts = closure_decomposition(metrics)
    sec.paragraphs.append(
        "Closure = notice to move + movement + queues − warning, for the unit whose arrival "
        "closed the slowest plan: warning is the days the alert came before the attack, notice "
        "that unit's notice to move, movement its planned (uncongested) travel and queues the "
        "rest of its journey (waiting at nodes and closures). " + _sources_sentence(run)
    )
    rows = [["warning (a credit)", interval(metrics.get("reinforcement_warning_days", {}))]]
    rows += [
        [words, interval(metrics.get(f"reinforcement_{key}_days", {}))]
        for key, words in CLOSURE_COMPONENT_WORDS
    ]
    rows.append(["closure", interval(metrics.get("reinforcement_closure_days", {}))])
    sec.tables.append(Table(["component", "days: mean [95% CI]"], rows))
    closure = metrics.get("reinforcement_closure_days", {})
    if "reinforcement_notice_days" not in metrics:
        sec.bullets.append(
            "This run folder records no closure components (written before they existed)."
        )
    elif parts.deciding is None:
        sec.bullets.append(
            "No plan closed in any replication, so no component can be named as deciding."
        )
    else:
        sec.bullets.append(
            f"Deciding component: {parts.deciding} — the largest part of the mean "
            f"{num(closure.get('mean'))}-day closure."
        )
    never = closure.get("never_reached")
    if not is_nan(parts.units_short) and parts.units_short > 0:
        sec.bullets.append(
            f"In {num(never)} replications the plan never closed; on average "
            f"{num(parts.units_short)} required units per run could be found nowhere (no "
            "designated reserve, theatre reserve or ready pool unit was left): availability, "
            "not time, decides those."
        )
    return sec
