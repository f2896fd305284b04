"""The optimiser's result record: optimisation.json is its to_dict, read back by from_dict."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
from optimisation_fixture import PARAMS, instance, keys_1_1_2, nation

from logistics_sim.scenario import Objective
from optimisation import optimise_instance
from optimisation.instance import CapabilityData
from optimisation.result import AllocationResult, LimitRecord, Status


def _round_trip(result: AllocationResult) -> AllocationResult:
    """Through JSON text, as the run folder stores it."""
    return AllocationResult.from_dict(json.loads(json.dumps(result.to_dict(), allow_nan=False)))


def test_a_feasible_result_round_trips_through_json() -> None:
    result = optimise_instance(keys_1_1_2(), Objective.min_sum_deviation, PARAMS)
    back = _round_trip(result)
    assert back.to_dict() == json.loads(json.dumps(result.to_dict()))
    assert back.status is Status.optimal and back.objective is Objective.min_sum_deviation
    assert back.objective_value == pytest.approx(result.objective_value)
    assert back.burden == result.burden
    assert back.allocation.equals(result.allocation)
    assert back.largest_sustainable_force is None


def test_an_infeasible_result_round_trips_with_its_largest_force_and_diagnosis() -> None:
    # Each nation spares 400 pax at multiplier 2: two units each; the mix needs six.
    caps = [CapabilityData("X", 100, 4), CapabilityData("Y", 100, 2)]
    inst = instance([nation("AAA", 400), nation("BBB", 400)], caps)
    result = optimise_instance(inst, Objective.min_max_deviation, PARAMS)
    back = _round_trip(result)
    assert back.status is Status.infeasible and not back.feasible
    assert back.diagnosis == result.diagnosis
    assert back.diagnosis.conflict_set and all(
        isinstance(lim, LimitRecord) for lim in back.diagnosis.conflict_set
    )
    largest = back.largest_sustainable_force
    assert largest is not None and largest.deployed_pax == 300
    assert largest.allocation.equals(result.allocation)
    assert back.to_dict() == json.loads(json.dumps(result.to_dict()))


def test_non_finite_figures_are_null_in_json_and_nan_back() -> None:
    inst = instance([nation("AAA", 100)], [CapabilityData("inf", 100, 4)])
    result = dataclasses.replace(
        optimise_instance(inst, Objective.min_cost, PARAMS), objective_value=math.nan
    )
    data = result.to_dict()
    assert data["objective_value"] is None
    assert math.isnan(AllocationResult.from_dict(data).objective_value)


def test_the_result_is_frozen() -> None:
    result = optimise_instance(keys_1_1_2(), Objective.min_cost, PARAMS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.status = Status.error  # type: ignore[misc]
