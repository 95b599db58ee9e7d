"""Orchestration: each responder action as one function over a Session.

The CLI parses arguments and calls one of these; they read and write the store in
one transaction and return plain data. Pure decisions live in the core modules.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from . import clock
from .errors import ChainError, InputError, StoreError
from .models import LOG_KINDS, Event, Incident, Role
from .organization import FILE_NAME, SAMPLE, load_org
from .store import Store
from .textsafe import MAX_LOG_TEXT, MAX_TITLE, check_length


def resolve_home(home: Path | None) -> Path:
    """--home, else BREACH_HOME, else ./incidents."""
    if home is not None:
        return Path(home)
    env = os.environ.get("BREACH_HOME")
    return Path(env) if env else Path("incidents")


def default_author() -> str:
    return os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"


@dataclass
class Session:
    """An open data folder: its store, its organization profile, who acts and in which zone."""

    home: Path
    store: Store
    org: dict[str, Any]
    author: str = field(default_factory=default_author)

    @property
    def org_zone(self) -> str:
        return self.org.get("timezone", "UTC")

    @property
    def zone(self) -> str:
        """The responder's zone: BREACH_TZ, else the organization's."""
        return os.environ.get("BREACH_TZ") or self.org_zone

    def close(self) -> None:
        self.store.close()


def open_session(home: Path | None, *, write: bool = True, author: str | None = None) -> Session:
    path = resolve_home(home)
    org_path = path / FILE_NAME
    if not path.exists():
        raise StoreError(f"no data folder at {path}: run `breach init --home {path}` first")
    if not org_path.exists():
        raise StoreError(f"no {FILE_NAME} in {path}: run `breach init --home {path}`")
    org = load_org(org_path)
    store = Store.open(path, create=write, write=write)
    return Session(home=path, store=store, org=org, author=author or default_author())


def init_home(home: Path | None, *, org_file: Path | None = None) -> dict[str, Any]:
    """Create the data folder, its database (0600) and, if absent, organization.yaml."""
    path = resolve_home(home)
    source = Path(org_file) if org_file else SAMPLE
    org = load_org(source)  # validate before copying anything
    target = path / FILE_NAME
    if org_file and target.exists():
        raise InputError(f"{target} already exists ({load_org(target).get('name')}); it was not replaced: "
                         "edit it, or init another data folder")
    store = Store.open(path, create=True)
    store.close()
    created_profile = False
    if target.exists():
        org = load_org(target)
    else:
        try:
            shutil.copyfile(source, target)
        except OSError as exc:
            raise StoreError(f"cannot write {target}: {exc.strerror}") from None
        created_profile = True
    return {"home": str(path), "database": str(path / "breach.db"), "organization": str(target),
            "created_profile": created_profile, "name": org.get("name")}


# --- incidents ---------------------------------------------------------------------


def incident_from_row(row: dict[str, Any]) -> Incident:
    d = clock.decode
    return Incident(
        id=row["id"], title=row["title"], role=Role(row["role"]), status=row["status"],
        aware_at=d(row["aware_at"], row["aware_at_offset"]),
        opened_at=d(row["opened_at"], row["opened_at_offset"]),
        occurred_at=d(row["occurred_at"], row["occurred_at_offset"]),
        detected_at=d(row["detected_at"], row["detected_at_offset"]),
        awareness_note=row["awareness_note"],
        closed_at=d(row["closed_at"], row["closed_at_offset"]),
        summary=row["summary"], public=bool(row["public"]),
    )


def corrected(incident: Incident, clock_events: dict[str, datetime]) -> Incident:
    """The incident with awareness and detection as corrected by later `clock` events.

    Corrections are new events (`breach mark ID aware --at ...`); the row keeps what was
    first recorded, and every view, clock, notice and register row uses the correction.
    """
    from dataclasses import replace

    return replace(incident, aware_at=clock_events.get("aware", incident.aware_at),
                   detected_at=clock_events.get("detected", incident.detected_at))


def get_incident(session: Session, incident_id: str) -> Incident:
    return incident_from_row(session.store.incident_row(normalize_id(incident_id)))


def normalize_id(incident_id: str) -> str:
    return incident_id.strip().upper()


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
    role: str = "controller",
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
    store = session.store
    year = clock.in_zone(now, session.org_zone).year

    def enc(value: datetime | None) -> tuple[str | None, str | None]:
        return clock.encode(value) if value else (None, None)

    with store.transaction():
        incident_id, seq = store.next_incident_id(year)
        row: dict[str, Any] = {"id": incident_id, "seq": seq, "title": title.strip(),
                               "role": role_value.value, "status": "open",
                               "awareness_note": awareness_note, "public": int(public)}
        for name, value in (("aware_at", aware), ("occurred_at", occurred),
                            ("detected_at", detected), ("opened_at", now)):
            row[name], row[f"{name}_offset"] = enc(value)
        store.insert_incident(row)
        store.append_event(incident_id, kind="opened", at=now, author=session.author, data={
            "title": row["title"], "role": row["role"], "public": public,
            "aware_at": clock.iso(aware), "occurred_at": clock.iso(occurred),
            "detected_at": clock.iso(detected), "awareness_note": awareness_note,
        })
        incident = incident_from_row(store.incident_row(incident_id))
        _after_change(session, incident, "opened", now=now)
    return incident


def log_event(session: Session, incident_id: str, text: str, *, kind: str = "note",
              now: datetime, author: str | None = None) -> Event:
    """Append a responder's note, action, evidence or decision to the timeline."""
    if kind not in LOG_KINDS:
        raise InputError(f"kind must be one of {', '.join(LOG_KINDS)}, not {kind!r}")
    if not text.strip():
        raise InputError("the text must not be empty")
    check_length(text, what=f"the {kind} text", limit=MAX_LOG_TEXT)
    incident = get_incident(session, incident_id)
    return session.store.append_event(incident.id, kind=kind, at=now,
                                      author=author or session.author, data={"text": text})


