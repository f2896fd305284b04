"""Hand-made optimiser instances shared by the optimiser tests."""

from __future__ import annotations

from optimisation.instance import AllocationInstance, CapabilityData, NationData, fair_shares
from optimisation.solve import SolveParams

PARAMS = SolveParams(time_limit_s=10.0, relative_gap=0.0)


def nation(code: str, spare_pax: float, multiplier: float = 2.0, **kw: object) -> NationData:
    """An eligible nation that can spare ``spare_pax`` and ties up ``multiplier`` per unit."""
    fields: dict = {
        "code": code,
        "eligible": True,
        "land_forces_pax": int(spare_pax * 2),
        "available_pax": spare_pax,
        "multiplier": multiplier,
    }
    fields.update(kw)
    return NationData(**fields)


def instance(nations: list[NationData], caps: list[CapabilityData]) -> AllocationInstance:
    """An instance with fair shares from the nations' key values."""
    return AllocationInstance(tuple(nations), tuple(caps), fair_shares(nations), "test")


def keys_1_1_2() -> AllocationInstance:
    """Keys 1:1:2 and 3 units of 100 pax: fair shares 75, 75 and 150 pax, solvable by hand."""
    nations = [
        nation("AAA", 1000, key_value=1.0),
        nation("BBB", 1000, key_value=1.0),
        nation("CCC", 1000, key_value=2.0),
    ]
    return instance(nations, [CapabilityData("inf", 100, 3)])
