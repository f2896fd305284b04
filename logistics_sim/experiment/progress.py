"""The progress bar of a run: replications done, simulated days per second, ETA."""

from __future__ import annotations

import sys
import time
from typing import Any


class Progress:
    """Rich progress bar: replications done, simulated days per second, ETA (or nothing)."""

    def __init__(self, enabled: bool, total: int, horizon_days: int, label: str) -> None:
        self.enabled, self.horizon_days, self.start = enabled, horizon_days, time.monotonic()
        self.done = self.skipped = 0
        self._bar: Any = None
        if enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("replications"),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(label, total=total, rate="")

    def already_done(self, done: int) -> None:
        """Replications found finished (resume): shown as done, left out of the rate."""
        self.done = self.skipped = done
        if self._bar is not None:
            self._bar.update(self._task, completed=done)

    def grow(self, total: int) -> None:
        """More replications were planned (automatic replication count)."""
        if self._bar is not None:
            self._bar.update(self._task, total=total)

    def advance(self) -> None:
        """One replication finished (or failed)."""
        self.done += 1
        if self._bar is not None:
            elapsed = max(time.monotonic() - self.start, 1e-9)
            fresh = self.done - self.skipped
            rate = f"{fresh * self.horizon_days / elapsed:,.0f} sim days/s"
            self._bar.update(self._task, advance=1, rate=rate)

    def close(self) -> None:
        """Leave the finished bar on screen."""
        if self._bar is not None:
            self._bar.stop()


def progress_wanted(quiet: bool) -> bool:
    """Progress bar only on a terminal and without --quiet."""
    return not quiet and sys.stdout.isatty()
