"""Art. 34 letters at scale: the approved subject-letter, filled per person, streamed.

GDPR Art. 34(1): when a breach is likely to result in a high risk to people, the
controller tells them "without undue delay". Legal approves one `subject-letter` text
per language; this module fills only its two per-person markers, `[[recipient_name]]`
and `[[recipient_data]]`, so every letter is the approved text plus that person's
details. Nothing else in the text is interpreted: no template language runs here.

The CSV is streamed (memory stays flat for millions of rows); bad rows go to
`rejected.csv`; a checkpoint (`.progress`) lets a killed run resume without writing a
letter twice. I/O happens only under the paths given. See docs/letters.md.
"""

from __future__ import annotations

import binascii
import csv
import dataclasses
import hashlib
import html
import json
import os
import re
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from breach.adapters import letters_mime as mime
from breach.adapters.clock import now as wall_clock_now
from breach.adapters.letters_checkpoint import LETTERS_DIR, check_checkpoint
from breach.adapters.subjects_csv import (
    REQUIRED_COLUMNS,
    Columns,
    count_rows,
    file_identity,
    open_subjects,
    read_header,
    read_rows,
)
from breach.core.textsafe import csv_cell
from breach.core.us_letter import route
from breach.errors import ApprovalError, InputError

__all__ = ["REQUIRED_COLUMNS", "ApprovedLetter", "LetterSummary", "count_rows", "email_problem", "split_letter",
           "write_letters"]

NAME_MARKER = "[[recipient_name]]"
DATA_MARKER = "[[recipient_data]]"
FORMATS = ("eml", "mbox", "md")

MBOX_FILE = "letters.mbox"
REJECTED_FILE = "rejected.csv"
PROGRESS_FILE = ".progress"

INDEX_WIDTH = 7  # letters/0000001.eml ... sorts by row up to 9,999,999 rows
CHECKPOINT_EVERY = 10_000
PROGRESS_EVERY = 256
MAX_NAME_CHARS = 256
MAX_LINE_OCTETS = 998  # RFC 5322 2.1.1: a line is at most 998 octets before CRLF
MAX_ENCODED_WORD = 600  # base64 characters: "To: " + word + address stays under 998
DATA_SEPARATOR = ", "
DEFAULT_DATA_KEY = "_default"

