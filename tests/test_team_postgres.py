"""A team on one PostgreSQL log: two data folders stand for two machines (issue 17's "Done when").

Real PostgreSQL (tests/pg_server.py), never skipped. Processes, not threads, where
concurrency is tested: they are released together by a start file.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import HIGH_RISK_ANSWERS, REPO, Cli, run_breach
from pg_server import running_postgres, stop
from typer.testing import CliRunner

from breach.cli import app


def key_of(params: dict) -> str | None:
    meta = params.get("metadata") or {}
    if isinstance(meta, str):
        meta = json.loads(meta)
    return (meta.get("event_payload") or {}).get("key")


def ok(result):
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def team(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Cli, Cli]:
    """Two machines (data folders A and B) on one team database."""
    monkeypatch.setenv("BREACH_DATABASE_URL", pg_url)
    machines = []
    for name in ("machine-a", "machine-b"):
        home = tmp_path / name
        ok(CliRunner().invoke(app, ["init", "--home", str(home)]))
        machines.append(Cli(home))
    return machines[0], machines[1]


def test_an_incident_opened_on_one_machine_is_listed_on_the_other_and_no_breach_db_is_written(team) -> None:
    a, b = team
    iid = a.open("Laptop stolen")
    ok(a("log", iid, "Called the police"))
    listed = b.json("list")
    assert [(i["id"], i["title"]) for i in listed] == [(iid, "Laptop stolen")]
    assert [e["seq"] for e in b.json("timeline", iid)] == [1, 2]
    for cli in (a, b):
        assert not (cli.home / "breach.db").exists()
        assert not list(cli.home.glob("breach.db*"))


def test_an_approval_made_on_one_machine_shows_on_the_other(team) -> None:
    a, b = team
    iid = a.json("open", "--title", "DB", "--aware-at", "2026-11-28 09:00", "--occurred-at", "2026-11-27 22:00",
                 "--detected-at", "2026-11-28 08:00")["id"]
    ok(a("assess", iid, "--answers", str(HIGH_RISK_ANSWERS)))
    drafted = a.json("draft", iid, "sa-notification", "--lang", "fr")
    assert (a.home / iid / "drafts" / Path(drafted["path"]).name).is_file()
    ok(b("review", "approve", iid, "sa-notification", "--lang", "fr", "--version", "1", "--as", "Legal"))
    rows = a.json("review", iid)
    assert [(r["kind"], r["lang"], r["version"], r["state"]) for r in rows] == [
        ("sa-notification", "fr", 1, "approved")]
    # A records the notice with B's approval; its own copy of the approved text is rendered from the database.
    notified = a.json("notified", iid, "gdpr-art33-sa", "--at", "2026-11-28 12:00", "--reference", "DBN-7")
    assert notified["draft"]["version"] == 1
    assert list((a.home / iid / "drafts").glob("*.approved.*"))
    # B had never rendered the draft itself: verify writes its rendition in B's own folder.
    verified = ok(b("verify", iid))
    assert "rendered again from the database" in verified.stdout + verified.stderr
    assert (b.home / iid / "drafts" / Path(drafted["path"]).name).is_file()


WORKER = r"""
import os, sys, time
from pathlib import Path
from typer.testing import CliRunner
from breach.cli import app

home, iid, name, count, start = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), Path(sys.argv[5])
Path(f"{start}.{name}.ready").touch()
while not start.exists():
    time.sleep(0.005)
runner = CliRunner()
opened = runner.invoke(app, ["open", "--title", f"opened by {name}", "--home", home, "--json"])
assert opened.exit_code == 0, opened.output
print(opened.stdout.strip())
for n in range(count):
    result = runner.invoke(app, ["log", iid, f"{name} note {n}", "--home", home])
    if result.exit_code != 0:
        print(result.output, file=sys.stderr)
        sys.exit(1)
