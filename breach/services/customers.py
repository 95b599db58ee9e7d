"""A processor's customers in an incident: which are affected, their windows, their notices.

GDPR Art. 33(2): the processor notifies each controller (customer) without undue delay; the
data processing agreement fixes the window (`contract-notice:<id>`, breach.core.customers).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from breach.adapters import customers_file as files
from breach.adapters.letters_mime import html_text, plain_text
from breach.core import customers as cust
from breach.core import time as clock
from breach.core.duty_rows import StatusRow
from breach.core.models import EventKind, Notification, ObligationState, Phase
from breach.core.state import IncidentState
from breach.errors import InputError
from breach.services.customer_notices import NOTICE_LANGS, NoticeDraft, NoticeSource, check_resume, notice_sources
from breach.services.incidents import get_incident, parse_time
from breach.services.session import Session

#: A customer told, in time or late.
DONE = (ObligationState.MET, ObligationState.LATE)


class CustomersRecorded(TypedDict):
    """`breach scope ID --customers ...`: how many were recorded now, how many are affected in all."""

    incident: str
    recorded: int
    customers: int
    end_users: int
    list: str


class NoticeRef(TypedDict):
    """The controller-notice draft a customer's message was rendered from."""

    kind: str
    lang: str
    version: int
    sha256: str


class RunConflict(TypedDict):
    """A run's entry for a customer already recorded otherwise (another time, or another run): left as it is."""

    obligation: str
    recorded_at: str
    run_at: str
    why: str


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
    reason: NotRequired[str | None]
    draft: NotRequired[NoticeRef]
    run: NotRequired[str]
    corrects: NotRequired[int]
    correction_reason: NotRequired[str]


class OneNoticeRecorded(CustomerNotice):
    incident: str


class NoticesRecorded(TypedDict):
    """`breach notified ID 'contract-notice:*' --from-run DIR`: the notices, each at its own time."""

    incident: str
    recorded: int
    late: int
    notices: list[CustomerNotice]
    already: NotRequired[int]
    conflicts: NotRequired[list[RunConflict]]


class NoticesWritten(TypedDict):
    """`breach customers notify`: what this run wrote (a resumed run counts only its own), and the drafts of the
    controller notice it was written from, per language."""

    incident: str
    written: int
    resumed: bool
    skipped: int
    by_lang: dict[str, int]
    out: str
    customers: int
    format: str
    drafts: dict[str, NoticeDraft]
    without_approval: bool


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
                   now: datetime, extra: Sequence[Mapping[str, Any]] | None = None) -> NoticesRecorded:
    """Record `contract-notice:<id>` notices, each at its own time; one after the window is flagged late.
    `extra`: per notice, what its run's manifest entry adds (the draft, without_approval and reason, the run)."""
    incident = get_incident(session, incident_id)
    with session.store.transaction():
        state = session.state(incident.id)
        due = {k.obligation: k for k in clocks_of(state)}
        rows: list[CustomerNotice] = []
        for n, (obligation, at, reference) in enumerate(notices):
            k = due.get(obligation)
            if k is None:
                raise InputError(f"{obligation} is not an obligation of {incident.id}: record the customer with "
                                 f"`breach scope {incident.id} --customers ...` first")
            if k.state != ObligationState.PENDING:
                raise InputError(f"{obligation} is already met: notified {clock.iso(k.met_at)}")
            if at < incident.aware_at:
                raise InputError(f"{obligation}: {clock.iso(at)} is before the incident was known")
            data = CustomerNotice(obligation=obligation, at=clock.iso(at) or "", reference=reference,
                                  late=at > k.due_at, phase=Phase.COMPLETE,
                                  recipient=f"{k.customer.name} <{', '.join(k.customer.emails)}>",
                                  due_at=clock.iso(k.due_at) or "", without_approval=False)
            data.update(extra[n] if extra else {})  # type: ignore[typeddict-item]
            session.store.append_event(incident.id, kind=EventKind.NOTIFIED, at=now, author=session.author,
                                       data=dict(data))
            rows.append(data)
        session.changed(incident.id, "notified:contract-notice", now=now)
    return NoticesRecorded(incident=incident.id, recorded=len(rows), late=sum(1 for r in rows if r["late"]),
                           notices=rows)