_MARKER = re.compile(r"\[\[([^\[\]\n]{0,64})\]\]")
_SLOTS = re.compile(r"(\[\[recipient_name\]\]|\[\[recipient_data\]\])")
_DOMAIN = (
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})"
)
# The common shape: checked by regex alone (parseaddr costs ~20 µs a row).
_EMAIL_PLAIN = re.compile(r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@" + _DOMAIN)
# RFC 5322 dot-atom with every atext character; also confirmed with parseaddr.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_EMAIL_ATOM = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*@" + _DOMAIN)
_LANG_TAG = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SPECIALS = re.compile(r'[][\\()<>@,:;".]')  # RFC 5322 specials: the display name needs quoting
_FROM_LINE = re.compile(rb"^From ", re.MULTILINE)


# --- the approved text ---------------------------------------------------------------


def split_letter(text: str) -> tuple[str, str]:
    """Split an approved subject-letter into (subject, body).

    The first line is `# <subject>`; the body is the rest, less one leading blank line.
    Line endings are normalized to `\\n`.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first, _, rest = text.partition("\n")
    if not first.startswith("# ") or not first[2:].strip():
        raise ApprovalError("an approved subject-letter must start with '# <subject line>'")
    if rest.startswith("\n"):
        rest = rest[1:]
    return first[2:].strip(), rest


@dataclass(frozen=True)
class ApprovedLetter:
    """One approved `subject-letter` text (Markdown) for one language."""

    lang: str
    version: int | str
    sha256: str  # hex sha256 of `text` encoded as UTF-8, as approved
    text: str

    @classmethod
    def from_text(cls, *, lang: str, version: int | str, text: str) -> ApprovedLetter:
        """Build one from its text, computing the sha256 (for tests and drills)."""
        return cls(lang=lang, version=version, sha256=_sha256(text), text=text)

    @property
    def subject(self) -> str:
        return split_letter(self.text)[0]

    @property
    def body(self) -> str:
        return split_letter(self.text)[1]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the summary ---------------------------------------------------------------------


@dataclass(frozen=True)
class LetterSummary:
    """What a run produced. Counts and hashes only: never a person's name or e-mail."""

    written: int
    rejected: int
    by_lang: dict[str, int]
    out_bytes: int
    template_sha256: dict[str, str]
    template_versions: dict[str, int | str]
    duration_seconds: float
    fmt: str = "eml"
    resumed: bool = False
    rows: int = 0  # data rows read: always written + rejected

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- compiled letters ----------------------------------------------------------------


@dataclass(frozen=True)
class _Compiled:
    """An approved letter as bytes templates for one output format.

    Filled with bytes %-formatting, one C call a letter: %(t)b the To header, %(i)d the
    row index, %(n)b the name, %(d)b the data wording, %(N)b and %(D)b the same escaped
    for html (all pre-encoded UTF-8). E-mails are multipart/alternative: text/plain
    without Markdown marks, then simple inline-styled text/html (breach.adapters.letters_mime).
    """

    lang: str
    whole: bytes  # head + both 8bit parts, or the whole markdown
    head_qp: bytes  # head and text/plain part head announcing quoted-printable (over-long lines)
    body: bytes  # the text/plain part
    qp_free: int  # up to this many octets of name + data, no line can exceed 998
    fixed_max_line: int  # longest line without a marker, in octets
    marker_lines: tuple[tuple[int, int, int], ...]  # (static octets, names, datas)
    html: bytes = b""  # the text/html part
    mid_qp: bytes = b""  # between the parts (quoted-printable html part head)
    tail: bytes = b""  # the closing boundary
    tag: str = ""  # counted under this key instead of `lang` (e.g. US-CA: the California notice)

    def needs_qp(self, name_octets: int, data_octets: int) -> bool:
        """True when a filled line exceeds 998 octets, so 8bit would be invalid."""
        if name_octets + data_octets <= self.qp_free:
            return False
        if self.fixed_max_line > MAX_LINE_OCTETS:
            return True
        return any(
            static + n_name * name_octets + n_data * data_octets > MAX_LINE_OCTETS
            for static, n_name, n_data in self.marker_lines
        )


def _lit(text: str) -> str:
    return text.replace("%", "%%")


def _slot_format(text: str, html: bool = False) -> str:
    """Escape % and turn the two markers into %(n)b and %(d)b (%(N)b, %(D)b: html-escaped)."""
    out = []
    for part in _SLOTS.split(text):
        if part == NAME_MARKER:
            out.append("%(N)b" if html else "%(n)b")
        elif part == DATA_MARKER:
            out.append("%(D)b" if html else "%(d)b")
        else:
            out.append(_lit(part))
    return "".join(out)


def _line_stats(body: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    fixed = 0
    marked = []
    for line in body.split("\n"):
        n_name, n_data = line.count(NAME_MARKER), line.count(DATA_MARKER)
        static = len(line.replace(NAME_MARKER, "").replace(DATA_MARKER, "").encode())
        if n_name or n_data:
            marked.append((static, n_name, n_data))
        else:
            fixed = max(fixed, static)
    return fixed, tuple(marked)


def _check_letter(key: str, letter: ApprovedLetter) -> tuple[str, str]:
    where = f"approved subject-letter for {key} (version {letter.version})"
    if letter.lang.strip().lower() != key:
        raise ApprovalError(f"letters[{key!r}] holds the {letter.lang!r} subject-letter")
    if _sha256(letter.text) != letter.sha256:
        raise ApprovalError(f"{where} does not match its approved sha256: it changed after approval")
    subject, body = split_letter(letter.text)
    if _MARKER.search(subject):
        raise ApprovalError(f"{where}: the subject line must not contain a per-person marker")
    if _CONTROL.search(subject):
        raise ApprovalError(f"{where}: the subject line has a control character")
    for name in _MARKER.findall(body):
        if f"[[{name}]]" not in (NAME_MARKER, DATA_MARKER):
            raise ApprovalError(
                f"{where} has an unfilled placeholder [[{name}]]; only {NAME_MARKER} and "
                f"{DATA_MARKER} are filled per person"
            )
    for marker in (NAME_MARKER, DATA_MARKER):
        if marker not in body:
            raise ApprovalError(f"{where} has no {marker} marker")
    return subject, body


def _compile(
    key: str,
    letter: ApprovedLetter,
    *,
    fmt: str,
    from_header: str,
    date_header: str,
    id_key: str,
    id_domain: str,
) -> _Compiled:
    subject, body = _check_letter(key, letter)
    if not body.endswith("\n"):
        body += "\n"
    fixed, marked = _line_stats(body)
    if fmt == "md":  # the approved text itself, markers filled
        text = letter.text.replace("\r\n", "\n").replace("\r", "\n")
        whole = _slot_format(text if text.endswith("\n") else text + "\n").encode()
        return _Compiled(key, whole, b"", b"", 1 << 62, 0, ())
    eol = "\r\n" if fmt == "eml" else "\n"
    plain = mime.plain_text(body)
    page = mime.html_text(body, lang=letter.lang, subject=subject)
    if fmt == "mbox":
        # mboxo, as Python's mailbox writes it: a body line starting "From " gets ">".
        plain, page = (re.sub(r"(?m)^From ", ">From ", x) for x in (plain, page))
    fixed, marked = _line_stats(plain + page)
    charset = "us-ascii" if subject.isascii() and "=?" not in subject else "utf-8"
    subject_header = Header(subject, charset, header_name="Subject").encode(linesep=eol)
    head = eol.join(
        [
            f"From: {_lit(from_header)}",
            "To: %(t)b",
            f"Subject: {_lit(subject_header)}",
            f"Date: {date_header}",
            f"Message-ID: <{id_key}.%(i)d@{id_domain}>",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/alternative; boundary="{mime.BOUNDARY}"',
        ]
    ) + eol + eol
    plain_fmt = _slot_format(plain.replace("\n", eol)).encode()
    html_fmt = _slot_format(page.replace("\n", eol), html=True).encode()
    tail = _lit(mime.closing(eol)).encode()
    if fixed > MAX_LINE_OCTETS:
        qp_free = -1
    else:
        qp_free = min(
            ((MAX_LINE_OCTETS - static) // (n_name + n_data) for static, n_name, n_data in marked),
            default=1 << 62,
        )
    return _Compiled(
        lang=key,
        whole=(head + mime.part_head("text/plain", "8bit", eol)).encode() + plain_fmt + eol.encode()
        + mime.part_head("text/html", "8bit", eol).encode() + html_fmt + tail,
        head_qp=(head + mime.part_head("text/plain", "quoted-printable", eol)).encode(),
        body=plain_fmt,
        qp_free=qp_free,
        fixed_max_line=fixed,
        marker_lines=marked,
        html=html_fmt,
        mid_qp=(eol + mime.part_head("text/html", "quoted-printable", eol)).encode(),
        tail=tail,
    )


# --- per-row checks ------------------------------------------------------------------


def email_problem(value: str) -> str | None:
    """Why `value` is not a usable recipient address, or None if it is."""
    if not value:
        return "missing e-mail address"
    if len(value) > 254 or value.find("@") > 64:
        return "malformed e-mail address"
    if _EMAIL_PLAIN.fullmatch(value):
        return None
    if _EMAIL_ATOM.fullmatch(value) and parseaddr(value) == ("", value):
        return None
    return "malformed e-mail address"


def _clean(value: str) -> str:
    """One line of printable text: no CR/LF (header injection), no control characters."""
    if value.isprintable():
        return value.strip()
    return " ".join(_CONTROL.sub(" ", value).split())


def _to_header(name: str, address: str, fold: str) -> bytes:
    """The To header value: display name (quoted, or RFC 2047 encoded) and address.

    A non-ASCII name is one base64 encoded-word, even past RFC 2047's 75 characters:
    Python's parser (and so our own tools) puts a space between folded encoded-words
    in a display name. Mail clients read long encoded-words; only a name too long for
    one header line is folded.
    """
    if name.isascii() and "=?" not in name:  # "=?" would read as an encoded-word
        if _SPECIALS.search(name):
            name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f"{name} <{address}>".encode()
    word = binascii.b2a_base64(name.encode(), newline=False).decode("ascii")
    if len(word) <= MAX_ENCODED_WORD:
        return f"=?utf-8?b?{word}?= <{address}>".encode()
    return f"{mime.encoded_words(name, fold)} <{address}>".encode()


# --- the run -------------------------------------------------------------------------


def _open_private(path: Path, flags: int) -> int:
    # Letters and rejects hold personal data: owner-only permissions.
    return os.open(path, flags | os.O_CREAT, 0o600)


def _write_file(path: str, data: bytes) -> None:
    """Write one letter in place (owner-only).

    No temporary file and rename: creating files is what costs most here. A kill can
    leave the last letter half written, but only after the checkpoint, and a resumed
    run writes every letter after the checkpoint again, overwriting it.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = _open_private(tmp, os.O_WRONLY | os.O_TRUNC)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(state, fh, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _has_output(out_dir: Path) -> bool:
    if (out_dir / PROGRESS_FILE).exists():
        return True
    letters_dir = out_dir / LETTERS_DIR
    if letters_dir.is_dir():
        with os.scandir(letters_dir) as entries:
            if next(entries, None) is not None:
                return True
    mbox = out_dir / MBOX_FILE
    return mbox.exists() and mbox.stat().st_size > 0


def write_letters(
    *,
    letters: dict[str, ApprovedLetter],
    subjects_csv: Path,
    out_dir: Path,
    fmt: str = "eml",
    lang_column: str = "lang",
    default_lang: str | None = None,
    from_address: str,
    resume: bool = False,
    progress: Callable[[int], None] | None = None,
    data_labels: dict[str, dict[str, str]] | None = None,
    now: datetime | None = None,
    checkpoint_every: int = CHECKPOINT_EVERY,
    by_jurisdiction: dict[str, ApprovedLetter] | None = None,
    multiline: bool = False,
    refused: dict[str, str] | None = None,
) -> LetterSummary:
    """Write one letter per good CSV row into `out_dir`; bad rows go to rejected.csv.

    `fmt` is eml (letters/0000001.eml ...), mbox (letters.mbox) or md (letters/*.md).
    `now` is the Date of every letter (default: the clock); a resumed run keeps the
    first run's Date and Message-IDs. `progress` gets the number of rows handled so
    far, every 256 rows and at the end. `by_jurisdiction` ({"US-CA": letter}): rows whose
    `jurisdiction` column names one get that letter instead (Cal. Civ. Code 1798.82(d)); `refused`
    ({code: reason}, "US-*" any other US state): rows of those jurisdictions are rejected with the reason
    (breach.core.us_letter.route; an unknown jurisdiction is rejected too).
    """
    started = time.perf_counter()
    if not letters:
        raise ApprovalError(
            "no approved subject-letter: approve one per language before writing letters"
        )
    if fmt not in FORMATS:
        raise InputError(f"unknown letter format {fmt!r}; use one of: {', '.join(FORMATS)}")
    if checkpoint_every < 1:
        raise InputError("checkpoint_every must be at least 1")
    subjects_csv, out_dir = Path(subjects_csv), Path(out_dir)
    if not subjects_csv.is_file():
        raise InputError(f"subjects CSV not found: {subjects_csv}")

    approved = {k.strip().lower(): v for k, v in letters.items()}
    default = default_lang.strip().lower() if default_lang else None
    if default is None and len(approved) == 1:
        default = next(iter(approved))
    if default is not None and default not in approved:
        raise ApprovalError(f"no approved subject-letter for the default language {default}")
    sender_name, sender = parseaddr(from_address)
    sender_name = _clean(sender_name)  # no CR/LF into the From header
    if email_problem(sender):
        raise InputError(f"from_address is not a usable sender address: {from_address!r}")
    labels = {
        k.strip().lower(): {item.strip().lower(): text for item, text in v.items()}
        for k, v in (data_labels or {}).items()
    }
    variants = {k.strip().upper(): v for k, v in (by_jurisdiction or {}).items()}
    for key, letter in [*approved.items(), *((v.lang, v) for v in variants.values())]:  # before touching out_dir
        _check_letter(key, letter)
    lang_column = lang_column.strip().lower()
    with open_subjects(subjects_csv) as fh:
        columns = read_header(fh, subjects_csv, lang_column)
    if columns.data is None:
        lacking = [k for k in sorted(approved) if DEFAULT_DATA_KEY not in labels.get(k, {})]
        if lacking:
            raise InputError(
                f"{subjects_csv} has no 'data' column and data_labels has no "
                f"'{DEFAULT_DATA_KEY}' wording for: {', '.join(lacking)}"
            )

    template_sha = {k: v.sha256 for k, v in sorted({**approved, **variants}.items())}
    template_versions = {k: v.version for k, v in sorted({**approved, **variants}.items())}
    settings: dict[str, Any] = {
        "fmt": fmt,
        "templates": template_sha,
        "from": from_address,
        "lang_column": lang_column,
        "default_lang": default,
        "data_labels": labels,
    }
    if multiline:
        settings["multiline"] = True
    if refused:
        settings["refused"] = refused
    fingerprint = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
    csv_id = file_identity(subjects_csv)  # the whole file: a resume must read the very same people

    progress_path = out_dir / PROGRESS_FILE
    state: dict[str, Any] | None = None
    if resume and progress_path.exists():
        try:
            state = json.loads(progress_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise InputError(f"{progress_path} is unreadable; start afresh in a new out_dir") from None
        if not isinstance(state, dict):
            raise InputError(f"{progress_path} is not a checkpoint written by breach letters; start afresh: "
                             f"delete {out_dir} (or use a new --out) and run without --resume")
        if state.get("fingerprint") != fingerprint:
            raise InputError(
                f"{progress_path} was written with other letters or settings; resume with the "
                "same approved letters, format, sender and labels, or use a new out_dir"
            )
        if state.get("csv") != csv_id:
            raise InputError(f"{subjects_csv} changed since {progress_path} was written (its sha256 differs): "
                             "resume only with the very same file, or start afresh in a new out_dir")
        check_checkpoint(state, progress_path, out_dir, fmt)
    elif not resume and out_dir.exists() and _has_output(out_dir):
        raise InputError(
            f"{out_dir} already holds letters; resume to finish that run, or use an empty out_dir"
        )

    if state is None:
        when = now if now is not None else wall_clock_now()
        if when.tzinfo is None:
            raise InputError("the letters' Date needs a time zone (naive datetime given)")
        date = when.astimezone(UTC).replace(microsecond=0)
        id_seed = f"{fingerprint}|{csv_id['sha256']}|{csv_id['size']}|{date.isoformat()}"
        state = {
            "version": 2,
            "fingerprint": fingerprint,
            "csv": csv_id,
            "date": date.isoformat(),
            "message_key": hashlib.sha256(id_seed.encode()).hexdigest()[:16],
            "line": 1,
            "index": 0,
            "written": 0,
            "rejected": 0,
            "by_lang": {},
            "out_bytes": 0,
            "mbox_bytes": 0,
            "rejected_bytes": None,
            "done": False,
        }

    def summary() -> LetterSummary:
        return LetterSummary(
            written=state["written"],
            rejected=state["rejected"],
            rows=state["index"],
            by_lang=dict(sorted(state["by_lang"].items())),
            out_bytes=state["out_bytes"],
            template_sha256=template_sha,
            template_versions=template_versions,
            duration_seconds=round(time.perf_counter() - started, 3),
            fmt=fmt,
            resumed=resume,
        )

    if state["done"]:
        if progress:
            progress(state["index"])
        return summary()

    date = datetime.fromisoformat(state["date"])
    mail = {"fmt": fmt, "from_header": formataddr((sender_name, sender), charset="utf-8"),
            "date_header": format_datetime(date), "id_key": state["message_key"],
            "id_domain": sender.rpartition("@")[2]}
    compiled = {key: _compile(key, letter, **mail) for key, letter in approved.items()}
    regional = {code: dataclasses.replace(_compile(v.lang, v, **mail), tag=code) for code, v in variants.items()}
    try:
        return _run(
            state=state,
            compiled=compiled,
            labels=labels,
            default=default,
            subjects_csv=subjects_csv,
            out_dir=out_dir,
            fmt=fmt,
            columns=columns,
            regional=regional,
            refused=refused or {},
            envelope=f"From {sender} {time.asctime(date.utctimetuple())}\n".encode(),
            resume=resume,
            progress=progress,
            checkpoint_every=checkpoint_every,
            summary=summary,
            multiline=multiline,
        )
    except OSError as err:
        raise InputError(f"cannot write letters to {out_dir}: {err.strerror or err}") from None


def _run(*, state: dict[str, Any], subjects_csv: Path, out_dir: Path, fmt: str, **job: Any) -> LetterSummary:
    """Open the outputs (cut back to the checkpoint) and the CSV, then fill the letters (`_fill`)."""
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # letters hold personal data: owner-only
    if fmt != "mbox":
        (out_dir / LETTERS_DIR).mkdir(mode=0o700, exist_ok=True)
    with ExitStack() as stack:
        rejected_fh = stack.enter_context(_open_rejected(out_dir, state["rejected_bytes"]))
        mbox_fh = None
        if fmt == "mbox":
            mbox_fh = stack.enter_context(_open_mbox(out_dir, state["mbox_bytes"]))
        fh = stack.enter_context(open_subjects(subjects_csv))
        return _fill(state=state, subjects_csv=subjects_csv, out_dir=out_dir, fmt=fmt, fh=fh,
                     rejected_fh=rejected_fh, mbox_fh=mbox_fh, **job)


def _open_rejected(out_dir: Path, size: int | None) -> TextIO:
    """rejected.csv, cut back to the checkpoint so rows after it are not listed twice."""
    fd = _open_private(out_dir / REJECTED_FILE, os.O_RDWR)
    fh = os.fdopen(fd, "w", newline="", encoding="utf-8")
    if size is None or os.fstat(fd).st_size < size:
        fh.truncate(0)
        csv.writer(fh).writerow(["line", "reason", "email"])
    else:
        fh.truncate(size)
        fh.seek(size)
    return fh


def _open_mbox(out_dir: Path, size: int) -> BinaryIO:
    """letters.mbox, cut back to the checkpoint: a killed run's tail is written again."""
    path = out_dir / MBOX_FILE
    fh = os.fdopen(_open_private(path, os.O_RDWR), "r+b", buffering=1 << 20)
    if os.fstat(fh.fileno()).st_size < size:
        fh.close()
        raise InputError(f"{path} is shorter than its checkpoint; start afresh in a new out_dir")
    fh.truncate(size)
    fh.seek(size)
    return fh


def _fill(
    *,
    state: dict[str, Any],
    compiled: dict[str, _Compiled],
    labels: dict[str, dict[str, str]],
    default: str | None,
    fh: TextIO,
    out_dir: Path,
    fmt: str,
    columns: Columns,
    regional: dict[str, _Compiled],
    refused: dict[str, str],
    envelope: bytes,
    resume: bool,
    progress: Callable[[int], None] | None,
    checkpoint_every: int,
    summary: Callable[[], LetterSummary],
    rejected_fh: TextIO,
    mbox_fh: BinaryIO | None,
    subjects_csv: Path,
    multiline: bool = False,
) -> LetterSummary:
    """The row loop: validate, fill, write; checkpoint every `checkpoint_every` rows."""
    progress_path = out_dir / PROGRESS_FILE
    letters_dir = out_dir / LETTERS_DIR
    rejects = csv.writer(rejected_fh)

    def reject(line: int, reason: str, email: str) -> None:
        rejects.writerow([line, csv_cell(reason), csv_cell(email[:320])])  # no formulas in spreadsheets

    def checkpoint(line: int, index: int, done: bool = False) -> None:
        rejected_fh.flush()
        os.fsync(rejected_fh.fileno())
        state["rejected_bytes"] = os.fstat(rejected_fh.fileno()).st_size
        if mbox_fh is not None:
            mbox_fh.flush()
            os.fsync(mbox_fh.fileno())
            state["mbox_bytes"] = os.fstat(mbox_fh.fileno()).st_size
        state.update(line=line, index=index, done=done)
        if last_letter:
            state.update(last_file=last_letter[0], last_sha256=hashlib.sha256(last_letter[1]).hexdigest())
        _save_checkpoint(progress_path, state)

    last_letter: list[Any] = []  # [file name, bytes] of the newest letter file, for the checkpoint
    by_lang: dict[str, int] = state["by_lang"]
    written, rejected, out_bytes = state["written"], state["rejected"], state["out_bytes"]
    done_index = state["index"]
    ext = "." + fmt
    base = str(letters_dir) + os.sep
    envelope_len = len(envelope)
    lang_cache: dict[str, tuple[_Compiled | None, str]] = {}
    data_cache: dict[tuple[str, str], bytes | None] = {}
    fold = "\r\n " if fmt == "eml" else "\n "

    def resolve_lang(raw: str) -> tuple[_Compiled | None, str]:
        tag = raw.strip().lower().replace("_", "-")
        if not tag:
            if default is None:
                return None, "no language given and no default language"
            return compiled[default], ""
        if not _LANG_TAG.fullmatch(tag):
            return None, f"unknown language {raw.strip()[:20]!r}"
        found = compiled.get(tag) or compiled.get(tag.partition("-")[0])
        if found is None:
            return None, f"no approved subject-letter for language {tag}"
        return found, ""

    def render_data(lang: str, raw: str) -> bytes | None:
        table = labels.get(lang, {})
        items = [i for i in (_clean(x) for x in raw.split(";")) if i]
        if not items:
            default_wording = table.get(DEFAULT_DATA_KEY)
            return None if default_wording is None else default_wording.encode()
        wording = dict.fromkeys(table.get(i.lower(), i) for i in items)
        return DATA_SEPARATOR.join(wording).encode()

    i_email, i_name, i_lang, i_data = columns.email, columns.name, columns.lang, columns.data
    width = columns.width
    if state["rejected_bytes"] is None:
        checkpoint(1, 0)

    def is_row(fields: list[str]) -> bool:  # a person's row, not the rest of a quoted field
        return len(fields) > i_email and email_problem(fields[i_email].strip()) is None

    line = 1
    index = 0
    rejected_before = rejected
    for line, row, unreadable in read_rows(fh, is_row=is_row, multiline=multiline):
        index += 1
        if index <= done_index:
            if progress and index % PROGRESS_EVERY == 0:
                progress(index)
            continue
        if unreadable:
            reject(line, unreadable, "")
            rejected += 1
            continue
        assert row is not None  # read_rows gives the fields whenever it gives no reason
        if len(row) < width:
            row = row + [""] * (width - len(row))

        tpl: _Compiled | None = None
        email = row[i_email].strip()
        reason = email_problem(email)
        if reason is None:
            name = _clean(row[i_name])
            if not name:
                reason = "missing name"
            elif len(name) > MAX_NAME_CHARS:
                reason = f"name longer than {MAX_NAME_CHARS} characters"
        if reason is None:
            raw_lang = row[i_lang] if i_lang is not None else ""
            cached = lang_cache.get(raw_lang)
            if cached is None:
                cached = resolve_lang(raw_lang)
                if len(lang_cache) < 1024:
                    lang_cache[raw_lang] = cached
            tpl, reason = cached
            if tpl is not None and (regional or refused) and columns.jurisdiction is not None:
                where, reason = route(row[columns.jurisdiction], regional, refused)
                tpl = regional[where] if where else tpl
        if tpl is not None and not reason:
            raw_data = row[i_data] if i_data is not None else ""
            data_key = (tpl.lang, raw_data)
            if data_key in data_cache:
                data = data_cache[data_key]
            else:
                data = render_data(tpl.lang, raw_data)
                if len(data_cache) < 4096:
                    data_cache[data_key] = data
            if data is None:
                reason = (
                    "no exposed data listed and no "
                    f"'{DEFAULT_DATA_KEY}' wording for language {tpl.lang}"
                )
        if reason:
            reject(line, reason, email)
            rejected += 1
        else:
            assert tpl is not None and data is not None  # no reason: a template and its data were found
            name_b = name.encode()
            fill: dict[bytes, bytes | int] = {b"n": name_b, b"d": data, b"i": index}
            name_h = data_h = b""
            if fmt != "md":
                fill[b"t"] = _to_header(name, email, fold)
                fill[b"N"] = name_h = html.escape(name, quote=False).encode()
                fill[b"D"] = data_h = html.escape(data.decode(), quote=False).encode()
            if fmt != "md" and tpl.needs_qp(len(name_h), len(data_h)):
                out = (tpl.head_qp % fill + binascii.b2a_qp(tpl.body % fill, istext=True) + tpl.mid_qp
                       + binascii.b2a_qp(tpl.html % fill, istext=True) + tpl.tail)
            else:
                out = tpl.whole % fill
            if mbox_fh is not None:
                if b"\nFrom " in out:
                    out = _FROM_LINE.sub(b">From ", out)
                mbox_fh.write(envelope)
                mbox_fh.write(out)
                mbox_fh.write(b"\n")
                out_bytes += envelope_len + len(out) + 1
            else:
                # After the checkpoint a killed run may have left this letter half written:
                # always (re)write it, so each row has exactly one whole letter.
                _write_file(f"{base}{index:0{INDEX_WIDTH}d}{ext}", out)
                last_letter[:] = [f"{index:0{INDEX_WIDTH}d}{ext}", out]
                out_bytes += len(out)
            written += 1
            by_lang[tpl.tag or tpl.lang] = by_lang.get(tpl.tag or tpl.lang, 0) + 1

        if index % checkpoint_every == 0:
            state.update(written=written, rejected=rejected, out_bytes=out_bytes)
            checkpoint(line, index)
        if progress and index % PROGRESS_EVERY == 0:
            progress(index)

    state.update(written=written, rejected=rejected, out_bytes=out_bytes)
    if index > done_index and written + rejected != index:  # every row is a letter or a rejection
        raise InputError(f"{subjects_csv}: {index} rows read but {written} letters written and {rejected} "
                         f"rows rejected ({rejected - rejected_before} in this run); the run is not complete")
    checkpoint(line, max(index, done_index), done=True)
    if progress:
        progress(max(index, done_index))
    return summary()
