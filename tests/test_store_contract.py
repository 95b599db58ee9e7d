"""The same contract, through the CLI, against both adapters: SQLite (a data folder) and PostgreSQL (a team)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import HIGH_RISK_ANSWERS, Cli
from typer.testing import CliRunner

from breach.adapters.store_sql import SCHEMA_VERSION
from breach.cli import app


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
