"""Regimes as data: load the rules in breach/resources/regimes/*.yaml and compute obligations.

Pure: functions take the incident's facts and `now` and return data; nothing here
reads the clock, a database or the network. The YAML format is documented in
breach/resources/regimes/README.md; the legal facts (with sources and a status per row) come
from shared/reference/regimes.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from breach.core import authorities as sa
from breach.core import customers as cust
from breach.core import time as clock
from breach.core import us_duties
from breach.core.duty_rows import ObligationRow
from breach.core.models import Notification, ObligationState
from breach.core.profile import Profile
from breach.core.regime_rules import (  # noqa: F401 - re-exported: callers import them from here
    ASSESSED,
    EVENTS,
    FALLBACK,
    MISSING_START,
    NOTIFY_AUTHORITY,
    OPEN_PHASES,
    OPS,
    PHASES,
    Rule,
    within,
)
from breach.core.wording import AWAITING_ASSESSMENT
from breach.errors import NotFoundError


@dataclass(frozen=True)
class Facts:
    """What the rules look at. The caller builds it from the incident's timeline.

    `events`: clock start times by name (see EVENTS) and `submitted:<rule id>` = time of
    the LATEST notice for that rule (derived from `notifications` when absent).
    `notifications`: rule id -> notices in order (breach.core.models.Notification); phase
    'initial' (more to follow), 'complete' or 'supplementary' (the rest).
    `assessment`: the latest assessment's result fields, plus `answers` and `at`.
    `flags`: yes/no facts that some triggers need (e.g. significant_incident for NIS2);
    a missing flag counts as False.
    """

    role: str
    aware_at: datetime
    detected_at: datetime | None = None
    assessment: dict[str, Any] | None = None
    scope: dict[str, int] = field(default_factory=dict)
    unlocated: int = 0  # people of unknown location: in every total, towards no jurisdiction's threshold
    events: dict[str, datetime] = field(default_factory=dict)
    notifications: dict[str, tuple[Notification, ...]] = field(default_factory=dict)
    org: Profile = field(default_factory=Profile)
    flags: dict[str, bool] = field(default_factory=dict)
    #: The supervisory authorities (breach.adapters.rules.load_directory): per-authority obligations are
    #: addressed from it.
    directory: sa.Directory | None = None
    #: The customers affected (processor duties, `breach scope --customers`): each gets `contract-notice:<id>`.
    customers: tuple[cust.Customer, ...] = ()
    #: The US state laws by id (US-CA), element by element (breach.adapters.rules.load_us_laws): a us-states
    #: rule applies only when its state's law covers the assessed data items. None: not consulted.
    us_laws: dict[str, dict[str, Any]] | None = None


@dataclass(frozen=True)
class Obligation:
    rule_id: str
    regime: str
    title: str
    recipient: str
    source: str
    status: str
    binding: str
    start_event: str  # the rule's clock start event
    started_at: datetime | None
    due_at: datetime | None
    state: ObligationState
    reason: str | None
    met_at: datetime | None
    remaining: timedelta | None
    content: list[dict[str, str]]
    start_taken_from: str | None = None  # the event used instead, e.g. 'aware' for 'discovered'
    note: str | None = None  # caveats from the regime file (unconfirmed parts, what is not modelled)
    # Met, then the scope changed so that it no longer applies: kept, with the time of that change.
    scope_changed_at: datetime | None = None
    # Why a US state duty arises: the statute and the element combination that triggered it.
    basis: str | None = None

    @property
    def overdue(self) -> bool:
        return self.state == ObligationState.PENDING and self.remaining is not None and self.remaining < timedelta(0)

    def to_dict(self, zone_name: str = "UTC") -> ObligationRow:
        """JSON-ready; times as ISO 8601 with the offset of `zone_name` (and UTC for due_at)."""

        def local(value: datetime | None, name: str = zone_name) -> str | None:
            return clock.iso(clock.in_zone(value, name)) if value is not None else None

        seconds = int(self.remaining.total_seconds()) if self.remaining is not None else None
        return {
            "obligation": self.rule_id,
            "regime": self.regime,
            "title": self.title,
            "recipient": self.recipient,
            "due_at": local(self.due_at),
            "due_at_utc": local(self.due_at, "UTC"),
            "state": self.state,
            "overdue": self.overdue,
            "remaining_seconds": seconds,
            "reason": self.reason,
            "start_event": self.start_event,
            "start_taken_from": self.start_taken_from,
            "started_at": local(self.started_at),
            "source": self.source,
            "status": self.status,
            "binding": self.binding,
            "met_at": local(self.met_at),
            "note": self.note,
            "no_longer_triggered": self.scope_changed_at is not None,
            "scope_changed_at": local(self.scope_changed_at),
            "basis": self.basis,
        }


# --- clocks ---------------------------------------------------------------------------


def _org_zone(facts: Facts) -> str:
    return facts.org.timezone or "UTC"


def event_time(name: str, facts: Facts, *, zone_name: str | None = None) -> datetime | None:
    """When a clock start event happened, or None if it has not (yet)."""
    return _resolve(name, facts, zone_name or _org_zone(facts))[1]


def _resolve(name: str, facts: Facts, zone_name: str) -> tuple[str, datetime | None]:
    """(event actually used, its time): `events` first, then the Facts fields and fallbacks."""
    if name in facts.events:
        return name, facts.events[name]
    kind, _, ref = name.partition(":")
    if kind == "submitted":
        notices = facts.notifications.get(ref) or ()
        return name, notices[-1].at if notices else None
    if kind == "year_end":
        # HIPAA 164.408(c): "60 days after the end of each calendar year" of discovery.
        used, at = _resolve(ref, facts, zone_name)
        if at is None:
            return name, None
        year = clock.in_zone(at, zone_name).year
        return f"year_end:{used}", datetime(year + 1, 1, 1, tzinfo=clock.zone(zone_name))
    if name == "aware":
        return name, facts.aware_at
    if name == "detected" and facts.detected_at is not None:
        return name, facts.detected_at
    return _resolve(FALLBACK[name], facts, zone_name) if name in FALLBACK else (name, None)


def _add(start: datetime, spec: dict[str, Any], zone_name: str) -> datetime | None:
    return clock.add_period(
        start,
        amount=spec.get("amount") or 0,
        unit=spec["unit"],
        zone_name=spec.get("zone") or zone_name,
        calendar=spec.get("calendar"),
    )


def deadline_for(rule: Rule, facts: Facts) -> datetime | None:
    """Due time of a rule: start + period, capped (min) by `cap`; None = no fixed time."""
    zone_name = rule.zone or _org_zone(facts)
    start = event_time(rule.start, facts, zone_name=zone_name)
    if start is None:
        return None
    period = {"amount": rule.period_amount, "unit": rule.period_unit, "calendar": rule.calendar}
    due = _add(start, period, zone_name)
    if rule.cap:
        # e.g. DORA RTS 2025/301 Art. 5: 4 h from classification "and no later than
        # 24 hours" from awareness; an unrecorded cap event caps nothing yet.
        cap_start = event_time(rule.cap["start"], facts, zone_name=zone_name)
        capped = _add(cap_start, rule.cap, zone_name) if cap_start else None
        if capped is not None:
            due = capped if due is None else min(due, capped)
    return due


# --- triggers (a registry: condition name -> check returning a reason or None) ---------


#: Before any assessment a rule that depends on its outcome is undecided, not "not applicable".


def _when_assessment(want: dict[str, Any], facts: Facts) -> str | None:
    a = facts.assessment
    if not a:
        return AWAITING_ASSESSMENT
    for key, value in want.items():
        if a.get(key) != value:
            return f"latest assessment: {key} is {a.get(key)!r}, not {value!r}"
    return None


def _when_unless_assessment(want: dict[str, Any], facts: Facts) -> str | None:
    a = facts.assessment
    if a and all(a.get(k) == v for k, v in want.items()):
        when = f" ({clock.iso(a['at'])})" if isinstance(a.get("at"), datetime) else ""
        found = ", ".join(f"{k} {v!r}" for k, v in want.items())
        return f"latest assessment{when} concluded {found}"
    return None


def _matches(where: str, jurisdiction: str) -> bool:
    return where == "*" or (where.endswith("*") and jurisdiction.startswith(where[:-1])) or where == jurisdiction


def _when_people(specs: dict[str, Any] | list[Any], facts: Facts) -> str | None:
    for spec in specs if isinstance(specs, list) else [specs]:
        where, op, count = spec["where"], spec["op"], spec["count"]
        counts = [n for j, n in facts.scope.items() if _matches(where, j.upper())]
        if spec.get("per") == "jurisdiction":
            if not any(OPS[op](n, count) for n in counts):
                return f"no single {where} jurisdiction has {op} {count} people (largest: {max(counts, default=0)})"
        else:
            total = sum(counts) + (facts.unlocated if where == "*" else 0)
            if not OPS[op](total, count):
                label = "people affected" if where == "*" else f"people in {where}"
                return f"{label}: {total}; the rule needs {op} {count}"
    return None


def _when_flags(want: dict[str, Any], facts: Facts) -> str | None:
    for key, value in want.items():
        if bool(facts.flags.get(key, False)) != value:
            return f"fact {key!r} is {bool(facts.flags.get(key, False))}; the rule needs {value}"
    return None


def _when_submitted(want: dict[str, Any], facts: Facts) -> str | None:
    notices = facts.notifications.get(want["rule"]) or ()
    phase = want.get("phase")
    if not any(phase is None or n.phase == phase for n in notices):
        return f"no {want['rule']} notice recorded" + (f" with phase {phase!r}" if phase else "")
    return None


def _when_any(subs: list[Any], facts: Facts) -> str | None:
    reasons = [_trigger_reason(sub, facts) for sub in subs]
    unmet = [r for r in reasons if r is not None]
    return None if len(unmet) != len(reasons) else "none of: " + "; ".join(unmet)


CONDITIONS: dict[str, Callable[[Any, Facts], str | None]] = {
    "assessment": _when_assessment,
    "unless_assessment": _when_unless_assessment,
    "people": _when_people,
    "flags": _when_flags,
    "submitted": _when_submitted,
    "any": _when_any,
}


def _trigger_reason(trigger: dict[str, Any], facts: Facts) -> str | None:
    for key, value in trigger.items():
        if key in CONDITIONS and (reason := CONDITIONS[key](value, facts)):
            return f"{reason} ({trigger['basis']})" if trigger.get("basis") else reason
    return None


def _counts_for(rule: Rule, code: str) -> bool:
    """People in `code` count for the rule: within its jurisdiction, not in one it does not model."""
    if rule.authority:
        return sa.member_state(code) == rule.authority
    if not rule.jurisdiction:
        return True  # a rule without a jurisdiction counts everyone (see _in_scope)
    return within(rule.jurisdiction, code) and not any(within(n["jurisdiction"], code) for n in rule.not_modelled)


def _enabled(rule: Rule, facts: Facts) -> bool:
    """The regime is in the organization's profile and the rule is for the incident's role."""
    if rule.regime not in facts.org.regimes:
        return False
    # An incident with customers also holds the processor's duties for their data (GDPR Art. 33(2)).
    return rule.role in ("any", facts.role) or (rule.role == "processor" and bool(facts.customers))


def _in_scope(rule: Rule, facts: Facts) -> bool:
    """Gates that drop a rule entirely: regime not in the org profile, other role, no people there."""
    if not _enabled(rule, facts):
        return False
    return not rule.jurisdiction or any(n > 0 for j, n in facts.scope.items() if _counts_for(rule, j))


# --- every authority concerned (GDPR Art. 33 with Art. 56) -------------------------------


def decided_authorities(facts: Facts) -> list[str]:
    """Member states legal decided to notify besides the lead authority (`breach scope --notify-authority`)."""
    return sorted(name[len(NOTIFY_AUTHORITY):] for name in facts.events if name.startswith(NOTIFY_AUTHORITY))


def _per_authority_states(facts: Facts, shape: sa.Establishment) -> list[str]:
    if shape.one_stop_shop:
        return [cc for cc in decided_authorities(facts) if cc != shape.lead_country]
    # No EU main establishment: every authority where affected people live (EDPB 9/2022 para 73).
    return sa.member_states_in_scope(facts.scope)


def _for_authority(rule: Rule, country: str, org: Profile | None, per_authority_ids: set[str],
                   directory: sa.Directory | None) -> Rule:
    """`gdpr-art33-sa` -> `gdpr-art33-sa:NL`, addressed to that member state's authority."""
    found = sa.concerned(country, org, directory=directory)

    def derived(ref: str) -> str:
        return f"{ref}:{country}" if ref in per_authority_ids else ref

    start = rule.start
    kind, _, ref = start.partition(":")
    if kind == "submitted":
        start = f"submitted:{derived(ref)}"
    trigger = dict(rule.trigger)
    if isinstance(trigger.get("submitted"), dict):
        trigger["submitted"] = {**trigger["submitted"], "rule": derived(trigger["submitted"]["rule"])}
    langs = ", ".join(found.languages)
    portal = found.authority.portal if found.authority else None
    where = f"portal {portal['url']} ({portal['status']})" if portal else "portal not known: see the authority's site"
    decided = "" if found.determined else f" {found.why}."
    note = (f"Authority of {country}: languages accepted {langs}; {where}; directory data {found.status} "
            f"(breach/resources/authorities.yaml).{decided}")
    return replace(
        rule, id=f"{rule.id}:{country}", recipient=found.recipient, recipient_from=None, start=start,
        trigger=trigger, jurisdiction=country, authority=country, per_authority=False,
        note=f"{rule.note} {note}" if rule.note else note,
    )


