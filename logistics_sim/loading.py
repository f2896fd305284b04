"""Read a scenario file: guarded YAML 1.2 → reference tables merged → pydantic → named checks.

This is the only place that reads YAML. Every problem found is collected and raised together
as a :class:`~logistics_sim.errors.ScenarioError`, each located by file, line, column and
dotted field path, so an analyst fixes a file in one pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import MappingNode
from ruamel.yaml.scalarbool import ScalarBoolean

from logistics_sim import limits
from logistics_sim.data import TableProblem, resolve_tables, source_keys_for
from logistics_sim.errors import Problem, ScenarioError
from logistics_sim.scenario import Scenario
from logistics_sim.validation import Severity, run_checks

#: Defaults of the guards (each raised by the environment variable named in ``limits``).
MAX_FILE_BYTES = limits.SCENARIO_BYTES.default
MAX_NODES = limits.SCENARIO_VALUES.default  # scalars + containers after alias expansion
MAX_DEPTH = limits.MAX_DEPTH


@dataclass(frozen=True)
class ReadLimits:
    """How large a YAML file the reader accepts: bytes, values (aliases expanded), nesting."""

    max_file_bytes: int
    max_nodes: int
    max_depth: int = MAX_DEPTH


def input_limits() -> ReadLimits:
    """The guards for a user's scenario file (environment overrides applied)."""
    return ReadLimits(limits.SCENARIO_BYTES.value(), limits.SCENARIO_VALUES.value())


#: The tool's own ``scenario.resolved.yaml``: defaults written out make it several times
#: larger than the input it came from, which already passed the input guards.
RUN_FOLDER_LIMITS = ReadLimits(max_file_bytes=200_000_000, max_nodes=5_000_000)

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


def _read_text(file: Path, bounds: ReadLimits) -> str:
    """The file's text, refusing missing, oversized, binary and empty files."""
    if not file.exists():
        raise _Guard((), "file not found")
    if file.is_dir():
        raise _Guard((), "is a directory, not a scenario file")
    if not file.is_file():
        raise _Guard((), "not a regular file")
    size = file.stat().st_size
    if size > bounds.max_file_bytes:
        raise _Guard(
            (),
            f"file is {size} bytes; the limit is {bounds.max_file_bytes} "
            f"(set {limits.SCENARIO_BYTES.env} to raise it)",
        )
    raw = file.read_bytes()
    if b"\x00" in raw:
        raise _Guard((), "binary file (contains NUL bytes), not YAML")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Guard(
            (), f"not UTF-8 text (invalid byte at offset {exc.start}); save the file as UTF-8"
        ) from None
    if not text.strip():
        raise _Guard((), "empty file: a scenario is a mapping of settings")
    return text


def _at(mark: Any) -> tuple[int, int]:
    """1-based line and column of a ruamel mark."""
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


class _GuardedComposer(Composer):
    """ruamel's composer, refusing explicit tags, deep nesting and too many nodes as it goes.

    Checking while composing (rather than scanning the text beforehand) sees exactly what the
    parser sees: brackets in quoted strings, comments and block scalars are text, not nesting,
    and a huge flat list is refused after ``max_nodes`` items instead of after all of them.
    """

    bounds = ReadLimits(MAX_FILE_BYTES, MAX_NODES)

    def compose_node(self, parent: Any, index: Any) -> Any:
        stack: list[str | int] = self.__dict__.setdefault("path", [])
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent):
            return super().compose_node(parent, index)
        is_key = isinstance(parent, MappingNode) and index is None
        if not is_key and parent is not None:
            stack.append(index if isinstance(index, int) else str(getattr(index, "value", "")))
        self._check(event, is_key, tuple(stack))
        try:
            return super().compose_node(parent, index)
        finally:
            if not is_key and parent is not None:
                stack.pop()

    def _check(self, event: Any, is_key: bool, path: Path_) -> None:
        """Refuse an explicit tag, a level too deep, or one value too many, at the event."""
        at = _at(event.start_mark)
        if getattr(event, "ctag", None) is not None:
            raise _Guard(path, "explicit YAML tags are not allowed", *at)
        if self.depth >= self.bounds.max_depth + 1:
            raise _Guard(path[:1], f"nesting deeper than {self.bounds.max_depth} levels", *at)
        self.composed = getattr(self, "composed", 0) + (0 if is_key else 1)
        if self.composed > self.bounds.max_nodes:
            raise _Guard(
                path[:1],
                f"document has more than {self.bounds.max_nodes:,} values"
                f" (set {limits.SCENARIO_VALUES.env} to raise the limit)",
                *at,
            )


