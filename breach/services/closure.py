"""Closing an incident: refused while anything is still open, unless forced with a reason.

Open means: an obligation pending (a legal duty, GDPR Arts. 33 and 34), an authority advisory
not decided (EDPB Guidelines 9/2022 para 73: notify that authority too, or not), or a playbook
task neither done nor skipped. A forced close records every open item on the `closed` event.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, TypedDict

from breach.core.models import EventKind, Incident, IncidentStatus, ObligationState, TaskState
from breach.core.state import IncidentState
from breach.core.textsafe import MAX_LOG_TEXT, check_length
from breach.errors import InputError
from breach.services.incidents import get_incident
from breach.services.obligations import incident_advisories, incident_obligations
from breach.services.session import Session


class ItemKind(StrEnum):
    """What keeps an incident from closing: a pending obligation, an undecided advisory, an open task."""

    OBLIGATION = "obligation"
    ADVISORY = "advisory"
    TASK = "task"


#: How the refusal names each kind: (one, many, what it still is).
ITEM_WORDS = {ItemKind.OBLIGATION: ("obligation", "obligations", ObligationState.PENDING),
              ItemKind.ADVISORY: ("advisory", "advisories", "undecided"),
              ItemKind.TASK: ("playbook task", "playbook tasks", TaskState.OPEN)}


class OpenItem(TypedDict):
    """One thing that keeps an incident from closing (stored on a forced `closed` event as `open_items`)."""

    kind: ItemKind
    id: str
    what: str


def open_items(session: Session, state: IncidentState, *, now: datetime) -> list[OpenItem]:
    """Everything that keeps the incident from closing: {"kind", "id", "what"}, obligations first."""
    incident = state.incident
    items: list[OpenItem] = [
        {"kind": ItemKind.OBLIGATION, "id": o.rule_id, "what": f"{o.title} ({o.source})"}
        for o in incident_obligations(session, incident.id, now=now, state=state) if o.state == ObligationState.PENDING]
    # An authority advisory waits for legal's decision: `breach decide ID ADVISORY --notify` (or
    # `scope --notify-authority CC`) turns it into an obligation, `--not-notify --reason` records why not.
    items += [{"kind": ItemKind.ADVISORY, "id": a.id, "what": a.title}
              for a in incident_advisories(session, incident.id, state=state)
              if a.action and "--notify-authority" in a.action and a.decided is None]
    items += [{"kind": ItemKind.TASK, "id": str(t.n), "what": t.text or ""}
              for t in sorted(state.tasks.values(), key=lambda t: t.n) if t.state == TaskState.OPEN]
    return items


def describe_items(items: list[OpenItem]) -> str:
    """'1 obligation pending: gdpr-art33-sa; 2 playbook tasks open: 1 Reset passwords, 2 Tell the bank'."""
    parts = []
    for kind, (one, many, label) in ITEM_WORDS.items():
        found = [i for i in items if i["kind"] == kind]
        if not found:
            continue
        names = ", ".join(f"{i['id']} {i['what']}".strip() if kind == ItemKind.TASK else i["id"] for i in found)
        parts.append(f"{len(found)} {one if len(found) == 1 else many} {label}: {names}")
    return "; ".join(parts)


def close_incident(session: Session, incident_id: str, *, summary: str, now: datetime,
                   force: bool = False, reason: str | None = None) -> Incident:
    """Close an incident; refused while anything is open (see `open_items`), unless forced with a reason."""
    incident = get_incident(session, incident_id)
    if incident.status == IncidentStatus.CLOSED:
        raise InputError(f"{incident.id} is already closed")
    if not summary.strip():
        raise InputError("the closing summary must not be empty")
    check_length(summary, what="the closing summary (--summary)", limit=MAX_LOG_TEXT)
    if reason is not None:
        check_length(reason, what="the reason (--reason)", limit=MAX_LOG_TEXT)
    with session.store.transaction():
        state = session.state(incident.id)
        items = open_items(session, state, now=now)
        if items and not force:
            raise InputError(f"{incident.id} cannot be closed yet: {describe_items(items)}; finish them (breach "
                             f"status {incident.id}, breach tasks {incident.id}), or close with --force --reason "
                             "TEXT (each open item is recorded on the closing event)")
        if items and not (reason or "").strip():
            raise InputError(f"--force needs --reason: why {incident.id} closes with {describe_items(items)}")
        pending = [i["id"] for i in items if i["kind"] == "obligation"]
        data: dict[str, Any] = {"summary": summary, "pending_obligations": pending, "open_items": items}
        if force and items:
            data.update(forced=True, reason=reason)
        session.store.append_event(incident.id, kind=EventKind.CLOSED, at=now, author=session.author, data=data)
        closed = get_incident(session, incident.id)
        session.changed(closed.id, EventKind.CLOSED, now=now)
    return closed
