"""Tabletop drills: a whole incident on the sample organization, on a simulated clock.

A scenario (YAML, playbooks/drills/) lists actions at hours after awareness; the drill
runs them through the same flows responders use, with `now` advancing in simulated
time (`speed` simulated seconds per real second), and prints the clocks, the drafts
and the register row as it goes.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypedDict, cast

from breach.adapters.resources import shipped
from breach.adapters.yamlfiles import load_yaml
from breach.core import time as clock
from breach.core.customers import PREFIX as CUSTOMER_PREFIX
from breach.core.states import EventKind, ObligationState, ReviewDecision, Role, TaskState
from breach.core.yamlio import plain
from breach.errors import InputError, Problem, ValidationError
from breach.services import drill_customers as dc
from breach.services.assessment import finish, update_task
from breach.services.assessment import tasks as list_tasks
from breach.services.closure import close_incident, describe_items
from breach.services.customers import status_lines
from breach.services.incidents import log_event, open_incident
from breach.services.notices import create_draft, review_act, review_rows
from breach.services.notifications import record_notification
from breach.services.obligations import set_scope
from breach.services.projection import ProjectionUpdater
from breach.services.register import RegisterRow, format_register, register_rows
from breach.services.session import Session, init_home, open_session
from breach.services.status import status_rows
from breach.slack.notifier import OutboxNotifier, drill_preview

DRILL_DIR = shipped("playbooks") / "drills"
DEFAULT_SCENARIO = DRILL_DIR / "user-database-stolen.yaml"
#: 72 simulated hours in 48 real seconds, so a three-day drill fits in a minute.
DEFAULT_SPEED = 72 * 3600 / 48

ACTIONS = ("open", "log", "customers", "scope", "assess", "status", "draft", "approve", "notify-customers",
           "notified", "task", "register", "report", "close")
_KEYS = {"name", "title", "description", "public", "role", "occurred_h", "detected_h", "awareness_note",
         "answers", "timeline", "start", "customers"}
_STEP_KEYS = {"at_h", "do", "text", "kind", "lang", "as", "obligation", "reference", "reasons_for_delay",
              "phase", "summary", "jurisdictions", "n", "note", "done", "without_approval", "reason",
              "answers", "customers", "out", "limit", "from_run"}


class Scenario(TypedDict, total=False):
    """A drill scenario as written in its YAML file (playbooks/drills/*.yaml); load_scenario checks the keys."""

    name: str
    title: str
    description: str
    public: bool
    role: str
    occurred_h: float
    detected_h: float
    awareness_note: str
    answers: dict[str, Any]
    timeline: list[dict[str, Any]]
    start: Any
    customers: dict[str, Any]


class DrillResult(TypedDict):
    """What a drill leaves: the incident it opened and its register row (GDPR Art. 33(5))."""

    incident: str
    register: RegisterRow


#: One timeline step of a scenario (its keys are _STEP_KEYS), and what the steps share as they run.
_Step = dict[str, Any]
_State = dict[str, Any]
_Say = Callable[[str], None]


def _line(node: Any, key: Any) -> int | None:
    """The line of a key (or an index) in a mapping (or a list) read by breach.core.yamlio."""
    return cast(int | None, node.line_of(key)) if key is not None else cast(int | None, node.line)


def load_scenario(path: Path) -> Scenario:
    data = load_yaml(path)
    problems = []
    if not isinstance(data, dict):
        raise ValidationError([Problem(str(path), None, "a scenario is a mapping")])
    for key in data:
        if key not in _KEYS:
            problems.append(Problem(str(path), _line(data, key), f"unknown key {key!r}"))
    for key in ("name", "title", "answers", "timeline"):
        if key not in data:
            problems.append(Problem(str(path), _line(data, None), f"missing key {key!r}"))
    last = -1.0
    for i, step in enumerate(data.get("timeline") or []):
        line = _line(data["timeline"], i)
        if not isinstance(step, dict):
            problems.append(Problem(str(path), line, "each timeline entry is a mapping"))
            continue
        for key in step:
            if key not in _STEP_KEYS:
                problems.append(Problem(str(path), _line(step, key), f"unknown key {key!r}"))
        if step.get("do") not in ACTIONS:
            problems.append(Problem(str(path), line, f"do must be one of {', '.join(ACTIONS)}"))
        at = step.get("at_h", 0)
        if not isinstance(at, int | float) or at < last:
            problems.append(Problem(str(path), line, "at_h must be a number, in increasing order"))
        else:
            last = float(at)
    if problems:
        raise ValidationError(problems)
    return cast(Scenario, data)


def run_drill(
    scenario_path: Path,
    *,
    home: Path,
    speed: float = DEFAULT_SPEED,
    say: Callable[[str], None] = print,
    start: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DrillResult:
    """Run one scenario in `home` (a fresh data folder); returns the incident id and register row."""
    scenario = load_scenario(Path(scenario_path))
    if speed < 0:
        raise InputError("--speed must be 0 (no waiting) or more")
    if Path(home).exists() and (not Path(home).is_dir() or any(Path(home).iterdir())):
        raise InputError(f"{home} is not an empty folder: a drill needs a fresh data folder")
    init_home(home)
    session = open_session(home, author="drill", notifiers=[ProjectionUpdater(), OutboxNotifier()])
    start = start or _start(scenario, session.now())
    title = str(scenario["title"]).removeprefix("Drill:").strip()
    say(f"== Drill: {title} ({scenario['name']})")
    say(f"   data folder {home}; simulated clock starts {clock.show(start, session.zone)}, speed x{speed:g}")
    state: _State = {"incident": None, "base": Path(scenario_path).parent}
    previous = 0.0
    try:
        for step in scenario["timeline"]:
            at_h = float(step.get("at_h", 0))
            if speed > 0 and at_h > previous:
                sleep((at_h - previous) * 3600 / speed)
            previous = at_h
            now = start + timedelta(hours=at_h)
            say(f"\n-- T+{at_h:g} h  {clock.show(now, session.zone)}  {step['do']}")
            _ACTIONS[step["do"]](session, scenario, step, state, now, say)
            if step["do"] in {"open", "assess", "notified", "close"}:
                _slack(session, state, now, say)
        end = start + timedelta(hours=previous)
        row = next(r for r in register_rows(session, now=end) if r["id"] == state["incident"])
        say("\n== Register row (GDPR Art. 33(5))")
        say(_register_text(row))
        return {"incident": state["incident"], "register": row}
    finally:
        session.close()


def _start(scenario: Scenario, now: datetime) -> datetime:
    if scenario.get("start"):
        value = scenario["start"]
        return value if isinstance(value, datetime) else clock.parse_when(str(value), default_zone="UTC")
    return now.replace(second=0, microsecond=0)


def _open(session: Session, scenario: Scenario, step: _Step, state: _State, now: datetime, say: _Say) -> None:
    occurred = now - timedelta(hours=float(scenario.get("occurred_h", 0))) if "occurred_h" in scenario else None
    detected = now - timedelta(hours=float(scenario.get("detected_h", 0))) if "detected_h" in scenario else None
    incident = open_incident(session, title=scenario["title"], now=now, aware_at=clock.iso(now),
                             occurred_at=clock.iso(occurred) if occurred else None,
                             detected_at=clock.iso(detected) if detected else None,
                             awareness_note=scenario.get("awareness_note"), role=scenario.get("role", Role.CONTROLLER),
                             public=bool(scenario.get("public", False)))
    state["incident"] = incident.id
    say(f"   opened {incident.id}: aware {clock.show(incident.aware_at, session.zone)}; GDPR Art. 33(1) clock runs")
    _status(session, scenario, step, state, now, say)


def _log(session: Session, scenario: Scenario, step: _Step, state: _State, now: datetime, say: _Say) -> None:
    event = log_event(session, state["incident"], step["text"], kind=step.get("kind", EventKind.NOTE), now=now)
    say(f"   {event.kind}: {step['text']}")


def _scope(session: Session, scenario: Scenario, step: _Step, state: _State, now: datetime, say: _Say) -> None:
    if step.get("customers"):  # the processor's customers affected (breach scope ID --customers SPEC)
        dc.scope_customers(session, state["incident"], str(step["customers"]), now=now, say=say)
        return
    counts: Any = step.get("jurisdictions") or scenario["answers"].get("jurisdictions")
    items = [f"{k}={v}" for k, v in counts.items()]
    scope = set_scope(session, state["incident"], items, now=now)
    say("   people affected: " + ", ".join(f"{k}={v}" for k, v in scope.items()))


def _assess(session: Session, scenario: Scenario, step: _Step, state: _State, now: datetime, say: _Say) -> None:
    # A later `assess` may add answers (e.g. the reasons for a delay, once the deadline passed).
    state.setdefault("answers", plain(scenario["answers"])).update(plain(step.get("answers") or {}))
    answers = dict(state["answers"])
    result = finish(session, state["incident"], playbook_name="gdpr", answers=answers, now=now)
    say(f"   ENISA SE {result['severity']} ({result['level']}); GDPR risk {result['risk']}; "
        f"notify the authority: {'yes' if result['notify_sa'] else 'no'}, "
        f"tell the people: {'yes' if result['notify_subjects'] else 'no'}")
    for line in result["rationale"]:
        say(f"     - {line}")
    _status(session, scenario, step, state, now, say)


def _status(session: Session, scenario: Scenario, step: _Step, state: _State, now: datetime, say: _Say) -> None:
    rows = status_rows(session, state["incident"], now=now)
    for line in status_lines(rows, now=now):  # the customers' windows lead, beside the controller's 72 h
        say(f"   {line}")
    say("   clocks:")
    for r in rows:
        if r["obligation"].startswith(CUSTOMER_PREFIX):
            continue  # counted on the line above; the earliest named below
        due = clock.show(datetime.fromisoformat(r["due_at"]), session.zone) if r["due_at"] else "without undue delay"
        left = ""
        if r["remaining_seconds"] is not None and r["state"] == ObligationState.PENDING:
            left = " " + clock.humanize(timedelta(seconds=r["remaining_seconds"]))
        label = "OVERDUE" if r["overdue"] else r["state"].replace("_", " ")
        say(f"     {r['obligation']:<24} {label:<14} due {due}{left} -> {r['recipient']}")
    dc.say_customers(session, state["incident"], now=now, say=say, head=False)


def _draft(session: Session, scenario: Scenario, step: _Step, state: _State, now: datetime, say: _Say) -> None:
    d = create_draft(session, state["incident"], step["kind"], lang=step.get("lang", "en"), now=now,
                     phase=step.get("phase"))
    missing = f"; MISSING: {', '.join(d['missing'])}" if d["missing"] else ""
    say(f"   draft {d['kind']} ({d['lang']}) v{d['version']} sha256 {d['sha256'][:12]} -> {d['path']}{missing}")


def _approve(session: Session, scenario: Scenario, step: _Step, state: _State, now: datetime, say: _Say) -> None:
    kind, lang = step["kind"], step.get("lang", "en")
    version = max(r["version"] for r in review_rows(session, state["incident"])
                  if r["kind"] == kind and r["lang"] == lang)
    review_act(session, state["incident"], kind, lang=lang, version=version, by=step.get("as", "Legal (drill)"),
               decision=ReviewDecision.APPROVED, comment=step.get("note"), now=now)
    say(f"   {kind} ({lang}) v{version} approved by {step.get('as', 'Legal (drill)')}")


def _notified(session: Session, scenario: Scenario, step: _Step, state: _State, now: datetime, say: _Say) -> None:
    if step.get("from_run"):  # breach notified ID 'contract-notice:*' --from-run DIR
        if step["obligation"] != CUSTOMER_PREFIX + "*":
            raise InputError("from_run records a `notify-customers` run: give the obligation as 'contract-notice:*'")
        dc.record_customer_run(session, state["incident"], str(step["from_run"]), now=now, say=say)
        _status(session, scenario, step, state, now, say)
        return
    r = record_notification(session, state["incident"], step["obligation"], at=clock.iso(now), now=now,
                            reference=step.get("reference"), reasons_for_delay=step.get("reasons_for_delay"),
                            phase=step.get("phase"), without_approval=bool(step.get("without_approval")),
                            reason=step.get("reason"))
    sent = f" (sent {d['kind']} {d['lang']} v{d['version']})" if (d := r.get("draft")) else ""
    say(f"   {step['obligation']} notified{' LATE' if r['late'] else ''}{sent}")
    _status(session, scenario, step, state, now, say)


def _task(session: Session, scenario: Scenario, step: _Step, state: _State, now: datetime, say: _Say) -> None:
    numbers = [t["n"] for t in list_tasks(session, state["incident"]) if t["state"] == TaskState.OPEN]
    for n in numbers if step.get("n") is None else [step["n"]]:
        t = update_task(session, state["incident"], n, done=step.get("done", True), note=step.get("note"), now=now)
        say(f"   task {n} {t['state']}: {t['text']}")


def _close(session: Session, scenario: Scenario, step: _Step, state: _State, now: datetime, say: _Say) -> None:
    # A `reason` closes with --force: what is still open is recorded on the closing event.
    close_incident(session, state["incident"], summary=step.get("summary", "Drill finished"), now=now,
                   force=bool(step.get("reason")), reason=step.get("reason"))
    items = session.store.events(state["incident"])[-1].data.get("open_items") or []
    say(f"   {state['incident']} closed" + (f" with {describe_items(items)} recorded" if items else ""))


def _customers(session: Session, scenario: Scenario, step: _Step, state: _State, now: datetime, say: _Say) -> None:
    if not scenario.get("customers"):
        raise InputError("a `customers` step needs the scenario's `customers:` (generate: N, or file: PATH)")
    dc.write_customer_list(session, scenario["customers"], base=state["base"], say=say)


def _notify_customers(session: Session, scenario: Scenario, step: _Step, state: _State, now: datetime,
                      say: _Say) -> None:
    limit = step.get("limit")
    dc.notify_customers(session, state["incident"], str(step.get("out") or "customer-notices"),
                        limit=int(limit) if limit is not None else None, now=now, say=say)


def _register(session: Session, scenario: Scenario, step: _Step, state: _State, now: datetime, say: _Say) -> None:
    dc.write_register(session, state["incident"], now=now, say=say)


def _report(session: Session, scenario: Scenario, step: _Step, state: _State, now: datetime, say: _Say) -> None:
    dc.write_incident_report(session, state["incident"], now=now, say=say)


_ACTIONS = {"open": _open, "log": _log, "customers": _customers, "scope": _scope, "assess": _assess,
            "status": _status, "draft": _draft, "approve": _approve, "notify-customers": _notify_customers,
            "notified": _notified, "task": _task, "register": _register, "report": _report, "close": _close}


def _register_text(row: RegisterRow) -> str:
    """The register row as Markdown; with customers, their notices counted in one line (breach register and
    the drill's register.md list each customer's notice time against its window)."""
    customers = [o for o in row["obligations"] if o["obligation"].startswith(CUSTOMER_PREFIX)]
    if not customers:
        return format_register([row], "md")
    own = [o for o in row["obligations"] if not o["obligation"].startswith(CUSTOMER_PREFIX)]
    text = format_register([{**row, "obligations": own}], "md").rstrip("\n")
    states = Counter(str(o["state"]) for o in customers)
    counted = ", ".join(f"{n:,} {s}" for s, n in sorted(states.items()))
    return text + f"\n  - {CUSTOMER_PREFIX}* ({len(customers):,} customers, GDPR Art. 33(2)): {counted}; each one's " \
        "notice time against its window in `breach register`\n"


def _slack(session: Session, state: _State, now: datetime, say: _Say) -> None:
    """Deliver queued Slack messages if Slack is configured; else say what would be posted."""
    if not state.get("incident"):
        return
    for line in drill_preview(session, state["incident"], now=now):
        say(f"   slack: {line}")
