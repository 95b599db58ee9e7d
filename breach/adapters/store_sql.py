"""The incident log in SQL, whichever database holds it: append-only hash-chained events.

The hash chains, the incident ledger, the witnesses, the drafts, the Slack outbox and
the read models are written here once, against a small dialect that the two adapters
fill in: store_sqlite (a data folder's breach.db, sqlite3) and store_postgres (a
team's shared database, psycopg). Neither this module nor the services know which one
is in use; SQL is written with `?` placeholders and standard upserts. The tables and their
migrations are breach.adapters.schema, applied here by one runner (`migrate`) for both.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from breach.adapters.chain_guard import (
    CHAIN_KEY_ENV,
    GENESIS,
    LEDGER,
    META_LEDGER_AT,
    META_STORE_ID,
    ChainGuard,
    Walked,
    canonical,
    event_hash,
    head_hmac,
    ledger_hash,
)
from breach.adapters.config import Config
from breach.adapters.schema import MIGRATIONS, SCHEMA_VERSION, SQLITE, Dialect
from breach.core import time as clock
from breach.errors import ChainError, NotFoundError, StoreError

if TYPE_CHECKING:
    from breach.core.models import Event

#: The witness row of the incident ledger (the other rows are one per incident).
__all__ = ["CHAIN_KEY_ENV", "GENESIS", "LEDGER", "SqlStore", "canonical", "event_hash", "head_hmac", "ledger_hash",
           "sha256_text"]


def sha256_text(text: str) -> str:
    import hashlib  # on first use: reads need no OpenSSL (start-up)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SqlStore(ChainGuard):
    """One incident log. Subclasses supply the connection and the dialect (the `_` hooks below)."""

    #: What the log is kept in, for people: "sqlite" or "postgresql".
    backend = "sql"
    #: True when several machines share the log (the organization profile is then read from it).
    shared = False
    #: Appended to the read of an incident's head inside an append (a row lock where there are row locks).
    FOR_UPDATE = ""
    #: The SQL function that returns the largest of its arguments.
    GREATEST = "max"
    #: The database driver's base exception.
    Error: type[Exception] = Exception

    def __init__(self, home: Path, conn: Any):
        self.home = home
        self.conn = conn
        self._depth = 0
        #: The schema versions this process applied when it opened the log (for `breach db upgrade`).
        self.applied: list[int] = []
        self._touched: set[str] = set()
        #: Where this log runs: its chain key and its clock (set by `open`, from the entry's Config).
        self.config = Config()
        #: Incidents whose chain was checked in this process: id -> (event count, head) then.
        self._intact: dict[str, tuple[int, str]] = {}
        #: True when a head was witnessed in the open transaction: the witness file follows the commit.
        self._file_due = False

    @property
    def chain_key(self) -> bytes | None:
        """The HMAC key of the chains' heads (BREACH_CHAIN_KEY), or None; set aside (None) while a check
        must read the chains as if unkeyed (key adoption, a note on a broken store)."""
        if getattr(self, "_key_set_aside", False):
            return None
        return self.config.chain_key

    @chain_key.setter
    def chain_key(self, value: bytes | None) -> None:
        self._key_set_aside = value is None

    # --- the dialect --------------------------------------------------------------

    @property
    def where(self) -> str:
        """Where the log is, for messages (a path, or a URL without its password)."""
        raise NotImplementedError

    def _execute(self, sql: str, params: list | tuple = ()) -> Any:
        return self.conn.execute(sql, params)

    def _executemany(self, sql: str, rows: list) -> None:
        self.conn.executemany(sql, rows)

    def _begin(self) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        self._execute("COMMIT")

    def _rollback(self) -> None:
        self._execute("ROLLBACK")

    def _lock_ledger(self) -> None:
        """Inside a transaction: serialise incident numbering and the ledger (a no-op where writes already are)."""

    def _json_text(self, column: str, key: str) -> str:
        """SQL for the text at `key` of a JSON text column."""
        return f"json_extract({column}, '$.{key}')"

    def _insert(self, table: str, row: dict[str, Any], *, unless: str = "") -> int:
        """INSERT one row (none when a row with the same `unless` key exists); returns the rows inserted."""
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        conflict = f" ON CONFLICT({unless}) DO NOTHING" if unless else ""
        return self._execute(f"INSERT INTO {table}({names}) VALUES({marks}){conflict}", list(row.values())).rowcount

    @contextmanager
    def claim_outbox(self) -> Iterator[bool]:
        """Hold the Slack outbox for one flush; yields False when another flush holds it."""
        yield True

    def _tables(self) -> set[str]:
        """The names of the database's tables."""
        raise NotImplementedError

    def _lock_schema(self) -> None:
        """Inside the migration's transaction: one migrator at a time (a no-op where writes already are)."""

    def _after_create(self) -> None:
        """Rows a new database of this kind starts with (beyond the schema's version)."""

    def _migration_failed(self, exc: Exception, version: int, target: int) -> StoreError:
        return StoreError(f"migrating {self.where} from schema {version} to {target} failed ({exc}); "
                          "the database was left as it was")

    def close(self) -> None:
        self.conn.close()


    def take_touched(self) -> set[str]:
        """Incidents appended to since the last call (for the projections)."""
        touched, self._touched = self._touched, set()
        return touched

    def _rows(self, sql: str, params: list | tuple = ()) -> list[dict[str, Any]]:
        cursor = self._execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    # --- the schema (breach.adapters.schema) ---------------------------------------

    #: How this database spells the schema's types and keys.
    dialect: Dialect = SQLITE

    def schema_version(self) -> int:
        """The newest applied migration (the release-1 `meta` row before there were any); 0 for an empty database."""
        tables = self._tables()
        if "schema_migrations" in tables:
            row = self._execute("SELECT max(version) FROM schema_migrations").fetchone()
            if row and row[0] is not None:
                return int(row[0])
        if "meta" not in tables:
            return 0
        row = self._execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            raise StoreError(f"{self.where} is not a usable breach database (it names no schema version); restore "
                             "it from a backup or move it away and run `breach init`")
        return int(row[0])

    def refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.where} was written by a newer release of breach (schema {version}, this "
                             f"release knows {SCHEMA_VERSION}): upgrade breach")

    def create_schema(self, version: int = SCHEMA_VERSION) -> None:
        """Make an empty database's tables as they were at `version` (the tests build every earlier one)."""
        with self.transaction():
            for statement in self.dialect.create(version):
                self._execute(statement)
            # Release 1 read this row and refuses a newer schema: keep it in step.
            self._execute("INSERT INTO meta(key, value) VALUES('schema', ?)", [str(version)])
            if version >= 2:  # the version the table came in
                self._execute("INSERT INTO schema_migrations(version, description, applied_at) "
                              "VALUES(?, 'created', ?)", [version, clock.encode(self.config.now())[0]])
            if version == SCHEMA_VERSION:  # a new store: its identity, a ledger that hashes `at`, its key
                import secrets

                self._set_meta(META_STORE_ID, secrets.token_hex(6))
                self._set_meta(META_LEDGER_AT, "1")
                if self.chain_key:
                    self._record_key("breach init", self.config.now())
            self._after_create()

    def migrate(self) -> list[int]:
        """Create the schema, or apply the pending migrations, in one transaction; returns the versions applied.

        Idempotent; other processes wait for it (PostgreSQL) and see the old or the new schema, never half.
        """
        applied: list[int] = []
        version = target = 0
        try:
            with self.transaction():
                self._lock_schema()
                version = self.schema_version()
                self.refuse_newer(version)
                if version == 0:
                    target = SCHEMA_VERSION
                    self.create_schema()
                    applied.append(SCHEMA_VERSION)
                else:
                    for target in range(version + 1, SCHEMA_VERSION + 1):
                        self._migrate_to(target)
                        applied.append(target)
        except self.Error as exc:
            if not version:
                raise  # creating: the adapter's own message (read-only, not a database, ...)
            raise self._migration_failed(exc, version, target) from None
        self.applied += applied
        return applied

    def _migrate_to(self, target: int) -> None:
        """One step, `target` - 1 to `target`: new tables and columns, the data moves, then what is dropped."""
        migration = MIGRATIONS[target]
        before, after = self.dialect.migrate(target)
        for statement in before:
            self._execute(statement)
        if migration.step:
            getattr(self, migration.step)()
        for statement in (*migration.sql, *after):
            self._execute(statement)
        self._execute("INSERT INTO schema_migrations(version, description, applied_at) VALUES(?, ?, ?)",
                      [target, migration.description, clock.encode(self.config.now())[0]])
        self._execute("UPDATE meta SET value = ? WHERE key = 'schema'", [str(target)])

    def backfill_ledger(self) -> None:
        """Schema 3: incidents that already exist enter the ledger in their order, with their chains' witnesses,
        trusted as they are now (run `breach verify` before upgrading to know they were intact)."""
        prev = GENESIS
        count = 0
        for iid, seq, head, event_count in self._execute(
                "SELECT id, seq, head_hash, event_count FROM incidents ORDER BY seq").fetchall():
            first = self._execute("SELECT hash, at FROM events WHERE incident_id = ? AND seq = 1", [iid]).fetchone()
            opened_hash, at = first if first else (GENESIS, None)
            digest = ledger_hash(seq=seq, incident_id=iid, opened_hash=opened_hash, prev_hash=prev, at=at,
                                 with_at=True)
            self._execute("INSERT INTO incident_ledger(seq, incident_id, opened_hash, at, prev_hash, hash) "
                          "VALUES(?, ?, ?, ?, ?, ?)", [seq, iid, opened_hash, at, prev, digest])
            self._witness(iid, count=event_count, head=head)
            prev, count = digest, count + 1
        if count:
            self._set_meta(META_LEDGER_AT, "1")  # the entries made here hash their `at` (issue 23)
            self._witness(LEDGER, count=count, head=prev)
            self._execute("INSERT INTO meta(key, value) VALUES('last_incident_seq', "
                          "(SELECT CAST(max(seq) AS TEXT) FROM incidents)) "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value")

    @contextmanager
    def transaction(self) -> Iterator[SqlStore]:
        """BEGIN ... COMMIT (SQLite: BEGIN IMMEDIATE); nested calls join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        try:
            self._begin()
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"cannot write to {self.where}: {exc}") from None
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._file_due = False
            self._rollback()
            raise
        else:
            try:
                self._commit()
            except StoreError:
                self._rollback()
                raise
            except Exception as exc:
                self._rollback()
                raise StoreError(f"cannot write to {self.where}: {exc}") from None
            if self._file_due:
                self.write_witness_file()
        finally:
            self._depth = 0
            self._file_due = False

    # --- incidents --------------------------------------------------------------

    def next_incident_id(self, year: int) -> tuple[str, int]:
        """The next number is never one used before, even by an incident deleted since: the ledger
        and the high-water mark in `meta` remember every number handed out."""
        row = self._execute(
            f"SELECT {self.GREATEST}(coalesce((SELECT max(seq) FROM incidents), 0), "
            "coalesce((SELECT max(seq) FROM incident_ledger), 0), "
            "coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'last_incident_seq'), 0))"
        ).fetchone()
        seq = int(row[0]) + 1
        return f"BR-{year}-{seq:04d}", seq

    def create_incident(self, *, year: int, at: datetime, author: str, data: dict[str, Any]) -> Event:
        """Allocate the next id, append its `opened` event and its ledger entry, in one transaction."""
        from breach.core.models import EventKind  # not at the top: reads need no models (start-up)

        with self.transaction():
            self._lock_ledger()  # two machines opening at once get two numbers, one after the other
            self._guard(False)
            incident_id, seq = self.next_incident_id(year)
            self._execute(
                "INSERT INTO incidents(id, seq, status, head_hash, event_count) VALUES(?, ?, 'open', ?, 0)",
                [incident_id, seq, GENESIS])
            event = self.append_event(incident_id, kind=EventKind.OPENED, at=at, author=author, data=data)
            self._append_ledger(incident_id, seq=seq, opened_hash=event.hash, at=clock.encode(at)[0])
            self._execute("INSERT INTO meta(key, value) VALUES('last_incident_seq', ?) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [str(seq)])
            return event

    # --- the incident ledger and the witnesses ------------------------------------

    def incident_row(self, incident_id: str) -> dict[str, Any]:
        rows = self._rows("SELECT * FROM incidents WHERE id = ?", [incident_id])
        if not rows:
            raise NotFoundError(f"no incident {incident_id!r} in {self.where} (see `breach list --all`)")
        return rows[0]

    def incident_rows(self, *, include_closed: bool = True) -> list[dict[str, Any]]:
        where = "" if include_closed else "WHERE status != 'closed'"
        return self._rows(f"SELECT * FROM incidents {where} ORDER BY seq")

    # --- projection (read models kept up to date on write) ----------------------

    def projection(self, incident_id: str) -> dict[str, Any] | None:
        """The stored read model of an incident: {event_count, deps, data} or None."""
        row = self._execute("SELECT event_count, deps, data FROM projection WHERE incident_id = ?",
                                [incident_id]).fetchone()
        return {"event_count": row[0], "deps": row[1], "data": json.loads(row[2])} if row else None

    def projections(self) -> dict[str, dict[str, Any]]:
        return {r[0]: {"event_count": r[1], "deps": r[2], "data": json.loads(r[3])}
                for r in self._execute("SELECT incident_id, event_count, deps, data FROM projection")}

    def projection_heads(self, *, include_closed: bool = True) -> list[tuple[str, int, int | None, str | None]]:
        """(incident id, event count, projected event count, projected deps) per incident, by sequence."""
        where = "" if include_closed else "WHERE i.status != 'closed'"
        return self._execute(
            "SELECT i.id, i.event_count, p.event_count, p.deps FROM incidents i "
            f"LEFT JOIN projection p ON p.incident_id = i.id {where} ORDER BY i.seq").fetchall()

    def save_projection(self, incident_id: str, *, event_count: int, deps: str, data: Any,
                        rows: Sequence[tuple[str, str, float | None, str]] = ()) -> None:
        """Store an incident's read model and its obligation rows (obligation, state, due epoch, JSON body).

        The upsert of the projection row comes first: it locks that row, so two processes
        saving one incident's read model take turns instead of inserting its obligations twice.
        """
        try:
            self._save_projection(incident_id, event_count=event_count, deps=deps, data=data, rows=rows)
        except self.Error as exc:  # e.g. a read-only data folder: the next read rebuilds it
            raise StoreError(f"cannot save the read model of {incident_id}: {exc}") from None

    def _save_projection(self, incident_id: str, *, event_count: int, deps: str, data: Any,
                         rows: Sequence[tuple[str, str, float | None, str]] = ()) -> None:
        from breach.core.models import IncidentStatus  # not at the top: reads need no models (start-up)

        with self.transaction():
            self._execute(
                "INSERT INTO projection(incident_id, event_count, deps, data, incident_json) VALUES(?, ?, ?, ?, ?) "
                "ON CONFLICT(incident_id) DO UPDATE SET event_count = excluded.event_count, "
                "deps = excluded.deps, data = excluded.data, incident_json = excluded.incident_json",
                [incident_id, event_count, deps, canonical(data).decode(),
                 json.dumps(data["incident"], ensure_ascii=False, separators=(",", ":"))])
            self._execute("DELETE FROM projected_obligations WHERE incident_id = ?", [incident_id])
            is_open = int(data["incident"].get("status") != IncidentStatus.CLOSED)  # filtered without a join on read
            self._executemany(
                "INSERT INTO projected_obligations(incident_id, obligation, state, due_ts, body, sort_key, is_open) "
                "VALUES(?, ?, ?, ?, ?, ?, ?)",
                [(incident_id, *row, _sort_key(incident_id, *row[:3]), is_open) for row in rows])

    def projected_org_zone(self) -> str | None:
        row = self._execute(f"SELECT {self._json_text('data', 'org_zone')} FROM projection LIMIT 1").fetchone()
        return row[0] if row else None

    def projected_incidents_json(self, *, include_closed: bool) -> list[str]:
        where = "" if include_closed else "WHERE i.status != 'closed'"
        return [r[0] for r in self._execute(
            f"SELECT p.incident_json FROM incidents i JOIN projection p ON p.incident_id = i.id {where} "
            "ORDER BY i.seq")]

    def projected_obligations(self, *, incident_id: str | None, pending_only: bool) -> list[tuple[str, str, Any]]:
        """(JSON body, state, due epoch) of open incidents' obligations, in `breach status` order."""
        where = ["o.is_open = 1"] if incident_id is None else ["o.incident_id = ?"]
        if pending_only:
            where.append("o.state NOT IN ('met', 'late', 'not_applicable', 'decided')")
        return self._execute(
            "SELECT o.body, o.state, o.due_ts FROM projected_obligations o "
            f"WHERE {' AND '.join(where)} ORDER BY o.sort_key", [incident_id] if incident_id else []).fetchall()

    # --- events -----------------------------------------------------------------

    def append_event(self, incident_id: str, *, kind: str, at: datetime, author: str,
                     data: dict[str, Any] | None = None, even_if_broken: bool = False) -> Event:
        """Append one event to the incident's chain (joins or opens a transaction).

        The only writer of the incident row: its head hash, event count and status. Refuses
        (ChainError) when the chain is broken, unless `even_if_broken` (a note recording
        the finding).
        """
        # not at the top: reads need no models (start-up)
        from breach.core.models import Event, EventKind, IncidentStatus

        kind = EventKind(kind).value
        data = json.loads(canonical(data or {}))  # what is hashed is what is stored
        at_utc, at_offset = clock.encode(at)
        with self.transaction():
            # The head row is locked until commit: appends to one incident queue here, gap-free.
            head = self._execute(
                f"SELECT head_hash, event_count FROM incidents WHERE id = ?{self.FOR_UPDATE}", [incident_id]
            ).fetchone()
            if head is None:
                raise NotFoundError(f"no incident {incident_id!r}")
            prev_hash, count = head
            store_ok = self._guard(even_if_broken) if count else True  # an `opened` event: create_incident's
            chain_ok, keyed = True, store_ok
            if count and self._intact.get(incident_id) != (count, prev_hash):
                try:
                    self.verify_chain(incident_id)
                except ChainError as exc:
                    chain_ok, keyed = self._plainly_intact(incident_id), False
                    if not even_if_broken:
                        raise ChainError(
                            f"{exc}\nNothing was recorded: the chain of {incident_id} is broken. Run `breach verify "
                            f"{incident_id}`; record the finding with `breach log {incident_id} --kind note TEXT`"
                        ) from None
            seq = count + 1
            digest = event_hash(incident_id=incident_id, seq=seq, kind=kind, at=at_utc,
                                at_offset=at_offset, author=author, data=data, prev_hash=prev_hash)
            self._insert("events", {
                "incident_id": incident_id, "seq": seq, "kind": kind, "at": at_utc,
                "at_offset": at_offset, "author": author,
                "data": canonical(data).decode(), "prev_hash": prev_hash, "hash": digest,
            })
            self._touched.add(incident_id)
            status = IncidentStatus.CLOSED if kind == EventKind.CLOSED else None
            self._execute(
                "UPDATE incidents SET head_hash = ?, event_count = ?, status = coalesce(?, status) WHERE id = ?",
                [digest, seq, status, incident_id],
            )
            if chain_ok:  # a note on a broken chain is kept, but re-witnesses nothing in question (no HMAC)
                self._witness(incident_id, count=seq, head=digest, keyed=keyed)
            if not store_ok:
                self._file_due = False
            if chain_ok and (self._intact.get(incident_id) == (count, prev_hash) or count == 0):
                self._intact[incident_id] = (seq, digest)
        return Event(incident_id=incident_id, seq=seq, kind=kind,
                     at=clock.instant(at_utc, at_offset), author=author, data=data,
                     prev_hash=prev_hash, hash=digest)

    def event_rows(self, incident_id: str, *, after: int = 0) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM events WHERE incident_id = ? AND seq > ? ORDER BY id", [incident_id, after])

    def events(self, incident_id: str, *, after: int = 0) -> list[Event]:
        """The incident's events in order (those after event #`after` only, if given)."""
        from breach.core.models import Event

        return [
            Event(incident_id=r["incident_id"], seq=r["seq"], kind=r["kind"],
                  at=cast(datetime, clock.decode(r["at"], r["at_offset"])), author=r["author"],
                  data=json.loads(r["data"] or "{}"), prev_hash=r["prev_hash"], hash=r["hash"])
            for r in self.event_rows(incident_id, after=after)
        ]

    def verify_chain(self, incident_id: str) -> str:
        """Raise ChainError naming the first bad event if any row was edited, deleted or moved.

        Also checks the head's witness (its HMAC when BREACH_CHAIN_KEY is set) and the
        incident's ledger entry; returns what the witness check was (see `check_witness`).
        """
        row = self.incident_row(incident_id)
        walked = self.walk_chains(incident_id).get(incident_id) or Walked()
        entry = self._execute("SELECT opened_hash FROM incident_ledger WHERE incident_id = ?", [incident_id]).fetchone()
        witness = self.check_chain(row, walked, opened_hash=entry[0] if entry else None,
                                   witness=self.witness_row(incident_id))
        return witness

    def check_chain(self, row: dict[str, Any], walked: Walked, *, opened_hash: str | None,
                    witness: dict[str, Any] | None, key_record: Any = ...) -> str:
        """What verify_chain says of one incident, from its walked chain and its rows (read once for all)."""
        incident_id = row["id"]
        if walked.problem:
            raise ChainError(walked.problem)
        if row["event_count"] != walked.count or row["head_hash"] != walked.head:
            raise ChainError(
                f"{incident_id}: the log ends at event #{walked.count} but the incident records "
                f"{row['event_count']} events: events were deleted"
            )
        if opened_hash is None:
            raise ChainError(f"{incident_id}: not in the incident ledger: the incident was not opened by breach, "
                             "or its ledger entry was deleted")
        if walked.first_hash is None or opened_hash != walked.first_hash:
            raise ChainError(f"{incident_id}: its first event is not the one the incident ledger recorded: "
                             "the incident was replaced")
        result = self.check_witness(incident_id, count=walked.count, head=walked.head,
                                    row=witness, record=key_record)
        self._intact[incident_id] = (walked.count, walked.head)
        return result

    def _plainly_intact(self, incident_id: str) -> bool:
        """The chain verifies but for its head's HMAC (a note then moves the plain head, never the HMAC)."""
        key, self.chain_key = self.chain_key, None
        try:
            self.verify_chain(incident_id)
            return True
        except ChainError:
            return False
        finally:
            self.chain_key = key

    def _guard(self, even_if_broken: bool) -> bool:
        """Before an append: True when the store verifies; refuses (ChainError) otherwise, unless the append
        is a note recording the finding. An empty store with a key set adopts it with its first write."""
        problems = self.guard_writes()
        keyless = self.chain_key is None and self.key_record() is not None
        if problems and (not even_if_broken or keyless):
            self.refuse_writes()
        if not problems and self.chain_key and self.key_record() is None:
            self._record_key("first write", self.config.now())
        return not problems

    # --- drafts -----------------------------------------------------------------

    def next_draft_version(self, incident_id: str, kind: str, lang: str) -> int:
        row = self._execute(
            "SELECT coalesce(max(version), 0) FROM drafts WHERE incident_id=? AND kind=? AND lang=?",
            [incident_id, kind, lang],
        ).fetchone()
        return int(row[0]) + 1

    def insert_draft(self, row: dict[str, Any]) -> None:
        self._insert("drafts", row)

    def draft_rows(self, incident_id: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM drafts WHERE incident_id = ? ORDER BY kind, lang, version", [incident_id])

    # --- outbox (Slack) ---------------------------------------------------------

    def enqueue(self, *, key: str, incident_id: str | None, op: str, payload: dict[str, Any],
                created_at: datetime, statutory: bool = False) -> bool:
        """Queue a message once per idempotency key; False if the key is already queued."""
        with self.transaction():
            # Two machines queueing one key at once: the unique key decides, neither fails.
            inserted = self._insert("outbox", {
                "key": key, "incident_id": incident_id, "op": op,
                "payload": canonical(payload).decode(), "state": "queued", "attempts": 0,
                "last_error": None, "created_at": clock.encode(created_at)[0], "sent_at": None,
                "result": None, "statutory": int(statutory), "next_attempt_at": None,
            }, unless="key")
        return inserted == 1

    def outbox_rows(self, *, state: str | None = None) -> list[dict[str, Any]]:
        if state:
            return self._rows("SELECT * FROM outbox WHERE state = ? ORDER BY id", [state])
        return self._rows("SELECT * FROM outbox ORDER BY id")

    def update_outbox(self, key: str, fields: dict[str, Any]) -> None:
        with self.transaction():
            sets = ", ".join(f"{k} = ?" for k in fields)
            self._execute(f"UPDATE outbox SET {sets} WHERE key = ?", [*fields.values(), key])

    def get_state(self, key: str) -> str | None:
        row = self._execute("SELECT value FROM slack_state WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_state(self, key: str, value: str | None) -> None:
        with self.transaction():
            if value is None:
                self._execute("DELETE FROM slack_state WHERE key = ?", [key])
            else:
                self._execute(
                    "INSERT INTO slack_state(key, value) VALUES(?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value])


    # --- the organization profile (team mode: one for every machine) -------------------

    def push_org(self, *, text: str, sha256: str, at: datetime, by: str,
                 files: dict[str, str] | None = None) -> tuple[int, bool]:
        """Store a new version of the organization profile and its own files (templates, playbooks);
        (version, False) when both are the current ones."""
        import hashlib

        files = dict(sorted((files or {}).items()))
        with self.transaction():
            self._lock_ledger()
            current = self.org_profile()
            if current is not None and current["sha256"] == sha256 and self.org_files(current["version"]) == files:
                return current["version"], False
            version = (current["version"] if current else 0) + 1
            self._insert("org_profiles", {"version": version, "text": text, "sha256": sha256,
                                          "pushed_at": clock.encode(at)[0], "pushed_by": by})
            for path, body in files.items():
                self._insert("org_files", {"version": version, "path": path, "text": body,
                                           "sha256": hashlib.sha256(body.encode("utf-8")).hexdigest()})
        return version, True

    def org_files(self, version: int) -> dict[str, str]:
        """The organization's own templates and playbooks pushed with profile `version`: path -> text."""
        return {r["path"]: r["text"] for r in self._rows(
            "SELECT path, text FROM org_files WHERE version = ? ORDER BY path", [version])}

    def org_profile(self) -> dict[str, Any] | None:
        """The newest organization profile pushed: {version, text, sha256, pushed_at, pushed_by}, or None."""
        rows = self._rows("SELECT * FROM org_profiles ORDER BY version DESC LIMIT 1")
        return rows[0] if rows else None

    # --- copying a whole log (breach db copy) --------------------------------------------

    #: The tables that are the record, in the order a copy writes them (the read models are rebuilt).
    RECORD_TABLES = ("meta", "incidents", "events", "incident_ledger", "chain_witness", "drafts", "outbox",
                     "slack_state", "org_profiles", "org_files")

    def table_rows(self, table: str) -> list[dict[str, Any]]:
        order = {"meta": "key", "slack_state": "key", "chain_witness": "scope", "incidents": "seq",
                 "incident_ledger": "seq", "org_profiles": "version", "org_files": "version, path"}.get(table, "id")
        return self._rows(f"SELECT * FROM {table} ORDER BY {order}")

    def is_empty(self) -> bool:
        return self._execute("SELECT count(*) FROM incident_ledger").fetchone()[0] == 0 and \
            self._execute("SELECT count(*) FROM incidents").fetchone()[0] == 0

    def load_rows(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Write rows copied from another log as they are (inside the caller's transaction)."""
        for row in rows:
            if table == "meta":
                self._execute("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE "
                              "SET value = excluded.value", [row["key"], row["value"]])
            else:
                self._insert(table, row)
        self._after_load(table)

    def _after_load(self, table: str) -> None:
        """After rows with explicit ids were loaded (PostgreSQL moves its id sequences past them)."""


def _sort_key(incident_id: str, obligation: str, state: str, due_ts: float | None) -> str:
    """Advisories, then not applicable, last; dated before undated; by due time, incident, obligation."""
    due = f"{due_ts + 1e11:020.3f}" if due_ts is not None else "9" * 20
    rank = {"advisory": 1, "decided": 2, "not_applicable": 2}.get(state, 0)
    return f"{rank}{int(due_ts is None)}{due}\x1f{incident_id}\x1f{obligation}"
