"""Processor duties at scale (issue 25): customers as data, contract-notice clocks, notices, records."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from breach.adapters.customers_file import read_customers
from breach.errors import InputError

HEADER = "id,name,lang,email,window_hours,window_from,workspaces,end_users\n"
LANGS = ("en", "fr", "nl", "de")
AWARE = datetime.fromisoformat("2026-11-28T09:00:00+01:00")


def write_list(path: Path, n: int) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEADER)
        for i in range(n):
            fh.write(f"c{i:04d},Brand {i},{LANGS[i % 4]},ops{i}@brand{i}.example;dpo@brand{i}.example,"
                     f"{(24, 36, 48)[i % 3]},aware,ws{i}a;ws{i}b,{i + 1}\n")
    return path


def approve_notices(cli, iid: str, langs=LANGS) -> None:
    """The controller notice drafted and approved in each language (the customers' words, GDPR Art. 33(2))."""
    for lang in langs:
        version = cli.json("draft", iid, "controller-notice", "--lang", lang)["version"]
        cli.json("review", "approve", iid, "controller-notice", "--lang", lang, "--version", str(version),
                 "--as", "Legal", "--allow-missing")


def test_a_5000_customer_list_loads(tmp_path: Path) -> None:
    customers = read_customers(write_list(tmp_path / "customers.csv", 5000))
    assert len(customers) == 5000
    assert customers[4999].id == "c4999" and customers[1].emails == ("ops1@brand1.example", "dpo@brand1.example")
    assert customers[2].window_hours == 48 and customers[2].workspaces == ("ws2a", "ws2b")


@pytest.mark.parametrize("bad,why", [('c9,"Brand 9,en,a@b.example,24,aware,w,1', "quoted field is not closed"),
                                     ("c9,Brand 9,en,a@b.example,24h7,aware,w,1", "window_hours"),
                                     ("c9,Brand 9,en,not-an-address,24,aware,w,1", "email"),
                                     ("c9,Brand 9,en,a@b.example,24,later,w,1", "window_from")])
def test_a_malformed_row_is_refused_with_its_line(tmp_path: Path, bad: str, why: str) -> None:
    path = write_list(tmp_path / "customers.csv", 10)
    lines = path.read_text().splitlines()
    lines.insert(5, bad)  # line 6 of the file
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as err:
        read_customers(path)
    assert "customers.csv:6: " in str(err.value) and why in str(err.value)


def test_validate_command(cli, tmp_path: Path) -> None:
    path = write_list(tmp_path / "customers.csv", 30)
    assert cli.json("customers", "validate", str(path))["customers"] == 30
    path.write_text(path.read_text() + "c0001,Again,en,a@b.example,24,aware,w,1\n")
    result = cli("customers", "validate", str(path))
    assert result.exit_code == 1 and "customers.csv:32: customer id 'c0001' is already on line 3" in result.stderr


def test_scope_customers_gives_1200_clocks_due_at_their_windows(cli, home: Path) -> None:
    write_list(home / "customers.csv", 1200)
    iid = cli.open("Platform", "--aware-at", "2026-11-28 09:00")
    assert cli.json("scope", iid, "--customers", "all")["recorded"] == 1200
    rows = [r for r in cli.json("status", iid) if r["obligation"].startswith("contract-notice:")]
    assert len(rows) == 1200
    for r in rows:
        i = int(r["obligation"].split(":c")[1])
        assert datetime.fromisoformat(r["due_at"]) == AWARE + timedelta(hours=(24, 36, 48)[i % 3])
        assert "GDPR Art. 33(2)" in r["source"] and r["state"] == "pending"
    text = cli("status", iid).stdout.splitlines()
    assert text[0].startswith(f"{iid}: 400 of 1,200 customers due in 18h 55m; 0 notified")


def test_customers_by_id_and_workspace(cli, home: Path) -> None:
    write_list(home / "customers.csv", 10)
    iid = cli.open("Platform", "--aware-at", "2026-11-28 09:00")
    cli.json("scope", iid, "--customers", "c0001,ws3b")
    ids = sorted(r["obligation"] for r in cli.json("status", iid) if r["obligation"].startswith("contract-"))
    assert ids == ["contract-notice:c0001", "contract-notice:c0003"]
    result = cli("scope", iid, "--customers", "nobody")
    assert result.exit_code == 1 and "nobody" in result.stderr


def test_notify_writes_one_message_per_customer_and_resumes_byte_identical(cli, home: Path, tmp_path: Path) -> None:
    from breach.api import open_session
    from breach.services.customers import notify

    write_list(home / "customers.csv", 1200)
    iid = cli.open("Platform", "--aware-at", "2026-11-28 09:00")
    cli.json("scope", iid, "--customers", "all")
    approve_notices(cli, iid)
    full = tmp_path / "full"
    assert cli.json("customers", "notify", iid, "--out", str(full))["by_lang"] == dict.fromkeys(LANGS, 300)
    assert len(list(full.glob("*.eml"))) == 1200
    msg = email.message_from_bytes((full / "c0001.eml").read_bytes(), policy=email.policy.default)
    assert msg.get_content_type() == "multipart/alternative" and msg["To"].count("@") == 2
    plain = msg.get_body(("plain",)).get_content()
    assert "sous-traitant" in plain and "ws1a, ws1b" in plain and "Vos utilisateurs concernés : 2" in plain
    assert "ws1a, ws1b" in msg.get_body(("html",)).get_content()
    de = email.message_from_bytes((full / "c0003.eml").read_bytes(), policy=email.policy.default)
    de_text = de.get_body(("plain",)).get_content()
    assert "Auftragsverarbeiter" in de_text and "ws3a" in de_text
    killed = tmp_path / "killed"
    s = open_session(home, author="t")
    try:
        assert notify(s, iid, killed, now=AWARE + timedelta(hours=1), stop_after=500)["written"] == 500
    finally:
        s.close()
    (killed / "c0700.eml").write_bytes(b"")  # not in the manifest: written again
    resumed = cli.json("customers", "notify", iid, "--out", str(killed))
    assert resumed["written"] == 700 and resumed["resumed"]
    for f in full.glob("*.eml"):
        assert (killed / f.name).read_bytes() != b""
    # the run's date is the first start's: same bytes as one run started at that time
    again = tmp_path / "again"
    s = open_session(home, author="t")
    try:
        notify(s, iid, again, now=AWARE + timedelta(hours=1))
    finally:
        s.close()
    assert all((again / f.name).read_bytes() == f.read_bytes() for f in killed.glob("*.eml"))


def test_recording_the_run_marks_each_met_at_its_time_and_flags_late(cli, home: Path, tmp_path: Path) -> None:
    write_list(home / "customers.csv", 30)
    iid = cli.open("Platform", "--aware-at", "2026-11-28 09:00")
    cli.json("scope", iid, "--customers", "all")
    approve_notices(cli, iid)
    run = tmp_path / "run"
    cli.json("customers", "notify", iid, "--out", str(run))
    entries = [json.loads(line) for line in (run / "manifest.jsonl").read_text().splitlines()]
    for e in entries:  # the mailer's sent times: c0000 (24 h window) sent after 30 h
        e["sent_at"] = (AWARE + timedelta(hours=30 if e["customer"] == "c0000" else 2)).isoformat()
    (run / "manifest.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    result = cli.json("notified", iid, "contract-notice:*", "--from-run", str(run))
    assert result["recorded"] == 30 and result["late"] == 1
    rows = {r["obligation"]: r for r in cli.json("status", iid)}
    assert rows["contract-notice:c0000"]["state"] == "late"
    assert rows["contract-notice:c0001"]["state"] == "met"
    assert datetime.fromisoformat(rows["contract-notice:c0001"]["met_at"]) == AWARE + timedelta(hours=2)
    assert cli("notified", iid, "contract-notice:c0001").exit_code == 1  # one notice per duty


def test_both_roles_side_by_side(cli, home: Path, assessed: str) -> None:
    write_list(home / "customers.csv", 6)
    cli.json("scope", assessed, "--customers", "all")
    first = cli("status", assessed).stdout.splitlines()[0]
    assert "6 customers due in" in first and "controller's 72-hour clock (GDPR Art. 33(1)): pending" in first
    register = json.dumps(cli.json("register", "--format", "json"))
    assert "contract-notice:c0005" in register and "gdpr-art33-sa" in register


def test_notify_as_mbox_resumes_byte_identical_and_is_recorded(cli, home: Path, tmp_path: Path) -> None:
    """`--format mbox`: every notice in one customers.mbox; a run killed mid-message resumes to the same bytes."""
    import mailbox

    from breach.api import open_session
    from breach.services.customers import notify

    write_list(home / "customers.csv", 1200)
    iid = cli.open("Platform", "--aware-at", "2026-11-28 09:00")
    cli.json("scope", iid, "--customers", "all")
    approve_notices(cli, iid)
    when = AWARE + timedelta(hours=1)
    full, killed = tmp_path / "full", tmp_path / "killed"
    for folder, stop in ((full, None), (killed, 500)):
        s = open_session(home, author="t")
        try:
            notify(s, iid, folder, now=when, stop_after=stop, fmt="mbox")
        finally:
            s.close()
    with open(killed / "customers.mbox", "ab") as fh:  # killed after writing part of message 501
        fh.write(b"From privacy@example.invalid Sat Nov 28 09:00:00 2026\nTo: half")
    assert cli("customers", "notify", iid, "--out", str(killed)).exit_code == 1  # eml over an mbox run: refused
    resumed = cli.json("customers", "notify", iid, "--out", str(killed), "--format", "mbox")
    assert resumed["written"] == 700 and resumed["skipped"] == 500
    assert (killed / "customers.mbox").read_bytes() == (full / "customers.mbox").read_bytes()
    box = mailbox.mbox(str(full / "customers.mbox"), create=False)
    messages = list(box)
    assert len(messages) == 1200
    (brand1,) = [email.message_from_bytes(m.as_bytes(), policy=email.policy.default) for m in messages
                 if "ops1@brand1.example" in str(m["To"])]
    assert brand1.get_content_type() == "multipart/alternative"
    assert "sous-traitant" in brand1.get_body(("plain",)).get_content()
    result = cli.json("notified", iid, "contract-notice:*", "--from-run", str(full))
    assert result["recorded"] == 1200 and result["late"] == 0
    assert {n["reference"] for n in result["notices"]} == {f"customers.mbox#c{i:04d}" for i in range(1200)}
