"""The verdict section: the banner (asked against simulated force) and each criterion."""

from __future__ import annotations

from logistics_sim.report.findings import Requirement
from logistics_sim.report.format import VERDICT_WORDS, num, pct
from logistics_sim.report.rundata import (
    RunData,
)
from logistics_sim.report.sections.elements import Section, Table
from logistics_sim.verdict import criteria_judged


def headline(run: RunData, req: Requirement) -> tuple[str, list[str]]:
    """The banner verdict and the first lines under it (asked vs simulated force)."""
    simulated_verdict = str(run.summary.get("force_verdict", run.summary.get("verdict")))
    lines = []
    if req.infeasible:
        verdict = "INFEASIBLE"
        binding = run.summary.get("requirement_binding") or []
        lines.append(
            f"Requirement: INFEASIBLE. {req.asked_pax:,} troops were asked; the eligible nations "
            f"can sustain at most {req.simulated_pax:,} troops "
            f"({pct(req.simulated_pax / req.asked_pax)}) in the required mix under their limits"
            + (f" ({binding[0].removeprefix('conflict: ')})." if binding else ".")
        )
        lines.append(
            f"Force: {VERDICT_WORDS.get(simulated_verdict, simulated_verdict)}. That largest "
            f"sustainable force of {req.simulated_pax:,} troops, simulated and judged at its own "
            f"size: {criteria_judged(run.summary)}."
        )
    else:
        verdict = str(run.summary.get("verdict", simulated_verdict))
        if "requirement_verdict" in run.summary:
            lines.append(
                f"Requirement: FEASIBLE. The nations can generate and rotate the "
                f"{req.asked_pax:,} troops asked."
            )
            lines.append(
                f"Force: {VERDICT_WORDS.get(simulated_verdict, simulated_verdict)}. The force, "
                f"simulated: {criteria_judged(run.summary)}."
            )
        lines.append(
            f"{req.asked_pax:,} troops asked; the allocation simulated deploys "
            f"{req.simulated_pax:,} troops"
            + (
                "."
                if req.simulated_pax >= req.asked_pax
                else f" ({pct(req.simulated_pax / req.asked_pax)} of the requirement)."
            )
        )
    lines.append(f"Allocation: {req.source}.")
    return verdict, lines


def verdict_section(run: RunData, req: Requirement) -> tuple[Section, str]:
    """Verdict banner lines and one row per criterion (mean, CI, threshold, verdict)."""
    verdict, lines = headline(run, req)
    sec = Section("verdict", "Verdict", paragraphs=lines)
    criteria = run.summary.get("criteria", [])
    n = run.summary.get("replications", 0)
    conf = float(run.summary.get("confidence", run.scenario.experiment.confidence))
    if criteria:
        sec.tables.append(
            Table(
                ["criterion", "judged", "mean", f"{conf:.0%} CI", "threshold", "unit"],
                [
                    [
                        str(c.get("name", c.get("metric", ""))),
                        VERDICT_WORDS.get(str(c.get("verdict")), str(c.get("verdict")))
                        if c.get("verdict") != "PASS"
                        else "PASS",
                        num(c.get("mean")),
                        f"{num(c.get('ci_low'))} to {num(c.get('ci_high'))}",
                        f"{c.get('comparison', '')} {num(c.get('threshold'))}",
                        str(c.get("unit", "")),
                    ]
                    for c in criteria
                ],
            )
        )
        sec.bullets = [str(c.get("explanation", "")) for c in criteria]
    else:
        sec.paragraphs.append("The scenario states no feasibility criteria, so nothing is judged.")
    sec.paragraphs.append(
        f"{n} replications; a criterion passes when its whole {conf:.0%} confidence interval "
        "meets the threshold, fails when the whole interval misses it, and is at risk otherwise; "
        "the overall verdict is the worst criterion."
    )
    return sec, verdict
