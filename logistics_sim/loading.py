"""Read a scenario file: guarded YAML 1.2 → reference tables merged → pydantic → named checks.

This is the only place that reads YAML. Every problem found is collected and raised together
as a :class:`~logistics_sim.errors.ScenarioError`, each located by file, line, column and
dotted field path, so an analyst fixes a file in one pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from logistics_sim.data import resolve_tables
from logistics_sim.errors import Problem, ScenarioError
from logistics_sim.scenario import Scenario
from logistics_sim.validation import Severity, run_checks

MAX_FILE_BYTES = 2_000_000
MAX_NODES = 100_000  # scalars + containers after alias expansion
MAX_DEPTH = 40

Path_ = tuple[str | int, ...]
Positions = dict[Path_, tuple[int, int]]


class _Guard(Exception):
    """A loader guard tripped: the file is refused with one problem."""

    def __init__(self, path: Path_, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.path, self.message, self.line, self.col = path, message, line, col


def dotted(path: Path_) -> str:
    """``('force', 'sectors', 0, 'id')`` → ``force.sectors[0].id``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def locate(positions: Positions, path: Path_) -> tuple[int, int]:
    """Line and column of the deepest part of ``path`` that the file has (1, 1 if none)."""
    for n in range(len(path), -1, -1):
        if path[:n] in positions:
            return positions[path[:n]]
    return (1, 1)


def _read_text(file: Path) -> str:
    """The file's text, refusing missing, oversized, binary and empty files."""
    if not file.exists():
        raise _Guard((), "file not found")
    if not file.is_file():
        raise _Guard((), "not a regular file")
    size = file.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _Guard((), f"file is {size} bytes; the limit is {MAX_FILE_BYTES}")
    raw = file.read_bytes()
    if b"\x00" in raw:
        raise _Guard((), "binary file (contains NUL bytes), not YAML")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Guard((), f"not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise _Guard((), "empty file: a scenario is a mapping of settings")
    return text


def _bracket_depth(text: str) -> int:
    """Deepest flow-collection nesting, a cheap pre-check before the parser recurses."""
    depth = deepest = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(0, depth - 1)
    return deepest


def _parse(text: str) -> Any:
    """YAML 1.2 round-trip parse (positions kept); duplicate keys are errors."""
    if _bracket_depth(text) > MAX_DEPTH:
        raise _Guard((), f"nesting deeper than {MAX_DEPTH} levels")
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = (exc.problem or exc.context or "invalid YAML").strip()
        if "duplicate key" in reason:
            reason = reason.split(" with value")[0]
        raise _Guard((), f"YAML error: {reason}", line, col) from None
    except RecursionError:
        raise _Guard((), f"nesting deeper than {MAX_DEPTH} levels") from None
    except YAMLError as exc:
        raise _Guard((), f"YAML error: {exc}") from None


def _position(container: Any, key: str | int) -> tuple[int, int] | None:
    """1-based position of a mapping key or sequence item, when ruamel recorded it."""
    try:
        line, col = container.lc.key(key) if isinstance(key, str) else container.lc.item(key)
    except (AttributeError, KeyError, IndexError, TypeError):
        return None
    return (line + 1, col + 1)


def _plain(node: Any, path: Path_, positions: Positions, budget: list[int]) -> Any:
    """Convert ruamel's tree to plain Python, recording positions; guards size, depth, tags."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _Guard(path, f"document expands to more than {MAX_NODES} values (alias bomb?)")
    if len(path) > MAX_DEPTH:
        raise _Guard(path, f"nesting deeper than {MAX_DEPTH} levels", *locate(positions, path))
    if isinstance(node, TaggedScalar) or (
        isinstance(node, CommentedMap | CommentedSeq) and node.tag.value is not None
    ):
        raise _Guard(path, "explicit YAML tags are not allowed", *locate(positions, path))
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key in node:
            if not isinstance(key, str):
                raise _Guard(path, f"mapping key {key!r} is not text", *locate(positions, path))
            pos = _position(node, key)
            if pos:
                positions[(*path, key)] = pos
            out[key] = _plain(node[key], (*path, key), positions, budget)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for i, item in enumerate(node):
            pos = _position(node, i)
            if pos:
                positions[(*path, i)] = pos
            items.append(_plain(item, (*path, i), positions, budget))
        return items
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, dt.datetime):
        return node
    if isinstance(node, dt.date):
        return dt.date(node.year, node.month, node.day)
    return node


def _pydantic_problems(exc: ValidationError, file: str, positions: Positions) -> Iterator[Problem]:
    """One problem per pydantic error, at the position of its field."""
    for err in exc.errors(include_url=False):
        loc = tuple(part for part in err["loc"] if not _is_union_tag(part))
        line, col = locate(positions, loc)
        yield Problem(file, line, col, dotted(loc), err["msg"])


def _is_union_tag(part: str | int) -> bool:
    """Discriminated-union branch names pydantic inserts into error locations."""
    return isinstance(part, str) and (
        part in {"fixed", "exponential", "lognormal", "triangular", "uniform"}
        or part.startswith("function-")
    )


def read_mapping(file: Path) -> tuple[dict[str, Any], Positions]:
    """Parse a YAML file into a plain mapping and its key positions; guard errors raise."""
    name = str(file)
    try:
        tree = _parse(_read_text(file))
        if not isinstance(tree, CommentedMap):
            kind = "a list" if isinstance(tree, CommentedSeq) else "a single value"
            raise _Guard((), f"a scenario is a mapping of settings, but the file holds {kind}")
        positions: Positions = {}
        mapping = _plain(tree, (), positions, [MAX_NODES])
    except _Guard as guard:
        raise ScenarioError(
            [Problem(name, guard.line, guard.col, dotted(guard.path), guard.message)]
        ) from None
    return mapping, positions


def scenario_from_mapping(
    mapping: dict[str, Any], positions: Positions, file: Path, *, strict: bool = False
) -> Scenario:
    """Merge reference tables, validate and check a parsed scenario; raise all problems."""
    name = str(file)
    resolved, table_problems = resolve_tables(mapping, file.parent)
    problems = [
        Problem(name, *locate(positions, path), dotted(path), message)
        for path, message in table_problems
    ]
    try:
        scenario = Scenario.model_validate(resolved)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc, name, positions))
        raise ScenarioError(problems) from None
    for finding in run_checks(scenario):
        if finding.severity is Severity.error or strict:
            line, col = locate(positions, finding.path)
            problems.append(Problem(name, line, col, dotted(finding.path), finding.message))
    if problems:
        raise ScenarioError(problems)
    return scenario


def load_scenario(path: str | Path, *, strict: bool = False) -> Scenario:
    """Load, resolve and validate a scenario file; raise :class:`ScenarioError` listing all problems.

    ``strict`` turns warnings (an unsourced figure, for example) into errors.
    """
    file = Path(path)
    mapping, positions = read_mapping(file)
    return scenario_from_mapping(mapping, positions, file, strict=strict)
