"""The incident log on disk: one SQLite file, append-only hash-chained events.

The only module that imports sqlite_utils. Every write runs in an immediate
transaction with a busy timeout, so two `breach` processes appending to the same
incident queue behind each other instead of failing with "database is locked".
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from breach.core import time as clock
from breach.errors import ChainError, NotFoundError, StoreError

if TYPE_CHECKING:
    from breach.core.models import Event

DB_NAME = "breach.db"
SCHEMA_VERSION = 3
BUSY_TIMEOUT_MS = 60_000
GENESIS = "0" * 64
#: The witness key: an HMAC over each chain head, from the environment only (never stored).
CHAIN_KEY_ENV = "BREACH_CHAIN_KEY"
#: The witness row of the incident ledger (the other rows are one per incident).
LEDGER = "ledger"


def canonical(obj: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8. Documented in docs/verify.md."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(*, incident_id: str, seq: int, kind: str, at: str, at_offset: str,
               author: str, data: dict, prev_hash: str) -> str:
    """SHA-256 of an event's canonical content plus the previous event's hash."""
    body = {
        "incident": incident_id, "seq": seq, "kind": kind, "at": at, "at_offset": at_offset,
        "author": author, "data": data, "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical(body)).hexdigest()


def ledger_hash(*, seq: int, incident_id: str, opened_hash: str, prev_hash: str) -> str:
    """SHA-256 of one incident-ledger entry: the incident's number, id, first event, previous entry."""
    body = {"seq": seq, "incident": incident_id, "opened_hash": opened_hash, "prev_hash": prev_hash}
    return hashlib.sha256(canonical(body)).hexdigest()


def head_hmac(key: bytes, *, scope: str, count: int, head: str) -> str:
    """HMAC-SHA256 of a chain head (an incident's or the ledger's), documented in docs/verify.md."""
    return hmac.new(key, canonical({"scope": scope, "count": count, "head": head}), hashlib.sha256).hexdigest()