def effective_rules(rules: list[Rule], facts: Facts) -> list[Rule]:
    """The rules for this incident: a per-authority rule stays the lead authority's under the
    one-stop-shop (plus the authorities legal decided to notify), or becomes one rule per
    member state in scope when no controller has an EU main establishment (Art. 27 case)."""
    per_authority = [r for r in rules if r.per_authority]
    if not per_authority:
        return list(rules)
    shape = sa.establishment(facts.org)
    states = _per_authority_states(facts, shape)
    ids = {r.id for r in per_authority}
    out: list[Rule] = []
    for rule in rules:
        if not rule.per_authority:
            out.append(rule)
            continue
        if shape.one_stop_shop:
            out.append(rule)
        out += [_for_authority(rule, cc, facts.org, ids, facts.directory) for cc in states]
    return out


def _not_applicable(rule: Rule, facts: Facts, started_at: datetime | None) -> str | None:
    if started_at is None:
        return MISSING_START.get(rule.start, f"clock start {rule.start!r} not recorded")
    return _trigger_reason(rule.trigger, facts) or _us_state_reason(rule, facts)


def _us_law(rule: Rule, facts: Facts) -> dict[str, Any] | None:
    """The state law a us-states rule rests on, when the laws table was handed in."""
    if rule.regime != "us-states" or not facts.us_laws:
        return None
    return facts.us_laws.get((rule.jurisdiction or "").upper())


