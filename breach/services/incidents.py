"""The incident log: open an incident, add to its timeline, read it back.

Every fact about an incident is an event (breach.core.state folds them); the store's
incident row is only an index and the chain's head.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from breach.core import time as clock
from breach.core.models import LOG_KINDS, Event, EventKind, Incident, IncidentStatus, Role
from breach.core.textsafe import MAX_LOG_TEXT, MAX_TITLE, check_length
from breach.errors import InputError
from breach.services.session import Session, normalize_id

__all__ = ["EventJson", "IncidentEdited", "IncidentJson", "event_dict", "get_incident", "incident_dict",
           "list_incidents", "log_event", "normalize_id", "open_incident", "parse_time", "timeline"]


class IncidentJson(TypedDict):
    """An incident as `--json` prints it (`breach open`, `show`, `list`, `close`): times in ISO 8601."""

    id: str
    title: str
    role: str
    status: IncidentStatus
    aware_at: str | None
    occurred_at: str | None
    detected_at: str | None
    opened_at: str | None
    closed_at: str | None
    awareness_note: str | None
    summary: str | None
    public: bool


class EventJson(TypedDict):
    """One timeline event as `--json` prints it; `data` is the event's own JSON, as stored."""

    incident: str
    seq: int
    kind: str
    at: str | None
    author: str
    data: dict[str, Any]
    prev_hash: str
    hash: str


class IncidentEdited(TypedDict):
    """What `breach edit --json` prints: the facts corrected, what they were, who and when."""

    incident: str
    seq: int
    changed: dict[str, str | None]
    was: dict[str, str | None]
    by: str
    at: str | None


# --- incidents ---------------------------------------------------------------------


def get_incident(session: Session, incident_id: str) -> Incident:
    """The incident as its events say, corrections applied."""
    return session.state(incident_id).incident


def parse_time(session: Session, text: str | None, *, what: str, now: datetime) -> datetime | None:
    """A responder's time; naive times are read in the organization's zone; no future times."""
    if text is None:
        return None
    value = clock.parse_when(text, default_zone=session.org_zone, now=now)
    if value > now:
        raise InputError(
            f"{what} {clock.iso(value)} is in the future (now is {clock.iso(now.astimezone(value.tzinfo))})"
        )
    return value


def open_incident(
    session: Session,
    *,
    title: str,
    now: datetime,
    aware_at: str | None = None,
    occurred_at: str | None = None,
    detected_at: str | None = None,
    awareness_note: str | None = None,
    role: str = Role.CONTROLLER,
    public: bool = False,
) -> Incident:
    """Open an incident; the GDPR Art. 33(1) clock runs from `aware_at` (default: now)."""
    if not title.strip():
        raise InputError("the title must not be empty")
    check_length(title.strip(), what="the title (--title)", limit=MAX_TITLE)
    check_length(awareness_note, what="the awareness note (--awareness-note)", limit=MAX_LOG_TEXT)
    try:
        role_value = Role(role)
    except ValueError:
        raise InputError(f"role must be controller or processor, not {role!r}") from None
    aware = parse_time(session, aware_at, what="aware_at", now=now) or now
    occurred = parse_time(session, occurred_at, what="occurred_at", now=now)
    detected = parse_time(session, detected_at, what="detected_at", now=now)
    if occurred and aware < occurred:
        raise InputError(
            f"aware_at {clock.iso(aware)} is before occurred_at {clock.iso(occurred)}: "
            "one cannot become aware of a breach before it happens"
        )
    if detected and occurred and detected < occurred:
        raise InputError(f"detected_at {clock.iso(detected)} is before occurred_at {clock.iso(occurred)}")
    year = clock.in_zone(now, session.org_zone).year
    with session.store.transaction():
        event = session.store.create_incident(year=year, at=now, author=session.author, data={
            "title": title.strip(), "role": role_value.value, "public": public,
            "aware_at": clock.iso(aware), "occurred_at": clock.iso(occurred),
            "detected_at": clock.iso(detected), "awareness_note": awareness_note,
        })
        incident = get_incident(session, event.incident_id)
        session.changed(incident.id, EventKind.OPENED, now=now)
    return incident