def close_incident(session: Session, incident_id: str, *, summary: str, now: datetime,
                   force: bool = False) -> Incident:
    """Close an incident; refused while a legal obligation is still pending, unless forced."""
    from .clocks import incident_obligations

    incident = get_incident(session, incident_id)
    if incident.status == "closed":
        raise InputError(f"{incident.id} is already closed")
    if not summary.strip():
        raise InputError("the closing summary must not be empty")
    check_length(summary, what="the closing summary (--summary)", limit=MAX_LOG_TEXT)
    pending = [o.rule_id for o in incident_obligations(session, incident, now=now) if o.state == "pending"]
    if pending and not force:
        raise InputError(f"{incident.id} still has pending obligations: {', '.join(pending)}; record them "
                         "(breach notified) or close with --force (the pending ones are recorded)")
    store = session.store
    at_utc, at_offset = clock.encode(now)
    with store.transaction():
        store.update_incident(incident.id, {"status": "closed", "closed_at": at_utc,
                                            "closed_at_offset": at_offset, "summary": summary})
        store.append_event(incident.id, kind="closed", at=now, author=session.author,
                           data={"summary": summary, "pending_obligations": pending})
        closed = get_incident(session, incident.id)
        _after_change(session, closed, "closed", now=now)
    return closed


def list_incidents(session: Session, *, include_closed: bool = False) -> list[Incident]:
    return [incident_from_row(r) for r in session.store.incident_rows(include_closed=include_closed)]


def timeline(session: Session, incident_id: str) -> list[Event]:
    incident = get_incident(session, incident_id)
    return session.store.events(incident.id)


def verify(session: Session, incident_id: str | None = None) -> list[dict[str, Any]]:
    """Walk every chain (or one); each result says ok or names the first bad event."""
    ids = ([normalize_id(incident_id)] if incident_id
           else [r["id"] for r in session.store.incident_rows(include_closed=True)])
    results = []
    for iid in ids:
        try:
            session.store.verify_chain(iid)
            _verify_opened_matches_row(session, iid)
            _verify_hooks(session, iid)
            count = session.store.incident_row(iid)["event_count"]
            results.append({"incident": iid, "ok": True, "events": count, "problem": None})
        except ChainError as exc:
            results.append({"incident": iid, "ok": False, "events": None, "problem": str(exc)})
    return results


def _verify_opened_matches_row(session: Session, incident_id: str) -> None:
    """The incident row must still say what its `opened` and `closed` events recorded."""
    row = session.store.incident_row(incident_id)
    events = session.store.events(incident_id)
    opened = next((e for e in events if e.kind == "opened"), None)
    if opened is None:
        raise ChainError(f"{incident_id}: the log has no `opened` event")
    closed = next((e for e in events if e.kind == "closed"), None)
    incident = incident_from_row(row)
    expected: dict[str, tuple[Any, int]] = {
        key: (opened.data.get(key), opened.seq)
        for key in ("title", "role", "aware_at", "occurred_at", "detected_at", "public", "awareness_note")
    }
    expected["status"] = ("closed" if closed else "open", closed.seq if closed else opened.seq)
    expected["closed_at"] = (clock.iso(closed.at) if closed else None, closed.seq if closed else opened.seq)
    expected["summary"] = (closed.data.get("summary") if closed else None, closed.seq if closed else opened.seq)
    for key, (recorded, seq) in expected.items():
        value = getattr(incident, key)
        current = clock.iso(value) if isinstance(value, datetime) else (
            value.value if isinstance(value, Role) else value)
        if key == "closed_at" and recorded and current:
            same = datetime.fromisoformat(recorded) == datetime.fromisoformat(current)
        else:
            same = recorded == current or (key == "public" and bool(recorded) == bool(current))
        if not same:
            raise ChainError(f"{incident_id}: the incident's {key} was changed outside the log "
                             f"(event #{seq} recorded {recorded!r}, the row says {current!r})")


def _verify_hooks(session: Session, incident_id: str) -> None:
    from .notices import verify_drafts

    verify_drafts(session, incident_id)


def _after_change(session: Session, incident: Incident, what: str, *, now: datetime) -> None:
    """Inside the transaction of a state change: queue the Slack status (outbox)."""
    from .notify import on_change

    on_change(session, incident, what, now=now)


# --- views --------------------------------------------------------------------------


def incident_dict(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id, "title": incident.title, "role": incident.role.value,
        "status": incident.status, "aware_at": clock.iso(incident.aware_at),
        "occurred_at": clock.iso(incident.occurred_at), "detected_at": clock.iso(incident.detected_at),
        "opened_at": clock.iso(incident.opened_at), "closed_at": clock.iso(incident.closed_at),
        "awareness_note": incident.awareness_note, "summary": incident.summary,
        "public": incident.public,
    }


def event_dict(event: Event) -> dict[str, Any]:
    return {"incident": event.incident_id, "seq": event.seq, "kind": event.kind, "at": clock.iso(event.at),
            "author": event.author, "data": event.data, "prev_hash": event.prev_hash, "hash": event.hash}