"""


def test_two_machines_append_100_events_each_at_once_and_the_chain_holds(team, tmp_path: Path) -> None:
    a, b = team
    iid = a.open("Shared")
    start = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(cli.home), iid, name, "100", str(start)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for cli, name in ((a, "a"), (b, "b"))]
    release(start, "ab")  # both processes go at once
    outputs = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
    events = a.json("timeline", iid)
    assert [e["seq"] for e in events] == list(range(1, 202))  # gap-free
    texts = [e["data"].get("text") for e in events[1:]]
    assert sorted(texts) == sorted(f"{m} note {n}" for m in "ab" for n in range(100))
    assert {e["author"] for e in events[1:]} == {"tester"}
    # both orders interleave: the appends really ran at the same time
    firsts = [t[0] for t in texts]
    assert firsts.count("a") == 100 and firsts != sorted(firsts)
    opened = [json.loads(out)["id"] for out, _ in outputs]
    assert sorted(opened) == ["BR-2026-0002", "BR-2026-0003"]  # numbers never collide
    for cli in (a, b):
        verified = ok(cli("verify"))
        assert f"{iid}: ok (201 events)" in verified.stdout


def test_the_drill_and_export_run_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    home = tmp_path / "drill"
    env = {"BREACH_DATABASE_URL": pg_url}
    drill = run_breach("drill", "--speed", "0", "--home", str(home), "--json", env=env, timeout=180)
    assert drill.returncode == 0, drill.stderr
    iid = json.loads(drill.stdout)["incident"]
    assert not (home / "breach.db").exists()
    out = tmp_path / "export.zip"
    exported = run_breach("export", iid, "--out", str(out), "--home", str(home), env=env)
    assert exported.returncode == 0, exported.stderr
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(out) as zf:
        zf.extractall(folder)
    check = subprocess.run([shutil.which("sha256sum") or "sha256sum", "-c", "MANIFEST.sha256"], cwd=folder,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    verified = run_breach("verify", "--home", str(home), env=env)
    assert verified.returncode == 0 and f"{iid}: ok" in verified.stdout


def test_with_the_server_stopped_list_exits_1_with_a_clear_error_and_no_password(tmp_path: Path) -> None:
    with running_postgres(max_connections=20) as server:
        url = server.create_database("outage")
        home = tmp_path / "incidents"
        env = {"BREACH_DATABASE_URL": url}
        assert run_breach("init", "--home", str(home), env=env).returncode == 0
        assert run_breach("open", "--title", "Before the outage", "--home", str(home), env=env).returncode == 0
        stop(server)
        result = run_breach("list", "--home", str(home), env=env)
        assert result.returncode == 1
        assert result.stderr.startswith("Error: cannot reach the PostgreSQL server at 127.0.0.1:")
        assert "check that it is running" in result.stderr and "BREACH_DATABASE_URL" in result.stderr
        assert "Traceback" not in result.stderr
        assert server.password not in result.stderr + result.stdout
        assert f"{server.user}:***@" in result.stderr
        assert not (home / "breach.db").exists()


@pytest.mark.parametrize(("change", "expected"), [
    (lambda s: s.url("breach").replace(s.password, "wrong-pw"), "refused the password for user 'breach'"),
    (lambda s: s.url("no_such_db"), "the database 'no_such_db' does not exist"),
])
def test_wrong_password_or_missing_database_is_an_error_with_the_fix(pg_server, home: Path, change,
                                                                      expected: str) -> None:
    url = change(pg_server)
    result = CliRunner().invoke(app, ["--database-url", url, "list", "--home", str(home)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and expected in result.stderr
    assert "wrong-pw" not in result.output and pg_server.password not in result.output


def test_a_url_that_is_not_postgresql_is_refused(tmp_path: Path, home: Path) -> None:
    result = CliRunner().invoke(app, ["--database-url", "mysql://u:secret@h/db", "list", "--home", str(home)])
    assert result.exit_code == 1 and "must be a postgresql://" in result.stderr and "secret" not in result.stderr


def test_without_the_url_sqlite_is_used_as_before_and_psycopg_is_not_imported(home: Path) -> None:
    cli = Cli(home)
    iid = cli.open("Local")
    assert (home / "breach.db").is_file()
    assert [i["id"] for i in cli.json("list")] == [iid]
    code = ("import sys\nfrom breach.cli import main\nsys.argv = ['breach', 'list', '--home', sys.argv[1]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\nprint('psycopg' in sys.modules, file=sys.stderr)")
    env = {k: v for k, v in os.environ.items() if k != "BREACH_DATABASE_URL"}
    ran = subprocess.run([sys.executable, "-c", code, str(home)], capture_output=True, text=True, env=env)
    assert iid in ran.stdout and ran.stderr.strip().endswith("False"), ran.stderr


RELEASED_TOGETHER = r"""
import sys, time
from pathlib import Path
start, name = Path(sys.argv[1]), sys.argv[2]
from breach.cli import main
Path(f"{start}.{name}.ready").touch()
while not start.exists():
    time.sleep(0.002)
