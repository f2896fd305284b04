"""``logistics-sim validate`` and ``schema``: exit codes, one line per problem, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from logistics_sim.cli import app
from logistics_sim.scenario import Scenario

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "scenarios" / "tiny.yaml"
SCHEMA_FILE = REPO / "scenarios" / "scenario.schema.json"
Write = Callable[..., Path]


@pytest.fixture
def runner() -> CliRunner:
    """A Typer runner (stderr is kept apart from stdout)."""
    return CliRunner()


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one command."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_valid_file_exits_0(runner: CliRunner, write_yaml: Write, tiny_text: str) -> None:
    file = write_yaml(tiny_text)
    assert run(runner, "validate", str(file)) == (0, f"{file}: ok (tiny)\n", "")


def test_shipped_tiny_scenario_validates_strictly(runner: CliRunner) -> None:
    """Its source keys are defined in scenarios/data (sources.md keys or table row ids)."""
    code, out, _ = run(runner, "validate", "--strict", str(TINY))
    assert code == 0
    assert out == f"{TINY}: ok (tiny)\n"


GUARDS = [
    ("", "empty file: a scenario is a mapping of settings"),
    ("- a\n", "a scenario is a mapping of settings, but the file holds a list"),
    ("7\n", "a scenario is a mapping of settings, but the file holds a single value"),
    ("a: !!python/object:os.system {}\n", "explicit YAML tags are not allowed"),
    ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nesting deeper than 40 levels"),
    ("a: 1\na: 2\n", 'duplicate key "a": a key may appear only once'),
    ("".join(" " * i + "k:\n" for i in range(100)), "nesting deeper than 40 levels"),
    (
        "# pad\n" * 400_001,
        "file is 2400006 bytes; the limit is 2000000 "
        "(set LOGISTICS_SIM_MAX_SCENARIO_BYTES to raise it)",
    ),
    (
        'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        + "".join(
            f"{n}: &{n} [{','.join(['*' + p] * 9)}]\n"
            for p, n in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "document expands to more than 100,000 values (nested aliases?)",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "country: GBR, lat: 51.5",
            "country: NO, lat: 51.5",
            "must be a three-letter upper-case ISO 3166 code such as NOR, got 'NO'",
        ),
        ("horizon_days: 120", "horizon_days: 1.2e2", "must be a whole number, got 120.0"),
        ("horizon_days: 120", "horizon_days: true", "must be a whole number, got true"),
        (
            "dwell_ratio: 2",
            "dwell_ratio: .inf",
            "must be a finite number (.inf and .nan are not allowed)",
        ),
        (
            "dwell_ratio: 2",
            "dwell_ratio: .NaN",
            "must be a finite number (.inf and .nan are not allowed)",
        ),
        # issue 20: upper bounds, refused before any work
        (
            "horizon_days: 120",
            "horizon_days: 1000000000",
            "must be less than or equal to 36525",
        ),
        ("required_units: 4", "required_units: 1000000000", "must be less than or equal to 10000"),
        (
            "replications: 3,",
            "replications: 1000000000,",
            "must be less than or equal to 100000",
        ),
        ("seed: 1}", "seed: -1}", "must be greater than or equal to 0"),
        (
            "replications: 3,",
            "confidence: 0.9999999999999999, replications: 3,",
            "must be less than or equal to 0.999",
        ),
        (
            "start_date: 2027-03-01",
            "start_date: 2027-02-30",
            "is not a valid date (day is out of range for month)",
        ),
    ],
)
def test_yaml_12_values_exit_2_with_one_line(
    runner: CliRunner, write_yaml: Write, tiny_text: str, old: str, new: str, message: str
) -> None:
    assert old in tiny_text
    file = write_yaml(tiny_text.replace(old, new, 1))
    code, out, err = run(runner, "validate", str(file))
    assert (code, out) == (2, "")
    (line,) = err.splitlines()
    assert line.startswith(f"{file}:") and line.endswith(message)


@pytest.mark.parametrize(("text", "message"), GUARDS)
def test_guard_exits_2_with_one_line(
    runner: CliRunner, write_yaml: Write, text: str, message: str
) -> None:
    file = write_yaml(text)
    code, out, err = run(runner, "validate", str(file))
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{file}:")
    assert lines[0].endswith(message)
    assert "Traceback" not in err


def test_missing_file_and_directory(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    code, _, err = run(runner, "validate", str(missing), str(tmp_path))
    assert code == 2
    assert err.splitlines() == [  # sorted by file, then line
        f"{tmp_path}:1:1: (file): is a directory, not a scenario file",
        f"{missing}:1:1: (file): file not found",
    ]


def test_binary_and_non_utf8(runner: CliRunner, tmp_path: Path) -> None:
    binary, latin = tmp_path / "a.yaml", tmp_path / "b.yaml"
    binary.write_bytes(b"\x00\x01\x02")
    latin.write_bytes(b"name: \xe9\n")
    code, _, err = run(runner, "validate", str(binary), str(latin))
    assert code == 2
    assert err.splitlines() == [
        f"{binary}:1:1: (file): binary file (contains NUL bytes), not YAML",
        f"{latin}:1:1: (file): not UTF-8 text (invalid byte at offset 6); save the file as UTF-8",
    ]


def test_problems_of_all_files_are_reported(
    runner: CliRunner, write_yaml: Write, tiny_text: str
) -> None:
    good = write_yaml(tiny_text, "good.yaml")
    bad = write_yaml(tiny_text.replace("horizon_days: 120", "horizon_days: true"), "bad.yaml")
    worse = write_yaml(tiny_text.replace("dwell_ratio: 2", "dwell_ratio: .inf"), "worse.yaml")
    code, out, err = run(runner, "validate", str(good), str(bad), str(worse))
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        f"{bad}:6:1: horizon_days: must be a whole number, got true",
        f"{worse}:42:3: rotation.dwell_ratio: must be a finite number (.inf and .nan are not "
        "allowed)",
    ]


def test_strict_turns_warnings_into_exit_2(
    runner: CliRunner, write_yaml: Write, tiny_text: str
) -> None:
    text = tiny_text.replace("  assumption: short tours so a 120-day run sees rotations\n", "")
    file = write_yaml(text)
    assert run(runner, "validate", str(file))[0] == 0
    code, out, err = run(runner, "validate", "--strict", str(file))
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        f"{file}:40:1: rotation: no source or assumption for dwell_ratio, max_extension_days, "
        "overlap_days, tour_days: give a source key from the sources document or an "
        "assumption saying why"
    ]


def test_strict_checks_source_keys_next_to_the_scenario(
    runner: CliRunner, write_yaml: Write, tiny_text: str, tmp_path: Path
) -> None:
    """A data/sources.md beside the scenario is its sources document by default."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sources.md").write_text(
        "".join(
            f"- **{key}** — defined\n"
            for key in ["INF_BATTALION", "RZESZOW_RWY", "EGTRE_PLUA", "RAIL_TRAIN_DB", "ATP4-90"]
        ),
        encoding="utf-8",
    )
    file = write_yaml(tiny_text.replace("- {code: FRA, home_node: HOME_FRA, tour_days: 120}\n", ""))
    code, _, err = run(runner, "validate", "--strict", str(file))
    assert code == 2
    lines = err.splitlines()
    assert (
        f"{file}:79:74: reinforcement.tiers[0].source: source key(s) NFM_TIER1 not defined in "
        "the sources document or the data tables"
    ) in lines


def test_bad_input_has_no_traceback_even_with_debug(runner: CliRunner, tmp_path: Path) -> None:
    """--debug shows tracebacks of internal failures; bad input is still one line, exit 2."""
    code, _, err = run(runner, "--debug", "validate", str(tmp_path / "x.yaml"))
    assert (code, err) == (2, f"{tmp_path / 'x.yaml'}:1:1: (file): file not found\n")


def test_console_script_exit_code_and_no_traceback(write_yaml: Write) -> None:
    """The real process, as an analyst runs it: exit 2 and one line on stderr."""
    file = write_yaml("- not a mapping\n")
    script = Path(sys.executable).parent / "logistics-sim"
    proc = subprocess.run(
        [str(script), "validate", str(file)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == (
        f"{file}:1:1: (file): a scenario is a mapping of settings, but the file holds a list\n"
    )


def test_schema_command_prints_the_scenario_schema(runner: CliRunner) -> None:
    code, out, _ = run(runner, "schema")
    assert code == 0
    assert json.loads(out) == Scenario.model_json_schema()


def test_committed_schema_is_not_stale() -> None:
    """scenarios/scenario.schema.json must match the models; regenerate with `make schema`."""
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == Scenario.model_json_schema(), "stale schema: run `make schema`"
