"""Every clock of every open incident at a glance: `breach status`, `breach calendar`.

Reads the projections (breach.services.projection) kept up to date on write, so a
status of many incidents needs no fold and no rules at read time.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from breach.adapters.files import write_private
from breach.services.projection import incident_projections, obligation_rows
from breach.services.session import Session


def status_rows(session: Session, incident_id: str | None, *, now: datetime,
                pending_only: bool = False) -> list[dict[str, Any]]:
    """Every obligation of every open incident (or of one), sorted by due time."""
    rows = []
    for p in incident_projections(session, now=now, incident_id=incident_id):
        zone = os.environ.get("BREACH_TZ") or p["org_zone"]
        for o in obligation_rows(p, zone=zone, now=now):
            if pending_only and o["state"] in {"met", "late", "not_applicable"}:
                continue
            due = datetime.fromisoformat(o["due_at_utc"]) if o.get("due_at_utc") else None
            rows.append({"incident": p["incident"]["id"], **o, "_due": due})
    far = datetime.max.replace(tzinfo=now.tzinfo)
    # Dated first by due time, then "without undue delay", then what does not apply.
    rows.sort(key=lambda r: (r["state"] == "not_applicable", r["_due"] is None, r["_due"] or far,
                             r["incident"], r["obligation"]))
    for r in rows:
        del r["_due"]
    return rows


def calendar(session: Session, incident_id: str | None, *, now: datetime, out: Path) -> int:
    """Write the dated obligations as iCalendar events with alarms; returns the event count."""
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
    write_private(out, cal.to_ical())
    return count




def incident_list(session: Session, *, include_closed: bool, now: datetime) -> list[dict[str, Any]]:
    """`breach list`: each incident's facts (ISO times) and the zone to show them in."""
    return [{**p["incident"], "zone": os.environ.get("BREACH_TZ") or p["org_zone"]}
            for p in incident_projections(session, now=now, include_closed=include_closed)]
