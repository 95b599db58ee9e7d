"""Reading the subjects CSV of Art. 34 letters so that no person is silently lost.

Every data row comes out of `read_rows` exactly once, either as its fields or as the
reason it cannot be read, with the physical line where it starts. A malformed row
(a quote that is never closed, a row longer than `MAX_ROW_CHARS`, bytes that are not
UTF-8, a NUL) is reported on its own line and reading goes on with the next row, so a
run can promise: letters written + rows rejected = data rows read.

By default a quoted field never runs across a line end: a line whose quotes are left
open is rejected alone, with its line number, and reading resumes at the next line, so
one missing quote can never swallow the next person (written + rejected = data lines).

Only when the file is declared to hold multi-line fields (`multiline=True`, the
`--multiline-fields` option) does a record whose quotes are unbalanced take the
following lines until its quotes balance, but
gives up (and is rejected alone) when a following line is itself a complete row with
a valid e-mail address, when `MAX_RECORD_LINES` or `MAX_ROW_CHARS` is reached, or at
the end of the file. The lines it had taken are then read again as rows of their own.
"""

from __future__ import annotations

import csv
import hashlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from breach.errors import InputError

REQUIRED_COLUMNS = ("email", "name")
#: One person's row (e-mail, name up to 256 characters, language, data items) is far
#: shorter; a longer row is a mistake or an attack and is rejected on its own.
MAX_ROW_CHARS = 65_536
#: A quoted field (an address, say) may span a few lines; more is an unclosed quote.
MAX_RECORD_LINES = 20
_NEWLINES = ("\n", "\r")


@dataclass(frozen=True)
class Columns:
    email: int
    name: int
    lang: int | None
    data: int | None
    jurisdiction: int | None = None  # e.g. US-CA: the person gets that jurisdiction's notice

    @property
    def width(self) -> int:
        return max(self.email, self.name, self.lang or 0, self.data or 0, self.jurisdiction or 0) + 1


class _BadRecord(Exception):
    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line, self.reason = line, reason


class _Records:
    """The CSV's records as text, one per `next()`, for one `csv.reader`.

    Raises `_BadRecord` for a record that cannot be read; the reader passes the
    exception through and starts afresh on the next call.
    """

    def __init__(self, fh: TextIO, is_row: Callable[[str], bool], multiline: bool = False):
        self.fh = fh
        self.is_row = is_row
        self.multiline = multiline
        self.line = 0  # last physical line read from the file
        self.start = 0  # line where the record handed out last starts
        self.handed = False  # a record was handed and its row not yet taken
        self.pending: deque[tuple[int, str | None, str | None]] = deque()

    def __iter__(self) -> _Records:
        return self

    def _take(self) -> tuple[int, str | None, str | None] | None:
        """(line, text, problem) of the next physical line, or None at the end."""
        if self.pending:
            return self.pending.popleft()
        text = self.fh.readline(MAX_ROW_CHARS + 1)
        if not text:
            return None
        self.line += 1
        if len(text) > MAX_ROW_CHARS and not text.endswith(_NEWLINES):
            while text and not text.endswith(_NEWLINES):  # skip the rest of the line
                text = self.fh.readline(MAX_ROW_CHARS + 1)
            return self.line, None, f"row longer than {MAX_ROW_CHARS:,} characters"
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:  # a byte that is not UTF-8, kept as a lone surrogate
                byte = ord(text[exc.start]) - 0xDC00
                return self.line, None, f"not UTF-8 (byte 0x{byte:02x}); save the file as UTF-8"
        return self.line, text, None

    def __next__(self) -> str:
        if self.handed:  # the reader wants more: the quotes did not pair up as CSV quotes do
            self.handed = False
            raise _BadRecord(self.start, "a quoted field is not closed")
        item = self._take()
        if item is None:
            raise StopIteration
        line, text, problem = item
        self.start = line
        if text is None:
            raise _BadRecord(line, problem or "unreadable row")
        if '"' not in text or parse_alone(text) is not None:
            self.handed = True
            return text
        if not self.multiline:
            raise _BadRecord(line, 'a quoted field is not closed on its line (a " is missing; '
                                   'use --multiline-fields if fields span lines)')
        parts, size = [text], len(text)
        taken: list[tuple[int, str | None, str | None]] = []
        while len(taken) < MAX_RECORD_LINES and (nxt := self._take()) is not None:
            taken.append(nxt)
            _, more, _ = nxt
            if more is None or size + len(more) > MAX_ROW_CHARS or self.is_row(more):
                break
            parts.append(more)
            size += len(more)
            if '"' in more and parse_alone("".join(parts)) is not None:  # the quote closes here
                self.handed = True
                return "".join(parts)
        # Never closed: reject this line alone and read the lines taken as rows of their own.
        self.pending.extendleft(reversed(taken))
        raise _BadRecord(line, 'a quoted field is not closed (a " is missing)')