def chain_key_from_env() -> bytes | None:
    value = os.environ.get(CHAIN_KEY_ENV) or ""
    return value.encode("utf-8") if value else None


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def writable(path: Path) -> bool:
    """Writable for us and not marked read-only: root ignores mode bits, we do not."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return True
    return os.access(path, os.W_OK) and bool(mode & stat.S_IWUSR)


class Store:
    """One data folder's database."""

    def __init__(self, home: Path, conn: sqlite3.Connection):
        self.home = home
        self.path = home / DB_NAME
        self.conn = conn
        self._db = None
        self._depth = 0
        self._touched: set[str] = set()
        self.chain_key = chain_key_from_env()
        #: Incidents whose chain was checked in this process: id -> (event count, head) then.
        self._intact: dict[str, tuple[int, str]] = {}

    def take_touched(self) -> set[str]:
        """Incidents appended to since the last call (for the projections)."""
        touched, self._touched = self._touched, set()
        return touched

    @property
    def db(self):  # noqa: ANN201
        """sqlite-utils for schema and writes; imported on first write so reads start fast."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    def _rows(self, sql: str, params: list | tuple = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

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

    def close(self) -> None:
        self.conn.close()

    def _ensure_schema(self, *, write: bool) -> None:
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" not in tables:
            if tables:
                raise sqlite3.DatabaseError("not a breach database")
            if not write:
                raise StoreError(f"the incident log {self.path} is empty: run `breach init --home {self.home}`")
            with self.transaction():
                self._create_schema()
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
        self.conn.execute("INSERT INTO schema_migrations(version, description, applied_at) VALUES(?, ?, ?)",
                          [SCHEMA_VERSION, "created", clock.encode(clock.now())[0]])

    # --- transactions -----------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """BEGIN IMMEDIATE ... COMMIT; nested calls join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"cannot write to {self.path}: {exc}") from None
        self._depth = 1
        try:
            yield self
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self.conn.execute("ROLLBACK")
                raise StoreError(f"cannot write to {self.path}: {exc}") from None
        finally:
            self._depth = 0

    # --- incidents --------------------------------------------------------------

    def next_incident_id(self, year: int) -> tuple[str, int]:
        """The next number is never one used before, even by an incident deleted since: the ledger
        and the high-water mark in `meta` remember every number handed out."""
        row = self.conn.execute(
            "SELECT max(coalesce((SELECT max(seq) FROM incidents), 0), "
            "coalesce((SELECT max(seq) FROM incident_ledger), 0), "
            "coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'last_incident_seq'), 0))"
        ).fetchone()
        seq = int(row[0]) + 1
        return f"BR-{year}-{seq:04d}", seq

    def create_incident(self, *, year: int, at: datetime, author: str, data: dict[str, Any]) -> Event:
        """Allocate the next id, append its `opened` event and its ledger entry, in one transaction."""
        with self.transaction():
            incident_id, seq = self.next_incident_id(year)
            self.conn.execute(
                "INSERT INTO incidents(id, seq, status, head_hash, event_count) VALUES(?, ?, 'open', ?, 0)",
                [incident_id, seq, GENESIS])
            event = self.append_event(incident_id, kind="opened", at=at, author=author, data=data)
            self._append_ledger(incident_id, seq=seq, opened_hash=event.hash, at=clock.encode(at)[0])
            self.conn.execute("INSERT INTO meta(key, value) VALUES('last_incident_seq', ?) "
                              "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [str(seq)])
            return event

    # --- the incident ledger and the witnesses ------------------------------------

    def _append_ledger(self, incident_id: str, *, seq: int, opened_hash: str, at: str) -> None:
        last = self.conn.execute("SELECT hash FROM incident_ledger ORDER BY seq DESC LIMIT 1").fetchone()
        prev = last[0] if last else GENESIS
        digest = ledger_hash(seq=seq, incident_id=incident_id, opened_hash=opened_hash, prev_hash=prev)
        self.conn.execute("INSERT INTO incident_ledger(seq, incident_id, opened_hash, at, prev_hash, hash) "
                          "VALUES(?, ?, ?, ?, ?, ?)", [seq, incident_id, opened_hash, at, prev, digest])
        count = self.conn.execute("SELECT count(*) FROM incident_ledger").fetchone()[0]
        self._witness(LEDGER, count=count, head=digest)

    def _witness(self, scope: str, *, count: int, head: str) -> None:
        """Record a chain's head next to it, with its HMAC when BREACH_CHAIN_KEY is set."""
        mac = head_hmac(self.chain_key, scope=scope, count=count, head=head) if self.chain_key else None
        self.conn.execute(
            "INSERT INTO chain_witness(scope, count, head, hmac) VALUES(?, ?, ?, ?) ON CONFLICT(scope) DO UPDATE "
            "SET count = excluded.count, head = excluded.head, hmac = excluded.hmac", [scope, count, head, mac])

    def verify_ledger(self) -> list[tuple[str, str]]:
        """(incident id or "ledger", problem) for every break in the incident ledger.

        Each incident ever opened has one entry, hash-chained to the one before: an incident
        deleted with its events (or an entry removed or edited) is named here.
        """
        problems: list[tuple[str, str]] = []
        incidents = {r[0]: r[1] for r in self.conn.execute("SELECT id, seq FROM incidents")}
        prev = GENESIS
        rows = self.ledger_rows()
        for n, r in enumerate(rows, start=1):
            iid = str(r["incident_id"])
            where = f"incident ledger entry #{r['seq']} ({iid})"
            digest = ledger_hash(seq=r["seq"], incident_id=iid, opened_hash=r["opened_hash"], prev_hash=prev)
            if r["prev_hash"] != prev:
                problems.append((LEDGER, f"{where}: does not follow the entry before it: an entry was deleted or "
                                         "moved (an incident's creation was removed from the record)"))
                return problems
            if r["hash"] != digest:
                problems.append((LEDGER, f"{where}: its content does not match its hash: the entry was edited"))
                return problems
            if iid not in incidents:
                problems.append((iid, f"{iid}: deleted: the incident ledger records its creation (entry #{n}) but "
                                      "the incident and its events are gone from the database"))
            elif incidents[iid] != r["seq"]:
                problems.append((iid, f"{iid}: its number was changed (the ledger says {r['seq']}, the row says "
                                      f"{incidents[iid]})"))
            prev = r["hash"]
        listed = {str(r["incident_id"]) for r in rows}
        for iid in sorted(set(incidents) - listed, key=lambda i: incidents[i]):
            problems.append((iid, f"{iid}: not in the incident ledger: the incident was not opened by breach, or "
                                  "its ledger entry was deleted"))
        if rows or self.witness_row(LEDGER):
            try:
                self.check_witness(LEDGER, count=len(rows), head=prev)
            except ChainError as exc:
                problems.append((LEDGER, str(exc)))
        return problems

    def ledger_rows(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM incident_ledger ORDER BY seq")

    def witness_row(self, scope: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM chain_witness WHERE scope = ?", [scope])
        return rows[0] if rows else None

    def check_witness(self, scope: str, *, count: int, head: str) -> str:
        """Compare a chain's head with its witness row; raise ChainError on a mismatch.

        Returns what was checked: "hmac" (key set and the HMAC matches), "no key"
        (BREACH_CHAIN_KEY is not set: the plain head only) or, for the ledger only, "not
        keyed" (the key is set, but its head was last written without it).
        """
        row = self.witness_row(scope)
        what = "the incident ledger" if scope == LEDGER else scope
        if row is None:
            raise ChainError(f"{what}: the record of its chain's head is missing: it was deleted")
        if row["count"] != count or row["head"] != head:
            raise ChainError(f"{what}: the chain ends at entry #{count} ({head[:12]}…) but its head was recorded "
                             f"at #{row['count']} ({str(row['head'])[:12]}…): entries were deleted or rewritten")
        if self.chain_key is None:
            return "no key"
        if not row["hmac"]:
            if scope == LEDGER:
                return "not keyed"  # re-keyed by the next `breach open`
            # Stripping the HMAC must not be a way around it. A store that used to run without the
            # key gets a keyed head with the next note: `breach log ID --kind note TEXT`.
            raise ChainError(f"{what}: its chain's head has no HMAC although {CHAIN_KEY_ENV} is set: it was written "
                             f"without the key, or the HMAC was removed; if the key is new, record a note "
                             f"(`breach log {what} --kind note TEXT`) to witness the head with it")
        expected = head_hmac(self.chain_key, scope=scope, count=count, head=head)
        if not hmac.compare_digest(expected, str(row["hmac"])):
            raise ChainError(f"{what}: the HMAC of its chain's head does not match {CHAIN_KEY_ENV}: the database "
                             "was edited (or the key is not the one it was written with)")
        return "hmac"

    def incident_row(self, incident_id: str) -> dict[str, Any]:
        rows = self._rows("SELECT * FROM incidents WHERE id = ?", [incident_id])
        if not rows:
            raise NotFoundError(f"no incident {incident_id!r} in {self.home} (see `breach list --all`)")
        return rows[0]

    def incident_rows(self, *, include_closed: bool = True) -> list[dict[str, Any]]:
        where = "" if include_closed else "WHERE status != 'closed'"
        return self._rows(f"SELECT * FROM incidents {where} ORDER BY seq")

    # --- projection (read models kept up to date on write) ----------------------

    def projection(self, incident_id: str) -> dict[str, Any] | None:
        """The stored read model of an incident: {event_count, deps, data} or None."""
        row = self.conn.execute("SELECT event_count, deps, data FROM projection WHERE incident_id = ?",
                                [incident_id]).fetchone()
        return {"event_count": row[0], "deps": row[1], "data": json.loads(row[2])} if row else None

    def projections(self) -> dict[str, dict[str, Any]]:
        return {r[0]: {"event_count": r[1], "deps": r[2], "data": json.loads(r[3])}
                for r in self.conn.execute("SELECT incident_id, event_count, deps, data FROM projection")}

    def projection_heads(self, *, include_closed: bool = True) -> list[tuple[str, int, int | None, str | None]]:
        """(incident id, event count, projected event count, projected deps) per incident, by sequence."""
        where = "" if include_closed else "WHERE i.status != 'closed'"
        return self.conn.execute(
            "SELECT i.id, i.event_count, p.event_count, p.deps FROM incidents i "
            f"LEFT JOIN projection p ON p.incident_id = i.id {where} ORDER BY i.seq").fetchall()

    def save_projection(self, incident_id: str, *, event_count: int, deps: str, data: Any,
                        rows: list[tuple[str, str, float | None, str]] = ()) -> None:
        """Store an incident's read model and its obligation rows (obligation, state, due epoch, JSON body)."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO projection(incident_id, event_count, deps, data, incident_json) VALUES(?, ?, ?, ?, ?) "
                "ON CONFLICT(incident_id) DO UPDATE SET event_count = excluded.event_count, "
                "deps = excluded.deps, data = excluded.data, incident_json = excluded.incident_json",
                [incident_id, event_count, deps, canonical(data).decode(),
                 json.dumps(data["incident"], ensure_ascii=False, separators=(",", ":"))])
            self.conn.execute("DELETE FROM projected_obligations WHERE incident_id = ?", [incident_id])
            self.conn.executemany(
                "INSERT INTO projected_obligations(incident_id, obligation, state, due_ts, body, sort_key) "
                "VALUES(?, ?, ?, ?, ?, ?)",
                [(incident_id, *row, _sort_key(incident_id, *row[:3])) for row in rows])

    def projected_org_zone(self) -> str | None:
        row = self.conn.execute("SELECT json_extract(data, '$.org_zone') FROM projection LIMIT 1").fetchone()
        return row[0] if row else None

    def projected_incidents_json(self, *, include_closed: bool) -> list[str]:
        where = "" if include_closed else "WHERE i.status != 'closed'"
        return [r[0] for r in self.conn.execute(
            f"SELECT p.incident_json FROM incidents i JOIN projection p ON p.incident_id = i.id {where} "
            "ORDER BY i.seq")]

    def projected_obligations(self, *, incident_id: str | None, pending_only: bool) -> list[tuple[str, str, Any]]:
        """(JSON body, state, due epoch) of open incidents' obligations, in `breach status` order."""
        where = ["i.status != 'closed'"] if incident_id is None else ["i.id = ?"]
        if pending_only:
            where.append("o.state NOT IN ('met', 'late', 'not_applicable')")
        return self.conn.execute(
            "SELECT o.body, o.state, o.due_ts FROM projected_obligations o JOIN incidents i ON i.id = o.incident_id "
            f"WHERE {' AND '.join(where)} ORDER BY o.sort_key", [incident_id] if incident_id else []).fetchall()

    # --- events -----------------------------------------------------------------

    def append_event(self, incident_id: str, *, kind: str, at: datetime, author: str,
                     data: dict[str, Any] | None = None, even_if_broken: bool = False) -> Event:
        """Append one event to the incident's chain (joins or opens a transaction).

        The only writer of the incident row: its head hash, event count and status. Refuses
        (ChainError) when the chain is broken, unless `even_if_broken` (a note recording
        the finding).
        """
        from breach.core.models import Event, EventKind  # not at the top: reads need no models (start-up)

        kind = EventKind(kind).value
        data = json.loads(canonical(data or {}))  # what is hashed is what is stored
        at_utc, at_offset = clock.encode(at)
        with self.transaction():
            head = self.conn.execute(
                "SELECT head_hash, event_count FROM incidents WHERE id = ?", [incident_id]
            ).fetchone()
            if head is None:
                raise NotFoundError(f"no incident {incident_id!r}")
            prev_hash, count = head
            if count and self._intact.get(incident_id) != (count, prev_hash):
                try:
                    self.verify_chain(incident_id)
                except ChainError as exc:
                    if not even_if_broken:
                        raise ChainError(
                            f"{exc}\nNothing was recorded: the chain of {incident_id} is broken. Run `breach verify "
                            f"{incident_id}`; record the finding with `breach log {incident_id} --kind note TEXT`"
                        ) from None
            seq = count + 1
            digest = event_hash(incident_id=incident_id, seq=seq, kind=kind, at=at_utc,
                                at_offset=at_offset, author=author, data=data, prev_hash=prev_hash)
            self.db["events"].insert({
                "incident_id": incident_id, "seq": seq, "kind": kind, "at": at_utc,
                "at_offset": at_offset, "author": author,
                "data": canonical(data).decode(), "prev_hash": prev_hash, "hash": digest,
            })
            self._touched.add(incident_id)
            status = {"closed": "closed"}.get(kind)
            self.conn.execute(
                "UPDATE incidents SET head_hash = ?, event_count = ?, status = coalesce(?, status) WHERE id = ?",
                [digest, seq, status, incident_id],
            )
            self._witness(incident_id, count=seq, head=digest)
            if self._intact.get(incident_id) == (count, prev_hash) or count == 0:
                self._intact[incident_id] = (seq, digest)
        return Event(incident_id=incident_id, seq=seq, kind=kind,
                     at=clock.decode(at_utc, at_offset), author=author, data=data,
                     prev_hash=prev_hash, hash=digest)

    def event_rows(self, incident_id: str, *, after: int = 0) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM events WHERE incident_id = ? AND seq > ? ORDER BY id", [incident_id, after])

    def events(self, incident_id: str, *, after: int = 0) -> list[Event]:
        """The incident's events in order (those after event #`after` only, if given)."""
        from breach.core.models import Event

        return [
            Event(incident_id=r["incident_id"], seq=r["seq"], kind=r["kind"],
                  at=clock.decode(r["at"], r["at_offset"]), author=r["author"],
                  data=json.loads(r["data"] or "{}"), prev_hash=r["prev_hash"], hash=r["hash"])
            for r in self.event_rows(incident_id, after=after)
        ]

    def verify_chain(self, incident_id: str) -> str:
        """Raise ChainError naming the first bad event if any row was edited, deleted or moved.

        Also checks the head's witness (its HMAC when BREACH_CHAIN_KEY is set) and the
        incident's ledger entry; returns what the witness check was (see `check_witness`).
        """
        row = self.incident_row(incident_id)
        prev = GENESIS
        last_seq = 0
        for r in self.event_rows(incident_id):
            where = f"{incident_id} event #{r['seq']} (row {r['id']}, {r['kind']})"
            if r["seq"] != last_seq + 1:
                raise ChainError(f"{where}: expected event #{last_seq + 1}: an event was deleted or moved")
            if r["prev_hash"] != prev:
                raise ChainError(f"{where}: does not follow the previous event: rows were deleted or moved")
            try:
                data = json.loads(r["data"] or "{}")
            except json.JSONDecodeError:
                raise ChainError(f"{where}: its data is not valid JSON: the row was edited") from None
            digest = event_hash(incident_id=incident_id, seq=r["seq"], kind=r["kind"], at=r["at"],
                                at_offset=r["at_offset"], author=r["author"], data=data,
                                prev_hash=r["prev_hash"])
            if digest != r["hash"]:
                raise ChainError(f"{where}: its content does not match its hash: the row was edited")
            prev, last_seq = r["hash"], r["seq"]
        if row["event_count"] != last_seq or row["head_hash"] != prev:
            raise ChainError(
                f"{incident_id}: the log ends at event #{last_seq} but the incident records "
                f"{row['event_count']} events: events were deleted"
            )
        first = self.conn.execute("SELECT hash FROM events WHERE incident_id = ? AND seq = 1",
                                  [incident_id]).fetchone()
        entry = self.conn.execute("SELECT opened_hash FROM incident_ledger WHERE incident_id = ?",
                                  [incident_id]).fetchone()
        if entry is None:
            raise ChainError(f"{incident_id}: not in the incident ledger: the incident was not opened by breach, "
                             "or its ledger entry was deleted")
        if first is None or entry[0] != first[0]:
            raise ChainError(f"{incident_id}: its first event is not the one the incident ledger recorded: "
                             "the incident was replaced")
        witness = self.check_witness(incident_id, count=last_seq, head=prev)
        self._intact[incident_id] = (last_seq, prev)
        return witness

    # --- drafts -----------------------------------------------------------------

    def next_draft_version(self, incident_id: str, kind: str, lang: str) -> int:
        row = self.conn.execute(
            "SELECT coalesce(max(version), 0) FROM drafts WHERE incident_id=? AND kind=? AND lang=?",
            [incident_id, kind, lang],
        ).fetchone()
        return int(row[0]) + 1

    def insert_draft(self, row: dict[str, Any]) -> None:
        self.db["drafts"].insert(row)

    def draft_rows(self, incident_id: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM drafts WHERE incident_id = ? ORDER BY kind, lang, version", [incident_id])

    # --- outbox (Slack) ---------------------------------------------------------

    def enqueue(self, *, key: str, incident_id: str | None, op: str, payload: dict[str, Any],
                created_at: datetime, statutory: bool = False) -> bool:
        """Queue a message once per idempotency key; False if the key is already queued."""
        with self.transaction():
            exists = self.conn.execute("SELECT 1 FROM outbox WHERE key = ?", [key]).fetchone()
            if exists:
                return False
            self.db["outbox"].insert({
                "key": key, "incident_id": incident_id, "op": op,
                "payload": canonical(payload).decode(), "state": "queued", "attempts": 0,
                "last_error": None, "created_at": clock.encode(created_at)[0], "sent_at": None,
                "result": None, "statutory": int(statutory), "next_attempt_at": None,
            })
        return True

    def outbox_rows(self, *, state: str | None = None) -> list[dict[str, Any]]:
        if state:
            return self._rows("SELECT * FROM outbox WHERE state = ? ORDER BY id", [state])
        return self._rows("SELECT * FROM outbox ORDER BY id")

    def update_outbox(self, key: str, fields: dict[str, Any]) -> None:
        with self.transaction():
            sets = ", ".join(f"{k} = ?" for k in fields)
            self.conn.execute(f"UPDATE outbox SET {sets} WHERE key = ?", [*fields.values(), key])

    def get_state(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM slack_state WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_state(self, key: str, value: str | None) -> None:
        with self.transaction():
            if value is None:
                self.conn.execute("DELETE FROM slack_state WHERE key = ?", [key])
            else:
                self.conn.execute(
                    "INSERT INTO slack_state(key, value) VALUES(?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value])


def _sort_key(incident_id: str, obligation: str, state: str, due_ts: float | None) -> str:
    """Advisories, then not applicable, last; dated before undated; by due time, incident, obligation."""
    due = f"{due_ts + 1e11:020.3f}" if due_ts is not None else "9" * 20
    rank = {"advisory": 1, "not_applicable": 2}.get(state, 0)
    return f"{rank}{int(due_ts is None)}{due}\x1f{incident_id}\x1f{obligation}"


# --- migrations -------------------------------------------------------------------------


def _create_v2_tables(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                 "description TEXT NOT NULL, applied_at TEXT NOT NULL)")
    conn.execute("CREATE TABLE IF NOT EXISTS projection (incident_id TEXT PRIMARY KEY REFERENCES incidents(id), "
                 "event_count INTEGER NOT NULL, deps TEXT NOT NULL, data TEXT NOT NULL, incident_json TEXT NOT NULL)")
    conn.execute("CREATE TABLE IF NOT EXISTS projected_obligations (incident_id TEXT NOT NULL REFERENCES "
                 "incidents(id), obligation TEXT NOT NULL, state TEXT NOT NULL, due_ts REAL, body TEXT NOT NULL, "
                 "sort_key TEXT NOT NULL, PRIMARY KEY (incident_id, obligation))")
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


#: version -> (description, step). Each runs inside the transaction of `Store.migrate`.
MIGRATIONS = {
    2: ("incident row is an index; state is the fold of events; projection table", _migrate_v2),
    3: ("incident ledger, chain witnesses (HMAC), Slack retry times", _migrate_v3),
}
