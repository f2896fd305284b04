"""Flat metric rows appended during a run; the tidy frame built from them at the end.

The engine records plain numbers (no pandas while the simulation runs): a single row is three
list appends, and a metric recorded every day over fixed dimension rows (a *block*) is one row
of a preallocated float64 array per day. :meth:`Recorder.frame` then builds the ``daily`` frame
of docs/engine_contract.md: fixed columns and dtypes, rows sorted by
``metric, nation, sector, capability, supply_class, node, day`` so that two runs with the same
seed give byte-identical frames. :meth:`Recorder.frames` gives the same rows as consecutive
frames of bounded size, so a writer can stream a long run without holding its whole frame:
the numbers cost 8 bytes a value while recorded, the strings of a row only while its piece is
written.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
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
#: Days of a block held in one preallocated array.
CHUNK_DAYS = 64
#: Rows built at a time for a categorical frame (bounds the sort's temporary arrays).
PIECE_ROWS = 200_000


Key = tuple[
    str, str, str, str, str, str
]  # (metric, nation, sector, capability, supply_class, node)


@dataclass
class _Block:
    """A daily metric over fixed dimension rows: the rows' key ids and one array row per day."""

    keys: np.ndarray  # key id of each dimension row
    days: list[int] = field(default_factory=list)
    chunks: list[np.ndarray] = field(default_factory=list)  # (CHUNK_DAYS, len(keys)) each

    def append(self, day: int, values: Sequence[float] | np.ndarray) -> None:
        """Store one day's values (copied) in the block's next array row."""
        row = len(self.days) % CHUNK_DAYS
        if row == 0:
            self.chunks.append(np.empty((CHUNK_DAYS, len(self.keys)), dtype=np.float64))
        self.chunks[-1][row] = values
        self.days.append(day)

    def columns(self, positions: np.ndarray) -> np.ndarray:
        """The values of the dimension rows at ``positions``, key-major (each key's days)."""
        by_day = np.concatenate([chunk[:, positions] for chunk in self.chunks])
        return by_day[: len(self.days)].T.ravel()


