"""Reference tables merged into a scenario: bare codes, inline overrides, located errors."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from logistics_sim.data import (
    USD_PER_BN,
    nation_from_row,
    read_source_keys,
    read_table,
    resolve_tables,
    source_keys_for,
)
from logistics_sim.errors import ScenarioError
from logistics_sim.loading import load_scenario

DATA = Path(__file__).resolve().parents[2] / "scenarios" / "data"
Write = Callable[..., Path]


def nations_row(code: str) -> dict[str, str]:
    """The nations.csv row of a nation."""
    return read_table(DATA / "nations.csv", "iso3")[code]


def test_bare_code_takes_every_field_from_the_table(tiny_mapping: dict[str, Any]) -> None:
    tiny_mapping["nations"] = ["NOR", {"code": "FRA"}]
    resolved, problems = resolve_tables(tiny_mapping, DATA.parent)
    assert problems == []
    norway = resolved["nations"][0]
    row = nations_row("NOR")
    assert norway["code"] == "NOR"
    assert norway["name"] == row["name"] == "Norway"
    assert norway["population"] == round(float(row["population"]))
    assert norway["gdp_usd"] == float(row["gdp_usd"])
    assert norway["land_forces_pax"] == round(float(row["army_personnel"]))
    assert norway["willingness"] == row["willingness_flag"]
    assert norway["source"] == row["source"]


def test_inline_values_override_the_table(tiny_mapping: dict[str, Any]) -> None:
    tiny_mapping["nations"] = [{"code": "GBR", "land_forces_pax": 12345, "willingness": "hesitant"}]
    resolved, _ = resolve_tables(tiny_mapping, DATA.parent)
    gbr = resolved["nations"][0]
    assert gbr["land_forces_pax"] == 12345
    assert gbr["willingness"] == "hesitant"
    assert gbr["population"] == round(float(nations_row("GBR")["population"]))


def test_resolving_does_not_change_the_input(tiny_mapping: dict[str, Any]) -> None:
    before = repr(tiny_mapping)
    resolve_tables(tiny_mapping, DATA.parent)
    assert repr(tiny_mapping) == before


def test_defence_spending_from_usd_or_from_share_of_gdp() -> None:
    row = {"gdp_usd": "1000", "def_usd_bn_2024_approx": "", "def_pct_gdp_2025": "2.5"}
    assert nation_from_row(row)["defence_spending_usd"] == pytest.approx(25.0)
    row["def_usd_bn_2024_approx"] = "3"
    assert nation_from_row(row)["defence_spending_usd"] == 3 * USD_PER_BN


def test_kg_per_pax_day_is_the_sum_of_the_named_factors(tiny_mapping: dict[str, Any]) -> None:
    factors = read_table(DATA / "planning_factors.csv", "factor_id")
    resolved, problems = resolve_tables(tiny_mapping, DATA.parent)
    assert problems == []
    fuel = resolved["sustainment"]["supply_classes"][1]
    expected_low = float(factors["CL3B_IRAQ2004_GROUND"]["value_kg_per_person_day"]) + float(
        factors["CL3P"]["value_kg_per_person_day"]
    )
    assert fuel["kg_per_pax_day"]["low"] == pytest.approx(expected_low)
    assert set(fuel["source"].split(";")) >= set(factors["CL3P"]["source"].split(";"))


def test_inline_kg_wins_over_factor_ids(tiny_mapping: dict[str, Any]) -> None:
    cls = tiny_mapping["sustainment"]["supply_classes"][0]
    cls["kg_per_pax_day"] = {"low": 9.0}
    resolved, _ = resolve_tables(tiny_mapping, DATA.parent)
    assert resolved["sustainment"]["supply_classes"][0]["kg_per_pax_day"] == {"low": 9.0}


def test_unknown_nation_code_points_at_its_line(write_yaml: Write, tiny_text: str) -> None:
    file = write_yaml(tiny_text.replace("{code: FRA,", "{code: XYZ,"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(file)
    assert [str(p) for p in info.value.problems] == [
        f"{file}:38:6: nations[1].code: unknown nation code 'XYZ' (not in nations.csv)"
    ]


def test_unknown_bare_code_points_at_its_item(write_yaml: Write, tiny_text: str) -> None:
    text = tiny_text.replace("  - {code: FRA, home_node: HOME_FRA, tour_days: 120}", "  - ATLANTIS")
    file = write_yaml(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(file)
    assert [str(p) for p in info.value.problems] == [
        f"{file}:38:5: nations[1].code: unknown nation code 'ATLANTIS' (not in nations.csv)"
    ]


def test_only_unknown_nations_do_not_also_say_the_list_is_empty(
    write_yaml: Write, tiny_text: str
) -> None:
    text = tiny_text.replace("{code: GBR,", "{code: AAA,").replace("{code: FRA,", "{code: BBB,")
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_yaml(text))
    assert [p.message for p in info.value.problems] == [
        "unknown nation code 'AAA' (not in nations.csv)",
        "unknown nation code 'BBB' (not in nations.csv)",
    ]


def test_bare_code_without_a_nations_table(write_yaml: Write, tiny_text: str) -> None:
    text = tiny_text.replace("  - {code: GBR, home_node: HOME_GBR}", "  - GBR")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("  nations:"))
    file = write_yaml(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(file)
    first = str(info.value.problems[0])
    assert first == (
        f"{file}:36:5: nations[0]: nation 'GBR' is given by its code only, but the scenario "
        "names no nations table (data.nations)"
    )


def test_unknown_factor_id_points_at_its_item(write_yaml: Write, tiny_text: str) -> None:
    file = write_yaml(tiny_text.replace("[CL5_LOW]", "[CL5_LOW, CL5_MADE_UP]"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(file)
    assert [str(p) for p in info.value.problems] == [
        f"{file}:72:61: sustainment.supply_classes[2].factor_ids.low[1]: unknown planning "
        "factor 'CL5_MADE_UP' (not in the table)"
    ]


def test_missing_table_points_at_data(write_yaml: Write, tiny_text: str, tmp_path: Path) -> None:
    text = tiny_text.replace(f"nations: {DATA}/nations.csv", "nations: nowhere.csv")
    file = write_yaml(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(file)
    assert str(info.value.problems[0]) == (
        f"{file}:9:3: data.nations: table not found: {tmp_path / 'nowhere.csv'}"
    )


def test_bad_number_in_a_table_is_a_problem_not_a_crash(
    tmp_path: Path, tiny_mapping: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGISTICS_SIM_DATA_DIRS", str(tmp_path))
    table = _nations_copy(tmp_path, lambda row: row.update(population="about 68 million"))
    tiny_mapping["data"]["nations"] = str(table)
    _, problems = resolve_tables(tiny_mapping, DATA.parent)
    assert problems[0][0] == ("nations", 0, "code")
    assert problems[0][1].startswith("nations.csv row 'GBR' has a bad number")


def test_source_keys_are_read_from_bold_list_items(tmp_path: Path) -> None:
    doc = tmp_path / "sources.md"
    doc.write_text(
        "# Sources\n- **WB_GDP** — World Bank.\n* **ATP4-90** — US Army.\n"
        "Some **BOLD** text in a paragraph.\n- **Not a key** with spaces\n  - **NESTED_1** — x\n",
        encoding="utf-8",
    )
    assert read_source_keys(doc) == frozenset({"WB_GDP", "ATP4-90", "NESTED_1"})


def test_shipped_sources_document_defines_the_table_keys() -> None:
    keys = read_source_keys(DATA / "sources.md")
    assert {"WB_GDP", "ATP4-90", "DERIVED", "RZESZOW_RWY"} <= keys


def test_sources_document_default_and_named(tmp_path: Path) -> None:
    assert source_keys_for({}, tmp_path) == (None, [])
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sources.md").write_text("- **A** — a\n", encoding="utf-8")
    assert source_keys_for({}, tmp_path) == (frozenset({"A"}), [])
    keys, problems = source_keys_for({"data": {"sources": "gone.md"}}, tmp_path)
    assert keys is None
    assert problems == [
        (("data", "sources"), f"sources document not found: {tmp_path / 'gone.md'}")
    ]


@pytest.mark.parametrize(
    ("table", "name", "message"),
    [
        ("nations", "", "is a directory, not a CSV file"),
        ("nations", "data", "is a directory, not a CSV file"),
        ("nations", "data/planning_factors.csv", "has no 'iso3' column"),
        ("planning_factors", "data/nations.csv", "has no 'factor_id' column"),
    ],
)
def test_unusable_table_is_a_problem(
    tiny_mapping: dict[str, Any], table: str, name: str, message: str
) -> None:
    tiny_mapping["data"][table] = name
    _, problems = resolve_tables(tiny_mapping, DATA.parent)
    assert problems[0][0] == ("data", table)
    assert problems[0][1].endswith(message)


def test_sources_may_cite_table_rows() -> None:
    """A scenario's ``source`` may name a row of a data table (factor_id, loc_id, iso3)."""
    keys, problems = source_keys_for({"data": {"nations": "data/nations.csv"}}, DATA.parent)
    assert problems == []
    assert keys is not None
    assert {"NFM_TIER1", "INF_BATTALION", "RAIL_TRAIN_DB", "CL1_UMU", "RZE", "NOR"} <= keys
    assert "WB_GDP" in keys


