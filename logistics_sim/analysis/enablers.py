"""Enablers in numbers: what each US enabler switch is worth to every criterion.

Each switch that is on (``us_enablers.air_defence``, ``isr``, ``airlift``) is turned off alone,
and the variant is run with the same seeds as the scenario as given (common random numbers), so
every criterion's difference is a paired one, measured with far less noise than two
independent runs would give. The allocation is the optimiser's for each variant (airlift does
not change who sends what; it changes how they get there).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from logistics_sim.experiment import SweepParameter, SweepResult, sweep
from logistics_sim.scenario import Scenario

ENABLERS = ("air_defence", "isr", "airlift")


def switches(scenario: Scenario) -> list[SweepParameter]:
    """One off-switch per enabler that is on in the scenario."""
    on = [name for name in ENABLERS if getattr(scenario.us_enablers, name).enabled]
    return [SweepParameter(f"us_enablers.{name}.enabled", (False,)) for name in on]


def enabler_effects(
    file: str | Path,
    scenario: Scenario,
    replications: int | None,
    seed: int | None,
    jobs: int,
    dask: str | None,
    out: Path | None,
    quiet: bool = True,
) -> tuple[SweepResult, pd.DataFrame]:
    """Each enabler off alone (one-at-a-time, common random numbers); the criteria's table.

    The table has one row per enabler and criterion: the mean with the enabler, the mean
    without it, the paired difference (without - with) and its interval, and the verdicts.
    """
    from logistics_sim.pipeline import choose_allocation

    result = sweep(
        file,
        switches(scenario),
        "oat",
        replications,
        seed,
        jobs,
        dask,
        out,
        quiet=quiet,
        choose=choose_allocation,
    )
    table = result.table
    names = {c.metric: c.name for c in scenario.criteria}
    base = table[(table["variant"] == 0) & table["metric"].isin(names)].set_index("metric")
    judged = [{c["metric"]: c["verdict"] for c in run.summary["criteria"]} for run in result.runs]
    rows = []
    for _, row in table[(table["variant"] > 0) & table["metric"].isin(names)].iterrows():
        metric = str(row["metric"])
        variant = int(row["variant"])
        rows.append(
            {
                "enabler": str(row["varied"]).split(".")[1],
                "criterion": names[metric],
                "metric": metric,
                "unit": row["unit"],
                "with": base.loc[metric, "mean"],
                "without": row["mean"],
                "difference": row["diff_vs_baseline"],
                "diff_ci_low": row["diff_ci_low"],
                "diff_ci_high": row["diff_ci_high"],
                "judged_with": judged[0].get(metric, ""),
                "judged_without": judged[variant].get(metric, ""),
            }
        )
    return result, pd.DataFrame(rows)
