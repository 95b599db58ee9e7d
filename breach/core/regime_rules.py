"""Regime rule files: the constants of the format, the `Rule` record, and validation.

One YAML file per regime in breach/resources/regimes/ (format in its README.md). Validation
collects every problem at once, each with its file and line; breach.core.regimes evaluates
the rules against an incident's facts. Pure: breach.adapters.rules reads the files.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from typing import Any

from breach.core import time as clock
from breach.core.sources import Checked, checked_of, validate_checked
from breach.core.states import Phase
from breach.core.yamlio import Bad, LineDict, LineList, plain
from breach.errors import Problem

STATUSES = ("confirmed-primary", "confirmed-secondary", "partial", "unconfirmed")
BINDINGS = ("law", "guidance")
ROLES = ("controller", "processor", "any")
MET_BY = ("any", Phase.COMPLETE, "assessed")
#: `notice`: something to send (an obligation in `breach status`); `record`: something to keep
#: (a register duty, e.g. PIPEDA s 10.3: a record of every breach for 24 months).
DUTIES = ("notice", "record")
#: Clock start events a caller records (plus `submitted:<rule id>`, `year_end:<event>`).
EVENTS = (
    "aware", "detected", "determined", "discovered", "classified_major", "assessed_notifiable", "determined_material",
    "suspected",
)  # fmt: skip
#: Events a responder often does not record separately fall back to awareness, so their
#: clocks run from the moment the organization knew; record the real event when it differs
#: (HIPAA "discovery" counts from when the breach would have been known, maybe earlier).
#: `suspected` (Australia s 26WH: "reasonable grounds to suspect") falls back to detection,
#: which itself falls back to awareness: the earliest recorded moment counts.
FALLBACK = {"detected": "aware", "discovered": "aware", "determined": "aware", "suspected": "detected"}
#: The event `met_by: assessed` looks at: the first completed risk assessment.
ASSESSED = "assessed"
#: Clock event recording legal's decision to notify one more authority (`breach scope --notify-authority`).
NOTIFY_AUTHORITY = "notify_authority:"
#: Why a rule does not apply while its (trigger-like) start event is missing.
MISSING_START = {
    "classified_major": "not classified as a major ICT-related incident (no classified_major event)",
    "assessed_notifiable": "not assessed as a notifiable breach (no assessed_notifiable event)",
    "determined_material": "no materiality determination recorded (no determined_material event)",
}
OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq}
#: Notice phases that leave more to come (GDPR Art. 33(4) "in phases"); complete and
#: supplementary notices give the rest.
OPEN_PHASES = (Phase.INITIAL,)
#: Phases of a notice to the supervisory authority (GDPR Art. 33(4); the Belgian DPA form's
#: "type of notification"): initial (more to follow), complete, supplementary (to an earlier one).
PHASES = tuple(Phase)

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
    #: One obligation per supervisory authority concerned (GDPR Art. 33 with Art. 56).
    per_authority: bool = False
    #: Set on a rule derived for one member state's authority (`gdpr-art33-sa:NL`).
    authority: str | None = None
    duty: str = "notice"
    #: Jurisdictions under `jurisdiction` that this file does not model (CA-AB, CA-QC):
    #: their people do not count here, and they raise an advisory instead.
    not_modelled: tuple[dict[str, str], ...] = ()
    #: Our own reading of the source (status stays the reference's mark): breach.core.sources.
    checked: Checked | None = None


def within(parent: str, code: str) -> bool:
    """`CA-ON` is within `CA`; `US-CA` within `US-CA`; `CAN` is not within `CA`."""
    code, parent = code.upper(), parent.upper()
    return code == parent or code.startswith(parent + "-")


# --- loading and validation -----------------------------------------------------------

RULE_KEYS = {
    "id", "title", "recipient", "recipient_from", "role", "jurisdiction", "source", "status", "binding",
    "trigger", "start", "period", "cap", "met_by", "content", "note", "per_authority", "duty", "checked",
}  # fmt: skip
RULE_REQUIRED = ("id", "title", "recipient", "source", "status", "binding", "start", "period")
FILE_KEYS = {"regime", "title", "source", "rules", "not_modelled"}
NOT_MODELLED_KEYS = {"jurisdiction", "regime", "recipient", "note", "source", "status"}
PERIOD_KEYS = {"amount", "unit", "calendar", "zone"}
CAP_KEYS = {"start", "amount", "unit", "calendar", "zone"}
PEOPLE_KEYS = {"where", "op", "count", "per"}
TRIGGER_KEYS = {"assessment", "unless_assessment", "people", "flags", "submitted", "any", "basis"}


def check_rule_set(checked: list[tuple[list[Problem], list[Rule]]], folder: str) -> tuple[list[Problem], list[Rule]]:
    """The problems and rules of a folder's files (each `check_regime_file`), plus ids duplicated across files."""
    if not checked:
        return [Problem(folder, None, "no regime files (*.yaml) found")], []
    problems: list[Problem] = []
    rules: list[Rule] = []
    for file_problems, file_rules in checked:
        problems += file_problems
        rules += file_rules
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in seen and seen[rule.id].path != rule.path:  # same-file duplicates: see check_regime_file
            first = f"{seen[rule.id].path}:{seen[rule.id].line}"
            problems.append(Problem(rule.path, rule.line, f"duplicate rule id {rule.id!r} (first at {first})"))
        seen.setdefault(rule.id, rule)
    return problems, rules


