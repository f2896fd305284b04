"""The frontier: the largest force over levers never falls when a nation joins or dwell falls.

Hand instance: tiny.yaml (mech_inf 4 x 600 + artillery 2 x 400 = 3,200 asked) with Britain's
and France's land forces cut to 6,000 and 5,000, so neither alone nor both together can hold
the whole force at 1:3 dwell.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from logistics_sim.analysis.frontier import frontier
from logistics_sim.analysis.levers import LeverError, apply_point, grid, parse_lever
from logistics_sim.experiment import Executor

TINY = "scenarios/tiny.yaml"
SMALL = ["nations[GBR].land_forces_pax=6000", "nations[FRA].land_forces_pax=5000"]
COALITIONS = ("GBR", "FRA", "GBR+FRA")
DWELL = (0.5, 1.0, 2.0, 3.0)


@pytest.fixture(scope="module")
def largest() -> dict[tuple[str, float], int]:
    levers = [
        parse_lever("coalition=" + ",".join(COALITIONS)),
        parse_lever("rotation.dwell_ratio=" + ",".join(map(str, DWELL))),
        *(parse_lever(text) for text in SMALL),
    ]
    result = frontier(TINY, levers, executor=Executor(1))
    return {
        (p.settings["coalition"], float(p.settings["rotation.dwell_ratio"])): (
            p.size.largest_force_pax
        )
        for p in result.points
    }


def test_adding_a_nation_never_lowers_the_largest_force(largest) -> None:
    for dwell in DWELL:
        both = largest[("GBR+FRA", dwell)]
        assert both >= largest[("GBR", dwell)] and both >= largest[("FRA", dwell)]
    # not vacuous: at 1:1 the two together hold more than either alone
    assert largest[("GBR+FRA", 1.0)] > max(largest[("GBR", 1.0)], largest[("FRA", 1.0)])


def test_a_shorter_dwell_never_lowers_the_largest_force(largest) -> None:
    for coalition in COALITIONS:
        sizes = [largest[(coalition, dwell)] for dwell in DWELL]
        assert sizes == sorted(sizes, reverse=True), coalition
    assert largest[("GBR+FRA", 0.5)] > largest[("GBR+FRA", 3.0)]  # the lever does something
    assert all(size < 3200 for size in largest.values())  # the requirement binds everywhere


def test_by_hand_britain_alone_at_one_to_half_dwell_holds_one_of_each() -> None:
    # share 1/4 of the mix = ceil(4/4)=1 mech_inf + ceil(2/4)=1 artillery = 1,000 pax
    levers = [parse_lever("coalition=GBR"), parse_lever("rotation.dwell_ratio=0.5")]
    levers += [parse_lever(text) for text in SMALL]
    (point,) = frontier(TINY, levers).points
    assert point.size.largest_force_pax == 1000
    assert dict(point.size.units_by_capability) == {"artillery": 1, "mech_inf": 1}
    assert not point.size.feasible


def test_a_coalition_lever_replaces_national_settings_unless_kept() -> None:
    # tiny's France sets its own tour_days: 120, which would override a swept coalition tour
    replaced = apply_point(Path(TINY), {"rotation.tour_days": 90.0})
    assert replaced.removed == ("FRA tour_days=120",) and replaced.kept == ()
    assert replaced.scenario.nation("FRA").tour_days is None
    kept = apply_point(Path(TINY), {"rotation.tour_days": 90.0}, True)
    assert kept.kept == ("FRA tour_days=120",) and kept.removed == ()
    assert kept.scenario.nation("FRA").tour_days == 120


def test_bad_levers_are_refused_before_any_solve() -> None:
    with pytest.raises(LeverError, match="not listed: POL"):
        frontier(TINY, [parse_lever("coalition=GBR+POL")])
    with pytest.raises(LeverError, match="--vary 'dwell': expected path=value1"):
        parse_lever("dwell")
    with pytest.raises(LeverError, match="a lever is given twice"):
        grid([parse_lever("rotation.dwell_ratio=1"), parse_lever("rotation.dwell_ratio=2")])


BASELINE = Path("scenarios/ukraine_reassurance_150k.yaml")
ALL_EUROPE = Path("scenarios/all_europe.yaml")


def test_a_coalition_can_bring_in_a_nation_from_another_scenario() -> None:
    joined = apply_point(BASELINE, {"coalition": "+POL"}, nations_from=ALL_EUROPE).scenario
    poland = joined.nation("POL")
    assert poland.participates and poland.willingness.value == "willing"
    assert joined.node("HOME_POL").country == "POL"
    assert {link.id for link in joined.network.links} >= {
        "L_HOME_POL_RZE_AIR",
        "L_HOME_POL_RH_LUBLIN_RAIL",
    }
    with pytest.raises(LeverError, match="POL not listed in the scenario; name a scenario"):
        apply_point(BASELINE, {"coalition": "+POL"})
