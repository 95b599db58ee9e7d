"""Art. 34 letters: every letter is the approved text plus one synthetic person's details."""

from __future__ import annotations

import csv
import email
import email.policy
import json
import mailbox
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from breach.adapters.letters_engine import (
    ApprovedLetter,
    count_rows,
    email_problem,
    split_letter,
    write_letters,
)
from breach.errors import ApprovalError, InputError

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 28, 14, 5, tzinfo=UTC)
SENDER = "Acme Privacy <privacy@acme.example>"
ZOE = "Zoë Ŋ'Ölçer"

EN_TEXT = """# Important: a personal data breach affecting you

Dear [[recipient_name]],

On 26 November 2026 someone accessed part of our customer database (100% of it {maybe}).
The data concerned: [[recipient_data]].
From now on, please use a new password.

The Acme Privacy Team
"""
FR_TEXT = """# Important : une violation de données vous concerne

Bonjour [[recipient_name]],

Données concernées : [[recipient_data]].
"""
LABELS = {
    "en": {"email": "e-mail address", "password": "password (hashed)", "_default": "your account"},
    "fr": {"email": "adresse e-mail", "name": "nom", "_default": "votre compte"},
}


def text_part(msg) -> str:  # noqa: ANN001
    """The text/plain part of a multipart/alternative letter."""
    return msg.get_body(preferencelist=("plain",)).get_content()


def approved(**texts: str) -> dict[str, ApprovedLetter]:
    texts = texts or {"en": EN_TEXT, "fr": FR_TEXT}
    return {k: ApprovedLetter.from_text(lang=k, version=1, text=v) for k, v in texts.items()}


def write_csv(path: Path, rows: list[list[str]], header=("email", "name", "lang", "data")) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)
    return path


def people(n: int, *, bad: dict[int, list[str]] | None = None) -> list[list[str]]:
    """n synthetic people; `bad` replaces rows by 0-based position."""
    rows = []
    for i in range(n):
        lang = "fr" if i % 3 == 0 else "en"
        rows.append([f"person{i}@example.org", f"Person {i}", lang, "email;password"])
    for i, row in (bad or {}).items():
        rows[i] = row
    return rows


def run(tmp_path: Path, rows: list[list[str]], *, out: str = "out", **kwargs):
    subjects = write_csv(tmp_path / f"{out}.csv", rows)
    kwargs.setdefault("letters", approved())
    kwargs.setdefault("data_labels", LABELS)
    kwargs.setdefault("now", NOW)
    summary = write_letters(
        subjects_csv=subjects, out_dir=tmp_path / out, from_address=SENDER, **kwargs
    )
    return summary, tmp_path / out