sys.argv = ["breach", *sys.argv[3:]]
main()
"""


def release(start: Path, names: str) -> None:
    """Wait until every worker is ready, then let them all go at once."""
    deadline = time.monotonic() + 60
    while not all(Path(f"{start}.{n}.ready").exists() for n in names):
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.01)
    start.touch()


def test_two_slack_flushes_at_once_send_each_message_once(team, slack_stub, tmp_path: Path) -> None:
    a, b = team
    slack_stub.fail_all_with(500)
    for cli in (a, b, a, b):
        cli.open("Queued while Slack was down")
    queued = a.json("slack", "status")["waiting"]  # queued, and the first one `sending` (looked up first)
    assert queued > 3
    slack_stub.recover()
    before = len(slack_stub.requests)
    start = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", RELEASED_TOGETHER, str(start), name, "slack", "flush", "--home",
                               str(cli.home)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for cli, name in ((a, "a"), (b, "b"))]
    release(start, "ab")
    results = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), results
    sends = ("chat.postMessage", "chat.scheduleMessage")
    keys = [key_of(r.params) for r in slack_stub.requests[before:] if r.method in sends]
    assert None not in keys
    assert len(keys) == len(set(keys)) == queued  # every message once, none twice
    status = a.json("slack", "status")
    assert status["waiting"] == 0 and status["counts"]["sent"] == queued


def test_db_copy_moves_a_sqlite_log_into_postgresql_verified(home: Path, pg_url: str, tmp_path: Path) -> None:
    local = Cli(home)
    iid = local.json("open", "--title", "Before the team", "--aware-at", "2026-11-28 09:00")["id"]
    ok(local("assess", iid, "--answers", str(HIGH_RISK_ANSWERS)))
    local.json("draft", iid, "sa-notification", "--lang", "fr")
    before = local.json("timeline", iid)
    copied = local.json("db", "copy", "--to", pg_url)
    assert copied["incidents"] == 1 and copied["events"] == len(before) and copied["drafts"] == 1
    assert "breach-test-pw" not in json.dumps(copied)
    again = local("db", "copy", "--to", pg_url)
    assert again.exit_code == 1 and "already holds incidents" in again.stderr
    # Another machine on the team database sees the same chain and can go on with it.
    other = Cli(tmp_path / "other")
    ok(CliRunner().invoke(app, ["init", "--home", str(other.home)]))
    env = {"BREACH_DATABASE_URL": pg_url}
    assert [(e["seq"], e["hash"]) for e in other.json("timeline", iid, env=env)] == \
        [(e["seq"], e["hash"]) for e in before]
    verified = other("verify", env=env)
    assert verified.exit_code == 0 and "rendered again from the database" in verified.output
    opened = other("open", "--title", "Next", "--json", env=env)
    assert json.loads(opened.stdout)["id"] == "BR-2026-0002"


def test_db_copy_refuses_a_log_that_does_not_verify(home: Path, pg_url: str) -> None:
    import sqlite3

    local = Cli(home)
    iid = local.open()
    with sqlite3.connect(home / "breach.db") as conn:
        conn.execute("UPDATE events SET author = 'someone else' WHERE seq = 1")
    result = local("db", "copy", "--to", pg_url)
    assert result.exit_code == 1 and "does not verify, so it was not copied" in result.stderr and iid in result.stderr


def test_org_push_gives_every_machine_the_same_profile(team) -> None:
    a, b = team
    profile = a.home / "organization.yaml"
    profile.write_text(profile.read_text().replace("\nname: Sparkcentral\n", "\nname: Sparkcentral Team\n"))
    pushed = a.json("org", "push")
    assert pushed["version"] == 1 and pushed["changed"]
    assert a.json("org", "push")["changed"] is False  # the same text is not a new version
    shown = b.json("org", "show")
    assert shown["version"] == 1 and shown["name"] == "Sparkcentral Team" and shown["local_differs"] is True
    (b.home / "organization.yaml").unlink()  # a machine needs no local file once a profile is pushed
    assert b.json("org", "show")["name"] == "Sparkcentral Team"


def test_org_push_without_a_team_database_says_how(cli: Cli) -> None:
    result = cli("org", "push")
    assert result.exit_code == 1 and "BREACH_DATABASE_URL" in result.stderr


def test_an_auditor_role_reads_everything_and_records_nothing(team, pg_server) -> None:
    import psycopg

    a, b = team
    iid = a.open("Audited")
    ok(a("log", iid, "evidence kept"))
    writer_url = os.environ["BREACH_DATABASE_URL"]
    with psycopg.connect(writer_url, autocommit=True) as conn:  # docs/team.md's grants
        conn.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'auditor') THEN "
                     "CREATE ROLE auditor LOGIN PASSWORD 'audit-pw'; END IF; END $$")
        conn.execute("GRANT USAGE ON SCHEMA public TO auditor")
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO auditor")
    auditor = {"BREACH_DATABASE_URL": writer_url.replace(f"{pg_server.user}:{pg_server.password}",
                                                         "auditor:audit-pw")}
    assert [i["id"] for i in b.json("list", env=auditor)] == [iid]
    assert b.json("status", env=auditor)
    verified = b("verify", env=auditor)
    assert verified.exit_code == 0 and f"{iid}: ok (2 events)" in verified.stdout
    refused = b("log", iid, "an auditor's note", env=auditor)
    assert refused.exit_code == 1 and refused.stderr.startswith("Error: ") and "may only read" in refused.stderr
    assert "audit-pw" not in refused.stderr
    assert len(a.json("timeline", iid)) == 2


def test_ci_installs_postgresql_when_missing_and_no_postgresql_test_skips() -> None:
    ci = (REPO / ".ci" / "run").read_text()
    assert "command -v initdb" in ci and "/usr/lib/postgresql/*/bin/initdb" in ci
    assert "apt-get install -y -qq postgresql" in ci
    for name in ("test_team_postgres.py", "test_store_contract.py", "conftest.py", "pg_server.py"):
        tree = ast.parse((REPO / "tests" / name).read_text())
        skips = [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
                 and n.attr in {"skip", "skipif", "importorskip", "xfail"}]
        assert skips == [], name


def test_org_push_carries_the_organizations_own_templates_and_playbooks(team) -> None:
    """Every machine drafts with the wording legal chose, not whatever its own folder holds."""
    a, b = team
    letter = a.home / "templates" / "subject-letter" / "en.md.j2"
    letter.parent.mkdir(parents=True)
    shipped = (REPO / "templates" / "subject-letter" / "en.md.j2").read_text()
    letter.write_text(shipped.replace("{% block body %}", "{% block body %}\nACME team letterhead\n", 1))
    pushed = a.json("org", "push")
    assert pushed["files"] == ["templates/subject-letter/en.md.j2"] and pushed["changed"]
    assert a.json("org", "push")["changed"] is False
    iid = b.json("open", "--title", "Shared wording", "--aware-at", "2026-11-28 09:00")["id"]
    ok(b("assess", iid, "--answers", str(HIGH_RISK_ANSWERS)))
    draft = b.json("draft", iid, "subject-letter", "--lang", "en")
    assert "ACME team letterhead" in Path(draft["path"]).read_text()  # machine b has no such file of its own
    assert draft["template_origin"] == "data folder"
    bad = a.home / "playbooks" / "gdpr.yaml"
    bad.parent.mkdir()
    bad.write_text("name: gdpr\ntitle: broken\nsteps:\n  - id: x\n    type: nonsense\n")
    refused = a("org", "push")
    assert refused.exit_code == 1 and "not a valid playbook" in refused.stderr


def test_connection_errors_name_the_fix_and_never_the_password() -> None:
    from breach.adapters.store_postgres import explain

    url = "postgresql://writer:s3cret-pw@db.example.org:6543/breach"
    refused = explain(RuntimeError('password authentication failed for user "writer" (s3cret-pw)'), url)
    assert "refused the password for user 'writer'" in refused and "s3cret-pw" not in refused
    assert "writer:***@db.example.org" in refused
    missing = explain(RuntimeError('database "breach" does not exist'), url)
    assert "CREATE DATABASE breach;" in missing and "s3cret-pw" not in missing
    down = explain(RuntimeError("connection refused"), url)
    assert "cannot reach the PostgreSQL server at db.example.org:6543" in down and "s3cret-pw" not in down


def test_org_push_shares_the_customer_list_and_refuses_a_bad_one(team) -> None:
    """Issue 25: the customer list travels with the profile; machine B scopes A's customers."""
    from test_customers import write_list

    a, b = team
    write_list(a.home / "customers.csv", 12)
    pushed = a.json("org", "push")
    assert "customers.csv" in pushed["files"]
    assert not (b.home / "customers.csv").exists()
    iid = b.json("open", "--title", "Platform", "--aware-at", "2026-11-28 09:00")["id"]
    assert b.json("scope", iid, "--customers", "all")["recorded"] == 12
    rows = [r for r in a.json("status", iid) if r["obligation"].startswith("contract-notice:")]
    assert len(rows) == 12
    path = a.home / "customers.csv"
    path.write_text(path.read_text() + "c0001,Again,en,a@b.example,24,aware,w,1\n")
    refused = a("org", "push")
    assert refused.exit_code == 1 and "customers.csv:14" in refused.stderr and "nothing was pushed" in refused.stderr
