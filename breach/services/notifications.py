"""Recording that a notice was made: after approval, and after the deadline only with reasons.

GDPR Art. 33(1): a notification made after 72 hours "shall be accompanied by reasons
for the delay"; a notice sent must be the approved, unchanged draft (breach.services.notices).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from breach.core import time as clock
from breach.core.models import EventKind
from breach.core.regimes import find_rule, is_late
from breach.errors import DeadlineError, InputError, NotFoundError
from breach.services.incidents import get_incident, parse_time
from breach.services.notices import require_approved
from breach.services.obligations import facts_for, incident_advisories, incident_obligations
from breach.services.session import Session

PHASES = ("initial", "complete", "supplementary")  # GDPR Art. 33(4); the Belgian DPA form's types


def record_notification(
    session: Session,
    incident_id: str,
    obligation: str,
    *,
    at: str | None,
    now: datetime,
    reference: str | None = None,
    reasons_for_delay: str | None = None,
    phase: str | None = None,
    without_approval: bool = False,
    reason: str | None = None,
) -> dict[str, Any]:
    """Record that a notification was made; after the deadline only with reasons (Art. 33(1)).

    The phase and the reasons for the delay come from the approved notice that was sent;
    `reasons_for_delay` (and `phase`) are for notices made outside the tool, and are
    recorded as such.
    """
    incident = get_incident(session, incident_id)
    if phase is not None and phase not in PHASES:
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
        state = session.state(incident.id)
        aware = state.incident.aware_at
        if when < aware:
            raise InputError(f"--at {clock.iso(when)} is before the incident was known "
                             f"(aware {clock.iso(aware)})")
        obligations = {o.rule_id: o for o in incident_obligations(session, incident.id, now=now, state=state)}
        if obligation not in obligations:
            advisory = next((a for a in incident_advisories(session, incident.id, state=state)
                             if a.id == obligation), None)
            if advisory is not None and advisory.action:
                raise InputError(f"{obligation} is an advisory of {incident.id} ({advisory.decision}); once legal "
                                 f"decides to notify: {advisory.action.replace(' ID ', f' {incident.id} ')}")
            raise InputError(f"{obligation} does not apply to {incident.id} (see `breach status {incident.id}`)")
        current = obligations[obligation]
        if current.state == "not_applicable":
            raise InputError(f"{obligation} is not applicable to {incident.id}: {current.reason}")
        approval = require_approved(session, state, obligation, without_approval=without_approval)
        sent = approval.get("draft")
        drafted = next((d for d in state.drafts if sent and (d.kind, d.lang, d.version)
                        == (sent["kind"], sent["lang"], sent["version"])), None)
        if drafted is not None and drafted.phase:
            if phase is not None and phase != drafted.phase:
                raise InputError(f"the approved {drafted.kind} ({drafted.lang}) v{drafted.version} is a "
                                 f"{drafted.phase} notice, not {phase}: draft it again with --phase {phase} and "
                                 "have it approved")
            phase = drafted.phase
        late = is_late(obligation, facts_for(session, state), when)
        outside = False
        due = clock.show(current.due_at, session.zone) if current.due_at else "its deadline"
        if late and drafted is not None:
            if not drafted.reasons_for_delay:
                # Approved before the deadline, sent after it: the notice itself must give the reasons.
                raise DeadlineError(
                    f"{obligation} was due {due}, and the approved {drafted.kind} ({drafted.lang}) "
                    f"v{drafted.version} gives no reasons for the delay (GDPR Art. 33(1)): answer reasons_for_delay, "
                    f"draft it again (breach draft {incident.id} {drafted.kind} --lang {drafted.lang}) and have "
                    "that version approved")
            reasons_for_delay = drafted.reasons_for_delay
        elif late and not (reasons_for_delay or "").strip():
            raise DeadlineError(
                f"{obligation} was due {due}; a notification after the deadline must give "
                "--reasons-for-delay (GDPR Art. 33(1))"
            )
        elif late:
            outside = True  # typed at `breach notified`: the notice was made outside the tool
        data: dict[str, Any] = {
            "obligation": obligation, "at": clock.iso(when), "reference": reference,
            "reasons_for_delay": reasons_for_delay if late else None, "reasons_outside_tool": outside,
            "late": late, "phase": phase or "complete",
            "phase_number": len(state.notifications.get(obligation, ())) + 1,
            "recipient": current.recipient, "without_approval": without_approval,
            "reason": reason,
        }
        data.update(approval)
        session.store.append_event(incident.id, kind=EventKind.NOTIFIED, at=now, author=session.author, data=data)
        session.changed(incident.id, f"notified:{obligation}", now=now)
    return {"incident": incident.id, **data}


def retract_notification(session: Session, incident_id: str, obligation: str, *, reason: str,
                         now: datetime) -> dict[str, Any]:
    """Undo a notice recorded by mistake: a `retracted` event; the obligation is pending again.

    The register keeps both the notice and its retraction (GDPR Art. 33(5): document the facts).
    """
    if not (reason or "").strip():
        raise InputError("--reason is required: a retraction says why the notice was recorded by mistake")
    state = session.state(incident_id)
    incident = state.incident
    notices = state.notifications.get(obligation) or ()
    if not notices:
        raise InputError(f"{incident.id} has no recorded {obligation} notice to retract "
                         f"(see `breach show {incident.id}`)")
    undone = notices[-1]
    with session.store.transaction():
        session.store.append_event(incident.id, kind=EventKind.RETRACTED, at=now, author=session.author,
                                   data={"obligation": obligation, "notified_seq": undone.seq, "reason": reason})
        session.changed(incident.id, f"retracted:{obligation}", now=now)
    return {"incident": incident.id, "obligation": obligation, "retracted_notice_at": clock.iso(undone.at),
            "reference": undone.reference, "reason": reason, "by": session.author}