def _us_state_reason(rule: Rule, facts: Facts) -> str | None:
    """Not applicable: the state's law does not cover the assessed data (no combination, safe harbour)."""
    law = _us_law(rule, facts)
    found = us_duties.finding(law, facts.assessment) if law else None
    if law is None or found is None or found.applies:
        return None
    items = (facts.assessment or {}).get("answers", {}).get("data_items") or []
    return us_duties.reason(law, found, items)


def _us_state_basis(rule: Rule, facts: Facts) -> str | None:
    """Which element combination makes the state's duty arise (None: not a US state rule, or undecided)."""
    law = _us_law(rule, facts)
    found = us_duties.finding(law, facts.assessment) if law else None
    return us_duties.basis(law, found) if law and found and found.applies else None


def _recipient(rule: Rule, facts: Facts) -> str:
    if rule.authority:
        return sa.concerned(rule.authority, facts.org, directory=facts.directory).recipient
    # GDPR Art. 56 one-stop-shop: the lead authority named in the organization profile.
    named = facts.org.named(rule.recipient_from) if rule.recipient_from else None
    return named or rule.recipient


def _meeting_notice(rule: Rule, facts: Facts) -> Notification | None:
    """The first recorded notice that fulfils the rule (met_by final: not a phased one).

    met_by assessed: the first completed risk assessment is what the rule asks for (NDB s 26WH).
    """
    if rule.met_by == ASSESSED:
        at = facts.events.get(ASSESSED)
        return Notification(obligation=rule.id, at=at, recorded_at=at, by="") if at else None
    notices = list(facts.notifications.get(rule.id) or [])
    kind, _, ref = rule.start.partition(":")
    if kind == "submitted" and rule.met_by != "any":
        # GDPR Art. 33(4): after an initial notice, a complete or supplementary notice recorded on the
        # same duty (breach notified ID gdpr-art33-sa --supplementary) gives the rest: it is the follow-up.
        earlier = facts.notifications.get(ref) or ()
        first = next((i for i, n in enumerate(earlier) if n.phase in OPEN_PHASES), None)
        if first is not None:
            notices += [n for n in earlier[first + 1:] if n.phase not in OPEN_PHASES]
            notices.sort(key=lambda n: n.at)
    for notice in notices:
        if rule.met_by == "any" or notice.phase not in OPEN_PHASES:
            return notice
    return None


