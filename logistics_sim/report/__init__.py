"""The feasibility report: self-contained HTML and Markdown built from a run folder only.

Why from the run folder only: the report must be reproducible from the archived results
alone (docs/architecture.md), whatever happened to the code or the scenario files since.
"""

from logistics_sim.report.build import build_report, render
from logistics_sim.report.sections import SECTIONS

__all__ = ["SECTIONS", "build_report", "render"]
