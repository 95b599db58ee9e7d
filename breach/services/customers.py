"""A processor's customers in an incident: which are affected, their windows, their notices.

GDPR Art. 33(2): the processor notifies each controller (customer) without undue delay; the
data processing agreement fixes the window (`contract-notice:<id>`, breach.core.customers).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict

from breach.adapters import customers_file as files
from breach.adapters.letters_mime import html_text, plain_text
from breach.core import customers as cust
from breach.core import time as clock
from breach.core.duty_rows import StatusRow
from breach.core.models import EventKind
from breach.core.state import IncidentState
from breach.errors import InputError
from breach.services.incidents import get_incident, parse_time
from breach.services.session import Session


class CustomersRecorded(TypedDict):
    """`breach scope ID --customers ...`: how many were recorded now, how many are affected in all."""

    incident: str
    recorded: int
    customers: int
    end_users: int
    list: str


class CustomerNotice(TypedDict):
    """One `contract-notice:<id>` notice as recorded (the `notified` event's data)."""

    obligation: str
    at: str
    reference: str | None
    late: bool
    phase: str
    recipient: str
    due_at: str
    without_approval: bool


class OneNoticeRecorded(CustomerNotice):
    incident: str


class NoticesRecorded(TypedDict):
    """`breach notified ID 'contract-notice:*' --from-run DIR`: the notices, each at its own time."""

    incident: str
    recorded: int
    late: int
    notices: list[CustomerNotice]


class NoticesWritten(TypedDict):
    """`breach customers notify`: what this run wrote (a resumed run counts only its own)."""

    incident: str
    written: int
    resumed: bool
    skipped: int
    by_lang: dict[str, int]
    out: str
    customers: int
    format: str


def customer_list(session: Session, source: str | None = None) -> tuple[list[cust.Customer], Path]:
    """The customers of a file, else the team's list pushed with the profile (`breach org push`), else the
    data folder's own (customers.csv or customers.yaml)."""
    if source and Path(source).is_file():
        path = Path(source)
    else:
        found = files.find_in(session.resource_home()) or files.find_in(session.home)
        if found is None:
            raise InputError(f"no customer list in {session.home} (customers.csv or customers.yaml); give --customers "
                             "FILE or put the list there")
        path = found
    return files.read_customers(path), path


def record_affected(session: Session, incident_id: str, spec: str, *, now: datetime,
                    replace_all: bool = False) -> CustomersRecorded:
    """`breach scope ID --customers FILE|all|ID,...`: the customers affected, each with its contract clock."""
    incident = get_incident(session, incident_id)
    is_file = Path(spec).is_file()
    customers, path = customer_list(session, spec if is_file else None)
    chosen = customers if is_file else cust.select(customers, spec)
    with session.store.transaction():
        session.store.append_event(incident.id, kind=EventKind.CUSTOMERS, at=now, author=session.author,
                                   data={"customers": [c.to_dict() for c in chosen], "list": path.name,
                                         "change": "replace" if replace_all else "add"})
        session.clock_moved(incident.id, now=now)
    state = session.state(incident.id)
    return CustomersRecorded(incident=incident.id, recorded=len(chosen), customers=len(state.customers),
                             end_users=sum(c.end_users or 0 for c in chosen), list=str(path))


def clocks_of(state: IncidentState) -> list[cust.CustomerClock]:
    """Each affected customer's window, soonest first."""
    inc = state.incident
    return cust.clocks((cust.Customer.from_dict(c) for c in state.customers.values()), aware=inc.aware_at,
                       detected=inc.detected_at, notifications=state.notifications)


def record_notices(session: Session, incident_id: str, notices: list[tuple[str, datetime, str | None]], *,
                   now: datetime) -> NoticesRecorded:
    """Record `contract-notice:<id>` notices, each at its own time; one after the window is flagged late."""
    incident = get_incident(session, incident_id)
    with session.store.transaction():
        state = session.state(incident.id)
        due = {k.obligation: k for k in clocks_of(state)}
        rows: list[CustomerNotice] = []
        for obligation, at, reference in notices:
            k = due.get(obligation)
            if k is None:
                raise InputError(f"{obligation} is not an obligation of {incident.id}: record the customer with "
                                 f"`breach scope {incident.id} --customers ...` first")
            if k.state != "pending":
                raise InputError(f"{obligation} is already met: notified {clock.iso(k.met_at)}")
            if at < incident.aware_at:
                raise InputError(f"{obligation}: {clock.iso(at)} is before the incident was known")
            late = at > k.due_at
            data = CustomerNotice(obligation=obligation, at=clock.iso(at) or "", reference=reference, late=late,
                                  phase="complete", recipient=f"{k.customer.name} <{', '.join(k.customer.emails)}>",
                                  due_at=clock.iso(k.due_at) or "", without_approval=False)
            session.store.append_event(incident.id, kind=EventKind.NOTIFIED, at=now, author=session.author,
                                       data=dict(data))
            rows.append(data)
        session.changed(incident.id, "notified:contract-notice", now=now)
    return NoticesRecorded(incident=incident.id, recorded=len(rows), late=sum(1 for r in rows if r["late"]),
                           notices=rows)


def record_one(session: Session, incident_id: str, obligation: str, *, at: str | None, now: datetime,
               reference: str | None = None) -> OneNoticeRecorded:
    """`breach notified ID contract-notice:<id>`."""
    when = parse_time(session, at, what="--at", now=now) or now
    result = record_notices(session, incident_id, [(obligation, when, reference)], now=now)
    return OneNoticeRecorded(incident=result["incident"], **result["notices"][0])


def record_run(session: Session, incident_id: str, run_dir: Path, *, now: datetime) -> NoticesRecorded:
    """`breach notified ID contract-notice:* --from-run DIR`: each message's sent time (else written time)."""
    entries = files.read_manifest(run_dir)
    notices = []
    for e in entries:
        at = clock.decode(e.get("sent_at") or e.get("written_at"), None)
        if at is None:
            raise InputError(f"{run_dir}: the entry for {e.get('customer')} has no time")
        where = f"{e.get('file')}#{e.get('customer')}" if "end" in e else e.get("file")  # an mbox: which one
        notices.append((e["obligation"], at, where))
    return record_notices(session, incident_id, notices, now=now)


def _contact(session: Session) -> str:
    org = session.org
    parts = [org.dpo.name, org.dpo.email, org.dpo.phone] if org.dpo else []
    return ", ".join(p for p in parts if p) or (org.name or "our data protection officer")


def _sender(session: Session) -> str:
    dpo = session.org.dpo
    return (dpo.email if dpo else None) or "privacy@example.invalid"


def _message(session: Session, state: IncidentState, c: cust.Customer, run: dict[str, Any]) -> tuple[bytes, str]:
    inc = state.incident
    aware = clock.show(inc.aware_at, session.zone)
    lang, subject, body = cust.notice_text(c, incident=inc.id, title=inc.title, aware=aware, contact=_contact(session))
    plain = plain_text(body)
    html = html_text(body, lang=lang, subject=subject)
    tag = hashlib.sha256(f"{inc.id}/{c.id}".encode()).hexdigest()[:24]
    data = files.eml(sender=_sender(session), to=list(c.emails), subject=subject, plain=plain,
                     html=html, date=run["date"], msgid=f"<{tag}@breach.invalid>", boundary=f"=_breach_{tag}")
    return data, lang


def notify(session: Session, incident_id: str, out_dir: Path, *, now: datetime,
           stop_after: int | None = None, fmt: str = "eml") -> NoticesWritten:
    """One e-mail per affected customer in `out_dir` (one .eml each, or all in one mbox), streamed; a second
    run resumes where the first stopped and writes the very same bytes (the date and identity are those of
    the first start)."""
    if fmt not in ("eml", "mbox"):
        raise InputError(f"--format is eml or mbox, not {fmt!r}")
    state = session.state(get_incident(session, incident_id).id)
    if not state.customers:
        raise InputError(f"{state.incident.id} has no customers recorded: `breach scope {state.incident.id} "
                         "--customers FILE|all|ID,...` first")
    from email.utils import format_datetime

    run, done = files.start_run(out_dir, {"incident": state.incident.id, "date": format_datetime(now),
                                          "started_at": clock.iso(now), "format": fmt})
    written, by_lang = 0, dict[str, int]()
    for k in clocks_of(state):
        c = k.customer
        if c.id in done:
            continue
        if stop_after is not None and written >= stop_after:
            break
        data, lang = _message(session, state, c, run)
        entry = {"customer": c.id, "obligation": k.obligation, "file": f"{c.id}.eml", "lang": lang,
                 "written_at": clock.iso(now), "sha256": hashlib.sha256(data).hexdigest()}
        if fmt == "mbox":
            files.append_mbox(out_dir, files.mbox_entry(_sender(session), run["date"], data), entry)
        else:
            files.write_message(out_dir, f"{c.id}.eml", data, entry)
        written += 1
        by_lang[lang] = by_lang.get(lang, 0) + 1
    return NoticesWritten(incident=state.incident.id, written=written, resumed=bool(done), skipped=len(done),
                          by_lang=by_lang, out=str(out_dir), customers=len(state.customers),
                          format=str(run.get("format", "eml")))


def status_lines(rows: Sequence[StatusRow], *, now: datetime) -> list[str]:
    """Per incident with customers: 'BR-...: 3 of 1,240 customers due in 5h; 1,180 notified', beside the
    controller's GDPR Art. 33(1) clock when the incident has it (both roles side by side)."""
    by_incident: dict[str, list[StatusRow]] = {}
    for r in rows:
        if r["obligation"].startswith(cust.PREFIX):
            by_incident.setdefault(r["incident"], []).append(r)
    out = []
    for iid, found in by_incident.items():
        due = {r["obligation"]: datetime.fromisoformat(at) for r in found
               if r["state"] == "pending" and (at := r.get("due_at_utc"))}
        first = min(due.values(), default=None)
        summary: dict[str, Any] = {
            "customers": len(found), "notified": sum(1 for r in found if r["state"] in ("met", "late")),
            "late": sum(1 for r in found if r["state"] == "late"), "pending": len(due),
            "overdue": sum(1 for at in due.values() if at < now), "earliest_due_at": first,
            "due_at_earliest": sum(1 for at in due.values() if at == first)}
        line = f"{iid}: {cust.summary_line(summary, now=now)} (contracts; {cust.ART_33_2})"
        controller = next((r for r in rows if r["incident"] == iid and r["obligation"] == "gdpr-art33-sa"), None)
        controller_due = controller.get("due_at_utc") if controller else None
        if controller and controller_due:
            left = datetime.fromisoformat(controller_due) - now
            line += f"; controller's 72-hour clock (GDPR Art. 33(1)): {controller['state']}, " + (
                f"{clock.humanize(left)} left" if controller["state"] == "pending" else "done")
        out.append(line)
    return out
