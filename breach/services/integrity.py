"""`breach verify`: the chains, the incident ledger, the witnesses and the stored drafts still agree.

What is checked (docs/verify.md): each incident's hash chain and its index row; the
incident ledger (one hash-chained entry per incident ever opened, so a deleted incident
is named); each chain head against its witness row, with its HMAC when BREACH_CHAIN_KEY
is set; draft texts and their files (a missing file is rendered again from the
database, with a note); and, with `against_slack`, the heads posted to each incident's
Slack thread.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NotRequired, TypedDict

from breach.adapters.chain_guard import LEDGER, STORE, ChainGuard, Walked
from breach.core import time as clock
from breach.core.states import EventKind, IncidentStatus
from breach.errors import BreachError, ChainError, InputError
from breach.services.notices import verify_drafts
from breach.services.session import Session, normalize_id
from breach.slack.client import thread_witnesses
from breach.slack.config import SlackConfig, config_from_env
from breach.slack.outbox import StateKey

#: What the witness check said, for people (see Store.check_witness).
WITNESS = {
    "hmac": "head HMAC ok",
    "no key": "BREACH_CHAIN_KEY not set: head not checked against an HMAC",
}
#: Event kinds after which an incident has drafts (or approvals: `reviewed`) whose files verify checks.
DRAFT_KINDS = frozenset({EventKind.DRAFTED, EventKind.REVIEWED})


class Finding(TypedDict):
    """What `breach verify` says of one incident (or of the ledger, the key, the witness file: STORE, LEDGER)."""

    incident: str
    ok: bool
    events: int | None
    problem: str | None
    notes: list[str]
    witness: NotRequired[str]
    accepted: NotRequired[bool]


class KeyAdopted(TypedDict):
    """`breach verify --adopt-key`: the heads now witnessed with the key, who adopted it and when."""

    adopted: bool
    heads: int
    by: str
    at: str | None


class FindingsAccepted(TypedDict):
    """`breach verify --accept`: the store-wide problems recorded as understood, by whom, when and why."""

    accepted: list[str]
    by: str
    at: str | None
    reason: str


def verify(session: Session, incident_id: str | None = None, *, against_slack: bool = False) -> list[Finding]:
    """Walk every chain (or one) and the ledger; each result says ok or names the first problem.

    The chains are walked in one streaming pass over the events (no event objects); the store-wide
    findings (ledger, key, witness file) come first, and findings accepted earlier are notes.
    """
    store = session.store
    one = normalize_id(incident_id) if incident_id else None
    rows = {r["id"]: r for r in store.incident_rows(include_closed=True)}
    results = _store_findings(store, one, rows)
    if one is not None and one not in rows and not results:
        store.incident_row(one)  # NotFoundError naming the fix
    ids: list[str] = [one] if one is not None and one in rows else ([] if one else list(rows))
    config = _slack_config() if against_slack else None
    walked = store.walk_chains(one if one in rows else None) if ids else {}
    opened = {r["incident_id"]: r["opened_hash"] for r in store.ledger_rows()}
    witnesses = {r["scope"]: r for r in store.table_rows("chain_witness")}
    record = store.key_record()
    for iid in ids:
        try:
            chain = walked.get(iid) or Walked()
            witness = store.check_chain(rows[iid], chain, opened_hash=opened.get(iid), witness=witnesses.get(iid),
                                        key_record=record)
            _verify_index(rows[iid], chain)
            notes = verify_drafts(session, iid) if chain.kinds & DRAFT_KINDS or store.draft_rows(iid) else []
            if config is not None:
                notes += verify_against_slack(session, iid, config=config)
            results.append({"incident": iid, "ok": True, "events": chain.count, "problem": None,
                            "witness": WITNESS[witness], "notes": notes})
        except ChainError as exc:
            results.append({"incident": iid, "ok": False, "events": None, "problem": str(exc), "notes": []})
    # The store-wide findings (key, witness file) after the incidents': the most precise finding is named first.
    return [r for r in results if r["incident"] != STORE] + [r for r in results if r["incident"] == STORE]


def _store_findings(store: Any, one: str | None, rows: dict[str, Any]) -> list[Finding]:
    """The ledger's, the key's and the witness file's findings (those about `one`, or the whole store's)."""
    results: list[Finding] = []
    for iid, problem in store.verify_ledger():
        if one is None or iid == one or (iid == LEDGER and one not in rows):
            results.append({"incident": iid, "ok": False, "events": None, "problem": problem, "notes": []})
    for entry in store.accepted() if one is None else []:
        for problem in entry.get("problems", []):
            results.append({"incident": STORE, "ok": True, "events": None, "problem": None, "accepted": True,
                            "notes": [f"accepted {entry.get('at')} by {entry.get('by')} ({entry.get('reason')}): "
                                      f"{problem}"]})
    return results


def adopt_key(session: Session, *, by: str, now: datetime) -> KeyAdopted:
    """`breach verify --adopt-key`: key a store kept without BREACH_CHAIN_KEY (recorded with who and when)."""
    heads = _guarded(session).adopt_key(by=by, at=now)
    return {"adopted": True, "heads": heads, "by": by, "at": clock.iso(now)}


def accept_findings(session: Session, *, by: str, now: datetime, reason: str) -> FindingsAccepted:
    """`breach verify --accept --reason`: the store-wide findings recorded as understood; writing resumes."""
    problems = _guarded(session).accept(by=by, at=now, reason=reason)
    return {"accepted": problems, "by": by, "at": clock.iso(now), "reason": reason}


def _guarded(session: Session) -> ChainGuard:
    """The store with its chain guard: adopting a key and accepting findings write to the SQL stores' tables."""
    if not isinstance(session.store, ChainGuard):
        raise InputError(f"the {session.store.backend} log keeps no chain key and no accepted findings")
    return session.store