def _late_reason(notice: Notification, due: datetime) -> str:
    delay = clock.humanize(notice.at - due)
    reasons = notice.reasons_for_delay
    if isinstance(reasons, dict):  # as given in the approved notice, per language: the English here
        reasons = reasons.get("en") or next(iter(reasons.values()), None)
    # GDPR Art. 33(1): a notice after 72 h "shall be accompanied by reasons for the delay".
    tail = f"; reasons for the delay: {reasons}" if reasons else "; no reasons for the delay recorded"
    return f"notified {delay} after the deadline{tail}"


def _obligation(rule: Rule, facts: Facts, now: datetime) -> Obligation | None:
    if rule.duty != "notice" or not _in_scope(rule, facts):
        return None
    used, started_at = _resolve(rule.start, facts, rule.zone or _org_zone(facts))
    if started_at is None and rule.start.startswith("submitted:"):
        return None  # a chained report appears once the previous notice is recorded
    notice = _meeting_notice(rule, facts)
    reason = _not_applicable(rule, facts, started_at)
    due = deadline_for(rule, facts) if notice or not reason else None
    met_at = notice.at if notice else None
    if notice:
        if due is None or notice.at <= due:
            state, reason = ObligationState.MET, None
        else:
            state, reason = ObligationState.LATE, _late_reason(notice, due)
            if rule.met_by == ASSESSED:
                reason = f"assessed {clock.humanize(notice.at - due)} after the deadline"
    elif reason and reason.startswith(AWAITING_ASSESSMENT):
        state = ObligationState.PENDING
        due = deadline_for(rule, facts)
    else:
        state = ObligationState.NOT_APPLICABLE if reason else ObligationState.PENDING
    return Obligation(
        rule_id=rule.id,
        regime=rule.regime,
        title=rule.title,
        recipient=_recipient(rule, facts),
        source=rule.source,
        status=rule.status,
        binding=rule.binding,
        start_event=rule.start,
        started_at=started_at,
        due_at=due,
        state=state,
        reason=reason,
        met_at=met_at,
        remaining=due - now if state == ObligationState.PENDING and due is not None else None,
        content=list(rule.content),
        start_taken_from=used if used != rule.start else None,
        note=rule.note,
        basis=_us_state_basis(rule, facts),
    )


