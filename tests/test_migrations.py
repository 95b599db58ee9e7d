"""A data folder made by the release before (schema 1) opens with this one: migrated in one transaction."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import REPO, Cli
from schema_catalog import postgres_catalog, sqlite_catalog

from breach.adapters import clock, schema
from breach.adapters.store_sqlite import SCHEMA_VERSION, Store, sha256_text
from breach.adapters.stores import open_store
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
            store.append_event("BR-2026-0002", kind="gossip", at=clock.now(), author="x")
    finally:
        store.close()


# --- every earlier version, on SQLite and on PostgreSQL -------------------------------------------------

ANSWERS = REPO / "tests" / "data" / "wp250" / "example06.yaml"
#: Columns a version had that the current one has not, and a value for them (release 1's incident row).
_OLD_VALUES = {"title": "From the record", "role": "controller", "aware_at": "2026-11-28T08:00:00+00:00",
               "opened_at": "2026-11-28T08:00:00+00:00"}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[dict]]]:
    """A log of this release with something in every table of the record: its folder, its rows table by table."""
    home = tmp_path_factory.mktemp("record") / "incidents"
    with pytest.MonkeyPatch.context() as mp:  # the autouse clock is per test; this log is made once
        mp.setenv("BREACH_NOW", "2026-11-28T14:05:00+01:00")
        mp.setenv("USER", "tester")
        mp.delenv("BREACH_DATABASE_URL", raising=False)
        cli = Cli(home)
        assert cli("init").exit_code == 0
        iid = cli.json("open", "--title", "Laptop stolen", "--aware-at", "2026-11-28 09:00")["id"]
        for args in (("log", iid, "Wiped remotely", "--kind", "action"), ("assess", iid, "--answers", str(ANSWERS)),
                     ("draft", iid, "sa-notification", "--lang", "fr"),
                     ("review", "approve", iid, "sa-notification", "--lang", "fr", "--version", "1", "--as", "Legal"),
                     ("notified", iid, "gdpr-art33-sa", "--at", "2026-11-28 12:00", "--reference", "DBN-1")):
            result = cli(*args)
            assert result.exit_code == 0, result.output
        cli.open("Misdirected e-mail")
        assert cli("close", "BR-2026-0002", "--summary", "Recalled", "--force", "--reason", "Drill").exit_code == 0
        cli.open("Phishing")
        store = Store.open(home)
        try:
            now = clock.now()
            store.enqueue(key="k1", incident_id=iid, op="post", payload={"text": "opened"}, created_at=now)
            store.set_state("channel", "C123")
            org = (home / "organization.yaml").read_text()
            store.push_org(text=org, sha256=sha256_text(org), at=now, by="tester", files={"t/x.md": "hi"})
            return home, {t: store.table_rows(t) for t in store.RECORD_TABLES}
        finally:
            store.close()


def build_at(version: int, home: Path, url: str | None, made_in: Path):
    """A log as release `version` left it, built from the one schema definition (no rows yet)."""
    home.mkdir(parents=True)
    shutil.copy(made_in / "organization.yaml", home)
    if url:
        import psycopg

        from breach.adapters.store_postgres import PgStore

        store = PgStore(home, psycopg.connect(url, autocommit=True), url)
    else:
        store = Store(home, sqlite3.connect(home / "breach.db", isolation_level=None))
    store.create_schema(version)
    return store


def load_as_of(store, version: int, record: dict[str, list[dict]]) -> None:
    """The record's rows in the tables and columns that `version` had (what it did not have is left out)."""
    tables = {t.name: t for t in schema.tables_at(version)}
    with store.transaction():
        for name, rows in record.items():
            if name not in tables:
                continue
            columns = tables[name].columns_at(version)
            if name == "meta":  # the schema row says `version`; releases before 3 kept no high-water mark
                rows = [r for r in rows if r["key"] != "schema" and (version >= 3 or r["key"] != "last_incident_seq")]
            store.load_rows(name, [{c.name: row.get(c.name, _OLD_VALUES.get(c.name)) for c in columns} for row in rows])


@pytest.fixture(params=["sqlite", "postgres"])
def backend_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str | None:
    if request.param == "sqlite":
        return None
    url = request.getfixturevalue("pg_url")
    monkeypatch.setenv("BREACH_DATABASE_URL", url)
    return url


def after_upgrade_it_keeps_working(cli: Cli, first_open: str) -> None:
    result = cli("verify")
    assert result.exit_code == 0, result.output
    assert "BR-2026-0001: ok" in result.stdout
    status = {o["obligation"]: o["state"] for o in cli.json("status", "BR-2026-0001")}
    assert status["gdpr-art33-sa"] == "met"  # the read model is rebuilt from the events
    assert [i["id"] for i in cli.json("list", "--all")] == ["BR-2026-0001", "BR-2026-0002", "BR-2026-0003"]
    assert cli("log", "BR-2026-0003", "After the upgrade").exit_code == 0
    assert cli.open("After the upgrade") == first_open  # numbers never reused
    assert cli("verify").exit_code == 0


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_a_log_at_every_earlier_version_upgrades_with_its_data(version: int, backend_url: str | None, made,
                                                               tmp_path: Path) -> None:
    made_in, record = made
    home = tmp_path / "incidents"
    store = build_at(version, home, backend_url, made_in)
    try:
        assert store.schema_version() == version
        load_as_of(store, version, record)
    finally:
        store.close()
    cli = Cli(home)
    upgraded = cli.json("db", "upgrade")
    assert upgraded["applied"] == list(range(version + 1, SCHEMA_VERSION + 1))
    assert upgraded["schema"] == SCHEMA_VERSION
    store = open_store(home)
    try:
        had = {t.name for t in schema.tables_at(version)}
        for table in store.RECORD_TABLES:
            rows = store.table_rows(table)
            if table == "meta":
                rows = [r for r in rows if r["key"] != "outbox_flusher"]
            if table in had or table in ("incident_ledger", "chain_witness"):
                # Before schema 3 the ledger and the witnesses were not kept: the upgrade computes the same ones.
                assert rows == record[table], table
            else:
                assert rows == [], table
        versions = [r[0] for r in store._execute("SELECT version FROM schema_migrations ORDER BY version")]
        assert versions == list(range(max(version, 2), SCHEMA_VERSION + 1))
    finally:
        store.close()
    after_upgrade_it_keeps_working(cli, "BR-2026-0004")