def parse(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def rejected_rows(out: Path) -> list[dict[str, str]]:
    with open(out / "rejected.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# --- the approved text ---------------------------------------------------------------


def test_split_letter__subject_is_first_line_body_is_rest_less_one_blank_line() -> None:
    subject, body = split_letter("# Hello there\n\nDear [[recipient_name]],\n")
    assert (subject, body) == ("Hello there", "Dear [[recipient_name]],\n")
    letter = approved()["fr"]
    assert letter.subject == "Important : une violation de données vous concerne"
    assert letter.body.startswith("Bonjour [[recipient_name]],")


# --- eml -----------------------------------------------------------------------------


def test_eml__every_letter_parses_with_right_to_subject_and_body(tmp_path: Path) -> None:
    rows = [
        ["zoe@example.org", ZOE, "fr", "email;name"],
        ["bob@example.com", "Smith, Bob", "en", "password"],
        ["ann@example.org", "Ann O'Neil", "", ""],  # default language, default wording
        ["long@example.org", "Ŋ" * 60 + " Ölçer", "EN", "email"],  # several encoded-words
    ]
    summary, out = run(tmp_path, rows, default_lang="en")
    assert summary.written == 4 and summary.rejected == 0
    assert summary.by_lang == {"en": 3, "fr": 1}
    expected = [
        (ZOE, "zoe@example.org", approved()["fr"].subject, ["nom", "adresse e-mail"]),
        ("Smith, Bob", "bob@example.com", approved()["en"].subject, ["password (hashed)"]),
        ("Ann O'Neil", "ann@example.org", approved()["en"].subject, ["your account"]),
        ("Ŋ" * 60 + " Ölçer", "long@example.org", approved()["en"].subject, ["e-mail address"]),
    ]
    files = sorted((out / "letters").iterdir())
    assert [f.name for f in files] == [f"000000{i}.eml" for i in range(1, 5)]
    ids = set()
    for path, (name, address, subject, labels) in zip(files, expected, strict=True):
        msg = parse(path)
        (to,) = msg["To"].addresses
        assert (to.display_name, to.addr_spec) == (name, address)
        assert msg["Subject"] == subject
        assert msg["From"].addresses[0].addr_spec == "privacy@acme.example"
        assert msg["Date"].datetime == NOW
        assert msg.get_body(("plain",)).get_content_charset() == "utf-8"
        body = text_part(msg)
        assert name in body
        assert all(label in body for label in labels)
        assert "[[" not in body
        ids.add(msg["Message-ID"])
        assert not msg.defects and not msg["To"].defects
    assert len(ids) == 4


def test_eml__zoe_round_trips_in_to_and_body(tmp_path: Path) -> None:
    _, out = run(tmp_path, [["zoe@example.org", ZOE, "en", ""]])
    msg = parse(out / "letters" / "0000001.eml")
    assert msg["To"].addresses[0].display_name == ZOE
    assert f"Dear {ZOE}," in text_part(msg)
    assert "Zoë" not in (out / "letters" / "0000001.eml").read_bytes().split(b"\r\n\r\n")[0].decode()


def test_eml__is_the_approved_text_plus_the_persons_details(tmp_path: Path) -> None:
    _, out = run(tmp_path, [["bob@example.com", "Bob", "en", "email"]])
    body = text_part(parse(out / "letters" / "0000001.eml")).replace("\r\n", "\n")
    expected = approved()["en"].body.replace("[[recipient_name]]", "Bob")
    assert body == expected.replace("[[recipient_data]]", "e-mail address")


@pytest.mark.parametrize(
    "name",
    [
        "Eve\r\nBcc: victim@example.com",  # header injection
        "Eve [[recipient_data]] %(d)b {0}",  # marker / format injection
        "=?utf-8?b?SGFja2Vk?=",  # would read as an encoded-word
        'Back\\slash "quoted"',
    ],
)
def test_eml__names_cannot_inject_headers_or_markers(tmp_path: Path, name: str) -> None:
    _, out = run(tmp_path, [["eve@example.org", name, "en", "email"]], multiline=True)  # a quoted CR LF
    msg = parse(out / "letters" / "0000001.eml")
    assert msg["Bcc"] is None
    clean = " ".join(name.split())
    assert msg["To"].addresses[0].display_name == clean
    assert f"Dear {clean}," in text_part(msg)
    assert text_part(msg).count("e-mail address") == 1


def test_eml__longest_name_keeps_header_lines_under_998_octets(tmp_path: Path) -> None:
    name = "Ŋ" * 256
    _, out = run(tmp_path, [["long@example.org", name, "en", ""]])
    raw = (out / "letters" / "0000001.eml").read_bytes()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    msg = parse(out / "letters" / "0000001.eml")
    assert msg["To"].addresses[0].addr_spec == "long@example.org"
    assert msg["To"].addresses[0].display_name.replace(" ", "") == name  # folded words
    assert f"Dear {name}," in text_part(msg)


def test_eml__over_long_line_falls_back_to_quoted_printable(tmp_path: Path) -> None:
    labels = {"en": {"email": "é" * 700}}
    _, out = run(tmp_path, [["bob@example.com", "Bob", "en", "email"]], data_labels=labels)
    raw = (out / "letters" / "0000001.eml").read_bytes()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    msg = parse(out / "letters" / "0000001.eml")
    assert [part["Content-Transfer-Encoding"] for part in msg.iter_parts()] == ["quoted-printable"] * 2
    assert "é" * 700 in text_part(msg)
    assert "é" * 700 in msg.get_body(preferencelist=("html",)).get_content()


# --- rejected rows -------------------------------------------------------------------


def test_rejects__three_bad_rows_among_1000(tmp_path: Path) -> None:
    bad = {
        9: ["", "No Mail", "en", ""],
        499: ["not-an-address@", "Bad Mail", "en", ""],
        997: ["xx@example.org", "Unknown Lang", "xx", ""],
    }
    summary, out = run(tmp_path, people(1000, bad=bad))
    assert (summary.written, summary.rejected) == (997, 3)
    assert len(list((out / "letters").iterdir())) == 997
    assert rejected_rows(out) == [
        {"line": "11", "reason": "missing e-mail address", "email": ""},
        {"line": "501", "reason": "malformed e-mail address", "email": "not-an-address@"},
        {
            "line": "999",
            "reason": "no approved subject-letter for language xx",
            "email": "xx@example.org",
        },
    ]


def test_rejects__line_is_the_physical_line_even_after_a_multiline_field(tmp_path: Path) -> None:
    rows = [["a@example.org", "Anne\nMarie", "en", ""], ["bad", "B", "en", ""]]
    summary, out = run(tmp_path, rows, multiline=True)  # declared: --multiline-fields
    assert rejected_rows(out) == [{"line": "4", "reason": "malformed e-mail address", "email": "bad"}]
    assert "Dear Anne Marie," in text_part(parse(out / "letters" / "0000001.eml"))
    assert summary.written == 1


@pytest.mark.parametrize(
    ("lang", "reason"),
    [
        ("de", "no approved subject-letter for language de"),
        ("fr-BE", None),  # falls back to the primary subtag
        ("en_GB", None),
        ("??", "unknown language '??'"),
    ],
)
def test_rejects__language(tmp_path: Path, lang: str, reason: str | None) -> None:
    summary, out = run(tmp_path, [["a@example.org", "A", lang, ""]])
    assert summary.rejected == (reason is not None)
    assert [r["reason"] for r in rejected_rows(out)] == ([reason] if reason else [])


def test_rejects__no_language_and_no_default(tmp_path: Path) -> None:
    _, out = run(tmp_path, [["a@example.org", "A", "", ""]])
    assert rejected_rows(out)[0]["reason"] == "no language given and no default language"


def test_rejects__no_data_and_no_default_wording(tmp_path: Path) -> None:
    summary, out = run(tmp_path, [["a@example.org", "A", "en", ""]], data_labels=None)
    assert summary.rejected == 1
    assert "no '_default' wording for language en" in rejected_rows(out)[0]["reason"]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("jean.dupont@example.org", None),
        ("o'brien+tag@sub.example.com", None),
        ("a{b}@example.org", None),
        ("", "missing e-mail address"),
        ("plain", "malformed e-mail address"),
        ("a@b", "malformed e-mail address"),
        ("a..b@example.org", "malformed e-mail address"),
        ("a b@example.org", "malformed e-mail address"),
        ("Bob <bob@example.org>", "malformed e-mail address"),
        ("bob@example.org, eve@example.org", "malformed e-mail address"),
        ("bob@-example.org", "malformed e-mail address"),
        ("zoë@example.org", "malformed e-mail address"),
    ],
)
def test_email_problem(value: str, problem: str | None) -> None:
    assert email_problem(value) == problem