def check_regime_file(data: Any, p: str, stem: str) -> tuple[list[Problem], list[Rule]]:
    """The problems and the valid rules of one parsed regime file `p` (named `stem`.yaml)."""
    problems: list[Problem] = []

    def bad(line: int | None, message: str) -> None:
        problems.append(Problem(p, line, message))

    if not isinstance(data, LineDict):
        bad(1, "a regime file is a mapping with keys regime, title, rules")
        return problems, []
    _keys(data, FILE_KEYS, ("regime", "title", "rules"), "regime file", bad)
    regime = data.get("regime")
    if regime is not None and (not isinstance(regime, str) or regime != stem):
        bad(data.line_of("regime"), f"regime must be the file name without .yaml ({stem!r}), got {regime!r}")
    items = data.get("rules")
    if not isinstance(items, LineList) or not items:
        if "rules" in data:
            bad(data.line_of("rules"), "rules must be a non-empty list")
        return problems, []
    ids = {r.get("id") for r in items if isinstance(r, dict)}
    not_modelled = _validate_not_modelled(data, bad)
    rules: list[Rule] = []
    for i, raw in enumerate(items):
        if not isinstance(raw, LineDict):
            bad(items.line_of(i), "each rule is a mapping")
            continue
        before = len(problems)
        _validate_rule(raw, ids, bad)
        if len(problems) == before:
            rules.append(_to_rule(raw, str(regime), p, not_modelled))
    seen: dict[str, int] = {}
    for raw in (r for r in items if isinstance(r, LineDict) and isinstance(r.get("id"), str)):
        if raw["id"] in seen:
            bad(raw.line_of("id"), f"duplicate rule id {raw['id']!r} (first at line {seen[raw['id']]})")
        seen.setdefault(raw["id"], raw.line_of("id"))
    return sorted(problems, key=lambda pr: pr.line or 0), rules


def _validate_not_modelled(data: LineDict, bad: Bad) -> tuple[dict[str, str], ...]:
    """File key `not_modelled`: jurisdictions with a regime of their own that the file does not cover."""
    if "not_modelled" not in data:
        return ()
    items = data["not_modelled"]
    if not isinstance(items, LineList) or not items:
        bad(data.line_of("not_modelled"), "not_modelled must be a non-empty list of {jurisdiction, regime, ...}")
        return ()
    out = []
    for j, item in enumerate(items):
        if not isinstance(item, LineDict):
            bad(items.line_of(j), "a not_modelled entry is a mapping")
            continue
        _keys(item, NOT_MODELLED_KEYS, ("jurisdiction", "regime", "note", "source", "status"), "not_modelled", bad)
        for key in NOT_MODELLED_KEYS - {"status"}:
            _text(item, key, bad)
        _text(item, "status", bad, choices=STATUSES)
        if "jurisdiction" in item and not _jurisdiction_ok(item["jurisdiction"], wildcard=False):
            bad(item.line_of("jurisdiction"), f"jurisdiction must be a code like CA-QC, got {item['jurisdiction']!r}")
        out.append({k: str(v) for k, v in item.items()})
    return tuple(out)


def _keys(node: LineDict, allowed: set[str], required: tuple[str, ...], what: str, bad: Bad) -> None:
    for key in node:
        if key not in allowed:
            bad(node.line_of(key), f"unknown key {key!r} in {what} (allowed: {', '.join(sorted(allowed))})")
    for key in required:
        if key not in node:
            bad(node.line, f"{what} is missing the key {key!r}")


def _text(node: LineDict, key: str, bad: Bad, *, choices: tuple[str, ...] | None = None) -> None:
    value = node.get(key)
    if value is None:
        return
    if not isinstance(value, str) or not value.strip():
        bad(node.line_of(key), f"{key} must be a non-empty text")
    elif choices and value not in choices:
        bad(node.line_of(key), f"{key} must be one of {', '.join(choices)}, got {value!r}")