# --- logs made by the earlier releases themselves ---------------------------------------------------------

DATA = REPO / "tests" / "data"
BASELINE = json.loads((DATA / "schema-catalog.json").read_text())


def unordered(catalog: dict) -> dict:
    return {t: {**info, "columns": sorted(info["columns"])} for t, info in catalog.items()}


@pytest.mark.parametrize("version", range(2, SCHEMA_VERSION + 1))
def test_a_data_folder_made_by_each_earlier_release_upgrades_and_verifies(version: int, tmp_path: Path) -> None:
    """tests/data/schema-vN: made by the release of schema N (6: the release before the single schema)."""
    home = tmp_path / "incidents"
    shutil.copytree(DATA / f"schema-v{version}", home)
    cli = Cli(home)
    before = sqlite3.connect(home / "breach.db")
    try:
        assert before.execute("SELECT max(version) FROM schema_migrations").fetchone() == (version,)
        events = before.execute("SELECT id, incident_id, seq, hash FROM events ORDER BY id").fetchall()
    finally:
        before.close()
    assert cli.json("db", "upgrade")["applied"] == list(range(version + 1, SCHEMA_VERSION + 1))
    result = cli("verify")
    assert result.exit_code == 0, result.output
    assert "BR-2026-0001: ok" in result.stdout
    with sqlite3.connect(home / "breach.db") as after:
        assert after.execute("SELECT id, incident_id, seq, hash FROM events ORDER BY id").fetchall() == events
    catalog = sqlite_catalog(home / "breach.db")
    if version == SCHEMA_VERSION:
        assert catalog == BASELINE["sqlite-created"]
    else:
        assert unordered(catalog) == unordered(BASELINE["sqlite-created"])
    listed = [i["id"] for i in cli.json("list", "--all")]
    assert listed[:2] == ["BR-2026-0001", "BR-2026-0002"]
    assert cli.open("After the upgrade") == f"BR-2026-{len(listed) + 1:04d}"
    assert cli("log", "BR-2026-0001", "After the upgrade").exit_code == 0
    assert cli("verify").exit_code == 0


@pytest.mark.parametrize("version", range(4, SCHEMA_VERSION + 1))
def test_a_team_database_made_by_each_earlier_release_upgrades_and_verifies(version: int, pg_url: str, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """tests/data/schema-vN-postgresql.sql: pg_dump of a team database made by the release of schema N
    (4: the first with PostgreSQL; 6: the release before the single schema)."""
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute((DATA / f"schema-v{version}-postgresql.sql").read_text())
        conn.execute("RESET search_path")  # pg_dump's script empties it
        events = conn.execute("SELECT id, incident_id, seq, hash FROM events ORDER BY id").fetchall()
    monkeypatch.setenv("BREACH_DATABASE_URL", pg_url)
    machine = tmp_path / "machine"
    machine.mkdir()
    shutil.copy(DATA / "schema-v6" / "organization.yaml", machine)
    cli = Cli(machine)
    if version < SCHEMA_VERSION:  # a reader does not migrate a team's database: it says how
        refused = cli("list", "--all")
        assert refused.exit_code == 1 and "uses an older schema: run `breach db upgrade`" in refused.stderr
    upgraded = cli.json("db", "upgrade")
    assert upgraded["schema"] == SCHEMA_VERSION
    assert upgraded["applied"] == list(range(version + 1, SCHEMA_VERSION + 1))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall() == [
            (v,) for v in range(version, SCHEMA_VERSION + 1)]
        assert conn.execute("SELECT id, incident_id, seq, hash FROM events ORDER BY id").fetchall() == events
    result = cli("verify")
    assert result.exit_code == 0, result.output
    assert "BR-2026-0001: ok" in result.stdout
    catalog = postgres_catalog(pg_url)
    if version == SCHEMA_VERSION:
        assert catalog == BASELINE["postgresql-created"]
    else:
        assert unordered(catalog) == unordered(BASELINE["postgresql-created"])
    listed = [i["id"] for i in cli.json("list", "--all")]
    assert listed[:2] == ["BR-2026-0001", "BR-2026-0002"]
    assert cli.open("After the upgrade") == f"BR-2026-{len(listed) + 1:04d}"
    assert cli("log", "BR-2026-0001", "After the upgrade").exit_code == 0
    assert cli("verify").exit_code == 0