class Recorder:
    """Collects (day, metric, dimensions, value) rows for one replication.

    Two ways in: :meth:`add` for single rows, and :meth:`block` + :meth:`add_block` for a metric
    recorded every day over a fixed list of dimension rows (deployed strength by nation, sector
    and capability, for example), which stores one array row of values per day instead of one
    row object per value.
    """

    def __init__(self, horizon_days: int) -> None:
        self.horizon_days = horizon_days
        self._key_ids: dict[Key, int] = {}
        self._keys: list[Key] = []
        self._row_key: list[int] = []
        self._row_day: list[int] = []
        self._row_value: list[float] = []
        self._blocks: list[_Block] = []

    def __len__(self) -> int:
        return len(self._row_value) + sum(len(b.keys) * len(b.days) for b in self._blocks)

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
        self._blocks.append(_Block(np.asarray(keys, dtype=np.int64)))
        return len(self._blocks) - 1

    def add_block(self, day: int, block_id: int, values: Sequence[float] | np.ndarray) -> None:
        """Append one day of a block: ``values`` in the order of the block's dimension rows."""
        block = self._blocks[block_id]
        if len(values) != len(block.keys):
            raise ValueError(f"block {block_id} has {len(block.keys)} rows, got {len(values)}")
        block.append(day, values)

    def frame(
        self,
        replication: int,
        metrics: Collection[str] | None = None,
        *,
        categorical: bool = False,
    ) -> pd.DataFrame:
        """The tidy long frame of this run, columns/dtypes/sort as in docs/engine_contract.md.

        With ``metrics``, only those metrics' rows (in the same order). ``categorical`` gives
        the string columns as pandas categoricals instead: the same rows and values in a
        fraction of the memory (built piece by piece, no row ever a Python string), for a
        reader that only computes with them.
        """
        keys = self._ranked_keys(metrics)
        if not categorical:
            return _to_frame(self._table(replication, keys))
        return self._categorical_frame(replication, keys)

    def frames(self, replication: int, max_rows: int) -> Iterator[pd.DataFrame]:
        """:meth:`frame`'s rows as consecutive frames of at most ``max_rows`` rows each.

        Concatenated, they are :meth:`frame` (see :meth:`tables`).
        """
        return map(_to_frame, self.tables(replication, max_rows))

    def tables(self, replication: int, max_rows: int) -> Iterator[pa.Table]:
        """:meth:`frame`'s rows as consecutive Arrow tables of at most ``max_rows`` rows each.

        A table holds whole keys (every day of a metric's dimension row), so it exceeds
        ``max_rows`` only for a single key with more rows. Strings are Arrow strings, numbers
        as in the frame. An empty recorder gives one empty table.
        """
        for part in self._pieces(self._ranked_keys(None), max_rows):
            yield self._table(replication, part)

    def _pieces(self, keys: np.ndarray, max_rows: int) -> Iterator[np.ndarray]:
        """``keys`` (in sort order) cut into consecutive runs of about ``max_rows`` rows."""
        rows = self._rows_per_key()[keys]
        start, total = 0, 0
        for i, n in enumerate(rows.tolist()):
            if total and total + n > max_rows:
                yield keys[start:i]
                start, total = i, 0
            total += n
        if total or start == 0:
            yield keys[start:]

    def _rank(self) -> np.ndarray:
        """Each key id's position in the sorted order of keys (as string tuples)."""
        rank = np.empty(len(self._keys), dtype=np.int64)
        rank[sorted(range(len(self._keys)), key=self._keys.__getitem__)] = np.arange(
            len(self._keys)
        )
        return rank

    def _ranked_keys(self, metrics: Collection[str] | None) -> np.ndarray:
        """Key ids in sort order, those of ``metrics`` only if given."""
        ranked = np.argsort(self._rank())
        if metrics is None:
            return ranked
        wanted = set(metrics)
        return ranked[[self._keys[k][0] in wanted for k in ranked.tolist()]]

    def _rows_per_key(self) -> np.ndarray:
        """Number of rows of each key id."""
        counts = np.bincount(
            np.asarray(self._row_key, dtype=np.int64), minlength=len(self._keys)
        ).astype(np.int64)
        for block in self._blocks:
            np.add.at(counts, block.keys, len(block.days))
        return counts

    def _sorted_rows(self, key_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Key id, day and value of the rows of ``key_ids`` (keys in sort order), sorted.

        Parts in recording order (single rows, then each block key-major), then one stable
        sort by (key rank, day): the same order as sorting every row of the run at once.
        """
        selected = np.zeros(len(self._keys), dtype=bool)
        selected[key_ids] = True
        row_key = np.asarray(self._row_key, dtype=np.int64)
        mine = selected[row_key] if len(row_key) else np.zeros(0, dtype=bool)
        key_parts = [row_key[mine]]
        day_parts = [np.asarray(self._row_day, dtype=np.int64)[mine]]
        value_parts = [np.asarray(self._row_value, dtype=np.float64)[mine]]
        for block in self._blocks:
            positions = np.flatnonzero(selected[block.keys])
            if not block.days or not len(positions):
                continue
            # key-major (each key's days in a row): the stable sort below then merges sorted
            # runs, which it does faster than ordering day-major rows
            days = np.asarray(block.days, dtype=np.int64)
            key_parts.append(np.repeat(block.keys[positions], len(days)))
            day_parts.append(np.tile(days, len(positions)))
            value_parts.append(block.columns(positions))
        key_id = np.concatenate(key_parts)
        day = np.concatenate(day_parts)
        value = np.concatenate(value_parts)
        rank = self._rank()
        # one integer sort key (rank, day): a stable argsort of it is lexsort's order, faster
        first_day = int(day.min()) if len(day) else 0
        days_spanned = int(day.max()) - first_day + 1 if len(day) else 1
        order = np.argsort(rank[key_id] * days_spanned + (day - first_day), kind="stable")
        return key_id[order], day[order].astype(np.int32), value[order]

    def _table(self, replication: int, key_ids: np.ndarray) -> pa.Table:
        """The rows of ``key_ids`` (a run of keys in sort order) as an Arrow table, typed."""
        key_id, day, value = self._sorted_rows(key_ids)
        data: dict[str, Any] = {
            "replication": pa.array(np.full(len(key_id), replication, dtype=np.int32)),
            "day": pa.array(day),
        }
        # a key's rows are contiguous once sorted: each string column is one run per key,
        # decoded by Arrow (three times faster than taking a string per row)
        starts = np.flatnonzero(np.diff(key_id, prepend=-1))
        ends = np.append(starts[1:], len(key_id)) if len(key_id) else starts
        run_ends = pa.array(ends, pa.int64())
        run_keys = pa.array(key_id[starts])
        for j, column in enumerate(("metric", *DIMENSIONS)):
            labels = pa.array([key[j] for key in self._keys], pa.string())
            runs = pa.RunEndEncodedArray.from_arrays(run_ends, pc.take(labels, run_keys))
            data[column] = pc.run_end_decode(runs)
        data["value"] = pa.array(value, from_pandas=True)  # NaN as null, as from a frame
        return pa.table([data[c] for c in COLUMNS], names=list(COLUMNS))

    def _categorical_frame(self, replication: int, key_ids: np.ndarray) -> pd.DataFrame:
        """The rows of ``key_ids`` (in sort order) with categorical string columns.

        Sorted piece by piece into preallocated columns, so the temporary arrays of the sort
        stay small; each string column is one code per row into its sorted labels.
        """
        n = int(self._rows_per_key()[key_ids].sum())
        day = np.empty(n, dtype=np.int32)
        value = np.empty(n, dtype=np.float64)
        key_of_row = np.empty(n, dtype=np.int32)
        at = 0
        for part in self._pieces(key_ids, PIECE_ROWS):
            part_key, part_day, part_value = self._sorted_rows(part)
            end = at + len(part_key)
            key_of_row[at:end], day[at:end], value[at:end] = part_key, part_day, part_value
            at = end
        data: dict[str, Any] = {
            "replication": np.full(n, replication, dtype=np.int32),
            "day": day,
        }
        for j, column in enumerate(("metric", *DIMENSIONS)):
            labels = [key[j] for key in self._keys]
            categories = sorted(set(labels))
            codes = np.searchsorted(categories, labels).astype(np.int32)
            data[column] = pd.Categorical.from_codes(codes[key_of_row], pd.Index(categories))
        data["value"] = value
        return pd.DataFrame(data, columns=list(COLUMNS))


def _to_frame(table: pa.Table) -> pd.DataFrame:
    """The contract's frame of a recorder table: int32 and float64 numbers, pandas strings."""
    data: dict[str, Any] = {}
    for column in COLUMNS:
        values = table.column(column)
        if pa.types.is_string(values.type):
            data[column] = pd.array(values.combine_chunks(), dtype="string")
        else:
            data[column] = values.to_numpy()
    return pd.DataFrame(data, columns=list(COLUMNS))
