"""The force actually fielded: the scenario restated for the units the nations can provide.

When the requirement cannot be generated, the force simulated is the largest sustainable one
(or any smaller allocation). It is judged at its own size: the fielded scenario has

- ``force.target_deployed_pax`` = the personnel of the fielded units (so initial closure and
  days below target count against what was fielded, not what was asked);
- each capability's ``required_units`` = its fielded units;
- sector troops scaled to the new target by largest remainder (their proportions kept, so the
  units are spread over the sectors as before);
- criteria with ``threshold_share_of_target`` restated in troops for the new target (the
  scenario's own validator does it); criteria in absolute units are unchanged.

Everything else (network, fleets, stocks, reinforcement plans, seeds) is the asked scenario's.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from logistics_sim.rules.apportion import largest_remainder
from logistics_sim.scenario import Scenario


def fielded_pax(scenario: Scenario, units_by_capability: Mapping[str, int]) -> int:
    """Personnel of the fielded units (units x personnel per unit, summed over capabilities)."""
    return sum(
        int(units_by_capability.get(c.id, 0)) * c.personnel_per_unit_pax
        for c in scenario.force.capabilities
    )


def asks_exactly(scenario: Scenario, units_by_capability: Mapping[str, int]) -> bool:
    """Whether the fielded units are the required units, type by type."""
    return all(
        int(units_by_capability.get(c.id, 0)) == c.required_units
        for c in scenario.force.capabilities
    )


def fielded_scenario(scenario: Scenario, units_by_capability: Mapping[str, int]) -> Scenario:
    """The scenario restated for the fielded units (module docstring); itself when they match.

    An empty force (no units) has nothing to judge: the asked scenario is returned unchanged.
    """
    target = fielded_pax(scenario, units_by_capability)
    if target <= 0 or asks_exactly(scenario, units_by_capability):
        return scenario
    data = scenario.model_dump(mode="python", exclude_none=False)
    force = data["force"]
    troops = largest_remainder(target, [float(s.troops_pax) for s in scenario.force.sectors])
    for sector, pax in zip(force["sectors"], troops, strict=True):
        sector["troops_pax"] = pax
    for capability in force["capabilities"]:
        capability["required_units"] = int(units_by_capability.get(capability["id"], 0))
    force["target_deployed_pax"] = target
    for criterion in data["criteria"]:
        if criterion["threshold_share_of_target"] is not None:
            criterion["threshold"] = None  # restated by the scenario for its new target
    return Scenario.model_validate(data)


def units_by_capability(allocation: pd.DataFrame) -> dict[str, int]:
    """Units per capability in an allocation table (columns capability, units)."""
    totals = allocation.groupby("capability")["units"].sum()
    return {str(k): int(v) for k, v in totals.items()}
