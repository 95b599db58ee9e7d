"""A data folder's incident log: one SQLite file (breach.db).

The only module that imports sqlite3; everything else about the log (chains, ledger,
witnesses, drafts, outbox) is breach.adapters.store_sql, and its tables and migrations
are breach.adapters.schema (SQLite's dialect). Every write
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

from breach.adapters.config import Config
from breach.adapters.schema import MIGRATIONS, SCHEMA_VERSION, SQLITE
from breach.adapters.store_sql import CHAIN_KEY_ENV, GENESIS, LEDGER, SqlStore, canonical, event_hash, sha256_text
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
    dialect = SQLITE
    Error = sqlite3.Error

    def __init__(self, home: Path, conn: sqlite3.Connection):
        super().__init__(home, conn)
        self.path = home / DB_NAME

    @property
    def where(self) -> str:
        return str(self.path)

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
    def open(cls, home: Path, *, create: bool = False, write: bool = True, config: Config | None = None) -> Store:
        """Open (or with `create`, create) the data folder's database.

        `config` (chain key, clock): the entry's; default, resolved from the environment now.

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
            store.config = config or Config.from_env()
            store._ensure_schema(write=write)
        except sqlite3.DatabaseError as exc:
            if "readonly" in str(exc) or "read-only" in str(exc):
                raise StoreError(f"the data folder {home} is read-only: {exc}") from None
            raise StoreError(
                f"{path} is not a usable breach database ({exc}); restore it from a backup "
                "or move it away and run `breach init`"
            ) from None
        return store

    def _tables(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def _ensure_schema(self, *, write: bool) -> None:
        tables = self._tables()
        if "meta" not in tables:
            if tables:
                raise sqlite3.DatabaseError("not a breach database")
            if not write:
                raise StoreError(f"the incident log {self.path} is empty: run `breach init --home {self.home}`")
            self.migrate()
            return
        version = self.schema_version()
        self.refuse_newer(version)
        if version < SCHEMA_VERSION:
            # A database made by an earlier release is migrated on first use, in one transaction.
            if not writable(self.home) or not writable(self.path):
                raise StoreError(f"{self.path} uses schema {version} and must be migrated to {SCHEMA_VERSION}, "
                                 "but the data folder is read-only")
            self.migrate()
