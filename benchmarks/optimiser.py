"""Optimiser timings for `make bench`: the shipped scenarios and a generated 300 × 30 instance.

``run_benchmarks()`` returns seconds (wall clock, one solve each, this machine). An objective's
time counts only when its answer is proven: an optimum (SCIP's, or a bound attained by a
completion, ``optimisation.completion``) or an infeasible requirement; NaN otherwise (printed).

- ``optimiser_s_baseline``: the issue's key, the slowest objective on the baseline scenario,
  proven: for each of the four objectives, the verdict on the scenario's requirement
  (``solve_requirement``; the shipped scenarios' requirements are infeasible) and the division
  of its largest sustainable force by that objective (``optimiser_s_baseline_largest_force_
  <objective>``, with the largest-force search's units as SCIP's hint, as ``optimise`` does).
- ``optimiser_s_shipped``: the same over every shipped scenario (``optimiser_s_<scenario>_
  slowest_objective`` each); NaN while one of them is not proven.
- ``optimiser_s_baseline_pipeline``: ``optimise`` on the baseline scenario, the whole answer
  (the infeasible verdict, the largest sustainable force, the conflict set and the
  relaxations). Its steps: ``optimiser_s_baseline_verdict`` (the scenario's own objective),
  ``optimiser_s_baseline_largest_share`` (the search for the largest sustainable share of the
  mix), ``optimiser_s_baseline_conflict`` (the irreducible conflict set),
  ``optimiser_s_baseline_relaxations``.
- ``optimiser_s_<scenario>_largest_force``: the largest force of each shipped scenario.
- ``optimiser_s_300x30_<objective>``: each objective on a generated instance of 300 nations ×
  30 capabilities whose requirement can be met; ``optimiser_s_300x30`` is the slowest.

The generated nations are drawn like the reference data (scenarios/data/nations.csv: log army
personnel has mean 9.6 and standard deviation 1.4 over the 32 nations with an army, log GDP
per soldier a spread of about 1): lognormal land forces (mean 9.5, sd 1.0 in logs) and GDP
(sd 0.5 around land forces), so a generated instance is if anything less spread than Europe.
The force uses 35 % of the pools, which puts most nations' fair shares below one battalion
(median 420 pax): the fairness objectives are then bin-packing questions.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from logistics_sim import load_scenario
from logistics_sim.scenario import Objective
from optimisation import build_instance, optimise, params_of
from optimisation.diagnostics import conflict_set, relaxations
from optimisation.instance import (
    AllocationInstance,
    CapabilityData,
    NationData,
    fair_shares,
    with_requirement,
)
from optimisation.solve import (
    SolveParams,
    Status,
    largest_share,
    mix_targets,
    solve,
    solve_requirement,
)

ROOT = Path(__file__).resolve().parent.parent
FAIRNESS_AND_COST = (
    Objective.min_max_deviation,
    Objective.min_sum_deviation,
    Objective.min_cost,
    Objective.lexicographic,
)
BASELINE = "ukraine_reassurance_150k"
#: Solver limit per objective on the generated instance (s): its lexicographic cost stage
#: takes 5–7 minutes to prove (``optimisation.configurations``).
GENERATED_LIMIT_S = 900.0
#: Every scenario shipped in scenarios/ (the baseline first).
SHIPPED = tuple(
    sorted(
        (path.stem for path in (ROOT / "scenarios").glob("*.yaml")),
        key=lambda name: (name != BASELINE, name),
    )
)


def generated_instance(
    nations: int = 300, capabilities: int = 30, seed: int = 20_260_601
) -> AllocationInstance:
    """A feasible random instance: lognormal land forces, 1:2–1:4 dwell, ~35% of pools used."""
    rng = np.random.default_rng(seed)
    caps = tuple(
        CapabilityData(
            f"cap{k:02d}",
            int(rng.choice([400, 500, 600, 650, 700])),
            1,
            float(rng.uniform(0.5, 2.0)),
        )
        for k in range(capabilities)
    )
    land = rng.lognormal(mean=9.5, sigma=1.0, size=nations)
    multipliers = rng.choice([3.31, 4.26, 5.32], size=nations)
    gdp = land * rng.lognormal(mean=0.0, sigma=0.5, size=nations)
    people = [
        NationData(
            code=f"N{i:03d}",
            eligible=True,
            land_forces_pax=int(land[i]),
            available_pax=float(land[i]) * 0.4,
            multiplier=float(multipliers[i]),
            key_value=float(gdp[i]),
        )
        for i in range(nations)
    ]
    spare = sum(n.available_pax / n.multiplier for n in people)
    per_cap = 0.35 * spare / sum(c.personnel_per_unit_pax for c in caps)
    caps = tuple(
        CapabilityData(c.id, c.personnel_per_unit_pax, max(1, int(per_cap)), c.cost_per_unit_year)
        for c in caps
    )
    return AllocationInstance(tuple(people), caps, fair_shares(people), "generated")


def _timed(call: object) -> tuple[float, object]:
    """Wall seconds of one call and its result."""
    start = time.perf_counter()
    result = call()  # type: ignore[operator]
    return time.perf_counter() - start, result


def _slowest(a: float, b: float) -> float:
    """The larger of two times, NaN (not proven) if either is."""
    return math.nan if math.isnan(a) or math.isnan(b) else max(a, b)


def baseline_parts(instance: AllocationInstance, params: SolveParams) -> dict[str, float]:
    """Seconds of the steps of the baseline's diagnosis besides the divisions."""
    out: dict[str, float] = {}
    out["optimiser_s_baseline_largest_share"] = _timed(lambda: largest_share(instance, params))[0]
    out["optimiser_s_baseline_conflict"] = _timed(
        lambda: conflict_set(instance, params.time_limit_s)
    )[0]
    out["optimiser_s_baseline_relaxations"] = _timed(lambda: relaxations(instance, params))[0]
    return out