def obligations(facts: Facts, *, now: datetime, rules: list[Rule]) -> list[Obligation]:
    """Obligations of an incident, soonest due first; no due time last, not_applicable at the end."""
    rules = effective_rules(rules, facts)
    found = [(i, ob) for i, rule in enumerate(rules) if (ob := _obligation(rule, facts, now))]
    windows = customer_obligations(facts, now=now)
    found = [(i, processor_duty_from_windows(ob, windows)) for i, ob in found]
    found += [(len(rules), ob) for ob in windows]
    found.sort(
        key=lambda pair: (
            pair[1].due_at is None,
            pair[1].due_at.timestamp() if pair[1].due_at else 0.0,
            pair[1].state == ObligationState.NOT_APPLICABLE,
            pair[0],
        )
    )
    return [ob for _, ob in found]


def processor_duty_from_windows(ob: Obligation, windows: list[Obligation]) -> Obligation:
    """GDPR Art. 33(2) towards the customers (the controllers): met once every customer's notice is
    recorded (the last one's time), else pending with the count; the contracts' windows are the clocks.
    An Art. 33(2) notice recorded on its own (`breach notified ID gdpr-art33-processor`) stands as it is."""
    if ob.rule_id != "gdpr-art33-processor" or not windows or ob.state != ObligationState.PENDING:
        return ob
    done = [w for w in windows if w.state in (ObligationState.MET, ObligationState.LATE) and w.met_at is not None]
    if len(done) == len(windows):
        last = max(w.met_at for w in done if w.met_at is not None)
        return replace(ob, state=ObligationState.MET, met_at=last,
                       recipient=f"the {len(windows):,} customers (controllers)",
                       reason=f"every customer notified (contract-notice:*), the last at {clock.iso(last)}")
    return replace(ob, recipient=f"the {len(windows):,} customers (controllers)",
                   reason=f"{len(done):,} of {len(windows):,} customers notified; each contract's window is its "
                          "contract-notice:<id> clock")


