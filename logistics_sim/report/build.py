"""Render report.html (self-contained) and report.md with figures/ from a run folder.

Why it is built this way: Jinja2 escapes every value (``autoescape=True``, not
``select_autoescape``, which does not match ``.html.j2``), CSS is inline and figures are
SVG data URIs, so the HTML needs no network, no JavaScript, and cannot run scenario text;
nothing time-dependent is rendered, so one run folder gives one byte-identical report.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import jinja2
from markupsafe import Markup

from logistics_sim import runfolder as rf
from logistics_sim.report.format import VERDICT_WORDS
from logistics_sim.report.rundata import RunData, load_run_data
from logistics_sim.report.sections import SECTIONS, build_sections

TEMPLATES = Path(__file__).parent / "templates"
_ENTITY = re.compile(r"&(?=[#A-Za-z])")  # an ampersand that could start an HTML entity


def _md_escape(value: object) -> Markup:
    """Make a value safe inside Markdown (and its HTML): no raw tags, no table-breaking pipes.

    Template output (macros) is already Markup and passes through unchanged.
    """
    if isinstance(value, Markup):
        return value
    text = _ENTITY.sub("&amp;", str(value)).replace("<", "&lt;")
    return Markup(text.replace("|", "\\|").replace("\r", " ").replace("\n", " "))


def html_environment() -> jinja2.Environment:
    """Jinja2 environment for the HTML report: autoescape forced on, undefined names fail."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def md_environment() -> jinja2.Environment:
    """Jinja2 environment for Markdown: every value passes through a Markdown-safe escape."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_md_escape,
    )


def data_uri(svg: bytes) -> Markup:
    """An SVG as a base64 data URI (safe: base64 text has no markup)."""
    return Markup("data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"))


def render(run: RunData) -> tuple[str, str, dict[str, bytes]]:
    """The HTML text, the Markdown text and the figures (file name → SVG bytes) of a run."""
    verdict, req, sections = build_sections(run)
    context = {
        "scenario": run.scenario,
        "verdict": verdict,
        "verdict_words": VERDICT_WORDS.get(verdict, verdict),
        "verdict_class": verdict.lower(),
        "requirement": req,
        "sections": sections,
        "toc": SECTIONS,
        "data_uri": data_uri,
    }
    html = html_environment().get_template("report.html.j2").render(**context)
    md = md_environment().get_template("report.md.j2").render(**context)
    figs = {f.name: f.svg for s in sections for f in s.figures}
    return html, md, figs


def build_report(
    run_folder: Path,
    *,
    sweep: Path | None = None,
    data_dir: Path | None = None,
    docs_dir: Path | None = None,
) -> tuple[Path, Path]:
    """Write report.html, report.md and figures/*.svg into the run folder; return both paths.

    ``sweep`` (a sweep folder or its sweep.csv) adds the tornado chart; ``data_dir`` and
    ``docs_dir`` default to the repository's scenarios/data and docs beside the package.
    """
    run = load_run_data(Path(run_folder), sweep=sweep, data_dir=data_dir, docs_dir=docs_dir)
    return write_report(run)


def write_report(run: RunData) -> tuple[Path, Path]:
    """Write report.html, report.md and figures/*.svg of an already loaded run folder."""
    folder = run.folder
    html, md, figs = render(run)
    fig_dir = folder / "figures"
    fig_dir.mkdir(exist_ok=True)
    for name, svg in sorted(figs.items()):
        rf.write_bytes_atomic(fig_dir / name, svg)
    html_path, md_path = folder / "report.html", folder / "report.md"
    rf.write_bytes_atomic(html_path, html.encode("utf-8"))
    rf.write_bytes_atomic(md_path, md.encode("utf-8"))
    return html_path, md_path
