"""The report's sections as plain data (numbers, sentences, tables, SVG figures) from a run.

Why a separate layer: both templates (HTML and Markdown) render the same context, so the two
reports always carry the same sections and figures; and every sentence is built here from the
run folder's figures, never typed into a template with a number in it. One module per topic;
the analysis they share is in ``logistics_sim.report.findings``, the number formats in
``logistics_sim.report.format``.
"""

from __future__ import annotations

from logistics_sim.report.findings import Requirement, requirement
from logistics_sim.report.format import VERDICT_WORDS
from logistics_sim.report.rundata import RunData
from logistics_sim.report.sections.assumptions import assumptions_section
from logistics_sim.report.sections.binds import binds_section
from logistics_sim.report.sections.burden import burden_section
from logistics_sim.report.sections.closing import (
    annex_section,
    limitations_section,
    provenance_section,
)
from logistics_sim.report.sections.closure import closure_section
from logistics_sim.report.sections.cost import cost_section
from logistics_sim.report.sections.elements import Figure, Section, Table
from logistics_sim.report.sections.operations import nodes_section, strength_section, supply_section
from logistics_sim.report.sections.reinforcement import reinforcement_section
from logistics_sim.report.sections.sensitivity import sensitivity_section
from logistics_sim.report.sections.stock_policy import stock_policy_section
from logistics_sim.report.sections.throughput import throughput_section
from logistics_sim.report.sections.verdict import headline, verdict_section

#: The names callers imported from report/sections.py before it became this package.
__all__ = [
    "SECTIONS",
    "VERDICT_WORDS",
    "Figure",
    "Requirement",
    "Section",
    "Table",
    "build_sections",
    "headline",
    "requirement",
]

#: Section ids and titles, in the order of issue 8; both templates follow it.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("verdict", "Verdict"),
    ("binds", "What binds"),
    ("burden", "Burden sharing"),
    ("cost", "Who pays what"),
    ("strength", "Deployed strength over time"),
    ("supply", "Days of supply by sector and class"),
    ("stock_policy", "Stock policy"),
    ("nodes", "Node utilisation"),
    ("throughput", "Fleets and crossings"),
    ("reinforcement", "Reinforcement closure"),
    ("closure", "Reinforcement closure decomposed"),
    ("sensitivity", "Sensitivity"),
    ("assumptions", "Assumptions and sources"),
    ("limitations", "Limitations"),
    ("annex", "Annex: simulation study report (STRESS-DES)"),
    ("provenance", "Provenance"),
)


def build_sections(run: RunData) -> tuple[str, Requirement, list[Section]]:
    """The overall verdict, the requirement line and every section in the order of SECTIONS."""
    req = requirement(run)
    verdict_sec, verdict = verdict_section(run, req)
    sections = [
        verdict_sec,
        binds_section(run, req),
        burden_section(run, req),
        cost_section(run),
        strength_section(run),
        supply_section(run),
        stock_policy_section(run),
        nodes_section(run),
        throughput_section(run),
        reinforcement_section(run),
        closure_section(run),
        sensitivity_section(run),
        assumptions_section(run),
        limitations_section(run, req),
        annex_section(run),
        provenance_section(run),
    ]
    assert [s.id for s in sections] == [i for i, _ in SECTIONS]
    return verdict, req, sections