def customer_obligations(facts: Facts, *, now: datetime) -> list[Obligation]:
    """`contract-notice:<id>` for each affected customer: due = start event + the contract's window; the
    statutory duty (GDPR Art. 33(2), "without undue delay") is said beside it."""
    out = []
    for k in cust.clocks(facts.customers, aware=facts.aware_at, detected=facts.detected_at,
                         notifications=facts.notifications):
        c = k.customer
        form = f"; form: {c.form}" if c.form else ""
        channel = f"; channel: {c.channel}" if c.channel else ""
        out.append(Obligation(
            rule_id=k.obligation, regime="contract", title=f"Notify customer {c.name} (contract window "
            f"{c.window_hours} h from {c.window_from})", recipient=f"{c.name} <{', '.join(c.emails)}>",
            source=f"Data processing agreement with {c.name}; {cust.ART_33_2}", status="contract",
            binding="contract", start_event=c.window_from, started_at=k.started_at, due_at=k.due_at,
            state=k.state, reason=cust.late_reason(k), met_at=k.met_at,
            remaining=k.due_at - now if k.state == ObligationState.PENDING else None, content=[],
            note=f"{cust.ART_33_2}: the processor notifies the controller without undue delay; the contract "
                 f"allows at most {c.window_hours} h{channel}{form}."))
    return out


def find_rule(rule_id: str, rules: list[Rule], *, facts: Facts | None = None,
              directory: sa.Directory | None = None) -> Rule:
    """A rule by id, incl. one derived for an authority (`gdpr-art33-sa:NL`); with `facts`, as it
    applies to that incident (its recipient, e.g. the German Land when the profile tells)."""
    for rule in effective_rules(rules, facts) if facts is not None else rules:
        if rule.id == rule_id:
            return rule
    base, _, code = rule_id.partition(":")
    country = sa.member_state(code) if code else None
    per_authority = {r.id for r in rules if r.per_authority}
    if country and code.upper() == country and base in per_authority:
        rule = next(r for r in rules if r.id == base)
        return _for_authority(rule, country, facts.org if facts else None, per_authority,
                              facts.directory if facts else directory)
    raise NotFoundError(f"unknown obligation {rule_id!r} (see breach/resources/regimes/*.yaml for rule ids; "
                        "gdpr-art33-sa:CC for the authority of member state CC)")


