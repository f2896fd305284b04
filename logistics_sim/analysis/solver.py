"""The one adapter between decision analysis and the burden-sharing optimiser.

Decision analysis asks the optimiser two things about a scenario: how large a force in the
required mix the nations can sustain (and what stops it growing), and how the force is divided
among them. Both answers come back as typed records, so nothing above reads solver objects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

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


def _next_step(levels: list[float], share: float, required: dict[str, int]) -> list[str]:
    """Capabilities whose unit count rises at the first mix level above ``share``."""
    above = [level for level in levels if level > share + 1e-12]
    if not above:
        return []
    nxt = above[0]

    def units(s: float) -> dict[str, int]:
        return {k: math.ceil(s * r - 1e-9) for k, r in required.items()}

    now, then = units(share), units(nxt)
    return sorted(k for k in required if then[k] > now[k])


def largest_force(scenario: Scenario) -> ForceSize:
    """The largest force in the scenario's required mix its eligible nations can sustain.

    Exact (a search over the mix levels, each a feasibility solve); the binding limit names
    the unit types whose next unit no division of the pools above the home-defence floors,
    at the nations' tours and dwell, can sustain.
    """
    from optimisation import build_instance, params_of
    from optimisation.solve import largest_share, mix_levels, mix_targets

    instance = build_instance(scenario)
    share, proven, _ = largest_share(instance, params_of(scenario))
    units = mix_targets(instance, share)
    pax = sum(units[c.id] * c.personnel_per_unit_pax for c in instance.capabilities)
    if share >= 1.0:
        binding = "none: the requirement is met"
    else:
        required = {c.id: c.required_units for c in instance.capabilities}
        stepping = _next_step(mix_levels(instance), share, required)
        binding = (
            f"one more {', '.join(stepping)} unit in the mix: the pools above the home-defence "
            "floors, at the nations' tours and dwell, cannot sustain it"
        )
    return ForceSize(
        asked_pax=scenario.force.target_deployed_pax,
        largest_force_pax=int(pax),
        largest_force_share=float(share),
        proven=bool(proven),
        binding_limit=binding,
        units_by_capability=tuple(sorted(units.items())),
    )


def troops_by_nation(scenario: Scenario) -> dict[str, int]:
    """Troops each nation deploys in the largest force, divided as the optimiser divides it.

    The largest force's size is exact; its division is the scenario's fairness division of that
    force (the optimiser's ``largest_force`` objective, without the diagnosis of the asked one).
    """
    from optimisation import build_instance, params_of
    from optimisation.solve import solve_largest_force

    result = solve_largest_force(build_instance(scenario), params_of(scenario))
    if result.allocation.empty:
        return {}
    totals = result.allocation.groupby("nation")["personnel_deployed"].sum()
    return {str(k): int(v) for k, v in totals.items() if int(v) > 0}


def divided_force(scenario: Scenario) -> pd.DataFrame:
    """The optimiser's allocation: the asked force, or the largest sustainable one if not.

    Columns as allocation.csv (nation, capability, units, personnel_deployed, ...).
    """
    from optimisation import optimise

    return optimise(scenario).allocation
