"""Sampling objects built from the scenario's distribution specs; each knows its analytic mean.

The random generator is always passed in (one ``numpy.random.Generator`` per subsystem), so a
replication's draws depend only on its seed, never on global state or on other subsystems.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np

from logistics_sim.scenario import (
    Dist,
    ExponentialDist,
    FixedDist,
    LognormalDist,
    TriangularDist,
    UniformDist,
)


class Sampler(Protocol):
    """Something that draws non-negative values and states its mean and variance."""

    @property
    def mean(self) -> float: ...

    @property
    def variance(self) -> float: ...

    @property
    def is_random(self) -> bool: ...

    def sample(self, rng: np.random.Generator) -> float: ...

    def samples(self, rng: np.random.Generator, count: int) -> list[float]:
        """``count`` draws, the same values as ``count`` calls of :meth:`sample` in a row."""
        ...


@dataclass(frozen=True)
class Fixed:
    """A constant; draws nothing from the generator (so switching it on changes no stream)."""

    value: float

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    @property
    def is_random(self) -> bool:
        return False

    def sample(self, rng: np.random.Generator) -> float:
        return self.value

    def samples(self, rng: np.random.Generator, count: int) -> list[float]:
        return [self.value] * count


@dataclass(frozen=True)
class Exponential:
    """Exponential with mean ``mean_value``."""

    mean_value: float

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def variance(self) -> float:
        return self.mean_value**2

    @property
    def is_random(self) -> bool:
        return True

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.exponential(self.mean_value))

    def samples(self, rng: np.random.Generator, count: int) -> list[float]:
        return list(rng.exponential(self.mean_value, count).tolist())


@dataclass(frozen=True)
class Lognormal:
    """Lognormal parameterised by its own mean and coefficient of variation."""

    mean_value: float
    cv: float

    @cached_property
    def sigma(self) -> float:
        """Standard deviation of the underlying normal."""
        return math.sqrt(math.log1p(self.cv**2))

    @cached_property
    def mu(self) -> float:
        """Mean of the underlying normal."""
        return math.log(self.mean_value) - self.sigma**2 / 2

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def variance(self) -> float:
        return (self.cv * self.mean_value) ** 2

    @property
    def is_random(self) -> bool:
        return self.cv > 0

    def sample(self, rng: np.random.Generator) -> float:
        if self.cv == 0:
            return self.mean_value
        return float(rng.lognormal(self.mu, self.sigma))

    def samples(self, rng: np.random.Generator, count: int) -> list[float]:
        if self.cv == 0:
            return [self.mean_value] * count
        return list(rng.lognormal(self.mu, self.sigma, count).tolist())


@dataclass(frozen=True)
class Triangular:
    """Triangular on [low, high] with mode ``mode``."""

    low: float
    mode: float
    high: float

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def variance(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    @property
    def is_random(self) -> bool:
        return self.high > self.low

    def sample(self, rng: np.random.Generator) -> float:
        if self.high == self.low:
            return self.low
        return float(rng.triangular(self.low, self.mode, self.high))

    def samples(self, rng: np.random.Generator, count: int) -> list[float]:
        if self.high == self.low:
            return [self.low] * count
        return list(rng.triangular(self.low, self.mode, self.high, count).tolist())


@dataclass(frozen=True)
class Uniform:
    """Uniform on [low, high]."""

    low: float
    high: float

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12

    @property
    def is_random(self) -> bool:
        return self.high > self.low

    def sample(self, rng: np.random.Generator) -> float:
        if self.high == self.low:
            return self.low
        return float(rng.uniform(self.low, self.high))

    def samples(self, rng: np.random.Generator, count: int) -> list[float]:
        if self.high == self.low:
            return [self.low] * count
        return list(rng.uniform(self.low, self.high, count).tolist())


def sampler(spec: Dist | float) -> Sampler:
    """The sampler for a scenario distribution spec (a bare number is fixed)."""
    if isinstance(spec, int | float):
        return Fixed(float(spec))
    if isinstance(spec, FixedDist):
        return Fixed(spec.value)
    if isinstance(spec, ExponentialDist):
        return Exponential(spec.mean)
    if isinstance(spec, LognormalDist):
        return Lognormal(spec.mean, spec.cv)
    if isinstance(spec, TriangularDist):
        return Triangular(spec.low, spec.mode, spec.high)
    if isinstance(spec, UniformDist):
        return Uniform(spec.low, spec.high)
    raise TypeError(f"not a distribution spec: {spec!r}")
