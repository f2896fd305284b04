"""logistics_sim: deploy, rotate, sustain and reinforce a coalition force; judge feasibility."""

from logistics_sim.errors import Problem, ScenarioError
from logistics_sim.loading import load_scenario
from logistics_sim.scenario import Scenario

__version__ = "0.1.0"

__all__ = ["Problem", "Scenario", "ScenarioError", "__version__", "load_scenario"]
