"""Assemble one replication's model and run it: seeds, subsystems, the daily tick, the frame.

``run_replication(scenario, allocation, base_seed, replication)`` is the engine's entry point
(``simulate_replication`` the same, returning the records to read as a frame or in pieces):
it reads no file and prints nothing; everything random comes from
``SeedSequence(base_seed, spawn_key=(replication,))`` split into one generator per subsystem, so
the same seed gives a byte-identical frame whatever the executor or the order of replications.

The daily tick fires at t = d + 1 for d = 0..horizon-1 *after* every other event at that time
(a lower scheduling priority), so each subsystem's ``record_day(d)`` sees the state at the end
of day d, including anything that happened exactly at t = d + 1.
"""

from __future__ import annotations

from collections.abc import Collection, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import simpy
from simpy.core import EmptySchedule
from simpy.events import Event, EventPriority

from logistics_sim.engine.airlift import Airlift
from logistics_sim.engine.disruption import DisruptionEngine
from logistics_sim.engine.force import ForceState, allocation_units, build_slots
from logistics_sim.engine.network import LocNetwork
from logistics_sim.engine.recording import Recorder
from logistics_sim.engine.reinforcement import ReinforcementEngine
from logistics_sim.engine.rotation import RotationEngine, pool_sizes
from logistics_sim.engine.sustainment import SustainmentEngine
from logistics_sim.scenario import Scenario

#: Subsystem generators, in spawn order (docs/engine_contract.md). A switched-off subsystem still
#: takes its slot, so switching one off never changes another's stream.
SUBSYSTEMS: tuple[str, ...] = (
    "network",
    "rotation",
    "demand",
    "transport",
    "disruption",
    "reinforcement",
    "background",
    "airlift",
)

#: Scheduling priority of the end-of-day tick: after URGENT (0) and NORMAL (1) events.
END_OF_DAY = EventPriority(2)


class Subsystem(Protocol):
    """Anything the daily tick records; an optional ``finish()`` adds whole-run values."""

    def record_day(self, day: int) -> None: ...


class EndOfDay(Event):
    """A timeout processed after all ordinary events scheduled for the same time."""

    def __init__(self, env: simpy.Environment, delay: float) -> None:
        self.env = env
        self.callbacks = []
        self._value = None
        self._ok = True
        env.schedule(self, END_OF_DAY, delay)


@dataclass(frozen=True)
class ReplicationResult:
    """One replication: its number, its tidy daily frame, and the kernel events processed."""

    replication: int
    daily: pd.DataFrame
    events: int


@dataclass(frozen=True)
class ReplicationRecords:
    """One replication's recorded rows, to read whole (``daily``), for some metrics, or in pieces.

    A writer that takes :meth:`tables` one at a time never holds the run's whole frame: a long
    horizon then costs the recorder's numbers (8 bytes a value), not a frame's strings.
    """

    replication: int
    events: int
    recorder: Recorder

    @property
    def daily(self) -> pd.DataFrame:
        """The whole tidy daily frame (docs/engine_contract.md), built on each call."""
        return self.recorder.frame(self.replication)

    def frame(self, metrics: Collection[str], *, categorical: bool = False) -> pd.DataFrame:
        """The rows of ``metrics`` only, in the frame's order (strings as categories if asked)."""
        return self.recorder.frame(self.replication, metrics, categorical=categorical)

    def tables(self, max_rows: int) -> Iterator[pa.Table]:
        """The frame's rows as consecutive Arrow tables of about ``max_rows`` rows."""
        return self.recorder.tables(self.replication, max_rows)


