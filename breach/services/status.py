"""Every clock of every open incident at a glance: `breach status`, `breach calendar`.

Reads the projections (breach.services.projection) kept up to date on write, so a
status of many incidents needs no fold and no rules at read time.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, cast

from breach.adapters.files import write_private
from breach.core.states import SETTLED, ObligationState
from breach.services.projection import ensure_fresh, incident_projections, obligation_rows
from breach.services.session import Session

if TYPE_CHECKING:  # annotations only: reading the rows builds no TypedDict at start-up
    from breach.core.duty_rows import StatusRow


class ListedIncident(TypedDict):
    """`breach list`: an incident's facts (ISO 8601 times) and the zone to show them in."""

    id: str
    title: str
    role: str
    status: str
    aware_at: str
    occurred_at: str | None
    detected_at: str | None
    opened_at: str | None
    closed_at: str | None
    awareness_note: str | None
    summary: str | None
    public: bool
    zone: str


def status_rows(session: Session, incident_id: str | None, *, now: datetime,
                pending_only: bool = False) -> list[StatusRow]:
    """Every obligation of every open incident (or of one), sorted by due time."""
    rows: list[tuple[float | None, StatusRow]] = []
    for p in incident_projections(session, now=now, incident_id=incident_id):
        zone = session.config.zone_or(p["org_zone"])
        for stored, o in zip(p["obligations"], obligation_rows(p, zone=zone, now=now), strict=True):
            if pending_only and o["state"] in SETTLED:
                continue
            rows.append((stored["_due_ts"], {"incident": p["incident"]["id"], **o}))
    # Dated first by due time, then "without undue delay", then what does not apply.
    rank: dict[str, int] = {ObligationState.ADVISORY: 1, ObligationState.DECIDED: 2, ObligationState.NOT_APPLICABLE: 2}
    rows.sort(key=lambda pair: (rank.get(pair[1]["state"], 0), pair[0] is None, pair[0] or 0.0,
                                pair[1]["incident"], pair[1]["obligation"]))
    return [row for _, row in rows]


def calendar(session: Session, incident_id: str | None, *, now: datetime, out: Path) -> int:
    """Write the dated obligations as iCalendar events with alarms; returns the event count."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//breach//deadlines//EN")
    cal.add("version", "2.0")
    count = 0
    for row in status_rows(session, incident_id, now=now):
        if not row["due_at"] or not row["due_at_utc"] or row["state"] == ObligationState.NOT_APPLICABLE:
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
    write_private(out, cal.to_ical())
    return count




def status_json(session: Session, incident_id: str | None, *, now: datetime, pending_only: bool = False) -> str:
    """`breach status --json` straight from the stored rows: what status_rows gives, as JSON text.

    The rows are stored as JSON in the organization's zone; with another BREACH_TZ the
    slower status_rows path converts them.
    """
    if incident_id is None:
        ensure_fresh(session, now=now, include_closed=True)  # a closed incident's rows must say so
    else:
        incident_id = incident_projections(session, now=now, incident_id=incident_id)[0]["incident"]["id"]
    zone = session.config.zone
    if zone and zone != session.store.projected_org_zone():
        return json.dumps(status_rows(session, incident_id, now=now, pending_only=pending_only),
                          ensure_ascii=False, default=str, separators=(",", ":"))
    now_ts = now.timestamp()
    parts = []
    for body, state, due_ts in session.store.projected_obligations(incident_id=incident_id,
                                                                    pending_only=pending_only):
        remaining = int(due_ts - now_ts) if state == ObligationState.PENDING and due_ts is not None else None
        overdue = "true" if remaining is not None and remaining < 0 else "false"
        parts.append(f'{body},"overdue":{overdue},"remaining_seconds":{"null" if remaining is None else remaining}}}')
    return "[" + ",".join(parts) + "]"


def list_json(session: Session, *, include_closed: bool, now: datetime) -> str:
    """`breach list --json` straight from the stored incident rows."""
    ensure_fresh(session, now=now, include_closed=include_closed)
    return "[" + ",".join(session.store.projected_incidents_json(include_closed=include_closed)) + "]"


def incident_list(session: Session, *, include_closed: bool, now: datetime) -> list[ListedIncident]:
    """`breach list`: each incident's facts (ISO times) and the zone to show them in."""
    return [cast(ListedIncident, {**p["incident"], "zone": session.config.zone_or(p["org_zone"])})
            for p in incident_projections(session, now=now, include_closed=include_closed)]


def to_confirm(session: Session, incident_ids: list[str]) -> dict[str, list[str]]:
    """The questions each incident's decision took a cautious reading of (its assessment's `to_confirm`)."""
    found = {}
    for iid in dict.fromkeys(incident_ids):
        assessment = session.state(iid).assessment
        questions = [c.get("question") for c in (assessment.result.get("to_confirm") or []) if isinstance(c, dict)
                     ] if assessment else []
        if questions:
            found[iid] = [str(q) for q in questions if q]
    return found
