"""Regimes as data: load the rules in breach/resources/regimes/*.yaml and compute obligations.

Pure: functions take the incident's facts and `now` and return data; nothing here
reads the clock, a database or the network. The YAML format is documented in
breach/resources/regimes/README.md; the legal facts (with sources and a status per row) come
from shared/reference/regimes.md.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from breach.core import time as clock
from breach.core.models import Notification
from breach.core.resources import shipped
from breach.core.yamlio import load_yaml, plain
from breach.errors import NotFoundError, Problem, ValidationError

REGIME_DIR = shipped("regimes")

STATUSES = ("confirmed-primary", "confirmed-secondary", "partial", "unconfirmed")
BINDINGS = ("law", "guidance")
ROLES = ("controller", "processor", "any")
MET_BY = ("any", "complete")
#: Clock start events a caller records (plus `submitted:<rule id>`, `year_end:<event>`).
EVENTS = (
    "aware", "detected", "determined", "discovered", "classified_major", "assessed_notifiable", "determined_material",
)  # fmt: skip
#: Events a responder often does not record separately fall back to awareness, so their
#: clocks run from the moment the organization knew; record the real event when it differs
#: (HIPAA "discovery" counts from when the breach would have been known, maybe earlier).
FALLBACK = {"detected": "aware", "discovered": "aware", "determined": "aware"}
#: Why a rule does not apply while its (trigger-like) start event is missing.
MISSING_START = {
    "classified_major": "not classified as a major ICT-related incident (no classified_major event)",
    "assessed_notifiable": "not assessed as a notifiable breach (no assessed_notifiable event)",
    "determined_material": "no materiality determination recorded (no determined_material event)",
}
OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq}
#: Notice phases that leave more to come (GDPR Art. 33(4) "in phases"); complete and
#: supplementary notices give the rest.
OPEN_PHASES = ("initial",)
PHASES = ("initial", "complete", "supplementary")

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CALENDAR = re.compile(r"^[A-Z]{2,4}(?:-[A-Z0-9]{1,3})?$")
_JURISDICTION = re.compile(r"^(?:\*|[A-Z]{2}(?:-[A-Z0-9]{1,3})?|[A-Z]{2}-\*)$")


@dataclass(frozen=True)
class Rule:
    id: str
    regime: str
    title: str
    recipient: str
    source: str
    status: str
    trigger: dict[str, Any]
    start: str
    period_amount: int | None
    period_unit: str
    calendar: str | None
    zone: str | None
    cap: dict[str, Any] | None
    binding: str
    content: tuple[dict[str, str], ...]
    line: int
    path: str
    role: str = "controller"
    jurisdiction: str | None = None
    recipient_from: str | None = None
    met_by: str = "any"
    note: str | None = None


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
    events: dict[str, datetime] = field(default_factory=dict)
    notifications: dict[str, tuple[Notification, ...]] = field(default_factory=dict)
    org: dict[str, Any] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)


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
    state: str  # pending | met | late | not_applicable
    reason: str | None
    met_at: datetime | None
    remaining: timedelta | None
    content: list[dict[str, str]]
    start_taken_from: str | None = None  # the event used instead, e.g. 'aware' for 'discovered'
    note: str | None = None  # caveats from the regime file (unconfirmed parts, what is not modelled)

    @property
    def overdue(self) -> bool:
        return self.state == "pending" and self.remaining is not None and self.remaining < timedelta(0)

    def to_dict(self, zone_name: str = "UTC") -> dict[str, Any]:
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
        }


# --- loading and validation -----------------------------------------------------------

RULE_KEYS = {
    "id", "title", "recipient", "recipient_from", "role", "jurisdiction", "source", "status", "binding",
    "trigger", "start", "period", "cap", "met_by", "content", "note",
}  # fmt: skip
RULE_REQUIRED = ("id", "title", "recipient", "source", "status", "binding", "start", "period")
FILE_KEYS = {"regime", "title", "source", "rules"}
PERIOD_KEYS = {"amount", "unit", "calendar", "zone"}
CAP_KEYS = {"start", "amount", "unit", "calendar", "zone"}
PEOPLE_KEYS = {"where", "op", "count", "per"}
TRIGGER_KEYS = {"assessment", "unless_assessment", "people", "flags", "submitted", "any", "basis"}


def validate_file(path: str | Path) -> list[Problem]:
    """Every problem in one regime file (a file must be valid on its own)."""
    return _check_file(Path(path))[0]


def validate_folder(folder: str | Path) -> list[Problem]:
    """Every problem in a folder of regime files, incl. ids duplicated across files."""
    return list(_check_folder(*_fingerprint(folder))[0])


def load_rules(folder: Path | None = None) -> list[Rule]:
    """All rules of a folder (default: the shipped ones), validated; raise ValidationError.

    Cached per folder (and per file size and mtime, so an edited file is read again).
    """
    problems, rules = _check_folder(*_fingerprint(folder or REGIME_DIR))
    if problems:
        raise ValidationError(list(problems))
    return list(rules)


def _fingerprint(folder: str | Path) -> tuple[str, tuple[tuple[str, int, int], ...]]:
    files = sorted(Path(folder).resolve().glob("*.yaml"))
    return str(Path(folder).resolve()), tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)


@lru_cache(maxsize=16)
def _check_folder(folder: str, files_seen: tuple) -> tuple[tuple[Problem, ...], tuple[Rule, ...]]:
    files = [Path(folder) / name for name, _, _ in files_seen]
    if not files:
        return (Problem(folder, None, "no regime files (*.yaml) found"),), ()
    problems: list[Problem] = []
    rules: list[Rule] = []
    for f in files:
        file_problems, file_rules = _check_file(f)
        problems += file_problems
        rules += file_rules
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in seen and seen[rule.id].path != rule.path:  # same-file duplicates: see _check_file
            first = f"{seen[rule.id].path}:{seen[rule.id].line}"
            problems.append(Problem(rule.path, rule.line, f"duplicate rule id {rule.id!r} (first at {first})"))
        seen.setdefault(rule.id, rule)
    return tuple(problems), tuple(rules)


def _check_file(path: Path) -> tuple[list[Problem], list[Rule]]:
    p = str(path)
    try:
        data = load_yaml(path)
    except ValidationError as exc:
        return exc.problems, []
    problems: list[Problem] = []

    def bad(line: int | None, message: str) -> None:
        problems.append(Problem(p, line, message))

    if not isinstance(data, dict):
        bad(1, "a regime file is a mapping with keys regime, title, rules")
        return problems, []
    _keys(data, FILE_KEYS, ("regime", "title", "rules"), "regime file", bad)
    regime = data.get("regime")
    if regime is not None and (not isinstance(regime, str) or regime != path.stem):
        bad(data.line_of("regime"), f"regime must be the file name without .yaml ({path.stem!r}), got {regime!r}")
    items = data.get("rules")
    if not isinstance(items, list) or not items:
        if "rules" in data:
            bad(data.line_of("rules"), "rules must be a non-empty list")
        return problems, []
    ids = {r.get("id") for r in items if isinstance(r, dict)}
    rules: list[Rule] = []
    for i, raw in enumerate(items):
        if not isinstance(raw, dict):
            bad(items.line_of(i), "each rule is a mapping")
            continue
        before = len(problems)
        _validate_rule(raw, ids, bad)
        if len(problems) == before:
            rules.append(_to_rule(raw, str(regime), p))
    seen: dict[str, int] = {}
    for raw in (r for r in items if isinstance(r, dict) and isinstance(r.get("id"), str)):
        if raw["id"] in seen:
            bad(raw.line_of("id"), f"duplicate rule id {raw['id']!r} (first at line {seen[raw['id']]})")
        seen.setdefault(raw["id"], raw.line_of("id"))
    return sorted(problems, key=lambda pr: pr.line or 0), rules


def _keys(node: dict, allowed: set[str], required: tuple[str, ...], what: str, bad) -> None:
    for key in node:
        if key not in allowed:
            bad(node.line_of(key), f"unknown key {key!r} in {what} (allowed: {', '.join(sorted(allowed))})")
    for key in required:
        if key not in node:
            bad(node.line, f"{what} is missing the key {key!r}")


def _text(node: dict, key: str, bad, *, choices: tuple[str, ...] | None = None) -> None:
    value = node.get(key)
    if value is None:
        return
    if not isinstance(value, str) or not value.strip():
        bad(node.line_of(key), f"{key} must be a non-empty text")
    elif choices and value not in choices:
        bad(node.line_of(key), f"{key} must be one of {', '.join(choices)}, got {value!r}")


def _validate_rule(raw: dict, ids: set, bad) -> None:
    what = f"rule {raw.get('id')!r}" if raw.get("id") else "rule"
    _keys(raw, RULE_KEYS, RULE_REQUIRED, what, bad)
    for key in ("id", "title", "recipient", "recipient_from", "source", "note"):
        _text(raw, key, bad)
    if isinstance(raw.get("id"), str) and not _ID.match(raw["id"]):
        bad(raw.line_of("id"), f"id must be lowercase words joined by '-', got {raw['id']!r}")
    _text(raw, "status", bad, choices=STATUSES)
    _text(raw, "binding", bad, choices=BINDINGS)
    _text(raw, "role", bad, choices=ROLES)
    _text(raw, "met_by", bad, choices=MET_BY)
    if "jurisdiction" in raw and not _jurisdiction_ok(raw["jurisdiction"], wildcard=False):
        bad(raw.line_of("jurisdiction"), f"jurisdiction must be a code like BE or US-CA, got {raw['jurisdiction']!r}")
    _validate_start(raw, "start", ids, bad)
    if "period" in raw:
        _validate_period(raw["period"], raw.line_of("period"), PERIOD_KEYS, "period", bad)
    if "cap" in raw:
        cap = raw["cap"]
        _validate_period(cap, raw.line_of("cap"), CAP_KEYS, "cap", bad)
        if isinstance(cap, dict):
            if "start" not in cap:
                bad(cap.line, "cap is missing the key 'start'")
            _validate_start(cap, "start", ids, bad)
            if cap.get("unit") == "none":
                bad(cap.line_of("unit"), "a cap needs a fixed period (unit 'none' caps nothing)")
    if "trigger" in raw:
        _validate_trigger(raw["trigger"], raw.line_of("trigger"), ids, bad)
    content = raw.get("content", [])
    if not isinstance(content, list):
        bad(raw.line_of("content"), "content must be a list of {item, source}")
        content = []
    for j, item in enumerate(content):
        if not isinstance(item, dict):
            bad(content.line_of(j), "a content entry is a mapping {item, source}")
            continue
        _keys(item, {"item", "source"}, ("item", "source"), "content entry", bad)
        _text(item, "item", bad)
        _text(item, "source", bad)


def _validate_start(node: dict, key: str, ids: set, bad) -> None:
    value = node.get(key)
    if value is None:
        return
    line = node.line_of(key)
    if not isinstance(value, str):
        bad(line, f"{key} must be an event name, got {value!r}")
        return
    kind, _, ref = value.partition(":")
    if kind == "submitted" and ref:
        if ref not in ids:
            bad(line, f"{key} refers to an unknown rule {ref!r} (submitted:<rule id in this file>)")
    elif kind == "year_end" and ref in EVENTS:
        pass
    elif value not in EVENTS:
        bad(line, f"unknown {key} event {value!r} (one of {', '.join(EVENTS)}, submitted:<rule id>, year_end:<event>)")


def _validate_period(node: Any, line: int, allowed: set[str], what: str, bad) -> None:
    if not isinstance(node, dict):
        bad(line, f"{what} must be a mapping {{amount, unit, calendar, zone}}")
        return
    _keys(node, allowed, ("unit",), what, bad)
    unit, amount = node.get("unit"), node.get("amount")
    if unit is not None and unit not in clock.UNITS:
        bad(node.line_of("unit"), f"unknown unit {unit!r} (one of {', '.join(clock.UNITS)})")
    if unit == "none":
        if amount not in (None, 0):
            bad(node.line_of("amount"), "unit 'none' (no fixed period) takes no amount")
    elif unit in clock.UNITS and (not isinstance(amount, int) or isinstance(amount, bool) or amount < 0):
        bad(node.line_of("amount") if "amount" in node else node.line, f"{what} amount must be a whole number >= 0")
    calendar = node.get("calendar")
    if unit == "business_days" and not calendar:
        bad(node.line_of("unit"), "business_days needs a holiday calendar (e.g. calendar: BR)")
    if calendar is not None and (not isinstance(calendar, str) or not _CALENDAR.match(calendar)):
        bad(node.line_of("calendar"), f"calendar must look like BR, US or US-VT, got {calendar!r}")
    if "zone" in node:
        try:
            clock.zone(str(node["zone"]))
        except Exception:  # InputError: unknown zone
            bad(node.line_of("zone"), f"unknown time zone {node['zone']!r} (an IANA name such as America/Sao_Paulo)")


def _validate_trigger(node: Any, line: int, ids: set, bad) -> None:
    if not isinstance(node, dict):
        bad(line, "trigger must be a mapping of conditions (all must hold)")
        return
    _keys(node, TRIGGER_KEYS, (), "trigger", bad)
    for key in ("assessment", "unless_assessment", "flags"):
        value = node.get(key)
        if key in node and (not isinstance(value, dict) or not value):
            bad(node.line_of(key), f"{key} must be a non-empty mapping of names to values")
        elif key == "flags" and value and any(not isinstance(v, bool) for v in value.values()):
            bad(node.line_of(key), "flags take true or false")
    people = node.get("people")
    if "people" in node:
        specs = people if isinstance(people, list) else [people]
        for spec in specs:
            _validate_people(spec, getattr(spec, "line", node.line_of("people")), bad)
    submitted = node.get("submitted")
    if "submitted" in node:
        if not isinstance(submitted, dict):
            bad(node.line_of("submitted"), "submitted must be a mapping {rule, phase}")
        else:
            _keys(submitted, {"rule", "phase"}, ("rule",), "submitted", bad)
            if submitted.get("rule") not in ids:
                bad(submitted.line_of("rule"), f"submitted refers to an unknown rule {submitted.get('rule')!r}")
            if submitted.get("phase", "complete") not in PHASES:
                bad(submitted.line_of("phase"),
                    f"phase must be initial, complete or supplementary, got {submitted['phase']!r}")
    if "any" in node:
        subs = node["any"]
        if not isinstance(subs, list) or len(subs) < 2:
            bad(node.line_of("any"), "any must list at least two conditions")
        else:
            for j, sub in enumerate(subs):
                _validate_trigger(sub, subs.line_of(j), ids, bad)
    _text(node, "basis", bad)


def _validate_people(spec: Any, line: int, bad) -> None:
    if not isinstance(spec, dict):
        bad(line, "people must be a mapping {where, op, count, per}")
        return
    _keys(spec, PEOPLE_KEYS, ("where", "op", "count"), "people", bad)
    if "where" in spec and not _jurisdiction_ok(spec["where"], wildcard=True):
        bad(spec.line_of("where"), f"where must be *, a code like US-CA, or a prefix like US-*, got {spec['where']!r}")
    if "op" in spec and spec["op"] not in OPS:
        bad(spec.line_of("op"), f"unknown operator {spec['op']!r} (one of {' '.join(OPS)}; 'more than 500' is '>')")
    count = spec.get("count")
    if "count" in spec and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
        bad(spec.line_of("count"), f"count must be a whole number >= 0, got {count!r}")
    if spec.get("per", "total") not in ("total", "jurisdiction"):
        bad(spec.line_of("per"), f"per must be total or jurisdiction, got {spec['per']!r}")


def _jurisdiction_ok(value: Any, *, wildcard: bool) -> bool:
    return isinstance(value, str) and bool(_JURISDICTION.match(value)) and (wildcard or "*" not in value)



def _to_rule(raw: dict, regime: str, path: str) -> Rule:
    period = raw["period"]
    return Rule(
        id=raw["id"],
        regime=regime,
        title=raw["title"],
        recipient=raw["recipient"],
        source=raw["source"],
        status=raw["status"],
        trigger=plain(raw.get("trigger") or {}),
        start=raw["start"],
        period_amount=period.get("amount"),
        period_unit=period["unit"],
        calendar=period.get("calendar"),
        zone=period.get("zone"),
        cap=plain(raw.get("cap")),
        binding=raw["binding"],
        content=tuple(plain(raw.get("content") or [])),
        line=raw.line,
        path=path,
        role=raw.get("role", "controller"),
        jurisdiction=raw.get("jurisdiction"),
        recipient_from=raw.get("recipient_from"),
        met_by=raw.get("met_by", "any"),
        note=raw.get("note"),
    )


# --- clocks ---------------------------------------------------------------------------


def _org_zone(facts: Facts) -> str:
    return facts.org.get("timezone") or "UTC"


def event_time(name: str, facts: Facts, *, zone_name: str | None = None) -> datetime | None:
    """When a clock start event happened, or None if it has not (yet)."""
    return _resolve(name, facts, zone_name or _org_zone(facts))[1]


def _resolve(name: str, facts: Facts, zone_name: str) -> tuple[str, datetime | None]:
    """(event actually used, its time): `events` first, then the Facts fields and fallbacks."""
    if name in facts.events:
        return name, facts.events[name]
    kind, _, ref = name.partition(":")
    if kind == "submitted":
        notices = facts.notifications.get(ref) or []
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
AWAITING_ASSESSMENT = "awaiting the risk assessment"


def _when_assessment(want: dict, facts: Facts) -> str | None:
    a = facts.assessment
    if not a:
        return AWAITING_ASSESSMENT
    for key, value in want.items():
        if a.get(key) != value:
            return f"latest assessment: {key} is {a.get(key)!r}, not {value!r}"
    return None


def _when_unless_assessment(want: dict, facts: Facts) -> str | None:
    a = facts.assessment
    if a and all(a.get(k) == v for k, v in want.items()):
        when = f" ({clock.iso(a['at'])})" if isinstance(a.get("at"), datetime) else ""
        found = ", ".join(f"{k} {v!r}" for k, v in want.items())
        return f"latest assessment{when} concluded {found}"
    return None


def _matches(where: str, jurisdiction: str) -> bool:
    return where == "*" or (where.endswith("*") and jurisdiction.startswith(where[:-1])) or where == jurisdiction


def _when_people(specs: dict | list, facts: Facts) -> str | None:
    for spec in specs if isinstance(specs, list) else [specs]:
        where, op, count = spec["where"], spec["op"], spec["count"]
        counts = [n for j, n in facts.scope.items() if _matches(where, j.upper())]
        if spec.get("per") == "jurisdiction":
            if not any(OPS[op](n, count) for n in counts):
                return f"no single {where} jurisdiction has {op} {count} people (largest: {max(counts, default=0)})"
        elif not OPS[op](sum(counts), count):
            label = "people affected" if where == "*" else f"people in {where}"
            return f"{label}: {sum(counts)}; the rule needs {op} {count}"
    return None


def _when_flags(want: dict, facts: Facts) -> str | None:
    for key, value in want.items():
        if bool(facts.flags.get(key, False)) != value:
            return f"fact {key!r} is {bool(facts.flags.get(key, False))}; the rule needs {value}"
    return None


def _when_submitted(want: dict, facts: Facts) -> str | None:
    notices = facts.notifications.get(want["rule"]) or []
    phase = want.get("phase")
    if not any(phase is None or n.phase == phase for n in notices):
        return f"no {want['rule']} notice recorded" + (f" with phase {phase!r}" if phase else "")
    return None


def _when_any(subs: list, facts: Facts) -> str | None:
    reasons = [_trigger_reason(sub, facts) for sub in subs]
    return None if any(r is None for r in reasons) else "none of: " + "; ".join(reasons)


CONDITIONS = {
    "assessment": _when_assessment,
    "unless_assessment": _when_unless_assessment,
    "people": _when_people,
    "flags": _when_flags,
    "submitted": _when_submitted,
    "any": _when_any,
}


def _trigger_reason(trigger: dict, facts: Facts) -> str | None:
    for key, value in trigger.items():
        if key in CONDITIONS and (reason := CONDITIONS[key](value, facts)):
            return f"{reason} ({trigger['basis']})" if trigger.get("basis") else reason
    return None


def _in_scope(rule: Rule, facts: Facts) -> bool:
    """Gates that drop a rule entirely: regime not in the org profile, other role, no residents."""
    if rule.regime not in (facts.org.get("regimes") or []):
        return False
    if rule.role != "any" and rule.role != facts.role:
        return False
    return not rule.jurisdiction or any(n > 0 for j, n in facts.scope.items() if j.upper() == rule.jurisdiction)


def _not_applicable(rule: Rule, facts: Facts, started_at: datetime | None) -> str | None:
    if started_at is None:
        return MISSING_START.get(rule.start, f"clock start {rule.start!r} not recorded")
    return _trigger_reason(rule.trigger, facts)


def _recipient(rule: Rule, facts: Facts) -> str:
    # GDPR Art. 56 one-stop-shop: the lead authority named in the organization profile.
    named = facts.org.get(rule.recipient_from) if rule.recipient_from else None
    return named["name"] if isinstance(named, dict) and named.get("name") else rule.recipient


def _meeting_notice(rule: Rule, facts: Facts) -> Notification | None:
    """The first recorded notice that fulfils the rule (met_by complete: not an initial one)."""
    for notice in facts.notifications.get(rule.id) or []:
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
    if not _in_scope(rule, facts):
        return None
    used, started_at = _resolve(rule.start, facts, rule.zone or _org_zone(facts))
    if started_at is None and rule.start.startswith("submitted:"):
        return None  # a chained report appears once the previous notice is recorded
    notice = _meeting_notice(rule, facts)
    reason = _not_applicable(rule, facts, started_at)
    due = deadline_for(rule, facts) if notice or not reason else None
    met_at = notice.at if notice else None
    if notice:
        state = "met" if due is None or met_at <= due else "late"
        reason = None if state == "met" else _late_reason(notice, due)
    elif reason and reason.startswith(AWAITING_ASSESSMENT):
        state = "pending"
        due = deadline_for(rule, facts)
    else:
        state = "not_applicable" if reason else "pending"
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
        remaining=due - now if state == "pending" and due is not None else None,
        content=list(rule.content),
        start_taken_from=used if used != rule.start else None,
        note=rule.note,
    )


def obligations(facts: Facts, *, now: datetime, rules: list[Rule] | None = None) -> list[Obligation]:
    """Obligations of an incident, soonest due first; no due time last, not_applicable at the end."""
    rules = load_rules() if rules is None else rules
    found = [(i, ob) for i, rule in enumerate(rules) if (ob := _obligation(rule, facts, now))]
    found.sort(
        key=lambda pair: (
            pair[1].due_at is None,
            pair[1].due_at.timestamp() if pair[1].due_at else 0.0,
            pair[1].state == "not_applicable",
            pair[0],
        )
    )
    return [ob for _, ob in found]


def find_rule(rule_id: str, rules: list[Rule] | None = None) -> Rule:
    for rule in load_rules() if rules is None else rules:
        if rule.id == rule_id:
            return rule
    raise NotFoundError(f"unknown obligation {rule_id!r} (see breach/resources/regimes/*.yaml for rule ids)")


def is_late(rule_id: str, facts: Facts, at: datetime, *, rules: list[Rule] | None = None) -> bool:
    """True if a notice for `rule_id` made `at` would be after its deadline (needs reasons)."""
    rule = find_rule(rule_id, rules)
    zone_name = rule.zone or _org_zone(facts)
    if not _in_scope(rule, facts) or _not_applicable(rule, facts, event_time(rule.start, facts, zone_name=zone_name)):
        return False
    due = deadline_for(rule, facts)
    return due is not None and at > due
