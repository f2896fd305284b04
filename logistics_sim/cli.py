"""The ``logistics-sim`` command line: a thin Typer app; the work happens in the library.

Exit codes (docs/architecture.md, command line): 0 done, 1 internal failure (one line), 2 bad
scenario input (one line per problem), 3 infeasible burden-sharing plan (explained).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from logistics_sim import inert
from logistics_sim.errors import ScenarioError
from logistics_sim.loading import load_scenario
from logistics_sim.scenario import Scenario

app = typer.Typer(
    name="logistics-sim",
    help="Coalition logistics: deploy, rotate, sustain and reinforce a force; share the burden.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3

F = TypeVar("F", bound=Callable[..., Any])
DEBUG = {"on": False}


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """Coalition logistics analysis."""
    DEBUG["on"] = debug


#: Exit status of a command whose reader closed the pipe (``schema | head``), as SIGPIPE's.
EXIT_BROKEN_PIPE = 141


def say(text: object, *, err: bool = False) -> None:
    """Print one line; text from inputs cannot forge lines or drive the terminal (inert)."""
    typer.echo(inert.terminal(text), err=err)


def _bad_input_errors() -> tuple[type[Exception], ...]:
    """Errors that mean a bad command-line value or folder (exit 2), not an internal failure."""
    from logistics_sim.experiment import AllocationFileError, RunArgumentError, SweepSpecError
    from logistics_sim.runfolder import RunFolderMismatch

    return (AllocationFileError, RunArgumentError, SweepSpecError, RunFolderMismatch)


def _silence_stdout() -> None:
    """After a broken pipe, send what is left of stdout nowhere (no error at exit)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def guarded(func: F) -> F:
    """Turn bad input into exit 2, Ctrl-C into exit 130 and any other failure into exit 1.

    One line each, never a traceback (unless ``--debug``).
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ScenarioError as exc:
            for problem in exc.problems:
                say(problem, err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except typer.Exit:
            raise
        except KeyboardInterrupt:
            _interrupted()
        except BrokenPipeError:
            _silence_stdout()
            raise typer.Exit(EXIT_BROKEN_PIPE) from None
        except Exception as exc:
            if DEBUG["on"]:
                raise
            if isinstance(exc, _bad_input_errors()):
                say(f"error: {exc}", err=True)
                raise typer.Exit(EXIT_BAD_INPUT) from None
            say(f"error: {type(exc).__name__}: {exc}", err=True)
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper  # type: ignore[return-value]


def load_all(files: list[Path], *, strict: bool = False) -> list[Scenario]:
    """Load every file, reporting the problems of all of them before failing."""
    scenarios, problems = [], []
    for file in files:
        try:
            scenarios.append(load_scenario(file, strict=strict))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return scenarios


@app.command()
@guarded
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
    strict: Annotated[
        bool, typer.Option("--strict", help="Treat warnings (unsourced figures) as errors.")
    ] = False,
) -> None:
    """Check scenario files: schema and cross-field rules, all problems at once."""
    for file, scenario in zip(files, load_all(files, strict=strict), strict=True):
        say(f"{file}: ok ({scenario.name})")


@app.command()
@guarded
def schema() -> None:
    """Print the JSON Schema of a scenario file."""
    json.dump(Scenario.model_json_schema(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


# ---------------------------------------------------------------------------------------------
# simulate and sweep (experiments).
# ---------------------------------------------------------------------------------------------

ReplicationsOpt = Annotated[
    int | None,
    typer.Option("--replications", "-n", min=1, help="Replications (default: the scenario's)."),
]
SeedOpt = Annotated[
    int | None, typer.Option("--seed", min=0, help="Base seed (default: the scenario's).")
]
JobsOpt = Annotated[
    int, typer.Option("--jobs", "-j", min=1, help="Local worker processes (1 = sequential).")
]
DaskOpt = Annotated[
    str | None,
    typer.Option(
        "--dask", help="'local' starts a LocalCluster of --jobs workers; or tcp://host:8786."
    ),
]
ResumeOpt = Annotated[
    bool,
    typer.Option(
        "--resume",
        help="Run only the replications missing from --out (always so: the finished ones of "
        "the same run are verified and reused, never discarded).",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
AllocationOpt = Annotated[
    Path | None,
    typer.Option(
        "--allocation",
        help="CSV nation,capability,units[,pool_units]; default: the optimiser's allocation.",
    ),
]


def _interrupted() -> NoReturn:
    """Ctrl-C: one line, not a traceback; what finished is on disk."""
    say(
        "interrupted: finished replications are kept; rerun the same command to run the rest",
        err=True,
    )
    raise typer.Exit(130)


def _rejected_lines(rejected: dict[int, str]) -> None:
    """One warning per replication file that failed verification and was run again."""
    for r, reason in sorted(rejected.items()):
        say(f"warning: replication {r}'s file was not this run's or not whole: {reason}", err=True)


def _fail_lines(failed: dict[str, str]) -> None:
    """One line per failed replication on stderr, then exit 1 (the others are stored)."""
    for where, error in failed.items():
        say(f"error: {where} failed: {error}", err=True)
    if failed:
        say("rerun the same command to retry only the failed replications", err=True)
        raise typer.Exit(EXIT_INTERNAL)


@app.command()
@guarded
def simulate(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    jobs: JobsOpt = 2,
    dask: DaskOpt = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Run folder (default results/<scenario>/<run-id>/)."),
    ] = None,
    resume: ResumeOpt = False,
    quiet: QuietOpt = False,
    allocation: AllocationOpt = None,
    target_half_width: Annotated[
        float | None,
        typer.Option(
            "--target-half-width",
            help="Add replications until each criterion's CI half-width / mean is below this "
            "(a probability's half-width itself).",
        ),
    ] = None,
    max_replications: Annotated[
        int, typer.Option("--max-replications", min=1, help="Cap for --target-half-width.")
    ] = 1000,
) -> None:
    """Run replications of a scenario into a run folder; print the verdict."""
    from logistics_sim import experiment, pipeline
    from logistics_sim.verdict import verdict_lines

    scenario = load_scenario(file)
    experiment.checked_target(target_half_width)  # before the optimiser, not after the run
    choice = pipeline.choose_allocation(scenario, allocation)
    for note in choice.notes:
        say(f"warning: {note}", err=True)
    run, simulated = pipeline.simulate_fielded(
        scenario,
        choice,
        replications,
        seed,
        jobs,
        dask,
        out,
        resume,
        quiet=not experiment.progress_wanted(quiet),
        target_half_width=target_half_width,
        max_replications=max_replications,
    )
    _rejected_lines(run.rejected)
    say(f"run folder: {run.folder}")
    say(f"allocation: {simulated}")
    for line in verdict_lines(run.summary):
        say(line)
    _fail_lines({f"replication {r}": e for r, e in sorted(run.failed.items())})


@app.command()
@guarded
def sweep(
    file: Annotated[Path, typer.Argument(help="Scenario file (the baseline variant).")],
    set_: Annotated[
        list[str],
        typer.Option("--set", help="dotted.path=v1,v2,... (repeatable); nations[FRA].tour_days"),
    ],
    design: Annotated[
        str, typer.Option("--design", help="'factorial' (all combinations) or 'oat'.")
    ] = "factorial",
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    jobs: JobsOpt = 2,
    dask: DaskOpt = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Sweep folder (default results/<scenario>/sweep-<id>/)."),
    ] = None,
    resume: ResumeOpt = False,
    quiet: QuietOpt = False,
    allocation: AllocationOpt = None,
) -> None:
    """Run scenario variants with common random numbers; write sweep.csv (differences + CIs)."""
    from logistics_sim import experiment, pipeline

    if design not in ("factorial", "oat"):
        say(f"error: --design {design!r}: expected factorial or oat", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    parameters = [experiment.parse_set(text) for text in set_]
    fixed = None
    if allocation is not None:
        fixed = pipeline.choose_allocation(load_scenario(file), allocation).allocation
    result = experiment.sweep(
        file,
        parameters,
        design,
        replications,
        seed,
        jobs,
        dask,
        out,
        resume,
        quiet=not experiment.progress_wanted(quiet),
        allocation=fixed,
        choose=pipeline.choose_allocation,
    )
    table = result.table
    criteria = {c.metric for c in load_scenario(file).criteria}
    shown = table[table["metric"].isin(criteria)] if criteria else table
    say(f"sweep table: {result.folder / 'sweep.csv'}")
    _warn_shadowed(file, [p.path for p in parameters])
    width = int(table["settings"].str.len().max())
    for variant in table.drop_duplicates("variant").to_dict("records"):
        largest = variant["largest_force_pax"]
        size = f"{largest:,.0f}" if largest == largest and largest is not None else "-"
        say(
            f"  variant {variant['variant']:3d} {variant['settings']:{width}} requirement "
            f"{variant['requirement_verdict'] or 'not assessed'} (largest force {size}), "
            f"force {variant['force_verdict']}"
        )
    for row in shown.itertuples(index=False):
        say(
            f"  variant {row.variant:3d} {row.settings:{width}} {row.verdict:10} {row.metric}: "
            f"{row.mean:.4g} [{row.ci_low:.4g}, {row.ci_high:.4g}] "
            f"diff {row.diff_vs_baseline:+.4g} [{row.diff_ci_low:+.4g}, {row.diff_ci_high:+.4g}]"
        )
    _fail_lines(
        {
            f"variant {i} replication {r}": e
            for i, run in enumerate(result.runs)
            for r, e in sorted(run.failed.items())
        }
    )


def _warn_shadowed(file: Path, paths: list[str]) -> None:
    """Warn when nations' own settings override a swept coalition rotation setting."""
    from logistics_sim.analysis.levers import shadowed

    scenario = load_scenario(file)
    for path in paths:
        hidden = shadowed(scenario, path)
        if hidden:
            say(
                f"warning: {', '.join(hidden)} set their own value, which overrides the swept "
                f"{path} for them; `frontier --vary {path}=...` applies it to every nation",
                err=True,
            )


