"""The coalition force as state: deployed slots owned by nations, and each nation's unit pools.

An allocation row ``(nation, capability, units)`` gives the nation ``units`` deployed positions
("slots") of that capability. Slots are spread over sectors (see :func:`sector_slot_counts`) and
filled by units of the same nation and capability drawn from its *pool*: the units it commits to
keep those slots filled by rotation. A unit is one aggregated entity of
``personnel_per_unit_pax`` troops, always in exactly one state: at home, in transit, or deployed.

This module holds state and its bookkeeping only; rotation.py moves units through time. Counters
are updated incrementally on each state change so that daily recording costs no scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import pandas as pd

from logistics_sim.rules.apportion import largest_remainder as largest_remainder
from logistics_sim.scenario import Scenario

GroupKey = tuple[str, str]  # (nation, capability)


class UnitState(StrEnum):
    """Where a unit is: at home (ready, dwell, recovering), moving, or in theatre."""

    at_home = "at_home"
    in_transit = "in_transit"
    deployed = "deployed"


@dataclass(eq=False)
class Slot:
    """A deployed position of one capability in one sector, owned by one nation."""

    nation: str
    capability: str
    sector: str
    depot: str
    index: int  # position among the slots of (nation, capability), 0-based
    occupants: int = 0  # units in place (2 during a relief in place)
    extended: bool = False  # incumbent serving past its tour

    @property
    def gapped(self) -> bool:
        """Nobody covers the slot."""
        return self.occupants == 0


@dataclass(eq=False)
class Unit:
    """One battalion-sized unit of a nation's pool (an aggregate, never individual soldiers)."""

    uid: int
    nation: str
    capability: str
    pax: int
    state: UnitState = UnitState.at_home
    slot: Slot | None = None
    arrived_at: float = 0.0
    tier: int | None = None  # readiness tier index (reinforcement); None = in no tier
    tasked: bool = False  # taken for a reinforcement: out of the rotation
    sector: str = ""  # sector it is deployed in ("" when not deployed)
    ready_at: float = 0.0  # end of its current or last dwell


def sector_slot_counts(scenario: Scenario, capability: str, total: int) -> dict[str, int]:
    """Slots of ``capability`` per sector: by ``force.sector_allocation`` if given, else by troops.

    The split is proportional (largest remainder) to the sector's units of this capability in
    ``sector_allocation`` when the scenario gives one, else to the sectors' ``troops_pax``.
    """
    sectors = scenario.force.sectors
    alloc = scenario.force.sector_allocation
    if alloc:
        weights = [float(alloc.get(s.id, {}).get(capability, 0)) for s in sectors]
    else:
        weights = [float(s.troops_pax) for s in sectors]
    return dict(zip([s.id for s in sectors], largest_remainder(total, weights), strict=True))


def allocation_units(
    allocation: pd.DataFrame, scenario: Scenario | None = None
) -> dict[GroupKey, int]:
    """Deployed slots per (nation, capability) from an allocation table (rows with units > 0).

    With ``scenario``, a nation or capability the scenario does not know is a ``ValueError``.
    """
    if scenario is not None:
        nations = {n.code for n in scenario.nations}
        capabilities = {c.id for c in scenario.force.capabilities}
        for nation, capability in zip(allocation["nation"], allocation["capability"], strict=True):
            if nation not in nations:
                raise ValueError(f"allocation names nation {nation!r}, not in the scenario")
            if capability not in capabilities:
                raise ValueError(f"allocation names capability {capability!r}, not in the scenario")
    result: dict[GroupKey, int] = {}
    for nation, capability, units in zip(
        allocation["nation"], allocation["capability"], allocation["units"], strict=True
    ):
        if int(units) > 0:
            key = (str(nation), str(capability))
            result[key] = result.get(key, 0) + int(units)
    return dict(sorted(result.items()))


def build_slots(scenario: Scenario, slots_by_group: dict[GroupKey, int]) -> list[Slot]:
    """Slots of every (nation, capability), spread over sectors.

    Each capability's total is split over sectors by :func:`sector_slot_counts`; nations then
    fill the sectors in scenario order, larger contributions first (ties by nation code), so a
    nation's units of one type sit in as few sectors as the split allows.
    """
    depot = {s.id: s.forward_depot for s in scenario.force.sectors}
    slots: list[Slot] = []
    capabilities = sorted({cap for _, cap in slots_by_group})
    for cap in capabilities:
        groups = sorted(
            ((nation, n) for (nation, c), n in slots_by_group.items() if c == cap),
            key=lambda item: (-item[1], item[0]),
        )
        per_sector = sector_slot_counts(scenario, cap, sum(n for _, n in groups))
        sector_seq = [sid for sid, n in per_sector.items() for _ in range(n)]
        position = 0
        for nation, n in groups:
            for index in range(n):
                sid = sector_seq[position]
                slots.append(Slot(nation, cap, sid, depot[sid], index))
                position += 1
    return slots


