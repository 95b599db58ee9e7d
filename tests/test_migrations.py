"""A data folder made by the release before (schema 1) opens with this one: migrated in one transaction."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import REPO, Cli

from breach.adapters import schema, store_sqlite
from breach.adapters.store_sqlite import SCHEMA_VERSION, Store
from breach.errors import StoreError

V1 = REPO / "tests" / "data" / "schema-v1"


@pytest.fixture
def old_home(tmp_path: Path) -> Path:
    home = tmp_path / "incidents"
    shutil.copytree(V1, home)
    return home


def columns(home: Path) -> set[str]:
    with sqlite3.connect(home / "breach.db") as conn:
        return {r[1] for r in conn.execute("PRAGMA table_info(incidents)")}


def test_the_fixture_is_a_schema_1_database(old_home: Path) -> None:
    with sqlite3.connect(old_home / "breach.db") as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == ("1",)
    assert {"title", "aware_at", "summary"} <= columns(old_home)


def test_an_old_database_is_migrated_and_still_verifies(old_home: Path) -> None:
    cli = Cli(old_home)
    listed = cli.json("list", "--all")
    assert [(i["id"], i["status"]) for i in listed] == [("BR-2026-0001", "closed"), ("BR-2026-0002", "open")]
    assert listed[0]["title"].startswith("Drill: user database exfiltrated")
    assert listed[1]["title"] == "Laptop lost"
    store = Store.open(old_home, write=False)
    try:
        assert store.schema_version() == SCHEMA_VERSION
    finally:
        store.close()
    assert columns(old_home) == {"id", "seq", "status", "head_hash", "event_count"}
    result = cli("verify")
    assert result.exit_code == 0, result.output
    assert "BR-2026-0001: ok (25 events)" in result.stdout
    review = cli.json("review", "BR-2026-0001")
    assert {(d["kind"], d["lang"], d["state"]) for d in review} >= {("sa-notification", "fr", "sent")}


def test_the_migrated_log_keeps_writing_and_numbering(old_home: Path) -> None:
    cli = Cli(old_home)
    assert cli.open("After the upgrade") == "BR-2026-0003"
    assert cli("log", "BR-2026-0002", "found the laptop").exit_code == 0
    assert cli("verify").exit_code == 0


def test_a_failed_migration_leaves_the_old_database_as_it_was(old_home: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(store: Store) -> None:
        store.conn.execute("ALTER TABLE incidents DROP COLUMN title")
        raise sqlite3.OperationalError("disk full (simulated)")

    monkeypatch.setitem(schema.MIGRATIONS, 2, schema.Migration("broken", step="broken_step"))
    monkeypatch.setattr(Store, "broken_step", broken, raising=False)
    failed = r"from schema 1 to 2 failed \(disk full \(simulated\)\); the database was left"
    with pytest.raises(StoreError, match=failed):
        Store.open(old_home)
    assert "title" in columns(old_home)  # rolled back: nothing half-migrated
    with sqlite3.connect(old_home / "breach.db") as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == ("1",)


def test_a_newer_schema_is_refused_with_the_fix(old_home: Path) -> None:
    Store.open(old_home).close()
    with sqlite3.connect(old_home / "breach.db") as conn:
        conn.execute("INSERT INTO schema_migrations(version, description, applied_at) VALUES (99, 'x', 'y')")
    with pytest.raises(StoreError, match="newer release"):
        Store.open(old_home)


def test_an_unknown_event_kind_is_refused_by_the_store(old_home: Path) -> None:
    store = Store.open(old_home)
    try:
        with pytest.raises(ValueError):
            store.append_event("BR-2026-0002", kind="gossip", at=store_sqlite.clock.now(), author="x")
    finally:
        store.close()
