"""Sweeps: variants of a scenario run with common random numbers, compared in sweep.csv."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from logistics_sim import inert, limits
from logistics_sim import runfolder as rf
from logistics_sim.experiment.allocation_choice import AllocationChoice
from logistics_sim.experiment.executors import Executor, session
from logistics_sim.experiment.fielding import field_force
from logistics_sim.experiment.replication import ReplicateFn
from logistics_sim.experiment.run import RunResult, simulate
from logistics_sim.experiment.setpath import SweepParameter, SweepSpecError, set_path
from logistics_sim.metrics import (
    paired_difference,
)
from logistics_sim.scenario import Scenario


def design(parameters: Sequence[SweepParameter], kind: str = "factorial") -> list[dict[str, Any]]:
    """Variants as {path: value}: baseline ({}) first, then full factorial or one-at-a-time."""
    if kind not in ("factorial", "oat"):
        raise SweepSpecError(f"unknown design {kind!r}: factorial or oat")
    variants: list[dict[str, Any]] = [{}]
    if kind == "oat":
        for p in parameters:
            variants.extend({p.path: v} for v in p.values)
    else:
        for combo in itertools.product(*(p.values for p in parameters)):
            variants.append(dict(zip((p.path for p in parameters), combo, strict=True)))
    return variants


def variant_label(overrides: dict[str, Any]) -> str:
    """``rotation.dwell_ratio=3, horizon_days=90`` (``baseline`` for no override)."""
    return ", ".join(f"{k}={v}" for k, v in overrides.items()) or "baseline"


@dataclass
class SweepResult:
    """The comparison table (as sweep.csv) and each variant's run."""

    folder: Path
    table: pd.DataFrame
    runs: list[RunResult]


def build_variant(file: Path, overrides: dict[str, Any]) -> Scenario:
    """The scenario file with ``overrides`` applied, re-validated (problems say file:line:col)."""
    import copy

    from logistics_sim.errors import Problem, ScenarioError
    from logistics_sim.loading import read_mapping, scenario_from_mapping

    mapping, positions = read_mapping(file)
    mapping = copy.deepcopy(mapping)
    for path, value in overrides.items():
        set_path(mapping, path, value)
    try:
        return scenario_from_mapping(mapping, positions, file)
    except ScenarioError as exc:
        label = ", ".join(f"{k}={v}" for k, v in overrides.items())
        raise ScenarioError(
            [
                Problem(p.file, p.line, p.col, p.path, f"{p.message} (with --set {label})")
                for p in exc.problems
            ]
        ) from None


def _chooser(
    allocation: pd.DataFrame | None, choose: Callable[[Scenario], AllocationChoice] | None
) -> Callable[[Scenario], AllocationChoice]:
    """The same ``allocation`` for every variant if given, else ``choose``."""
    if allocation is not None:
        fixed = AllocationChoice(allocation, "given by caller")
        return lambda _scenario: fixed
    if choose is None:
        raise ValueError("a sweep needs an allocation or a chooser (pipeline.choose_allocation)")
    return choose


def sweep(
    file: str | Path,
    parameters: Sequence[SweepParameter],
    kind: str = "factorial",
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 2,
    dask: str | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    *,
    quiet: bool = True,
    allocation: pd.DataFrame | None = None,
    replicate: ReplicateFn | None = None,
    choose: Callable[[Scenario], AllocationChoice] | None = None,
) -> SweepResult:
    """Run every variant with common random numbers; write sweep.csv with paired differences.

    All variants use the same base seed, so replication r of each variant sees the same
    random streams and their difference is measured with far less noise than independent
    runs; the CI of a difference is a paired t interval over replications. Each variant runs
    ``allocation`` if given, else the allocation ``choose`` picks for it (the pipeline's
    ``choose_allocation`` optimises each variant).
    """
    chooser = _chooser(allocation, choose)
    path = Path(file)
    variants = design(parameters, kind)
    too_many = limits.SWEEP_VARIANTS.exceeded(len(variants))
    if too_many:
        raise SweepSpecError(f"refused before starting: {too_many}")
    scenarios = [build_variant(path, v) for v in variants]  # all validated before any run
    base = scenarios[0]
    n = replications if replications is not None else base.experiment.replications
    base_seed = seed if seed is not None else base.experiment.seed
    if out is None:
        import hashlib

        tag = hashlib.sha256(
            repr(
                (rf.scenario_sha256(base), kind, [(p.path, p.values) for p in parameters])
            ).encode()
        ).hexdigest()[:12]
        out = Path("results") / base.name / f"sweep-{tag}-seed{base_seed}"
    root = Path(out)
    rf.claim_folder(root, "sweep")  # the tool's own folder, or refused before any write
    runs: list[RunResult] = []
    with session(Executor(jobs, dask)) as active:  # one LocalCluster for all variants
        for i, (overrides, scen) in enumerate(zip(variants, scenarios, strict=True)):
            choice = chooser(scen)
            force = field_force(scen, choice.allocation, choice.source, choice.optimisation)
            runs.append(
                simulate(
                    force.scenario,
                    force.allocation,
                    n,
                    base_seed,
                    out=root / f"variant-{i:03d}",
                    resume=resume,
                    quiet=quiet,
                    replicate=replicate,
                    allocation_source=force.source,
                    optimisation=choice.optimisation,
                    command_line=f"sweep variant {i}: {variant_label(overrides)}",
                    executor=active,
                    requirement=force.requirement,
                )
            )
    table = sweep_table(parameters, variants, runs, base.experiment.confidence)
    rf.write_bytes_atomic(
        root / "sweep.csv", inert.csv_frame(table).to_csv(index=False, lineterminator="\n").encode()
    )
    return SweepResult(folder=root, table=table, runs=runs)


def sweep_table(
    parameters: Sequence[SweepParameter],
    variants: Sequence[dict[str, Any]],
    runs: Sequence[RunResult],
    confidence: float,
) -> pd.DataFrame:
    """One row per variant and metric: mean, CI, and the paired difference from the baseline.

    Each row also carries its variant's verdicts: the requirement's (with the largest
    sustainable force) and the fielded force's.
    """
    baseline = runs[0].per_replication
    rows = []
    for i, (overrides, run) in enumerate(zip(variants, runs, strict=True)):
        diffs = paired_difference(run.per_replication, baseline, confidence)
        for metric, stat in run.summary["metrics"].items():
            d = diffs[metric]
            row: dict[str, Any] = {"variant": i}
            row.update({p.path: overrides.get(p.path, "") for p in parameters})
            row["varied"] = ";".join(overrides) or "baseline"
            row["settings"] = variant_label(overrides)
            row.update(
                metric=metric,
                unit=stat["unit"],
                n=stat["n"],
                mean=stat["mean"],
                ci_low=stat["ci_low"],
                ci_high=stat["ci_high"],
                diff_vs_baseline=d.mean,
                diff_ci_low=d.ci_low,
                diff_ci_high=d.ci_high,
                verdict=run.summary["verdict"],
                requirement_verdict=run.summary.get("requirement_verdict", ""),
                largest_force_pax=run.summary.get("largest_force_pax"),
                force_verdict=run.summary.get("force_verdict", run.summary["verdict"]),
            )
            rows.append(row)
    return pd.DataFrame(rows)
