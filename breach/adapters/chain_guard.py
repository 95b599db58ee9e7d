"""The store-wide guard over the incident log: the ledger, the chain key, the witness file, findings accepted.

`SqlStore` inherits it. What it adds to each incident's own chain (store_sql):

- the incident ledger, walked whole: entries edited, moved or removed, and gaps in its numbers;
- the chain key (BREACH_CHAIN_KEY): once a store is keyed (at `breach init` with the key set, or by
  `breach verify --adopt-key`, recorded in `meta` with who and when), every head must carry its
  HMAC; a head without one is tampering, never "a new key";
- the witness file outside the database (BREACH_WITNESS_FILE, default `witness.json` in the data
  folder, 0600): the last event and the ledger's head after every write. A database that does not
  hold what the file saw is an older copy restored over the current one;
- findings a responder accepted (`breach verify --accept --reason TEXT`), recorded with who and why,
  reported as notes from then on.

Every write checks all of this first and is refused while anything is wrong; a note recording
the finding is still written, but re-witnesses nothing that is in question. docs/verify.md.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from breach.core import time as clock
from breach.errors import ChainError, InputError

GENESIS = "0" * 64
LEDGER = "ledger"
CHAIN_KEY_ENV = "BREACH_CHAIN_KEY"
WITNESS_FILE_ENV = "BREACH_WITNESS_FILE"
WITNESS_FILE_NAME = "witness.json"
#: The `meta` rows this module keeps.
META_STORE_ID = "store_id"
META_KEY = "chain_key"
META_LEDGER_AT = "ledger_at_from"
META_ACCEPTED = "accepted"
META_WITNESS_FILE = "witness_file"
#: The scope of store-wide findings (not one incident's, not the ledger's chain).
STORE = "store"
#: The columns the chain walk reads, in its order.
EVENT_COLUMNS = "id, incident_id, seq, kind, at, at_offset, author, data, prev_hash, hash"
RESOLVE = ("Run `breach verify`. Restore the newest copy of the database if this one is older, or record "
           "that the finding is understood with `breach verify --accept --reason TEXT --by NAME`; "
           "`breach log ID --kind note TEXT` still records a note")


def canonical(obj: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8. Documented in docs/verify.md."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(*, incident_id: str, seq: int, kind: str, at: str, at_offset: str,
               author: str, data: dict, prev_hash: str) -> str:
    """SHA-256 of an event's canonical content plus the previous event's hash."""
    import hashlib  # on first use: reads need no OpenSSL (start-up)
    body = {
        "incident": incident_id, "seq": seq, "kind": kind, "at": at, "at_offset": at_offset,
        "author": author, "data": data, "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical(body)).hexdigest()


def ledger_hash(*, seq: int, incident_id: str, opened_hash: str, prev_hash: str, at: str | None = None,
                with_at: bool = False) -> str:
    """SHA-256 of one incident-ledger entry: its number, id, first event, previous entry and (since the
    entry `meta.ledger_at_from` names) its time."""
    import hashlib  # on first use: reads need no OpenSSL (start-up)
    body: dict[str, Any] = {"seq": seq, "incident": incident_id, "opened_hash": opened_hash, "prev_hash": prev_hash}
    if with_at:
        body["at"] = at
    return hashlib.sha256(canonical(body)).hexdigest()


def head_hmac(key: bytes, *, scope: str, count: int, head: str) -> str:
    """HMAC-SHA256 of a chain head (an incident's or the ledger's), documented in docs/verify.md."""
    import hashlib
    import hmac  # on first use: reads need no OpenSSL (start-up)
    return hmac.new(key, canonical({"scope": scope, "count": count, "head": head}), hashlib.sha256).hexdigest()


def key_check(key: bytes) -> str:
    """What `meta.chain_key` keeps to know the key again (never the key)."""
    return head_hmac(key, scope="breach-chain-key", count=0, head=GENESIS)


# --- the streaming chain walk ---------------------------------------------------------------------


class Walked:
    """One incident's chain as the walk saw it."""

    __slots__ = ("closed_seq", "count", "first_hash", "first_kind", "head", "kinds", "problem")

    def __init__(self) -> None:
        self.count = 0
        self.head = GENESIS
        self.first_hash: str | None = None
        self.first_kind: str | None = None
        self.closed_seq: int | None = None
        self.kinds: set[str] = set()
        self.problem: str | None = None