def record_one(session: Session, incident_id: str, obligation: str, *, at: str | None, now: datetime,
               reference: str | None = None, correction: str | None = None) -> OneNoticeRecorded:
    """`breach notified ID contract-notice:<id>`; with `correction` (the reason), `--correction`: the record of
    the notice that met the duty is replaced by one at `at` (the first record stays in the timeline)."""
    when = parse_time(session, at, what="--at", now=now)
    if correction is not None:
        return _correct(session, incident_id, obligation, at=when, reference=reference, reason=correction, now=now)
    result = record_notices(session, incident_id, [(obligation, when or now, reference)], now=now)
    return OneNoticeRecorded(incident=result["incident"], **result["notices"][0])


def _correct(session: Session, incident_id: str, obligation: str, *, at: datetime | None, reference: str | None,
             reason: str, now: datetime) -> OneNoticeRecorded:
    if not reason.strip():
        raise InputError("--correction needs --reason: why the recorded notice was wrong")
    incident = get_incident(session, incident_id)
    with session.store.transaction():
        state = session.state(incident.id)
        k = next((k for k in clocks_of(state) if k.obligation == obligation), None)
        old = (state.notifications.get(obligation) or [None])[0]
        if k is None or old is None:
            raise InputError(f"{obligation} has no notice recorded for {incident.id}: nothing to correct")
        when = at or old.at
        if when < incident.aware_at:
            raise InputError(f"{obligation}: {clock.iso(when)} is before the incident was known")
        data = CustomerNotice(obligation=obligation, at=clock.iso(when) or "", reference=reference or old.reference,
                              late=when > k.due_at, phase=Phase.COMPLETE, recipient=old.recipient or "",
                              due_at=clock.iso(k.due_at) or "", without_approval=old.without_approval,
                              corrects=old.seq, correction_reason=reason)
        if old.draft is not None:
            data["draft"] = NoticeRef(kind=old.draft.kind, lang=old.draft.lang, version=old.draft.version,
                                      sha256=old.draft.sha256)
        session.store.append_event(incident.id, kind=EventKind.NOTIFIED, at=now, author=session.author,
                                   data=dict(data))
        session.changed(incident.id, "notified:contract-notice", now=now)
    return OneNoticeRecorded(incident=incident.id, **data)


def record_run(session: Session, incident_id: str, run_dir: Path, *, now: datetime) -> NoticesRecorded:
    """`breach notified ID contract-notice:* --from-run DIR`: each message's sent time (else written time).

    Recorded again (after a resumed run's next batch): only the entries not yet recorded are; one already
    recorded at the same time from the same run is counted in `already`; one recorded at another time or
    from another run is a conflict, listed and left as it is (fix a record with `breach notified ID
    contract-notice:<id> --correction --at TIME --reason TEXT`)."""
    incident = get_incident(session, incident_id)
    run = files.read_run(run_dir) or {}
    run_id = _run_id(run)
    met = {o: ns[0] for o, ns in session.state(incident.id).notifications.items() if o.startswith(cust.PREFIX) and ns}
    runs = {e.seq: e.data.get("run") for e in session.store.events(incident.id) if e.kind == EventKind.NOTIFIED}
    notices: list[tuple[str, datetime, str | None]] = []
    extra: list[dict[str, Any]] = []
    already, conflicts = 0, list[RunConflict]()
    for e in files.read_manifest(run_dir):
        at = clock.decode(e.get("sent_at") or e.get("written_at"), None)
        if at is None:
            raise InputError(f"{run_dir}: the entry for {e.get('customer')} has no time")
        where = f"{e.get('file')}#{e.get('customer')}" if "end" in e else e.get("file")  # an mbox: which one
        first = met.get(str(e["obligation"]))
        if first is not None:
            why = _conflict(first, at=at, run_id=run_id, recorded_run=runs.get(first.seq), where=where)
            if why is None:
                already += 1
            else:
                conflicts.append(RunConflict(obligation=str(e["obligation"]), recorded_at=clock.iso(first.at) or "",
                                             run_at=clock.iso(at) or "", why=why))
            continue
        notices.append((str(e["obligation"]), at, where))
        extra.append(_from_entry(e, run_id))
    result = record_notices(session, incident.id, notices, now=now, extra=extra)
    return NoticesRecorded(**result, already=already, conflicts=conflicts)


