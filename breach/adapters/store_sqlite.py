"""A data folder's incident log: one SQLite file (breach.db), written with sqlite-utils.

The only module that imports sqlite3 and sqlite_utils; everything else about the log
(chains, ledger, witnesses, drafts, outbox) is breach.adapters.store_sql. Every write
runs in an immediate transaction with a busy timeout, so two `breach` processes
appending to the same incident queue behind each other instead of failing with
"database is locked".
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from breach.adapters.store_sql import (
    CHAIN_KEY_ENV,
    GENESIS,
    LEDGER,
    SCHEMA_VERSION,
    SqlStore,
    canonical,
    chain_key_from_env,
    event_hash,
    head_hmac,
    ledger_hash,
    sha256_text,
)
from breach.core import time as clock
from breach.errors import StoreError

__all__ = ["CHAIN_KEY_ENV", "DB_NAME", "GENESIS", "LEDGER", "MIGRATIONS", "SCHEMA_VERSION", "Store", "canonical",
           "clock", "event_hash", "sha256_text"]

DB_NAME = "breach.db"
BUSY_TIMEOUT_MS = 60_000


def writable(path: Path) -> bool:
    """Writable for us and not marked read-only: root ignores mode bits, we do not."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return True
    return os.access(path, os.W_OK) and bool(mode & stat.S_IWUSR)


