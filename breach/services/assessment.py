"""Orchestration of the guided assessment: answers saved one by one, results as events.

Each answer is an `answer` event the moment it is given, so killing the process loses
at most the current question and `breach assess ID` resumes where it stopped. The
finished assessment is an `assessed` event; earlier ones are kept, the latest counts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict

from breach.adapters.playbooks import find_playbook, load_playbook
from breach.adapters.yamlfiles import load_yaml
from breach.core import risk
from breach.core import time as clock
from breach.core.drafting import FREE_TEXT, LANGS
from breach.core.mitigations import DEPRECATED, upgrade_answers
from breach.core.models import EventKind, Incident, ObligationState, Role, Task, TaskState
from breach.core.playbook import (
    check_answers,
    is_relevant,
    missing_answers,
    relevant_answers,
    tasks_for,
    unknown_answers,
)
from breach.core.playbook.answers import Answers
from breach.core.playbook.consistency import answer_problems
from breach.core.playbook.model import Playbook
from breach.core.risk import RiskJson
from breach.core.state import IncidentState
from breach.core.textsafe import MAX_ANSWER, check_length
from breach.core.yamlio import plain
from breach.errors import InputError
from breach.services.incidents import get_incident
from breach.services.obligations import incident_obligations
from breach.services.session import Session


class AssessmentResult(RiskJson):
    """What `assess` and `confirm-override` return (and `--json` prints): the incident and its risk result."""

    incident: str


class AssessmentPrinted(AssessmentResult):
    """What `breach assess --json` prints: the result, and what a new answers file no longer answers."""

    dropped_answers: list[str]
    merged: bool


class TaskRow(TypedDict):
    """A playbook task as `breach tasks --json` prints it."""

    n: int
    text: str | None
    state: TaskState
    note: str | None
    source: str | None
    step: str | None


def task_row(t: Task) -> TaskRow:
    """The one JSON shape of a task."""
    return {"n": t.n, "text": t.text, "state": t.state, "note": t.note, "source": t.source, "step": t.step}


def load_answers_file(path: Path, *, playbook: Playbook | None = None) -> Answers:
    """An answers file: YAML or JSON mapping of step id -> answer. The test metadata keys
    (expected, source, description) are dropped; given the playbook, any other key that
    is not one of its questions is refused (a typo must not silently drop a fact)."""
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise InputError(f"{path}: an answers file must be a mapping of step id to answer")
    answers = data.get("answers", data)
    if not isinstance(answers, dict):
        raise InputError(f"{path}: `answers` must be a mapping of step id to answer")
    for key, value in answers.items():
        check_length(value, what=f"{path}: the answer to {key!r}", limit=MAX_ANSWER)
    answers = {k: plain(v) for k, v in answers.items() if k not in {"expected", "source", "description"}}
    current = {k: v for k, v in answers.items() if k not in DEPRECATED}  # old keys: read by upgrade_answers
    problems = unknown_answers(playbook, current) if playbook is not None else []
    if problems:
        raise InputError(f"{path}: unknown answer keys:\n" + "\n".join(problems))
    return answers


def known_defaults(incident: Incident, state: IncidentState) -> Answers:
    """What is already known: the previous assessment's answers, the role, the scope."""
    defaults: Answers = {}
    if state.assessment:
        defaults.update(state.assessment.answers)
    defaults["role"] = incident.role.value
    if state.scope:
        defaults["jurisdictions"] = dict(state.scope)
    return defaults


def previous_answers(state: IncidentState) -> Answers:
    """The last assessment's answers: where a re-assessment starts (empty before the first)."""
    return dict(state.assessment.answers) if state.assessment else {}


def session_defaults(incident: Incident, state: IncidentState, playbook: Playbook) -> Answers:
    """What Enter keeps at each question: the known facts and the last answers, value for value.

    A question the last assessment left unanswered has no default (not even the playbook's),
    so Enter keeps it unanswered; a multilingual answer stays a mapping of languages.
    """
    previous = previous_answers(state)
    defaults = known_defaults(incident, state)
    if previous.get("jurisdictions") is not None and previous["jurisdictions"] == defaults.get("jurisdictions"):
        defaults["jurisdictions"] = previous["jurisdictions"]  # the same scope, in the words first given
    if previous:
        kept = relevant_answers(playbook, previous)
        for step in playbook.steps:
            if step.asked and step.id not in previous and step.id not in defaults and is_relevant(step, kept):
                defaults[step.id] = None
    return defaults


def known_facts(incident: Incident) -> Answers:
    """Facts `breach open` (or `breach edit`) already recorded: not asked again in the session.

    The awareness note stays the incident's (an edit of it still reaches the notices); a
    processor role is taken as the answer to `role` (controller is only open's default).
    """
    known: Answers = {}
    if incident.awareness_note:
        known["awareness_note"] = incident.awareness_note
    if incident.role != Role.CONTROLLER:
        known["role"] = incident.role.value
    return known


