"""Which listed nations may contribute troops: one rule for optimiser, report and stand-ins.

A nation is eligible when it participates and either its stated willingness is one the
scenario accepts (``burden_sharing.eligible_willingness``) or the scenario gives it an
explicit contribution (a minimum, or a positive cap, in pax or units): the author has then
said what it would send, whatever its stated willingness.
"""

from __future__ import annotations

from logistics_sim.scenario import Nation, Scenario


def has_explicit_contribution(nation: Nation) -> bool:
    """Whether the scenario states what the nation would send (a minimum or a positive cap)."""
    return (
        bool(nation.min_deployed_pax)
        or bool(nation.max_deployed_pax)
        or any(v > 0 for v in nation.min_units.values())
        or any(v > 0 for v in nation.max_units.values())
    )


def is_eligible(scenario: Scenario, nation: Nation) -> bool:
    """Participating, and willing by the scenario's rule or given an explicit contribution."""
    if not nation.participates:
        return False
    if nation.willingness in scenario.burden_sharing.eligible_willingness:
        return True
    return has_explicit_contribution(nation)


def eligible_nations(scenario: Scenario) -> list[Nation]:
    """The scenario's eligible nations, in listed order."""
    return [n for n in scenario.nations if is_eligible(scenario, n)]