class Store(SqlStore):
    """One data folder's database."""

    backend = "sqlite"
    Error = sqlite3.Error

    def __init__(self, home: Path, conn: sqlite3.Connection):
        super().__init__(home, conn)
        self.path = home / DB_NAME
        self._db = None

    @property
    def where(self) -> str:
        return str(self.path)

    @property
    def db(self):  # noqa: ANN201
        """sqlite-utils for the schema; imported on first use so reads start fast."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    def _begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    @contextmanager
    def claim_outbox(self) -> Iterator[bool]:
        """One flusher per data folder at a time (a file lock), so two processes never send the same row."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: flushes are not serialized
            yield True
            return
        fd = os.open(os.path.join(self.home, ".slack-flush.lock"), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    # --- opening ----------------------------------------------------------------


    @classmethod
    def open(cls, home: Path, *, create: bool = False, write: bool = True) -> Store:
        """Open (or with `create`, create) the data folder's database.

        The file is created with mode 0600 before SQLite touches it: incident logs
        hold facts about a breach and must not be world-readable.
        """
        home = Path(home)
        path = home / DB_NAME
        if home.exists() and not home.is_dir():
            raise StoreError(f"{home} is a file, not a data folder")
        if not home.exists():
            if not create:
                raise StoreError(f"no data folder at {home}: run `breach init` first")
            try:
                home.mkdir(parents=True, mode=0o700)
            except OSError as exc:
                raise StoreError(f"cannot create the data folder {home}: {exc.strerror}") from None
        if not home.is_dir():
            raise StoreError(f"{home} is not a folder")
        if write and (not writable(home) or not writable(path)):
            raise StoreError(f"the data folder {home} is read-only: cannot record anything there")
        if not path.exists():
            if not create:
                raise StoreError(f"no incident log at {path}: run `breach init --home {home}` first")
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
                os.close(fd)
            except FileExistsError:
                pass
            except OSError as exc:
                raise StoreError(f"cannot create {path}: {exc.strerror}") from None
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if write:
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            store = cls(home, conn)
            store._ensure_schema(write=write)
        except sqlite3.DatabaseError as exc:
            if "readonly" in str(exc) or "read-only" in str(exc):
                raise StoreError(f"the data folder {home} is read-only: {exc}") from None
            raise StoreError(
                f"{path} is not a usable breach database ({exc}); restore it from a backup "
                "or move it away and run `breach init`"
            ) from None
        return store

    def _ensure_schema(self, *, write: bool) -> None:
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" not in tables:
            if tables:
                raise sqlite3.DatabaseError("not a breach database")
            if not write:
                raise StoreError(f"the incident log {self.path} is empty: run `breach init --home {self.home}`")
            with self.transaction():
                self._create_schema()
            self.applied = [SCHEMA_VERSION]
            return
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer release of breach (schema {version}, this "
                             f"release knows {SCHEMA_VERSION}): upgrade breach")
        if version < SCHEMA_VERSION:
            # A database made by an earlier release is migrated on first use, in one transaction.
            if not writable(self.home) or not writable(self.path):
                raise StoreError(f"{self.path} uses schema {version} and must be migrated to {SCHEMA_VERSION}, "
                                 "but the data folder is read-only")
            self.migrate()

    def schema_version(self) -> int:
        """The schema version: the newest applied migration (the release-1 `meta` row before that)."""
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "schema_migrations" in tables:
            row = self.conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
            if row and row[0] is not None:
                return int(row[0])
        row = self.conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None:
            raise sqlite3.DatabaseError("unknown schema version")
        return int(row[0])

    def migrate(self) -> list[int]:
        """Apply the pending migrations in one transaction; returns the versions applied."""
        applied: list[int] = []
        version = self.schema_version()
        try:
            with self.transaction():
                self._apply(version, applied)
        except sqlite3.Error as exc:
            # Name the step that failed: "from schema 1 to 2" when the first of two steps failed.
            failed = min((t for t in MIGRATIONS if t > version and t not in applied), default=SCHEMA_VERSION)
            raise StoreError(f"migrating {self.path} from schema {version} to {failed} failed ({exc}); "
                             "the database was left as it was") from None
        self.applied += applied
        return applied

    def _apply(self, version: int, applied: list[int]) -> None:
        for target, (description, step) in sorted(MIGRATIONS.items()):
            if target <= version:
                continue
            step(self.conn)
            self.conn.execute("INSERT INTO schema_migrations(version, description, applied_at) VALUES(?, ?, ?)",
                              [target, description, clock.encode(clock.now())[0]])
            self.conn.execute("UPDATE meta SET value = ? WHERE key = 'schema'", [str(target)])
            applied.append(target)

    def _create_schema(self) -> None:
        db = self.db
        db["meta"].create({"key": str, "value": str}, pk="key")
        # Release 1 read this row and refuses a newer schema: keep it in step.
        db["meta"].insert({"key": "schema", "value": str(SCHEMA_VERSION)})
        # The incident row is an index over the chain: what `list` and the chain's head need.
        # Everything else about an incident is the fold of its events (breach.core.state).
        db["incidents"].create(
            {"id": str, "seq": int, "status": str, "head_hash": str, "event_count": int},
            pk="id", not_null={"status"},
        )
        db["events"].create(
            {
                "id": int, "incident_id": str, "seq": int, "kind": str, "at": str,
                "at_offset": str, "author": str, "data": str, "prev_hash": str, "hash": str,
            },
            pk="id",
            foreign_keys=[("incident_id", "incidents", "id")],
        )
        db["events"].create_index(["incident_id", "seq"], unique=True)
        db["drafts"].create(
            {
                "id": int, "incident_id": str, "kind": str, "lang": str, "version": int,
                "format": str, "text": str, "sha256": str, "template": str,
                "created_at": str, "path": str, "missing": str,
            },
            pk="id",
            foreign_keys=[("incident_id", "incidents", "id")],
        )
        db["drafts"].create_index(["incident_id", "kind", "lang", "version"], unique=True)
        db["outbox"].create(
            {
                "id": int, "key": str, "incident_id": str, "op": str, "payload": str,
                "state": str, "attempts": int, "last_error": str, "created_at": str,
                "sent_at": str, "result": str, "statutory": int,
            },
            pk="id",
        )
        db["outbox"].create_index(["key"], unique=True)
        db["slack_state"].create({"key": str, "value": str}, pk="key")
        _create_v2_tables(self.conn)
        _migrate_v3(self.conn)
        _migrate_v4(self.conn)
        _migrate_v6(self.conn)
        self.conn.execute("INSERT INTO schema_migrations(version, description, applied_at) VALUES(?, ?, ?)",
                          [SCHEMA_VERSION, "created", clock.encode(clock.now())[0]])

    # --- transactions -----------------------------------------------------------


# --- migrations -------------------------------------------------------------------------


def _create_v2_tables(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                 "description TEXT NOT NULL, applied_at TEXT NOT NULL)")
    conn.execute("CREATE TABLE IF NOT EXISTS projection (incident_id TEXT PRIMARY KEY REFERENCES incidents(id), "
                 "event_count INTEGER NOT NULL, deps TEXT NOT NULL, data TEXT NOT NULL, incident_json TEXT NOT NULL)")
    conn.execute("CREATE TABLE IF NOT EXISTS projected_obligations (incident_id TEXT NOT NULL REFERENCES "
                 "incidents(id), obligation TEXT NOT NULL, state TEXT NOT NULL, due_ts REAL, body TEXT NOT NULL, "
                 "is_open INTEGER NOT NULL DEFAULT 1, sort_key TEXT NOT NULL, PRIMARY KEY (incident_id, obligation))")
    # `breach status` order: what applies first, dated by due time, then "without undue delay".
    conn.execute("CREATE INDEX IF NOT EXISTS projected_obligations_order ON projected_obligations(sort_key)")


#: Columns release 1 kept on the incident row; the fold of the events says all of them.
_V1_INCIDENT_COLUMNS = (
    "title", "role", "aware_at", "aware_at_offset", "occurred_at", "occurred_at_offset", "detected_at",
    "detected_at_offset", "opened_at", "opened_at_offset", "closed_at", "closed_at_offset", "awareness_note",
    "summary", "public",
)


def _migrate_v2(conn: sqlite3.Connection) -> None:
    """Release 2: the incident row keeps only the index and the chain's head; projections table."""
    _create_v2_tables(conn)
    columns = {r[1] for r in conn.execute("PRAGMA table_info(incidents)")}
    for column in _V1_INCIDENT_COLUMNS:
        if column in columns:
            conn.execute(f"ALTER TABLE incidents DROP COLUMN {column}")


def _migrate_v3(conn: sqlite3.Connection) -> None:
    """Release 3: the incident ledger (ids never reused, deletions found), chain witnesses, Slack back-off.

    Incidents that already exist enter the ledger in their order, trusted as they are now
    (run `breach verify` before upgrading to know they were intact).
    """
    conn.execute("CREATE TABLE IF NOT EXISTS incident_ledger (seq INTEGER PRIMARY KEY, incident_id TEXT NOT NULL "
                 "UNIQUE, opened_hash TEXT NOT NULL, at TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)")
    conn.execute("CREATE TABLE IF NOT EXISTS chain_witness (scope TEXT PRIMARY KEY, count INTEGER NOT NULL, "
                 "head TEXT NOT NULL, hmac TEXT)")
    outbox_columns = {r[1] for r in conn.execute("PRAGMA table_info(outbox)")}
    if "next_attempt_at" not in outbox_columns:
        conn.execute("ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT")
    key = chain_key_from_env()

    def witness(scope: str, count: int, head: str) -> None:
        mac = head_hmac(key, scope=scope, count=count, head=head) if key else None
        conn.execute("INSERT OR REPLACE INTO chain_witness(scope, count, head, hmac) VALUES(?, ?, ?, ?)",
                     [scope, count, head, mac])

    prev = GENESIS
    count = 0
    for iid, seq, head, event_count in conn.execute(
            "SELECT id, seq, head_hash, event_count FROM incidents ORDER BY seq").fetchall():
        first = conn.execute("SELECT hash, at FROM events WHERE incident_id = ? AND seq = 1", [iid]).fetchone()
        opened_hash, at = first if first else (GENESIS, None)
        digest = ledger_hash(seq=seq, incident_id=iid, opened_hash=opened_hash, prev_hash=prev)
        conn.execute("INSERT INTO incident_ledger(seq, incident_id, opened_hash, at, prev_hash, hash) "
                     "VALUES(?, ?, ?, ?, ?, ?)", [seq, iid, opened_hash, at, prev, digest])
        witness(iid, event_count, head)
        prev, count = digest, count + 1
    if count:
        witness(LEDGER, count, prev)
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('last_incident_seq', "
                     "(SELECT CAST(max(seq) AS TEXT) FROM incidents))")


def _migrate_v4(conn: sqlite3.Connection) -> None:
    """Release 4: the organization profile as versions in the database (`breach org push`)."""
    conn.execute("CREATE TABLE IF NOT EXISTS org_profiles (version INTEGER PRIMARY KEY, text TEXT NOT NULL, "
                 "sha256 TEXT NOT NULL, pushed_at TEXT NOT NULL, pushed_by TEXT NOT NULL)")


def _migrate_v5(conn: sqlite3.Connection) -> None:
    """Release 5: projected obligations say whether their incident is open (status without a join)."""
    columns = {r[1] for r in conn.execute("PRAGMA table_info(projected_obligations)")}
    if "is_open" not in columns:
        conn.execute("ALTER TABLE projected_obligations ADD COLUMN is_open INTEGER NOT NULL DEFAULT 1")
        conn.execute("DELETE FROM projection")  # rebuilt on the next read, with the column filled
        conn.execute("DELETE FROM projected_obligations")


def _migrate_v6(conn: sqlite3.Connection) -> None:
    """Release 6: the organization's own templates and playbooks travel with its pushed profile."""
    conn.execute("CREATE TABLE IF NOT EXISTS org_files (version INTEGER NOT NULL, path TEXT NOT NULL, "
                 "text TEXT NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (version, path))")


#: version -> (description, step). Each runs inside the transaction of `Store.migrate`.
MIGRATIONS = {
    2: ("incident row is an index; state is the fold of events; projection table", _migrate_v2),
    3: ("incident ledger, chain witnesses (HMAC), Slack retry times", _migrate_v3),
    4: ("organization profile versions (breach org push)", _migrate_v4),
    5: ("projected obligations say whether their incident is open", _migrate_v5),
    6: ("the organization's own templates and playbooks in the database (breach org push)", _migrate_v6),
}
