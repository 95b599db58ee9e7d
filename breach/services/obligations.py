"""The regulatory clocks of an incident: facts from its timeline, obligations, start events.

The rules and the arithmetic are pure (breach.core.regimes, breach.core.time); this
module builds their input from the fold of an incident's events and records scope and
clock start events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypedDict

from breach.adapters.rules import load_directory, load_rules, load_us_laws
from breach.core import authorities as sa
from breach.core import time as clock
from breach.core.customers import Customer
from breach.core.duty_rows import ObligationRow
from breach.core.jurisdictions import UNLOCATED, check_count, check_scope_item
from breach.core.playbook.model import JURISDICTION
from breach.core.regime_rules import ASSESSED, NOTIFY_AUTHORITY
from breach.core.regimes import (
    Advisory,
    Facts,
    Obligation,
    RecordDuty,
    advisories,
    decided_authorities,
    obligations,
    record_duties,
)
from breach.core.state import IncidentState
from breach.core.states import EventKind, ObligationState
from breach.errors import InputError
from breach.services.incidents import get_incident, parse_time
from breach.services.session import Session

#: Start events a responder records with `breach mark` (aware corrects the awareness time).
MARKABLE = ("aware", "detected", "discovered", "determined", "determined_material", "classified_major",
            "assessed_notifiable", "confirmed", "payment_made", "suspected")


@dataclass(frozen=True)
class ScopePreview:
    """What replacing an incident's scope removes: jurisdictions (code -> people), the change of the people
    of unknown location (before, after) if any, the obligations no longer triggered and those of them notified
    (they stay on record as met)."""

    removed: dict[str, int]
    unlocated: tuple[int, int] | None
    dropped: list[str]
    notified: list[str]


class ClockMarked(TypedDict):
    """`breach mark --json`: the clock start event recorded and when it happened (ISO 8601)."""

    incident: str
    event: str
    at: str


def facts_for(session: Session, state: IncidentState) -> Facts:
    """What the rules look at, from the fold (corrections already applied there)."""
    incident = state.incident
    events = dict(state.clock_events)
    events["aware"] = incident.aware_at
    events.pop("detected", None)
    if incident.detected_at:
        events["detected"] = incident.detected_at
    assessment = None
    flags: dict[str, bool] = {}
    own = [a for a in state.assessments if not a.for_customers]  # the customers' data moves no clock of ours
    if own:
        events.setdefault(ASSESSED, own[0].at)  # NDB s 26WH: the assessment was made
    if state.assessment:
        a = state.assessment
        assessment = {**a.result, "answers": dict(a.answers), "at": a.at}
        flags = {k: bool(v) for k, v in a.answers.items() if isinstance(v, bool)}
    return Facts(role=incident.role.value, aware_at=incident.aware_at, detected_at=incident.detected_at,
                 assessment=assessment, scope=dict(state.scope), unlocated=state.unlocated, events=events,
                 notifications=dict(state.notifications), org=session.org, flags=flags,
                 directory=load_directory(), us_laws=load_us_laws(),
                 customers=tuple(Customer.from_dict(c) for c in state.customers.values()))


def incident_obligations(session: Session, incident_id: str, *, now: datetime,
                         state: IncidentState | None = None) -> list[Obligation]:
    """Every obligation the incident's facts start, soonest due first; then any obligation that was
    met and that the scope no longer triggers (a met obligation never disappears from the record)."""
    return obligations_of(session, state or session.state(incident_id), now=now)


def obligations_of(session: Session, state: IncidentState, *, now: datetime) -> list[Obligation]:
    """The obligations of an incident already folded: its facts are built once and handed to the rules."""
    facts = facts_for(session, state)
    found = obligations(facts, now=now, rules=load_rules())
    return found + no_longer_triggered(state, facts, {o.rule_id for o in found}, now=now)


def no_longer_triggered(state: IncidentState, facts: Facts, current: set[str], *, now: datetime) -> list[Obligation]:
    """Obligations with a notice on record that the current scope no longer starts: each as it stood
    under the last scope that started it, marked with the time of the scope change that followed."""
    gone = [ob for ob, notices in state.notifications.items() if notices and ob not in current]
    history = state.scope_history
    out = []
    for ob in gone:
        for i in range(len(history) - 2, -1, -1):
            past = replace(facts, scope=dict(history[i].scope), unlocated=history[i].unlocated)
            row = next((o for o in obligations(past, now=now, rules=load_rules())
                        if o.rule_id == ob and o.state in (ObligationState.MET, ObligationState.LATE)),
                       None)
            if row is not None:
                out.append(replace(row, scope_changed_at=history[i + 1].at))
                break
    return out


def incident_advisories(session: Session, incident_id: str, *, state: IncidentState | None = None) -> list[Advisory]:
    """What needs a legal decision (other authorities concerned, regimes not modelled); no clock.
    An advisory legal decided not to act on (`breach decide --not-notify`) carries that decision."""
    state = state or session.state(incident_id)
    found = advisories(facts_for(session, state), rules=load_rules())
    decided = {k: d for k, d in state.decisions.items() if not d.notify}
    if not decided:
        return found
    return [replace(a, decided=decided[a.id], decision=decided_text(decided[a.id])) if a.id in decided else a
            for a in found]


def decided_text(decision: Any) -> str:
    """`decided: not notified (because ...)`, as the register and the views say it (who and when beside it)."""
    if decision.notify:
        return "decided: notify"
    return f"decided: not notified ({decision.reason})" if decision.reason else "decided: not notified"


def incident_record_duties(session: Session, incident_id: str, *,
                           state: IncidentState | None = None) -> list[RecordDuty]:
    """Register duties (keep the entry until ...), e.g. PIPEDA s 10.3."""
    state = state or session.state(incident_id)
    return record_duties(facts_for(session, state), rules=load_rules())


def set_scope(session: Session, incident_id: str, jurisdictions: list[str] | None, *, now: datetime,
              notify_authorities: list[str] | None = None, unlocated: int | None = None,
              replace_all: bool = False, yes: bool = False,
              preview: list[ScopePreview] | None = None) -> dict[str, int]:
    """Record the affected people by jurisdiction (ISO 3166: BE, US-CA, CA-ON, AU, ...), those whose
    location is unknown (`unlocated`: in every total, towards no jurisdiction's threshold), and legal's
    decision to notify more authorities than the lead one (`notify_authorities`, member state codes).

    The jurisdictions named are added or updated and the others kept; `unlocated` changes only when
    given. With `replace_all` the scope becomes exactly what is given: what it removes is put in
    `preview` (appended: jurisdictions, obligations no longer triggered, those of them notified), and a notified
    obligation among them needs `yes` (it stays on record as met). Returns the scope now recorded."""
    incident = get_incident(session, incident_id)
    given = (parse_jurisdictions(jurisdictions or [], allow_empty=unlocated is not None)
             if jurisdictions or unlocated is not None else None)
    if replace_all and given is None:
        raise InputError("--replace needs the whole new scope: --jurisdiction CODE=COUNT (or --unlocated N)")
    new_unlocated: int | None = None
    if given is not None and (unlocated is not None or UNLOCATED in given):
        new_unlocated = check_count((unlocated or 0) + given.pop(UNLOCATED, 0), what="--unlocated")
    codes = list(dict.fromkeys(c.strip().upper() for item in notify_authorities or [] for c in item.split(",")
                               if c.strip()))
    if given is None and not codes:
        raise InputError("give at least one --jurisdiction CODE=COUNT (or --notify-authority CC)")
    with session.store.transaction():
        state = session.state(incident.id)
        current, current_unlocated = dict(state.scope), state.unlocated
        if given is not None:
            if replace_all:
                current, current_unlocated = dict(given), new_unlocated or 0
                found = replace_preview(session, state, current, current_unlocated, now=now)
                if preview is not None:
                    preview.append(found)
                if found.notified and not yes:
                    raise InputError(
                        f"replacing the scope of {incident.id} leaves {', '.join(found.notified)} (notified) no "
                        "longer triggered by the scope; it stays on record as met: add --yes to replace anyway"
                        + "".join(f"\n{line}" for line in preview_lines(found)))
            else:
                current.update(given)
                current_unlocated = current_unlocated if new_unlocated is None else new_unlocated
            session.store.append_event(incident.id, kind=EventKind.SCOPE, at=now, author=session.author,
                                       data={"jurisdictions": current, "unlocated": current_unlocated,
                                             "change": "replace" if replace_all else "add",
                                             "given": {**given, **({} if new_unlocated is None
                                                                   else {UNLOCATED: new_unlocated})}})
        for code in codes:
            country = check_authority(session, state, code, current)
            record_notify_decision(session, incident.id, country, now=now)
        session.clock_moved(incident.id, now=now)  # new jurisdictions may start new clocks
    for advisory in incident_advisories(session, incident.id):
        if advisory.id.split(":")[0].endswith("-not-modelled") or advisory.id.endswith(":unlocated"):
            session.warn(f"Warning: {advisory.title}. {advisory.reason}")
    if current_unlocated:
        current[UNLOCATED] = current_unlocated
    return current


def record_notify_decision(session: Session, incident_id: str, country: str, *, now: datetime,
                           reason: str | None = None, rule_id: str = "gdpr-art33-sa") -> None:
    """Legal decided to notify the authority of `country` too: a clock event, so the fold carries it to
    the rules (breach.core.regimes.effective_rules); the advisory becomes the obligation `rule_id:CC`."""
    session.store.append_event(incident_id, kind=EventKind.CLOCK, at=now, author=session.author,
                               data={"event": f"{NOTIFY_AUTHORITY}{country}", "at": clock.iso(now),
                                     "decision": "notify the supervisory authority",
                                     "basis": sa.EDPB_REPRESENTATIVE, "obligation": f"{rule_id}:{country}",
                                     "by": session.author, **({"reason": reason} if reason else {})})


def replace_preview(session: Session, state: IncidentState, scope: dict[str, int], unlocated: int, *,
                    now: datetime) -> ScopePreview:
    """What replacing the scope with `scope` would remove: jurisdictions, and obligations it would no
    longer trigger (those notified stay on record as met)."""
    facts = facts_for(session, state)
    before = [o for o in obligations(facts, now=now, rules=load_rules()) if o.state != ObligationState.NOT_APPLICABLE]
    after = {o.rule_id for o in obligations(replace(facts, scope=dict(scope), unlocated=unlocated), now=now,
                                            rules=load_rules())
             if o.state != ObligationState.NOT_APPLICABLE}
    dropped = [o.rule_id for o in before if o.rule_id not in after]
    return ScopePreview(removed={k: v for k, v in state.scope.items() if k not in scope},
                        unlocated=(state.unlocated, unlocated) if state.unlocated != unlocated else None,
                        dropped=dropped, notified=[ob for ob in dropped if state.notifications.get(ob)])


def preview_lines(found: ScopePreview) -> list[str]:
    """What a replaced scope removes, for people."""
    lines = []
    if found.removed:
        lines.append("no longer in the scope: " + ", ".join(f"{k}={v:,}" for k, v in found.removed.items()))
    if found.unlocated:
        lines.append(f"people of unknown location: {found.unlocated[0]:,} -> {found.unlocated[1]:,}")
    if found.dropped:
        lines.append("no longer triggered: " + ", ".join(
            ob + (" (notified: stays on record as met)" if ob in found.notified else "")
            for ob in found.dropped))
    return lines


def check_authority(session: Session, state: IncidentState, code: str, scope: dict[str, int]) -> str:
    country = sa.member_state(code)
    if country is None or code != country and code != "EL":
        raise InputError(f"--notify-authority takes an EU/EEA member state code such as NL, not {code!r}")
    shape = sa.establishment(session.org)
    if not shape.one_stop_shop:
        raise InputError(f"{session.org.name} has no EU main establishment: every authority of a member "
                         f"state in scope already has its own obligation (gdpr-art33-sa:{country})")
    if country == shape.lead_country:
        raise InputError(f"{country} is the lead authority's member state: that is gdpr-art33-sa already")
    if not any(n > 0 and sa.member_state(j) == country for j, n in scope.items()):
        raise InputError(f"no affected people in {country} in the scope of {state.incident.id}: "
                         f"record them first (--jurisdiction {country}=COUNT)")
    if country in decided_authorities(facts_for(session, state)):
        raise InputError(f"gdpr-art33-sa:{country} is already an obligation of {state.incident.id}")
    return country


def parse_jurisdictions(items: list[str], *, allow_empty: bool = False) -> dict[str, int]:
    """CODE=COUNT pairs; codes are ISO 3166-1 or 3166-2 (BE, US-CA, AU, CA-ON); `unlocated=N` for
    people whose location is unknown."""
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
            if code.lower() == UNLOCATED:
                scope[UNLOCATED] = check_count(int(count), what="unlocated")
                continue
            if not JURISDICTION.match(code):
                raise InputError(f"{code!r} is not an ISO 3166 code such as BE, AU, US-CA or CA-ON")
            check_scope_item(code, count)
            scope[code] = int(count)
    if not scope and not allow_empty:
        raise InputError("give at least one --jurisdiction CODE=COUNT (or --unlocated N)")
    return scope


def mark(session: Session, incident_id: str, event: str, *, at: str | None, now: datetime) -> ClockMarked:
    """Record a clock start event (determined, classified_major, ...) on the timeline."""
    if event not in MARKABLE:
        raise InputError(f"unknown clock event {event!r}; one of: {', '.join(MARKABLE)}")
    incident = get_incident(session, incident_id)
    when = parse_time(session, at, what=event, now=now) or now
    with session.store.transaction():
        session.store.append_event(incident.id, kind=EventKind.CLOCK, at=now, author=session.author,
                                   data={"event": event, "at": clock.iso(when)})
        session.clock_moved(incident.id, now=now)
    return {"incident": incident.id, "event": event, "at": clock.iso(when)}


def obligations_section(session: Session, state: IncidentState, now: datetime) -> list[ObligationRow]:
    return [o.to_dict(session.zone) for o in incident_obligations(session, state.incident.id, now=now, state=state)]


def advisories_section(session: Session, state: IncidentState) -> list[ObligationRow]:
    return [a.to_dict(state.incident.id) for a in incident_advisories(session, state.incident.id, state=state)]
