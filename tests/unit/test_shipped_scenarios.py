"""The shipped scenarios: they validate, the baseline adds up, and each variant differs from the
baseline in exactly what its name says.

Figures checked here come from the reference tables (scenarios/data/*.csv), never from a run.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from logistics_sim import load_scenario
from logistics_sim.scenario import NodeKind, Scenario
from logistics_sim.validation import sector_daily_demand_t

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
DATA = SCENARIOS / "data"
BASELINE = SCENARIOS / "ukraine_reassurance_150k.yaml"
VARIANTS = ("all_europe", "no_us_enablers", "winter_interdiction", "force_60k")
#: Presets a reader recognises (issue 15), each with the scenario it is derived from.
PRESETS = {
    "brigade_10k": "ukraine_reassurance_150k",
    "division_25k": "ukraine_reassurance_150k",
    "corps_75k": "all_europe",
    "mnf_ukraine_20k": "ukraine_reassurance_150k",
}
SHIPPED = (BASELINE, *(SCENARIOS / f"{v}.yaml" for v in (*VARIANTS, *PRESETS)))
KG_PER_T = 1000.0


def _table(name: str, key: str) -> dict[str, dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return {row[key]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario(BASELINE, strict=True)


@pytest.fixture(scope="module")
def factors() -> dict[str, dict[str, str]]:
    return _table("planning_factors.csv", "factor_id")


@pytest.fixture(scope="module")
def nations_table() -> dict[str, dict[str, str]]:
    return _table("nations.csv", "iso3")


# ---------------------------------------------------------------------------------------------
# Every shipped scenario validates.
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenario_validates_strictly(path: Path) -> None:
    scenario = load_scenario(path, strict=True)
    assert scenario.name == path.stem


def test_validate_strict_all_scenarios_exits_0() -> None:
    """`logistics-sim validate --strict scenarios/*.yaml` exits 0 (every figure has provenance)."""
    exe = Path(sys.executable).parent / "logistics-sim"
    if not exe.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    helped = subprocess.run([str(exe), "validate", "--help"], capture_output=True, text=True)
    if "--strict" not in helped.stdout:
        pytest.skip("`logistics-sim validate` has no --strict option yet")
    files = sorted(str(p) for p in SCENARIOS.glob("*.yaml"))
    done = subprocess.run(
        [str(exe), "validate", "--strict", *files], capture_output=True, text=True, cwd=REPO
    )
    assert done.returncode == 0, done.stdout + done.stderr


# ---------------------------------------------------------------------------------------------
# Baseline sums.
# ---------------------------------------------------------------------------------------------


def test_baseline_sector_troops_sum_to_150k(baseline: Scenario) -> None:
    assert baseline.force.target_deployed_pax == 150_000
    assert sum(s.troops_pax for s in baseline.force.sectors) == 150_000


def test_baseline_capability_mix_is_150k(baseline: Scenario) -> None:
    caps = baseline.force.capabilities
    pax = sum(c.personnel_per_unit_pax * c.required_units for c in caps)
    assert pax == pytest.approx(150_000, rel=0.01)
    assert 150 <= sum(c.required_units for c in caps) <= 260  # battalion granularity


def test_baseline_capability_catalogue_covers_the_brief(baseline: Scenario) -> None:
    ids = {c.id for c in baseline.force.capabilities}
    assert {
        "mech_inf", "armour", "artillery", "air_defence", "engineers",
        "logistics", "medical", "aviation", "isr", "hq_signals",
    } <= ids  # fmt: skip
    assert baseline.capability("mech_inf").personnel_per_unit_pax == 650  # INF_BATTALION


def test_baseline_low_demand_per_person_is_the_planning_table_figure(
    baseline: Scenario, factors: dict[str, dict[str, str]]
) -> None:
    """38.76 kg/person/day excl. water (TOTAL_LOW_EXCL_WATER), summed from the class rows."""
    table = float(factors["TOTAL_LOW_EXCL_WATER"]["value_kg_per_person_day"])
    moved = sum(c.kg_per_pax_day["low"] for c in baseline.sustainment.supply_classes if c.moved)
    assert table == pytest.approx(38.76)
    assert moved == pytest.approx(table, rel=0.01)
    water = [c for c in baseline.sustainment.supply_classes if c.id == "water"]
    assert len(water) == 1 and water[0].moved is False


def test_baseline_force_demand_is_the_planning_table_tonnage(
    baseline: Scenario, factors: dict[str, dict[str, str]]
) -> None:
    """Modifiers redistribute demand between unit types but keep the force total (5,814 t/day)."""
    table_t = float(factors["FORCE150K_LOW_EXCL_WATER"]["value"])
    demand_t = sum(sector_daily_demand_t(baseline, i) for i in range(len(baseline.force.sectors)))
    assert demand_t == pytest.approx(table_t, rel=0.01)
    caps = baseline.force.capabilities
    total = sum(c.personnel_per_unit_pax * c.required_units for c in caps)
    for cls in ("III_bulk", "V"):
        mean = sum(
            c.personnel_per_unit_pax * c.required_units * c.consumption_modifiers.get(cls, 1.0)
            for c in caps
        )
        assert mean / total == pytest.approx(1.0, abs=0.01)
    assert baseline.capability("armour").consumption_modifiers["III_bulk"] > 1
    assert baseline.capability("artillery").consumption_modifiers["V"] > 1


def test_baseline_nations_are_the_willing_european_states(
    baseline: Scenario, nations_table: dict[str, dict[str, str]]
) -> None:
    expected = {
        code
        for code, row in nations_table.items()
        if row["willingness_flag"] in {"lead", "willing", "open_conditional"}
        and code not in {"TUR", "CAN"}
    }
    assert {n.code for n in baseline.nations} == expected
    assert {n.code for n in baseline.nations if n.willingness.value == "lead"} == {"GBR", "FRA"}
    land = sum(n.land_forces_pax for n in baseline.nations)
    assert land == 289_266  # LAND_WILLING_OPEN_EUR in force_factors.csv


def test_baseline_rotation_overrides(baseline: Scenario) -> None:
    assert baseline.rotation.tour_days == pytest.approx(182.5)  # UK_ARMY_TOUR_LENGTH 6 months
    assert baseline.rotation.home_defence_floor == pytest.approx(1 - 0.4)  # NATO usability
    assert baseline.nation("GBR").dwell_ratio == 4  # UK_ARMY_HARMONY_RATIO
    assert baseline.nation("FRA").tour_days == pytest.approx(121.7)  # FR_TOUR_FIELD 4 months
    assert baseline.nation("FRA").dwell_ratio == 2  # FR_ARMY_CYCLE thirds


# ---------------------------------------------------------------------------------------------
# Network parameters follow network_capacities.csv.
# ---------------------------------------------------------------------------------------------


def test_node_parameters_match_the_capacity_table(baseline: Scenario) -> None:
    rows = list(csv.DictReader((DATA / "network_capacities.csv").open(encoding="utf-8")))
    assert all(r["source"] and r["is_estimate"] in {"yes", "no"} for r in rows)
    nodes = {n.id: n for n in baseline.network.nodes}
    fleets = {f.id: f for f in baseline.sustainment.fleets}
    checked = 0
    for row in rows:
        value = float(row["value"])
        if row["element"] in nodes and row["parameter"] in {
            "servers",
            "storage_t",
            "max_on_ground",
        }:
            assert getattr(nodes[row["element"]], row["parameter"]) == value, row
            checked += 1
        elif row["element"] in nodes and row["parameter"] == "handling_days":
            assert nodes[row["element"]].handling_days.value == pytest.approx(value), row
            checked += 1
        elif row["element"] in fleets and row["parameter"] == "count":
            assert fleets[row["element"]].count == value, row
            checked += 1
    assert checked >= 25


def test_dorohusk_is_three_tracks_of_twelve_hours(baseline: Scenario) -> None:
    node = baseline.node("X_DOROHUSK")
    assert node.kind is NodeKind.transshipment
    assert (node.servers, node.handling_days.value) == (3, 0.5)  # CFTS_DOROHUSK


def test_rail_speed_is_the_military_train_figure(baseline: Scenario) -> None:
    rail = [link for link in baseline.network.links if link.mode.value == "rail"]
    assert rail and all(link.speed_kph == pytest.approx(280 / 24, abs=0.05) for link in rail)


# ---------------------------------------------------------------------------------------------
# Each variant differs from the baseline in exactly what its name says.
# ---------------------------------------------------------------------------------------------


def _diff(a: Any, b: Any, path: str = "") -> Iterator[str]:
    """Dotted paths where two dumped scenarios differ (list length changes reported once)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            yield from _diff(a.get(key), b.get(key), f"{path}.{key}" if path else str(key))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _diff(x, y, f"{path}[{i}]")
    elif a != b:
        yield path


