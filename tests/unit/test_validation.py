"""Each named cross-field check: silent on the tiny scenario, precise when its rule is broken."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from logistics_sim import validation as v
from logistics_sim.catalogue import CRITERION_METRICS
from logistics_sim.scenario import Scenario
from logistics_sim.validation import Finding, Severity

Mapping = dict[str, Any]
Make = Callable[[Callable[[Mapping], object]], Scenario]


def only(findings: Any) -> Finding:
    """The single finding of a check (fails if there are none or several)."""
    found = list(findings)
    assert len(found) == 1, found
    return found[0]


def node(m: Mapping, node_id: str) -> Mapping:
    """The raw node entry with this id."""
    return next(n for n in m["network"]["nodes"] if n["id"] == node_id)


def test_tiny_scenario_passes_every_check(tiny_with: Make) -> None:
    scenario = tiny_with(lambda m: None)
    assert v.run_checks(scenario) == []


def test_every_check_is_registered() -> None:
    names = {name for name in dir(v) if name.startswith("check_")}
    registered = {c.__name__ for c in v.CHECKS} | {"check_source_keys_known"}
    assert names == registered


# --- identity and references ----------------------------------------------------------------


def test_duplicate_sector_id(tiny_with: Make) -> None:
    s = tiny_with(lambda m: m["force"]["sectors"][1].update(id="west"))
    f = only(v.check_unique_ids(s))
    assert f.path == ("force", "sectors", 1)
    assert f.message == "duplicate id 'west'"


def test_link_id_equal_to_node_id(tiny_with: Make) -> None:
    s = tiny_with(lambda m: m["network"]["links"][0].update(id="RZE"))
    f = only(v.check_unique_ids(s))
    assert f.path == ("network", "links", 0, "id")
    assert "also a node id" in f.message


@pytest.mark.parametrize("field", ["from_node", "to_node"])
def test_link_to_unknown_node(tiny_with: Make, field: str) -> None:
    s = tiny_with(lambda m: m["network"]["links"][2].update({field: "NOWHERE"}))
    f = only(v.check_link_endpoints_known(s))
    assert f.path == ("network", "links", 2, field)
    assert f.message == "link 'L_GBR_PRZ_RAIL' refers to unknown node 'NOWHERE'"


def test_link_loop(tiny_with: Make) -> None:
    s = tiny_with(lambda m: m["network"]["links"][4].update(to_node="RZE"))
    f = only(v.check_link_endpoints_known(s))
    assert "starts and ends at the same node 'RZE'" in f.message


def test_sector_depot_unknown(tiny_with: Make) -> None:
    s = tiny_with(lambda m: m["force"]["sectors"][0].update(forward_depot="DEPOT_X"))
    f = only(v.check_sector_depots(s))
    assert f.path == ("force", "sectors", 0, "forward_depot")
    assert f.message == "sector 'west': forward depot 'DEPOT_X' is not a node"


def test_sector_depot_of_wrong_kind(tiny_with: Make) -> None:
    s = tiny_with(lambda m: m["force"]["sectors"][1].update(forward_depot="PRZ"))
    f = only(v.check_sector_depots(s))
    assert f.message == "sector 'east': node 'PRZ' is a transshipment, not a forward_depot"


def test_home_node_unknown_and_wrong_kind(tiny_with: Make) -> None:
    def edit(m: Mapping) -> None:
        m["nations"][0]["home_node"] = "HOME_XXX"
        m["nations"][1]["home_node"] = "RZE"

    found = list(v.check_nation_home_nodes(tiny_with(edit)))
    assert [(f.path, f.message) for f in found] == [
        (("nations", 0, "home_node"), "GBR: home node 'HOME_XXX' is not a node"),
        (("nations", 1, "home_node"), "FRA: node 'RZE' is a air_hub, not a home node"),
    ]


def test_participating_nation_without_home_node_warns(tiny_with: Make) -> None:
    s = tiny_with(lambda m: m["nations"][0].pop("home_node"))
    f = only(v.check_nation_home_nodes(s))
    assert f.severity is Severity.warning
    assert "GBR has no home_node" in f.message


def test_fleet_base_and_serves(tiny_with: Make) -> None:
    def edit(m: Mapping) -> None:
        m["sustainment"]["fleets"][0]["base_node"] = "NOPE"
        m["sustainment"]["fleets"][1]["serves"] = ["DEPOT_W", "GHOST", "RZE"]

    found = list(v.check_fleet_nodes(tiny_with(edit)))
    assert [(f.path, f.message) for f in found] == [
        (
            ("sustainment", "fleets", 0, "base_node"),
            "fleet 'trains': base node 'NOPE' is not a node",
        ),
        (("sustainment", "fleets", 1, "serves", 1), "fleet 'convoys' serves unknown node 'GHOST'"),
        (
            ("sustainment", "fleets", 1, "serves", 2),
            "fleet 'convoys' serves 'RZE', a air_hub, not a forward_depot",
        ),
    ]


def test_strike_targets_may_be_nodes_or_links(tiny_with: Make) -> None:
    def edit(m: Mapping) -> None:
        m["disruptions"] = {
            "scheduled": [
                {"target": "PRZ", "start_day": 10, "duration_days": 5, "capacity_factor": 0.5},
                {
                    "target": "L_PRZ_W_RAIL",
                    "start_day": 10,
                    "duration_days": 5,
                    "capacity_factor": 0,
                },
                {"target": "MARS", "start_day": 1, "duration_days": 1, "capacity_factor": 0},
            ],
            "random": [
                {
                    "targets": ["RZE", "VENUS"],
                    "rate_per_year": 2,
                    "duration_days": 3,
                    "capacity_factor": 0.2,
                },
            ],
        }

    found = list(v.check_strike_targets_known(tiny_with(edit)))
    assert [(f.path, f.message) for f in found] == [
        (
            ("disruptions", "scheduled", 2, "target"),
            "strike target 'MARS' is neither a node nor a link",
        ),
        (
            ("disruptions", "random", 0, "targets", 1),
            "strike target 'VENUS' is neither a node nor a link",
        ),
    ]


def test_unknown_capability_ids_everywhere(tiny_with: Make) -> None:
    def edit(m: Mapping) -> None:
        m["nations"][0]["max_units"] = {"mech_inf": 2, "cavalry": 1}
        m["nations"][0]["min_units"] = {"hussars": 1}
        m["nations"][1]["inventory_units"] = {"zeppelins": 3}
        m["force"]["sector_allocation"] = {"west": {"mech_inf": 2, "dragoons": 1}}
        plan = m["reinforcement"]["plans"][0]
        plan["required"].append({"capability": "lancers", "units": 1})
        plan["theatre_reserve"] = [{"capability": "pikemen", "units": 1}]

    found = list(v.check_capability_ids_known(tiny_with(edit)))
    assert [f.path for f in found] == [
        ("nations", 0, "max_units", "cavalry"),
        ("nations", 0, "min_units", "hussars"),
        ("nations", 1, "inventory_units", "zeppelins"),
        ("force", "sector_allocation", "west", "dragoons"),
        ("reinforcement", "plans", 0, "required", 1, "capability"),
        ("reinforcement", "plans", 0, "theatre_reserve", 0, "capability"),
    ]
    assert found[0].message == "unknown capability 'cavalry' (not in force.capabilities)"


def test_unknown_supply_class_in_modifiers(tiny_with: Make) -> None:
    s = tiny_with(lambda m: m["force"]["capabilities"][1]["consumption_modifiers"].update(IV=1.5))
    f = only(v.check_supply_class_ids_known(s))
    assert f.path == ("force", "capabilities", 1, "consumption_modifiers", "IV")
    assert f.message == "unknown supply class 'IV' (not in sustainment.supply_classes)"


def test_unknown_sector_in_plan_and_allocation(tiny_with: Make) -> None:
    def edit(m: Mapping) -> None:
        m["reinforcement"]["plans"][0]["sector"] = "north"
        m["force"]["sector_allocation"] = {"south": {"mech_inf": 1}}

    found = list(v.check_sector_ids_known(tiny_with(edit)))
    assert [(f.path, f.message) for f in found] == [
        (
            ("reinforcement", "plans", 0, "sector"),
            "plan 'east_surge' reinforces unknown sector 'north'",
        ),
        (("force", "sector_allocation", "south"), "unknown sector 'south' (not in force.sectors)"),
    ]


# --- the force ------------------------------------------------------------------------------


def test_sector_troops_must_add_up(tiny_with: Make) -> None:
    s = tiny_with(lambda m: m["force"]["sectors"][0].update(troops_pax=1500))
    f = only(v.check_sector_troops_add_up(s))
    assert f.path == ("force", "sectors")
    assert f.message == "sector troops add up to 3,100 pax, not the target 3,200 pax"


def test_capability_mix_within_tolerance_is_silent(tiny_with: Make) -> None:
    # 4 x 600 + 2 x 400 = 3,200 = target; 3,296 is +3% (inside the tolerance).
    s = tiny_with(lambda m: m["force"]["capabilities"][1].update(personnel_per_unit_pax=448))
    assert list(v.check_capability_mix_matches_target(s)) == []


def test_capability_mix_off_target_warns(tiny_with: Make) -> None:
    s = tiny_with(lambda m: m["force"]["capabilities"][0].update(required_units=5))
    f = only(v.check_capability_mix_matches_target(s))
    assert f.severity is Severity.warning
    assert f.path == ("force", "capabilities")
    assert f.message.startswith("required units hold 3,800 pax")
    assert "+18.8% from the target 3,200 pax" in f.message


def test_sector_allocation_must_match_required(tiny_with: Make) -> None:
    s = tiny_with(
        lambda m: m["force"].update(
            sector_allocation={"west": {"mech_inf": 2}, "east": {"mech_inf": 1}}
        )
    )
    f = only(v.check_sector_allocation_matches_required(s))
    assert f.path == ("force", "capabilities", 0, "required_units")
    assert f.message == "sector_allocation places 3 units of 'mech_inf' but 4 are required"


def test_handover_not_shorter_than_tour(tiny_with: Make) -> None:
    def edit(m: Mapping) -> None:
        m["rotation"]["overlap_days"] = 60
        m["nations"][1]["overlap_days"] = 130

    found = list(v.check_handover_shorter_than_tour(tiny_with(edit)))
    assert [(f.path, f.message) for f in found] == [
        (
            ("rotation", "overlap_days"),
            "handover of 60 days is not shorter than the tour of 60 days",
        ),
        (
            ("nations", 1, "overlap_days"),
            "FRA: handover of 130 days is not shorter than the tour of 120 days",
        ),
    ]


def test_nation_min_above_max(tiny_with: Make) -> None:
    def edit(m: Mapping) -> None:
        m["nations"][0].update(min_deployed_pax=2000, max_deployed_pax=1000)
        m["nations"][1].update(
            min_units={"artillery": 3}, max_units={"artillery": 2}, inventory_units={"artillery": 1}
        )

    found = list(v.check_nation_limits_ordered(tiny_with(edit)))
    assert [(f.path, f.message) for f in found] == [
        (
            ("nations", 0, "min_deployed_pax"),
            "GBR: minimum 2,000 pax is above its maximum 1,000 pax",
        ),
        (
            ("nations", 1, "min_units", "artillery"),
            "FRA: minimum 3 units of 'artillery' is above its maximum 2",
        ),
        (
            ("nations", 1, "min_units", "artillery"),
            "FRA: minimum 3 units of 'artillery' is above the 1 it owns (inventory_units)",
        ),
    ]


# --- sustainment ----------------------------------------------------------------------------


def test_stock_policy_order(tiny_with: Make) -> None:
    s = tiny_with(
        lambda m: m["sustainment"]["stock_policy"].update(
            initial_days_of_supply=12, reorder_point_days=10, order_up_to_days=10
        )
    )
    found = list(v.check_stock_policy_order(s))
    assert [(f.path[-1], f.message) for f in found] == [
        (
            "reorder_point_days",
            "reorder point of 10 days of supply must be below the order-up-to level of 10 days",
        ),
        (
            "initial_days_of_supply",
            "initial stock of 12 days of supply is above the order-up-to level of 10 days",
        ),
    ]


def test_sector_daily_demand_from_planning_factors(tiny_with: Make) -> None:
    """West: 1,600 pax x (I 4.259 + III 1.2-weighted fuel + V 2.0-weighted ammunition) / 1000."""
    s = tiny_with(lambda m: None)
    kg = {c.id: c.kg_per_pax_day[s.sustainment.posture] for c in s.sustainment.supply_classes}
    # Force mix by personnel: mech_inf 2,400 pax (III x1.2), artillery 800 pax (V x2.0).
    fuel_modifier = (2400 * 1.2 + 800 * 1.0) / 3200
    ammo_modifier = (2400 * 1.0 + 800 * 2.0) / 3200
    expected_t = 1600 * (kg["I"] + kg["III"] * fuel_modifier + kg["V"] * ammo_modifier) / 1000
    assert v.sector_daily_demand_t(s, 0) == pytest.approx(expected_t)
    assert kg["I"] == pytest.approx(4.259)


def test_initial_stock_above_depot_storage(tiny_with: Make) -> None:
    s = tiny_with(lambda m: node(m, "DEPOT_E").update(storage_t=100))
    f = only(v.check_initial_stock_fits_depot(s))
    demand_t = v.sector_daily_demand_t(s, 1)
    assert f.path == ("sustainment", "stock_policy", "initial_days_of_supply")
    assert f.message == (
        f"sector 'east': 10 days of supply is {10 * demand_t:,.0f} t, more than the 100 t "
        "storage of depot 'DEPOT_E'"
    )


def test_depot_without_storage_is_not_checked(tiny_with: Make) -> None:
    s = tiny_with(lambda m: node(m, "DEPOT_E").pop("storage_t"))
    assert list(v.check_initial_stock_fits_depot(s)) == []


def test_supply_class_without_the_scenario_posture(tiny_with: Make) -> None:
    def edit(m: Mapping) -> None:
        m["sustainment"]["posture"] = "high"
        m["sustainment"]["supply_classes"].append(
            {"id": "VIII", "name": "Medical", "kg_per_pax_day": {"low": 0.3}, "assumption": "t"}
        )

    f = only(v.check_supply_postures_given(tiny_with(edit)))
    assert f.path == ("sustainment", "supply_classes", 3, "kg_per_pax_day")
    assert "for the 'high' posture" in f.message


# --- distributions, seasons, tiers, criteria, burden sharing --------------------------------


def test_triangular_and_uniform_parameters(tiny_with: Make) -> None:
    def edit(m: Mapping) -> None:
        node(m, "RZE")["handling_days"] = {"kind": "triangular", "low": 1, "mode": 3, "high": 2}
        m["network"]["links"][0]["transit_variation"] = {"kind": "uniform", "low": 1.2, "high": 0.8}
        node(m, "PRZ")["handling_days"] = {"kind": "triangular", "low": 1, "mode": 1, "high": 1}

    found = list(v.check_distribution_parameters(tiny_with(edit)))
    assert [(f.path, f.message) for f in found] == [
        (
            ("network", "nodes", 2, "handling_days"),
            "triangular distribution needs low <= mode <= high, got low 1, mode 3, high 2",
        ),
        (
            ("network", "links", 0, "transit_variation"),
            "uniform distribution needs low <= high, got low 1.2, high 0.8",
        ),
    ]


def _season(name: str, start: int, end: int, modes: list[str]) -> Mapping:
    return {
        "name": name,
        "start_day_of_year": start,
        "end_day_of_year": end,
        "modes": modes,
        "capacity_factor": 0.5,
    }


def test_seasons_overlapping_on_a_mode(tiny_with: Make) -> None:
    def edit(m: Mapping) -> None:
        m["disruptions"] = {
            "seasons": [
                _season("winter", 335, 59, ["road", "rail"]),  # over the new year
                _season("spring mud", 60, 120, ["road"]),  # touches winter, does not overlap
                _season("late frost", 50, 70, ["rail"]),  # overlaps winter on rail, days 50-59
                _season("air fog", 1, 366, ["air"]),  # another mode: fine
            ]
        }

    f = only(v.check_seasons(tiny_with(edit)))
    assert f.path == ("disruptions", "seasons", 2, "start_day_of_year")
    assert (
        f.message == "season 'late frost' overlaps season 'winter' for rail on 10 days of the year"
    )


def test_readiness_tier_shares(tiny_with: Make) -> None:
    def edit(m: Mapping) -> None:
        m["reinforcement"]["tiers"].append(
            {"name": "follow-on", "notice_to_move_days": 30, "share_of_pool": 0.95}
        )

    f = only(v.check_readiness_tiers(tiny_with(edit)))
    assert f.message == (
        "readiness tiers hold 105% of the pool; the shares may add up to 100% at most"
    )


def test_criterion_metric_must_be_known(tiny_with: Make) -> None:
    s = tiny_with(lambda m: m["criteria"][1].update(metric="fill_ratio"))
    f = only(v.check_criteria_metrics_known(s))
    assert f.path == ("criteria", 1, "metric")
    assert f.message == (
        "unknown metric 'fill_ratio'; known metrics: " + ", ".join(sorted(CRITERION_METRICS))
    )
    assert "covered_strength_min_pax, days_below_target" in f.message  # sorted, all listed


@pytest.mark.parametrize(
    ("settings", "path", "message"),
    [
        (
            {"fairness_key": "gdp", "key_weights": {"gdp": 1}},
            ("burden_sharing", "key_weights"),
            "key_weights apply only to fairness_key 'mix', not 'gdp'",
        ),
        (
            {"fairness_key": "mix"},
            ("burden_sharing", "key_weights"),
            "fairness_key 'mix' needs key_weights",
        ),
        (
            {"fairness_key": "mix", "key_weights": {"gdp": 0, "population": 0}},
            ("burden_sharing", "key_weights"),
            "key_weights add up to zero",
        ),
        (
            {"fairness_key": "mix", "key_weights": {"gdp": 1, "mix": 1}},
            ("burden_sharing", "key_weights", "mix"),
            "'mix' cannot be weighted inside itself",
        ),
    ],
)
def test_key_weights_only_with_mix(
    tiny_with: Make, settings: Mapping, path: tuple[str, ...], message: str
) -> None:
    s = tiny_with(lambda m: m.update(burden_sharing=settings))
    f = only(v.check_key_weights(s))
    assert (f.path, f.message) == (path, message)


def test_mix_with_weights_is_fine(tiny_with: Make) -> None:
    s = tiny_with(
        lambda m: m.update(
            burden_sharing={"fairness_key": "mix", "key_weights": {"gdp": 0.5, "population": 0.5}}
        )
    )
    assert list(v.check_key_weights(s)) == []


def test_warmup_beyond_horizon(tiny_with: Make) -> None:
    s = tiny_with(lambda m: m["experiment"].update(warmup_days=120))
    f = only(v.check_warmup_within_horizon(s))
    assert f.message == "warm-up of 120 days leaves nothing of the 120-day horizon to measure"


# --- the network ----------------------------------------------------------------------------


def test_home_node_cut_off_from_a_depot_warns(tiny_with: Make) -> None:
    """Without the French rail link, French equipment cannot leave home by rail."""
    s = tiny_with(
        lambda m: m["network"].update(
            links=[x for x in m["network"]["links"] if x["id"] != "L_FRA_PRZ_RAIL"]
        )
    )
    found = list(v.check_home_nodes_reach_depots(s))
    assert {f.severity for f in found} == {Severity.warning}
    assert [f.message for f in found] == [
        "FRA: no route for equipment from 'HOME_FRA' to sector 'west' depot 'DEPOT_W' leaving "
        "home by rail and going on by road or rail",
        "FRA: no route for equipment from 'HOME_FRA' to sector 'east' depot 'DEPOT_E' leaving "
        "home by rail and going on by road or rail",
    ]
    assert all(f.path == ("nations", 1, "home_node") for f in found)


def test_one_way_link_counts_only_forwards(tiny_with: Make) -> None:
    """A one-way road from the depot to the hub does not bring anyone to the depot."""

    def edit(m: Mapping) -> None:
        links = m["network"]["links"]
        keep = [x for x in links if x["id"] not in {"L_PRZ_W_RAIL", "L_PRZ_E_RAIL", "L_RZE_W_ROAD"}]
        keep.append(
            {
                "id": "L_W_RZE",
                "from_node": "DEPOT_W",
                "to_node": "RZE",
                "mode": "road",
                "distance_km": 180,
                "speed_kph": 40,
                "bidirectional": False,
                "assumption": "t",
            }
        )
        m["network"]["links"] = keep

    found = list(v.check_home_nodes_reach_depots(tiny_with(edit)))
    assert len(found) == 8  # 2 nations x 2 depots x (personnel, equipment)


def test_nation_not_participating_is_not_routed(tiny_with: Make) -> None:
    def edit(m: Mapping) -> None:
        m["nations"][1]["participates"] = False
        m["network"]["links"] = [x for x in m["network"]["links"] if x["from_node"] != "HOME_FRA"]

    assert list(v.check_home_nodes_reach_depots(tiny_with(edit))) == []


def test_fleet_mode_without_link_from_base(tiny_with: Make) -> None:
    s = tiny_with(lambda m: m["sustainment"]["fleets"][1].update(mode="sea"))
    f = only(v.check_fleet_modes_leave_base(s))
    assert f.path == ("sustainment", "fleets", 1, "mode")
    assert f.message == "fleet 'convoys' moves by sea but no sea link leaves its base 'RZE'"


def test_fleet_base_reached_by_a_two_way_link_counts(tiny_with: Make) -> None:
    """PRZ has no rail link *from* it in the file's order, but two-way links leave it too."""
    s = tiny_with(
        lambda m: m["network"].update(
            links=[x for x in m["network"]["links"] if x["from_node"] != "PRZ"]
        )
    )
    assert list(v.check_fleet_modes_leave_base(s)) == []


