"""Disruptions: scheduled and random strikes on nodes and links, seasons, and US air defence.

A strike sets a capacity factor on its target (``LocNetwork.set_factor(target, "strike:<n>",
f)``; 0 closes it) for a sampled duration, after which repair restores it (factor 1 removes the
cause). Overlapping strikes on one target multiply. What movements already under way do is the
network's ``in_transit_policy`` (wait or reroute), which sustainment and rotation pass to
``LocNetwork.move``.

Random strikes: each ``disruptions.random`` group is a Poisson process of ``rate_per_year``
strikes (/ 365.25 per day) on a target drawn uniformly from the group. With US air defence off
the rate is multiplied by ``strike_rate_factor_when_off``. Common random numbers: candidates are
drawn at the larger of the two rates and each is kept with probability ``rate / max rate``; the
candidate's time, target, duration and acceptance draw are taken whatever the switch, so the
strikes with air defence on are a subset of those with it off, on the same days, targets and
durations. The whole schedule is drawn from the ``disruption`` generator at construction.

Sabotage in the rear (a group with ``sabotage``: rail lines and yards on NATO territory, as at
Mika, Poland, in November 2025) is not an air attack: US air defence changes neither its rate
nor its damage. A group with ``enabled: false`` is drawn all the same and then dropped, so
switching it never moves another group's strikes (common random numbers).

Impact: with air defence off every strike (scheduled or random) removes
``capacity_loss_factor_when_off`` times its capacity loss, capped at a full closure:
``f_off = 1 - min(1, (1 - f) x factor)``. A strike with ``stock_destroyed_share`` also destroys
that share of the stock held at its target node (a forward depot or rear hub; nothing elsewhere),
scaled the same way without air defence (``min(1, share x factor)``): each function in
``stock_hit_listeners`` (sustainment's) is called with the node and the share when it lands.

Seasons: a season is active on simulated day ``d`` when the date ``start_date + d`` has a day of
the year within ``[start_day_of_year, end_day_of_year]`` (inclusive; a window with start > end
wraps over the new year). While active it sets ``mode:<mode>`` to its factor under the cause
``season:<name>``: links of that mode take 1/f longer.

Whole-run values: ``strikes`` by target (in the ``node`` column, link ids included).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from logistics_sim.distributions import sampler
from logistics_sim.engine.network import MODE_PREFIX, LocNetwork
from logistics_sim.engine.recording import Recorder
from logistics_sim.scenario import AirDefence, RandomStrikes, Scenario, Season

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Strike:
    """One strike: when (day), on what, for how long (days), the capacity left (0..1)."""

    start_day: float
    target: str
    duration_days: float
    capacity_factor: float
    stock_destroyed_share: float = 0.0


@dataclass(frozen=True)
class SeasonWindow:
    """A stretch of simulated days [start_day, end_day) when a season holds."""

    season: str
    start_day: int
    end_day: int


def strike_capacity_factor(capacity_factor: float, air_defence: AirDefence) -> float:
    """Capacity left after a strike: the scenario's factor, or a deeper cut without air defence."""
    if air_defence.enabled:
        return capacity_factor
    loss = (1.0 - capacity_factor) * air_defence.capacity_loss_factor_when_off
    return 1.0 - min(1.0, loss)


def strike_stock_share(share: float, air_defence: AirDefence) -> float:
    """Share of a struck node's stock destroyed: the scenario's, or more without air defence."""
    if air_defence.enabled:
        return share
    return min(1.0, share * air_defence.capacity_loss_factor_when_off)


def random_strikes(
    group: RandomStrikes,
    horizon_days: float,
    air_defence: AirDefence,
    rng: np.random.Generator,
) -> list[Strike]:
    """Poisson strikes of one group over the horizon, by thinning (module docstring: CRN).

    A sabotage group is drawn as if air defence were on whatever the switch; a group that is
    not enabled is drawn and then dropped.
    """
    if group.sabotage:
        air_defence = air_defence.model_copy(update={"enabled": True})
    rate_on = group.rate_per_year / DAYS_PER_YEAR
    off_factor = air_defence.strike_rate_factor_when_off
    rate_max = rate_on * max(1.0, off_factor)
    rate = rate_on if air_defence.enabled else rate_on * off_factor
    if rate_max <= 0:
        return []
    duration = sampler(group.duration_days)
    strikes: list[Strike] = []
    t = 0.0
    while True:
        t += float(rng.exponential(1.0 / rate_max))
        if t >= horizon_days:
            return strikes if group.enabled else []
        target = group.targets[int(rng.integers(len(group.targets)))]
        days = duration.sample(rng)
        keep = float(rng.random()) < rate / rate_max
        if keep:
            factor = strike_capacity_factor(group.capacity_factor, air_defence)
            share = strike_stock_share(group.stock_destroyed_share, air_defence)
            strikes.append(Strike(t, target, days, factor, share))


