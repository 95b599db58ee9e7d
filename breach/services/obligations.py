"""The regulatory clocks of an incident: facts from its timeline, obligations, start events.

The rules and the arithmetic are pure (breach.core.regimes, breach.core.time); this
module builds their input from the fold of an incident's events and records scope and
clock start events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from breach.core import time as clock
from breach.core.jurisdictions import check_scope_item
from breach.core.models import EventKind
from breach.core.regimes import Facts, Obligation, obligations
from breach.core.state import IncidentState
from breach.errors import InputError
from breach.services.incidents import get_incident, parse_time
from breach.services.session import Session

#: Start events a responder records with `breach mark` (aware corrects the awareness time).
MARKABLE = ("aware", "detected", "discovered", "determined", "determined_material", "classified_major",
            "assessed_notifiable", "confirmed", "payment_made")


def facts_for(session: Session, state: IncidentState) -> Facts:
    """What the rules look at, from the fold (corrections already applied there)."""
    incident = state.incident
    events = dict(state.clock_events)
    events["aware"] = incident.aware_at
    events.pop("detected", None)
    if incident.detected_at:
        events["detected"] = incident.detected_at
    assessment = None
    flags: dict[str, bool] = {}
    if state.assessment:
        a = state.assessment
        assessment = {**a.result, "answers": dict(a.answers), "at": a.at}
        flags = {k: bool(v) for k, v in a.answers.items() if isinstance(v, bool)}
    return Facts(role=incident.role.value, aware_at=incident.aware_at, detected_at=incident.detected_at,
                 assessment=assessment, scope=dict(state.scope), events=events,
                 notifications=dict(state.notifications), org=session.org, flags=flags)


def incident_obligations(session: Session, incident_id: str, *, now: datetime,
                         state: IncidentState | None = None) -> list[Obligation]:
    """Every obligation the incident's facts start, soonest due first."""
    state = state or session.state(incident_id)
    return obligations(facts_for(session, state), now=now)


def set_scope(session: Session, incident_id: str, jurisdictions: list[str], *, now: datetime) -> dict[str, int]:
    """Record the affected people by jurisdiction (ISO 3166: BE, US-CA, ...)."""
    incident = get_incident(session, incident_id)
    scope = parse_jurisdictions(jurisdictions)
    with session.store.transaction():
        session.store.append_event(incident.id, kind=EventKind.SCOPE, at=now, author=session.author,
                                   data={"jurisdictions": scope})
        session.clock_moved(incident.id, now=now)  # new jurisdictions may start new clocks
    return scope


def parse_jurisdictions(items: list[str]) -> dict[str, int]:
    scope: dict[str, int] = {}
    for item in items:
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            code, sep, count = part.partition("=")
            code = code.strip().upper()
            if not sep or not code or not count.strip().isdigit():
                raise InputError(f"a jurisdiction is CODE=COUNT, e.g. BE=1200 or US-CA=800, not {part!r}")
            check_scope_item(code, count)
            scope[code] = int(count)
    if not scope:
        raise InputError("give at least one --jurisdiction CODE=COUNT")
    return scope


def mark(session: Session, incident_id: str, event: str, *, at: str | None, now: datetime) -> dict[str, Any]:
    """Record a clock start event (determined, classified_major, ...) on the timeline."""
    if event not in MARKABLE:
        raise InputError(f"unknown clock event {event!r}; one of: {', '.join(MARKABLE)}")
    incident = get_incident(session, incident_id)
    when = parse_time(session, at, what=event, now=now) or now
    with session.store.transaction():
        session.store.append_event(incident.id, kind=EventKind.CLOCK, at=now, author=session.author,
                                   data={"event": event, "at": clock.iso(when)})
        session.clock_moved(incident.id, now=now)
    return {"incident": incident.id, "event": event, "at": clock.iso(when)}


def obligations_section(session: Session, state: IncidentState, now: datetime) -> list[dict[str, Any]]:
    return [o.to_dict(session.zone) for o in incident_obligations(session, state.incident.id, now=now, state=state)]