def test_email_problem__accepted_addresses_survive_parseaddr() -> None:
    from email.utils import parseaddr

    locals_ = ["a", "a.b", "a+b", "a_b-c", "A9", "o'b", "x=y", "{t}", "a.b.c+d"]
    domains = ["example.org", "sub.example.com", "xn--bcher-kva.example", "a-b.example.net"]
    for address in (f"{lp}@{d}" for lp in locals_ for d in domains):
        assert email_problem(address) is None, address
        assert parseaddr(address) == ("", address)


# --- mbox and md ---------------------------------------------------------------------


def test_mbox__parses_with_mailbox_and_escapes_from_lines(tmp_path: Path) -> None:
    rows = people(20) + [["zoe@example.org", ZOE, "fr", "name"]]
    summary, out = run(tmp_path, rows, fmt="mbox")
    box = mailbox.mbox(out / "letters.mbox")
    messages = list(box)
    assert len(messages) == summary.written == 21
    assert messages[-1]["To"] == f"=?utf-8?b?{_b64(ZOE)}?= <zoe@example.org>"
    last = email.message_from_bytes(box.get_bytes(20), policy=email.policy.default)
    assert last["To"].addresses[0].display_name == ZOE
    assert "Bonjour Zoë Ŋ'Ölçer," in text_part(last)
    first = email.message_from_bytes(box.get_bytes(1), policy=email.policy.default)
    assert ">From now on" in text_part(first)
    assert summary.out_bytes == (out / "letters.mbox").stat().st_size


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def test_md__one_markdown_file_per_letter_is_the_filled_approved_text(tmp_path: Path) -> None:
    summary, out = run(tmp_path, [["zoe@example.org", ZOE, "fr", "email"]], fmt="md")
    text = (out / "letters" / "0000001.md").read_text(encoding="utf-8")
    expected = FR_TEXT.replace("[[recipient_name]]", ZOE)
    assert text == expected.replace("[[recipient_data]]", "adresse e-mail")
    assert summary.written == 1


