"""The same contract against every incident log: through the CLI on SQLite (a data folder) and PostgreSQL (a team);
through the store's protocol on those two and on the in-memory store the service tests use (tests/fake_store.py)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from conftest import HIGH_RISK_ANSWERS, Cli
from fake_store import MemoryStore
from typer.testing import CliRunner

from breach.adapters.store_protocol import IncidentLog
from breach.adapters.store_sql import SCHEMA_VERSION, SqlStore
from breach.adapters.store_sqlite import Store
from breach.cli import app
from breach.errors import NotFoundError
from breach.services.session import Session


class LogCli(Cli):
    """A Cli on one backend, with raw SQL for the tampering checks."""

    def __init__(self, home: Path, backend: str, url: str | None):
        super().__init__(home)
        self.backend = backend
        self.url = url

    def sql(self, statement: str) -> list[tuple]:
        if self.url:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                cursor = conn.execute(statement)
                return cursor.fetchall() if cursor.description else []
        with sqlite3.connect(self.home / "breach.db") as conn:
            return conn.execute(statement).fetchall()


@pytest.fixture(params=["sqlite", "postgres"])
def log_cli(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LogCli:
    url = None
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
        monkeypatch.setenv("BREACH_DATABASE_URL", url)
    home = tmp_path / "incidents"
    result = CliRunner().invoke(app, ["init", "--home", str(home)])
    assert result.exit_code == 0, result.output
    return LogCli(home, request.param, url)


def ok(result):
    assert result.exit_code == 0, result.output
    return result


def test_open_log_assess_draft_approve_notify_verify_export(log_cli: LogCli, tmp_path: Path) -> None:
    cli = log_cli
    iid = cli.json("open", "--title", "DB", "--aware-at", "2026-11-28 09:00", "--occurred-at", "2026-11-27 22:00",
                   "--detected-at", "2026-11-28 08:00")["id"]
    assert iid == "BR-2026-0001"
    ok(cli("log", iid, "Isolated the host", "--kind", "action"))
    ok(cli("assess", iid, "--answers", str(HIGH_RISK_ANSWERS)))
    draft = cli.json("draft", iid, "sa-notification", "--lang", "fr")
    assert draft["version"] == 1
    ok(cli("review", "approve", iid, "sa-notification", "--lang", "fr", "--version", "1", "--as", "Legal"))
    notified = cli.json("notified", iid, "gdpr-art33-sa", "--at", "2026-11-28 12:00", "--reference", "DBN-1")
    assert notified["draft"]["lang"] == "fr"
    status = {o["obligation"]: o["state"] for o in cli.json("status", iid)}
    assert status["gdpr-art33-sa"] == "met"
    verify = ok(cli("verify"))
    assert f"{iid}: ok" in verify.stdout
    timeline = cli.json("timeline", iid)
    assert [e["seq"] for e in timeline] == list(range(1, len(timeline) + 1))
    out = tmp_path / "export.zip"
    ok(cli("export", iid, "--out", str(out)))
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(out) as zf:
        zf.extractall(folder)
    check = subprocess.run([shutil.which("sha256sum") or "sha256sum", "-c", "MANIFEST.sha256"], cwd=folder,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert (cli.home / "breach.db").exists() is (cli.backend == "sqlite")


def test_an_edited_event_is_found_and_further_appends_refused(log_cli: LogCli) -> None:
    iid = log_cli.open()
    ok(log_cli("log", iid, "first"))
    log_cli.sql("UPDATE events SET data = '{\"text\":\"forged\"}' WHERE seq = 2")
    result = log_cli("verify")
    assert result.exit_code == 1 and "event #2" in result.stderr and "edited" in result.stderr
    refused = log_cli("log", iid, "more", "--kind", "action")
    assert refused.exit_code == 1 and "broken" in refused.stderr


def test_a_deleted_incident_is_named_by_the_ledger_and_its_number_never_reused(log_cli: LogCli) -> None:
    first = log_cli.open("one")
    log_cli.open("two")
    for table in ("projected_obligations", "projection", "drafts", "events"):
        log_cli.sql(f"DELETE FROM {table} WHERE incident_id = 'BR-2026-0002'")
    log_cli.sql("DELETE FROM incidents WHERE id = 'BR-2026-0002'")
    result = log_cli("verify")
    assert result.exit_code == 1 and "BR-2026-0002: deleted" in result.stderr
    assert log_cli("open", "--title", "three").exit_code == 1  # issue 23: refused until resolved
    assert log_cli("verify", "--accept", "--reason", "removed by the DPO", "--by", "dpo").exit_code == 0
    assert log_cli.open("three") == "BR-2026-0003"
    assert first == "BR-2026-0001"


def test_a_missing_draft_file_is_rendered_again_from_the_database(log_cli: LogCli) -> None:
    iid = log_cli.open()
    path = Path(log_cli.json("draft", iid, "sa-notification")["path"])
    # stored relative to the data folder, so each machine renders it in its own folder
    assert log_cli.sql("SELECT path FROM drafts") == [(f"{iid}/drafts/sa-notification.en.v1.md",)]
    path.unlink()
    result = ok(log_cli("verify", iid))
    assert "rendered again from the database" in result.stdout + result.stderr
    assert path.is_file()


def test_db_upgrade_is_idempotent(log_cli: LogCli) -> None:
    first = log_cli.json("db", "upgrade")
    again = log_cli.json("db", "upgrade")
    assert first["schema"] == again["schema"] == SCHEMA_VERSION
    assert again["applied"] == []
    assert first["backend"] == ("postgresql" if log_cli.url else "sqlite")


# --- the store's protocol, called directly: SQLite, PostgreSQL and the in-memory fake alike -----------

NOW = datetime.fromisoformat("2026-11-28T14:05:00+01:00")


@pytest.fixture(params=["sqlite", "postgres", "memory"])
def log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IncidentLog]:
    """One empty incident log of each kind, through the protocol the services use."""
    store: IncidentLog
    if request.param == "memory":
        store = MemoryStore(tmp_path / "memory")
    elif request.param == "postgres":
        from breach.adapters.store_postgres import PgStore

        store = PgStore.open(request.getfixturevalue("pg_url"), tmp_path / "pg", create=True)
    else:
        store = Store.open(tmp_path / "sqlite", create=True)
    try:
        yield store
    finally:
        store.close()


def opened(log: IncidentLog, title: str = "DB") -> str:
    return log.create_incident(year=2026, at=NOW, author="ana", data={"title": title}).incident_id


def test_the_fake_implements_the_protocol_the_sql_stores_implement() -> None:
    wanted = {name for name in dir(IncidentLog) if not name.startswith("_")} | set(IncidentLog.__annotations__)
    for implementation in (MemoryStore, SqlStore):
        missing = {name for name in wanted if not hasattr(implementation, name)} - set(IncidentLog.__annotations__)
        assert missing == set(), implementation
    # what a Session holds is typed with the protocol, not with one backend
    assert Session.__dataclass_fields__["store"].type in ("IncidentLog", IncidentLog)


def test_incidents_are_numbered_in_order_and_chained(log: IncidentLog) -> None:
    first, second = opened(log), opened(log, "two")
    assert (first, second) == ("BR-2026-0001", "BR-2026-0002")
    note = log.append_event(first, kind="note", at=NOW, author="bo", data={"text": "isolated"})
    events = log.events(first)
    assert [(e.seq, e.kind, e.author) for e in events] == [(1, "opened", "ana"), (2, "note", "bo")]
    assert events[1] == note and note.prev_hash == events[0].hash and note.at == NOW
    assert note.at.utcoffset() == NOW.utcoffset()  # the offset it was given with comes back
    assert [e.seq for e in log.events(first, after=1)] == [2]
    assert [r["hash"] for r in log.event_rows(first)] == [e.hash for e in events]
    row = log.incident_row(first)
    assert (row["id"], row["seq"], row["status"], row["event_count"], row["head_hash"]) == \
        (first, 1, "open", 2, note.hash)
    assert log.verify_chain(first) == "no key"
    assert log.verify_ledger() == []
    assert log.take_touched() == {first, second} and log.take_touched() == set()


def test_a_closed_incident_leaves_the_open_list(log: IncidentLog) -> None:
    first, second = opened(log), opened(log)
    log.append_event(first, kind="closed", at=NOW, author="ana")
    assert [r["id"] for r in log.incident_rows(include_closed=False)] == [second]
    assert [r["id"] for r in log.incident_rows()] == [first, second]
    assert log.incident_row(first)["status"] == "closed"


def test_unknown_incidents_and_kinds_are_refused(log: IncidentLog) -> None:
    with pytest.raises(NotFoundError, match="BR-2026-0404"):
        log.incident_row("BR-2026-0404")
    with pytest.raises(NotFoundError):
        log.append_event("BR-2026-0404", kind="note", at=NOW, author="ana")
    iid = opened(log)
    with pytest.raises(ValueError):
        log.append_event(iid, kind="gossip", at=NOW, author="ana")
    assert log.incident_row(iid)["event_count"] == 1


def test_a_transaction_keeps_all_of_its_writes_or_none(log: IncidentLog) -> None:
    iid = opened(log)
    with pytest.raises(RuntimeError), log.transaction():
        log.append_event(iid, kind="note", at=NOW, author="ana", data={"text": "lost"})
        log.set_state("k", "v")
        with log.transaction():  # a nested block joins the outer one
            log.enqueue(key="k1", incident_id=iid, op="post", payload={}, created_at=NOW)
        raise RuntimeError("boom")
    assert [e.kind for e in log.events(iid)] == ["opened"]
    assert log.incident_row(iid)["event_count"] == 1
    assert log.get_state("k") is None and log.outbox_rows() == []
    assert log.verify_chain(iid) == "no key"
    with log.transaction():
        log.append_event(iid, kind="note", at=NOW, author="ana", data={"text": "kept"})
    assert [e.data for e in log.events(iid)][1] == {"text": "kept"}


def test_drafts_are_versioned_per_kind_and_language(log: IncidentLog) -> None:
    iid = opened(log)
    assert log.next_draft_version(iid, "sa-notification", "fr") == 1
    for lang, version in (("fr", 1), ("fr", 2), ("en", 1)):
        log.insert_draft({"incident_id": iid, "kind": "sa-notification", "lang": lang, "version": version,
                          "format": "md", "text": f"{lang}{version}", "sha256": "x", "template": "t",
                          "created_at": "2026-11-28T13:05:00+00:00", "path": "p", "missing": "[]"})
    assert log.next_draft_version(iid, "sa-notification", "fr") == 3
    assert log.next_draft_version(iid, "sa-notification", "en") == 2
    assert [(r["lang"], r["version"], r["text"]) for r in log.draft_rows(iid)] == \
        [("en", 1, "en1"), ("fr", 1, "fr1"), ("fr", 2, "fr2")]


def test_the_outbox_queues_a_key_once_and_records_what_happened(log: IncidentLog) -> None:
    iid = opened(log)
    assert log.enqueue(key="a", incident_id=iid, op="post", payload={"text": "hi"}, created_at=NOW, statutory=True)
    assert not log.enqueue(key="a", incident_id=iid, op="post", payload={"text": "again"}, created_at=NOW)
    assert log.enqueue(key="b", incident_id=None, op="post", payload={}, created_at=NOW)
    rows = log.outbox_rows()
    assert [(r["key"], r["state"], r["attempts"], r["statutory"]) for r in rows] == \
        [("a", "queued", 0, 1), ("b", "queued", 0, 0)]
    assert json.loads(rows[0]["payload"]) == {"text": "hi"}
    log.update_outbox("a", {"state": "sent", "attempts": 1, "sent_at": "2026-11-28T13:06:00+00:00"})
    assert [r["key"] for r in log.outbox_rows(state="queued")] == ["b"]
    assert [(r["key"], r["attempts"]) for r in log.outbox_rows(state="sent")] == [("a", 1)]
    with log.claim_outbox() as mine:
        assert mine is True


def test_slack_state_is_set_replaced_and_removed(log: IncidentLog) -> None:
    assert log.get_state("thread") is None
    log.set_state("thread", "1.0")
    log.set_state("thread", "2.0")
    assert log.get_state("thread") == "2.0"
    log.set_state("thread", None)
    assert log.get_state("thread") is None


def test_a_pushed_profile_is_versioned_with_its_files(log: IncidentLog) -> None:
    assert log.org_profile() is None
    assert log.push_org(text="name: A\n", sha256="s1", at=NOW, by="ana", files={"t/b.md": "B", "t/a.md": "A"}) == \
        (1, True)
    assert log.push_org(text="name: A\n", sha256="s1", at=NOW, by="bo", files={"t/a.md": "A", "t/b.md": "B"}) == \
        (1, False)
    assert log.push_org(text="name: B\n", sha256="s2", at=NOW, by="bo") == (2, True)
    profile = log.org_profile()
    assert profile is not None and (profile["version"], profile["text"], profile["pushed_by"]) == (2, "name: B\n", "bo")
    assert log.org_files(1) == {"t/a.md": "A", "t/b.md": "B"} and log.org_files(2) == {}


def test_read_models_are_stored_and_listed_in_status_order(log: IncidentLog) -> None:
    first, second = opened(log), opened(log)
    assert log.projection(first) is None
    assert log.projection_heads() == [(first, 1, None, None), (second, 1, None, None)]

    def save(iid: str, status: str, rows: list[tuple[str, str, float | None, str]]) -> None:
        log.save_projection(iid, event_count=1, deps="d1", rows=rows,
                            data={"org_zone": "Europe/Brussels", "incident": {"id": iid, "status": status}})

    save(first, "open", [("late-one", "pending", 2000.0, "b1"), ("advice", "advisory", None, "b2"),
                         ("met-one", "met", 1000.0, "b3"), ("undated", "pending", None, "b4")])
    save(second, "open", [("early", "pending", 1500.0, "c1")])
    assert log.projection(first) == {"event_count": 1, "deps": "d1", "data": {
        "org_zone": "Europe/Brussels", "incident": {"id": first, "status": "open"}}}
    assert [tuple(h) for h in log.projection_heads()] == [(first, 1, 1, "d1"), (second, 1, 1, "d1")]
    assert set(log.projections()) == {first, second}
    assert log.projected_org_zone() == "Europe/Brussels"
    assert [json.loads(t)["id"] for t in log.projected_incidents_json(include_closed=True)] == [first, second]
    order = [body for body, _, _ in log.projected_obligations(incident_id=None, pending_only=False)]
    assert order == ["b3", "c1", "b1", "b4", "b2"]
    pending = [(b, s) for b, s, _ in log.projected_obligations(incident_id=first, pending_only=True)]
    assert pending == [("b1", "pending"), ("b4", "pending"), ("b2", "advisory")]
    save(second, "closed", [("early", "pending", 1500.0, "c1")])  # a closed incident leaves `status`
    assert "c1" not in [body for body, _, _ in log.projected_obligations(incident_id=None, pending_only=False)]
    assert [body for body, _, _ in log.projected_obligations(incident_id=second, pending_only=False)] == ["c1"]
