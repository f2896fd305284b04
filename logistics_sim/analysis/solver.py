"""Decision analysis's questions to the burden-sharing optimiser, through ``pipeline``.

Decision analysis asks two things about a scenario: how large a force in the required mix the
nations can sustain (and what stops it growing), and how the force is divided among them. Both
go through ``logistics_sim.pipeline`` (the one module that drives the optimiser) and come back
as typed records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from logistics_sim import pipeline
from logistics_sim.scenario import Scenario


@dataclass(frozen=True)
class ForceSize:
    """The requirement's answer: the force asked, the largest sustainable one, what binds.

    ``largest_force_share`` is the share s of the required mix sustained (each type
    ceil(s x required units)); ``proven`` is False when a feasibility solve ran out of time,
    so the force is sustainable but a larger one may be.
    """

    asked_pax: int
    largest_force_pax: int
    largest_force_share: float
    proven: bool
    binding_limit: str
    units_by_capability: tuple[tuple[str, int], ...]

    @property
    def feasible(self) -> bool:
        """Whether the asked force itself can be generated and rotated."""
        return self.largest_force_share >= 1.0

    @property
    def share_of_target(self) -> float:
        """Largest force in troops over the troops asked."""
        return self.largest_force_pax / self.asked_pax if self.asked_pax else math.nan


def largest_force(scenario: Scenario) -> ForceSize:
    """The largest force in the scenario's required mix its eligible nations can sustain.

    Exact; the binding limit names the unit types whose next unit no division of the pools
    above the home-defence floors, at the nations' tours and dwell, can sustain.
    """
    mix = pipeline.largest_mix_share(scenario)
    per_unit = {c.id: c.personnel_per_unit_pax for c in scenario.force.capabilities}
    pax = sum(per_unit[k] * n for k, n in mix.units_by_capability.items())
    if mix.share >= 1.0:
        binding = "none: the requirement is met"
    else:
        binding = (
            f"one more {', '.join(mix.next_step)} unit in the mix: the pools above the "
            "home-defence floors, at the nations' tours and dwell, cannot sustain it"
        )
    return ForceSize(
        asked_pax=scenario.force.target_deployed_pax,
        largest_force_pax=int(pax),
        largest_force_share=mix.share,
        proven=mix.proven,
        binding_limit=binding,
        units_by_capability=tuple(sorted(mix.units_by_capability.items())),
    )


def troops_by_nation(scenario: Scenario) -> dict[str, int]:
    """Troops each nation deploys in the largest force, divided as the optimiser divides it.

    The largest force's size is exact; its division is the scenario's fairness division of that
    force (the optimiser's ``largest_force`` objective, without the diagnosis of the asked one).
    """
    allocation = pipeline.divided_largest_force(scenario).allocation
    if allocation.empty:
        return {}
    totals = allocation.groupby("nation")["personnel_deployed"].sum()
    return {str(k): int(v) for k, v in totals.items() if int(v) > 0}


def divided_force(scenario: Scenario) -> pd.DataFrame:
    """The optimiser's allocation: the asked force, or the largest sustainable one if not.

    Columns as allocation.csv (nation, capability, units, personnel_deployed, ...).
    """
    return pipeline.optimise_scenario(scenario).allocation