def is_late(rule_id: str, facts: Facts, at: datetime, *, rules: list[Rule]) -> bool:
    """True if a notice for `rule_id` made `at` would be after its deadline (needs reasons)."""
    rule = find_rule(rule_id, rules, facts=facts)
    zone_name = rule.zone or _org_zone(facts)
    if not _in_scope(rule, facts) or _not_applicable(rule, facts, event_time(rule.start, facts, zone_name=zone_name)):
        return False
    due = deadline_for(rule, facts)
    return due is not None and at > due


# --- what needs a legal decision, and what must be kept ---------------------------------


@dataclass(frozen=True)
class Advisory:
    """Not an obligation: something counsel must decide. It has no clock and does not block closing."""

    id: str  # the obligation it would become (gdpr-art33-sa:NL), or what it is about
    regime: str
    title: str
    recipient: str
    jurisdiction: str | None
    reason: str
    source: str
    status: str
    action: str | None = None  # the command that turns it into an obligation ("ID" = the incident)
    decision: str = sa.NEEDS_DECISION
    note: str | None = None
    # Legal decided not to notify (`breach decide ID OBLIGATION --not-notify --reason ...`): a
    # breach.core.state.Decision; the row's state is then `decided`.
    decided: Any = None

    def to_dict(self, incident_id: str | None = None) -> ObligationRow:
        """Shaped like an obligation row (state `advisory`, no due time), so lists of both stay uniform."""
        action = self.action.replace(" ID ", f" {incident_id} ") if self.action and incident_id else self.action
        d = self.decided
        return {
            "obligation": self.id, "regime": self.regime, "title": self.title, "recipient": self.recipient,
            "due_at": None, "due_at_utc": None,
            "state": ObligationState.DECIDED if d else ObligationState.ADVISORY, "overdue": False,
            "remaining_seconds": None, "reason": self.reason, "start_event": None, "start_taken_from": None,
            "started_at": None, "source": self.source, "status": self.status, "binding": "advisory", "met_at": None,
            "note": self.note, "advisory": True, "decision": self.decision, "action": None if d else action,
            "jurisdiction": self.jurisdiction,
            "decided": {"notify": d.notify, "reason": d.reason, "by": d.by, "at": clock.iso(d.at)} if d else None,
        }


def advisories(facts: Facts, *, rules: list[Rule]) -> list[Advisory]:
    """Authorities that may be concerned beyond the lead one, a missing scope in the Art. 27 case,
    and jurisdictions with a regime of their own that no rule file models."""
    shape = sa.establishment(facts.org)
    states = sa.member_states_in_scope(facts.scope)
    out: list[Advisory] = []
    for rule in rules:
        if not rule.per_authority or rule.start.startswith("submitted:") or not _enabled(rule, facts):
            continue
        reason = _trigger_reason(rule.trigger, facts)
        if reason and not reason.startswith(AWAITING_ASSESSMENT):
            continue  # no duty towards any authority (e.g. unlikely to result in a risk)
        if shape.one_stop_shop and shape.without:
            lead = _recipient(rule, facts)
            decided = set(decided_authorities(facts))
            for cc in (s for s in states if s != shape.lead_country and s not in decided):
                found = sa.concerned(cc, facts.org, directory=facts.directory)
                people = sum(n for j, n in facts.scope.items() if sa.member_state(j) == cc)
                out.append(Advisory(
                    id=f"{rule.id}:{cc}", regime=rule.regime, jurisdiction=cc, recipient=found.recipient,
                    title=f"Decide whether {found.recipient} must be notified too",
                    reason=(f"{people} people affected in {cc}. {', '.join(shape.without)} is a joint controller "
                            f"without an EU main establishment: for it the lead authority ({lead}) may not be the "
                            f"only one concerned. {sa.NEEDS_DECISION.capitalize()}."
                            + ("" if found.determined else f" {found.why}.")),
                    source=f"{sa.EDPB_REPRESENTATIVE}; GDPR Arts. 26, 27, 33 and 56",
                    status=found.status, action=f"breach scope ID --notify-authority {cc}",
                ))
        elif not shape.one_stop_shop and not states:
            out.append(Advisory(
                id=f"{rule.id}:scope", regime=rule.regime, jurisdiction=None,
                recipient="every supervisory authority of a member state where affected people live",
                title="Record where the affected people live: each member state's authority gets its own notice",
                reason=("No controller has an EU main establishment, so there is no lead authority; the notices "
                        "(one per member state) appear once the scope names EU/EEA member states."
                        if not facts.scope else "The scope names no EU/EEA member state."),
                source=f"{sa.EDPB_REPRESENTATIVE}; GDPR Art. 33(1)", status=rule.status,
                action="breach scope ID --jurisdiction CC=COUNT",
            ))
    out += _unlocated_could_cross(facts, rules)
    seen: set[tuple[str, str]] = set()
    for rule in rules:
        if not rule.not_modelled or not _enabled(rule, facts):
            continue
        for entry in rule.not_modelled:
            code = entry["jurisdiction"]
            people = sum(n for j, n in facts.scope.items() if within(code, j))
            if people <= 0 or (rule.regime, code) in seen:
                continue
            seen.add((rule.regime, code))
            out.append(Advisory(
                id=f"{rule.regime}-not-modelled:{code}", regime=rule.regime, jurisdiction=code,
                recipient=entry.get("recipient") or "not modelled",
                title=f"{entry['regime']}: not modelled by breach",
                reason=f"{people} people affected in {code}. {entry['note']}", source=entry["source"],
                status=entry["status"],
            ))
    return out


