"""The repository's scenario files, and building a Scenario from an edited mapping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from logistics_sim.data import resolve_tables
from logistics_sim.scenario import Scenario

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
TINY_YAML = SCENARIOS / "tiny.yaml"

Mapping = dict[str, Any]


def build_scenario(mapping: Mapping, base_dir: Path = SCENARIOS) -> Scenario:
    """A Scenario from a mapping, tables merged, without the cross-field checks."""
    resolved, problems = resolve_tables(mapping, base_dir)
    assert problems == []
    return Scenario.model_validate(resolved)
