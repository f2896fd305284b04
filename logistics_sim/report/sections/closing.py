"""Limitations, the STRESS-DES annex and provenance."""

from __future__ import annotations

from logistics_sim.report.findings import Requirement
from logistics_sim.report.format import num
from logistics_sim.report.rundata import (
    RunData,
)
from logistics_sim.report.sections.elements import Section, Table


def limitations_section(run: RunData, req: Requirement) -> Section:
    """What the model leaves out, and what this particular run left out."""
    scen = run.scenario
    sec = Section("limitations", "Limitations")
    sec.bullets = [
        "No combat, attrition or casualty evacuation: the force is a reassurance force after a "
        "cease-fire; losses to enemy action are not modelled, only interdiction of the lines of "
        "communication.",
        "Movements are aggregated: a train, a convoy or an aircraft sortie is one entity and each "
        "sector draws each class of supply once a day, so intra-day peaks are smoothed.",
        "Units are whole battalions of a catalogue type; brigade and divisional enablers, "
        "headquarters and host-nation support appear only as the capabilities listed.",
        "Political stances are fixed for the whole horizon; a nation leaving or joining midway "
        "is a separate scenario.",
        "The network is fixed: no new crossings, repaired bridges or extra rolling stock are built "
        "during the run; damage recovers by the stated repair times.",
        "Costs are relative planning weights, not budgets; no financing or industrial capacity "
        "limits are modelled.",
        "Uncertainty covers only what the scenario samples (transit times, handling, demand, "
        "strikes, triggers); the reference figures themselves are taken as given, and many are "
        "estimates (see Assumptions and sources).",
    ]
    if not scen.sustainment.enabled or run.reduced.supply.empty:
        sec.bullets.append(
            "In this run no forward-depot stocks were modelled, so supply "
            "criteria and stock-out figures are absent."
        )
    if not scen.disruptions.scheduled and not scen.disruptions.random:
        sec.bullets.append("This scenario has no strikes on the lines of communication.")
    if not scen.reinforcement.plans:
        sec.bullets.append("This scenario has no reinforcement plan.")
    if run.optimisation is None:
        sec.bullets.append(
            f"No optimiser result: the allocation is '{req.source}', not an "
            "optimised division of the burden."
        )
    return sec


def _validation_cases(run: RunData) -> tuple[list[str], Table | None]:
    """docs/validation.md's cases (### headings, else ## ones) and its first table, if any."""
    if run.docs_dir is None or not (run.docs_dir / "validation.md").is_file():
        return [], None
    lines = (run.docs_dir / "validation.md").read_text(encoding="utf-8").splitlines()
    clean = [line.replace("`", "") for line in lines]
    cases = [line[4:].strip() for line in clean if line.startswith("### ")]
    if not cases:
        cases = [line[3:].strip() for line in clean if line.startswith("## ")]
    rows: list[list[str]] = []
    for line in clean:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= set("-: ") for c in cells):  # skip the |---| rule
                rows.append(cells)
        elif rows:
            break  # the first table ends at the first line that is not a row
    table = Table(rows[0], rows[1:]) if len(rows) > 1 else None
    return cases, table


