"""An incident log in memory: the store's protocol (breach.adapters.store_protocol.IncidentLog) without a database.

Service tests build a Session on it and need no data folder. It keeps the same record as
the SQL stores — hash-chained events, the incident ledger, the chains' witnesses, drafts,
the Slack outbox and its state, pushed organization profiles and the read models — and
tests/test_store_contract.py runs the same contract against it, SQLite and PostgreSQL, so
it cannot drift from them. A transaction keeps all of its writes or none (a snapshot is
restored when the block raises).
"""

from __future__ import annotations

import copy
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from breach.adapters.store_sql import GENESIS, LEDGER, canonical, event_hash, head_hmac, ledger_hash
from breach.core import time as clock
from breach.core.models import Event, EventKind
from breach.errors import ChainError, NotFoundError

#: The outbox row's columns, as the SQL stores have them (schema.TABLES "outbox").
OUTBOX_FIELDS = ("key", "incident_id", "op", "payload", "state", "attempts", "last_error", "created_at", "sent_at",
                 "result", "statutory", "next_attempt_at")
#: Obligation states `--pending` leaves out (as SqlStore.projected_obligations does).
SETTLED = ("met", "late", "not_applicable", "decided")


class MemoryStore:
    """One incident log held in dicts and lists; `shared` makes it a team's log (the profile is read from it)."""

    backend = "memory"

    def __init__(self, home: Path | None = None, *, shared: bool = False, chain_key: bytes | None = None):
        self.home = Path(home) if home is not None else Path("in-memory")
        self.shared = shared
        self.chain_key = chain_key
        self.closed = False
        self.data: dict[str, Any] = {
            "incidents": {}, "events": {}, "ledger": [], "witness": {}, "drafts": [], "outbox": [],
            "state": {}, "org": [], "org_files": {}, "projection": {}, "obligations": {}, "last_seq": 0, "ids": 0,
        }
        self._depth = 0
        self._touched: set[str] = set()

    @property
    def where(self) -> str:
        return "memory"

    @contextmanager
    def transaction(self) -> Iterator[MemoryStore]:
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        before = copy.deepcopy(self.data)
        self._depth = 1
        try:
            yield self
        except BaseException:
            self.data = before
            raise
        finally:
            self._depth = 0

    def close(self) -> None:
        self.closed = True

    def _next_id(self) -> int:
        self.data["ids"] += 1
        return int(self.data["ids"])

    # --- incidents and their timelines ----------------------------------------------------

    def create_incident(self, *, year: int, at: datetime, author: str, data: dict[str, Any]) -> Event:
        with self.transaction():
            seq = max([self.data["last_seq"], *(r["seq"] for r in self.data["ledger"])]) + 1
            incident_id = f"BR-{year}-{seq:04d}"
            self.data["incidents"][incident_id] = {"id": incident_id, "seq": seq, "status": "open",
                                                   "head_hash": GENESIS, "event_count": 0}
            self.data["events"][incident_id] = []
            event = self.append_event(incident_id, kind="opened", at=at, author=author, data=data)
            prev = self.data["ledger"][-1]["hash"] if self.data["ledger"] else GENESIS
            digest = ledger_hash(seq=seq, incident_id=incident_id, opened_hash=event.hash, prev_hash=prev)
            self.data["ledger"].append({"seq": seq, "incident_id": incident_id, "opened_hash": event.hash,
                                        "at": clock.encode(at)[0], "prev_hash": prev, "hash": digest})
            self._witness(LEDGER, count=len(self.data["ledger"]), head=digest)
            self.data["last_seq"] = seq
            return event

    def append_event(self, incident_id: str, *, kind: str, at: datetime, author: str,
                     data: dict[str, Any] | None = None, even_if_broken: bool = False) -> Event:
        kind = EventKind(kind).value
        data = json.loads(canonical(data or {}))
        at_utc, at_offset = clock.encode(at)
        with self.transaction():
            row = self._incident(incident_id)
            if row["event_count"]:
                try:
                    self.verify_chain(incident_id)
                except ChainError as exc:
                    if not even_if_broken:
                        raise ChainError(f"{exc}\nNothing was recorded: the chain of {incident_id} is broken") from None
            seq, prev = row["event_count"] + 1, row["head_hash"]
            digest = event_hash(incident_id=incident_id, seq=seq, kind=kind, at=at_utc, at_offset=at_offset,
                                author=author, data=data, prev_hash=prev)
            self.data["events"][incident_id].append({
                "id": self._next_id(), "incident_id": incident_id, "seq": seq, "kind": kind, "at": at_utc,
                "at_offset": at_offset, "author": author, "data": canonical(data).decode(), "prev_hash": prev,
                "hash": digest})
            row.update(head_hash=digest, event_count=seq, status="closed" if kind == "closed" else row["status"])
            self._witness(incident_id, count=seq, head=digest)
            self._touched.add(incident_id)
        return Event(incident_id=incident_id, seq=seq, kind=kind, at=clock.decode(at_utc, at_offset), author=author,
                     data=data, prev_hash=prev, hash=digest)

    def event_rows(self, incident_id: str, *, after: int = 0) -> list[dict[str, Any]]:
        return [dict(r) for r in self.data["events"].get(incident_id, []) if r["seq"] > after]

    def events(self, incident_id: str, *, after: int = 0) -> list[Event]:
        return [Event(incident_id=r["incident_id"], seq=r["seq"], kind=r["kind"],
                      at=clock.decode(r["at"], r["at_offset"]), author=r["author"], data=json.loads(r["data"]),
                      prev_hash=r["prev_hash"], hash=r["hash"]) for r in self.event_rows(incident_id, after=after)]

    def incident_row(self, incident_id: str) -> dict[str, Any]:
        return dict(self._incident(incident_id))

    def _incident(self, incident_id: str) -> dict[str, Any]:
        try:
            return self.data["incidents"][incident_id]
        except KeyError:
            raise NotFoundError(f"no incident {incident_id!r} in memory (see `breach list --all`)") from None

    def incident_rows(self, *, include_closed: bool = True) -> list[dict[str, Any]]:
        rows = sorted(self.data["incidents"].values(), key=lambda r: r["seq"])
        return [dict(r) for r in rows if include_closed or r["status"] != "closed"]

    def take_touched(self) -> set[str]:
        touched, self._touched = self._touched, set()
        return touched

    # --- integrity -------------------------------------------------------------------------

    def _witness(self, scope: str, *, count: int, head: str) -> None:
        mac = head_hmac(self.chain_key, scope=scope, count=count, head=head) if self.chain_key else None
        self.data["witness"][scope] = {"scope": scope, "count": count, "head": head, "hmac": mac}

    def check_witness(self, scope: str, *, count: int, head: str) -> str:
        row = self.data["witness"].get(scope)
        what = "the incident ledger" if scope == LEDGER else scope
        if row is None:
            raise ChainError(f"{what}: the record of its chain's head is missing: it was deleted")
        if (row["count"], row["head"]) != (count, head):
            raise ChainError(f"{what}: the chain ends at entry #{count} but its head was recorded at "
                             f"#{row['count']}: entries were deleted or rewritten")
        if self.chain_key is None:
            return "no key"
        expected = head_hmac(self.chain_key, scope=scope, count=count, head=head)
        if not hmac.compare_digest(expected, str(row["hmac"] or "")):
            raise ChainError(f"{what}: the HMAC of its chain's head does not match BREACH_CHAIN_KEY")
        return "hmac"

    def verify_chain(self, incident_id: str) -> str:
        row = self._incident(incident_id)
        prev, last = GENESIS, 0
        for r in self.data["events"].get(incident_id, []):
            where = f"{incident_id} event #{r['seq']} (row {r['id']}, {r['kind']})"
            if r["seq"] != last + 1:
                raise ChainError(f"{where}: expected event #{last + 1}: an event was deleted or moved")
            if r["prev_hash"] != prev:
                raise ChainError(f"{where}: does not follow the previous event: rows were deleted or moved")
            digest = event_hash(incident_id=incident_id, seq=r["seq"], kind=r["kind"], at=r["at"],
                                at_offset=r["at_offset"], author=r["author"], data=json.loads(r["data"]),
                                prev_hash=prev)
            if digest != r["hash"]:
                raise ChainError(f"{where}: its content does not match its hash: the row was edited")
            prev, last = r["hash"], r["seq"]
        if (row["event_count"], row["head_hash"]) != (last, prev):
            raise ChainError(f"{incident_id}: the log ends at event #{last} but the incident records "
                             f"{row['event_count']} events: events were deleted")
        return self.check_witness(incident_id, count=last, head=prev)

    # What `breach verify` reads besides (issue 23): the streamed walk, the rows it compares, no key, no file.

    def walk_chains(self, incident_id: str | None = None) -> dict[str, Any]:
        from breach.adapters.chain_guard import walk_events

        ids = [incident_id] if incident_id else list(self.data["events"])
        rows = sorted((r for i in ids for r in self.data["events"].get(i, [])), key=lambda r: r["id"])
        return walk_events((r["id"], r["incident_id"], r["seq"], r["kind"], r["at"], r["at_offset"], r["author"],
                            r["data"], r["prev_hash"], r["hash"]) for r in rows)

    def check_chain(self, row: dict[str, Any], walked: Any, *, opened_hash: str | None, witness: Any,
                    key_record: Any = None) -> str:
        return self.verify_chain(row["id"])

    def ledger_rows(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.data["ledger"]]

    def table_rows(self, table: str) -> list[dict[str, Any]]:
        assert table == "chain_witness"
        return [dict(r) for r in self.data["witness"].values()]

    def key_record(self) -> None:
        return None

    def accepted(self) -> list[dict[str, Any]]:
        return []

    def verify_ledger(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        prev = GENESIS
        for n, r in enumerate(self.data["ledger"], start=1):
            iid = r["incident_id"]
            digest = ledger_hash(seq=r["seq"], incident_id=iid, opened_hash=r["opened_hash"], prev_hash=prev)
            if (r["prev_hash"], r["hash"]) != (prev, digest):
                return [*problems, (LEDGER, f"incident ledger entry #{r['seq']} ({iid}): the entry was edited")]
            if iid not in self.data["incidents"]:
                problems.append((iid, f"{iid}: deleted: the incident ledger records its creation (entry #{n}) but "
                                      "the incident and its events are gone from the database"))
            prev = r["hash"]
        if self.data["ledger"]:
            try:
                self.check_witness(LEDGER, count=len(self.data["ledger"]), head=prev)
            except ChainError as exc:
                problems.append((LEDGER, str(exc)))
        return problems

    # --- drafts ------------------------------------------------------------------------------

    def next_draft_version(self, incident_id: str, kind: str, lang: str) -> int:
        return max([0, *(r["version"] for r in self.data["drafts"]
                         if (r["incident_id"], r["kind"], r["lang"]) == (incident_id, kind, lang))]) + 1

    def insert_draft(self, row: dict[str, Any]) -> None:
        with self.transaction():
            self.data["drafts"].append({"id": self._next_id(), **row})

    def draft_rows(self, incident_id: str) -> list[dict[str, Any]]:
        rows = [dict(r) for r in self.data["drafts"] if r["incident_id"] == incident_id]
        return sorted(rows, key=lambda r: (r["kind"], r["lang"], r["version"]))

    # --- the Slack outbox and its state -----------------------------------------------------

    def enqueue(self, *, key: str, incident_id: str | None, op: str, payload: dict[str, Any],
                created_at: datetime, statutory: bool = False) -> bool:
        with self.transaction():
            if any(r["key"] == key for r in self.data["outbox"]):
                return False
            self.data["outbox"].append({
                "id": self._next_id(), "key": key, "incident_id": incident_id, "op": op,
                "payload": canonical(payload).decode(), "state": "queued", "attempts": 0, "last_error": None,
                "created_at": clock.encode(created_at)[0], "sent_at": None, "result": None,
                "statutory": int(statutory), "next_attempt_at": None})
        return True

    def outbox_rows(self, *, state: str | None = None) -> list[dict[str, Any]]:
        return [dict(r) for r in self.data["outbox"] if state is None or r["state"] == state]

    def update_outbox(self, key: str, fields: dict[str, Any]) -> None:
        unknown = set(fields) - set(OUTBOX_FIELDS)
        if unknown:
            raise ValueError(f"the outbox has no column(s) {sorted(unknown)}")
        with self.transaction():
            for r in self.data["outbox"]:
                if r["key"] == key:
                    r.update(fields)

    @contextmanager
    def claim_outbox(self) -> Iterator[bool]:
        yield True

    def get_state(self, key: str) -> str | None:
        return self.data["state"].get(key)

    def set_state(self, key: str, value: str | None) -> None:
        with self.transaction():
            if value is None:
                self.data["state"].pop(key, None)
            else:
                self.data["state"][key] = value

    # --- the organization profile a team pushed -----------------------------------------------

    def push_org(self, *, text: str, sha256: str, at: datetime, by: str,
                 files: dict[str, str] | None = None) -> tuple[int, bool]:
        files = dict(sorted((files or {}).items()))
        with self.transaction():
            current = self.org_profile()
            if current is not None and current["sha256"] == sha256 and self.org_files(current["version"]) == files:
                return current["version"], False
            version = (current["version"] if current else 0) + 1
            self.data["org"].append({"version": version, "text": text, "sha256": sha256,
                                     "pushed_at": clock.encode(at)[0], "pushed_by": by})
            self.data["org_files"][version] = files
        return version, True

    def org_profile(self) -> dict[str, Any] | None:
        return dict(self.data["org"][-1]) if self.data["org"] else None

    def org_files(self, version: int) -> dict[str, str]:
        return dict(self.data["org_files"].get(version, {}))

    # --- the read models --------------------------------------------------------------------

    def projection(self, incident_id: str) -> dict[str, Any] | None:
        stored = self.data["projection"].get(incident_id)
        return copy.deepcopy(stored) if stored else None

    def projections(self) -> dict[str, dict[str, Any]]:
        return copy.deepcopy(self.data["projection"])

    def projection_heads(self, *, include_closed: bool = True) -> list[tuple[str, int, int | None, str | None]]:
        heads = []
        for row in self.incident_rows(include_closed=include_closed):
            stored = self.data["projection"].get(row["id"]) or {}
            heads.append((row["id"], row["event_count"], stored.get("event_count"), stored.get("deps")))
        return heads

    def save_projection(self, incident_id: str, *, event_count: int, deps: str, data: Any,
                        rows: list[tuple[str, str, float | None, str]] = ()) -> None:
        with self.transaction():
            self.data["projection"][incident_id] = {"event_count": event_count, "deps": deps,
                                                    "data": json.loads(canonical(data))}
            self.data["obligations"][incident_id] = [tuple(r) for r in rows]

    def projected_org_zone(self) -> str | None:
        stored = next(iter(self.data["projection"].values()), None)
        return stored["data"].get("org_zone") if stored else None

    def projected_incidents_json(self, *, include_closed: bool) -> list[str]:
        return [json.dumps(self.data["projection"][r["id"]]["data"]["incident"], ensure_ascii=False,
                           separators=(",", ":"))
                for r in self.incident_rows(include_closed=include_closed) if r["id"] in self.data["projection"]]

    def projected_obligations(self, *, incident_id: str | None, pending_only: bool) -> list[tuple[str, str, Any]]:
        found = []
        for iid, rows in self.data["obligations"].items():
            is_open = self.data["projection"][iid]["data"]["incident"].get("status") != "closed"
            if (iid == incident_id) if incident_id is not None else is_open:
                found += [(iid, *r) for r in rows if not (pending_only and r[1] in SETTLED)]
        found.sort(key=lambda r: status_order(r[0], r[1], r[2], r[3]))
        return [(body, state, due) for _, _, state, due, body in found]


def status_order(incident_id: str, obligation: str, state: str, due_ts: float | None) -> tuple[Any, ...]:
    """`breach status` order: what applies first (advisories, then the not applicable, last), dated before
    undated, by due time, incident, obligation."""
    rank = {"advisory": 1, "decided": 2, "not_applicable": 2}.get(state, 0)
    return rank, due_ts is None, due_ts or 0.0, incident_id, obligation
