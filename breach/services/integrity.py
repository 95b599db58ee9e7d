"""`breach verify`: the chains, the incident index and the stored drafts still agree."""

from __future__ import annotations

from typing import Any

from breach.core.models import EventKind
from breach.errors import ChainError
from breach.services.notices import verify_drafts
from breach.services.session import Session, normalize_id


def verify(session: Session, incident_id: str | None = None) -> list[dict[str, Any]]:
    """Walk every chain (or one); each result says ok or names the first bad event."""
    ids = ([normalize_id(incident_id)] if incident_id
           else [r["id"] for r in session.store.incident_rows(include_closed=True)])
    results = []
    for iid in ids:
        try:
            session.store.verify_chain(iid)
            _verify_index(session, iid)
            verify_drafts(session, iid)
            count = session.store.incident_row(iid)["event_count"]
            results.append({"incident": iid, "ok": True, "events": count, "problem": None})
        except ChainError as exc:
            results.append({"incident": iid, "ok": False, "events": None, "problem": str(exc)})
    return results


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