# --- summary -------------------------------------------------------------------------


def test_summary__has_counts_and_hashes_but_no_person(tmp_path: Path) -> None:
    rows = people(5) + [["zoe@example.org", ZOE, "fr", ""], ["bad", "Bad Row", "en", ""]]
    summary, _ = run(tmp_path, rows)
    data = summary.to_dict()
    assert data["written"] == 6 and data["rejected"] == 1
    assert data["template_sha256"] == {k: v.sha256 for k, v in approved().items()}
    assert data["template_versions"] == {"en": 1, "fr": 1}
    dumped = json.dumps(data, ensure_ascii=False)
    for needle in ("example.org", "Zoë", "Person", "bad", "Bad Row"):
        assert needle not in dumped


def test_count_rows(tmp_path: Path) -> None:
    assert count_rows(write_csv(tmp_path / "a.csv", people(42))) == 42
    (tmp_path / "b.csv").write_text("email,name\na@example.org,A")  # no final newline
    assert count_rows(tmp_path / "b.csv") == 1


# --- errors --------------------------------------------------------------------------


def test_errors__empty_letters_is_an_approval_error(tmp_path: Path) -> None:
    with pytest.raises(ApprovalError, match="no approved subject-letter"):
        run(tmp_path, people(1), letters={})


@pytest.mark.parametrize(
    ("header", "missing"),
    [(("email", "lang"), "name"), (("name",), "email"), (("mail", "nom"), "email, name")],
)
def test_errors__missing_column_names_it(tmp_path: Path, header: tuple, missing: str) -> None:
    subjects = write_csv(tmp_path / "s.csv", [["x"] * len(header)], header=header)
    with pytest.raises(InputError, match=f"required column\\(s\\): {missing}$"):
        write_letters(
            letters=approved(), subjects_csv=subjects, out_dir=tmp_path / "o", from_address=SENDER
        )


def test_errors__bad_header_leaves_out_dir_untouched(tmp_path: Path) -> None:
    subjects = write_csv(tmp_path / "s.csv", [["a@example.org"]], header=("email",))
    with pytest.raises(InputError, match="column\\(s\\): name"):
        write_letters(
            letters=approved(), subjects_csv=subjects, out_dir=tmp_path / "o", from_address=SENDER
        )
    assert not (tmp_path / "o").exists()


def test_errors__no_data_column_needs_default_wording(tmp_path: Path) -> None:
    subjects = write_csv(tmp_path / "s.csv", [["a@example.org", "A"]], header=("email", "name"))
    with pytest.raises(InputError, match="no 'data' column .* '_default' wording for: en, fr"):
        write_letters(
            letters=approved(), subjects_csv=subjects, out_dir=tmp_path / "o", from_address=SENDER
        )