def objective_times(
    name: str, instance: AllocationInstance, params: SolveParams
) -> dict[str, float]:
    """Per objective: the verdict on the requirement and the division of the largest force.

    Keys ``optimiser_s_<name>_verdict_<objective>`` and ``optimiser_s_<name>_largest_force_
    <objective>`` (the latter only when the requirement cannot be met), and
    ``optimiser_s_<name>_slowest_objective``: the slowest of them, NaN if one is not proven.
    """
    out: dict[str, float] = {}
    slowest = 0.0
    for objective in FAIRNESS_AND_COST:
        seconds, result = _timed(lambda o=objective: solve_requirement(instance, o, params))
        status = result.status  # type: ignore[attr-defined]
        print(f"optimiser {name} {objective.value}: {status.value} in {seconds:.3f} s")
        proven = status in (Status.optimal, Status.infeasible)
        out[f"optimiser_s_{name}_verdict_{objective.value}"] = seconds if proven else math.nan
        slowest = _slowest(slowest, seconds if proven else math.nan)
    share, _, units = largest_share(instance, params)
    if share < 1.0:
        scaled = with_requirement(instance, mix_targets(instance, share))
        for objective in FAIRNESS_AND_COST:
            seconds, result = _timed(
                lambda o=objective: solve_requirement(scaled, o, params, hint=units)
            )
            status = result.status  # type: ignore[attr-defined]
            print(
                f"optimiser {name} largest force ({share:.0%}) {objective.value}: "
                f"{status.value} in {seconds:.3f} s"
            )
            proven = status is Status.optimal
            out[f"optimiser_s_{name}_largest_force_{objective.value}"] = (
                seconds if proven else math.nan
            )
            slowest = _slowest(slowest, seconds if proven else math.nan)
    out[f"optimiser_s_{name}_slowest_objective"] = slowest
    return out


def run_benchmarks(generated: bool = True) -> dict[str, float]:
    """Seconds per figure (see the module docstring); prints each solve's status.

    ``generated=False`` leaves out the 300 × 30 instance (its four objectives take about
    ten minutes).
    """
    out: dict[str, float] = {}
    baseline = load_scenario(ROOT / "scenarios" / "ukraine_reassurance_150k.yaml")
    seconds, result = _timed(lambda: optimise(baseline))
    out["optimiser_s_baseline_pipeline"] = seconds
    print(f"optimiser baseline pipeline: {result.status.value} in {seconds:.2f} s")  # type: ignore[attr-defined]
    instance, params = build_instance(baseline), params_of(baseline)
    out["optimiser_s_baseline_verdict"] = _timed(
        lambda: solve_requirement(instance, baseline.burden_sharing.objective, params)
    )[0]
    out.update(baseline_parts(instance, params))
    slowest = 0.0
    for name in SHIPPED:
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        key = "baseline" if name == BASELINE else name
        times = objective_times(key, build_instance(scenario), params_of(scenario))
        out.update(times)
        slowest = _slowest(slowest, times[f"optimiser_s_{key}_slowest_objective"])
        seconds, result = _timed(
            lambda s=scenario: solve(build_instance(s), Objective.largest_force, params_of(s))
        )
        share = result.largest_force_share  # type: ignore[attr-defined]
        print(f"optimiser {name} largest force: {share:.0%} in {seconds:.2f} s")
        out[f"optimiser_s_{name}_largest_force"] = seconds
    out["optimiser_s_baseline"] = out["optimiser_s_baseline_slowest_objective"]
    out["optimiser_s_shipped"] = slowest
    if generated:
        out.update(generated_times())
    return out


def generated_times(time_limit_s: float = GENERATED_LIMIT_S) -> dict[str, float]:
    """Each objective on the generated 300 × 30 instance; the slowest, NaN unless all proven."""
    out: dict[str, float] = {}
    instance = generated_instance()
    slowest = 0.0
    for objective in FAIRNESS_AND_COST:
        seconds, result = _timed(
            lambda o=objective: solve(instance, o, SolveParams(time_limit_s=time_limit_s))
        )
        status = result.status  # type: ignore[attr-defined]
        print(
            f"optimiser 300x30 {objective.value}: {status.value} in {seconds:.2f} s "
            f"(objective {result.objective_value:.6g}, bound {result.bound:.6g})"  # type: ignore[attr-defined]
        )
        proven = status is Status.optimal
        out[f"optimiser_s_300x30_{objective.value}"] = seconds if proven else math.nan
        slowest = _slowest(slowest, seconds if proven else math.nan)
    out["optimiser_s_300x30"] = slowest
    return out


if __name__ == "__main__":
    for key, value in run_benchmarks().items():
        print(f"{key:48} {value:10.3f}")
