"""The guarded YAML 1.2 loader: each guard trips with its exact message, YAML 1.2 semantics hold,
and all problems of a file come back together, sorted by line."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from logistics_sim.errors import ScenarioError
from logistics_sim.loading import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    dotted,
    load_scenario,
    locate,
    read_mapping,
)

Write = Callable[..., Path]

# 9 levels of 9 aliases: 9**9 (387 million) scalars once expanded, in a few hundred bytes.
ALIAS_BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{n}: &{n} [{','.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


def problems_of(file: Path, *, strict: bool = False) -> list[str]:
    """The problems the loader reports for a file, as printed."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(file, strict=strict)
    return [str(p) for p in info.value.problems]


# --- guards ---------------------------------------------------------------------------------


def test_alias_bomb_is_refused_quickly(write_yaml: Write) -> None:
    file = write_yaml(ALIAS_BOMB)
    assert len(ALIAS_BOMB) < 400
    started = time.monotonic()
    assert problems_of(file) == [
        f"{file}:6:1: f: document expands to more than 100,000 values (nested aliases?)"
    ]
    assert time.monotonic() - started < 5  # generous: the guard, not the machine, is tested


def test_deep_flow_nesting(write_yaml: Write) -> None:
    file = write_yaml("a: " + "[" * 20000 + "]" * 20000 + "\n")
    assert problems_of(file) == [f"{file}:1:44: a: nesting deeper than {MAX_DEPTH} levels"]


def test_deep_block_mapping_nesting(write_yaml: Write) -> None:
    file = write_yaml("".join(" " * i + "k:\n" for i in range(500)))
    assert problems_of(file) == [f"{file}:41:41: k: nesting deeper than 40 levels"]


def test_deep_block_sequence_nesting_on_one_line(write_yaml: Write) -> None:
    file = write_yaml("a:\n  - " + "- " * 60 + "x\n")
    assert problems_of(file) == [f"{file}:2:83: a: nesting deeper than 40 levels"]


def test_nesting_at_the_limit_is_not_a_guard_error(write_yaml: Write) -> None:
    file = write_yaml("".join(" " * i + "k:\n" for i in range(MAX_DEPTH - 1)) + " " * 39 + "v\n")
    messages = problems_of(file)
    assert messages  # a scenario missing its settings, but no guard tripped
    assert not any("nesting deeper" in m for m in messages)


def test_file_over_the_size_cap(write_yaml: Write) -> None:
    file = write_yaml("# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    size = file.stat().st_size
    assert problems_of(file) == [
        f"{file}:1:1: (file): file is {size} bytes; the limit is {MAX_FILE_BYTES} "
        "(set LOGISTICS_SIM_MAX_SCENARIO_BYTES to raise it)"
    ]


def test_binary_file(tmp_path: Path) -> None:
    file = tmp_path / "image.yaml"
    file.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert problems_of(file) == [f"{file}:1:1: (file): binary file (contains NUL bytes), not YAML"]


def test_non_utf8_file(tmp_path: Path) -> None:
    file = tmp_path / "latin1.yaml"
    file.write_bytes("name: Besançon\n".encode("latin-1"))
    assert problems_of(file) == [
        f"{file}:1:1: (file): not UTF-8 text (invalid byte at offset 11); save the file as UTF-8"
    ]


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n", "---\n"])
def test_empty_file(write_yaml: Write, text: str) -> None:
    file = write_yaml(text)
    assert problems_of(file) == [
        f"{file}:1:1: (file): empty file: a scenario is a mapping of settings"
    ]


@pytest.mark.parametrize(
    ("text", "kind"),
    [("- a\n- b\n", "a list"), ("42\n", "a single value"), ("hello\n", "a single value")],
)
def test_not_a_mapping(write_yaml: Write, text: str, kind: str) -> None:
    file = write_yaml(text)
    assert problems_of(file) == [
        f"{file}:1:1: (file): a scenario is a mapping of settings, but the file holds {kind}"
    ]


def test_missing_file(tmp_path: Path) -> None:
    file = tmp_path / "nope.yaml"
    assert problems_of(file) == [f"{file}:1:1: (file): file not found"]


def test_directory(tmp_path: Path) -> None:
    assert problems_of(tmp_path) == [f"{tmp_path}:1:1: (file): is a directory, not a scenario file"]


def test_duplicate_key_reports_the_duplicate(write_yaml: Write) -> None:
    file = write_yaml(
        "name: a\nforce:\n  target_deployed_pax: 1\n  sectors: []\n  target_deployed_pax: 2\n"
    )
    assert problems_of(file) == [
        f'{file}:5:3: (file): duplicate key "target_deployed_pax": a key may appear only once'
    ]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("name: !!python/object:os.system {}\n", "1:7: name"),
        ("a:\n  b: !!python/name:os.system\n", "2:6: a.b"),
        ("a: !custom [1, 2]\n", "1:4: a"),
        ("a: !!str 5\n", "1:4: a"),
        ("a: !!binary aGVsbG8=\n", "1:4: a"),
        ("a: !!set {x, y}\n", "1:4: a"),
        ("a: !!omap [{x: 1}, {y: 2}]\n", "1:4: a"),
        ("a: ! 5\n", "1:4: a"),
    ],
)
def test_explicit_tags_are_refused(write_yaml: Write, text: str, where: str) -> None:
    file = write_yaml(text)
    assert problems_of(file) == [f"{file}:{where}: explicit YAML tags are not allowed"]


