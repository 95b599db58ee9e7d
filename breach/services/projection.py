"""Read models kept up to date on write: each incident's facts and its obligations.

`breach list` and `breach status` of many incidents would otherwise fold every
timeline and evaluate every rule (loading the YAML regimes) on each call. Instead each
incident's projection is stored with the event count it was built from and a digest
of what else it depends on (the organization profile, the regime files, this
release); it is rebuilt when any of them changes. Only what does not depend on the
time is stored: the time left and "overdue" are computed when read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict, cast

from breach import __version__
from breach.adapters.resources import rules_fingerprint
from breach.core import time as clock
from breach.core.states import ObligationState
from breach.errors import StoreError
from breach.services.session import Session

if TYPE_CHECKING:  # annotations only: reading the rows builds no TypedDict at start-up
    from breach.core.duty_rows import ObligationRow, StoredDuty

#: Bump when the shape of a stored projection changes.
SHAPE = "4"
#: Obligation fields shown in the responder's zone (stored in the organization's).
LOCAL_TIMES = ("due_at", "started_at", "met_at", "scope_changed_at")
#: Obligation fields that depend on the time of reading: computed when read, never stored.
TIMED = ("overdue", "remaining_seconds")


class Projection(TypedDict):
    """An incident's stored projection: its facts (as `breach list --json` shows them), the organization's
    zone its times are in, and its obligation and advisory rows."""

    incident: Mapping[str, Any]
    org_zone: str
    obligations: list[StoredDuty]


def dependencies(session: Session) -> str:
    """A fingerprint of what obligations depend on besides the events: this release, the profile in use,
    the regime files and the authority directory the per-authority obligations are addressed from.

    A CRC-32 and the length of each file: change detection for a cache, not integrity (that is the
    hash chain's job), and no OpenSSL to load on a read.
    """
    return "/".join([__version__, SHAPE, session.profile_fingerprint(), *rules_fingerprint()])


def build(session: Session, incident_id: str, *, now: datetime) -> Projection:
    """An incident's projection: its facts and its obligations, times in the organization's zone."""
    # Imported here, not above: reading fresh projections must not load the rules (YAML).
    from breach.services.incidents import incident_dict
    from breach.services.obligations import advisories_section, incident_obligations

    state = session.state(incident_id)
    # The epoch of the due time, so reading needs no date parsing to say how long is left.
    obligations = [_stored(o.to_dict(session.org_zone), o.due_at.timestamp() if o.due_at is not None else None)
                   for o in incident_obligations(session, incident_id, now=now, state=state)]
    # Advisories (authorities that may be concerned, regimes not modelled) have no clock: stored
    # as rows of state `advisory`, so `breach status --json` lists them beside the obligations.
    obligations += [_stored(row, None) for row in advisories_section(session, state)]
    return {"incident": incident_dict(state.incident), "org_zone": session.org_zone, "obligations": obligations}


def _stored(row: ObligationRow, due_ts: float | None) -> StoredDuty:
    """The row as stored: without what depends on the time of reading, with the epoch of its due time."""
    return cast("StoredDuty", {**{k: v for k, v in row.items() if k not in TIMED}, "_due_ts": due_ts})


def _rows(data: Projection) -> list[tuple[str, str, float | None, str]]:
    """Obligation rows for `breach status --json`: each body is the JSON of the row without its closing
    brace, so the time-dependent `overdue` and `remaining_seconds` are appended when read."""
    iid = data["incident"]["id"]
    out = []
    for o in data["obligations"]:
        body = {"incident": iid, **{k: v for k, v in o.items() if k != "_due_ts"}}
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))[:-1]
        out.append((o["obligation"], o["state"], o["_due_ts"], text))
    return out


def refresh(session: Session, incident_ids: list[str] | set[str], *, now: datetime) -> None:
    """Rebuild and store the projections of incidents just written to."""
    if not incident_ids:
        return
    deps = dependencies(session)
    for iid in sorted(incident_ids):
        count = session.store.incident_row(iid)["event_count"]
        _save(session, iid, count, deps, build(session, iid, now=now))


def incident_projections(session: Session, *, now: datetime, include_closed: bool = False,
                         incident_id: str | None = None) -> list[Projection]:
    """The projections of the incidents asked for, rebuilding any that are stale."""
    rows = ([session.store.incident_row(incident_id.strip().upper())] if incident_id
            else session.store.incident_rows(include_closed=include_closed))
    if not rows:
        return []
    stored = session.store.projections()
    deps = dependencies(session)
    found: list[Projection] = []
    for row in rows:
        p = stored.get(row["id"])
        if p is not None and p["event_count"] == row["event_count"] and p["deps"] == deps:
            found.append(p["data"])
            continue
        data = build(session, row["id"], now=now)
        _save(session, row["id"], row["event_count"], deps, data)
        found.append(data)
    return found


def ensure_fresh(session: Session, *, now: datetime, include_closed: bool = False) -> None:
    """Rebuild the projections that are stale (new events, changed profile or regimes)."""
    heads = session.store.projection_heads(include_closed=include_closed)
    if not heads:
        return
    deps = dependencies(session)
    for iid, count, projected, projected_deps in heads:
        if projected != count or projected_deps != deps:
            _save(session, iid, count, deps, build(session, iid, now=now))


def _save(session: Session, incident_id: str, count: int, deps: str, data: Projection) -> None:
    try:
        session.store.save_projection(incident_id, event_count=count, deps=deps, data=data, rows=_rows(data))
    except StoreError:
        pass  # a read-only data folder: the projection is rebuilt on the next read


def obligation_rows(projection: Projection, *, zone: str, now: datetime) -> list[ObligationRow]:
    """Stored obligations as Obligation.to_dict(zone) gives them at `now` (the time-dependent keys last)."""
    now_ts = now.timestamp()
    convert = zone != projection["org_zone"]
    out = []
    for stored in projection["obligations"]:
        row: dict[str, Any] = {k: v for k, v in stored.items() if k != "_due_ts"}
        due_ts = stored["_due_ts"]
        if convert:
            for key in LOCAL_TIMES:
                if row.get(key):
                    row[key] = clock.iso(clock.in_zone(datetime.fromisoformat(row[key]), zone))
        remaining = int(due_ts - now_ts) if row["state"] == ObligationState.PENDING and due_ts is not None else None
        out.append(cast("ObligationRow", {**row, "overdue": remaining is not None and remaining < 0,
                                        "remaining_seconds": remaining}))
    return out


class ProjectionUpdater:
    """A Session notifier: after a write commits, rebuild the projections it touched."""

    def changed(self, session: Session, incident_id: str, what: str, *, now: datetime) -> None:
        return None

    def clock_moved(self, session: Session, incident_id: str, *, now: datetime) -> None:
        return None

    def after_commit(self, session: Session) -> list[str]:
        touched = session.store.take_touched()
        refresh(session, touched, now=session.now())
        return []
