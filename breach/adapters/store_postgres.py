"""A team's shared incident log in PostgreSQL, through psycopg 3.

The only module that imports psycopg (breach.adapters.stores imports it only when a
URL is set). The chains, ledger and outbox are breach.adapters.store_sql, the tables and
their migrations breach.adapters.schema (PostgreSQL's dialect); this module supplies the
connection and what makes many machines safe at once:

- an append locks its incident's head row (`SELECT ... FOR UPDATE`) until it commits,
  so appends from any number of processes form one gap-free chain;
- opening an incident (number allocation + ledger entry) and pushing the organization
  profile take a transaction-scoped advisory lock, so numbers never collide;
- a Slack flush claims the outbox with `SELECT ... FOR UPDATE SKIP LOCKED` on its lock
  row, held on a second connection for the flush (released if the process dies), so two
  flushes never send one message twice.

The URL's password is never printed: messages use `mask_url`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg

from breach.adapters.config import Config
from breach.adapters.dburl import URL_ENV, mask_url
from breach.adapters.schema import POSTGRES, SCHEMA_VERSION
from breach.adapters.store_sql import SqlStore
from breach.errors import StoreError

CONNECT_TIMEOUT_S = 10
#: pg_advisory_xact_lock keys ("breach" in ASCII, then a number per purpose).
LEDGER_LOCK = 0x627265616368_01
SCHEMA_LOCK = 0x627265616368_02
#: The meta row a Slack flush locks while it sends (see claim_outbox).
FLUSHER = "outbox_flusher"

_IDENTITY_TABLES = ("events", "drafts", "outbox")


def explain(exc: Exception, url: str) -> str:
    """What went wrong connecting, and the fix, without the password."""
    parts = urlsplit(url)
    where = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    database = parts.path.lstrip("/") or parts.username or "?"
    text = str(exc)
    if parts.password:
        text = text.replace(parts.password, "***")
    first = text.strip().splitlines()[-1] if text.strip() else type(exc).__name__
    low = text.lower()
    if "password authentication failed" in low or "no password supplied" in low:
        return (f"PostgreSQL at {where} refused the password for user {parts.username!r}: fix the password in "
                f"{URL_ENV} ({mask_url(url)})")
    if "does not exist" in low and "database" in low:
        return (f"the database {database!r} does not exist on the PostgreSQL server at {where}: create it "
                f"(`CREATE DATABASE {database};`, see docs/team.md) or fix {URL_ENV} ({mask_url(url)})")
    if "does not exist" in low and "role" in low:
        return f"PostgreSQL at {where} has no user {parts.username!r}: create the role or fix {URL_ENV}"
    return (f"cannot reach the PostgreSQL server at {where} ({first}): check that it is running and that "
            f"{URL_ENV} ({mask_url(url)}) names the right host and port")


def _connect(url: str, *, autocommit: bool = True) -> psycopg.Connection:
    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_S,
                               application_name="breach")
    except psycopg.ProgrammingError:
        raise StoreError(f"{URL_ENV} is not a usable PostgreSQL URL ({mask_url(url)}): "
                         "postgresql://USER:PASSWORD@HOST:PORT/DATABASE") from None
    except psycopg.Error as exc:
        raise StoreError(explain(exc, url)) from None


class PgStore(SqlStore):
    """A team's incident log in one PostgreSQL database."""

    backend = "postgresql"
    dialect = POSTGRES
    shared = True
    FOR_UPDATE = " FOR UPDATE"
    GREATEST = "greatest"
    Error = psycopg.Error

    def __init__(self, home: Path, conn: psycopg.Connection, url: str):
        super().__init__(home, conn)
        self.url = url
        self._sql: dict[str, str] = {}

    @property
    def where(self) -> str:
        return mask_url(self.url)

    # --- the dialect ------------------------------------------------------------------

    def _q(self, sql: str) -> str:
        found = self._sql.get(sql)
        if found is None:
            found = self._sql[sql] = sql.replace("%", "%%").replace("?", "%s")
        return found

    def _execute(self, sql: str, params: list | tuple = ()) -> Any:
        try:
            return self.conn.execute(self._q(sql), params)
        except psycopg.OperationalError as exc:
            raise StoreError(f"lost the connection to {self.where}: {str(exc).strip()}; nothing of this "
                             "command after its last completed step was recorded; try again") from None
        except psycopg.errors.InsufficientPrivilege as exc:
            raise StoreError(f"{self.where}: {str(exc).strip()}: this database role may only read (an auditor's); "
                             "record with the team's writer role (docs/team.md)") from None

    def _executemany(self, sql: str, rows: list) -> None:
        with self.conn.cursor() as cursor:
            cursor.executemany(self._q(sql), rows)

    def _begin(self) -> None:
        self._execute("BEGIN")

    def _rollback(self) -> None:
        if self.conn.closed:
            return
        try:
            self.conn.execute("ROLLBACK")
        except psycopg.Error:
            pass

    def _lock_ledger(self) -> None:
        self._execute("SELECT pg_advisory_xact_lock(?)", [LEDGER_LOCK])

    def _json_text(self, column: str, key: str) -> str:
        return f"({column}::json ->> '{key}')"

    def _after_load(self, table: str) -> None:
        if table in _IDENTITY_TABLES:
            self._execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                          f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")

    @contextmanager
    def claim_outbox(self) -> Iterator[bool]:
        """Hold the outbox for one flush, on a second connection; False if another flush holds it.

        Messages go out in order (a reply after its parent), so one flusher sends at a time.
        The row lock lives in a transaction of its own connection: the flush's state changes
        (`sending`, then `sent`) still commit one by one, and a process that dies lets go.
        """
        self._execute("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO NOTHING",
                      [FLUSHER, "the row a Slack flush locks while it sends"])
        lock = _connect(self.url, autocommit=False)
        try:
            row = lock.execute("SELECT key FROM meta WHERE key = %s FOR UPDATE SKIP LOCKED", [FLUSHER]).fetchone()
            yield row is not None
        finally:
            try:
                lock.rollback()
            finally:
                lock.close()

    # --- opening ----------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, home: Path, *, create: bool = False, write: bool = True,
             config: Config | None = None) -> PgStore:
        home = Path(home)
        if create and not home.exists():
            try:
                home.mkdir(parents=True, mode=0o700)  # for the renditions (drafts, letters)
            except OSError as exc:
                raise StoreError(f"cannot create the data folder {home}: {exc.strerror}") from None
        store = cls(home, _connect(url), url)
        store.config = config or Config.from_env()
        try:
            store._ensure_schema(write=write)
        except BaseException:
            store.close()
            raise
        return store

    def _tables(self) -> set[str]:
        return {r[0] for r in self._execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}

    def _ensure_schema(self, *, write: bool) -> None:
        version = self.schema_version()
        if version == SCHEMA_VERSION:
            return
        self.refuse_newer(version)
        if not write:
            if not version:
                raise StoreError(f"the database {self.where} has no incident log yet: run `breach db upgrade`")
            raise StoreError(f"the database {self.where} uses an older schema: run `breach db upgrade`")
        self.migrate()

    def _lock_schema(self) -> None:
        self._execute("SELECT pg_advisory_xact_lock(?)", [SCHEMA_LOCK])

    def _after_create(self) -> None:
        self._execute("INSERT INTO meta(key, value) VALUES(?, ?)",
                      [FLUSHER, "the row a Slack flush locks while it sends"])

    def _migration_failed(self, exc: Exception, version: int, target: int) -> StoreError:
        if isinstance(exc, psycopg.errors.InsufficientPrivilege):
            return StoreError(f"cannot create or migrate the tables in {self.where} ({str(exc).strip()}): run "
                              "`breach db upgrade` as the role that owns the schema (docs/team.md)")
        return super()._migration_failed(exc, version, target)