def test_named_cited_table_that_is_missing_is_a_problem() -> None:
    keys, problems = source_keys_for({"data": {"force_factors": "data/gone.csv"}}, DATA.parent)
    assert keys is not None and "WB_GDP" in keys
    assert problems[0][0] == ("data", "force_factors")


# --- issue 20: tables are bounded inputs ----------------------------------------------------


def _nations_copy(tmp_path: Path, edit: Callable[[dict[str, str]], None] | None = None) -> Path:
    """nations.csv copied into ``tmp_path`` with ``edit`` applied to the GBR row."""
    table = tmp_path / "nations.csv"
    with (DATA / "nations.csv").open(encoding="utf-8") as src, table.open("w", newline="") as out:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for row in reader:
            if row["iso3"] == "GBR" and edit is not None:
                edit(row)
            writer.writerow(row)
    return table


@pytest.mark.parametrize("cell", ["inf", "-inf", "nan", "9" * 400, "1e400"])
def test_non_finite_or_huge_number_in_nations_csv_is_a_problem(
    tmp_path: Path, tiny_mapping: Any, cell: str
) -> None:
    table = _nations_copy(tmp_path, lambda row: row.update(population=cell))
    tiny_mapping["data"]["nations"] = str(table)
    _, problems = resolve_tables(tiny_mapping, tmp_path)
    assert problems[0][0] == ("nations", 0, "code")
    assert "is not a finite number within ±1e+15" in problems[0][1]


