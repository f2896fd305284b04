"""The report's logistics sections (issue 17): busiest fleet, crossings against capacity,
the deciding closure component, and whether the stock policy or capacity fails supply."""

from __future__ import annotations

import json
from pathlib import Path

from test_report_fixture import make_run_folder

from logistics_sim.report import build_report


def entry(mean: float, unit: str) -> dict[str, object]:
    return {"mean": mean, "ci_low": mean * 0.98, "ci_high": mean * 1.02, "unit": unit, "n": 4}


def section(md: str, title: str) -> str:
    start = md.index(f"## {title}")
    end = md.find("\n## ", start + 3)
    return md[start : end if end > 0 else None]


def test_report_names_the_busiest_fleet_and_each_crossings_load(tmp_path: Path) -> None:
    folder = make_run_folder(tmp_path / "run")
    summary = json.loads((folder / "summary.json").read_text())
    summary["metrics"].update(
        {
            "fleet_utilisation:trains": entry(0.93, "share"),
            "fleet_utilisation:convoys": entry(0.41, "share"),
            "crossing_throughput_t_per_day:PRZ": entry(1500.0, "t/day"),
            "reinforcement_warning_days": entry(4.0, "days"),
            "reinforcement_notice_days": entry(6.0, "days"),
            "reinforcement_movement_days": entry(12.0, "days"),
            "reinforcement_queue_days": entry(0.5, "days"),
            "reinforcement_units_short": entry(0.0, "units"),
        }
    )
    (folder / "summary.json").write_text(json.dumps(summary))
    _, md_path = build_report(folder)
    md = md_path.read_text()
    fleets = section(md, "Fleets and crossings")
    assert "Busiest resource: the fleet trains, at 93%" in fleets
    assert "| trains | 4 × 1,000 t by rail | 93% (91%–95%) |" in fleets
    assert "Przemysl rail hub (PRZ) | 1,500 | not cited |" in fleets
    closure = section(md, "Reinforcement closure decomposed")
    assert "Deciding component: movement (planned travel)" in closure