def edit_incident(
    session: Session,
    incident_id: str,
    *,
    now: datetime,
    title: str | None = None,
    occurred_at: str | None = None,
    detected_at: str | None = None,
    aware_at: str | None = None,
    awareness_note: str | None = None,
    note: str | None = None,
) -> IncidentEdited:
    """Correct the incident's facts with an `edited` event; every view, clock, notice and register row follows.

    Nothing is rewritten: the value first recorded stays on the timeline and in `breach show`.
    """
    state = session.state(incident_id)
    incident = state.incident
    fields: dict[str, str | None] = {}
    if title is not None:
        if not title.strip():
            raise InputError("the title must not be empty")
        check_length(title.strip(), what="the title (--title)", limit=MAX_TITLE)
        fields["title"] = title.strip()
    if awareness_note is not None:
        check_length(awareness_note, what="the awareness note (--awareness-note)", limit=MAX_LOG_TEXT)
        fields["awareness_note"] = awareness_note.strip() or None
    times = {name: parse_time(session, value, what=f"--{name.replace('_', '-')}", now=now)
             for name, value in (("occurred_at", occurred_at), ("detected_at", detected_at), ("aware_at", aware_at))
             if value is not None}
    after = {"occurred_at": incident.occurred_at, "detected_at": incident.detected_at,
             "aware_at": incident.aware_at, **times}
    if after["occurred_at"] and after["aware_at"] and after["aware_at"] < after["occurred_at"]:
        raise InputError(f"aware_at {clock.iso(after['aware_at'])} would be before occurred_at "
                         f"{clock.iso(after['occurred_at'])}: one cannot become aware of a breach before it happens")
    if after["occurred_at"] and after["detected_at"] and after["detected_at"] < after["occurred_at"]:
        raise InputError(f"detected_at {clock.iso(after['detected_at'])} would be before occurred_at "
                         f"{clock.iso(after['occurred_at'])}")
    fields.update({name: clock.iso(value) for name, value in times.items()})
    changed = {name: value for name, value in fields.items()
               if (getattr(incident, name) if name not in times else clock.iso(getattr(incident, name))) != value}
    if not fields:
        raise InputError("give at least one of --title, --occurred-at, --detected-at, --aware-at, --awareness-note")
    if not changed:
        raise InputError(f"{incident.id} already says that: nothing to correct")
    check_length(note, what="the note (--note)", limit=MAX_LOG_TEXT)
    with session.store.transaction():
        event = session.store.append_event(incident.id, kind=EventKind.EDITED, at=now, author=session.author,
                                           data={"fields": changed, "note": note})
        if {"aware_at", "detected_at", "occurred_at"} & set(changed):
            session.clock_moved(incident.id, now=now)  # a corrected time moves deadlines
    return {"incident": incident.id, "seq": event.seq, "changed": changed,
            "was": {name: (clock.iso(v) if isinstance(v, datetime) else v)
                    for name, v in ((n, getattr(incident, n)) for n in changed)},
            "by": session.author, "at": clock.iso(now)}


def log_event(session: Session, incident_id: str, text: str, *, kind: str = EventKind.NOTE,
              now: datetime, author: str | None = None) -> Event:
    """Append a responder's note, action, evidence or decision to the timeline."""
    if kind not in LOG_KINDS:
        raise InputError(f"kind must be one of {', '.join(LOG_KINDS)}, not {kind!r}")
    if not text.strip():
        raise InputError("the text must not be empty")
    check_length(text, what=f"the {kind} text", limit=MAX_LOG_TEXT)
    incident = get_incident(session, incident_id)
    # A note may record a finding on a broken chain; anything else is refused there (Store).
    return session.store.append_event(incident.id, kind=EventKind(kind), at=now,
                                      author=author or session.author, data={"text": text},
                                      even_if_broken=kind == EventKind.NOTE)


def list_incidents(session: Session, *, include_closed: bool = False) -> list[Incident]:
    """Every incident (folded); `breach list` reads the projections instead (breach.services.projection)."""
    return [get_incident(session, r["id"]) for r in session.store.incident_rows(include_closed=include_closed)]


def timeline(session: Session, incident_id: str) -> list[Event]:
    incident = get_incident(session, incident_id)
    return session.store.events(incident.id)


# --- views --------------------------------------------------------------------------


def incident_dict(incident: Incident) -> IncidentJson:
    """The one JSON shape of an incident."""
    return {
        "id": incident.id, "title": incident.title, "role": incident.role.value,
        "status": incident.status, "aware_at": clock.iso(incident.aware_at),
        "occurred_at": clock.iso(incident.occurred_at), "detected_at": clock.iso(incident.detected_at),
        "opened_at": clock.iso(incident.opened_at), "closed_at": clock.iso(incident.closed_at),
        "awareness_note": incident.awareness_note, "summary": incident.summary,
        "public": incident.public,
    }


def event_dict(event: Event) -> EventJson:
    """The one JSON shape of an event."""
    return {"incident": event.incident_id, "seq": event.seq, "kind": event.kind, "at": clock.iso(event.at),
            "author": event.author, "data": event.data, "prev_hash": event.prev_hash, "hash": event.hash}