# --- provenance -----------------------------------------------------------------------------


def test_numbers_without_source_or_assumption_warn(tiny_with: Make) -> None:
    def edit(m: Mapping) -> None:
        m["rotation"].pop("assumption")
        m["force"]["sectors"][0].pop("assumption")

    found = list(v.check_numbers_have_provenance(tiny_with(edit)))
    assert [(f.path, f.severity) for f in found] == [
        (("force", "sectors", 0), Severity.warning),
        (("rotation",), Severity.warning),
    ]
    assert found[1].message.startswith(
        "no source or assumption for dwell_ratio, max_extension_days, overlap_days, tour_days"
    )


def test_block_without_numbers_needs_no_provenance(tiny_with: Make) -> None:
    """An ISR switch set to off carries no figure, so it needs no source."""
    s = tiny_with(lambda m: m.update(us_enablers={"isr": {"enabled": False}}))
    assert list(v.check_numbers_have_provenance(s)) == []


def test_unknown_source_keys(tiny_with: Make) -> None:
    s = tiny_with(lambda m: m["force"]["capabilities"][0].update(source="ATP4-90; MADE_UP ;GONE"))
    known = frozenset(
        {"ATP4-90", "INF_BATTALION", "RZESZOW_RWY", "EGTRE_PLUA", "RAIL_TRAIN_DB", "NFM_TIER1"}
    )
    found = [
        f for f in v.check_source_keys_known(s, known) if f.path[:2] == ("force", "capabilities")
    ]
    f = only(found)
    assert f.path == ("force", "capabilities", 0, "source")
    assert f.severity is Severity.warning
    assert (
        f.message
        == "source key(s) MADE_UP, GONE not defined in the sources document or the data tables"
    )


def test_run_checks_checks_source_keys_only_when_given(tiny_with: Make) -> None:
    s = tiny_with(lambda m: m["force"]["capabilities"][0].update(source="MADE_UP"))
    assert v.run_checks(s) == []
    assert any(f.path[-1] == "source" for f in v.run_checks(s, frozenset()))
