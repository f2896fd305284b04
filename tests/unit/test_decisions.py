"""Who drops out and what it would take, on the hand instance of test_frontier (tiny.yaml with
Britain's and France's land forces cut to 6,000 and 5,000: 3,200 asked, 1,000 held at 1:2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from logistics_sim.analysis.drop_outs import drop_outs
from logistics_sim.analysis.levers import apply_point, parse_lever
from logistics_sim.analysis.solver import largest_force
from logistics_sim.analysis.what_it_takes import what_it_takes
from optimisation import Status, optimise

TINY = Path("scenarios/tiny.yaml")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny.yaml with both nations' land forces cut, beside a link to the data tables."""
    folder = tmp_path_factory.mktemp("small")
    (folder / "data").symlink_to(Path("scenarios/data").resolve())
    yaml = YAML()
    mapping = yaml.load(TINY.read_text())
    for nation, pax in zip(mapping["nations"], (6000, 5000), strict=True):
        nation["land_forces_pax"] = pax
    path = folder / "small.yaml"
    with path.open("w") as handle:
        yaml.dump(mapping, handle)
    return path


def test_removing_a_nation_never_raises_the_largest_force(small: Path) -> None:
    base, rows = drop_outs(small)
    assert base.size.largest_force_pax == 1000 and not base.size.feasible
    assert sum(base.troops.values()) == 1000
    assert {r.nation for r in rows} == set(base.troops)
    for row in rows:
        assert row.without.largest_force_pax <= base.size.largest_force_pax
        assert row.lost_pax == base.size.largest_force_pax - row.without.largest_force_pax
    # and at a dwell where both hold more together, each alone holds less
    both = largest_force(apply_point(small, {"rotation.dwell_ratio": 1.0}).scenario)
    for code in ("GBR", "FRA"):
        alone = apply_point(
            small, {"rotation.dwell_ratio": 1.0, f"nations[{code}].participates": False}
        )
        assert largest_force(alone.scenario).largest_force_pax < both.largest_force_pax


def test_what_it_takes_names_changes_that_a_re_solve_finds_feasible(small: Path) -> None:
    levers = [
        parse_lever("rotation.dwell_ratio=1.5,1,0.5,0.25"),
        parse_lever("rotation.home_defence_floor=0.5,0.4,0.3,0.2"),
    ]
    answer = what_it_takes(small, levers)
    assert not answer.as_given.feasible and answer.changes
    changed = apply_point(small, answer.changes).scenario
    result = optimise(changed)
    assert result.status in (Status.optimal, Status.feasible)
    assert result.deployed_pax >= 3200
    # the smallest: no single value of either lever suffices, so it takes both
    assert not any(s.largest_force_pax >= 3200 for s in answer.steps)
    assert len(answer.changes) == 2
    assert answer.sentences()[-1].startswith(
        f"with {', '.join(f'{k}={v}' for k, v in answer.changes.items())}"
    )


def test_levers_that_cannot_close_the_gap_say_so(small: Path) -> None:
    answer = what_it_takes(small, [parse_lever("rotation.dwell_ratio=2.5")])
    assert answer.changes is None
    assert "cannot close the gap" in answer.sentences()[-1]


@pytest.mark.slow
def test_the_baselines_answer_re_solved_is_feasible() -> None:
    # what-it-takes on the baseline with --nations-from scenarios/all_europe.yaml, levers
    # coalition=+POL,...,+POL+ITA+DEU+ESP+TUR and rotation.dwell_ratio=2,1.5,1, answers
    # (docs/decision_analysis.md): these five nations willing and every nation at 1:1 dwell
    changes = {"coalition": "+POL+ITA+DEU+ESP+TUR", "rotation.dwell_ratio": 1.0}
    baseline = Path("scenarios/ukraine_reassurance_150k.yaml")
    changed = apply_point(baseline, changes, nations_from=Path("scenarios/all_europe.yaml"))
    assert largest_force(changed.scenario).feasible
    result = optimise(changed.scenario)
    assert result.status in (Status.optimal, Status.feasible)
    assert result.deployed_pax >= 150_000
    assert {"POL", "ITA", "DEU", "ESP", "TUR"} <= set(result.allocation["nation"])
    # one step less on either lever misses it
    for fewer in (
        {**changes, "rotation.dwell_ratio": 1.5},
        {**changes, "coalition": "+POL+ITA+DEU+ESP"},
    ):
        weaker = apply_point(baseline, fewer, nations_from=Path("scenarios/all_europe.yaml"))
        assert not largest_force(weaker.scenario).feasible
