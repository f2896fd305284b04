"""Recorder: rows appended during a run become the contract's tidy frame, sorted and typed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from logistics_sim.engine.recording import COLUMNS, Recorder


def _filled() -> Recorder:
    rec = Recorder(horizon_days=3)
    rec.add(1, "deployed_pax", 600.0, nation="GBR", sector="west", capability="mech_inf")
    rec.add(0, "deployed_pax", 500.0, nation="GBR", sector="west", capability="mech_inf")
    rec.add(0, "deployed_pax", 400.0, nation="FRA", sector="west", capability="mech_inf")
    rec.add(0, "node_wait_days", math.nan, node="PRZ")
    rec.add_run("initial_deployment_closure_days", 12.5)
    return rec


def test_frame_has_contract_columns_dtypes_and_sort() -> None:
    df = _filled().frame(replication=7)
    assert tuple(df.columns) == COLUMNS
    assert str(df["replication"].dtype) == "int32"
    assert str(df["day"].dtype) == "int32"
    assert str(df["value"].dtype) == "float64"
    for col in ("metric", "nation", "sector", "capability", "supply_class", "node"):
        assert str(df[col].dtype) == "string"
    assert (df["replication"] == 7).all()
    # sorted by metric, then dims, then day: FRA before GBR, GBR day 0 before day 1
    assert list(df["metric"]) == [
        "deployed_pax",
        "deployed_pax",
        "deployed_pax",
        "initial_deployment_closure_days",
        "node_wait_days",
    ]
    assert list(df["nation"][:3]) == ["FRA", "GBR", "GBR"]
    assert list(df["value"][:3]) == [400.0, 500.0, 600.0]
    assert df.loc[3, "day"] == -1 and df.loc[3, "value"] == 12.5
    assert math.isnan(float(df["value"].iloc[4])) and df.loc[4, "node"] == "PRZ"


def test_same_rows_give_identical_frames() -> None:
    a = _filled().frame(0)
    b = _filled().frame(0)
    assert a.equals(b)
    assert a.to_csv() == b.to_csv()


def test_empty_recorder_still_has_columns() -> None:
    df = Recorder(5).frame(0)
    assert tuple(df.columns) == COLUMNS and len(df) == 0


def test_add_run_rejects_unknown_dimension() -> None:
    with pytest.raises(TypeError):
        Recorder(1).add_run("lost_t", 1.0, klass="III")


def test_blocks_and_rows_merge_into_one_sorted_frame() -> None:
    rec = Recorder(horizon_days=2)
    block = rec.block(
        "deployed_pax",
        [{"nation": "GBR", "sector": "west"}, {"nation": "FRA", "sector": "east"}],
    )
    rec.add_block(0, block, [600.0, 400.0])
    rec.add_block(1, block, [0.0, 400.0])
    rec.add(0, "at_home_pax", 1200.0, nation="GBR")
    assert len(rec) == 5
    df = rec.frame(0)
    assert list(zip(df["metric"], df["nation"], df["day"], df["value"], strict=True)) == [
        ("at_home_pax", "GBR", 0, 1200.0),
        ("deployed_pax", "FRA", 0, 400.0),
        ("deployed_pax", "FRA", 1, 400.0),
        ("deployed_pax", "GBR", 0, 600.0),
        ("deployed_pax", "GBR", 1, 0.0),
    ]
    assert str(df["sector"].dtype) == "string" and df.loc[1, "sector"] == "east"
    with pytest.raises(ValueError):
        rec.add_block(2, block, [1.0])
    with pytest.raises(TypeError):
        rec.block("x", [{"klass": "III"}])


def _long() -> Recorder:
    """Blocks over many days (more than one preallocated chunk) and single rows between them."""
    rec = Recorder(horizon_days=150)
    stock = rec.block("stock_t", [{"sector": s, "supply_class": "III"} for s in ("w", "e", "n")])
    fleet = rec.block("fleet_utilisation", [{"node": "rail"}, {"node": "road"}])
    for day in range(150):
        rec.add_block(day, stock, [day * 1.5, -day, math.nan if day % 7 else 0.0])
        rec.add_block(day, fleet, np.array([0.5, day / 150]))
        if day % 10 == 0:
            rec.add(day, "arrived_pax", float(day), sector="w")
    rec.add_run("lost_t", 3.0, supply_class="III")
    return rec


def test_frames_are_the_frame_in_bounded_pieces() -> None:
    rec = _long()
    whole = rec.frame(3)
    assert len(whole) == 5 * 150 + 15 + 1
    pieces = list(rec.frames(3, max_rows=200))
    assert all(len(p) <= 200 for p in pieces) and len(pieces) > 3
    joined = pd.concat(pieces, ignore_index=True)
    pd.testing.assert_frame_equal(joined, whole)
    assert [list(p.dtypes) for p in pieces] == [list(whole.dtypes)] * len(pieces)


def test_frame_of_some_metrics_keeps_their_rows_in_order() -> None:
    rec = _long()
    whole = rec.frame(0)
    some = rec.frame(0, metrics={"stock_t", "lost_t"})
    expected = whole[whole["metric"].isin(["stock_t", "lost_t"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(some, expected)
    day_10 = some[(some["sector"] == "w") & (some["day"] == 10)]
    assert day_10["value"].tolist() == [15.0]


def test_empty_recorder_gives_one_empty_piece() -> None:
    pieces = list(Recorder(5).frames(0, max_rows=10))
    assert len(pieces) == 1 and len(pieces[0]) == 0
