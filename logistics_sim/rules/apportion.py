"""Apportionment: whole numbers in proportion to weights, summing to a given total."""

from __future__ import annotations


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Integers summing to ``total`` in proportion to ``weights`` (Hamilton's method).

    Ties in the remainders go to the earlier position, so the split is deterministic. With all
    weights zero the split is even.
    """
    if total <= 0 or not weights:
        return [0] * len(weights)
    weight_sum = sum(weights)
    if weight_sum <= 0:
        weights = [1.0] * len(weights)
        weight_sum = float(len(weights))
    quotas = [total * w / weight_sum for w in weights]
    counts = [int(q) for q in quotas]
    short = total - sum(counts)
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in order[:short]:
        counts[i] += 1
    return counts
