"""Legal's decisions about advisories (`breach decide`): notify that authority too, or not and why.

An advisory (another supervisory authority that may be concerned, EDPB Guidelines 9/2022
para 73; a regime breach does not model) has no clock: it needs a legal decision. The
decision is an event; a later one supersedes an earlier one and both stay in the timeline.
Deciding to notify is what `breach scope --notify-authority` records (the advisory becomes a
clocked GDPR Art. 33 obligation); deciding not to notify keeps the advisory, marked decided,
with the reason and who decided, in every view and in the Art. 33(5) register.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypedDict

from breach.adapters.rules import load_directory, load_rules
from breach.core import authorities as sa
from breach.core import time as clock
from breach.core.regime_rules import NOTIFY_AUTHORITY
from breach.core.regimes import find_rule
from breach.core.state import IncidentState
from breach.core.states import EventKind
from breach.errors import InputError, NotFoundError
from breach.services.incidents import get_incident
from breach.services.obligations import (
    check_authority,
    incident_advisories,
    incident_obligations,
    record_notify_decision,
)
from breach.services.session import Session

#: Longest reason kept (the register is read by people).
MAX_REASON = 2000


class EarlierDecision(TypedDict):
    """The decision a new one supersedes (it stays in the timeline)."""

    notify: bool
    reason: str | None
    by: str
    at: str | None


class DecisionMade(TypedDict):
    """What `breach decide --json` prints: legal's decision about one advisory."""

    incident: str
    obligation: str
    decision: Literal["notify", "not_notify"]
    reason: str | None
    by: str
    at: str | None
    superseded: EarlierDecision | None


def decide(session: Session, incident_id: str, obligation: str, *, notify: bool, reason: str | None,
           now: datetime) -> DecisionMade:
    """Record legal's decision about the advisory `obligation` (e.g. gdpr-art33-sa:DE)."""
    incident = get_incident(session, incident_id)
    obligation = obligation.strip()
    reason = (reason or "").strip() or None
    if not notify and reason is None:
        raise InputError("--not-notify needs --reason: why legal decided not to notify (it goes in the "
                         "GDPR Art. 33(5) register)")
    if reason and len(reason) > MAX_REASON:
        raise InputError(f"--reason is longer than {MAX_REASON} characters")
    with session.store.transaction():
        state = session.state(incident.id)
        advisory = next((a for a in incident_advisories(session, incident.id, state=state) if a.id == obligation),
                        None)
        earlier = state.decisions.get(obligation)
        withdrawn = None
        if advisory is None:
            withdrawn = _withdrawn(session, state, obligation, notify=notify, now=now)
        elif advisory.decision != sa.NEEDS_DECISION and advisory.decided is None or \
                "--jurisdiction" in (advisory.action or ""):
            raise InputError(f"{obligation} is no decision about notifying: {advisory.title}"
                             + (f" ({advisory.action.replace(' ID ', f' {incident.id} ')})" if advisory.action
                                else ""))
        if notify:
            if advisory is None or "--notify-authority" not in (advisory.action or ""):
                raise InputError(f"breach has no clock for {obligation}: notify outside breach and record it "
                                 f"(breach log {incident.id} --kind decision TEXT), or decide --not-notify "
                                 "with a --reason")
            country = check_authority(session, state, advisory.jurisdiction or "", state.scope)
            record_notify_decision(session, incident.id, country, now=now, reason=reason,
                                   rule_id=obligation.rsplit(":", 1)[0])
        else:
            recipient = advisory.recipient if advisory else obligation
            data: dict[str, Any] = {
                "obligation": obligation, "notify": False, "reason": reason, "by": session.author,
                "text": f"decided not to notify {recipient} ({obligation}): {reason}",
            }
            if withdrawn:
                data["supersedes"] = withdrawn
            session.store.append_event(incident.id, kind=EventKind.DECISION, at=now, author=session.author,
                                       data=data)
        session.clock_moved(incident.id, now=now)
    return {"incident": incident.id, "obligation": obligation, "decision": "notify" if notify else "not_notify",
            "reason": reason, "by": session.author, "at": clock.iso(now),
            "superseded": None if earlier is None else {"notify": earlier.notify, "reason": earlier.reason,
                                                         "by": earlier.by, "at": clock.iso(earlier.at)}}


def _withdrawn(session: Session, state: IncidentState, obligation: str, *, notify: bool, now: datetime) -> str:
    """`obligation` is no advisory: only a decision not to notify an authority legal had decided to notify
    (and that was not notified yet) is taken; it withdraws that clock event, whose name is returned."""
    iid = state.incident.id
    earlier = state.decisions.get(obligation)
    current = {o.rule_id: o for o in incident_obligations(session, iid, now=now, state=state)}
    _, _, code = obligation.partition(":")
    decided_notify = earlier is not None and earlier.notify and f"{NOTIFY_AUTHORITY}{code}" in state.clock_events
    if obligation in current and decided_notify and not notify:
        if state.notifications.get(obligation):
            raise InputError(f"{obligation} was already notified: a decision not to notify cannot undo "
                             f"that (retract the notice first if it was recorded by mistake)")
        return f"{NOTIFY_AUTHORITY}{code}"
    if obligation in current:
        what = "legal already decided to notify it" if decided_notify else "it has a clock"
        raise InputError(f"{obligation} is an obligation of {iid}, not an advisory ({what}): "
                         f"there is nothing to decide (see `breach status {iid}`)")
    try:
        find_rule(obligation, load_rules(), directory=load_directory())
    except NotFoundError:
        raise InputError(f"unknown obligation {obligation!r}: `breach status {iid}` lists "
                         "its advisories (state advisory, DECIDE)") from None
    raise InputError(f"{obligation} is not an advisory of {iid}: `breach status {iid}` "
                     "lists what needs a legal decision (DECIDE)")