def _validate_rule(raw: LineDict, ids: set[Any], bad: Bad) -> None:
    what = f"rule {raw.get('id')!r}" if raw.get("id") else "rule"
    _keys(raw, RULE_KEYS, RULE_REQUIRED, what, bad)
    for key in ("id", "title", "recipient", "recipient_from", "source", "note"):
        _text(raw, key, bad)
    if isinstance(raw.get("id"), str) and not _ID.match(raw["id"]):
        bad(raw.line_of("id"), f"id must be lowercase words joined by '-', got {raw['id']!r}")
    _text(raw, "status", bad, choices=STATUSES)
    validate_checked(raw, bad, what)
    _text(raw, "binding", bad, choices=BINDINGS)
    _text(raw, "role", bad, choices=ROLES)
    _text(raw, "met_by", bad, choices=MET_BY)
    _text(raw, "duty", bad, choices=DUTIES)
    if "per_authority" in raw and not isinstance(raw["per_authority"], bool):
        bad(raw.line_of("per_authority"), "per_authority takes true or false")
    if raw.get("duty") == "record" and (raw.get("per_authority") or raw.get("met_by", "any") != "any"):
        bad(raw.line_of("duty"), "a record duty is kept, not sent: no per_authority, no met_by")
    if "jurisdiction" in raw and not _jurisdiction_ok(raw["jurisdiction"], wildcard=False):
        bad(raw.line_of("jurisdiction"), f"jurisdiction must be a code like BE or US-CA, got {raw['jurisdiction']!r}")
    _validate_start(raw, "start", ids, bad)
    if "period" in raw:
        _validate_period(raw["period"], raw.line_of("period"), PERIOD_KEYS, "period", bad)
    if "cap" in raw:
        cap = raw["cap"]
        _validate_period(cap, raw.line_of("cap"), CAP_KEYS, "cap", bad)
        if isinstance(cap, LineDict):
            if "start" not in cap:
                bad(cap.line, "cap is missing the key 'start'")
            _validate_start(cap, "start", ids, bad)
            if cap.get("unit") == "none":
                bad(cap.line_of("unit"), "a cap needs a fixed period (unit 'none' caps nothing)")
    if "trigger" in raw:
        _validate_trigger(raw["trigger"], raw.line_of("trigger"), ids, bad)
    content = raw.get("content", LineList())
    if not isinstance(content, LineList):
        bad(raw.line_of("content"), "content must be a list of {item, source}")
        content = LineList()
    for j, item in enumerate(content):
        if not isinstance(item, LineDict):
            bad(content.line_of(j), "a content entry is a mapping {item, source}")
            continue
        _keys(item, {"item", "source"}, ("item", "source"), "content entry", bad)
        _text(item, "item", bad)
        _text(item, "source", bad)


def _validate_start(node: LineDict, key: str, ids: set[Any], bad: Bad) -> None:
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


def _validate_period(node: Any, line: int, allowed: set[str], what: str, bad: Bad) -> None:
    if not isinstance(node, LineDict):
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


def _validate_trigger(node: Any, line: int, ids: set[Any], bad: Bad) -> None:
    if not isinstance(node, LineDict):
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
        if not isinstance(submitted, LineDict):
            bad(node.line_of("submitted"), "submitted must be a mapping {rule, phase}")
        else:
            _keys(submitted, {"rule", "phase"}, ("rule",), "submitted", bad)
            if submitted.get("rule") not in ids:
                bad(submitted.line_of("rule"), f"submitted refers to an unknown rule {submitted.get('rule')!r}")
            if submitted.get("phase", Phase.COMPLETE) not in PHASES:
                bad(submitted.line_of("phase"),
                    f"phase must be initial, complete or supplementary, got {submitted['phase']!r}")
    if "any" in node:
        subs = node["any"]
        if not isinstance(subs, LineList) or len(subs) < 2:
            bad(node.line_of("any"), "any must list at least two conditions")
        else:
            for j, sub in enumerate(subs):
                _validate_trigger(sub, subs.line_of(j), ids, bad)
    _text(node, "basis", bad)


def _validate_people(spec: Any, line: int, bad: Bad) -> None:
    if not isinstance(spec, LineDict):
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



def _to_rule(raw: LineDict, regime: str, path: str, not_modelled: tuple[dict[str, str], ...] = ()) -> Rule:
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
        per_authority=bool(raw.get("per_authority", False)),
        duty=raw.get("duty", "notice"),
        not_modelled=tuple(n for n in not_modelled
                           if raw.get("jurisdiction") and within(raw["jurisdiction"], n["jurisdiction"])),
        checked=checked_of(raw),
    )


