"""Text from inputs made inert wherever it is shown: terminal, Markdown, HTML, CSV.

A scenario's names and explanations are the user's (or a stranger's) text. Shown as they are,
a newline forges a ``file:line:col`` problem line or a ``verdict:`` line, escape sequences set
the terminal's title or clear it, U+202E (right-to-left override) makes text read backwards,
``[x](javascript:...)`` or ``![](https://tracker)`` become a link or a beacon in Markdown, and
``=HYPERLINK(...)`` a formula in a spreadsheet. Each function here neutralises one medium;
HTML is escaped by the report's Jinja environment (``autoescape=True``), with the same bidi
controls removed first.
"""

from __future__ import annotations

import re

import pandas as pd

#: Unicode controls that reorder text (bidi embeddings, overrides, isolates, marks).
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "\u2028\u2029]")
#: Markdown characters that could start a link, image, code span, emphasis or table cell.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]!|])")
#: A CSV cell starting with one of these is read as a formula by spreadsheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escape(match: re.Match[str]) -> str:
    """A control character as a visible escape (``\\n``, ``\\x1b``, ``\\u202e``)."""
    ch = match.group(0)
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if ch in named:
        return named[ch]
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def terminal(text: object) -> str:
    """``text`` as one terminal line: control and bidi characters shown as escapes."""
    return _CONTROL.sub(_escape, str(text))


def markdown(text: object) -> str:
    """``text`` as inert Markdown: no link, image, HTML tag, emphasis or table cell forms.

    ``[x](javascript:...)`` and ``![](https://tracker)`` lose their brackets' meaning, a bare
    ``https://`` is broken so no autolink forms, ``<`` and ``&`` cannot start HTML, and a
    newline cannot start a heading or list.
    """
    flat = terminal(text).replace("\\n", " ").replace("\\r", " ")
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", flat.replace("&", "&amp;").replace("<", "&lt;"))
    return escaped.replace("://", ":\\/\\/").replace("www.", "www\\.")


def html_text(text: object) -> str:
    """``text`` ready for an autoescaping template: bidi and control characters shown."""
    return terminal(text)


def csv_cell(value: object) -> object:
    """A text cell that a spreadsheet would read as a formula, prefixed with ``'``.

    Numbers are left alone (a negative number is data, not a formula).
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are safe to open in a spreadsheet."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(csv_cell)
    return out