def parse_alone(text: str) -> list[str] | None:
    """The fields of `text` if it is a whole record by itself; None if a quoted field runs on."""
    asked_more = False

    def lines() -> Iterator[str]:
        nonlocal asked_more
        yield text
        asked_more = True

    try:
        fields = next(csv.reader(lines()), [])
    except csv.Error:
        return []  # whole but malformed: the main reader reports it on its line
    return None if asked_more else fields


def open_subjects(path: Path) -> TextIO:
    """The CSV as text: UTF-8 (BOM allowed), bad bytes kept as surrogates to be reported per row."""
    return open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")


def read_header(fh: TextIO, csv_path: Path, lang_column: str) -> Columns:
    """Read and check the header row; column names are matched case-insensitively."""
    records = _Records(fh, lambda _text: False)
    try:
        header = [h.strip().lower() for h in next(csv.reader(records))]
    except StopIteration:
        raise InputError(f"{csv_path} is empty: it needs a header row with email,name") from None
    except _BadRecord as bad:
        raise InputError(f"{csv_path}:1: unreadable header row ({bad.reason})") from None
    except csv.Error as err:
        raise InputError(f"{csv_path}:1: unreadable header row ({err})") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError(f"{csv_path} lacks the required column(s): {', '.join(missing)}")
    if lang_column != "lang" and lang_column not in header:
        # Named on purpose (--lang-column): a typo must not send everyone the default language.
        raise InputError(f"{csv_path} has no column {lang_column!r} (columns: {', '.join(header)})")
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise InputError(f"{csv_path} repeats the column(s): {', '.join(dupes)}")
    return Columns(
        email=header.index("email"),
        name=header.index("name"),
        lang=header.index(lang_column) if lang_column in header else None,
        data=header.index("data") if "data" in header else None,
        jurisdiction=header.index("jurisdiction") if "jurisdiction" in header else None,
    )


def read_rows(fh: TextIO, *, is_row: Callable[[list[str]], bool],
              multiline: bool = False) -> Iterator[tuple[int, list[str] | None, str]]:
    """(line, fields, "") for each data row after the header, or (line, None, reason) for one
    that cannot be read. Blank lines are not rows. Quoted fields stay on their line unless
    `multiline`; then `is_row(fields)` tells whether a line that follows an unclosed quote
    is a person's row of its own (see the module doc)."""

    def starts_row(text: str) -> bool:
        fields = parse_alone(text)
        return is_row(fields) if fields else False

    records = _Records(fh, starts_row, multiline)
    reader = csv.reader(records)
    try:
        next(reader, None)  # the header, checked by read_header
    except (_BadRecord, csv.Error):
        pass
    records.handed = False
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except _BadRecord as bad:
            yield bad.line, None, bad.reason
            continue
        except csv.Error as err:
            records.handed = False
            yield records.start, None, f"unreadable row ({err})"
            continue
        records.handed = False
        if row:
            yield records.start, row, ""


def count_rows(path: Path) -> int:
    """Estimate the data rows of a CSV fast (newlines less the header), for a progress total.

    Quoted fields that span lines and blank lines make it an overestimate.
    """
    lines = 0
    last = b"\n"
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return max(0, lines - 1)


def file_identity(path: Path) -> dict[str, Any]:
    """Size and sha256 of the whole file: a resumed run must read the very same people."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}
