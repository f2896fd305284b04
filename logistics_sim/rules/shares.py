"""Fair shares of the burden: each eligible nation's share of the scenario's fairness key.

Keys: ``gdp`` (USD), ``population`` (persons), ``defence_spending`` (USD),
``national_income`` and ``mix``. NATO's common-funding cost shares follow gross national
income; with GDP as its public proxy, ``national_income`` weights GDP by the square root of
GDP per head, so richer nations carry a little more than their GDP share (an assumption,
stated in the report). ``mix`` is the weighted sum of the other keys, each normalised over
all listed nations. A fair share is a nation's key value over the sum of the eligible
nations' values; when those add up to nothing, the eligible nations share equally.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from logistics_sim.scenario import FairnessKey, Nation, Scenario


def key_value(nation_gdp: float, population: int, spending: float, key: FairnessKey) -> float:
    """A nation's raw value of a single key (USD, persons or USD^1.5/person^0.5)."""
    if key is FairnessKey.gdp:
        return nation_gdp
    if key is FairnessKey.population:
        return float(population)
    if key is FairnessKey.defence_spending:
        return spending
    if key is FairnessKey.national_income:
        per_head = nation_gdp / population if population else 0.0
        return nation_gdp * per_head**0.5
    raise ValueError(f"the mix key is a weighted sum of the others, not a key itself: {key}")


def _single(nation: Nation, key: FairnessKey) -> float:
    """``key_value`` of a scenario nation."""
    return key_value(nation.gdp_usd, nation.population, nation.defence_spending_usd, key)


def mix_value(scenario: Scenario, nation: Nation) -> float:
    """Weighted sum of the nation's keys, each normalised over all listed nations."""
    raw = 0.0
    for part, weight in scenario.burden_sharing.key_weights.items():
        if part is FairnessKey.mix:
            continue
        total = sum(_single(m, part) for m in scenario.nations)
        raw += weight * (_single(nation, part) / total if total else 0.0)
    return raw


def nation_key_value(scenario: Scenario, nation: Nation, key: FairnessKey) -> float:
    """The nation's value of the fairness key ``key`` (``mix`` by the scenario's weights)."""
    return mix_value(scenario, nation) if key is FairnessKey.mix else _single(nation, key)


def shares_of(values: Mapping[str, float]) -> dict[str, float]:
    """Each code's value over the total (sums to 1); equal shares when the total is not > 0."""
    total = sum(values.values())
    if total <= 0:
        return {code: 1.0 / len(values) for code in values} if values else {}
    return {code: value / total for code, value in values.items()}


def fair_shares(
    scenario: Scenario, codes: Iterable[str], key: FairnessKey | None = None
) -> dict[str, float]:
    """Fair shares of the nations ``codes`` (the eligible ones) by ``key`` (the scenario's)."""
    key = key or scenario.burden_sharing.fairness_key
    return shares_of(
        {code: nation_key_value(scenario, scenario.nation(code), key) for code in codes}
    )


def key_description(scenario: Scenario, key: FairnessKey | None = None) -> str:
    """The key in words, for tables and reports."""
    key = key or scenario.burden_sharing.fairness_key
    if key is FairnessKey.mix:
        weights = scenario.burden_sharing.key_weights
        return "mix of " + ", ".join(f"{k.value} {w:g}" for k, w in weights.items())
    if key is FairnessKey.national_income:
        return "national income (GDP weighted by the square root of GDP per head)"
    return key.value.replace("_", " ")