def _run_id(run: Mapping[str, Any]) -> str:
    """A run's identity, from the fixed facts of its first start (the same on every machine)."""
    fixed = {k: run.get(k) for k in ("incident", "started_at", "date", "format")}
    return hashlib.sha256(json.dumps(fixed, sort_keys=True).encode()).hexdigest()[:16]


def _conflict(first: Notification, *, at: datetime, run_id: str, recorded_run: str | None,
              where: str | None) -> str | None:
    """Why a run's entry disagrees with the notice already recorded (None: it is that very notice)."""
    if recorded_run is not None and recorded_run != run_id:
        return "recorded from another run"
    if recorded_run is None and first.reference != where:
        return f"recorded otherwise (reference {first.reference or 'none'})"
    if first.at != at:
        return "recorded at another time"
    return None


def _from_entry(e: Mapping[str, Any], run_id: str) -> dict[str, Any]:
    """What a manifest entry adds to its notice: the run, the draft it was rendered from, any emergency."""
    data: dict[str, Any] = {"run": run_id}
    if isinstance(e.get("draft"), Mapping):
        data["draft"] = {k: e["draft"][k] for k in ("kind", "lang", "version", "sha256")}
    if e.get("without_approval"):
        data.update(without_approval=True, reason=e.get("reason"))
    return data


def _contact(session: Session) -> str:
    org = session.org
    people: list[tuple[str | None, str | None, str | None]] = [(org.contact.name, org.contact.email,
                                                                 org.contact.phone)]
    if org.dpo:  # the data protection officer first, else the organization's contact point
        people.insert(0, (org.dpo.name, org.dpo.email, org.dpo.phone))
    for parts in people:
        if any(parts):
            return ", ".join(p for p in parts if p)
    return org.name or "our data protection officer"


def _sender(session: Session) -> str:
    dpo = session.org.dpo
    return (dpo.email if dpo else None) or "privacy@example.invalid"


def _message(session: Session, source: NoticeSource, c: cust.Customer, run: Mapping[str, Any],
             incident_id: str) -> bytes:
    subject, body = source.message(c, contact=_contact(session))
    lang = source.draft["lang"]
    tag = hashlib.sha256(f"{incident_id}/{c.id}".encode()).hexdigest()[:24]
    return files.eml(sender=_sender(session), to=list(c.emails), subject=subject, plain=plain_text(body),
                     html=html_text(body, lang=lang, subject=subject), date=run["date"],
                     msgid=f"<{tag}@breach.invalid>", boundary=f"=_breach_{tag}")


