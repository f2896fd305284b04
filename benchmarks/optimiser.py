"""Optimiser timings for `make bench`: the shipped scenarios and a generated 300 × 30 instance.

``run_benchmarks()`` returns seconds (wall clock, one solve each, this machine):

- ``optimiser_s_baseline``: ``optimise`` on the baseline scenario, the whole answer (the
  infeasible verdict, the largest sustainable force, the conflict set and the relaxations).
- ``optimiser_s_baseline_verdict``: the first solve alone (proving the requirement
  infeasible, or optimal when it is met); ``optimiser_s_baseline_largest_share`` the search
  for the largest sustainable share of the mix, ``optimiser_s_baseline_conflict`` the
  irreducible conflict set, ``optimiser_s_baseline_relaxations`` the relaxations: the parts
  of the diagnosis besides the division of the largest force.
- ``optimiser_s_baseline_largest_force_<objective>``: dividing the baseline's largest force
  by each objective, proven optimal (NaN otherwise): pools are full there, which makes it
  the slowest step of the diagnosis.
- ``optimiser_s_<scenario>_largest_force``: the largest force of each shipped scenario.
- ``optimiser_s_300x30_<objective>``: each objective on a generated instance of 300 nations ×
  30 capabilities whose requirement can be met; ``optimiser_s_300x30`` is the slowest.
  Every 300 × 30 figure counts only a proven optimum (NaN otherwise, printed).
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
SHIPPED = ("ukraine_reassurance_150k", "all_europe", "force_60k", "no_us_enablers")


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


def baseline_parts(instance: AllocationInstance, params: SolveParams) -> dict[str, float]:
    """Seconds of each step of the baseline's diagnosis, and of each largest-force division."""
    out: dict[str, float] = {}
    seconds, found = _timed(lambda: largest_share(instance, params))
    out["optimiser_s_baseline_largest_share"] = seconds
    share, _, units = found  # type: ignore[misc]
    out["optimiser_s_baseline_conflict"] = _timed(
        lambda: conflict_set(instance, params.time_limit_s)
    )[0]
    out["optimiser_s_baseline_relaxations"] = _timed(lambda: relaxations(instance, params))[0]
    scaled = with_requirement(instance, mix_targets(instance, share))
    for objective in FAIRNESS_AND_COST:
        seconds, result = _timed(
            lambda o=objective: solve_requirement(scaled, o, params, hint=units)
        )
        status = result.status  # type: ignore[attr-defined]
        print(
            f"optimiser baseline largest force {objective.value}: {status.value} in {seconds:.2f} s"
        )
        proven = status is Status.optimal
        out[f"optimiser_s_baseline_largest_force_{objective.value}"] = (
            seconds if proven else math.nan
        )
    return out


def run_benchmarks() -> dict[str, float]:
    """Seconds per figure (see the module docstring); prints each solve's status."""
    out: dict[str, float] = {}
    baseline = load_scenario(ROOT / "scenarios" / "ukraine_reassurance_150k.yaml")
    seconds, result = _timed(lambda: optimise(baseline))
    out["optimiser_s_baseline"] = seconds
    print(f"optimiser baseline: {result.status.value} in {seconds:.2f} s")  # type: ignore[attr-defined]
    instance, params = build_instance(baseline), params_of(baseline)
    seconds, result = _timed(
        lambda: solve_requirement(instance, baseline.burden_sharing.objective, params)
    )
    out["optimiser_s_baseline_verdict"] = seconds
    out.update(baseline_parts(instance, params))
    for name in SHIPPED:
        path = ROOT / "scenarios" / f"{name}.yaml"
        if not path.exists():
            continue
        scenario = load_scenario(path)
        seconds, result = _timed(
            lambda s=scenario: solve(build_instance(s), Objective.largest_force, params_of(s))
        )
        share = result.largest_force_share  # type: ignore[attr-defined]
        print(f"optimiser {name} largest force: {share:.0%} in {seconds:.2f} s")
        out[f"optimiser_s_{name}_largest_force"] = seconds
    generated = generated_instance()
    slowest = 0.0
    for objective in FAIRNESS_AND_COST:
        seconds, result = _timed(
            lambda o=objective: solve(generated, o, SolveParams(time_limit_s=60.0))
        )
        status = result.status  # type: ignore[attr-defined]
        print(f"optimiser 300x30 {objective.value}: {status.value} in {seconds:.2f} s")
        proven = status is Status.optimal
        out[f"optimiser_s_300x30_{objective.value}"] = seconds if proven else math.nan
        slowest = max(slowest, seconds) if proven else math.nan
    out["optimiser_s_300x30"] = slowest
    return out


if __name__ == "__main__":
    for key, value in run_benchmarks().items():
        print(f"{key:48} {value:10.3f}")
