"""Samplers: analytic means and variances match large samples; specs map to the right sampler."""

from __future__ import annotations

import math

import numpy as np
import pytest

from logistics_sim.distributions import (
    Exponential,
    Fixed,
    Lognormal,
    Sampler,
    Triangular,
    Uniform,
    sampler,
)
from logistics_sim.scenario import (
    ExponentialDist,
    FixedDist,
    LognormalDist,
    Node,
    TriangularDist,
    UniformDist,
)

N_DRAWS = 200_000

CASES: list[Sampler] = [
    Exponential(4.0),
    Lognormal(10.0, 0.5),
    Lognormal(2.0, 1.5),
    Triangular(1.0, 2.0, 6.0),
    Triangular(0.0, 0.0, 3.0),
    Uniform(0.8, 1.2),
]


@pytest.mark.parametrize("dist", CASES, ids=repr)
def test_sample_mean_and_variance_match_the_analytic_values(dist: Sampler) -> None:
    """Within 5 standard errors (a false alarm about once in 3 million runs; seed fixed)."""
    rng = np.random.default_rng(20260301)
    draws = np.array([dist.sample(rng) for _ in range(N_DRAWS)])
    se_mean = math.sqrt(dist.variance / N_DRAWS)
    assert abs(draws.mean() - dist.mean) < 5 * se_mean
    # The variance's standard error depends on the fourth moment; estimate it from the draws.
    centred = (draws - draws.mean()) ** 2
    se_var = centred.std() / math.sqrt(N_DRAWS)
    assert abs(draws.var() - dist.variance) < 5 * se_var
    assert draws.min() >= 0


def test_analytic_formulas() -> None:
    assert Exponential(3.0).variance == 9.0
    assert Lognormal(10.0, 0.5).variance == pytest.approx(25.0)
    assert Triangular(1.0, 2.0, 6.0).mean == 3.0
    assert Triangular(1.0, 2.0, 6.0).variance == pytest.approx((1 + 36 + 4 - 6 - 2 - 12) / 18)
    assert Uniform(0.0, 6.0).variance == 3.0
    lognormal = Lognormal(10.0, 0.5)
    assert math.exp(lognormal.mu + lognormal.sigma**2 / 2) == pytest.approx(10.0)


def test_degenerate_distributions_draw_nothing() -> None:
    """Fixed values and zero-width distributions leave the generator's stream untouched."""
    degenerate: list[Sampler] = [
        Fixed(2.5),
        Lognormal(3.0, 0.0),
        Triangular(2.0, 2.0, 2.0),
        Uniform(1.0, 1.0),
    ]
    for dist in degenerate:
        rng = np.random.default_rng(7)
        value = dist.sample(rng)
        assert value == dist.mean
        assert dist.variance == pytest.approx(0.0)
        assert not dist.is_random
        assert rng.random() == np.random.default_rng(7).random()


@pytest.mark.parametrize("dist", [*CASES, Fixed(2.5), Lognormal(3.0, 0.0)], ids=repr)
def test_a_batch_of_draws_equals_the_same_number_of_single_draws(dist: Sampler) -> None:
    """The engine draws a day's demand variation in one batch; the stream must not change."""
    batch_rng, single_rng = np.random.default_rng(99), np.random.default_rng(99)
    assert dist.samples(batch_rng, 7) == [dist.sample(single_rng) for _ in range(7)]
    assert batch_rng.random() == single_rng.random()


def test_same_seed_same_draws() -> None:
    dist = Lognormal(5.0, 0.3)
    a = [dist.sample(np.random.default_rng(11)) for _ in range(3)]
    b = [dist.sample(np.random.default_rng(11)) for _ in range(3)]
    assert a == b


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (2.0, Fixed(2.0)),
        (3, Fixed(3.0)),
        (FixedDist(value=1.5), Fixed(1.5)),
        (ExponentialDist(kind="exponential", mean=4.0), Exponential(4.0)),
        (LognormalDist(kind="lognormal", mean=2.0, cv=0.4), Lognormal(2.0, 0.4)),
        (TriangularDist(kind="triangular", low=1, mode=2, high=3), Triangular(1.0, 2.0, 3.0)),
        (UniformDist(kind="uniform", low=0.5, high=1.5), Uniform(0.5, 1.5)),
    ],
)
def test_sampler_maps_each_spec(spec: object, expected: Sampler) -> None:
    assert sampler(spec) == expected  # type: ignore[arg-type]


def test_a_bare_number_in_a_scenario_is_a_fixed_distribution() -> None:
    node = Node.model_validate(
        {
            "id": "A",
            "name": "A",
            "kind": "junction",
            "country": "POL",
            "lat": 50.0,
            "lon": 20.0,
            "handling_days": 0.25,
        }
    )
    assert node.handling_days == FixedDist(value=0.25)
    assert sampler(node.handling_days) == Fixed(0.25)


def test_sampler_refuses_other_objects() -> None:
    with pytest.raises(TypeError, match="not a distribution spec"):
        sampler("5")  # type: ignore[arg-type]
