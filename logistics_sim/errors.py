"""Scenario problems reported to the user as ``file:line:col: dotted.path: message``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a scenario, located in its file (line and column are 1-based)."""

    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        path = self.path or "(file)"
        return f"{self.file}:{self.line}:{self.col}: {path}: {self.message}"


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` lists every problem found, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