@dataclass
class Model:
    """The assembled subsystems of one replication and the daily tick that records them."""

    env: simpy.Environment
    scenario: Scenario
    recorder: Recorder
    network: LocNetwork
    force: ForceState
    rotation: RotationEngine
    subsystems: list[Subsystem] = field(default_factory=list)
    tick: simpy.Process | None = None

    def _tick(self) -> Generator[Event, Any, None]:
        for day in range(self.scenario.horizon_days):
            yield EndOfDay(self.env, 1.0)
            for subsystem in self.subsystems:
                subsystem.record_day(day)

    def finish(self) -> None:
        """Let each subsystem append its whole-run values."""
        for subsystem in self.subsystems:
            finish = getattr(subsystem, "finish", None)
            if finish is not None:
                finish()


def subsystem_rngs(base_seed: int, replication: int) -> dict[str, np.random.Generator]:
    """One independent generator per subsystem, from the replication's seed sequence."""
    children = np.random.SeedSequence(base_seed, spawn_key=(replication,)).spawn(len(SUBSYSTEMS))
    return {
        name: np.random.default_rng(child) for name, child in zip(SUBSYSTEMS, children, strict=True)
    }


def build_model(
    env: simpy.Environment,
    scenario: Scenario,
    allocation: pd.DataFrame,
    rngs: dict[str, np.random.Generator],
    recorder: Recorder,
) -> Model:
    """Build network, force and rotation (and further subsystems) and start the daily tick."""
    network = LocNetwork(env, scenario, rngs["network"], recorder, rngs["background"])
    slots_by_group = allocation_units(allocation, scenario)
    slots = build_slots(scenario, slots_by_group)
    pools = pool_sizes(scenario, network, slots, allocation)
    force = ForceState.build(scenario, slots_by_group, pools)
    airlift = None
    if scenario.rotation.personnel_by_airlift:
        airlift = Airlift(env, scenario, network, rngs["airlift"], recorder)
    rotation = RotationEngine(env, scenario, force, network, recorder, airlift)
    model = Model(env, scenario, recorder, network, force, rotation, [network, rotation])
    if airlift is not None:
        model.subsystems.append(airlift)
    reinforcement = ReinforcementEngine(
        env, scenario, force, network, rotation, rngs["reinforcement"], recorder
    )
    model.subsystems.append(reinforcement)
    disruption = DisruptionEngine(env, scenario, network, rngs["disruption"], recorder)
    model.subsystems.append(disruption)
    if scenario.sustainment.enabled:
        sustainment = SustainmentEngine(
            env, scenario, force, network, rngs["demand"], rngs["transport"], recorder
        )
        disruption.stock_hit_listeners.append(sustainment.destroy_stock)
        model.subsystems.append(sustainment)
    model.tick = env.process(model._tick())
    return model


def run_replication(
    scenario: Scenario, allocation: pd.DataFrame, base_seed: int, replication: int
) -> ReplicationResult:
    """Simulate one replication over the scenario's horizon and return its daily frame."""
    records = simulate_replication(scenario, allocation, base_seed, replication)
    return ReplicationResult(replication, records.daily, records.events)


def simulate_replication(
    scenario: Scenario, allocation: pd.DataFrame, base_seed: int, replication: int
) -> ReplicationRecords:
    """Simulate one replication over the scenario's horizon and return its records."""
    env = simpy.Environment()
    recorder = Recorder(scenario.horizon_days)
    model = build_model(env, scenario, allocation, subsystem_rngs(base_seed, replication), recorder)
    assert model.tick is not None
    events = run_counting(env, model.tick)
    model.finish()
    recorder.add_run("kernel_events", float(events))
    return ReplicationRecords(replication, events, recorder)


def run_counting(env: simpy.Environment, until: Event | None = None) -> int:
    """Run ``env`` until ``until`` has been processed (or no event is left); events processed.

    ``Environment.run`` with a counting ``step`` would add a call per event; this is SimPy's
    own loop, counted in place. The benchmark counts bare SimPy the same way.
    """
    step = env.step
    events = 0
    try:
        while until is None or not until.processed:
            step()
            events += 1
    except EmptySchedule:
        if until is not None:
            raise RuntimeError("no events left before the awaited event was processed") from None
    return events
