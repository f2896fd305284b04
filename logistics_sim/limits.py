"""Input limits: how large an input, and how much work a run, the tool accepts.

Every input has a bound so a typo (``horizon_days: 1000000000``) or a hostile file is refused
at once with a message, not discovered hours later as an exhausted machine. Each limit has a
default sized for this project's studies and an environment variable that raises (or lowers)
it; the messages name the variable. The work of a run is estimated before any replication
starts as *unit-days*: deployed units x horizon days, per replication and for the whole run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """A named bound: its default and the environment variable that overrides it."""

    env: str
    default: int
    what: str

    def value(self) -> int:
        """The bound in force: the environment variable (whole number) if set, else the default."""
        text = os.environ.get(self.env, "").strip().replace("_", "")
        if not text:
            return self.default
        try:
            number = int(float(text)) if "e" in text.lower() else int(text)
        except (ValueError, OverflowError):
            return self.default
        return number if number > 0 else self.default

    def exceeded(self, amount: int | float) -> str | None:
        """A message when ``amount`` is above the bound (None when within it)."""
        bound = self.value()
        if amount <= bound:
            return None
        return (
            f"{self.what} is {amount:,.0f}, above the limit of {bound:,}; "
            f"set {self.env} to raise it"
        )


#: A scenario file's size in bytes.
SCENARIO_BYTES = Limit("LOGISTICS_SIM_MAX_SCENARIO_BYTES", 2_000_000, "the file's size in bytes")
#: Values in a scenario after aliases are expanded.
SCENARIO_VALUES = Limit("LOGISTICS_SIM_MAX_SCENARIO_VALUES", 100_000, "the number of values")
#: A reference table (``data:``), an allocation CSV or a sources document, in bytes.
TABLE_BYTES = Limit("LOGISTICS_SIM_MAX_TABLE_BYTES", 10_000_000, "the file's size in bytes")
#: Rows of a reference table or allocation CSV.
TABLE_ROWS = Limit("LOGISTICS_SIM_MAX_TABLE_ROWS", 100_000, "the number of rows")
#: Deployed units x horizon days of one replication (its memory: about 0.4 kB a unit-day).
REPLICATION_UNIT_DAYS = Limit(
    "LOGISTICS_SIM_MAX_REPLICATION_UNIT_DAYS",
    2_000_000,
    "one replication's work (deployed units x horizon days)",
)
#: Replications x deployed units x horizon days of one run (its time).
RUN_UNIT_DAYS = Limit(
    "LOGISTICS_SIM_MAX_RUN_UNIT_DAYS",
    500_000_000,
    "the run's work (replications x deployed units x horizon days)",
)
#: Replications of one run (also the cap of ``--max-replications``).
REPLICATIONS = Limit("LOGISTICS_SIM_MAX_REPLICATIONS", 100_000, "the number of replications")
#: Variants of one sweep (the baseline included).
SWEEP_VARIANTS = Limit("LOGISTICS_SIM_MAX_SWEEP_VARIANTS", 200, "the sweep's number of variants")

ALL = (
    SCENARIO_BYTES,
    SCENARIO_VALUES,
    TABLE_BYTES,
    TABLE_ROWS,
    REPLICATION_UNIT_DAYS,
    RUN_UNIT_DAYS,
    REPLICATIONS,
    SWEEP_VARIANTS,
)

#: Nesting of a scenario file (levels of mappings and lists); not configurable.
MAX_DEPTH = 40
#: Bounds of ``--target-half-width`` (relative CI half-width, or a probability's half-width).
TARGET_HALF_WIDTH_RANGE = (0.0001, 10.0)
#: Bounds of ``experiment.confidence``: beyond 0.999 a t quantile on few replications explodes.
CONFIDENCE_RANGE = (0.5, 0.999)
#: Largest base seed (numpy SeedSequence takes any non-negative integer; 2**63 keeps it portable).
MAX_SEED = 2**63 - 1


def run_work_problems(units: int, horizon_days: int, replications: int) -> list[str]:
    """Messages for a run whose estimated work is above the limits (empty when it fits)."""
    per_replication = units * horizon_days
    found = [
        REPLICATIONS.exceeded(replications),
        REPLICATION_UNIT_DAYS.exceeded(per_replication),
        RUN_UNIT_DAYS.exceeded(per_replication * replications),
    ]
    return [message for message in found if message]
