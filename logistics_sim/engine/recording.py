"""Flat metric rows appended during a run; one tidy DataFrame built once at the end.

The engine appends plain Python values to column lists (no pandas while the simulation runs, so
recording costs a list append per value). :meth:`Recorder.frame` then builds the ``daily`` frame
of docs/engine_contract.md: fixed columns and dtypes, rows sorted by
``metric, nation, sector, capability, supply_class, node, day`` so that two runs with the same
seed give byte-identical frames.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


Key = tuple[
    str, str, str, str, str, str
]  # (metric, nation, sector, capability, supply_class, node)


class Recorder:
    """Collects (day, metric, dimensions, value) rows for one replication.

    Two ways in: :meth:`add` for single rows, and :meth:`block` + :meth:`add_block` for a metric
    recorded every day over a fixed list of dimension rows (deployed strength by nation, sector
    and capability, for example), which stores one list of values per day instead of one row
    object per value.
    """

    def __init__(self, horizon_days: int) -> None:
        self.horizon_days = horizon_days
        self._key_ids: dict[Key, int] = {}
        self._keys: list[Key] = []
        self._row_key: list[int] = []
        self._row_day: list[int] = []
        self._row_value: list[float] = []
        self._block_keys: list[list[int]] = []
        self._block_days: list[list[int]] = []
        # one flat array of doubles per block, a day's row after another: untracked by the
        # garbage collector and read back without a copy (a list per day was both)
        self._block_values: list[array[float]] = []

    def __len__(self) -> int:
        blocks = sum(
            len(k) * len(d) for k, d in zip(self._block_keys, self._block_days, strict=True)
        )
        return len(self._row_value) + blocks

    def _key_id(self, key: Key) -> int:
        kid = self._key_ids.get(key)
        if kid is None:
            kid = self._key_ids[key] = len(self._keys)
            self._keys.append(key)
        return kid

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
        self._row_key.append(self._key_id((metric, nation, sector, capability, supply_class, node)))
        self._row_day.append(day)
        self._row_value.append(value)

    def add_run(self, metric: str, value: float, **dims: str) -> None:
        """Append a whole-run value (day = -1), e.g. a closure time or a total."""
        unknown = set(dims) - set(DIMENSIONS)
        if unknown:
            raise TypeError(f"unknown dimension(s) {sorted(unknown)}; allowed: {DIMENSIONS}")
        self.add(RUN_DAY, metric, value, **dims)

    def block(self, metric: str, dims: Sequence[Mapping[str, str]]) -> int:
        """Register a daily ``metric`` over fixed dimension rows; returns the block's id."""
        keys = []
        for row in dims:
            unknown = set(row) - set(DIMENSIONS)
            if unknown:
                raise TypeError(f"unknown dimension(s) {sorted(unknown)}; allowed: {DIMENSIONS}")
            key: Key = (
                metric,
                row.get("nation", ""),
                row.get("sector", ""),
                row.get("capability", ""),
                row.get("supply_class", ""),
                row.get("node", ""),
            )
            keys.append(self._key_id(key))
        self._block_keys.append(keys)
        self._block_days.append([])
        self._block_values.append(array("d"))
        return len(self._block_keys) - 1

    def add_block(self, day: int, block_id: int, values: Sequence[float]) -> None:
        """Append one day of a block: ``values`` in the order of the block's dimension rows."""
        if len(values) != len(self._block_keys[block_id]):
            raise ValueError(
                f"block {block_id} has {len(self._block_keys[block_id])} rows, got {len(values)}"
            )
        self._block_days[block_id].append(day)
        self._block_values[block_id].extend(values)

    def frame(self, replication: int) -> pd.DataFrame:
        """The tidy long frame of this run, columns/dtypes/sort as in docs/engine_contract.md."""
        key_parts = [np.asarray(self._row_key, dtype=np.int64)]
        day_parts = [np.asarray(self._row_day, dtype=np.int64)]
        value_parts = [np.asarray(self._row_value, dtype=np.float64)]
        for keys, days, values in zip(
            self._block_keys, self._block_days, self._block_values, strict=True
        ):
            if not days or not keys:
                continue
            # key-major (each key's days in a row): the stable sort below then merges sorted
            # runs, which it does faster than ordering day-major rows
            key_parts.append(np.repeat(np.asarray(keys, dtype=np.int64), len(days)))
            day_parts.append(np.tile(np.asarray(days, dtype=np.int64), len(keys)))
            by_day = np.frombuffer(values, dtype=np.float64).reshape(len(days), len(keys))
            value_parts.append(by_day.T.ravel())
        key_id = np.concatenate(key_parts)
        day = np.concatenate(day_parts)
        value = np.concatenate(value_parts)
        # sort keys once as string tuples, then rows by (key rank, day); stable for duplicates
        rank = np.empty(len(self._keys), dtype=np.int64)
        rank[sorted(range(len(self._keys)), key=self._keys.__getitem__)] = np.arange(
            len(self._keys)
        )
        # one integer sort key (rank, day): a stable argsort of it is lexsort's order, faster
        first_day = int(day.min()) if len(day) else 0
        days_spanned = int(day.max()) - first_day + 1 if len(day) else 1
        order = np.argsort(rank[key_id] * days_spanned + (day - first_day), kind="stable")
        key_id = key_id[order]
        data: dict[str, Any] = {
            "replication": np.full(len(order), replication, dtype=np.int32),
            "day": day[order].astype(np.int32),
        }
        # a key's rows are contiguous once sorted: each string column is one run per key,
        # decoded by Arrow (three times faster than taking a string per row)
        starts = np.flatnonzero(np.diff(key_id, prepend=-1))
        ends = np.append(starts[1:], len(key_id)) if len(key_id) else starts
        run_ends = pa.array(ends, pa.int64())
        run_keys = pa.array(key_id[starts])
        for j, column in enumerate(("metric", *DIMENSIONS)):
            labels = pa.array([key[j] for key in self._keys], pa.large_string())
            runs = pa.RunEndEncodedArray.from_arrays(run_ends, pc.take(labels, run_keys))
            data[column] = pd.array(pc.run_end_decode(runs), dtype="string")
        data["value"] = value[order]
        return pd.DataFrame(data, columns=list(COLUMNS))