def season_active(season: Season, day_of_year: int) -> bool:
    """Whether a day of the year (1..366) falls in the season's window (wrapping at new year)."""
    start, end = season.start_day_of_year, season.end_day_of_year
    if start <= end:
        return start <= day_of_year <= end
    return day_of_year >= start or day_of_year <= end


def season_windows(
    seasons: Sequence[Season], start_date: dt.date, horizon_days: int
) -> list[SeasonWindow]:
    """The stretches of simulated days each season holds, in season then time order."""
    windows = []
    for season in seasons:
        begin: int | None = None
        for day in range(horizon_days + 1):
            active = day < horizon_days and season_active(
                season, (start_date + dt.timedelta(days=day)).timetuple().tm_yday
            )
            if active and begin is None:
                begin = day
            elif not active and begin is not None:
                windows.append(SeasonWindow(season.name, begin, day))
                begin = None
    return windows


class DisruptionEngine:
    """Strikes and seasons of one replication, applied to the network as capacity factors."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        network: LocNetwork,
        rng: np.random.Generator,
        recorder: Recorder,
    ) -> None:
        self.env = env
        self.network = network
        self.recorder = recorder
        #: Called with (node, share destroyed) when a strike that destroys stock lands.
        self.stock_hit_listeners: list[Callable[[str, float], None]] = []
        air_defence = scenario.us_enablers.air_defence
        dis = scenario.disruptions
        strikes: list[Strike] = [
            Strike(
                s.start_day,
                s.target,
                sampler(s.duration_days).sample(rng),
                strike_capacity_factor(s.capacity_factor, air_defence),
                strike_stock_share(s.stock_destroyed_share, air_defence),
            )
            for s in dis.scheduled
        ]
        for group in dis.random:
            strikes.extend(random_strikes(group, scenario.horizon_days, air_defence, rng))
        self.strikes = sorted(strikes, key=lambda s: (s.start_day, s.target))
        self.strike_counts: dict[str, int] = {}
        for strike in self.strikes:
            if strike.start_day < scenario.horizon_days:
                self.strike_counts[strike.target] = self.strike_counts.get(strike.target, 0) + 1
        for n, strike in enumerate(self.strikes):
            env.process(self._strike(n, strike))
        self.windows = season_windows(dis.seasons, scenario.start_date, scenario.horizon_days)
        by_name = {s.name: s for s in dis.seasons}
        for window in self.windows:
            env.process(self._season(window, by_name[window.season]))

    def _strike(self, n: int, strike: Strike) -> Generator[simpy.Event, Any, None]:
        """Damage the target at the strike's time, repair it after its duration."""
        yield self.env.timeout(strike.start_day)
        cause = f"strike:{n}"
        self.network.set_factor(strike.target, cause, strike.capacity_factor)
        if strike.stock_destroyed_share > 0:
            for listener in self.stock_hit_listeners:
                listener(strike.target, strike.stock_destroyed_share)
        if math.isfinite(strike.duration_days):
            yield self.env.timeout(strike.duration_days)
            self.network.set_factor(strike.target, cause, 1.0)

    def _season(self, window: SeasonWindow, season: Season) -> Generator[simpy.Event, Any, None]:
        """Reduce the season's modes over its window, then restore them."""
        yield self.env.timeout(window.start_day)
        cause = f"season:{season.name}"
        for mode in season.modes:
            self.network.set_factor(MODE_PREFIX + mode.value, cause, season.capacity_factor)
        yield self.env.timeout(window.end_day - window.start_day)
        for mode in season.modes:
            self.network.set_factor(MODE_PREFIX + mode.value, cause, 1.0)

    def record_day(self, day: int) -> None:
        """Nothing daily: the network records each node's capacity factor."""

    def finish(self) -> None:
        """Whole-run strike counts by target."""
        for target, count in sorted(self.strike_counts.items()):
            self.recorder.add_run("strikes", float(count), node=target)
