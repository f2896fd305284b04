"""The report's building blocks as plain data: sections, tables and figures.

Both templates (HTML and Markdown) render the same elements, so the two reports always carry
the same sections and figures."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Figure:
    """One chart: a file name, its SVG bytes and the sentence a reader needs instead of it."""

    name: str
    svg: bytes
    alt: str


@dataclass
class Table:
    """A table: header cells and rows of already-formatted cells."""

    header: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    """One section: paragraphs, bullet lists, tables and figures, in that order."""

    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    details: list[tuple[str, Table]] = field(default_factory=list)
    lists: list[tuple[str, list[str]]] = field(default_factory=list)  # headed lists, first