def walk_events(rows: Iterable[tuple]) -> dict[str, Walked]:
    """Check every chain in `rows` (EVENT_COLUMNS, by id) in one pass, without event objects.

    The hash input is assembled from the stored text (the data column is stored canonical); a
    row whose fast hash differs is checked again the slow way, so the findings are the same.
    """
    from hashlib import sha256
    from json.encoder import encode_basestring as quote  # what canonical() quotes strings with

    from breach.core.models import EventKind  # not at the top: reads need no models (start-up)

    chains: dict[str, Walked] = {}
    for rid, iid, seq, kind, at, offset, author, data, prev_hash, digest in rows:
        chain = chains.get(iid)
        if chain is None:
            chain = chains[iid] = Walked()
        elif chain.problem is not None:
            continue
        if seq != chain.count + 1:
            chain.problem = f"{iid} event #{seq} (row {rid}, {kind}): expected event #{chain.count + 1}: " \
                            "an event was deleted or moved"
            continue
        if prev_hash != chain.head:
            chain.problem = f"{iid} event #{seq} (row {rid}, {kind}): does not follow the previous event: " \
                            "rows were deleted or moved"
            continue
        try:
            body = (f'{{"at":{quote(at)},"at_offset":{quote(offset)},"author":{quote(author)},'
                    f'"data":{data or "{}"},"incident":{quote(iid)},"kind":{quote(kind)},'
                    f'"prev_hash":{quote(prev_hash)},"seq":{seq}}}')
            fast = sha256(body.encode()).hexdigest()
        except (TypeError, UnicodeEncodeError):  # a NULL column, a lone surrogate: the slow way below
            fast = None
        if fast != digest:
            chain.problem = _slow_check(rid, iid, seq, kind, at, offset, author, data, prev_hash, digest)
            if chain.problem is not None:
                continue
        if seq == 1:
            chain.first_hash, chain.first_kind = digest, kind
        if kind == EventKind.CLOSED and chain.closed_seq is None:
            chain.closed_seq = seq
        chain.kinds.add(kind)
        chain.count, chain.head = seq, digest
    return chains


def _slow_check(rid: int, iid: str, seq: int, kind: str, at: str, offset: str, author: str, data: str | None,
                prev_hash: str, digest: str) -> str | None:
    where = f"{iid} event #{seq} (row {rid}, {kind})"
    try:
        parsed = json.loads(data or "{}")
    except json.JSONDecodeError:
        return f"{where}: its data is not valid JSON: the row was edited"
    if event_hash(incident_id=iid, seq=seq, kind=kind, at=at, at_offset=offset, author=author, data=parsed,
                  prev_hash=prev_hash) != digest:
        return f"{where}: its content does not match its hash: the row was edited"
    return None


# --- the guard ------------------------------------------------------------------------------------


