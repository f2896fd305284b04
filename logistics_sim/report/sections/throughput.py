"""Fleets and crossings: each fleet's use, each crossing's tonnes against capacity, what binds."""

from __future__ import annotations

from logistics_sim.catalogue import CROSSING_SHARE, CROSSING_T_PER_DAY, FLEET_UTILISATION
from logistics_sim.report.findings import busiest_resources, per_entity
from logistics_sim.report.format import dist_text, num, pct, pct_interval
from logistics_sim.report.rundata import RunData
from logistics_sim.report.sections.elements import Section, Table


def _fleet_table(run: RunData) -> Table | None:
    metrics = run.summary.get("metrics", {})
    fleets = {f.id: f for f in run.scenario.sustainment.fleets}
    rows = []
    use = per_entity(metrics, FLEET_UTILISATION.prefix)
    for fleet_id, entry in sorted(use.items(), key=lambda kv: -float(kv[1]["mean"])):
        fleet = fleets.get(fleet_id)
        what = f"{fleet.count} × {num(fleet.payload_t)} t by {fleet.mode.value}" if fleet else "—"
        rows.append([fleet_id, what, pct_interval(entry)])
    return Table(["fleet", "vehicles", "busy: mean (95% CI)"], rows) if rows else None


def _crossing_table(run: RunData) -> Table | None:
    metrics = run.summary.get("metrics", {})
    names = {n.id: n for n in run.scenario.network.nodes}
    tonnes = per_entity(metrics, CROSSING_T_PER_DAY.prefix)
    shares = per_entity(metrics, CROSSING_SHARE.prefix)
    rows = []
    for node_id, entry in sorted(tonnes.items(), key=lambda kv: -float(kv[1]["mean"])):
        node = names.get(node_id)
        capacity = node.throughput_t_per_day if node is not None else None
        rows.append(
            [
                f"{node.name if node else node_id} ({node_id})",
                num(entry["mean"]),
                num(capacity) if capacity is not None else "not cited",
                pct(shares[node_id]["mean"]) if node_id in shares else "—",
            ]
        )
    if not rows:
        return None
    header = ["crossing", "supply t/day", "capacity t/day", "share of capacity"]
    return Table(header, rows)


def throughput_section(run: RunData) -> Section:
    """Fleet use and crossing throughput against capacity; the busiest resource and why."""
    sec = Section("throughput", "Fleets and crossings")
    fleets, crossings = _fleet_table(run), _crossing_table(run)
    if fleets is None and crossings is None:
        sec.paragraphs.append("No fleet or crossing was recorded (sustainment not modelled).")
        return sec
    sec.paragraphs.append(
        "How busy each transport fleet was after the warm-up, and the supply tonnes each "
        "crossing handled per day against the capacity cited for it in the scenario (a "
        "crossing with no traffic carried none of the force's supply)."
    )
    load = run.scenario.network.background_load
    if load is not None:
        where = ", ".join(load.targets) if load.targets else "every crossing, yard and port"
        sec.paragraphs.append(
            f"Shared capacity: others' traffic (Ukraine's military aid and civil trade) takes a "
            f"share of the handling at {where}, drawn once per replication "
            f"({dist_text(load.share)}); the force gets the rest. Sweep it in one line: "
            "`logistics-sim sweep FILE --set network.background_load.share=0,0.25,0.5`."
        )
    for table in (fleets, crossings):
        if table is not None:
            sec.tables.append(table)
    ranked = busiest_resources(run)
    if ranked:
        top = ranked[0]
        sec.bullets.append(
            f"Busiest resource: the {top.kind} {top.id}, at {pct(top.share)}: {top.why}."
        )
    busiest_fleet = next((r for r in ranked if r.kind == "fleet"), None)
    if busiest_fleet is not None and busiest_fleet is not (ranked[0] if ranked else None):
        sec.bullets.append(f"Busiest fleet: {busiest_fleet.id}, at {pct(busiest_fleet.share)}.")
    idle = sorted(r.id for r in ranked if r.kind in ("fleet", "crossing") and r.share == 0.0)
    if idle:
        sec.bullets.append("Carried nothing after the warm-up: " + ", ".join(idle) + ".")
    return sec
