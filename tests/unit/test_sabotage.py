"""Sabotage in the rear: a disruption class US air defence does not change, off by a switch."""

from __future__ import annotations

import numpy as np

from logistics_sim.engine.disruption import random_strikes
from logistics_sim.scenario import AirDefence, FixedDist, RandomStrikes


def group(**changes: object) -> RandomStrikes:
    base = {
        "targets": ("L_A", "L_B"),
        "rate_per_year": 6.0,
        "duration_days": FixedDist(value=2.0),
        "capacity_factor": 0.0,
        "assumption": "test",
    }
    return RandomStrikes.model_validate({**base, **changes})


AD_ON = AirDefence(strike_rate_factor_when_off=3.0, capacity_loss_factor_when_off=1.5)
AD_OFF = AD_ON.model_copy(update={"enabled": False})


def draw(g: RandomStrikes, air_defence: AirDefence, seed: int = 3) -> list:
    return random_strikes(g, 730, air_defence, np.random.default_rng(seed))


def test_air_defence_changes_neither_the_rate_nor_the_damage_of_sabotage() -> None:
    sabotage = group(sabotage=True, capacity_factor=0.5)
    assert draw(sabotage, AD_ON) == draw(sabotage, AD_OFF)
    assert all(s.capacity_factor == 0.5 for s in draw(sabotage, AD_OFF))
    strikes = group(capacity_factor=0.5)  # an air attack: more and heavier without air defence
    assert len(draw(strikes, AD_OFF)) > len(draw(strikes, AD_ON))


def test_a_group_switched_off_is_drawn_but_not_applied() -> None:
    rng_on, rng_off = np.random.default_rng(9), np.random.default_rng(9)
    on = random_strikes(group(sabotage=True), 730, AD_ON, rng_on)
    off = random_strikes(group(sabotage=True, enabled=False), 730, AD_ON, rng_off)
    assert on and off == []
    # the same draws were taken: whatever comes next in the stream is the same
    assert rng_on.random() == rng_off.random()
