"""Letters: no person is silently lost. Written + rejected = data rows read, whatever the CSV holds."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pytest
from conftest import Cli
from hypothesis import given, settings
from hypothesis import strategies as st
from test_cli_letters import approved as approved_incident  # noqa: F401  (fixture)
from test_letters import LABELS, NOW, SENDER, approved, rejected_rows

from breach.adapters.letters_engine import write_letters
from breach.adapters.subjects_csv import MAX_ROW_CHARS, open_subjects, read_header, read_rows
from breach.errors import InputError

HEADER = b"email,name,lang,data\n"


def row(i: int) -> bytes:
    return f"person{i}@example.org,Person {i},{'fr' if i % 3 == 0 else 'en'},email;password\n".encode()


def subjects(path: Path, n: int, *, replace: dict[int, bytes] | None = None) -> Path:
    """A CSV of n people (0-based rows), some rows replaced by raw bytes."""
    rows = [(replace or {}).get(i, row(i)) for i in range(n)]
    path.write_bytes(HEADER + b"".join(rows))
    return path


def run(csv_path: Path, out: Path, **kwargs):
    return write_letters(letters=approved(), subjects_csv=csv_path, out_dir=out, from_address=SENDER,
                         data_labels=LABELS, now=NOW, **kwargs)


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        (b'p2@example.org,"Jean Dupont,en\n', "quoted field is not closed"),  # the issue's row 3
        (b"p2@example.org,Jean " + b"x" * 200_000 + b",en,\n", f"longer than {MAX_ROW_CHARS:,}"),  # 200 kB field
        (b'p2@example.org,"Jean ' + b"x" * 200_000 + b'",en,\n', f"longer than {MAX_ROW_CHARS:,}"),  # ... quoted
        (b"p2@example.org,Jean \xff\xfe Dupont,en,\n", "not UTF-8 (byte 0xff)"),
    ],
)
@pytest.mark.parametrize("position", [2, 499, 999])
def test_one_malformed_row_among_1000_is_rejected_on_its_line(
    tmp_path: Path, bad_row: bytes, reason: str, position: int
) -> None:
    csv_path = subjects(tmp_path / "s.csv", 1000, replace={position: bad_row})
    summary = run(csv_path, tmp_path / "out", fmt="mbox")
    assert (summary.written, summary.rejected, summary.rows) == (999, 1, 1000)
    [rejected] = rejected_rows(tmp_path / "out")
    assert rejected["line"] == str(position + 2)  # the header is line 1
    assert reason in rejected["reason"]
    assert "x" * 100 not in (tmp_path / "out" / "rejected.csv").read_text()  # the huge field is not copied


def test_an_unclosed_quote_followed_by_bad_rows_loses_nobody(tmp_path: Path) -> None:
    replace = {2: b'p2@example.org,"Jean Dupont,en\n', 3: b"not-an-address,Bad,en,\n", 4: b"\n"}
    csv_path = subjects(tmp_path / "s.csv", 20, replace=replace)
    summary = run(csv_path, tmp_path / "out", fmt="md")
    assert (summary.written, summary.rejected, summary.rows) == (17, 2, 19)  # the blank line is not a row
    assert [(r["line"], r["reason"][:22]) for r in rejected_rows(tmp_path / "out")] == [
        ("4", "a quoted field is not "), ("5", "malformed e-mail addre")]


def test_an_unclosed_quote_on_the_last_row(tmp_path: Path) -> None:
    csv_path = subjects(tmp_path / "s.csv", 5, replace={4: b'p4@example.org,"Jean'})
    summary = run(csv_path, tmp_path / "out", fmt="md")
    assert (summary.written, summary.rejected, summary.rows) == (4, 1, 5)


def test_quoted_fields_over_several_lines_and_stray_quotes_are_still_people(tmp_path: Path) -> None:
    replace = {
        1: b'p1@example.org,"Dupont,\nJean\nMarie",en,\n',  # a quoted name spanning three lines
        2: b'p2@example.org,Jean "JD" Dupont,en,\n',  # quotes inside an unquoted field: kept as written
        3: b'p3@example.org,O"Brien,en,\n',  # one stray quote inside an unquoted field
    }
    csv_path = subjects(tmp_path / "s.csv", 6, replace=replace)
    summary = run(csv_path, tmp_path / "out", fmt="md", multiline=True)  # declared: --multiline-fields
    assert (summary.written, summary.rejected, summary.rows) == (6, 0, 6)
    assert "O\"Brien" in (tmp_path / "out" / "letters" / "0000004.md").read_text()
    assert "Dupont, Jean Marie" in (tmp_path / "out" / "letters" / "0000002.md").read_text()


def test_rejected_csv_cannot_run_formulas(tmp_path: Path) -> None:
    replace = {0: b'"=HYPERLINK(""http://evil.example"",""x"")",Eve,en,\n', 1: b"@SUM(A1),Eve,en,\n"}
    summary = run(subjects(tmp_path / "s.csv", 3, replace=replace), tmp_path / "out", fmt="md")
    assert summary.rejected == 2
    emails = [r["email"] for r in rejected_rows(tmp_path / "out")]
    assert emails == ["'=HYPERLINK(\"http://evil.example\",\"x\")", "'@SUM(A1)"]


def test_resume_refuses_a_file_changed_after_its_first_64_kib(tmp_path: Path) -> None:
    csv_path = subjects(tmp_path / "s.csv", 3000)
    assert csv_path.stat().st_size > 2 * 65536
    run(csv_path, tmp_path / "out", fmt="mbox", checkpoint_every=100)
    data = bytearray(csv_path.read_bytes())
    at = data.rindex(b"person2999@")
    data[at:at + 6] = b"intrud"  # same size, a different address near the end
    csv_path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="changed since .* sha256"):
        run(csv_path, tmp_path / "out", fmt="mbox", resume=True)


def test_cli_summary_says_rows_read_written_and_rejected(cli: Cli, approved_incident: str, tmp_path: Path) -> None:  # noqa: F811
    csv_path = subjects(tmp_path / "s.csv", 1000, replace={2: b'p2@example.org,"Jean Dupont,en\n'})
    result = cli("letters", approved_incident, "--subjects", str(csv_path), "--out", str(tmp_path / "out"),
                 "--format", "mbox")
    assert result.exit_code == 0, result.output
    assert "1000 rows read: 999 letters written" in result.stdout and "1 row rejected" in result.stdout
    recorded = cli.json("letters", approved_incident, "--subjects", str(csv_path), "--out", str(tmp_path / "out"),
                        "--format", "mbox", "--resume")
    assert (recorded["rows"], recorded["written"], recorded["rejected"]) == (1000, 999, 1)


# --- property: any bytes give rows and rejections that add up, or InputError -------------------------

_PIECES = st.sampled_from([b"a@example.org", b"Name", b"en", b"email", b",", b'"', b'""', b"\n", b"\r\n", b"\r",
                           b"\xff", b"\x00", b"\xc3\xa9", b";", b" ", b"x" * 70_000])


@settings(max_examples=120, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.binary(max_size=8)), max_size=40))
def test_any_bytes_after_the_header_add_up(pieces: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "s.csv"
        csv_path.write_bytes(HEADER + b"".join(pieces))
        summary = run(csv_path, Path(tmp) / "out", fmt="md")
        assert summary.written + summary.rejected == summary.rows
        with open_subjects(csv_path) as fh:
            read_header(fh, csv_path, "lang")
        with open_subjects(csv_path) as fh:
            rows = list(read_rows(fh, is_row=lambda fields: "@" in fields[0]))
        assert len(rows) == summary.rows
        with open(Path(tmp) / "out" / "rejected.csv", encoding="utf-8", newline="") as fh:
            assert len(list(csv.reader(fh))) == summary.rejected + 1


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_as_a_whole_file_give_a_summary_or_input_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "s.csv"
        csv_path.write_bytes(data)
        try:
            summary = run(csv_path, Path(tmp) / "out", fmt="md")
        except InputError as exc:
            assert str(exc).startswith(str(csv_path)), str(exc)  # the refusal names the file it refuses
            assert not (Path(tmp) / "out" / "rejected.csv").exists()  # and nothing was half written
            return
        assert summary.written + summary.rejected == summary.rows
        with open(Path(tmp) / "out" / "rejected.csv", encoding="utf-8", newline="") as fh:
            assert len(list(csv.reader(fh))) == summary.rejected + 1


# --- issue 23: a quote left open never swallows the next person -------------------------------

ISSUE_23_CSV = (b'email,name,lang,data\np1@example.org,"Jean Dupont,en,name\np2@example.org,"Ann Martin,en,name\n'
                b'p3@example.org,Bob,en,name\n')


def test_two_unclosed_quotes_in_a_row_reject_each_line_alone(tmp_path: Path) -> None:
    csv_path = tmp_path / "s.csv"
    csv_path.write_bytes(ISSUE_23_CSV)
    summary = run(csv_path, tmp_path / "out", fmt="md")
    assert (summary.rows, summary.written, summary.rejected) == (3, 1, 2)
    assert [r["line"] for r in rejected_rows(tmp_path / "out")] == ["2", "3"]
    [letter] = (tmp_path / "out" / "letters").iterdir()
    assert "Bob" in letter.read_text() and "p2@example.org" not in letter.read_text()


def test_cli_two_unclosed_quotes_lose_nobody(cli: Cli, approved_incident: str, tmp_path: Path) -> None:  # noqa: F811
    csv_path = tmp_path / "s.csv"
    csv_path.write_bytes(ISSUE_23_CSV)
    result = cli("letters", approved_incident, "--subjects", str(csv_path), "--out", str(tmp_path / "out"),
                 "--format", "md")
    assert result.exit_code == 0, result.output
    assert "3 rows read: 1 letter written" in result.stdout and "2 rows rejected" in result.stdout


def test_a_hundred_rows_with_every_other_quote_open_add_up(tmp_path: Path) -> None:
    replace = {i: f'p{i}@example.org,"Name {i},en,name\n'.encode() for i in range(0, 100, 2)}
    summary = run(subjects(tmp_path / "s.csv", 100, replace=replace), tmp_path / "out", fmt="md")
    assert (summary.rows, summary.written, summary.rejected) == (100, 50, 50)


_NAMES = st.text(alphabet="abcdefghij XYZ", min_size=1, max_size=12).filter(lambda s: s.strip())


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(_NAMES, st.booleans(), st.sampled_from(["", '"', 'a"b'])), min_size=1, max_size=30))
def test_injected_broken_quotes_never_move_a_field_into_another_letter(people: list) -> None:
    """Generated CSVs with quotes left open: written + rejected = data lines, each letter holds only its row."""
    token = "Tok{:03d}Q".format
    lines = []
    for i, (name, broken, extra) in enumerate(people):
        cell = f'"{name} {token(i)}' if broken else f"{name} {token(i)}{extra}"
        lines.append(f"u{i}@example.org,{cell},en,name\n")
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "s.csv"
        csv_path.write_text("email,name,lang,data\n" + "".join(lines), encoding="utf-8")
        summary = run(csv_path, Path(tmp) / "out", fmt="md")
        assert summary.written + summary.rejected == summary.rows == len(lines)
        assert summary.rejected == sum(1 for _, broken, _ in people if broken)
        letters = sorted((Path(tmp) / "out" / "letters").glob("*.md"))
        assert len(letters) == summary.written
        for letter in letters:
            text = letter.read_text(encoding="utf-8")
            index = int(letter.stem) - 1
            assert not people[index][1] and token(index) in text
            assert [j for j in range(len(people)) if token(j) in text] == [index], text