def _differences(variant: str, source: Path = BASELINE) -> tuple[set[str], Scenario, Scenario]:
    base = load_scenario(source)
    other = load_scenario(SCENARIOS / f"{variant}.yaml")
    return set(_diff(base.model_dump(mode="json"), other.model_dump(mode="json"))), base, other


def _unexplained(paths: set[str], allowed: list[str]) -> set[str]:
    return {p for p in paths if not any(re.fullmatch(rx, p) for rx in allowed)}


def test_no_us_enablers_switches_off_exactly_the_three_enablers() -> None:
    paths, _, other = _differences("no_us_enablers")
    switches = {f"us_enablers.{k}.enabled" for k in ("air_defence", "isr", "airlift")}
    assert switches <= paths
    assert _unexplained(paths, ["name", "description", *map(re.escape, switches)]) == set()
    assert not any(getattr(other.us_enablers, k).enabled for k in ("air_defence", "isr", "airlift"))
    assert other.us_enablers.air_defence.strike_rate_factor_when_off >= 1


def test_winter_interdiction_starts_in_november_and_closes_the_gauge_change_hub() -> None:
    paths, base, other = _differences("winter_interdiction")
    allowed = ["name", "description", "start_date", r"disruptions\.scheduled"]
    assert _unexplained(paths, allowed) == set()
    assert other.start_date.month == 11 and base.start_date.month == 1
    strikes = other.disruptions.scheduled
    assert strikes and all(s.target == "X_MOSTYSKA" and s.capacity_factor == 0 for s in strikes)
    assert other.node("X_MOSTYSKA").kind is NodeKind.transshipment
    assert any(season.name == "Winter" for season in other.disruptions.seasons)


