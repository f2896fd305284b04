"""Burden sharing: divide the required capabilities among nations, fairly, within their limits.

``optimise(scenario)`` is the entry point (DESIGN.md §5): it builds the instance, solves the
scenario's objective and, when the requirement cannot be met, returns an infeasible result that
carries the largest sustainable force in the required mix (its allocation), the conflicting
limits, the shortfalls and the smallest relaxations, all in planners' words.

The names below are imported when first used, so that reading a result
(``optimisation.result``, a pure data module) does not load the solvers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from optimisation.api import optimise, optimise_instance, params_of
    from optimisation.diagnostics import conflict_set
    from optimisation.instance import AllocationInstance, build_instance, evaluate
    from optimisation.result import AllocationResult, NationBurden, Status
    from optimisation.solve import LARGEST_FORCE_DIVISION, SolveParams, solve

#: Where each public name lives.
_HOME = {
    "optimise": "api",
    "optimise_instance": "api",
    "params_of": "api",
    "conflict_set": "diagnostics",
    "AllocationInstance": "instance",
    "build_instance": "instance",
    "evaluate": "instance",
    "AllocationResult": "result",
    "NationBurden": "result",
    "Status": "result",
    "LARGEST_FORCE_DIVISION": "solve",
    "SolveParams": "solve",
    "solve": "solve",
}


def __getattr__(name: str) -> object:
    """A public name, importing its module of this package when it is first asked for."""
    if name in _HOME:
        return getattr(importlib.import_module(f"optimisation.{_HOME[name]}"), name)
    raise AttributeError(f"module 'optimisation' has no attribute {name!r}")


__all__ = [
    "LARGEST_FORCE_DIVISION",
    "AllocationInstance",
    "AllocationResult",
    "NationBurden",
    "SolveParams",
    "Status",
    "build_instance",
    "conflict_set",
    "evaluate",
    "optimise",
    "optimise_instance",
    "params_of",
    "solve",
]