def _slack_config() -> SlackConfig:
    config = config_from_env()
    if config is None or not config.has_bot:
        raise InputError("--against-slack reads the incidents' Slack threads: it needs SLACK_BOT_TOKEN and "
                         "BREACH_SLACK_CHANNEL")
    return config


def verify_against_slack(session: Session, incident_id: str, *, config: SlackConfig) -> list[str]:
    """Compare the chain heads posted to the incident's Slack thread with the database's events.

    Raises ChainError when the channel saw a different hash for an event (the database
    was edited) or an event the database no longer has; returns notes otherwise.
    """
    raw = session.store.get_state(StateKey.parent(incident_id))
    if not raw:
        return [f"{incident_id}: no Slack thread recorded; nothing to compare"]
    parent = json.loads(raw)
    try:
        witnesses = thread_witnesses(None, config, channel=parent["channel"], thread_ts=parent["ts"])
    except BreachError as exc:
        raise InputError(f"cannot read the Slack thread of {incident_id}: {exc}") from None
    hashes = {r["seq"]: r["hash"] for r in session.store.event_rows(incident_id)}
    for w in witnesses:
        if w["incident"] != incident_id:
            continue
        seq = w["seq"]
        if seq not in hashes:
            raise ChainError(f"{incident_id}: the Slack thread saw event #{seq} (hash {w['head'][:12]}…), which the "
                             "database no longer has: events were deleted")
        if hashes[seq] != w["head"]:
            raise ChainError(f"{incident_id}: the Slack thread saw event #{seq} with hash {w['head'][:12]}…, the "
                             f"database has {hashes[seq][:12]}…: the database was edited after it was posted")
    mine = [w for w in witnesses if w["incident"] == incident_id]
    if not mine:
        return [f"{incident_id}: its Slack thread carries no chain heads yet"]
    last = max(w["seq"] for w in mine)
    return [f"{incident_id}: agrees with its Slack thread ({len(mine)} head(s), up to event #{last})"]


def _verify_index(row: dict[str, Any], chain: Walked) -> None:
    """The incident row is an index: its status must be what the events say."""
    incident_id = row["id"]
    if chain.first_kind != EventKind.OPENED:
        raise ChainError(f"{incident_id}: the log does not start with an `opened` event")
    expected = IncidentStatus.CLOSED if chain.closed_seq else IncidentStatus.OPEN
    if row["status"] != expected:
        seq = chain.closed_seq or 1
        raise ChainError(f"{incident_id}: the incident's status was changed outside the log "
                         f"(event #{seq} recorded {expected!r}, the row says {row['status']!r})")