def test_errors__naive_date(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="time zone"):
        run(tmp_path, people(1), now=datetime(2026, 11, 28, 14, 5))


def test_errors__csv_changed_since_checkpoint(tmp_path: Path) -> None:
    run(tmp_path, people(3))
    with pytest.raises(InputError, match="changed since"):
        run(tmp_path, people(4), resume=True)


def test_errors__missing_csv(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="subjects CSV not found"):
        write_letters(
            letters=approved(),
            subjects_csv=tmp_path / "nope.csv",
            out_dir=tmp_path / "o",
            from_address=SENDER,
        )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Dear [[recipient_name]], [[recipient_data]]", "must start with '# <subject line>'"),
        ("# S\n\nDear [[recipient_name]], [[recipient_data]] [[incident_id]]", "[[incident_id]]"),
        ("# S\n\nDear [[recipient_name]],\n", "no [[recipient_data]] marker"),
        ("# S [[recipient_name]]\n\n[[recipient_name]] [[recipient_data]]", "subject line"),
    ],
)
def test_errors__letter_that_cannot_be_filled(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ApprovalError, match=message.replace("[", r"\[").replace("]", r"\]")):
        run(tmp_path, people(1), letters=approved(en=text))
    assert not (tmp_path / "out").exists()


def test_errors__text_changed_after_approval(tmp_path: Path) -> None:
    letter = approved()["en"]
    tampered = ApprovedLetter(lang="en", version=1, sha256=letter.sha256, text=EN_TEXT + "PS.\n")
    with pytest.raises(ApprovalError, match="changed after approval"):
        run(tmp_path, people(1), letters={"en": tampered})


def test_errors__fresh_run_into_a_used_out_dir(tmp_path: Path) -> None:
    run(tmp_path, people(3))
    with pytest.raises(InputError, match="already holds letters"):
        run(tmp_path, people(3))


def test_errors__resume_with_other_settings(tmp_path: Path) -> None:
    run(tmp_path, people(3))
    with pytest.raises(InputError, match="other letters or settings"):
        run(tmp_path, people(3), resume=True, fmt="md")


# --- kill and resume -----------------------------------------------------------------

KILLER = """
import os, sys
from datetime import datetime, timezone
from pathlib import Path
sys.path.insert(0, {tests!r})
from test_letters import approved, LABELS, SENDER
from breach.adapters.letters_engine import write_letters

def progress(n):
    if n >= {kill_at}:
        os._exit(9)  # like a kill -9: no flush, no cleanup

write_letters(letters=approved(), subjects_csv=Path({csv!r}), out_dir=Path({out!r}),
              fmt={fmt!r}, from_address=SENDER, data_labels=LABELS, progress=progress,
              now=datetime(2026, 11, 28, 14, 5, tzinfo=timezone.utc), checkpoint_every=100)
"""


