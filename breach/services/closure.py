"""Closing an incident: refused while a legal obligation is still pending, unless forced."""

from __future__ import annotations

from datetime import datetime

from breach.core.models import EventKind, Incident
from breach.core.textsafe import MAX_LOG_TEXT, check_length
from breach.errors import InputError
from breach.services.incidents import get_incident
from breach.services.obligations import incident_obligations
from breach.services.session import Session


def close_incident(session: Session, incident_id: str, *, summary: str, now: datetime,
                   force: bool = False) -> Incident:
    """Close an incident; refused while a legal obligation is still pending, unless forced."""
    incident = get_incident(session, incident_id)
    if incident.status == "closed":
        raise InputError(f"{incident.id} is already closed")
    if not summary.strip():
        raise InputError("the closing summary must not be empty")
    check_length(summary, what="the closing summary (--summary)", limit=MAX_LOG_TEXT)
    pending = [o.rule_id for o in incident_obligations(session, incident.id, now=now) if o.state == "pending"]
    if pending and not force:
        raise InputError(f"{incident.id} still has pending obligations: {', '.join(pending)}; record them "
                         "(breach notified) or close with --force (the pending ones are recorded)")
    with session.store.transaction():
        session.store.append_event(incident.id, kind=EventKind.CLOSED, at=now, author=session.author,
                                   data={"summary": summary, "pending_obligations": pending})
        closed = get_incident(session, incident.id)
        session.changed(closed.id, "closed", now=now)
    return closed