class _CheckedConstructor(RoundTripConstructor):
    """Round-trip constructor whose impossible dates (2027-02-30) are located errors."""

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError as exc:
            raise ConstructorError(
                None, None, f"{node.value!r} is not a valid date ({exc})", node.start_mark
            ) from None


_CheckedConstructor.add_constructor(
    "tag:yaml.org,2002:timestamp", _CheckedConstructor.construct_yaml_timestamp
)


def _parse(text: str, bounds: ReadLimits | None = None) -> Any:
    """YAML 1.2 round-trip parse (positions kept); duplicate keys, tags and dates are errors."""
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    composer: type[Composer] = type(
        "Composer", (_GuardedComposer,), {"bounds": bounds or input_limits()}
    )
    yaml.Composer = composer
    yaml.Constructor = _CheckedConstructor
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _at(mark)
        reason = (exc.problem or exc.context or "invalid YAML").strip()
        if "duplicate key" in reason:
            key = reason.split(" with value")[0].removeprefix("found duplicate key ")
            raise _Guard(
                (), f"duplicate key {key}: a key may appear only once", line, col
            ) from None
        raise _Guard((), f"YAML error: {reason}", line, col) from None
    except RecursionError:
        raise _Guard((), f"nesting deeper than {MAX_DEPTH} levels") from None
    except YAMLError as exc:
        raise _Guard((), f"YAML error: {exc}") from None


def parse_scalar(text: str) -> Any:
    """One command-line value as YAML 1.2 reads a scalar (``2`` int, ``true``, ``NO`` text).

    Tags are refused like in a file; a value that reads as a mapping or list, or as nothing,
    stays the text it was. Raises ``ValueError`` with the reason.
    """
    try:
        tree = (
            _parse(text, ReadLimits(limits.SCENARIO_BYTES.value(), 1000)) if text.strip() else None
        )
        value = _plain(tree, (), {}, [1000, 1000]) if tree is not None else None
    except _Guard as guard:
        raise ValueError(guard.message) from None
    return text if value is None or isinstance(value, dict | list) else value


def _position(container: Any, key: str | int) -> tuple[int, int] | None:
    """1-based position of a mapping key or sequence item, when ruamel recorded it."""
    try:
        line, col = container.lc.key(key) if isinstance(key, str) else container.lc.item(key)
    except (AttributeError, KeyError, IndexError, TypeError):
        return None
    return (line + 1, col + 1)


def _plain(node: Any, path: Path_, positions: Positions, budget: list[int]) -> Any:
    """Convert ruamel's tree to plain Python, recording positions; guards size, depth, tags.

    ``budget`` is [values left, the limit]; aliases count each time they are expanded.
    """
    budget[0] -= 1
    if budget[0] < 0:
        raise _Guard(
            path[:1],
            f"document expands to more than {budget[1]:,} values (nested aliases?)",
            *locate(positions, path[:1]),
        )
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
    if isinstance(node, bool | ScalarBoolean):
        return bool(node)  # ScalarBoolean (an anchored true/false) is an int subclass
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)  # .inf and .nan are refused by the models, at their field
    if isinstance(node, str):
        return str(node)
    if isinstance(node, dt.datetime):
        return node
    if isinstance(node, dt.date):
        return dt.date(node.year, node.month, node.day)
    return node


def _shown(value: Any) -> str:
    """A short rendering of an offending input for a message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def plain_message(error: Any) -> str:
    """Pydantic's message for one error, reworded for analysts where it is obscure."""
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "missing":
        return "required setting is missing"
    if kind == "extra_forbidden":
        return "unknown setting (check the spelling; docs/scenario_format.md lists every key)"
    if kind == "finite_number":
        return "must be a finite number (.inf and .nan are not allowed)"
    if kind in {"int_type", "int_from_float"}:
        return f"must be a whole number, got {_shown(value)}"
    if kind == "float_type":
        return f"must be a number, got {_shown(value)}"
    if kind == "bool_type":
        return f"must be true or false, got {_shown(value)}"
    if kind == "string_type":
        return f"must be text, got {_shown(value)}"
    if kind in {"tuple_type", "list_type"}:
        return f"must be a list, got {_shown(value)}"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return f"must be a mapping of settings, got {_shown(value)}"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length', 1)} entry"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == "^[A-Z]{3}$":
            return (
                f"must be a three-letter upper-case ISO 3166 code such as NOR, got {_shown(value)}"
            )
        return f"ids use only letters, digits, '_', '.' and '-' (no spaces), got {_shown(value)}"
    if kind == "union_tag_invalid":
        return (
            f"unknown distribution kind {_shown(ctx.get('tag'))}; use fixed, exponential, "
            "lognormal, triangular or uniform"
        )
    if kind == "union_tag_not_found":
        return "a distribution needs a 'kind' (fixed, exponential, lognormal, triangular, uniform)"
    message = str(error["msg"])
    return message.replace("Input should be", "must be").replace("Value error, ", "")


