"""`breach letters`: approved text only, bad rows aside, resumable, summary on the timeline."""

from __future__ import annotations

import csv
import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest
from conftest import REPO, T0, Cli

HIGH = REPO / "tests/data/wp250/example06.yaml"
NAME = "Zoë Ŋ'Ölçer"


def text_part(msg) -> str:  # noqa: ANN001
    """The text/plain part of a multipart/alternative letter."""
    return msg.get_body(preferencelist=("plain",)).get_content()


def people(path: Path, n: int, *, bad: dict[int, dict] | None = None) -> Path:
    bad = bad or {}
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["email", "name", "lang", "data"])
        for i in range(n):
            row = {"email": f"person{i}@example.org", "name": f"Person {i}", "lang": "fr" if i % 2 else "en",
                   "data": "name;email;password"}
            if i == 0:
                row["name"] = NAME
            row.update(bad.get(i, {}))
            w.writerow([row["email"], row["name"], row["lang"], row["data"]])
    return path


@pytest.fixture
def approved(cli: Cli) -> str:
    iid = cli.json("open", "--title", "DB", "--aware-at", "2026-11-28 09:00")["id"]
    assert cli("assess", iid, "--answers", str(HIGH)).exit_code == 0
    for lang in ("en", "fr"):
        assert cli("draft", iid, "subject-letter", "--lang", lang).exit_code == 0
        ok = cli("review", "approve", iid, "subject-letter", "--lang", lang, "--version", "1", "--as", "legal")
        assert ok.exit_code == 0, ok.output
    return iid


def test_a_misnamed_language_column_is_an_error(cli: Cli, approved: str, tmp_path: Path) -> None:
    result = cli("letters", approved, "--subjects", str(people(tmp_path / "p.csv", 3)), "--out", str(tmp_path / "o"),
                 "--lang-column", "langue")
    assert result.exit_code == 1 and "no column 'langue'" in result.stderr


def test_without_an_approved_letter_it_exits_1(cli: Cli, tmp_path: Path) -> None:
    iid = cli.open()
    cli("draft", iid, "subject-letter")
    result = cli("letters", iid, "--subjects", str(people(tmp_path / "p.csv", 3)), "--out", str(tmp_path / "o"))
    assert result.exit_code == 1 and "no approved subject-letter" in result.stderr


def test_letters_from_approved_text_with_bad_rows_aside(cli: Cli, approved: str, tmp_path: Path) -> None:
    bad = {10: {"email": ""}, 500: {"email": "not-an-address"}, 900: {"lang": "xx"}}
    csv_path = people(tmp_path / "p.csv", 1000, bad=bad)
    out = tmp_path / "out"
    result = cli.json("letters", approved, "--subjects", str(csv_path), "--out", str(out))
    assert result["written"] == 997 and result["rejected"] == 3
    letters = sorted((out / "letters").glob("*.eml"))
    assert len(letters) == 997
    rejected = list(csv.DictReader((out / "rejected.csv").open(encoding="utf-8")))
    assert [int(r["line"]) for r in rejected] == [12, 502, 902]  # header is line 1
    assert all(r["reason"] for r in rejected)
    first = email.message_from_bytes(letters[0].read_bytes(), policy=email.policy.default)
    assert first["To"].addresses[0].display_name == NAME
    assert first["To"].addresses[0].addr_spec == "person0@example.org"
    assert first["Subject"] and "DRAFT" not in first["Subject"]  # approved: no longer a draft
    body = text_part(first)
    assert NAME in body and "[[recipient_name]]" not in body and "[[recipient_data]]" not in body
    # the approved text, with only the two per-person fields filled
    view = cli.json("review", approved)
    # issue 20: the letters written are sent, not merely approved
    assert {r["lang"] for r in view if r["state"] == "sent" and r["approved_by"] == "legal"} == {"en", "fr"}
    event = cli.json("timeline", approved)[-1]
    assert event["kind"] == "letters" and event["data"]["written"] == 997
    assert NAME not in str(event) and "person0@example.org" not in str(event)


def test_kill_half_way_and_resume_gives_one_letter_per_good_row(cli: Cli, approved: str, home: Path,
                                                               tmp_path: Path) -> None:
    n = 30_000
    csv_path = people(tmp_path / "p.csv", n, bad={7: {"email": ""}})
    out = tmp_path / "out"
    env = {**os.environ, "BREACH_NOW": T0}
    cmd = [sys.executable, "-m", "breach", "letters", approved, "--subjects", str(csv_path), "--out", str(out),
           "--home", str(home)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = len(list((out / "letters").glob("*.eml"))) if (out / "letters").exists() else 0
        if done > 2000 or proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = sorted((out / "letters").glob("*.eml"))
    assert 0 < len(partial) < n - 1, "the run should have been killed half way"
    torn = partial[-1]
    torn.write_bytes(torn.read_bytes()[:40])  # as if the kill came mid-write
    resumed = subprocess.run([*cmd, "--resume", "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    files = sorted((out / "letters").glob("*.eml"))
    assert len(files) == n - 1
    assert not list((out / "letters").glob("*.tmp*"))
    mended = email.message_from_bytes(torn.read_bytes(), policy=email.policy.default)
    assert mended["To"].addresses[0].addr_spec.endswith("@example.org") and "Person" in text_part(mended)
    recipients = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["To"].addresses[0].addr_spec
                  for f in files[::997]]
    assert len(set(recipients)) == len(recipients)
    rejected = list(csv.DictReader((out / "rejected.csv").open(encoding="utf-8")))
    assert len(rejected) == 1


def test_progress_bar_on_a_terminal_and_nothing_on_a_pipe(cli: Cli, approved: str, home: Path,
                                                          tmp_path: Path) -> None:
    csv_path = people(tmp_path / "p.csv", 3000)
    env = {**os.environ, "BREACH_NOW": T0}
    piped = subprocess.run([sys.executable, "-m", "breach", "letters", approved, "--subjects", str(csv_path),
                            "--out", str(tmp_path / "a"), "--home", str(home)], env=env, capture_output=True,
                           text=True, timeout=60)
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == "" and "rows/s" not in piped.stdout
    child = pexpect.spawn(sys.executable, ["-m", "breach", "letters", approved, "--subjects", str(csv_path),
                                           "--out", str(tmp_path / "b"), "--home", str(home)],
                          env=env, encoding="utf-8", timeout=60, dimensions=(40, 160))
    child.expect("rows/s")
    child.expect("letters written")
    child.expect(pexpect.EOF)


def test_resume_with_a_progress_file_holding_a_list_is_one_error_line(cli: Cli, approved: str,
                                                                      tmp_path: Path) -> None:
    csv_path = people(tmp_path / "p.csv", 5)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".progress").write_text("[1,2]")
    result = cli("letters", approved, "--subjects", str(csv_path), "--out", str(out), "--resume")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "not a checkpoint" in result.stderr
    assert "Traceback" not in result.output and len(result.stderr.splitlines()) == 1
