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


def test_a_controller_incident_with_customers_holds_the_art_33_2_duty_too(cli, home: Path, assessed: str,
                                                                          tmp_path: Path) -> None:
    """Both roles: the controller's Art. 33(1) clock and the processor's Art. 33(2) duty to the customers,
    met when every customer's notice is recorded (the last one's time)."""
    write_list(home / "customers.csv", 6)
    rows = {r["obligation"]: r for r in cli.json("status", assessed)}
    assert "gdpr-art33-processor" not in rows  # a controller incident without customers: Art. 33(1) only
    cli.json("scope", assessed, "--customers", "all")
    rows = {r["obligation"]: r for r in cli.json("status", assessed)}
    duty = rows["gdpr-art33-processor"]
    assert duty["state"] == "pending" and "0 of 6 customers notified" in duty["reason"]
    assert "GDPR Art. 33(2)" in duty["source"] and rows["gdpr-art33-sa"]["state"] == "pending"
    run = tmp_path / "run"
    approve_notices(cli, assessed)
    cli.json("customers", "notify", assessed, "--out", str(run))
    entries = [json.loads(line) for line in (run / "manifest.jsonl").read_text().splitlines()]
    for n, e in enumerate(entries):
        e["sent_at"] = (AWARE + timedelta(hours=1, minutes=n)).isoformat()
    (run / "manifest.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    cli.json("notified", assessed, "contract-notice:*", "--from-run", str(run))
    duty = {r["obligation"]: r for r in cli.json("status", assessed, "--all")}["gdpr-art33-processor"]
    assert duty["state"] == "met"
    assert datetime.fromisoformat(duty["met_at"]) == AWARE + timedelta(hours=1, minutes=5)


# --- the words are legal's: the approved controller notice per language (issue 25, wave 6) -----------------


def two_language_incident(cli, home: Path, n: int = 6) -> str:
    """Customers in en and fr only (c0000 en, c0001 fr, ...), scoped."""
    with open(home / "customers.csv", "w", encoding="utf-8") as fh:
        fh.write(HEADER)
        for i in range(n):
            fh.write(f"c{i:04d},Brand {i},{('en', 'fr')[i % 2]},ops{i}@brand{i}.example,24,aware,ws{i}a;ws{i}b,"
                     f"{(i + 1) * 1000}\n")
    iid = cli.open("Platform", "--aware-at", "2026-11-28 09:00")
    cli.json("scope", iid, "--customers", "all")
    return iid


def plain_of(path: Path) -> tuple[str, str]:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return str(msg["Subject"]), msg.get_body(("plain",)).get_content()


def stop_after(home: Path, iid: str, out: Path, n: int) -> None:
    from breach.api import open_session
    from breach.services.customers import notify

    s = open_session(home, author="t")
    try:
        assert notify(s, iid, out, now=AWARE + timedelta(hours=1), stop_after=n)["written"] == n
    finally:
        s.close()


def test_notify_is_refused_without_approved_notices_naming_each_language(cli, home: Path, tmp_path: Path) -> None:
    iid = two_language_incident(cli, home)
    out = tmp_path / "run"
    result = cli("customers", "notify", iid, "--out", str(out))
    assert result.exit_code == 1 and "no approved version in en, fr" in result.stderr
    assert f"breach draft {iid} controller-notice --lang fr" in result.stderr
    assert "breach review approve" in result.stderr and "--without-approval --reason" in result.stderr
    assert not out.exists()  # nothing written
    approve_notices(cli, iid, ("en",))
    cli.json("draft", iid, "controller-notice", "--lang", "fr")
    result = cli("customers", "notify", iid, "--out", str(out))
    assert result.exit_code == 1 and "no approved version in fr " in result.stderr
    assert f"breach review approve {iid} controller-notice --lang fr --version 1" in result.stderr
    assert not out.exists()


def test_messages_carry_the_approved_text_and_each_customers_facts(cli, home: Path, tmp_path: Path) -> None:
    shipped = (Path(__file__).resolve().parent.parent / "templates" / "controller-notice" / "en.md.j2").read_text()
    own = home / "templates" / "controller-notice" / "en.md.j2"
    own.parent.mkdir(parents=True)
    sentence = "Our platform team has rotated every support credential."
    own.write_text(shipped.replace("Our reference:", sentence + "\n{% endcall %}\n{% call f.p() %}\nOur reference:"))
    iid = two_language_incident(cli, home)
    approve_notices(cli, iid, ("en", "fr"))
    out = tmp_path / "run"
    result = cli.json("customers", "notify", iid, "--out", str(out))
    assert result["by_lang"] == {"en": 3, "fr": 3} and result["drafts"]["fr"]["version"] == 1
    for i in range(6):
        subject, text = plain_of(out / f"c{i:04d}.eml")
        assert (sentence in text) == (i % 2 == 0)  # the approved en text, in every en message only
        assert f"ws{i}a, ws{i}b" in text and f"{(i + 1) * 1000:,}" in text
        assert "DRAFT" not in subject + text and "PROJET" not in subject + text  # approved: no marker
    _, en = plain_of(out / "c0000.eml")
    contact = en.index("Your contact at the processor")
    assert "Pieter Lievens" in en[contact:en.index("Our contact point")]  # its contact at the processor
    _, fr = plain_of(out / "c0001.eml")
    assert "Vos utilisateurs concernés : 2,000" in fr and "sous-traitant" in fr
    assert fr.index("Vos espaces") < fr.index("Notre point de contact")  # the facts before the first section
    entries = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert {e["draft"]["lang"]: e["draft"]["version"] for e in entries} == {"en": 1, "fr": 1}
    assert all(e["without_approval"] is False for e in entries)
    run = json.loads((out / "run.json").read_text())
    assert run["drafts"]["en"]["sha256"] == entries[0]["draft"]["sha256"] and run["without_approval"] is False


def test_a_newer_or_changed_approval_refuses_the_resume(cli, home: Path, tmp_path: Path) -> None:
    iid = two_language_incident(cli, home)
    approve_notices(cli, iid, ("en", "fr"))
    out = tmp_path / "run"
    stop_after(home, iid, out, 2)
    (home / "templates" / "controller-notice").mkdir(parents=True)
    fr = Path(__file__).resolve().parent.parent / "templates" / "controller-notice" / "fr.md.j2"
    (home / "templates" / "controller-notice" / "fr.md.j2").write_text(fr.read_text().replace(
        "Notre référence", "Voir aussi notre page d'état. Notre référence"))
    assert cli.json("draft", iid, "controller-notice", "--lang", "fr")["version"] == 2
    result = cli("customers", "notify", iid, "--out", str(out))  # v2 not approved: the newest must be
    assert result.exit_code == 1 and "controller-notice (fr) v2 is newer than the approved v1" in result.stderr
    cli.json("review", "approve", iid, "controller-notice", "--lang", "fr", "--version", "2", "--as", "Legal",
             "--allow-missing")
    before = sorted(p.name for p in out.iterdir())
    result = cli("customers", "notify", iid, "--out", str(out))
    assert result.exit_code == 1 and "controller-notice (fr): started from v1" in result.stderr
    assert "now v2" in result.stderr and sorted(p.name for p in out.iterdir()) == before
    assert cli.json("customers", "notify", iid, "--out", str(tmp_path / "new"))["drafts"]["fr"]["version"] == 2


def test_without_approval_is_an_emergency_recorded_on_the_run_and_each_notice(cli, home: Path,
                                                                             tmp_path: Path) -> None:
    from breach.api import open_session

    iid = two_language_incident(cli, home, 4)
    out = tmp_path / "run"
    cli.json("draft", iid, "controller-notice", "--lang", "en")
    result = cli("customers", "notify", iid, "--out", str(out), "--without-approval")
    assert result.exit_code == 1 and "--reason" in result.stderr
    result = cli("customers", "notify", iid, "--out", str(out), "--without-approval", "--reason", "legal unreachable")
    assert result.exit_code == 1 and "no draft in fr" in result.stderr and not out.exists()
    cli.json("draft", iid, "controller-notice", "--lang", "fr")
    written = cli.json("customers", "notify", iid, "--out", str(out), "--without-approval", "--reason",
                       "legal unreachable")
    assert written["written"] == 4 and written["without_approval"] is True
    run = json.loads((out / "run.json").read_text())
    assert run["without_approval"] is True and run["reason"] == "legal unreachable"
    entries = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert all(e["without_approval"] and e["reason"] == "legal unreachable" for e in entries)
    subject, _ = plain_of(out / "c0000.eml")
    assert "DRAFT" not in subject
    assert cli.json("notified", iid, "contract-notice:*", "--from-run", str(out))["recorded"] == 4
    s = open_session(home, author="t")
    try:
        notices = s.state(iid).notifications
    finally:
        s.close()
    first = notices["contract-notice:c0001"][0]
    assert first.without_approval and first.reason == "legal unreachable"
    assert first.draft is not None and (first.draft.kind, first.draft.lang) == ("controller-notice", "fr")


def test_recording_a_run_again_records_only_the_rest(cli, home: Path, tmp_path: Path) -> None:
    iid = two_language_incident(cli, home, 6)
    approve_notices(cli, iid, ("en", "fr"))
    out = tmp_path / "run"
    stop_after(home, iid, out, 2)
    first = cli.json("notified", iid, "contract-notice:*", "--from-run", str(out))
    assert first["recorded"] == 2 and first["already"] == 0
    cli.json("customers", "notify", iid, "--out", str(out))
    again = cli.json("notified", iid, "contract-notice:*", "--from-run", str(out))
    assert again["recorded"] == 4 and again["already"] == 2 and again["conflicts"] == []
    text = cli("notified", iid, "contract-notice:*", "--from-run", str(out))
    assert text.exit_code == 0 and "0 customer notices recorded" in text.stdout and "6 already recorded" in text.stdout
    # the mailer's log says c0000 went out at another time: a conflict, listed, never rewritten
    entries = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    for e in entries:
        if e["customer"] == "c0000":
            e["sent_at"] = (AWARE + timedelta(hours=3)).isoformat()
    (out / "manifest.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    result = cli("notified", iid, "contract-notice:*", "--from-run", str(out))
    assert result.exit_code == 0 and "CONFLICT contract-notice:c0000: recorded at another time" in result.stderr
    assert "--correction" in result.stderr
    met = {r["obligation"]: r for r in cli.json("status", iid)}["contract-notice:c0000"]["met_at"]
    assert datetime.fromisoformat(met) != AWARE + timedelta(hours=3)
    fixed = cli.json("notified", iid, "contract-notice:c0000", "--correction", "--at", "2026-11-28 12:00",
                     "--reason", "the mailer's log")
    assert fixed["corrects"] and fixed["correction_reason"] == "the mailer's log"
    met = {r["obligation"]: r for r in cli.json("status", iid)}["contract-notice:c0000"]["met_at"]
    assert datetime.fromisoformat(met) == AWARE + timedelta(hours=3)
    assert cli.json("notified", iid, "contract-notice:*", "--from-run", str(out))["already"] == 6