def _pydantic_problems(exc: ValidationError, file: str, positions: Positions) -> Iterator[Problem]:
    """One problem per pydantic error, at the position of its field.

    A "too short" error on a list is dropped when items of that list failed themselves (the
    items were thrown away, so pydantic also complains the list is empty; that confuses).
    """
    errors = exc.errors(include_url=False)
    located = [tuple(part for part in err["loc"] if not _is_union_tag(part)) for err in errors]
    for err, loc in zip(errors, located, strict=True):
        if err["type"] == "too_short" and any(
            len(other) > len(loc) and other[: len(loc)] == loc for other in located
        ):
            continue
        line, col = locate(positions, loc)
        yield Problem(file, line, col, dotted(loc), plain_message(err))


def _is_union_tag(part: str | int) -> bool:
    """Discriminated-union branch names pydantic inserts into error locations."""
    return isinstance(part, str) and (
        part in {"fixed", "exponential", "lognormal", "triangular", "uniform"}
        or part.startswith("function-")
    )


def read_mapping(file: Path, bounds: ReadLimits | None = None) -> tuple[dict[str, Any], Positions]:
    """Parse a YAML file into a plain mapping and its key positions; guard errors raise.

    ``bounds`` defaults to the input guards (``input_limits``).
    """
    name = str(file)
    bounds = bounds or input_limits()
    try:
        tree = _parse(_read_text(file, bounds), bounds)
        if tree is None:
            raise _Guard((), "empty file: a scenario is a mapping of settings")
        if not isinstance(tree, CommentedMap):
            kind = "a list" if isinstance(tree, CommentedSeq) else "a single value"
            raise _Guard((), f"a scenario is a mapping of settings, but the file holds {kind}")
        positions: Positions = {}
        mapping = _plain(tree, (), positions, [bounds.max_nodes, bounds.max_nodes])
    except _Guard as guard:
        raise ScenarioError(
            [Problem(name, guard.line, guard.col, dotted(guard.path), guard.message)]
        ) from None
    return mapping, positions


def _table_problems(
    table_problems: list[TableProblem], file: str, positions: Positions
) -> list[Problem]:
    """Reference-table problems located in the scenario file."""
    return [
        Problem(file, *locate(positions, path), dotted(path), message)
        for path, message in table_problems
    ]


def _not_yet_reported(found: Iterator[Problem], reported: list[Problem]) -> list[Problem]:
    """Schema problems not already explained by a reference-table problem at or above them.

    A nation with an unknown code is left out, so its list may then look too short: that
    consequence is not reported either.
    """
    paths = {p.path for p in reported if p.path}
    return [
        p
        for p in found
        if not any(p.path.startswith(r) for r in paths)
        and not (
            p.message.startswith("needs at least") and any(r.startswith(p.path) for r in paths)
        )
    ]


def scenario_from_mapping(
    mapping: dict[str, Any], positions: Positions, file: Path, *, strict: bool = False
) -> Scenario:
    """Merge reference tables, validate and check a parsed scenario; raise all problems.

    Reference tables and the sources document are found relative to ``file``'s folder.
    ``strict`` turns warnings into errors.
    """
    name = str(file)
    resolved, table_problems = resolve_tables(mapping, file.parent)
    known_keys, source_problems = source_keys_for(mapping, file.parent)
    problems = _table_problems(table_problems + source_problems, name, positions)
    try:
        scenario = Scenario.model_validate(resolved)
    except ValidationError as exc:
        problems.extend(_not_yet_reported(_pydantic_problems(exc, name, positions), problems))
        raise ScenarioError(problems) from None
    for finding in run_checks(scenario, known_keys):
        if finding.severity is Severity.error or strict:
            line, col = locate(positions, finding.path)
            problems.append(Problem(name, line, col, dotted(finding.path), finding.message))
    if problems:
        raise ScenarioError(problems)
    return scenario


def load_scenario(
    path: str | Path, *, strict: bool = False, bounds: ReadLimits | None = None
) -> Scenario:
    """Load, resolve and validate a scenario file; raise :class:`ScenarioError` with all problems.

    ``strict`` turns warnings (an unsourced figure, for example) into errors. ``bounds``
    replaces the input guards: ``RUN_FOLDER_LIMITS`` for the tool's own resolved scenario.
    """
    if not isinstance(path, str | Path):
        raise TypeError(f"load_scenario: path must be a str or Path, got {type(path).__name__}")
    file = Path(path)
    mapping, positions = read_mapping(file, bounds)
    return scenario_from_mapping(mapping, positions, file, strict=strict)
