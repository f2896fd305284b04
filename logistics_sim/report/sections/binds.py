"""What binds: the optimiser's limits, the busiest node, the nearest stock-out, the slowest leg."""

from __future__ import annotations

from logistics_sim.report.findings import Requirement, busiest_node, slowest_leg, supply_ranking
from logistics_sim.report.format import num, pct
from logistics_sim.report.rundata import (
    RunData,
    is_nan,
)
from logistics_sim.report.sections.elements import Section
from logistics_sim.report.sections.optimiser_text import optimiser_statements


def binds_section(run: RunData, req: Requirement) -> Section:
    """What binds: optimiser limits, busiest node, nearest stock-out, slowest reinforcement leg."""
    sec = Section("binds", "What binds")
    statements = optimiser_statements(run.optimisation, req.infeasible)
    if statements:
        sec.paragraphs.append("The burden-sharing optimiser names these limits.")
        sec.lists.extend(statements)
    elif run.optimisation is None:
        sec.paragraphs.append(
            "No optimiser result is in this run folder (no optimisation.json), so no binding "
            f"national limit can be named; the allocation came from: {req.source}."
        )
    else:
        sec.paragraphs.append(
            f"The optimiser (status {req.status or 'not stated'}) reported no binding or "
            "conflicting limit."
        )
    names = {n.id: n.name for n in run.scenario.network.nodes}
    busy = busiest_node(run)
    if busy:
        node, mean, peak = busy
        sec.bullets.append(
            f"Busiest node: {names.get(node, node)} ({node}), busy {pct(mean)} of the time on "
            f"average after warm-up; its busiest day averaged {pct(peak)} over replications."
        )
    else:
        sec.bullets.append("Busiest node: no node utilisation was recorded in this run.")
    ranking = supply_ranking(run)
    if not ranking.empty:
        top = ranking.iloc[0]
        sec.bullets.append(
            f"Nearest a stock-out: sector {top['sector']}, class {top['supply_class']} — lowest "
            f"level {num(top['min_dos'])} days of supply (mean over replications of each run's "
            f"minimum), {num(top['short_days'])} days with a shortfall per run on average."
        )
    else:
        sec.bullets.append(
            "Nearest a stock-out: no stock levels were recorded (sustainment not modelled in "
            "this run), so no sector or class can be named."
        )
    leg = slowest_leg(run)
    closure = run.summary.get("metrics", {}).get("reinforcement_closure_days", {}).get("mean")
    if leg:
        node, wait = leg
        text = (
            f"Slowest reinforcement leg: {names.get(node, node)} ({node}), where movements waited "
            f"{num(wait)} days on average between the trigger and closure"
        )
        if not is_nan(closure) and wait < 0.1 * float(closure):
            text += (
                f"; queueing explains little of the {num(closure)}-day mean closure, so notice "
                "to move and travel time dominate"
            )
        sec.bullets.append(text + ".")
    elif run.scenario.reinforcement.plans:
        sec.bullets.append(
            "Slowest reinforcement leg: no queueing was recorded on the reinforcement route "
            "(no node waits between trigger and closure)."
        )
    else:
        sec.bullets.append("Slowest reinforcement leg: the scenario has no reinforcement plan.")
    if sec.lists:  # the optimiser's headed lists, then what the simulation shows
        sec.lists.append(("In the simulation", sec.bullets))
        sec.bullets = []
    return sec