# ---------------------------------------------------------------------------------------------
# report (feasibility report).
# ---------------------------------------------------------------------------------------------


@app.command()
@guarded
def report(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    jobs: JobsOpt = 2,
    dask: DaskOpt = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Run folder (default results/<scenario>/<run-id>/)."),
    ] = None,
    quiet: QuietOpt = False,
    resume: ResumeOpt = False,
    sweep: Annotated[
        Path | None,
        typer.Option("--sweep", help="A sweep folder (or its sweep.csv) for the tornado chart."),
    ] = None,
) -> None:
    """Optimise, simulate and write report.html and report.md; print the verdict (exit 0).

    The replications already in the run folder are verified and reused, not recomputed.
    """
    from logistics_sim import experiment
    from logistics_sim.pipeline import run_report

    try:
        result = run_report(
            file,
            replications,
            seed,
            jobs,
            dask,
            out,
            quiet=not experiment.progress_wanted(quiet),
            sweep=sweep,
            resume=resume,
        )
    except FileNotFoundError as exc:
        say(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    for line in result.lines:
        say(line)
    say(f"report: {result.html}")
    say(f"report (Markdown): {result.md}")
    _fail_lines({f"replication {r}": e for r, e in sorted(result.failed.items())})


@app.command()
@guarded
def optimise(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    objective: Annotated[
        str | None,
        typer.Option(
            "--objective",
            help="Override the scenario's objective: min_max_deviation, min_sum_deviation, "
            "min_cost, lexicographic or largest_force.",
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            help="Override the fairness key: gdp, population, defence_spending, "
            "national_income or mix.",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for allocation.csv and optimisation.json.")
    ] = None,
) -> None:
    """Divide the required capabilities among nations; exit 3 when it cannot be done."""
    from rich.console import Console
    from rich.table import Table

    from logistics_sim.pipeline import optimise_scenario
    from logistics_sim.runfolder import claim_folder, write_bytes_atomic, write_json_atomic
    from logistics_sim.scenario import FairnessKey, Objective
    from optimisation.result import Status

    choices = {"--objective": (objective, Objective), "--key": (key, FairnessKey)}
    for option, (given, enum) in choices.items():
        if given is not None and given not in {member.value for member in enum}:
            allowed = ", ".join(member.value for member in enum)
            say(f"error: {option} {given!r}: expected one of {allowed}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT)
    scenario = load_scenario(file)
    result = optimise_scenario(
        scenario,
        Objective(objective) if objective else None,
        FairnessKey(key) if key else None,
    )
    if result.status is Status.infeasible:
        headline = (
            f"INFEASIBLE: the requirement of {scenario.force.target_deployed_pax:,} pax cannot be "
            f"sustained; largest sustainable force in the required mix {result.deployed_pax:,} "
            f"pax ({result.largest_force_share:.0%} of each capability). Allocation below is "
            "that force."
        )
    else:
        headline = (
            f"{result.status.value.upper()}: {result.deployed_pax:,} pax deployed "
            f"({result.objective.value}, fairness key {result.key})"
        )
    table = Table(title=f"{scenario.name}: {result.status.value} ({result.objective.value})")
    columns = ("nation", "troops", "pool", "share of land forces", "fair share", "actual share")
    for column in (*columns, "capacity used"):
        table.add_column(column, justify="left" if column == "nation" else "right")
    for row in (b for b in result.burden if b.eligible):
        table.add_row(
            inert.terminal(row.nation),
            f"{row.troops_deployed_pax:,.0f}",
            f"{row.pool_committed_pax:,.0f}",
            f"{row.share_of_land_forces:.0%}",
            f"{row.fair_share:.1%}",
            f"{row.actual_share:.1%}",
            f"{row.capacity_used:.0%}",
        )
    say(headline)
    Console().print(table)
    sections = {
        "Why": result.diagnosis.explanation,
        "Conflicting limits": result.diagnosis.conflicting_limits,
        "Binding limits": result.binding_limits,
        "Smallest relaxations": result.diagnosis.relaxations,
        "Notes": result.notes,
    }
    for title, lines in sections.items():
        if lines:
            say(f"{title}:")
            for line in lines:
                say(f"  - {line}")
    if out is not None:
        claim_folder(out, "optimise")  # the tool's own folder, or refused before any write
        csv_text = inert.csv_frame(result.allocation).to_csv(index=False, lineterminator="\n")
        write_bytes_atomic(out / "allocation.csv", csv_text.encode("utf-8"))
        write_json_atomic(out / "optimisation.json", result.to_dict())
        say(f"written {out / 'allocation.csv'} and {out / 'optimisation.json'}")
    if result.status is Status.infeasible:
        raise typer.Exit(EXIT_INFEASIBLE)
    if result.status is Status.error:
        say(f"error: {' '.join(result.diagnosis.explanation)}", err=True)
        raise typer.Exit(EXIT_INTERNAL)


# ---------------------------------------------------------------------------------------------
# Decision analysis: frontier.
# ---------------------------------------------------------------------------------------------


KeepNationalOpt = Annotated[
    bool,
    typer.Option(
        "--keep-national",
        help="Keep nations' own rotation settings (they then override the lever).",
    ),
]


def _output_folder(out: Path | None, scope: str, kind: str, identity: str) -> Path:
    """``--out`` or ``results/<scope>/<kind>-<id>``, claimed as a ``kind`` folder (or refused)."""
    from logistics_sim.report.decisions import default_folder
    from logistics_sim.runfolder import claim_folder

    folder = out or default_folder(scope, kind, identity)
    claim_folder(folder, kind)  # the tool's own folder, or refused (exit 2) before any write
    return folder


NationsFromOpt = Annotated[
    Path | None,
    typer.Option(
        "--nations-from",
        help="A scenario listing more nations (e.g. scenarios/all_europe.yaml), from which "
        "coalition=+POL+ITA brings nations this scenario does not list.",
    ),
]


@app.command()
@guarded
def frontier(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    vary: Annotated[
        list[str],
        typer.Option(
            "--vary",
            help="lever=v1,v2,... (repeatable): coalition=willing,willing_open,all,GBR+FRA; "
            "rotation.dwell_ratio=1,2,3; any scenario path.",
        ),
    ],
    keep_national: KeepNationalOpt = False,
    simulate_n: Annotated[
        int | None,
        typer.Option("--simulate", min=1, help="Also simulate each point's largest force N times."),
    ] = None,
    seed: SeedOpt = None,
    jobs: JobsOpt = 2,
    dask: DaskOpt = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder (default results/<scenario>/frontier-<id>/)."),
    ] = None,
    quiet: QuietOpt = False,
    nations_from: NationsFromOpt = None,
) -> None:
    """Largest sustainable force over a grid of levers; write frontier.csv and frontier.svg."""
    from logistics_sim import experiment
    from logistics_sim.analysis import frontier as analysis
    from logistics_sim.analysis.levers import LeverError, parse_lever
    from logistics_sim.experiment import Executor
    from logistics_sim.report.decisions import write_frontier

    scenario = load_scenario(file)
    identity = repr((vary, keep_national, simulate_n, seed, str(nations_from)))
    try:
        levers = [parse_lever(text) for text in vary]
        folder = _output_folder(out, scenario.name, "frontier", identity)
        result = analysis.frontier(
            file,
            levers,
            keep_national=keep_national,
            executor=Executor(jobs, dask),
            nations_from=nations_from,
        )
        if simulate_n is not None:
            result = analysis.simulate_points(
                result,
                file,
                keep_national,
                simulate_n,
                seed,
                Executor(jobs, dask),
                folder,
                not experiment.progress_wanted(quiet),
                nations_from,
            )
    except LeverError as exc:
        say(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    for point in result.points:
        say(analysis.describe(point))
    removed, kept = result.removed_overrides(), result.kept_overrides()
    if removed:
        say("national settings replaced by the levers: " + ", ".join(removed))
    if kept:
        say("national settings kept (they override the levers): " + ", ".join(kept))
    for path in write_frontier(result, folder):
        say(f"written {path}")
    say(f"frontier: {folder / 'frontier.csv'}")


LeverOpt = Annotated[
    list[str],
    typer.Option(
        "--lever",
        help="path=v1,v2,... in order of increasing change (repeatable): "
        "rotation.dwell_ratio=2,1.5,1; rotation.home_defence_floor=0.5,0.4; coalition=all.",
    ),
]


@app.command("what-it-takes")
@guarded
def what_it_takes(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    lever: LeverOpt,
    keep_national: KeepNationalOpt = False,
    jobs: JobsOpt = 2,
    dask: DaskOpt = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder (default results/<scenario>/what-it-takes-<id>/)."),
    ] = None,
    nations_from: NationsFromOpt = None,
) -> None:
    """Each lever's marginal effect and the smallest set of changes that meets the requirement."""
    from logistics_sim.analysis import what_it_takes as analysis
    from logistics_sim.analysis.levers import LeverError, parse_lever
    from logistics_sim.experiment import Executor
    from logistics_sim.report.decisions import write_table

    scenario = load_scenario(file)
    identity = repr((lever, keep_national, str(nations_from)))
    try:
        levers = [parse_lever(text) for text in lever]
        folder = _output_folder(out, scenario.name, "what-it-takes", identity)
        answer = analysis.what_it_takes(
            file,
            levers,
            keep_national=keep_national,
            executor=Executor(jobs, dask),
            nations_from=nations_from,
        )
    except LeverError as exc:
        say(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    lines = answer.sentences()
    for line in lines:
        say(line)
    title = f"What it would take: {scenario.name}"
    for path in write_table(folder, "what_it_takes", title, lines, analysis.step_table(answer)):
        say(f"written {path}")


@app.command("drop-outs")
@guarded
def drop_outs(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    jobs: JobsOpt = 2,
    dask: DaskOpt = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder (default results/<scenario>/drop-outs-<id>/)."),
    ] = None,
) -> None:
    """For each contributing nation: the largest force without it, and who takes over."""
    from logistics_sim.analysis import drop_outs as analysis
    from logistics_sim.experiment import Executor
    from logistics_sim.report.decisions import write_table

    scenario = load_scenario(file)
    folder = _output_folder(out, scenario.name, "drop-outs", "drop-outs")
    base, rows = analysis.drop_outs(file, Executor(jobs, dask))
    lines = [
        f"as given: largest force {base.size.largest_force_pax:,} of "
        f"{base.size.asked_pax:,} asked ({base.size.share_of_target:.0%})"
    ]
    lines += [analysis.describe(row) for row in rows]
    for line in lines:
        say(line)
    title = f"Who drops out: {scenario.name}"
    for path in write_table(folder, "dropouts", title, lines, analysis.drop_out_table(rows)):
        say(f"written {path}")


@app.command()
@guarded
def compare(
    runs: Annotated[
        list[Path], typer.Argument(help="Run folders, or scenario files (run first, like report).")
    ],
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    jobs: JobsOpt = 2,
    dask: DaskOpt = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder (default results/comparison-<id>/)."),
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Runs side by side; write comparison.html, comparison.md and comparison.csv."""
    from logistics_sim import experiment
    from logistics_sim.analysis.compare import comparison_table, load_compared
    from logistics_sim.pipeline import run_report
    from logistics_sim.report.decisions import write_comparison

    if len(runs) < 2:
        say("error: compare needs at least two runs or scenarios", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    missing = [str(p) for p in runs if not (p / "summary.json").is_file() and not p.is_file()]
    if missing:
        say(f"error: not a run folder or scenario file: {', '.join(missing)}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    load_all([p for p in runs if p.is_file()])  # every scenario valid before any run
    identity = repr([str(p) for p in runs])
    folder = _output_folder(out, "comparisons", "comparison", identity)
    folders = []
    for path in runs:
        if path.is_file():
            done = run_report(
                path, replications, seed, jobs, dask, quiet=not experiment.progress_wanted(quiet)
            )
            say(f"ran {path}: {done.folder}")
            folders.append(done.folder)
        else:
            folders.append(path)
    table = comparison_table([load_compared(f) for f in folders])
    for path in write_comparison(table, folder):
        say(f"written {path}")


@app.command()
@guarded
def enablers(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    jobs: JobsOpt = 2,
    dask: DaskOpt = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Sweep folder (default results/<scenario>/sweep-<id>/)."),
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Each US enabler off alone: every criterion's paired difference; write enablers.csv."""
    from logistics_sim import experiment
    from logistics_sim.analysis.enablers import enabler_effects, switches
    from logistics_sim.report.decisions import figure
    from logistics_sim.runfolder import write_bytes_atomic

    scenario = load_scenario(file)
    if not switches(scenario):
        say("error: no US enabler is on in this scenario: nothing to switch off", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    result, table = enabler_effects(
        file, scenario, replications, seed, jobs, dask, out, not experiment.progress_wanted(quiet)
    )
    for row in table.to_dict("records"):
        with_, without = figure(row["with"]), figure(row["without"])
        low, high = figure(row["diff_ci_low"], True), figure(row["diff_ci_high"], True)
        say(
            f"  without {row['enabler']:12} {row['criterion']}: {with_} -> {without} "
            f"{row['unit']} (paired difference {figure(row['difference'], True)} "
            f"[{low}, {high}]), {row['judged_with']} -> {row['judged_without']}"
        )
    path = result.folder / "enablers.csv"
    write_bytes_atomic(path, table.to_csv(index=False, lineterminator="\n").encode())
    say(f"enablers: {path}")
