"""Recording that a notice was made: after approval, and after the deadline only with reasons.

GDPR Art. 33(1): a notification made after 72 hours "shall be accompanied by reasons
for the delay"; a notice sent must be the approved, unchanged draft (breach.services.notices).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NotRequired, TypedDict, cast

from breach.adapters.rules import load_directory, load_rules
from breach.core import time as clock
from breach.core.drafting import PHASES  # GDPR Art. 33(4); the Belgian DPA form's types
from breach.core.models import DraftRef, EventKind, IncidentStatus, Notification, ObligationState, Phase
from breach.core.regimes import Obligation, find_rule, is_late
from breach.core.state import IncidentState
from breach.errors import DeadlineError, InputError, NotFoundError
from breach.services.incidents import get_incident, parse_time
from breach.services.notices import require_approved
from breach.services.obligations import facts_for, incident_advisories, incident_obligations
from breach.services.session import Session


class NoticeRecorded(TypedDict):
    """`breach notified --json`: the notice recorded (the `notified` event's data) and its incident.

    `draft` is the approved draft sent (kind, lang, version, sha256; None when sent without approval; absent
    for a duty with no notice drafted here); a correction names the record it `corrects` and why."""

    incident: str
    obligation: str
    at: str
    reference: str | None
    reasons_for_delay: str | None
    reasons_outside_tool: bool
    late: bool
    phase: str
    phase_number: int
    recipient: str
    without_approval: bool
    reason: str | None
    supplementary: bool
    draft: NotRequired[Mapping[str, Any] | None]
    corrects: NotRequired[int]
    correction_reason: NotRequired[str]


class NoticeRetracted(TypedDict):
    """`breach retract --json`: the notice retracted, the record a retracted correction brought back
    (`restored`), and the obligation's state afterwards (ISO 8601 times)."""

    incident: str
    obligation: str
    retracted_notice_at: str
    reference: str | None
    reason: str
    by: str
    restored: str | None
    state: str
    due_at: str | None
    met_at: str | None
    notices_left: int


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
    supplementary: bool = False,
    correction: bool = False,
) -> NoticeRecorded:
    """Record that a notification was made; after the deadline only with reasons (Art. 33(1)).

    The phase and the reasons for the delay come from the approved notice that was sent;
    `reasons_for_delay` (and `phase`) are for notices made outside the tool, and are
    recorded as such.

    One notice per duty: once an obligation is met, another notice is refused unless it is
    `supplementary` (GDPR Art. 33(4), information in phases; also after closing) or a
    `correction` of the record of the notice that met it (with `reason`; the first stays in
    the timeline). A closed incident takes a first notice for a duty left pending at a
    forced close, a supplementary notice or a correction, never a second plain notice.
    """
    incident = get_incident(session, incident_id)
    phase = _checked_phase(phase, supplementary=supplementary, correction=correction, reason=reason,
                           without_approval=without_approval)
    try:
        find_rule(obligation, load_rules(), directory=load_directory())
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
        current = _obligation(session, state, obligation, now=now)
        notices = state.notifications.get(obligation, ())
        first = _meeting(state, current)
        if correction:
            if not notices:
                raise InputError(f"{incident.id} has no recorded {obligation} notice to correct")
            data = _correction(session, incident.id, obligation, first or notices[-1], state=state,
                               when=when if at else None, reference=reference,
                               reasons_for_delay=reasons_for_delay, phase=phase, reason=str(reason))
        else:
            data = _notice(session, state, current, first, when=when, reference=reference, phase=phase,
                           reasons_for_delay=reasons_for_delay, without_approval=without_approval, reason=reason,
                           supplementary=supplementary)
        session.store.append_event(incident.id, kind=EventKind.NOTIFIED, at=now, author=session.author, data=data)
        session.changed(incident.id, f"notified:{obligation}", now=now)
    return cast(NoticeRecorded, {"incident": incident.id, **data})