def test_invalid_yaml_has_a_position(write_yaml: Write) -> None:
    file = write_yaml("name: tiny\nforce: [unclosed\n")
    (message,) = problems_of(file)
    assert message.startswith(f"{file}:3:1: (file): YAML error: ")


# --- YAML 1.2 semantics ---------------------------------------------------------------------


def test_yaml_12_scalars(write_yaml: Write) -> None:
    mapping, _ = read_mapping(
        write_yaml("code: NO\nswitch: on\nyes_no: yes\nthousand: 1e3\nflag: &f true\ncopy: *f\n")
    )
    assert mapping == {
        "code": "NO",
        "switch": "on",
        "yes_no": "yes",
        "thousand": 1000.0,
        "flag": True,
        "copy": True,
    }
    assert type(mapping["thousand"]) is float
    assert type(mapping["flag"]) is bool and type(mapping["copy"]) is bool


def test_positions_are_recorded(write_yaml: Write) -> None:
    _, positions = read_mapping(write_yaml("a:\n  b:\n    - x\n    - {c: 1}\n"))
    assert positions[("a",)] == (1, 1)
    assert positions[("a", "b")] == (2, 3)
    assert positions[("a", "b", 1)] == (4, 7)
    assert positions[("a", "b", 1, "c")] == (4, 8)
    assert locate(positions, ("a", "b", 1, "missing", 3)) == (4, 7)
    assert locate(positions, ("zzz",)) == (1, 1)
    assert dotted(("a", "b", 1, "c")) == "a.b[1].c"


# --- numbers in a scenario ------------------------------------------------------------------


def edited(tiny_text: str, old: str, new: str) -> str:
    """tiny.yaml with one exact line fragment replaced (fails loudly if it is not there)."""
    assert old in tiny_text, old
    return tiny_text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "horizon_days: 120",
            "horizon_days: true",
            "6:1: horizon_days: must be a whole number, got true",
        ),
        (
            "horizon_days: 120",
            "horizon_days: 1e3",
            "6:1: horizon_days: must be a whole number, got 1000.0",
        ),
        (
            "tour_days: 60",
            "tour_days: .inf",
            "41:3: rotation.tour_days: must be a finite number (.inf and .nan are not allowed)",
        ),
        (
            "tour_days: 60",
            "tour_days: .nan",
            "41:3: rotation.tour_days: must be a finite number (.inf and .nan are not allowed)",
        ),
        (
            "dwell_ratio: 2",
            "dwell_ratio: false",
            "42:3: rotation.dwell_ratio: must be a number, got false",
        ),
        (
            "dwell_ratio: 2",
            'dwell_ratio: "2"',
            "42:3: rotation.dwell_ratio: must be a number, got '2'",
        ),
        (
            "max_extension_days: 10",
            "max_extension_days: 10\n  extension_days: 3",
            "45:3: rotation.extension_days: unknown setting (check the spelling; "
            "docs/scenario_format.md lists every key)",
        ),
        ("  overlap_days: 5\n", "", None),
    ],
)
def test_strict_numbers(
    write_yaml: Write, tiny_text: str, old: str, new: str, expected: str | None
) -> None:
    file = write_yaml(edited(tiny_text, old, new))
    if expected is None:
        assert load_scenario(file).rotation.overlap_days == 0.0
    else:
        assert problems_of(file) == [f"{file}:{expected}"]