def test_duplicate_nation_code_in_nations_csv_is_refused(tmp_path: Path, tiny_mapping: Any) -> None:
    table = _nations_copy(tmp_path)
    lines = table.read_text(encoding="utf-8").splitlines()
    gbr = next(line for line in lines if line.startswith("GBR,"))
    table.write_text("\n".join([*lines, gbr.replace("United Kingdom", "Elsewhere")]) + "\n")
    tiny_mapping["data"]["nations"] = str(table)
    _, problems = resolve_tables(tiny_mapping, tmp_path)
    first = lines.index(gbr) + 1
    assert problems[0] == (
        ("data", "nations"),
        f"table refused: {table}: iso3 'GBR' is on line {first} and again on line "
        f"{len(lines) + 1}; each row needs its own key",
    )


def test_data_path_outside_the_scenario_folder_is_refused(
    tmp_path: Path, tiny_mapping: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOGISTICS_SIM_DATA_DIRS")
    monkeypatch.chdir(tmp_path)
    tiny_mapping["data"]["nations"] = "/etc/passwd"
    _, problems = resolve_tables(tiny_mapping, tmp_path)
    assert problems[0][0] == ("data", "nations")
    assert problems[0][1] == (
        f"table refused: /etc/passwd is outside the scenario's folder ({tmp_path.resolve()}) "
        "and the working directory; move the table beside the scenario or add its folder to "
        "LOGISTICS_SIM_DATA_DIRS"
    )
    tiny_mapping["data"]["nations"] = "../../../../../../../../proc/self/environ"
    _, problems = resolve_tables(tiny_mapping, tmp_path)
    assert "is outside the scenario's folder" in problems[0][1]


def test_data_path_with_a_nul_is_a_problem_not_a_crash(tiny_mapping: Any) -> None:
    # found by the scenario-mutation property test: the file system raised ValueError (exit 1)
    tiny_mapping["data"]["nations"] = "data/na\x00tions.csv"
    _, problems = resolve_tables(tiny_mapping, DATA.parent)
    assert problems[0][0] == ("data", "nations")
    assert "contains a control character" in problems[0][1]


def test_symlink_out_of_the_scenario_folder_is_refused(
    tmp_path: Path, tiny_mapping: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOGISTICS_SIM_DATA_DIRS")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sneaky.csv").symlink_to(DATA / "nations.csv")
    tiny_mapping["data"]["nations"] = "sneaky.csv"
    _, problems = resolve_tables(tiny_mapping, tmp_path)
    assert "is outside the scenario's folder" in problems[0][1]
    monkeypatch.setenv("LOGISTICS_SIM_DATA_DIRS", str(DATA))
    assert resolve_tables(tiny_mapping, tmp_path)[1][0][0] == ("data", "planning_factors")


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "/dev/stdin"])
def test_fifo_and_devices_are_refused_without_reading(
    tmp_path: Path, tiny_mapping: Any, monkeypatch: pytest.MonkeyPatch, special: str
) -> None:
    if special == "fifo":
        os.mkfifo(tmp_path / "fifo")
        name = "fifo"
    else:
        (tmp_path / "dev").symlink_to(special)
        name = "dev"
        monkeypatch.setenv("LOGISTICS_SIM_DATA_DIRS", "/dev:/proc")
    tiny_mapping["data"]["nations"] = name
    _, problems = resolve_tables(tiny_mapping, tmp_path)
    assert problems[0][0] == ("data", "nations")
    assert "is not a regular file (a FIFO, device or socket)" in problems[0][1] or (
        "outside the scenario's folder" in problems[0][1]
    )


def test_oversized_table_is_refused(
    tmp_path: Path, tiny_mapping: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = _nations_copy(tmp_path)
    monkeypatch.setenv("LOGISTICS_SIM_MAX_TABLE_BYTES", "1000")
    tiny_mapping["data"]["nations"] = str(table)
    _, problems = resolve_tables(tiny_mapping, tmp_path)
    size = table.stat().st_size
    assert problems[0][1] == (
        f"table refused: {table}: the file's size in bytes is {size:,}, above the limit of "
        "1,000; set LOGISTICS_SIM_MAX_TABLE_BYTES to raise it"
    )


def test_sources_document_outside_the_scenario_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOGISTICS_SIM_DATA_DIRS")
    monkeypatch.chdir(tmp_path)
    keys, problems = source_keys_for({"data": {"sources": "/etc/hostname"}}, tmp_path)
    assert keys is None
    assert "is outside the scenario's folder" in problems[0][1]
