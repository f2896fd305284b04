"""The cost model: one nation's bill by hand, linear in troops, carried by summary.json."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from logistics_sim.experiment import simulate, stand_in_allocation
from logistics_sim.experiment.cost import cost_block
from logistics_sim.report import build_report
from logistics_sim.report.rundata import load_run_data
from logistics_sim.report.sections.cost import cost_section
from logistics_sim.rules import cost
from testsupport.replicates import fake_replicate
from testsupport.run_folders import make_run_folder, tiny_scenario

COST_CSV = Path(__file__).resolve().parents[2] / "scenarios" / "data" / "cost_factors.csv"


def test_shipped_factors_are_the_cited_table():
    rows = {r["factor_id"]: r for r in csv.DictReader(COST_CSV.open(encoding="utf-8"))}
    assert float(rows["COST_SOLDIER_YEAR_USD"]["value"]) == cost.BLOOMBERG_USD_PER_SOLDIER_YEAR
    assert float(rows["USD_PER_EUR_2024"]["value"]) == cost.USD_PER_EUR_2024
    assert float(rows["COST_PERSONNEL_SHARE"]["value"]) == cost.PERSONNEL_SHARE
    assert float(rows["COST_SOLDIER_TRIP_EUR"]["value"]) == cost.EUR_PER_SOLDIER_TRIP
    assert all(r["source"] for r in rows.values())


def test_france_in_the_tiny_scenario_by_hand():
    # France: 2 x 600 mechanised + 1 x 400 artillery = 1,600 pax; 120-day tour (tiny.yaml);
    # defence spending USD 61.53bn (nations.csv, NATO_SGAR2024), GDP USD 3,030.9bn (WB_GDP).
    scenario = tiny_scenario()
    fra = cost_block(scenario, stand_in_allocation(scenario))["nations"]["FRA"]
    stationing_usd = 1_600 * 75_000  # BLOOMBERG_FEB2025: USD 75,000 per soldier-year
    stationing_eur = stationing_usd / 1.0824  # ECB_EXR_2024
    transport_eur = 1_600 * (2 * 365 / 120) * 1_200  # two EUR 1,200 trips per tour
    assert fra["personnel_eur_per_year"] == pytest.approx(stationing_eur / 2)
    assert fra["operations_maintenance_eur_per_year"] == pytest.approx(stationing_eur / 2)
    assert fra["transport_eur_per_year"] == pytest.approx(11_680_000.0)
    assert fra["cost_eur_per_year"] == pytest.approx(stationing_eur + transport_eur)
    total_usd = stationing_usd + transport_eur * 1.0824
    assert fra["share_of_defence_budget"] == pytest.approx(total_usd / 61.53e9)
    assert fra["share_of_gdp"] == pytest.approx(total_usd / 3_030_904_089_608)


def test_costs_scale_with_deployed_personnel():
    scenario = tiny_scenario()
    allocation = stand_in_allocation(scenario)
    doubled = allocation.assign(units=allocation["units"] * 2)
    one, two = cost_block(scenario, allocation), cost_block(scenario, doubled)
    for code in ("FRA", "GBR"):
        for key in ("personnel_eur_per_year", "transport_eur_per_year", "cost_eur_per_year"):
            assert two["nations"][code][key] == pytest.approx(2 * one["nations"][code][key])
    assert two["total_eur_per_year"] == pytest.approx(2 * one["total_eur_per_year"])


def test_shorter_tour_costs_more_transport():
    factors = cost.default_cost_factors()
    assert cost.transport_eur_per_year(1_000, 91.25, factors) == pytest.approx(
        2 * cost.transport_eur_per_year(1_000, 182.5, factors)
    )


def test_nation_without_troops_or_budget():
    scenario = tiny_scenario()
    allocation = stand_in_allocation(scenario)
    only_gbr = allocation[allocation["nation"] == "GBR"]
    block = cost_block(scenario, only_gbr)
    assert list(block["nations"]) == ["GBR"]
    assert cost.share_of(1.0, 0.0, cost.default_cost_factors()) is None


def test_summary_json_carries_the_cost(tmp_path):
    scenario = tiny_scenario()
    allocation = stand_in_allocation(scenario)
    run = simulate(
        scenario, allocation, replications=2, seed=3, out=tmp_path / "r", replicate=fake_replicate
    )
    summary = json.loads((run.folder / "summary.json").read_text())
    nations = summary["cost"]["nations"]
    assert sorted(nations) == ["FRA", "GBR"]
    assert summary["cost"]["total_eur_per_year"] == pytest.approx(
        sum(n["cost_eur_per_year"] for n in nations.values())
    )
    assert nations["GBR"]["share_of_defence_budget"] > 0


def test_report_who_pays_what_table_and_figure(tmp_path):
    folder = make_run_folder(tmp_path / "run", replications=2)
    summary = json.loads((folder / "summary.json").read_text())
    section = cost_section(load_run_data(folder))
    table = section.tables[0]
    # largest bill first: Britain's 60-day tour makes its transport dearer than France's
    assert [row[0] for row in table.rows] == ["United Kingdom (GBR)", "France (FRA)"]
    gbr = summary["cost"]["nations"]["GBR"]
    assert table.rows[0][5] == f"{gbr['cost_eur_per_year'] / 1e6:.0f}"
    assert table.rows[0][6] == f"{100 * gbr['share_of_defence_budget']:.2f}%"
    assert section.figures[0].name == "cost.svg" and b"<svg" in section.figures[0].svg
    build_report(folder)
    assert "Who pays what" in (folder / "report.md").read_text()


def test_report_without_cost_says_so(tmp_path):
    folder = make_run_folder(tmp_path / "run", replications=2)
    summary = json.loads((folder / "summary.json").read_text())
    del summary["cost"]
    (folder / "summary.json").write_text(json.dumps(summary))
    section = cost_section(load_run_data(folder))
    assert not section.tables and "records no cost" in section.paragraphs[0]
