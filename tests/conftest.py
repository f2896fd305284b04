"""Shared test fixtures: the tiny scenario as a file, as a parsed mapping, and as a model."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from logistics_sim.loading import read_mapping
from logistics_sim.scenario import Scenario
from testsupport.scenarios import SCENARIOS, TINY_YAML, Mapping, build_scenario


@pytest.fixture(autouse=True)
def _shipped_data_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scenarios written to temporary folders may name the shipped tables by absolute path."""
    monkeypatch.setenv("LOGISTICS_SIM_DATA_DIRS", str(SCENARIOS / "data"))


@pytest.fixture(scope="session")
def _tiny_parsed() -> tuple[Mapping, dict[Any, tuple[int, int]]]:
    """The tiny scenario parsed once per session (never mutated; tests get deep copies)."""
    return read_mapping(TINY_YAML)


@pytest.fixture
def tiny_mapping(_tiny_parsed: tuple[Mapping, Any]) -> Mapping:
    """A fresh, mutable copy of the tiny scenario as read from YAML (tables not yet merged)."""
    return copy.deepcopy(_tiny_parsed[0])


@pytest.fixture
def tiny_positions(_tiny_parsed: tuple[Mapping, Any]) -> dict[Any, tuple[int, int]]:
    """Line and column of each key of tiny.yaml."""
    return dict(_tiny_parsed[1])


@pytest.fixture
def tiny_with(tiny_mapping: Mapping) -> Callable[[Callable[[Mapping], object]], Scenario]:
    """Apply an edit to the tiny mapping and build the Scenario (checks not run)."""

    def make(edit: Callable[[Mapping], object]) -> Scenario:
        mapping = copy.deepcopy(tiny_mapping)
        edit(mapping)
        return build_scenario(mapping)

    return make


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write text to a file in a temporary folder and return its path."""

    def write(text: str, name: str = "scenario.yaml") -> Path:
        file = tmp_path / name
        file.write_text(text, encoding="utf-8")
        return file

    return write


@pytest.fixture
def tiny_text() -> str:
    """tiny.yaml's text with its data tables made absolute, so a copy loads from any folder."""
    text = TINY_YAML.read_text(encoding="utf-8")
    data_dir = SCENARIOS / "data"
    return text.replace("nations: data/", f"nations: {data_dir}/").replace(
        "planning_factors: data/", f"planning_factors: {data_dir}/"
    )
