"""The optimiser's answer as a typed, frozen record; its ``to_dict`` is ``optimisation.json``.

A pure data module (pandas only, no solver): the run folder's writer, the report and a
notebook read a result through ``AllocationResult.from_dict`` and never recompute what the
optimiser decided. ``from_dict(result.to_dict())`` gives the same result (NaN where JSON has
null), so the JSON is the schema and the record is its reading.

The status separates what a planner must not confuse: a proven optimum; a feasible
allocation whose optimality a solver limit left unproven (``gap`` says how far it may be
from the best); a requirement proven impossible (the allocation is then the largest
sustainable force, and ``diagnosis`` says why and what would restore it); and a solver
that found no allocation within its limit and proved nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from logistics_sim.scenario import Objective

#: Columns of an allocation (allocation.csv and the ``allocation`` rows of optimisation.json).
ALLOCATION_COLUMNS = (
    "nation",
    "capability",
    "units",
    "personnel_deployed",
    "personnel_committed",
    "pool_units",
)


class Status(StrEnum):
    """Outcome of a solve.

    optimal: proven best within the relative gap. feasible: an allocation that keeps every
    limit, its optimality unproven when a solver limit was reached (``gap`` carries how far).
    infeasible: proven impossible. error: no allocation found within the limit, nothing proven.
    """

    optimal = "optimal"
    feasible = "feasible"
    infeasible = "infeasible"
    error = "error"


@dataclass(frozen=True)
class NationBurden:
    """One nation's share of the burden under an allocation (pax, fractions, cost units/year).

    ``eligible``: allowed to contribute (willing by the scenario's rule, or given an explicit
    contribution); ``fair_share`` is the key's share over the eligible nations (0 for others);
    ``deviation_pax`` is troops deployed minus the fair share of the force deployed.
    """

    nation: str
    eligible: bool
    fair_share: float
    home_defence_floor: float
    troops_deployed_pax: float
    pool_committed_pax: float
    share_of_land_forces: float
    actual_share: float
    deviation_pax: float
    capacity_used: float
    rotation_multiplier: float
    cost: float


@dataclass(frozen=True)
class LimitRecord:
    """One limit of the model by family (requirement, capacity, ...), nation and capability."""

    family: str
    nation: str = ""
    capability: str = ""


@dataclass(frozen=True)
class Diagnosis:
    """What limits an allocation, in planners' words; empty parts where nothing is to say.

    ``explanation``: why the result is what it is (for an infeasible requirement, the
    aggregate picture, shortfalls, the conflict and the largest force). ``conflict_set``: an
    irreducible set of limits that cannot hold together (``conflict_set_minimal`` False when
    the search ran out of time before proving it irreducible; None when no set was sought or
    found). ``shortfall_by_capability``: units missing per type even if nations gave only it.
    """

    explanation: tuple[str, ...] = ()
    conflicting_limits: tuple[str, ...] = ()
    conflict_set: tuple[LimitRecord, ...] = ()
    conflict_set_minimal: bool | None = None
    shortfall_by_capability: Mapping[str, int] = field(default_factory=dict)
    relaxations: tuple[str, ...] = ()


def empty_allocation() -> pd.DataFrame:
    """An allocation with no rows and the allocation columns' types."""
    return allocation_from_rows([])


def allocation_from_rows(rows: list[tuple] | list[dict[str, Any]]) -> pd.DataFrame:
    """An allocation frame (``ALLOCATION_COLUMNS``, integer counts) from tuples or records."""
    frame = pd.DataFrame(rows, columns=list(ALLOCATION_COLUMNS))
    return frame.astype({c: "int64" for c in ALLOCATION_COLUMNS[2:]})