class ChainGuard:
    """The store-wide checks, mixed into SqlStore (which supplies `_execute`, `_rows`, `transaction`, ...)."""

    home: Path
    chain_key: bytes | None

    _file_due: bool

    if TYPE_CHECKING:  # what SqlStore supplies (store_sql)
        @property
        def where(self) -> str: ...

        def _execute(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> Any: ...

        def _rows(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]: ...

        def transaction(self) -> AbstractContextManager[Any]: ...

        def verify_chain(self, incident_id: str) -> str: ...

    # --- meta rows ----------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self._execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._execute("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                      [key, value])

    def store_id(self) -> str:
        """The store's identity: a random id made when it was created (or first asked for), never changed."""
        value = self.meta(META_STORE_ID)
        if value is None:
            import secrets

            with self.transaction():
                self._execute("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO NOTHING",
                              [META_STORE_ID, secrets.token_hex(6)])
            value = self.meta(META_STORE_ID)
        return str(value)

    def key_record(self) -> dict[str, Any] | None:
        """{check, at, by} once a chain key was adopted for this store, else None."""
        raw = self.meta(META_KEY)
        try:
            return json.loads(raw) if raw else None
        except json.JSONDecodeError:
            return {"check": raw, "at": "?", "by": "?"}

    def accepted(self) -> list[dict[str, Any]]:
        """Findings accepted with `breach verify --accept`: [{at, by, reason, problems}]."""
        raw = self.meta(META_ACCEPTED)
        try:
            return list(json.loads(raw)) if raw else []
        except (json.JSONDecodeError, TypeError):
            return []

    # --- the ledger -----------------------------------------------------------------

    def ledger_rows(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM incident_ledger ORDER BY seq")

    def _ledger_at_from(self) -> int:
        value = self.meta(META_LEDGER_AT)
        return int(value) if value and value.isdigit() else 1 << 62

    def _append_ledger(self, incident_id: str, *, seq: int, opened_hash: str, at: str) -> None:
        last = self._execute("SELECT hash FROM incident_ledger ORDER BY seq DESC LIMIT 1").fetchone()
        prev = last[0] if last else GENESIS
        if self.meta(META_LEDGER_AT) is None:  # a store from before the ledger hashed `at`: from this entry on
            self._set_meta(META_LEDGER_AT, str(seq))
        digest = ledger_hash(seq=seq, incident_id=incident_id, opened_hash=opened_hash, prev_hash=prev, at=at,
                             with_at=seq >= self._ledger_at_from())
        self._execute("INSERT INTO incident_ledger(seq, incident_id, opened_hash, at, prev_hash, hash) "
                      "VALUES(?, ?, ?, ?, ?, ?)", [seq, incident_id, opened_hash, at, prev, digest])
        count = self._execute("SELECT count(*) FROM incident_ledger").fetchone()[0]
        self._witness(LEDGER, count=count, head=digest)

    def verify_ledger(self) -> list[tuple[str, str]]:
        """(incident id, "ledger" or "store", problem) for every finding about the store as a whole.

        The ledger (entries edited, moved, removed, gaps in its numbers), the incidents it names,
        its witness, the chain key and the witness file. Findings accepted earlier are left out.
        """
        accepted = {p for a in self.accepted() for p in a.get("problems", [])}
        problems = [p for p in self._ledger_problems() + self._key_problems() + self.witness_file_problems()
                    if p[1] not in accepted]
        return problems

    def _ledger_problems(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        incidents = {r[0]: r[1] for r in self._execute("SELECT id, seq FROM incidents")}
        at_from = self._ledger_at_from()
        prev, expected = GENESIS, 1
        rows = self.ledger_rows()
        for n, r in enumerate(rows, start=1):
            iid = str(r["incident_id"])
            where = f"incident ledger entry #{r['seq']} ({iid})"
            if r["seq"] != expected:
                missing = f"#{expected}" if r["seq"] == expected + 1 else f"#{expected} to #{r['seq'] - 1}"
                problems.append((LEDGER, f"incident ledger: no entry {missing} before {where}: a gap in the "
                                         "ledger's numbers: an incident's creation was removed from the record"))
            digest = ledger_hash(seq=r["seq"], incident_id=iid, opened_hash=r["opened_hash"], prev_hash=prev,
                                 at=r["at"], with_at=r["seq"] >= at_from)
            if r["prev_hash"] != prev:
                problems.append((LEDGER, f"{where}: does not follow the entry before it: an entry was deleted or "
                                         "moved (an incident's creation was removed from the record)"))
            elif r["hash"] != digest:
                problems.append((LEDGER, f"{where}: its content does not match its hash: the entry was edited"))
            if iid not in incidents:
                problems.append((iid, f"{iid}: deleted: the incident ledger records its creation (entry #{n}) but "
                                      "the incident and its events are gone from the database"))
            elif incidents[iid] != r["seq"]:
                problems.append((iid, f"{iid}: its number was changed (the ledger says {r['seq']}, the row says "
                                      f"{incidents[iid]})"))
            prev, expected = r["hash"], int(r["seq"]) + 1
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

    # --- the witnesses and the key --------------------------------------------------

    def witness_row(self, scope: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM chain_witness WHERE scope = ?", [scope])
        return rows[0] if rows else None

    def _witness(self, scope: str, *, count: int, head: str, keyed: bool = True) -> None:
        """Record a chain's head next to it, with its HMAC when BREACH_CHAIN_KEY is set (and `keyed`); the witness
        file follows after the commit."""
        mac = head_hmac(self.chain_key, scope=scope, count=count, head=head) if self.chain_key and keyed else None
        self._execute(
            "INSERT INTO chain_witness(scope, count, head, hmac) VALUES(?, ?, ?, ?) ON CONFLICT(scope) DO UPDATE "
            "SET count = excluded.count, head = excluded.head, hmac = excluded.hmac", [scope, count, head, mac])
        if not getattr(self, "_file_due", False):
            self._file_due = True
            if self.meta(META_WITNESS_FILE) is None:
                self._set_meta(META_WITNESS_FILE, "1")

    def check_witness(self, scope: str, *, count: int, head: str, row: Any = ...,
                      record: Any = ...) -> str:
        """Compare a chain's head with its witness row; raise ChainError on a mismatch.

        Returns what was checked: "hmac" (key set and the HMAC matches) or "no key"
        (BREACH_CHAIN_KEY is not set: the plain head only).
        """
        import hmac  # on first use: reads need no OpenSSL (start-up)
        row = self.witness_row(scope) if row is ... else row
        what = "the incident ledger" if scope == LEDGER else scope
        if row is None:
            raise ChainError(f"{what}: the record of its chain's head is missing: it was deleted")
        if row["count"] != count or row["head"] != head:
            raise ChainError(f"{what}: the chain ends at entry #{count} ({head[:12]}…) but its head was recorded "
                             f"at #{row['count']} ({str(row['head'])[:12]}…): entries were deleted or rewritten")
        if self.chain_key is None:
            return "no key"
        if not row["hmac"]:
            record = self.key_record() if record is ... else record
            if record is None:
                raise ChainError(f"{what}: its chain's head has no HMAC and {CHAIN_KEY_ENV} was never adopted for "
                                 f"this store: if the key is new, adopt it with `breach verify --adopt-key --by NAME`")
            raise ChainError(f"{what}: its chain's head has no HMAC although this store is keyed (since "
                             f"{record.get('at')}, by {record.get('by')}): the HMAC was removed: the database was "
                             "edited outside breach")
        expected = head_hmac(self.chain_key, scope=scope, count=count, head=head)
        if not hmac.compare_digest(expected, str(row["hmac"])):
            raise ChainError(f"{what}: the HMAC of its chain's head does not match {CHAIN_KEY_ENV}: the database "
                             "was edited (or the key is not the one it was written with)")
        return "hmac"

    def _key_problems(self) -> list[tuple[str, str]]:
        record = self.key_record()
        if self.chain_key is None:
            return []
        if record is None:
            if self._execute("SELECT count(*) FROM chain_witness").fetchone()[0]:
                return [(STORE, f"{CHAIN_KEY_ENV} is set but no chain key was ever adopted for this store: if the "
                                "key is new, adopt it with `breach verify --adopt-key --by NAME` (recorded); if the "
                                "store was keyed before, its key record was removed")]
            return []
        if record.get("check") != key_check(self.chain_key):
            return [(STORE, f"{CHAIN_KEY_ENV} is not the key this store was keyed with (adopted {record.get('at')} "
                            f"by {record.get('by')})")]
        bare = [r[0] for r in self._execute("SELECT scope FROM chain_witness WHERE hmac IS NULL ORDER BY scope")]
        return [(s, f"{'the incident ledger' if s == LEDGER else s}: its chain's head has no HMAC although this "
                    f"store is keyed (since {record.get('at')}, by {record.get('by')}): the HMAC was removed: the "
                    "database was edited outside breach") for s in bare]

    def _record_key(self, by: str, at: datetime) -> None:
        assert self.chain_key is not None
        self._set_meta(META_KEY, json.dumps({"check": key_check(self.chain_key), "at": clock.encode(at)[0],
                                             "by": by}))

    def guard_writes(self) -> list[tuple[str, str]]:
        """Before any write: the store-wide findings (ledger, key, witness file); empty when writing may go on."""
        problems = self.verify_ledger()
        record = self.key_record()
        if self.chain_key is None and record is not None:
            problems.append((STORE, f"this store's heads are keyed ({CHAIN_KEY_ENV} adopted {record.get('at')} by "
                                    f"{record.get('by')}): set {CHAIN_KEY_ENV} to write"))
        return problems

    def refuse_writes(self) -> None:
        problems = self.guard_writes()
        if problems:
            raise ChainError(f"{problems[0][1]}\nNothing was recorded: the store does not verify. {RESOLVE}")

    # --- the witness file -------------------------------------------------------------

    def witness_file(self) -> Path:
        value = os.environ.get(WITNESS_FILE_ENV)
        return Path(value) if value else Path(self.home) / WITNESS_FILE_NAME

    def _witness_state(self) -> dict[str, Any]:
        last = self._execute("SELECT incident_id, seq, hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
        ledger = self.witness_row(LEDGER)
        state: dict[str, Any] = {
            "store": self.store_id(),
            "last": {"incident": last[0], "seq": last[1], "hash": last[2]} if last else None,
            "ledger": {"count": ledger["count"], "head": ledger["head"]} if ledger else None,
        }
        if self.chain_key:
            state["hmac"] = head_hmac(self.chain_key, scope="witness-file", count=0, head=canonical(state).decode())
        return state

    def write_witness_file(self) -> None:
        """The last event and the ledger's head, outside the database (0600, replaced whole)."""
        self._file_due = False
        path = self.witness_file()
        text = json.dumps(self._witness_state(), indent=1, sort_keys=True) + "\n"
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except OSError as exc:
            from breach.errors import StoreError

            raise StoreError(f"recorded, but cannot write the witness file {path}: {exc.strerror}") from None

    def witness_file_problems(self) -> list[tuple[str, str]]:
        """The database must hold what the witness file saw: else it is an older copy, or events were removed."""
        path = self.witness_file()
        if not path.is_file():
            # Keyed stores only: a log moved to another folder without its file is otherwise a note (verify).
            if self.meta(META_WITNESS_FILE) and self.key_record() is not None and \
                    self._execute("SELECT count(*) FROM events").fetchone()[0]:
                return [(STORE, f"the witness file {path} is missing: restore it (or set {WITNESS_FILE_ENV} to "
                                "where it is kept), or accept with `breach verify --accept --reason TEXT`")]
            return []
        try:
            saw = json.loads(path.read_text(encoding="utf-8"))
            last, ledger = saw.get("last"), saw.get("ledger")
        except (OSError, ValueError, AttributeError):
            return [(STORE, f"the witness file {path} is not readable: it was edited")]
        problems: list[tuple[str, str]] = []
        if saw.get("store") != self.store_id():
            problems.append((STORE, f"the witness file {path} belongs to another store (id {saw.get('store')!r})"))
        if self.chain_key and saw.get("hmac"):
            body = {k: v for k, v in saw.items() if k != "hmac"}
            if head_hmac(self.chain_key, scope="witness-file", count=0, head=canonical(body).decode()) != saw["hmac"]:
                problems.append((STORE, f"the witness file {path} does not match its HMAC: it was edited"))
        if last:
            row = self._execute("SELECT hash FROM events WHERE incident_id = ? AND seq = ?",
                                [last.get("incident"), last.get("seq")]).fetchone()
            if row is None or row[0] != last.get("hash"):
                had = "does not have it" if row is None else f"has {str(row[0])[:12]}…"
                problems.append((STORE, f"{self.where} is older than its witness file {path}: the file saw "
                                        f"{last.get('incident')} event #{last.get('seq')} "
                                        f"({str(last.get('hash'))[:12]}…), the database {had}: an older copy of the "
                                        "database was restored, or events were removed"))
        if ledger and not self._execute("SELECT 1 FROM incident_ledger WHERE hash = ? AND "
                                        "(SELECT count(*) FROM incident_ledger) >= ?",
                                        [ledger.get("head"), ledger.get("count")]).fetchone():
            problems.append((STORE, f"the incident ledger does not hold the head its witness file {path} saw "
                                    f"({ledger.get('count')} incidents, {str(ledger.get('head'))[:12]}…): an older "
                                    "copy of the database was restored, or incidents were removed"))
        return problems

    # --- resolving: adopting a key, accepting findings ------------------------------------

    def adopt_key(self, *, by: str, at: datetime) -> int:
        """Key a store that was kept without BREACH_CHAIN_KEY: every head gets its HMAC. Returns the heads keyed."""
        if self.chain_key is None:
            raise InputError(f"--adopt-key keys the store with {CHAIN_KEY_ENV}: set it first")
        record = self.key_record()
        if record is not None:
            same = record.get("check") == key_check(self.chain_key)
            raise InputError(f"this store was keyed {record.get('at')} by {record.get('by')}" +
                             (": nothing to adopt" if same else f"; {CHAIN_KEY_ENV} is not that key"))
        if self._execute("SELECT count(*) FROM chain_witness WHERE hmac IS NOT NULL").fetchone()[0]:
            raise ChainError("some heads already carry an HMAC but the store's key record is gone: it was removed; "
                             "a key is not adopted over it")
        with self.transaction():
            self._refuse_unless_intact()
            rows = self._rows("SELECT scope, count, head FROM chain_witness")
            for r in rows:
                self._witness(r["scope"], count=r["count"], head=r["head"])
            self._record_key(by, at)
        self.write_witness_file()
        return len(rows)

    def _refuse_unless_intact(self) -> None:
        """Inside --adopt-key: every chain and the ledger must verify (but for the HMAC being adopted)."""
        key, self.chain_key = self.chain_key, None
        try:
            problems = [p for p in self.verify_ledger() if p[0] != STORE or "witness file" in p[1]]
            for r in self._rows("SELECT id FROM incidents ORDER BY seq"):
                try:
                    self.verify_chain(r["id"])
                except ChainError as exc:
                    problems.append((r["id"], str(exc)))
        finally:
            self.chain_key = key
        if problems:
            raise ChainError(f"{problems[0][1]}\nThe key was not adopted: a key witnesses a store that verifies")

    def accept(self, *, by: str, at: datetime, reason: str) -> list[str]:
        """Record the store-wide findings as understood (who, when, why) and witness the store as it is now.

        An incident whose own chain is broken stays broken (it takes notes only); its head is not
        re-witnessed. Returns the findings accepted.
        """
        if not reason.strip():
            raise InputError("--accept needs --reason: why the findings are understood (it is recorded)")
        problems = self.guard_writes()
        if not problems:
            raise InputError("nothing to accept: the store verifies")
        if self.chain_key is not None and self.key_record() is None:
            raise InputError(f"{CHAIN_KEY_ENV} is set but was never adopted: adopt it with `breach verify "
                             "--adopt-key --by NAME` (or unset it); accepting does not adopt a key")
        if self.chain_key is None and self.key_record() is not None:
            raise InputError(f"this store is keyed: set {CHAIN_KEY_ENV} to accept findings")
        with self.transaction():
            self._rewitness_intact([p[0] for p in problems])
            entries = [*self.accepted(), {"at": clock.encode(at)[0], "by": by, "reason": reason,
                                          "problems": [p[1] for p in problems]}]
            self._set_meta(META_ACCEPTED, json.dumps(entries, ensure_ascii=False))
        self.write_witness_file()
        return [p[1] for p in problems]

    def _rewitness_intact(self, scopes: list[str]) -> None:
        rows = self.ledger_rows()
        if rows or self.witness_row(LEDGER):
            self._witness(LEDGER, count=len(rows), head=rows[-1]["hash"] if rows else GENESIS)
        incidents = {r["id"]: r for r in self._rows("SELECT id, head_hash, event_count FROM incidents")}
        for scope in dict.fromkeys(scopes):
            if scope not in incidents:
                continue
            walked = self.walk_chains(scope).get(scope) or Walked()
            row = incidents[scope]
            if walked.problem is None and (walked.count, walked.head) == (row["event_count"], row["head_hash"]):
                self._witness(scope, count=walked.count, head=walked.head)

    # --- the chains, streamed -------------------------------------------------------------

    def walk_chains(self, incident_id: str | None = None) -> dict[str, Walked]:
        """Every incident's chain (or one), checked in one pass over the events table."""
        if incident_id is None:
            cursor = self._execute(f"SELECT {EVENT_COLUMNS} FROM events ORDER BY id")
        else:
            cursor = self._execute(f"SELECT {EVENT_COLUMNS} FROM events WHERE incident_id = ? ORDER BY id",
                                   [incident_id])
        return walk_events(cursor)
