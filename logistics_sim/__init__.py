"""logistics_sim: deploy, rotate, sustain and reinforce a coalition force; judge feasibility."""

from typing import TYPE_CHECKING

from logistics_sim.errors import Problem, ScenarioError
from logistics_sim.loading import load_scenario
from logistics_sim.scenario import Scenario

if TYPE_CHECKING:
    from logistics_sim.experiment import RunResult, simulate

__version__ = "0.1.0"

__all__ = [
    "Problem",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "simulate",
]

_LAZY = {"simulate": "logistics_sim.experiment", "RunResult": "logistics_sim.experiment"}


def __getattr__(name: str) -> object:
    """Import the experiment layer (pandas, pyarrow, scipy) only when it is first used."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'logistics_sim' has no attribute {name!r}")
