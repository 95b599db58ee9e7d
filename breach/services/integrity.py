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
from typing import Any

from breach.core.models import EventKind
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
    "not keyed": "head written without BREACH_CHAIN_KEY: no HMAC to check",
}


def verify(session: Session, incident_id: str | None = None, *, against_slack: bool = False) -> list[dict[str, Any]]:
    """Walk every chain (or one) and the ledger; each result says ok or names the first problem."""
    store = session.store
    one = normalize_id(incident_id) if incident_id else None
    results: list[dict[str, Any]] = []
    rows = {r["id"] for r in store.incident_rows(include_closed=True)}
    for iid, problem in store.verify_ledger():
        if one is None or iid == one or (iid == "ledger" and one not in rows):
            results.append({"incident": iid, "ok": False, "events": None, "problem": problem, "notes": []})
    if one is not None and one not in rows and not results:
        store.incident_row(one)  # NotFoundError naming the fix
    ids = [one] if one in rows else ([] if one else [r["id"] for r in store.incident_rows(include_closed=True)])
    config = _slack_config() if against_slack else None
    for iid in ids:
        try:
            witness = store.verify_chain(iid)
            _verify_index(session, iid)
            notes = verify_drafts(session, iid)
            if config is not None:
                notes += verify_against_slack(session, iid, config=config)
            count = store.incident_row(iid)["event_count"]
            results.append({"incident": iid, "ok": True, "events": count, "problem": None,
                            "witness": WITNESS[witness], "notes": notes})
        except ChainError as exc:
            results.append({"incident": iid, "ok": False, "events": None, "problem": str(exc), "notes": []})
    return results


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


def _verify_index(session: Session, incident_id: str) -> None:
    """The incident row is an index: its status must be what the events say."""
    row = session.store.incident_row(incident_id)
    events = session.store.events(incident_id)
    if not events or events[0].kind != EventKind.OPENED:
        raise ChainError(f"{incident_id}: the log does not start with an `opened` event")
    closed = next((e for e in events if e.kind == EventKind.CLOSED), None)
    expected = "closed" if closed else "open"
    if row["status"] != expected:
        seq = closed.seq if closed else events[0].seq
        raise ChainError(f"{incident_id}: the incident's status was changed outside the log "
                         f"(event #{seq} recorded {expected!r}, the row says {row['status']!r})")
