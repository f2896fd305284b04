"""optimise → simulate → report: the one module that drives the optimiser and the simulation.

The optimiser's solving side is imported here and nowhere else in ``logistics_sim``: the
experiment takes an allocation and a typed ``AllocationResult``, the report reads
``optimisation.json`` back through ``AllocationResult.from_dict``. A notebook, the command
line and other analyses (frontiers over levers) call these functions.

When the requirement is infeasible the force simulated is the largest sustainable one (the
optimiser's result carries it), restated at its own size (``experiment.fielding``), so the
report gives two verdicts: the requirement's and the fielded force's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from logistics_sim import experiment
from logistics_sim.experiment.fielding import field_force
from logistics_sim.report.build import write_report
from logistics_sim.report.findings import requirement
from logistics_sim.report.format import VERDICT_WORDS
from logistics_sim.report.rundata import load_run_data
from logistics_sim.report.sections import headline
from logistics_sim.scenario import FairnessKey, Objective, Scenario
from logistics_sim.verdict import criteria_lines
from optimisation.api import optimise, params_of
from optimisation.instance import build_instance, evaluate
from optimisation.result import AllocationResult, Status
from optimisation.solve import largest_share, mix_levels, mix_targets, solve_largest_force

#: How the simulated allocation is labelled when it is the largest sustainable force.
LARGEST_FORCE_SOURCE = "optimiser: largest sustainable force in the required mix"


def optimise_scenario(
    scenario: Scenario,
    objective: Objective | str | None = None,
    key: FairnessKey | str | None = None,
) -> AllocationResult:
    """The scenario's burden-sharing answer (``objective``/``key`` override the scenario's)."""
    return optimise(scenario, objective, key)


def largest_force(scenario: Scenario, key: FairnessKey | str | None = None) -> AllocationResult:
    """The largest force in the scenario's required mix its nations can sustain, divided."""
    return optimise(scenario, Objective.largest_force, key)


def simulated_choice(result: AllocationResult) -> experiment.AllocationChoice:
    """What to simulate from an optimiser result: its allocation, or the largest force.

    An infeasible result's allocation already is the largest sustainable force; its status
    stays in ``optimisation.json`` and the report says that the requirement was not met.
    """
    if result.status is Status.infeasible:
        return experiment.AllocationChoice(result.allocation, LARGEST_FORCE_SOURCE, result)
    return experiment.AllocationChoice(result.allocation, f"optimiser ({result.status})", result)


def choose_allocation(
    scenario: Scenario, allocation_csv: Path | None = None
) -> experiment.AllocationChoice:
    """``--allocation FILE`` if given, else the optimiser's answer for the scenario.

    A file's allocation is checked against the limits the optimiser keeps (capacity, rotation
    pool, eligibility, the requirement): what it breaks comes back as notes, to be warned of.
    """
    if allocation_csv is not None:
        choice = experiment.allocation_from_csv(scenario, allocation_csv)
        broken = evaluate(build_instance(scenario), choice.allocation)
        notes = tuple(f"the allocation file breaks a limit: {line}" for line in broken)
        return replace(choice, notes=notes)
    return simulated_choice(optimise_scenario(scenario))


@dataclass(frozen=True)
class MixShare:
    """The largest share of the required mix the nations can sustain, and what stops more.

    ``share`` s: each capability ceil(s x required units) is sustainable, exactly (a search
    over the mix levels, each a feasibility solve); ``proven`` is False when a solve ran out of
    time (a larger share may be sustainable). ``next_step``: the capabilities whose unit count
    rises at the next mix level, which the pools cannot sustain. No division, no diagnosis:
    the quick question decision analysis asks at every variant.
    """

    share: float
    proven: bool
    units_by_capability: dict[str, int]
    next_step: tuple[str, ...]


def largest_mix_share(scenario: Scenario) -> MixShare:
    """The largest sustainable share of the scenario's required mix (``MixShare``)."""
    instance = build_instance(scenario)
    share, proven, _ = largest_share(instance, params_of(scenario))
    units = mix_targets(instance, share)
    above = [level for level in mix_levels(instance) if level > share + 1e-12]
    nxt = mix_targets(instance, above[0]) if above else units
    stepping = tuple(sorted(k for k in units if nxt[k] > units[k]))
    return MixShare(float(share), bool(proven), units, stepping)


def divided_largest_force(scenario: Scenario) -> AllocationResult:
    """The largest force divided by the scenario's fairness rule, without the diagnosis."""
    instance = build_instance(scenario)
    return solve_largest_force(instance, params_of(scenario))


@dataclass(frozen=True)
class ReportRun:
    """The outcome of the pipeline: run folder, report paths, banner verdict and its lines."""

    folder: Path
    html: Path
    md: Path
    verdict: str
    lines: list[str]
    failed: dict[int, str]


def simulate_fielded(
    scenario: Scenario,
    choice: experiment.AllocationChoice,
    replications: int | None,
    seed: int | None,
    jobs: int,
    dask: str | None,
    out: Path | None,
    resume: bool,
    *,
    quiet: bool,
    target_half_width: float | None = None,
    max_replications: int = 1000,
) -> tuple[experiment.RunResult, str]:
    """Simulate the force the allocation fields, judged at its own size, with its requirement.

    Returns the run and the label of the allocation simulated (the largest sustainable force's
    when the requirement could not be met).

    The one place that turns an allocation choice into a run: ``simulate`` and ``report``
    both come here, so a run folder always holds the fielded scenario and the requirement
    verdict beside the force verdict.
    """
    force = field_force(scenario, choice.allocation, choice.source, choice.optimisation)
    run = experiment.simulate(
        force.scenario,
        force.allocation,
        replications,
        seed,
        jobs,
        dask,
        out,
        resume,
        quiet=quiet,
        target_half_width=target_half_width,
        max_replications=max_replications,
        allocation_source=force.source,
        optimisation=choice.optimisation,
        requirement=force.requirement,
    )
    return run, force.source


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
    resume: bool = False,
) -> ReportRun:
    """Load, optimise (largest sustainable force if infeasible), simulate, and build the report."""
    from logistics_sim.loading import load_scenario

    scenario = load_scenario(file)
    choice = choose_allocation(scenario)
    run, _ = simulate_fielded(
        scenario, choice, replications, seed, jobs, dask, out, resume, quiet=quiet
    )
    data = load_run_data(run.folder, sweep=sweep)
    html, md = write_report(data)
    req = requirement(data)
    verdict, first = headline(data, req)
    lines = [f"verdict: {VERDICT_WORDS.get(verdict, verdict)}", *first]
    lines += criteria_lines(run.summary)
    return ReportRun(run.folder, html, md, verdict, lines, dict(run.failed))