def progress(session: Session, incident_id: str,
             playbook_name: str = "gdpr") -> tuple[Incident, Playbook, IncidentState, Answers, Answers]:
    """(incident, playbook, state, answers so far, defaults) for a session in progress."""
    state = session.state(incident_id)
    incident = state.incident
    playbook = load_playbook(find_playbook(playbook_name, session.resource_home()))
    return incident, playbook, state, dict(state.answers), known_defaults(incident, state)


def save_answer(session: Session, incident: Incident, *, playbook: str, step: str, value: Any,
                now: datetime) -> None:
    check_length(value, what=f"the answer to {step!r}", limit=MAX_ANSWER)
    session.store.append_event(incident.id, kind=EventKind.ANSWER, at=now, author=session.author,
                               data={"playbook": playbook, "step": step, "value": plain(value)})


def assess(session: Session, incident_id: str, answers: Answers, *, now: datetime,
           playbook: str = "gdpr", for_customers: bool = False) -> AssessmentResult:
    """Record a complete assessment from a dict of answers (step id -> answer); returns the result."""
    return finish(session, incident_id, playbook_name=playbook, answers=plain(answers), now=now,
                  for_customers=for_customers)


def finish(session: Session, incident_id: str, *, playbook_name: str, answers: Answers,
           now: datetime, for_customers: bool = False) -> AssessmentResult:
    """Compute the risk, record the `assessed` event and the playbook's tasks; one transaction.

    `for_customers`: the processor's assessment of its customers' data, beside the incident's own
    (both roles in one incident): recorded apart, it moves neither the scope nor a clock of the incident's role.
    """
    incident = get_incident(session, incident_id)
    playbook = load_playbook(find_playbook(playbook_name, session.resource_home()))
    answers, deprecated = upgrade_answers(answers)  # old keys read in the current model, with a note
    answers = customers_role(session, incident, answers) if for_customers else one_role(incident, answers)
    if unknown := unknown_answers(playbook, answers):  # before relevant_answers drops them silently
        raise InputError("unknown answer keys:\n" + "\n".join(unknown))
    answers = relevant_answers(playbook, answers)  # a changed answer can make earlier ones moot
    risk.check_judgeable(answers)  # an empty or contradictory answer is refused with its reason
    problems = check_answers(playbook, answers)
    if problems:
        raise InputError("the answers do not fit the playbook:\n" + "\n".join(problems))
    check_consistent(session, incident, playbook, answers, now=now)
    missing = missing_answers(playbook, answers)
    if missing:
        raise InputError("missing answers: " + ", ".join(s.id for s in missing))
    result = risk.assess(answers).to_dict()
    result["rationale"] = [*deprecated, *[r for r in result["rationale"] if r not in deprecated]]
    data: dict[str, Any] = {"playbook": playbook.name, "answers": answers, "result": result}
    if for_customers:
        data["for_customers"] = True
    elif isinstance(answers.get("jurisdictions"), dict) and answers["jurisdictions"]:
        data["scope"] = answers["jurisdictions"]
    if result.get("risk_override"):
        result["risk_override_by"] = session.author
    with session.store.transaction():  # task numbers are read and written in one transaction
        state = session.state(incident.id)
        if result.get("notify_sa") and "assessed_notifiable" not in state.clock_events and not for_customers:
            # Singapore PDPA s 26D(1): the clock runs from the assessment that a breach is notifiable.
            data["clock_events"] = {"assessed_notifiable": clock.iso(now)}
        existing = {t.step for t in state.tasks.values()}
        session.store.append_event(incident.id, kind=EventKind.ASSESSED, at=now, author=session.author, data=data)
        n = max(state.tasks, default=0)
        for task in tasks_for(playbook, answers):
            if task["step"] in existing:
                continue
            n += 1
            session.store.append_event(incident.id, kind=EventKind.TASK, at=now, author=session.author, data={
                "n": n, "step": task["step"], "text": task["text"], "source": task.get("source"),
                "state": TaskState.OPEN})
        session.changed(incident.id, EventKind.ASSESSED, now=now)
    return {"incident": incident.id, **result}


def customers_role(session: Session, incident: Incident, answers: Answers) -> Answers:
    """The customers' data is assessed as their processor (GDPR Art. 28, 33(2)): the incident must hold
    customers, and the answers' role is processor (a missing role takes it)."""
    if not session.state(incident.id).customers:
        raise InputError(f"{incident.id} has no customers recorded: `breach scope {incident.id} --customers "
                         "FILE|all|ID,...` first (--for-customers assesses their data as their processor)")
    given = answers.get("role")
    if given not in (None, Role.PROCESSOR):
        raise InputError(f"--for-customers assesses the customers' data as their processor: the answers say "
                         f"role: {given}; answer role: processor (or leave it out)")
    return {**answers, "role": Role.PROCESSOR.value}


