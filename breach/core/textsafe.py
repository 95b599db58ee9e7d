"""Responder text made safe for terminals and spreadsheets, and bounded in length.

Pure functions, no I/O. Titles, log text and answers are typed by people under stress
or pasted from attacker-controlled material (a phishing mail, a ransom note), so:

- `for_terminal` removes escape sequences (`ESC ] 0;title BEL` retitles the window,
  `ESC [2J` clears the screen) and shows other control characters as `\\xNN`;
- `indent_continuation` indents every line after the first, so a newline in log
  text cannot print a line that looks like a new timeline entry;
- `one_line` and `md_text` keep user text from making Markdown structure: a newline in
  a title cannot forge a `## BR-...` heading, a line cannot start a list or a table;
- `csv_cell` defuses spreadsheet formulas (OWASP "CSV injection");
- `check_length` bounds what is stored, with the limit in the message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from breach.errors import InputError

#: A title is one line for lists, registers and Slack; 500 characters is a paragraph already.
MAX_TITLE = 500
#: One timeline entry (note, action, evidence, decision), a close summary, an awareness note:
#: 100,000 characters is about 30 printed pages; longer material belongs in an evidence file.
MAX_LOG_TEXT = 100_000
#: One answer of an assessment (free text, or a list/mapping counted as its repr).
MAX_ANSWER = 100_000

# ESC followed by: CSI (ESC [ ... final byte), OSC/DCS/SOS/PM/APC strings (ended by BEL
# or ESC \), or a single two-character sequence (ESC 7, ESC c ...). The 8-bit C1 forms
# (0x9b CSI, 0x9d OSC) are matched too.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x9d\x98\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
# Every control character except newline and tab, DEL, C1 controls, and the Unicode
# line separators and bidirectional overrides that can reorder or split what is shown.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: Any) -> str:
    """`text` with escape sequences removed and other control characters shown as `\\xNN`.

    Newlines and tabs are kept (see `indent_continuation` for newlines); `\\r` is shown,
    since it would let a line overwrite itself.
    """
    value = "" if text is None else str(text)
    return _CONTROL.sub(_escape, _ESCAPE_SEQUENCE.sub("", value))


_MD_LINE_START = re.compile(r"^(\s*)([#>|*+=`~-]|\d+[.)])")


def one_line(text: Any) -> str:
    """`for_terminal`, then every line break and tab run made one space: text for one line of a
    table, a heading or a list item, which no newline in it can end early."""
    return " ".join(for_terminal(text).split())


def md_text(text: Any) -> str:
    """`for_terminal`, then each line that would start a heading, list, quote, table, rule or code
    fence in Markdown gets a backslash before its first mark, so user text stays text."""
    lines = for_terminal(text).replace("\r\n", "\n").split("\n")
    return "\n".join(_MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line) for line in lines)


def indent_continuation(text: str, prefix: str) -> str:
    """Every line after the first starts with `prefix`, so it cannot pass for a new entry.

    Any line break Python knows (`\\r\\n`, `\\r`, `\\x0b`, `\\u2028` ...) counts.
    """
    lines = str(text).splitlines() or [""]
    return ("\n" + prefix).join(lines)


def for_terminal_block(text: Any, prefix: str) -> str:
    """`for_terminal` then `indent_continuation`: the usual treatment of a responder's text."""
    value = "" if text is None else str(text)
    return indent_continuation(for_terminal(value.replace("\r\n", "\n")), prefix)


def csv_cell(value: Any) -> Any:
    """A cell that a spreadsheet cannot run: text starting with =, +, -, @, tab or CR gets a leading '.

    Numbers (`-1.5`, `+3`) and non-text values are returned unchanged.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def check_length(value: Any, *, what: str, limit: int) -> None:
    """Raise InputError if `value` is too long or cannot be stored as UTF-8 text.

    Text is measured in characters; a list or mapping (an answer) by its repr. Text that
    is not valid UTF-8 (a stray byte in a command-line argument arrives as a lone
    surrogate) is refused here rather than failing later in the database.
    """
    if value is None:
        return
    size = len(value) if isinstance(value, str) else len(repr(value))
    if size > limit:
        raise InputError(f"{what} is {size:,} characters long; the limit is {limit:,}")
    for text in _strings(value):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputError(f"{what} is not valid UTF-8 text (a bad byte at character {exc.start + 1}); "
                             "retype it or check the terminal's encoding") from None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)
