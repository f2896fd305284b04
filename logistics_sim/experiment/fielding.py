"""The force to simulate: the allocation chosen, restated at its own size, and the requirement.

When the optimiser finds the requirement infeasible, the force simulated is the largest
sustainable one, and its scenario is restated for the units fielded (``rules.fielded_force``),
so it is judged at its own size; the optimiser's answer on the asked force becomes the
requirement verdict of summary.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from logistics_sim.rules.fielded_force import fielded_scenario, units_by_capability
from logistics_sim.scenario import Objective, Scenario
from logistics_sim.verdict import FEASIBLE, INFEASIBLE, RequirementVerdict

#: Attributes of an infeasible optimiser result that may hold the largest sustainable force.
LARGEST_FORCE_FIELDS = ("largest_sustainable_force", "largest_force", "largest_allocation")


def is_infeasible(result: Any) -> bool:
    """Whether an optimiser result says the requirement cannot be met."""
    status = getattr(result, "status", "")
    return "infeasible" in str(getattr(status, "value", status)).lower()


def _allocation_of(value: Any) -> pd.DataFrame | None:
    """A non-empty allocation DataFrame from a result, a DataFrame, or a dict holding one."""
    if isinstance(value, pd.DataFrame):
        return value if not value.empty else None
    if isinstance(value, dict):
        value = value.get("allocation")
        return value if isinstance(value, pd.DataFrame) and not value.empty else None
    frame = getattr(value, "allocation", None)
    return frame if isinstance(frame, pd.DataFrame) and not frame.empty else None


def largest_force(scenario: Scenario, result: Any) -> tuple[pd.DataFrame | None, str]:
    """The largest sustainable force's allocation from an infeasible result, and its label.

    Looks in the result first; otherwise asks the optimiser again with the
    ``largest_force`` objective. None when neither gives an allocation.
    """
    for name in LARGEST_FORCE_FIELDS:
        frame = _allocation_of(getattr(result, name, None))
        if frame is not None:
            return frame, "optimiser: largest sustainable force in the required mix"
    import importlib

    optimise = importlib.import_module("optimisation").optimise
    bs = scenario.burden_sharing.model_copy(update={"objective": Objective.largest_force})
    second = optimise(scenario.model_copy(update={"burden_sharing": bs}))
    frame = _allocation_of(second)
    if frame is not None:
        return frame, "optimiser: largest sustainable force (objective largest_force)"
    frame = _allocation_of(result)
    if frame is not None:
        return frame, "optimiser: partial allocation returned with the infeasible status"
    return None, ""


def requirement_of(
    scenario: Scenario, result: Any, largest: pd.DataFrame
) -> RequirementVerdict | None:
    """The requirement verdict from an optimiser result on the asked scenario (None: no answer).

    ``largest`` is the allocation fielded when the requirement is infeasible (the largest
    sustainable force). What binds is the optimiser's own conflict sentence (or its first
    explanation line).
    """
    status = getattr(result, "status", "")
    status = str(getattr(status, "value", status)).lower()
    if result is None or status not in ("optimal", "feasible", "infeasible"):
        return None
    asked = int(scenario.force.target_deployed_pax)
    if status != "infeasible":
        return RequirementVerdict(FEASIBLE, asked, asked)
    pax = int(largest["personnel_deployed"].sum()) if "personnel_deployed" in largest else 0
    explanation = [str(line) for line in getattr(result, "explanation", [])]
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
    scenario: Scenario, allocation: pd.DataFrame, source: str, result: Any
) -> FieldedForce:
    """The force to simulate: the allocation chosen, its scenario restated at its own size.

    When the requirement is infeasible, the largest sustainable force replaces the optimiser's
    allocation (if it is not already it), so what is simulated is what can be generated.
    """
    if result is not None and is_infeasible(result):
        frame, label = largest_force(scenario, result)
        if frame is None:
            raise RuntimeError(
                "the optimiser found the requirement infeasible and gave no largest "
                "sustainable force to simulate"
            )
        allocation, source = frame, label
    fielded = fielded_scenario(scenario, units_by_capability(allocation))
    return FieldedForce(fielded, allocation, source, requirement_of(scenario, result, allocation))
