"""Steady-state rotation arithmetic (issue 3): cycle, pool multiplier and pool sizes."""

from __future__ import annotations

import pytest

from logistics_sim.rules.rotation_math import (
    cycle_days,
    pool_multiplier,
    pool_units_staggered,
    pool_units_synchronised,
    slot_cover_days,
)


def test_worked_example_of_issue_3() -> None:
    """T=180 days, r=3, O=10 days, τ=5 days: C = 180 + 540 + 10 = 730; 730/170 = 4.294."""
    assert cycle_days(180, 3, 5) == 730
    assert slot_cover_days(180, 10) == 170
    assert pool_multiplier(180, 3, 10, 5) == pytest.approx(4.294, abs=5e-4)


@pytest.mark.parametrize(("dwell_ratio", "pool_pax"), [(2, 450_000), (3, 600_000), (4, 750_000)])
def test_150k_deployed_needs_450k_600k_750k(dwell_ratio: int, pool_pax: int) -> None:
    """With no transit and no overlap the pool is (1 + r) x deployed: 1:2, 1:3, 1:4 dwell."""
    multiplier = pool_multiplier(180, dwell_ratio, 0, 0)
    assert multiplier == 1 + dwell_ratio
    assert 150_000 * multiplier == pool_pax


def test_staggered_pool_rounds_up_once_synchronised_per_slot() -> None:
    multiplier = pool_multiplier(180, 3, 10, 5)  # 4.294
    assert pool_units_staggered(10, multiplier) == 43  # ceil(42.94)
    assert pool_units_synchronised(10, multiplier) == 50  # 10 x ceil(4.294)
    assert pool_units_staggered(10, 4.0) == 40  # exact multiples are not rounded up
    assert pool_units_synchronised(10, 4.0) == 40


def test_overlap_and_transit_increase_the_pool() -> None:
    base = pool_multiplier(180, 2, 0, 0)
    assert pool_multiplier(180, 2, 10, 0) > base
    assert pool_multiplier(180, 2, 0, 5) > base