@dataclass(frozen=True, eq=False)
class AllocationResult:
    """A solve's outcome: the allocation, the burden per nation and what limits it.

    When ``status`` is infeasible, ``allocation`` holds the largest sustainable force in the
    required mix (also ``largest_sustainable_force``, a result of its own), so that
    ``simulate`` and ``report`` can run it; ``diagnosis`` says why and what would restore the
    requirement. ``largest_force_share`` is the share of each required type the allocation
    sustains (1 when the requirement is met). ``gap`` is the relative distance between
    ``objective_value`` and the proven ``bound``.
    """

    status: Status
    objective: Objective
    objective_value: float
    bound: float
    gap: float
    solve_time_s: float
    allocation: pd.DataFrame
    burden: tuple[NationBurden, ...]
    key: str = "gdp"
    stage_values: Mapping[str, float] = field(default_factory=dict)
    binding_limits: tuple[str, ...] = ()
    diagnosis: Diagnosis = Diagnosis()
    largest_force_share: float = math.nan
    largest_sustainable_force: AllocationResult | None = None
    notes: tuple[str, ...] = ()

    @property
    def feasible(self) -> bool:
        """Whether the full requirement was met (optimal or feasible status)."""
        return self.status in (Status.optimal, Status.feasible)

    @property
    def limit_reached(self) -> bool:
        """Whether a solver limit left the allocation's optimality unproven (see ``gap``)."""
        return self.status is Status.feasible

    @property
    def deployed_pax(self) -> int:
        """Personnel deployed by the allocation (the largest force when infeasible)."""
        if self.allocation.empty:
            return 0
        return int(self.allocation["personnel_deployed"].sum())

    def fair_share(self, nation: str) -> float:
        """The nation's fair share (0 when it is not eligible or not listed)."""
        return next((b.fair_share for b in self.burden if b.nation == nation), 0.0)

    def burden_frame(self) -> pd.DataFrame:
        """The burden records as a table, one row per nation."""
        columns = [f.name for f in fields(NationBurden)]
        return pd.DataFrame([asdict(b) for b in self.burden], columns=columns)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able record: exactly the content of ``optimisation.json``."""
        largest = self.largest_sustainable_force
        d = self.diagnosis
        return {
            "status": self.status.value,
            "objective": self.objective.value,
            "fairness_key": self.key,
            "objective_value": _finite(self.objective_value),
            "bound": _finite(self.bound),
            "gap": _finite(self.gap),
            "solve_time_s": self.solve_time_s,
            "stage_values": {k: _finite(v) for k, v in self.stage_values.items()},
            "deployed_pax": self.deployed_pax,
            "allocation": [
                {c: _plain(row[c]) for c in ALLOCATION_COLUMNS}
                for row in self.allocation.to_dict(orient="records")
            ],
            "burden": [{k: _json_value(v) for k, v in asdict(b).items()} for b in self.burden],
            "binding_limits": list(self.binding_limits),
            "explanation": list(d.explanation),
            "conflicting_limits": list(d.conflicting_limits),
            "conflict_set": [asdict(lim) for lim in d.conflict_set],
            "conflict_set_minimal": d.conflict_set_minimal,
            "shortfall_by_capability": dict(d.shortfall_by_capability),
            "relaxations": list(d.relaxations),
            "largest_force_share": _finite(self.largest_force_share),
            "largest_sustainable_force_pax": largest.deployed_pax if largest else None,
            "largest_sustainable_force": largest.to_dict() if largest else None,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AllocationResult:
        """The result an ``optimisation.json`` record holds (the inverse of ``to_dict``)."""
        largest = data.get("largest_sustainable_force")
        return cls(
            status=Status(data["status"]),
            objective=Objective(data["objective"]),
            objective_value=_number(data.get("objective_value")),
            bound=_number(data.get("bound")),
            gap=_number(data.get("gap")),
            solve_time_s=float(data.get("solve_time_s", 0.0)),
            allocation=allocation_from_rows(list(data.get("allocation", []))),
            burden=tuple(_burden(row) for row in data.get("burden", [])),
            key=str(data.get("fairness_key", "gdp")),
            stage_values={k: _number(v) for k, v in data.get("stage_values", {}).items()},
            binding_limits=tuple(data.get("binding_limits", ())),
            diagnosis=Diagnosis(
                explanation=tuple(data.get("explanation", ())),
                conflicting_limits=tuple(data.get("conflicting_limits", ())),
                conflict_set=tuple(LimitRecord(**r) for r in data.get("conflict_set", ())),
                conflict_set_minimal=data.get("conflict_set_minimal"),
                shortfall_by_capability=dict(data.get("shortfall_by_capability", {})),
                relaxations=tuple(data.get("relaxations", ())),
            ),
            largest_force_share=_number(data.get("largest_force_share")),
            largest_sustainable_force=cls.from_dict(largest) if largest else None,
            notes=tuple(data.get("notes", ())),
        )


def _burden(row: Mapping[str, Any]) -> NationBurden:
    """A burden record from its JSON row (null or absent figures as NaN).

    Rows written before eligibility was recorded listed eligible nations only.
    """
    figures = {
        f.name: _number(row.get(f.name))
        for f in fields(NationBurden)
        if f.name not in ("nation", "eligible")
    }
    return NationBurden(
        nation=str(row["nation"]), eligible=bool(row.get("eligible", True)), **figures
    )


def _finite(value: float) -> float | None:
    """JSON has no NaN or infinity: None instead."""
    return float(value) if math.isfinite(value) else None


def _number(value: float | None) -> float:
    """A float from JSON, NaN for null (the inverse of ``_finite``)."""
    return math.nan if value is None else float(value)


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value JSON takes."""
    return value.item() if isinstance(value, np.generic) else value


def _json_value(value: Any) -> Any:
    """A burden field as JSON: non-finite floats as null."""
    return _finite(value) if isinstance(value, float) else value
