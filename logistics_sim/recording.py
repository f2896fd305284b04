"""Flat metric rows appended during a run; one tidy DataFrame built once at the end.

The engine appends plain Python values to column lists (no pandas while the simulation runs, so
recording costs a list append per value). :meth:`Recorder.frame` then builds the ``daily`` frame
of docs/engine_contract.md: fixed columns and dtypes, rows sorted by
``metric, nation, sector, capability, supply_class, node, day`` so that two runs with the same
seed give byte-identical frames.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: Columns of the daily frame, in order (docs/engine_contract.md).
COLUMNS: tuple[str, ...] = (
    "replication",
    "day",
    "metric",
    "nation",
    "sector",
    "capability",
    "supply_class",
    "node",
    "value",
)
#: Dimension columns, ``""`` where a dimension does not apply.
DIMENSIONS: tuple[str, ...] = ("nation", "sector", "capability", "supply_class", "node")
#: Sort order of the rows.
SORT_KEYS: list[str] = ["metric", *DIMENSIONS, "day"]
#: ``day`` of whole-run values.
RUN_DAY = -1


class Recorder:
    """Collects (day, metric, dimensions, value) rows for one replication."""

    def __init__(self, horizon_days: int) -> None:
        self.horizon_days = horizon_days
        self._day: list[int] = []
        self._metric: list[str] = []
        self._nation: list[str] = []
        self._sector: list[str] = []
        self._capability: list[str] = []
        self._supply_class: list[str] = []
        self._node: list[str] = []
        self._value: list[float] = []

    def __len__(self) -> int:
        return len(self._value)

    def add(
        self,
        day: int,
        metric: str,
        value: float,
        *,
        nation: str = "",
        sector: str = "",
        capability: str = "",
        supply_class: str = "",
        node: str = "",
    ) -> None:
        """Append one row: ``metric`` on ``day`` (0..horizon-1, or -1 for the whole run)."""
        self._day.append(day)
        self._metric.append(metric)
        self._nation.append(nation)
        self._sector.append(sector)
        self._capability.append(capability)
        self._supply_class.append(supply_class)
        self._node.append(node)
        self._value.append(value)

    def add_run(self, metric: str, value: float, **dims: str) -> None:
        """Append a whole-run value (day = -1), e.g. a closure time or a total."""
        unknown = set(dims) - set(DIMENSIONS)
        if unknown:
            raise TypeError(f"unknown dimension(s) {sorted(unknown)}; allowed: {DIMENSIONS}")
        self.add(RUN_DAY, metric, value, **dims)

    def frame(self, replication: int) -> pd.DataFrame:
        """The tidy long frame of this run, columns/dtypes/sort as in docs/engine_contract.md."""
        n = len(self._value)
        data = {
            "replication": np.full(n, replication, dtype=np.int32),
            "day": np.asarray(self._day, dtype=np.int32),
            "metric": pd.array(self._metric, dtype="string"),
            "nation": pd.array(self._nation, dtype="string"),
            "sector": pd.array(self._sector, dtype="string"),
            "capability": pd.array(self._capability, dtype="string"),
            "supply_class": pd.array(self._supply_class, dtype="string"),
            "node": pd.array(self._node, dtype="string"),
            "value": np.asarray(
                [math.nan if v is None else v for v in self._value], dtype=np.float64
            ),
        }
        df = pd.DataFrame(data, columns=list(COLUMNS))
        df = df.sort_values(SORT_KEYS, kind="mergesort", ignore_index=True)
        return df
