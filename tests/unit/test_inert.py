"""Text from inputs made inert: terminal, Markdown, CSV; and the work limits of a run."""

from __future__ import annotations

import pandas as pd
import pytest

from logistics_sim import inert, limits


def test_terminal_shows_controls_and_bidi_overrides_as_escapes() -> None:
    hostile = "Fill\nverdict: FEASIBLE\x1b]0;owned\x07\x1b[2J\u202eevil\u2066"
    shown = inert.terminal(hostile)
    assert shown == "Fill\\nverdict: FEASIBLE\\x1b]0;owned\\x07\\x1b[2J\\u202eevil\\u2066"
    assert "\n" not in shown and "\x1b" not in shown
    assert inert.terminal("Élan — 95 %") == "Élan — 95 %"  # ordinary text unchanged


def test_markdown_forms_no_link_image_tag_or_heading() -> None:
    text = inert.markdown("[x](javascript:alert(1))\n# h ![b](http://t.example/p.png) <i>")
    assert "](" not in text.replace("\\](", "")
    assert "<i>" not in text and "http://" not in text and "\n" not in text


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-A1", "'-A1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("mech_inf", "mech_inf"),
        (-5, -5),
        (2.5, 2.5),
    ],
)
def test_csv_cells_that_spreadsheets_would_evaluate_are_quoted(cell: object, safe: object) -> None:
    assert inert.csv_cell(cell) == safe


def test_csv_frame_quotes_text_columns_only() -> None:
    frame = pd.DataFrame({"settings": ["=cmd()", "a=1"], "mean": [-1.0, 2.0]})
    out = inert.csv_frame(frame)
    assert out["settings"].tolist() == ["'=cmd()", "a=1"]
    assert out["mean"].tolist() == [-1.0, 2.0]


def test_a_century_at_150k_is_refused_per_replication() -> None:
    """Issue 20: 36,500 days at 150,000 troops (255 units) needed 4.5 GB a process."""
    (message,) = limits.run_work_problems(units=255, horizon_days=36_500, replications=1)
    assert message == (
        "one replication's work (deployed units x horizon days) is 9,307,500, above the limit "
        "of 2,000,000; set LOGISTICS_SIM_MAX_REPLICATION_UNIT_DAYS to raise it"
    )
    assert limits.run_work_problems(units=255, horizon_days=730, replications=30) == []


def test_a_billion_replications_are_refused() -> None:
    found = limits.run_work_problems(units=6, horizon_days=120, replications=10**9)
    assert found[0].startswith("the number of replications is 1,000,000,000, above the limit")