@dataclass
class ForceState:
    """Slots, units and live counters of deployed strength and unit states."""

    scenario: Scenario
    slots: list[Slot]
    pools: dict[GroupKey, list[Unit]]
    deployed_pax: dict[tuple[str, str, str], int] = field(default_factory=dict)
    units_in_state: dict[GroupKey, dict[UnitState, int]] = field(default_factory=dict)
    total_deployed_pax: int = 0
    #: Bumped whenever ``deployed_pax`` changes, so readers can skip recomputing from it.
    strength_changes: int = 0

    @classmethod
    def build(
        cls,
        scenario: Scenario,
        slots_by_group: dict[GroupKey, int],
        pool_by_group: dict[GroupKey, int],
    ) -> ForceState:
        """Slots of ``slots_by_group``; pools of ``pool_by_group`` units per group, all at home."""
        slots = build_slots(scenario, slots_by_group)
        pools: dict[GroupKey, list[Unit]] = {}
        uid = 0
        for (nation, cap), n in sorted(pool_by_group.items()):
            pax = scenario.capability(cap).personnel_per_unit_pax
            pools[(nation, cap)] = [Unit(uid + i, nation, cap, pax) for i in range(n)]
            uid += n
        state = cls(scenario, slots, pools)
        for slot in slots:
            state.deployed_pax[(slot.nation, slot.sector, slot.capability)] = 0
        # rows for units a reinforcement may send to its sector, so every series is complete
        for plan in scenario.reinforcement.plans:
            required = {r.capability for r in plan.required}
            for nation, cap in pools:
                if cap in required:
                    state.deployed_pax.setdefault((nation, plan.sector, cap), 0)
        for key, units in pools.items():
            state.units_in_state[key] = {s: 0 for s in UnitState}
            state.units_in_state[key][UnitState.at_home] = len(units)
        return state

    def _set_state(self, unit: Unit, state: UnitState) -> None:
        counts = self.units_in_state[(unit.nation, unit.capability)]
        counts[unit.state] -= 1
        counts[state] += 1
        unit.state = state

    def depart(self, unit: Unit) -> None:
        """A unit at home starts moving to theatre."""
        self._set_state(unit, UnitState.in_transit)

    def arrive(self, unit: Unit, slot: Slot, now: float) -> None:
        """A unit arrives in theatre and takes up ``slot`` (possibly beside the incumbent)."""
        self._set_state(unit, UnitState.deployed)
        unit.slot = slot
        unit.arrived_at = now
        unit.sector = slot.sector
        slot.occupants += 1
        key = (slot.nation, slot.sector, slot.capability)
        self.deployed_pax[key] = self.deployed_pax.get(key, 0) + unit.pax
        self.total_deployed_pax += unit.pax
        self.strength_changes += 1

    def station(self, unit: Unit, sector: str, now: float) -> None:
        """A unit arrives in ``sector`` outside any slot (a reinforcement)."""
        self._set_state(unit, UnitState.deployed)
        unit.arrived_at = now
        unit.sector = sector
        key = (unit.nation, sector, unit.capability)
        self.deployed_pax[key] = self.deployed_pax.get(key, 0) + unit.pax
        self.total_deployed_pax += unit.pax
        self.strength_changes += 1

    def leave(self, unit: Unit) -> None:
        """A deployed unit leaves its slot and starts moving home."""
        slot = unit.slot
        if slot is None:
            raise ValueError(f"unit {unit.uid} is not deployed")
        slot.occupants -= 1
        self.deployed_pax[(slot.nation, slot.sector, slot.capability)] -= unit.pax
        self.total_deployed_pax -= unit.pax
        self.strength_changes += 1
        unit.slot = None
        unit.sector = ""
        self._set_state(unit, UnitState.in_transit)

    def reach_home(self, unit: Unit) -> None:
        """A unit moving home arrives there (dwell starts)."""
        self._set_state(unit, UnitState.at_home)

    def pool_pax(self, key: GroupKey) -> int:
        """Troops in the pool of one (nation, capability)."""
        return sum(u.pax for u in self.pools[key])

    def deployed_pax_by_sector(self) -> dict[str, int]:
        """Troops deployed per sector now (live; overlapping reliefs both count)."""
        result = {s.id: 0 for s in self.scenario.force.sectors}
        for (_, sector, _), pax in self.deployed_pax.items():
            result[sector] += pax
        return result

    def deployed_pax_by_sector_capability(self) -> dict[tuple[str, str], int]:
        """Troops deployed per (sector, capability) now (live)."""
        result: dict[tuple[str, str], int] = {}
        for (_, sector, cap), pax in self.deployed_pax.items():
            result[(sector, cap)] = result.get((sector, cap), 0) + pax
        return result
