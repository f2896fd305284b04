"""Any mutation of a valid scenario yields a Scenario or a ScenarioError, never another exception.

Mutations of the tiny scenario's parsed mapping: delete a key or item, replace a value with junk
of another type (including bad numbers: negative, huge, inf, nan, booleans), insert an unknown
key, swap two values, or duplicate an item. The loader, table merging, pydantic and every check
must turn all of them into located problems.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logistics_sim.errors import ScenarioError
from logistics_sim.loading import read_mapping, scenario_from_mapping
from logistics_sim.scenario import Scenario

TINY = Path(__file__).resolve().parents[2] / "scenarios" / "tiny.yaml"
MAPPING, POSITIONS = read_mapping(TINY)
FieldPath = tuple[str | int, ...]


def all_paths(value: Any, path: FieldPath = ()) -> list[FieldPath]:
    """Every key and item path of the mapping, the root excluded."""
    found: list[FieldPath] = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(all_paths(item, (*path, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(all_paths(item, (*path, i)))
    return found


PATHS = all_paths(MAPPING)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e308, -0.0, math.inf, -math.inf, math.nan, 10**30]),
    st.text(max_size=12),
    st.sampled_from(["", "NO", "true", "1e3", "west", "RZE", "mech_inf", "I", "low", "fixed"]),
    st.sampled_from([".", "..", "data", "data/nations.csv", "tiny.yaml", "/", "nul\x00"]),
)
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["kind", "id", "value", "mean", "junk", "low", "high", "code"]),
            inner,
            max_size=3,
        ),
    ),
    max_leaves=6,
)


def parent_of(mapping: Any, path: FieldPath) -> Any:
    """The container holding the last part of ``path`` (None if the path is gone)."""
    node = mapping
    for part in path[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def holds(container: Any, key: str | int) -> bool:
    """Whether ``container[key]`` exists."""
    if isinstance(container, dict):
        return key in container
    if isinstance(container, list) and isinstance(key, int):
        return 0 <= key < len(container)
    return False


@st.composite
def mutations(draw: st.DrawFn) -> dict[str, Any]:
    """A deep copy of the tiny mapping with one to four mutations applied."""
    mapping = copy.deepcopy(MAPPING)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        path = draw(st.sampled_from(PATHS))
        container, key = parent_of(mapping, path), path[-1]
        if not holds(container, key):
            continue
        op = draw(st.sampled_from(["delete", "replace", "insert", "swap", "duplicate", "number"]))
        if op == "delete":
            del container[key]
        elif op == "replace":
            container[key] = draw(junk)
        elif op == "insert":
            target = container[key] if isinstance(container[key], dict) else container
            if isinstance(target, dict):
                target[draw(st.text(min_size=1, max_size=8))] = draw(junk)
        elif op == "swap":
            other = draw(st.sampled_from(PATHS))
            other_container = parent_of(mapping, other)
            if holds(other_container, other[-1]):
                container[key], other_container[other[-1]] = (
                    other_container[other[-1]],
                    container[key],
                )
        elif op == "duplicate" and isinstance(container, list) and isinstance(key, int):
            container.append(copy.deepcopy(container[key]))
        elif op == "number":
            value = container[key]
            if isinstance(value, int | float) and not isinstance(value, bool):
                container[key] = draw(st.sampled_from([-value, value * 1e6, 0, value + 0.5]))
    return mapping


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated=mutations(), strict=st.booleans())
def test_mutated_scenario_is_valid_or_a_scenario_error(
    mutated: dict[str, Any], strict: bool
) -> None:
    try:
        result = scenario_from_mapping(mutated, POSITIONS, TINY, strict=strict)
    except ScenarioError as exc:
        assert exc.problems, "a ScenarioError always lists at least one problem"
        for problem in exc.problems:
            assert problem.file == str(TINY)
            assert problem.line >= 1 and problem.col >= 1
            assert problem.message
            assert "Tuple should have" not in problem.message
    else:
        assert isinstance(result, Scenario)


def test_unmutated_tiny_scenario_is_valid() -> None:
    assert scenario_from_mapping(copy.deepcopy(MAPPING), POSITIONS, TINY).name == "tiny"