def _notice(session: Session, state: IncidentState, current: Obligation, first: Notification | None, *,
            when: datetime, reference: str | None, phase: str | None, reasons_for_delay: str | None,
            without_approval: bool, reason: str | None, supplementary: bool) -> dict[str, Any]:
    """A new notice: the approved draft sent, its phase, and the reasons for a delay (GDPR Art. 33(1), 33(4))."""
    obligation = current.rule_id
    notices = state.notifications.get(obligation, ())
    _one_notice_per_duty(session, state, obligation, first, supplementary=supplementary)
    approval = require_approved(session, state, obligation, without_approval=without_approval)
    sent = approval.get("draft")
    drafted = next((d for d in state.drafts if sent and (d.kind, d.lang, d.version)
                    == (sent["kind"], sent["lang"], sent["version"])), None)
    phase = _sent_phase(drafted, phase)
    late = is_late(obligation, facts_for(session, state), when, rules=load_rules())
    reasons_for_delay, outside = _reasons_for_delay(session, state, current, drafted, late=late,
                                                    typed=reasons_for_delay)
    return {
        "obligation": obligation, "at": clock.iso(when), "reference": reference,
        "reasons_for_delay": reasons_for_delay if late else None, "reasons_outside_tool": outside,
        "late": late, "phase": phase or Phase.COMPLETE,
        "phase_number": len(notices) + 1,
        "recipient": current.recipient, "without_approval": without_approval,
        "reason": reason, "supplementary": supplementary, **approval,
    }


def _checked_phase(phase: str | None, *, supplementary: bool, correction: bool, reason: str | None,
                   without_approval: bool) -> str | None:
    """The options of `breach notified` that exclude each other; the phase they give."""
    if phase is not None and phase not in PHASES:
        raise InputError(f"phase must be one of {', '.join(PHASES)}")
    if supplementary and correction:
        raise InputError("--supplementary and --correction exclude each other: a supplementary notice is a new "
                         "notice, a correction fixes the record of one already made")
    if supplementary:
        if phase not in (None, Phase.SUPPLEMENTARY):
            raise InputError(f"--supplementary records a supplementary notice, not phase {phase!r}")
        phase = Phase.SUPPLEMENTARY
    if correction:
        if not (reason or "").strip():
            raise InputError("--correction needs --reason: why the recorded notice was wrong")
        if without_approval:
            raise InputError("--correction fixes the record of a notice already made; --without-approval is "
                             "for a new notice")
    return phase


def _obligation(session: Session, state: IncidentState, obligation: str, *, now: datetime) -> Obligation:
    """The obligation a notice meets; an advisory, or one that does not apply, is refused."""
    iid = state.incident.id
    obligations = {o.rule_id: o for o in incident_obligations(session, iid, now=now, state=state)}
    if obligation not in obligations:
        advisory = next((a for a in incident_advisories(session, iid, state=state) if a.id == obligation), None)
        if advisory is not None and advisory.action:
            raise InputError(f"{obligation} is an advisory of {iid} ({advisory.decision}); once legal "
                             f"decides to notify: {advisory.action.replace(' ID ', f' {iid} ')}")
        raise InputError(f"{obligation} does not apply to {iid} (see `breach status {iid}`)")
    current = obligations[obligation]
    if current.state == ObligationState.NOT_APPLICABLE:
        raise InputError(f"{obligation} is not applicable to {iid}: {current.reason}")
    return current


def _one_notice_per_duty(session: Session, state: IncidentState, obligation: str, first: Notification | None, *,
                         supplementary: bool) -> None:
    """A met duty takes a supplementary notice (GDPR Art. 33(4)) or a correction, never a second plain one."""
    iid = state.incident.id
    notices = state.notifications.get(obligation, ())
    if first is not None and not supplementary:
        raise InputError(
            f"{obligation} is already met: {_describe(first, session.zone)}. One notice per duty: record more "
            f"information with --supplementary (GDPR Art. 33(4)), or fix that record with --correction "
            "--reason TEXT")
    if state.incident.status == IncidentStatus.CLOSED and not supplementary and notices:
        raise InputError(f"{iid} is closed and {obligation} has a notice on record "
                         f"({_describe(notices[-1], session.zone)}): only a --supplementary notice or a "
                         "--correction is recorded after closing")


def _sent_phase(drafted: DraftRef | None, phase: str | None) -> str | None:
    """The phase of the approved notice sent wins; one typed at `breach notified` must agree with it."""
    if drafted is None or not drafted.phase:
        return phase
    if phase is not None and phase != drafted.phase:
        raise InputError(f"the approved {drafted.kind} ({drafted.lang}) v{drafted.version} is a "
                         f"{drafted.phase} notice, not {phase}: draft it again with --phase {phase} and "
                         "have it approved")
    return drafted.phase