def test_force_60k_scales_target_sectors_and_mix() -> None:
    paths, base, other = _differences("force_60k")
    allowed = [
        "name", "description", r"force\.(target_deployed_pax|source|assumption)",
        r"force\.sectors\[\d\]\.troops_pax",
        r"force\.capabilities\[\d+\]\.(required_units|assumption)",
        r"criteria\[0\]\.threshold",  # 95% of the target
    ]  # fmt: skip
    assert _unexplained(paths, allowed) == set()
    assert other.force.target_deployed_pax == 60_000
    assert sum(s.troops_pax for s in other.force.sectors) == 60_000
    assert sum(c.personnel_per_unit_pax * c.required_units for c in other.force.capabilities) == (
        pytest.approx(60_000, rel=0.01)
    )
    for b, o in zip(base.force.sectors, other.force.sectors, strict=True):
        assert o.troops_pax == pytest.approx(0.4 * b.troops_pax)
    assert other.criteria[0].threshold == pytest.approx(0.95 * 60_000)


def test_all_europe_adds_nations_and_their_home_nodes_only(
    nations_table: dict[str, dict[str, str]],
) -> None:
    base = load_scenario(BASELINE)
    other = load_scenario(SCENARIOS / "all_europe.yaml")
    dumped_b, dumped_o = base.model_dump(mode="json"), other.model_dump(mode="json")
    # Outside nations, the home nodes and their links, and the eligibility rule: identical.
    for dump in (dumped_b, dumped_o):
        homes = {n["id"] for n in dump["network"]["nodes"] if n["kind"] == "home"}
        dump["network"]["nodes"] = [n for n in dump["network"]["nodes"] if n["id"] not in homes]
        dump["network"]["links"] = [
            link for link in dump["network"]["links"] if link["from_node"] not in homes
        ]
        for key in ("name", "description", "nations"):
            dump.pop(key)
        dump["burden_sharing"].pop("eligible_willingness")
        dump["burden_sharing"].pop("assumption")
    assert set(_diff(dumped_b, dumped_o)) == set()
    # Nations: every European NATO/EU member but neutral-out, opposed and force-less states.
    expected = {
        code
        for code, row in nations_table.items()
        if code != "CAN"
        and "1" in (row["eu_member"], row["nato_member"])
        and row["willingness_flag"] not in {"neutral_out", "opposed", "no_forces"}
    }
    assert {n.code for n in other.nations} == expected
    assert {n.code for n in base.nations} < expected
    assert "TUR" in expected and not {"AUT", "MLT", "CHE", "HUN", "SVK", "ISL"} & expected
    # Baseline nations keep their overrides unchanged.
    for nation in base.nations:
        assert other.nation(nation.code) == nation
    assert set(other.burden_sharing.eligible_willingness) >= {n.willingness for n in other.nations}


@pytest.mark.parametrize("preset", PRESETS)
def test_a_preset_changes_only_the_force_it_names(preset: str) -> None:
    paths, _, other = _differences(preset, SCENARIOS / f"{PRESETS[preset]}.yaml")
    allowed = [
        "name", "description", r"force\.(target_deployed_pax|source|assumption)",
        r"force\.sectors(\[\d\]\.troops_pax)?",  # the whole list when a sector is left out
        r"force\.capabilities\[\d+\]\.required_units",
        r"criteria\[0\]\.threshold",  # 95% of the preset's own target
    ]  # fmt: skip
    if preset == "mnf_ukraine_20k":  # hubs away from the line; the lead and willing nations
        # its own reinforcement: a battlegroup to the capital (ASSUMP_PRESET_REINFORCEMENT)
        allowed += [r"burden_sharing\.eligible_willingness", r"reinforcement\.plans\[0\].*"]
        allowed += [r"criteria\[4\]\.(explanation|assumption)"]  # "the battlegroup closes"
        assert [s.id for s in other.force.sectors] == ["west", "north", "south"]
        assert set(other.burden_sharing.eligible_willingness) == {"lead", "willing"}
    assert _unexplained(paths, allowed) == set()
    target = other.force.target_deployed_pax
    assert sum(s.troops_pax for s in other.force.sectors) == target
    mix = sum(c.personnel_per_unit_pax * c.required_units for c in other.force.capabilities)
    assert mix == pytest.approx(target, rel=0.03)
    assert mix >= target  # else every day is below target by construction
    assert other.criteria[0].threshold == pytest.approx(0.95 * target)
