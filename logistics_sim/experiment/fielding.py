"""The force to simulate: the allocation chosen, restated at its own size, and the requirement.

When the optimiser finds the requirement infeasible, its result's allocation is the largest
sustainable force; the force simulated is that one, and its scenario is restated for the units
fielded (``rules.fielded_force``), so it is judged at its own size. The optimiser's answer on
the asked force becomes the requirement verdict of summary.json.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from logistics_sim.rules.fielded_force import fielded_scenario, units_by_capability
from logistics_sim.scenario import Scenario
from logistics_sim.verdict import FEASIBLE, INFEASIBLE, RequirementVerdict
from optimisation.result import AllocationResult, Status


def requirement_of(
    scenario: Scenario, result: AllocationResult | None, fielded: pd.DataFrame
) -> RequirementVerdict | None:
    """The requirement verdict from the optimiser's result on the asked scenario.

    None when there is no answer (an allocation file, or a solver error). ``fielded`` is the
    allocation simulated: when the requirement is infeasible, the largest sustainable force.
    What binds is the optimiser's own conflict sentence (or its first explanation line).
    """
    if result is None or result.status is Status.error:
        return None
    asked = int(scenario.force.target_deployed_pax)
    if result.status is not Status.infeasible:
        return RequirementVerdict(FEASIBLE, asked, asked)
    pax = int(fielded["personnel_deployed"].sum()) if "personnel_deployed" in fielded else 0
    explanation = [str(line) for line in result.diagnosis.explanation]
    binding = [line for line in explanation if line.startswith("conflict:")] or explanation[:1]
    return RequirementVerdict(INFEASIBLE, asked, pax, tuple(binding))


@dataclass(frozen=True)
class FieldedForce:
    """What is simulated: the fielded force's scenario and allocation, and the requirement."""

    scenario: Scenario
    allocation: pd.DataFrame
    source: str
    requirement: RequirementVerdict | None


def field_force(
    scenario: Scenario, allocation: pd.DataFrame, source: str, result: AllocationResult | None
) -> FieldedForce:
    """The force to simulate: ``allocation``, its scenario restated at its own size."""
    fielded = fielded_scenario(scenario, units_by_capability(allocation))
    return FieldedForce(fielded, allocation, source, requirement_of(scenario, result, allocation))