def check_consistent(session: Session, incident: Incident, playbook: Playbook, answers: Answers, *,
                     now: datetime) -> None:
    """Refuse answers that cannot all be true: counts that do not add up, impossible times, unknown languages."""
    problems = answer_problems(playbook, answers, now=now, occurred_at=incident.occurred_at,
                               languages=text_languages(session))
    if problems:
        raise InputError("the answers cannot all be true:\n" + "\n".join(problems))


def one_role(incident: Incident, answers: Answers) -> Answers:
    """The answers' role is the incident's: a missing role takes it, a different one is refused (a
    processor's clocks with a controller's answers is how a duty goes missing)."""
    role = incident.role.value
    given = answers.get("role")
    if given is None:
        return {**answers, "role": role}
    if given != role:
        raise InputError(
            f"role mismatch: the answers say role: {given} but incident {incident.id} was opened as {role}; "
            f"answer role: {role}, or if the incident's role is wrong, open it again with "
            f"`breach open --role {given}` (GDPR Art. 33(1) for a controller, Art. 33(2) for a processor)"
            + ("; for the customers' data held as their processor: breach assess ID --for-customers --answers FILE"
               if given == Role.PROCESSOR else "")
        )
    return answers


def confirm_override(session: Session, incident_id: str, *, name: str, now: datetime) -> AssessmentResult:
    """A second person confirms a pending lowering override: it takes effect, the clocks follow.

    Recorded as a new `assessed` event with the same answers (the first stays in the timeline);
    the register shows who decided the override and who confirmed it."""
    state = session.state(incident_id)
    incident = state.incident
    a = state.assessment
    if a is None or not a.result.get("override_pending"):
        raise InputError(f"{incident.id} has no risk override waiting for confirmation (see `breach show "
                         f"{incident.id}`)")
    name = (name or "").strip()
    decided_by = a.result.get("risk_override_by") or a.by
    if not name:
        raise InputError("confirm-override needs --as NAME: the second person who confirms")
    if name.casefold() == (decided_by or "").casefold():
        raise InputError(f"{name} decided the override: a second person must confirm it (GDPR Art. 5(2))")
    playbook = load_playbook(find_playbook(a.playbook or "gdpr", session.resource_home()))
    answers = relevant_answers(playbook, dict(a.answers))
    result = risk.assess(answers, override_confirmed_by=name).to_dict()
    result["risk_override_by"] = decided_by
    data: dict[str, Any] = {"playbook": playbook.name, "answers": answers, "result": result}
    with session.store.transaction():
        session.store.append_event(incident.id, kind=EventKind.ASSESSED, at=now, author=name, data=data)
        session.changed(incident.id, EventKind.ASSESSED, now=now)
    return {"incident": incident.id, **result}


def tasks(session: Session, incident_id: str) -> list[TaskRow]:
    state = session.state(incident_id)
    return [task_row(t) for t in sorted(state.tasks.values(), key=lambda t: t.n)]


def update_task(session: Session, incident_id: str, n: int, *, done: bool, note: str | None,
                now: datetime) -> TaskRow:
    state = session.state(incident_id)
    incident = state.incident
    if n not in state.tasks:
        raise InputError(f"{incident.id} has no task {n} (see `breach tasks {incident.id}`)")
    new_state = TaskState.DONE if done else TaskState.SKIPPED
    if not done and not (note or "").strip():
        raise InputError("skipping a task needs --note saying why (it goes on the record)")
    session.store.append_event(incident.id, kind=EventKind.TASK, at=now, author=session.author,
                               data={"n": n, "state": new_state, "note": note})
    return task_row(replace(state.tasks[n], state=new_state, note=note))


#: Playbook steps whose answer is free text a notice prints (breach.core.drafting.FREE_TEXT).
FREE_TEXT_STEPS = frozenset(k.rsplit(".", 1)[1] for k in FREE_TEXT if k.startswith("assessment.answers."))


def text_languages(session: Session) -> list[str]:
    """English first, then the languages the lead authority accepts and the letters need."""
    org = session.org
    wanted = ["en", *org.lead_languages, *org.languages]
    return [lang for lang in dict.fromkeys(wanted) if lang in LANGS]


def sa_deadline_passed(session: Session, incident_id: str, *, now: datetime) -> bool:
    """True once the Art. 33(1) deadline of the SA notice has passed (reasons for delay are due)."""
    for o in incident_obligations(session, incident_id, now=now):
        if o.rule_id == "gdpr-art33-sa" and o.due_at is not None and (o.state == ObligationState.LATE
                                                                       or now > o.due_at):
            return True
    return False
