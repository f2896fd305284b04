"""``--set path=v1,v2`` parsing, and setting a dotted path in a scenario mapping."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class SweepSpecError(ValueError):
    """A ``--set`` or ``--design`` the sweep cannot apply (bad syntax, no such list item)."""


@dataclass(frozen=True)
class SweepParameter:
    """One ``--set path=v1,v2,...``: a dotted scenario path and its values."""

    path: str
    values: tuple[Any, ...]


def parse_value(text: str) -> Any:
    """One value as YAML 1.2 reads a scalar (``2`` int, ``2.5`` float, ``true``, ``NO`` text)."""
    from ruamel.yaml import YAML

    value = YAML(typ="safe", pure=True).load(text)
    return text if value is None or isinstance(value, dict | list) else value


def parse_set(text: str) -> SweepParameter:
    """``rotation.dwell_ratio=2,3,4`` → SweepParameter('rotation.dwell_ratio', (2, 3, 4))."""
    path, sep, values = text.partition("=")
    if not sep or not path.strip() or not values.strip():
        raise SweepSpecError(f"--set {text!r}: expected path=value1,value2,...")
    parts = [v.strip() for v in values.split(",")]
    if any(not v for v in parts):
        raise SweepSpecError(f"--set {text!r}: empty value")
    return SweepParameter(path.strip(), tuple(parse_value(v) for v in parts))


def split_path(path: str) -> list[str | int]:
    """``nations[FRA].tour_days`` → ['nations', 'FRA', 'tour_days']; ``x[0]`` → ['x', 0]."""
    out: list[str | int] = []
    for part in path.split("."):
        name, _, rest = part.partition("[")
        if name:
            out.append(name)
        while rest:
            key, _, rest = rest.partition("]")
            out.append(int(key) if key.lstrip("-").isdigit() else key)
            rest = rest.removeprefix("[")
    return out


def set_path(mapping: dict[str, Any], path: str, value: Any) -> tuple[str | int, ...]:
    """Set ``path`` in a scenario mapping (creating mappings on the way); returns the key path.

    A bracketed name selects the list item whose ``id``, ``code`` or ``name`` equals it.
    """
    keys = split_path(path)
    node: Any = mapping
    resolved: list[str | int] = []
    for i, key in enumerate(keys):
        last = i == len(keys) - 1
        if isinstance(node, list):
            if isinstance(key, str):
                idx = next(
                    (
                        j
                        for j, item in enumerate(node)
                        if isinstance(item, dict)
                        and key in (item.get("id"), item.get("code"), item.get("name"))
                    ),
                    None,
                )
                if idx is None:
                    raise SweepSpecError(
                        f"--set {path}: no item {key!r} in {'.'.join(map(str, resolved))}"
                    )
                key = idx
            if not -len(node) <= key < len(node):
                raise SweepSpecError(f"--set {path}: index {key} out of range")
        elif isinstance(node, dict):
            if isinstance(key, int):
                raise SweepSpecError(f"--set {path}: {'.'.join(map(str, resolved))} is not a list")
            if not last and not isinstance(node.get(key), dict | list):
                node[key] = {}
        else:
            raise SweepSpecError(f"--set {path}: cannot descend into a {type(node).__name__}")
        resolved.append(key)
        if last:
            node[key] = value
        else:
            node = node[key]
    return tuple(resolved)
