"""Orchestration of the regulatory clocks: facts from the timeline, obligations, notices.

The rules and the arithmetic are pure (breach.regimes, breach.clock); this module
builds their input from an incident's events and records what responders report.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from . import clock
from .errors import DeadlineError, InputError, NotFoundError
from .flows import Session, _after_change, corrected, get_incident, list_incidents, parse_time
from .models import Incident
from .state import IncidentState, fold

#: Start events a responder records with `breach mark` (aware corrects the awareness time).
MARKABLE = ("aware", "detected", "discovered", "determined", "determined_material", "classified_major",
            "assessed_notifiable", "confirmed", "payment_made")
PHASES = ("final", "initial", "update")



def facts_for(session: Session, incident: Incident, state: IncidentState):
    from .regimes import Facts

    events = dict(state.clock_events)
    aware = events.pop("aware", None) or incident.aware_at
    detected = events.pop("detected", None) or incident.detected_at
    events["aware"] = aware
    if detected:
        events["detected"] = detected
    assessment = None
    if state.assessment:
        assessment = {**(state.assessment.get("result") or {}), "answers": state.assessment.get("answers") or {}}
    flags = {k: bool(v) for k, v in (state.assessment or {}).get("answers", {}).items() if isinstance(v, bool)}
    return Facts(role=incident.role.value, aware_at=aware, detected_at=detected, assessment=assessment,
                 scope=dict(state.scope), events=events, notifications=state.notifications,
                 org=session.org, flags=flags)


def incident_obligations(session: Session, incident: Incident, *, now: datetime,
                         state: IncidentState | None = None) -> list:
    from .regimes import obligations

    state = state or fold(session.store.events(incident.id))
    return obligations(facts_for(session, incident, state), now=now)


def status_rows(session: Session, incident_id: str | None, *, now: datetime,
                pending_only: bool = False) -> list[dict[str, Any]]:
    """Every obligation of every open incident (or of one), sorted by due time."""
    incidents = ([get_incident(session, incident_id)] if incident_id
                 else list_incidents(session, include_closed=False))
    rows = []
    for incident in incidents:
        for o in incident_obligations(session, incident, now=now):
            if pending_only and o.state in {"met", "late", "not_applicable"}:
                continue
            rows.append({"incident": incident.id, **o.to_dict(session.zone), "_due": o.due_at})
    far = datetime.max.replace(tzinfo=now.tzinfo)
    # Dated first by due time, then "without undue delay", then what does not apply.
    rows.sort(key=lambda r: (r["state"] == "not_applicable", r["_due"] is None, r["_due"] or far,
                             r["incident"], r["obligation"]))
    for r in rows:
        del r["_due"]
    return rows


def set_scope(session: Session, incident_id: str, jurisdictions: list[str], *, now: datetime) -> dict[str, int]:
    """Record the affected people by jurisdiction (ISO 3166: BE, US-CA, ...)."""
    incident = get_incident(session, incident_id)
    scope = parse_jurisdictions(jurisdictions)
    with session.store.transaction():
        session.store.append_event(incident.id, kind="scope", at=now, author=session.author,
                                   data={"jurisdictions": scope})
        _clock_moved(session, incident, now=now)  # new jurisdictions may start new clocks
    return scope


def _clock_moved(session: Session, incident: Incident, *, now: datetime) -> None:
    from .notify import on_clock_change

    on_clock_change(session, incident, now=now)


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
        session.store.append_event(incident.id, kind="clock", at=now, author=session.author,
                                   data={"event": event, "at": clock.iso(when)})
        _clock_moved(session, incident, now=now)
    return {"incident": incident.id, "event": event, "at": clock.iso(when)}


def record_notification(
    session: Session,
    incident_id: str,
    obligation: str,
    *,
    at: str | None,
    now: datetime,
    reference: str | None = None,
    reasons_for_delay: str | None = None,
    phase: str = "final",
    without_approval: bool = False,
    reason: str | None = None,
) -> dict[str, Any]:
    """Record that a notification was made; after the deadline only with reasons (Art. 33(1))."""
    from .regimes import find_rule, is_late

    incident = get_incident(session, incident_id)
    if phase not in PHASES:
        raise InputError(f"phase must be one of {', '.join(PHASES)}")
    try:
        find_rule(obligation)
    except NotFoundError:
        raise InputError(f"unknown obligation {obligation!r} (see `breach status {incident.id}`)") from None
    if without_approval and not (reason or "").strip():
        raise InputError("--without-approval needs --reason (it is flagged in the register)")
    when = parse_time(session, at, what="--at", now=now) or now
    # Read and write in one immediate transaction: two responders cannot both be "phase 1".
    with session.store.transaction():
        state = fold(session.store.events(incident.id))
        aware = corrected(incident, state.clock_events).aware_at
        if when < aware:
            raise InputError(f"--at {clock.iso(when)} is before the incident was known "
                             f"(aware {clock.iso(aware)})")
        obligations = {o.rule_id: o for o in incident_obligations(session, incident, now=now, state=state)}
        if obligation not in obligations:
            raise InputError(f"{obligation} does not apply to {incident.id} (see `breach status {incident.id}`)")
        current = obligations[obligation]
        if current.state == "not_applicable":
            raise InputError(f"{obligation} is not applicable to {incident.id}: {current.reason}")
        late = is_late(obligation, facts_for(session, incident, state), when)
        if late and not (reasons_for_delay or "").strip():
            due = clock.show(current.due_at, session.zone) if current.due_at else "its deadline"
            raise DeadlineError(
                f"{obligation} was due {due}; a notification after the deadline must give "
                "--reasons-for-delay (GDPR Art. 33(1))"
            )
        data: dict[str, Any] = {
            "obligation": obligation, "at": clock.iso(when), "reference": reference,
            "reasons_for_delay": reasons_for_delay, "late": late, "phase": phase,
            "phase_number": len(state.notifications.get(obligation, [])) + 1,
            "recipient": current.recipient, "without_approval": without_approval,
            "reason": reason,
        }
        from .notices import require_approved

        data.update(require_approved(session, incident, state, obligation, without_approval=without_approval))
        session.store.append_event(incident.id, kind="notified", at=now, author=session.author, data=data)
        _after_change(session, incident, f"notified:{obligation}", now=now)
    return {"incident": incident.id, **data}


def calendar(session: Session, incident_id: str | None, *, now: datetime, out: Path) -> int:
    """Write the dated obligations as iCalendar events with alarms; returns the event count."""
    from datetime import timedelta

    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//breach//deadlines//EN")
    cal.add("version", "2.0")
    count = 0
    for row in status_rows(session, incident_id, now=now):
        if not row["due_at"] or row["state"] == "not_applicable":
            continue
        due = datetime.fromisoformat(row["due_at_utc"])
        ev = icalendar.Event()
        ev.add("uid", f"{row['incident']}-{row['obligation']}@breach")
        ev.add("summary", f"{row['incident']}: {row['obligation']} due ({row['recipient']})")
        ev.add("dtstart", due)
        ev.add("dtend", due)
        ev.add("dtstamp", now)
        ev.add("description", f"{row['title']}\nState: {row['state']}\nSource: {row['source']}")
        for hours in (24, 1):
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"{row['obligation']} due in {hours} h")
            alarm.add("trigger", -timedelta(hours=hours))
            ev.add_component(alarm)
        cal.add_component(ev)
        count += 1
    from .files import write_private

    write_private(out, cal.to_ical())
    return count


def obligations_section(session: Session, incident: Incident, state: IncidentState, now: datetime) -> list:
    return [o.to_dict(session.zone) for o in incident_obligations(session, incident, now=now, state=state)]