def annex_section(run: RunData) -> Section:
    """STRESS-DES style annex: objectives, logic, data, experimentation, implementation."""
    scen = run.scenario
    man = run.manifest
    summ = run.summary
    net = scen.network
    sec = Section("annex", "Annex: simulation study report (STRESS-DES)")
    crit = (
        "; ".join(
            f"{c.name} ({c.metric} {c.comparison.value} {num(c.threshold)})" for c in scen.criteria
        )
        or "none stated"
    )
    sec.tables.append(
        Table(
            ["item", "this study"],
            [
                [
                    "1.1 Purpose",
                    "Can the coalition deploy, rotate, sustain and reinforce the force "
                    "asked, and how is the burden shared among nations?",
                ],
                ["1.2 Outputs (criteria)", crit],
                ["1.3 Scenario", f"{scen.name}: {scen.description}"],
                [
                    "2.1 Base logic",
                    "SimPy discrete-event model. Units (battalions) deploy from home nodes, "
                    "serve a tour in a sector slot, are relieved in place with overlap, return "
                    "and dwell; the optimiser's allocation fixes each nation's units. Supplies "
                    "move from rear hubs to forward depots by finite fleets; reinforcements "
                    "move on a trigger from readiness tiers.",
                ],
                [
                    "2.2 Entities",
                    "units; movements (one train, convoy or sortie each); one supply "
                    "draw per sector and class per day",
                ],
                [
                    "2.3 Resources and queues",
                    f"{len(net.nodes)} nodes with handling lines (servers) and "
                    f"{len(net.links)} links; {len(scen.sustainment.fleets)} fleets; "
                    "reinforcement priority at shared nodes as each plan states",
                ],
                [
                    "2.4 Randomness",
                    "numpy SeedSequence(base_seed, spawn_key=(replication,)); one "
                    "Generator per subsystem (network, rotation, demand, transport, disruption, "
                    "reinforcement)",
                ],
                [
                    "3.1 Inputs",
                    f"{len(scen.nations)} nations, {len(scen.force.capabilities)} "
                    f"capability types, {len(scen.force.sectors)} sectors, "
                    f"{len(scen.sustainment.supply_classes)} supply classes, "
                    f"{len(scen.disruptions.scheduled)} scheduled and "
                    f"{len(scen.disruptions.random)} random strike sets, "
                    f"{len(scen.reinforcement.plans)} reinforcement plans (see Assumptions and "
                    "sources)",
                ],
                [
                    "3.2 Pre-processing",
                    "reference tables merged into the scenario before validation; "
                    "the resolved scenario is stored in the run folder as scenario.resolved.yaml",
                ],
                ["4.1 Run length", f"{scen.horizon_days} days from {scen.start_date.isoformat()}"],
                [
                    "4.2 Warm-up",
                    f"{num(scen.experiment.warmup_days)} days excluded from daily-series "
                    "metrics; closure times are measured from day 0",
                ],
                [
                    "4.3 Replications",
                    f"{summ.get('replications', '—')} done of "
                    f"{man.get('replications_planned', '—')} planned; failed: "
                    f"{summ.get('failed_replications') or 'none'}",
                ],
                [
                    "4.4 Seeds",
                    f"base seed {summ.get('base_seed', man.get('base_seed'))}; "
                    f"{man.get('seeds', 'per-replication SeedSequence')}",
                ],
                [
                    "4.5 Confidence intervals",
                    "two-sided Student t interval of the mean over replications at "
                    f"{float(summ.get('confidence', 0.95)):.0%} (mean ± t·s/√n); closure times "
                    "over the replications that closed",
                ],
                ["4.6 Executor", str(man.get("executor", "not recorded"))],
                [
                    "5.1 Software",
                    ", ".join(f"{k} {v}" for k, v in sorted((man.get("versions") or {}).items())),
                ],
                ["5.2 Command", str(man.get("command_line", "not recorded"))],
            ],
        )
    )
    cases, results = _validation_cases(run)
    validation = (
        "against queueing theory and hand calculation (docs/validation.md): " + "; ".join(cases)
        if cases
        else "docs/validation.md is not available to this build, so its cases are not listed"
    )
    sec.tables[0].rows.append(["6 Validation", validation])
    if results is not None:
        sec.details.append(("Validation results (docs/validation.md)", results))
    return sec


def provenance_section(run: RunData) -> Section:
    """Scenario sha256, base seed, code version and hashes of the files the report read."""
    man = run.manifest
    versions = man.get("versions") or {}
    rows = [
        ["scenario", str(man.get("scenario", run.scenario.name))],
        ["scenario sha256 (resolved, canonical JSON)", str(man.get("scenario_sha256", "—"))],
        ["allocation sha256", str(man.get("allocation_sha256", "—"))],
        ["base seed", str(man.get("base_seed", run.summary.get("base_seed", "—")))],
        [
            "code version",
            f"logistics_sim {versions.get('logistics_sim', '—')}"
            + (f", commit {man['git_commit']}" if man.get("git_commit") else ""),
        ],
        ["run folder", run.folder.name],
    ]
    rows += [[f"sha256 of {name}", digest] for name, digest in sorted(run.file_hashes.items())]
    return Section(
        "provenance",
        "Provenance",
        tables=[Table(["item", "value"], rows)],
        paragraphs=[
            "The same run folder always renders the same report, byte for "
            "byte: the body carries no date or time."
        ],
    )