@pytest.mark.parametrize("fmt", ["eml", "mbox", "md"])
def test_resume__after_a_kill_half_way_one_letter_per_good_row(tmp_path: Path, fmt: str) -> None:
    bad = {9: ["", "No Mail", "en", ""], 600: ["bad", "Bad", "en", ""], 900: ["x@x.org", "X", "xx", ""]}
    subjects = write_csv(tmp_path / "s.csv", people(1000, bad=bad))
    out = tmp_path / "out"
    code = KILLER.format(
        tests=str(REPO / "tests"), kill_at=500, csv=str(subjects), out=str(out), fmt=fmt
    )
    killed = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True)
    assert killed.returncode == 9, killed.stderr.decode()
    checkpoint = json.loads((out / ".progress").read_text())
    assert checkpoint["index"] == 500 and not checkpoint["done"]
    if fmt != "mbox":  # rows 501-512 were written after the last checkpoint
        assert (out / "letters" / f"0000512.{fmt}").exists()
        assert not (out / "letters" / f"0000513.{fmt}").exists()

    seen: list[int] = []
    summary = write_letters(
        letters=approved(),
        subjects_csv=subjects,
        out_dir=out,
        fmt=fmt,
        from_address=SENDER,
        data_labels=LABELS,
        resume=True,
        progress=seen.append,
        now=datetime(2030, 1, 1, tzinfo=UTC),  # ignored: the first run's Date is kept
    )
    assert (summary.written, summary.rejected, summary.resumed) == (997, 3, True)
    assert seen[-1] == 1000
    assert [r["line"] for r in rejected_rows(out)] == ["11", "602", "902"]
    if fmt == "mbox":
        messages = list(mailbox.mbox(out / "letters.mbox"))
        ids = [m["Message-ID"] for m in messages]
        assert len(messages) == 997 and len(set(ids)) == 997
        assert {m["Date"] for m in messages} == {"Sat, 28 Nov 2026 14:05:00 +0000"}
        assert summary.out_bytes == (out / "letters.mbox").stat().st_size
    else:
        names = sorted(os.listdir(out / "letters"))
        good = [i for i in range(1, 1001) if i - 1 not in bad]
        assert names == [f"{i:07d}.{fmt}" for i in good]  # no duplicates, no .tmp left
        assert summary.out_bytes == sum(f.stat().st_size for f in (out / "letters").iterdir())
    # A second resume finds the run done and writes nothing more.
    again = write_letters(
        letters=approved(), subjects_csv=subjects, out_dir=out, fmt=fmt,
        from_address=SENDER, data_labels=LABELS, resume=True,
    )  # fmt: skip
    assert (again.written, again.rejected) == (997, 3)


# --- issue 23: --resume checks the files its checkpoint vouches for ---------------------------


def killed_half_way(tmp_path: Path, fmt: str = "md") -> tuple[Path, Path]:
    subjects = write_csv(tmp_path / "s.csv", people(1000))
    out = tmp_path / "out"
    code = KILLER.format(tests=str(REPO / "tests"), kill_at=500, csv=str(subjects), out=str(out), fmt=fmt)
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True).returncode == 9
    return subjects, out


def resume(subjects: Path, out: Path, fmt: str = "md"):
    return write_letters(letters=approved(), subjects_csv=subjects, out_dir=out, fmt=fmt, from_address=SENDER,
                         data_labels=LABELS, resume=True, now=NOW)


def test_resume__refuses_when_letters_were_deleted_after_a_kill(tmp_path: Path) -> None:
    subjects, out = killed_half_way(tmp_path)
    (out / "letters" / "0000042.md").unlink()
    with pytest.raises(InputError, match=r"counts 500 letters written but .* holds 499 .*without --resume"):
        resume(subjects, out)


def test_resume__refuses_when_the_last_checkpointed_letter_changed(tmp_path: Path) -> None:
    subjects, out = killed_half_way(tmp_path)
    (out / "letters" / "0000500.md").write_text("someone else's letter")
    with pytest.raises(InputError, match="0000500.md is not the letter .* sha256"):
        resume(subjects, out)


def test_resume__an_intact_checkpoint_still_resumes(tmp_path: Path) -> None:
    subjects, out = killed_half_way(tmp_path)
    assert resume(subjects, out).written == 1000


@pytest.mark.parametrize("edit", [{"written": -5, "rejected": 505}, {"written": "500"}, {"index": 10**9}])
def test_resume__refuses_a_hand_edited_checkpoint(tmp_path: Path, edit: dict) -> None:
    subjects, out = killed_half_way(tmp_path)
    state = json.loads((out / ".progress").read_text())
    (out / ".progress").write_text(json.dumps({**state, **edit}))
    with pytest.raises(InputError, match="start afresh"):
        resume(subjects, out)


def test_resume__a_checkpoint_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    subjects, out = killed_half_way(tmp_path)
    (out / ".progress").write_text("[1,2]")
    with pytest.raises(InputError, match="not a checkpoint written by breach letters"):
        resume(subjects, out)
