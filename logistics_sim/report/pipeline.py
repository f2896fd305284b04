"""optimise → simulate → report, as one call (the ``logistics-sim report`` command's work).

Why here and not in cli.py: the CLI stays thin (DESIGN.md §2), and a notebook can run the
same pipeline. When the optimiser finds the requirement infeasible, the force simulated is the
largest sustainable one, so the report can say what *can* be done next to what was asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from logistics_sim.experiment.fielding import field_force
from logistics_sim.report.build import write_report
from logistics_sim.report.findings import requirement
from logistics_sim.report.format import VERDICT_WORDS
from logistics_sim.report.rundata import load_run_data
from logistics_sim.report.sections import headline


@dataclass(frozen=True)
class ReportRun:
    """The outcome of the pipeline: run folder, report paths, banner verdict and its lines."""

    folder: Path
    html: Path
    md: Path
    verdict: str
    lines: list[str]
    failed: dict[int, str]


def run_report(
    file: Path,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 2,
    dask: str | None = None,
    out: Path | None = None,
    *,
    quiet: bool = True,
    sweep: Path | None = None,
) -> ReportRun:
    """Load, optimise (largest sustainable force if infeasible), simulate, and build the report."""
    from logistics_sim import experiment
    from logistics_sim.loading import load_scenario
    from logistics_sim.verdict import criteria_lines

    scenario = load_scenario(file)
    choice = experiment.choose_allocation(scenario)
    force = field_force(scenario, choice.allocation, choice.source, choice.optimisation)
    run = experiment.simulate(
        force.scenario,
        force.allocation,
        replications,
        seed,
        jobs,
        dask,
        out,
        False,
        quiet=quiet,
        allocation_source=force.source,
        optimisation=choice.optimisation,
        requirement=force.requirement,
    )
    data = load_run_data(run.folder, sweep=sweep)
    html, md = write_report(data)
    req = requirement(data)
    verdict, first = headline(data, req)
    lines = [f"verdict: {VERDICT_WORDS.get(verdict, verdict)}", *first]
    lines += criteria_lines(run.summary)
    return ReportRun(run.folder, html, md, verdict, lines, dict(run.failed))