def test_one_e_three_is_a_float_where_a_float_is_wanted(write_yaml: Write, tiny_text: str) -> None:
    text = edited(
        tiny_text, "distance_km: 1700, speed_kph: 700", "distance_km: 1.7e3, speed_kph: 7e2"
    )
    assert load_scenario(write_yaml(text)).network.links[0].distance_km == 1700.0


def test_norway_code_stays_text(write_yaml: Write, tiny_text: str) -> None:
    """YAML 1.1 would read NO as false; YAML 1.2 keeps the text, so the message quotes it."""
    file = write_yaml(edited(tiny_text, "country: GBR, lat: 51.5", "country: NO, lat: 51.5"))
    assert problems_of(file) == [
        f"{file}:50:54: network.nodes[0].country: must be a three-letter upper-case ISO 3166 "
        "code such as NOR, got 'NO'"
    ]


def test_all_problems_together_sorted_by_line(write_yaml: Write, tiny_text: str) -> None:
    text = tiny_text
    for old, new in [
        ("reorder_point_days: 5", "reorder_point_days: 50"),  # cross-field check, line 73
        ("horizon_days: 120", "horizon_days: -1"),  # schema, line 5
        ("{code: FRA, home_node: HOME_FRA", "{code: FRA, home_node: NOWHERE"),  # check, line 37
        ("troops_pax: 1600, forward_depot: DEPOT_E", "troops_pax: many, forward_depot: DEPOT_E"),
    ]:
        text = edited(text, old, new)
    file = write_yaml(text)
    messages = problems_of(file)
    assert messages == [
        f"{file}:6:1: horizon_days: must be greater than 0",
        f"{file}:18:30: force.sectors[1].troops_pax: must be a whole number, got 'many'",
    ]  # schema errors stop before the cross-field checks, which need a valid model


def test_cross_field_problems_together_sorted_by_line(write_yaml: Write, tiny_text: str) -> None:
    text = tiny_text
    for old, new in [
        ("reorder_point_days: 5", "reorder_point_days: 50"),
        ("{code: FRA, home_node: HOME_FRA", "{code: FRA, home_node: NOWHERE"),
        ("troops_pax: 1600, forward_depot: DEPOT_E", "troops_pax: 1000, forward_depot: DEPOT_E"),
    ]:
        text = edited(text, old, new)
    file = write_yaml(text)
    assert problems_of(file) == [
        f"{file}:16:3: force.sectors: sector troops add up to 2,600 pax, not the target 3,200 pax",
        f"{file}:38:17: nations[1].home_node: FRA: home node 'NOWHERE' is not a node",
        f"{file}:73:46: sustainment.stock_policy.reorder_point_days: reorder point of 50 days of "
        "supply must be below the order-up-to level of 10 days",
    ]


def test_empty_list_message_is_not_repeated_when_items_failed(
    write_yaml: Write, tiny_text: str
) -> None:
    start = tiny_text.index("  sectors:\n")
    end = tiny_text.index("  capabilities:\n")
    text = tiny_text[:start] + "  sectors:\n    - {id: 3}\n" + tiny_text[end:]
    messages = problems_of(write_yaml(text))
    assert not any("at least" in m or "Tuple" in m for m in messages)
    assert any(m.endswith("force.sectors[0].name: required setting is missing") for m in messages)


def test_empty_list_is_reported_when_nothing_else_is(write_yaml: Write, tiny_text: str) -> None:
    start = tiny_text.index("  sectors:\n")
    end = tiny_text.index("  capabilities:\n")
    file = write_yaml(tiny_text[:start] + "  sectors: []\n" + tiny_text[end:])
    assert problems_of(file) == [f"{file}:16:3: force.sectors: needs at least 1 entry"]


def test_strict_turns_warnings_into_errors(write_yaml: Write, tiny_text: str) -> None:
    text = edited(tiny_text, "  assumption: short tours so a 120-day run sees rotations\n", "")
    file = write_yaml(text)
    assert load_scenario(file).rotation.tour_days == 60
    (message,) = problems_of(file, strict=True)
    assert message.startswith(f"{file}:40:1: rotation: no source or assumption for dwell_ratio")