def notify(session: Session, incident_id: str, out_dir: Path, *, now: datetime, stop_after: int | None = None,
           fmt: str = "eml", without_approval: bool = False, reason: str | None = None) -> NoticesWritten:
    """One e-mail per affected customer in `out_dir` (one .eml each, or all in one mbox), streamed, from the
    approved controller notice of its language with its own facts (breach.services.customer_notices); a
    second run resumes where the first stopped and writes the very same bytes (the date, identity and
    approved words are those of the first start, or it is refused). `without_approval` (with `reason`): an
    emergency, a language without an approved notice gets its newest draft, flagged in run.json and in each
    manifest entry."""
    if fmt not in ("eml", "mbox"):
        raise InputError(f"--format is eml or mbox, not {fmt!r}")
    _check_emergency(without_approval, reason)
    state = session.state(get_incident(session, incident_id).id)
    if not state.customers:
        raise InputError(f"{state.incident.id} has no customers recorded: `breach scope {state.incident.id} "
                         "--customers FILE|all|ID,...` first")
    found = clocks_of(state)
    sources = notice_sources(session, state, {cust.notice_lang(k.customer, NOTICE_LANGS) for k in found},
                             without_approval=without_approval)
    kept = files.read_run(out_dir)
    if kept is not None and kept.get("incident") == state.incident.id:
        check_resume(kept, sources, out_dir)
    from email.utils import format_datetime

    run, done = files.start_run(out_dir, {
        "incident": state.incident.id, "date": format_datetime(now), "started_at": clock.iso(now), "format": fmt,
        "drafts": {lang: dict(s.draft) for lang, s in sorted(sources.items())},
        "without_approval": without_approval, "reason": reason})
    written = _write_messages(session, found, sources, out_dir, run, done, now=now, stop_after=stop_after,
                              reason=reason)
    by_lang = dict(Counter(written))
    return NoticesWritten(incident=state.incident.id, written=len(written), resumed=bool(done), skipped=len(done),
                          by_lang=by_lang, out=str(out_dir), customers=len(state.customers),
                          format=str(run.get("format", "eml")),
                          drafts={lang: s.draft for lang, s in sorted(sources.items())},
                          without_approval=any(not s.draft["approved"] for s in sources.values()))


def _check_emergency(without_approval: bool, reason: str | None) -> None:
    if without_approval and not (reason or "").strip():
        raise InputError("--without-approval needs --reason TEXT: why the customers are told in words legal has not "
                         "approved (recorded with the run and with each notice)")
    if reason and not without_approval:
        raise InputError("--reason goes with --without-approval")


def _write_messages(session: Session, found: list[cust.CustomerClock], sources: Mapping[str, NoticeSource],
                    out_dir: Path, run: Mapping[str, Any], done: set[str], *, now: datetime, stop_after: int | None,
                    reason: str | None) -> list[str]:
    """Each customer not yet written, soonest window first: its message, then its manifest entry (the draft
    it was rendered from, and whether legal approved it). Returns the language of each message written."""
    written: list[str] = []
    mbox = run.get("format") == "mbox"
    for k in found:
        c = k.customer
        if c.id in done:
            continue
        if stop_after is not None and len(written) >= stop_after:
            break
        source = sources[cust.notice_lang(c, NOTICE_LANGS)]
        data = _message(session, source, c, run, str(run["incident"]))
        draft = source.draft
        entry: dict[str, Any] = {
            "customer": c.id, "obligation": k.obligation, "file": f"{c.id}.eml", "lang": draft["lang"],
            "written_at": clock.iso(now), "sha256": hashlib.sha256(data).hexdigest(),
            "draft": {key: draft[key] for key in ("kind", "lang", "version", "sha256")},
            "without_approval": not draft["approved"]}
        if not draft["approved"]:
            entry["reason"] = reason
        if mbox:
            files.append_mbox(out_dir, files.mbox_entry(_sender(session), run["date"], data), entry)
        else:
            files.write_message(out_dir, f"{c.id}.eml", data, entry)
        written.append(draft["lang"])
    return written


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
               if r["state"] == ObligationState.PENDING and (at := r.get("due_at_utc"))}
        first = min(due.values(), default=None)
        summary: dict[str, Any] = {
            "customers": len(found), "notified": sum(1 for r in found if r["state"] in DONE),
            "late": sum(1 for r in found if r["state"] == ObligationState.LATE), "pending": len(due),
            "overdue": sum(1 for at in due.values() if at < now), "earliest_due_at": first,
            "due_at_earliest": sum(1 for at in due.values() if at == first)}
        line = f"{iid}: {cust.summary_line(summary, now=now)} (contracts; {cust.ART_33_2})"
        controller = next((r for r in rows if r["incident"] == iid and r["obligation"] == "gdpr-art33-sa"), None)
        controller_due = controller.get("due_at_utc") if controller else None
        if controller and controller_due:
            left = datetime.fromisoformat(controller_due) - now
            line += f"; controller's 72-hour clock (GDPR Art. 33(1)): {controller['state']}, " + (
                f"{clock.humanize(left)} left" if controller["state"] == ObligationState.PENDING else "notice recorded")
        out.append(line)
    return out