def _unlocated_could_cross(facts: Facts, rules: list[Rule]) -> list[Advisory]:
    """People of unknown location count towards no jurisdiction's threshold; say when they could
    push one over it (e.g. a state attorney general's "more than 500 residents")."""
    if facts.unlocated <= 0:
        return []
    out = []
    for rule in rules:
        if rule.duty != "notice" or not _enabled(rule, facts):
            continue
        people = rule.trigger.get("people")
        for spec in people if isinstance(people, list) else [people] if people else []:
            where, op, count = spec["where"], spec["op"], spec["count"]
            if where == "*" or op not in (">", ">="):
                continue
            counts = [n for j, n in facts.scope.items() if _matches(where, j.upper())]
            now_total = max(counts, default=0) if spec.get("per") == "jurisdiction" else sum(counts)
            # Only where people are known to live: anywhere else is a guess the scope cannot make.
            if now_total > 0 and not OPS[op](now_total, count) and OPS[op](now_total + facts.unlocated, count):
                out.append(Advisory(
                    id=f"{rule.id}:unlocated", regime=rule.regime, jurisdiction=where, recipient=rule.recipient,
                    title=f"Find out where the people of unknown location live: {rule.id} may apply",
                    reason=(f"{now_total} people known in {where}; the rule needs {op} {count}, and "
                            f"{facts.unlocated} people of unknown location could push it over"),
                    source=rule.source, status=rule.status, decision="needs checking",
                    action="breach scope ID --jurisdiction CC=COUNT --unlocated N",
                ))
                break
    return out


@dataclass(frozen=True)
class RecordDuty:
    """A duty to keep the register entry (not to send anything), e.g. PIPEDA s 10.3: 24 months."""

    rule_id: str
    regime: str
    title: str
    source: str
    status: str
    started_at: datetime | None
    keep_until: datetime | None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"duty": self.rule_id, "regime": self.regime, "title": self.title,
                "started_at": clock.iso(self.started_at) if self.started_at else None,
                "keep_until": clock.iso(self.keep_until) if self.keep_until else None,
                "source": self.source, "status": self.status, "note": self.note}


def record_duties(facts: Facts, *, rules: list[Rule]) -> list[RecordDuty]:
    """Register duties of the incident (rules with `duty: record` whose regime applies)."""
    out = []
    for rule in rules:
        if rule.duty != "record" or not _in_scope(rule, facts) or _trigger_reason(rule.trigger, facts):
            continue
        started = event_time(rule.start, facts, zone_name=rule.zone or _org_zone(facts))
        out.append(RecordDuty(rule_id=rule.id, regime=rule.regime, title=rule.title, source=rule.source,
                              status=rule.status, started_at=started, keep_until=deadline_for(rule, facts),
                              note=rule.note))
    return out