def test_mixed_block_and_flow_nesting(write_yaml: Write) -> None:
    """30 block levels holding 30 flow levels: the composer counts both kinds as one depth."""
    text = "".join(" " * i + f"k{i}:\n" for i in range(30)) + " " * 30 + "[" * 30 + "]" * 30 + "\n"
    (message,) = problems_of(write_yaml(text))
    assert message.endswith(f"nesting deeper than {MAX_DEPTH} levels")
    assert ": k0: " in message


# --- issue 20: guards that refused valid files or let bad ones through ----------------------


def test_brackets_in_quoted_text_comments_and_block_scalars_are_not_nesting(
    write_yaml: Write, tiny_text: str
) -> None:
    """The nesting guard counts what the parser nests, not every bracket in the file."""
    text = tiny_text.replace(
        "description: Tiny two-nation test scenario (not an analysis).\n",
        f"description: '{'[' * 41}'\n# {'{' * 41}\n",
        1,
    ).replace(
        "assumption: test fixture; sizes chosen to run in well under a second\n",
        f"assumption: |\n  {'[' * 45}\n  {'{' * 45}\n",
        1,
    )
    file = write_yaml(text)
    scenario = load_scenario(file)
    assert scenario.description == "[" * 41 and scenario.assumption == f"{'[' * 45}\n{'{' * 45}\n"


def test_impossible_date_is_a_located_problem(write_yaml: Write, tiny_text: str) -> None:
    file = write_yaml(edited(tiny_text, "start_date: 2027-03-01", "start_date: 2027-02-30"))
    (message,) = problems_of(file)
    line = tiny_text.splitlines().index("start_date: 2027-03-01") + 1
    assert message.startswith(f"{file}:{line}:13: (file): YAML error: '2027-02-30' is not a valid")


def test_huge_flat_list_is_refused_by_count_not_as_aliases(write_yaml: Write) -> None:
    file = write_yaml("flows: [" + ",".join(["1"] * 150_000) + "]\n")
    (message,) = problems_of(file)
    assert message.endswith(
        "flows: document has more than 100,000 values "
        "(set LOGISTICS_SIM_MAX_SCENARIO_VALUES to raise the limit)"
    )


def test_value_limit_is_raised_by_its_environment_variable(
    write_yaml: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGISTICS_SIM_MAX_SCENARIO_VALUES", "10")
    file = write_yaml("a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n")
    assert "more than 10 values" in problems_of(file)[0]
    monkeypatch.setenv("LOGISTICS_SIM_MAX_SCENARIO_VALUES", "100")
    assert "more than" not in " ".join(problems_of(file))


def test_run_folder_limits_read_a_resolved_scenario_above_the_input_limit(
    write_yaml: Write, tiny_text: str
) -> None:
    """The report re-reads the tool's own scenario.resolved.yaml, larger than its input."""
    from logistics_sim.loading import RUN_FOLDER_LIMITS

    padding = "".join(f"# {'x' * 97}\n" for _ in range(MAX_FILE_BYTES // 100 + 10))
    file = write_yaml(tiny_text + padding)
    assert file.stat().st_size > MAX_FILE_BYTES
    assert "limit is" in problems_of(file)[0]
    assert load_scenario(file, bounds=RUN_FOLDER_LIMITS).name == "tiny"


@pytest.mark.parametrize("text", ["!!python/object:os.system x", "!!binary aGk=", "!!str 5"])
def test_command_line_value_with_a_tag_is_refused(text: str) -> None:
    from logistics_sim.loading import parse_scalar

    with pytest.raises(ValueError, match="explicit YAML tags are not allowed"):
        parse_scalar(text)


def test_command_line_scalars_read_as_yaml_12() -> None:
    from logistics_sim.loading import parse_scalar

    assert [parse_scalar(t) for t in ("2", "2.5", "true", "NO", "{a: 1}")] == [
        2,
        2.5,
        True,
        "NO",
        "{a: 1}",
    ]


def test_load_scenario_names_a_wrong_argument_type() -> None:
    with pytest.raises(TypeError, match="path must be a str or Path, got int"):
        load_scenario(3)  # type: ignore[arg-type]