def _reasons_for_delay(session: Session, state: IncidentState, current: Obligation, drafted: DraftRef | None, *,
                       late: bool,
                       typed: str | None) -> tuple[str | None, bool]:
    """GDPR Art. 33(1): a late notice gives reasons for the delay, those of the approved notice sent, else
    typed at `breach notified` (then recorded as given outside the tool)."""
    due = clock.show(current.due_at, session.zone) if current.due_at else "its deadline"
    if late and drafted is not None:
        if not drafted.reasons_for_delay:
            # Approved before the deadline, sent after it: the notice itself must give the reasons.
            raise DeadlineError(
                f"{current.rule_id} was due {due}, and the approved {drafted.kind} ({drafted.lang}) "
                f"v{drafted.version} gives no reasons for the delay (GDPR Art. 33(1)): answer reasons_for_delay, "
                f"draft it again (breach draft {state.incident.id} {drafted.kind} --lang {drafted.lang}) and have "
                "that version approved")
        return drafted.reasons_for_delay, False
    if late and not (typed or "").strip():
        raise DeadlineError(
            f"{current.rule_id} was due {due}; a notification after the deadline must give "
            "--reasons-for-delay (GDPR Art. 33(1))"
        )
    return typed, late


def _meeting(state: IncidentState, current: Obligation) -> Notification | None:
    """The recorded notice that met the obligation (the first one, unless phased), or None while pending.

    The Art. 33(4) follow-up may be met by a supplementary notice recorded on gdpr-art33-sa itself.
    """
    if current.state not in {ObligationState.MET, ObligationState.LATE} or current.met_at is None:
        return None
    own = state.notifications.get(current.rule_id, ())
    others = [n for ns in state.notifications.values() for n in ns]
    return next((n for n in [*own, *others] if n.at == current.met_at), None)


def _describe(notice: Notification, zone: str) -> str:
    """'notified 29 Nov 2026 10:00 CET, reference DBN-1, complete notice'."""
    ref = f", reference {notice.reference}" if notice.reference else ", no reference"
    return f"notified {clock.show(notice.at, zone)}{ref}, {notice.phase} notice (recorded by {notice.by})"


def _correction(session: Session, incident_id: str, obligation: str, old: Notification, *, state: IncidentState,
                when: datetime | None, reference: str | None, reasons_for_delay: str | None, phase: str | None,
                reason: str) -> dict[str, Any]:
    """The record of `old` as corrected: what is given replaces, the rest is kept (the approval included)."""
    previous = next(e.data for e in session.store.events(incident_id) if e.seq == old.seq)
    at = when or old.at
    late = is_late(obligation, facts_for(session, state), at, rules=load_rules())
    reasons = reasons_for_delay if reasons_for_delay is not None else old.reasons_for_delay
    if late and not (reasons or ""):
        raise DeadlineError(f"the corrected time {clock.iso(at)} is after the {obligation} deadline: give "
                            "--reasons-for-delay (GDPR Art. 33(1))")
    data = {**previous, "at": clock.iso(at), "late": late, "reasons_for_delay": reasons if late else None,
            "corrects": old.seq, "correction_reason": reason}
    if reasons_for_delay is not None:
        data["reasons_outside_tool"] = True
    if reference is not None:
        data["reference"] = reference
    if phase is not None:
        data["phase"] = phase
    return data


def retract_notification(session: Session, incident_id: str, obligation: str, *, reason: str,
                         now: datetime) -> NoticeRetracted:
    """Undo the latest notice recorded by mistake: a `retracted` event; a retracted correction brings back
    the record it replaced. Returns the obligation's state afterwards (met by an earlier notice, or pending).

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
    undone = max(notices, key=lambda n: n.seq)  # the latest recorded
    with session.store.transaction():
        session.store.append_event(incident.id, kind=EventKind.RETRACTED, at=now, author=session.author,
                                   data={"obligation": obligation, "notified_seq": undone.seq, "reason": reason})
        session.changed(incident.id, f"retracted:{obligation}", now=now)
    after = session.state(incident.id)
    found = {o.rule_id: o for o in incident_obligations(session, incident.id, now=now, state=after)}.get(obligation)
    remaining = after.notifications.get(obligation, ())
    return {"incident": incident.id, "obligation": obligation, "retracted_notice_at": clock.iso(undone.at),
            "reference": undone.reference, "reason": reason, "by": session.author,
            "restored": clock.iso(undone.corrected.at) if undone.corrected else None,
            "state": found.state if found else ObligationState.NOT_APPLICABLE,
            "due_at": clock.iso(found.due_at) if found and found.due_at else None,
            "met_at": clock.iso(found.met_at) if found and found.met_at else None,
            "notices_left": len(remaining)}
