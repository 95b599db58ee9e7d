"""textsafe: terminal-safe text, continuation lines, spreadsheet-safe cells, length caps."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from breach.core.textsafe import check_length, csv_cell, for_terminal, for_terminal_block, indent_continuation
from breach.errors import InputError


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain text", "plain text"),
        ("Zoë Ŋ'Ölçer", "Zoë Ŋ'Ölçer"),
        ("a\x1b]0;owned\x07b", "ab"),  # OSC: retitles the window
        ("a\x1b]0;owned\x1b\\b", "ab"),  # OSC ended by ST
        ("x\x1b[2Jy", "xy"),  # CSI: clears the screen
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x9b2J", ""),  # 8-bit CSI
        ("bell\x07", "bell\\x07"),
        ("over\rwrite", "over\\x0dwrite"),
        ("back\x08space", "back\\x08space"),
        ("bidi\u202eevil", "bidi\\u202eevil"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        (None, ""),
        (42, "42"),
    ],
)
def test_for_terminal(text: object, shown: str) -> None:
    assert for_terminal(text) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("one line", "one line"),
        ("first\nsecond", "first\n    second"),
        ("first\r\nsecond\rthird", "first\n    second\n    third"),
        ("first\u2028second", "first\n    second"),
        ("", ""),
    ],
)
def test_indent_continuation(text: str, shown: str) -> None:
    assert indent_continuation(text, "    ") == shown


def test_for_terminal_block_escapes_then_indents() -> None:
    assert for_terminal_block("a\x1b[2J\r\n#2 fake\rline", "  ") == "a\n  #2 fake\\x0dline"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-cmd", "'-cmd"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-1.5", "-1.5"),  # numbers stay numbers
        ("+3", "+3"),
        ("-2e3", "-2e3"),
        ("-2+3", "'-2+3"),
        ("a=b", "a=b"),
        ("", ""),
        (7, 7),
        (None, None),
    ],
)
def test_csv_cell(value: object, cell: object) -> None:
    assert csv_cell(value) == cell


@pytest.mark.parametrize(("value", "limit", "ok"), [("x" * 10, 10, True), ("x" * 11, 10, False),
                                                    (["x" * 5], 10, True), (["x" * 50], 10, False), (None, 1, True)])
def test_check_length(value: object, limit: int, ok: bool) -> None:
    if ok:
        check_length(value, what="the title", limit=limit)
    else:
        with pytest.raises(InputError, match=f"the title is .* characters long; the limit is {limit}"):
            check_length(value, what="the title", limit=limit)


def test_check_length_refuses_text_that_is_not_utf8() -> None:
    with pytest.raises(InputError, match="not valid UTF-8"):
        check_length({"a": ["caf\udce9"]}, what="the answer", limit=100)


_ANY = st.text(alphabet=st.characters(codec=None), max_size=200)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@settings(max_examples=200, deadline=None)
@given(st.one_of(_ANY, st.text(alphabet="\x1b[]0;2J\x07\x9b\x9d\\\r\n\tab", max_size=60)))
def test_no_control_character_survives(text: str) -> None:
    shown = for_terminal(text)
    assert not _CONTROL.search(shown)
    block = for_terminal_block(text, "   ")
    assert all(line.startswith("   ") for line in block.split("\n")[1:])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_no_cell_starts_a_formula(text: str) -> None:
    cell = csv_cell(text)
    if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
        float(cell)  # only numbers may keep a sign


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.text(max_size=50), st.lists(st.text(max_size=20), max_size=5), st.none(), st.integers(),
                 st.text(alphabet=st.sampled_from(["a", "\udc80"]), max_size=8)),
       st.integers(min_value=0, max_value=60))
def test_check_length_passes_or_raises_input_error(value: object, limit: int) -> None:
    """It refuses exactly what is over the limit (or not UTF-8), and the refusal names the field and the limit."""
    size = 0 if value is None else len(value) if isinstance(value, str) else len(repr(value))
    texts = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    not_utf8 = any(0xD800 <= ord(c) <= 0xDFFF for text in texts for c in text)
    try:
        check_length(value, what="x", limit=limit)
    except InputError as exc:
        assert size > limit or not_utf8, (value, limit)
        expected = f"x is {size:,} characters long; the limit is {limit:,}" if size > limit else \
            "x is not valid UTF-8 text"
        assert str(exc).startswith(expected), str(exc)
    else:
        assert size <= limit and not not_utf8, (value, limit)
