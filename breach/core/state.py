"""Pure fold of an incident's timeline into its current state.

The timeline is the one source of truth: the incident's facts, answers, assessments,
tasks, scope, clock start events, notifications, drafts and reviews are all events, so
the state is always derivable and nothing is ever rewritten in place. Corrections
(`clock` events for aware/detected) are applied here, once, for every reader.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from breach.core import time as clock
from breach.core.models import (
    Assessment,
    Correction,
    DraftRef,
    Event,
    EventKind,
    Incident,
    IncidentStatus,
    Notification,
    Phase,
    Retraction,
    Review,
    ReviewDecision,
    Role,
    Task,
    TaskState,
)

#: Clock events that correct a fact of the incident itself (breach mark ID aware --at ...).
CORRECTS = {"aware": "aware_at", "detected": "detected_at"}
TIMES = ("occurred_at", "detected_at", "aware_at")


@dataclass(frozen=True)
class ScopeChange:
    """The scope as one event left it (an assessment's jurisdictions or `breach scope`)."""

    at: datetime
    seq: int
    scope: dict[str, int]
    unlocated: int


@dataclass(frozen=True)
class Decision:
    """Legal's decision about an advisory (`breach decide`): notify that recipient, or not and why."""

    obligation: str  # the advisory's id, e.g. gdpr-art33-sa:DE
    notify: bool
    reason: str | None
    by: str
    at: datetime
    seq: int


@dataclass(frozen=True)
class IncidentState:
    incident: Incident
    answers: dict[str, Any] = field(default_factory=dict)  # the assessment in progress
    assessments: tuple[Assessment, ...] = ()  # every completed one, oldest first
    tasks: dict[int, Task] = field(default_factory=dict)
    scope: dict[str, int] = field(default_factory=dict)
    unlocated: int = 0  # people affected whose location is unknown (`breach scope --unlocated N`)
    scope_seq: int = 0  # the event that last set the scope (an assessment's jurisdictions or `breach scope`)
    scope_history: tuple[ScopeChange, ...] = ()  # every scope the incident had, oldest first
    decisions: dict[str, Decision] = field(default_factory=dict)  # the latest decision per advisory
    clock_events: dict[str, datetime] = field(default_factory=dict)
    notifications: dict[str, tuple[Notification, ...]] = field(default_factory=dict)
    reviews: tuple[Review, ...] = ()
    drafts: tuple[DraftRef, ...] = ()
    letters: tuple[dict[str, Any], ...] = ()
    corrections: tuple[Correction, ...] = ()
    retractions: tuple[Retraction, ...] = ()
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)  # customer id -> as recorded (processor)
    event_count: int = 0
    head_hash: str | None = None

    @property
    def people(self) -> int:
        """Everyone affected: the scope's jurisdictions plus the people of unknown location."""
        return sum(self.scope.values()) + self.unlocated

    @property
    def assessment(self) -> Assessment | None:
        """The latest assessment of the incident's own role counts (a reassessment keeps the earlier ones)."""
        return next((a for a in reversed(self.assessments) if not a.for_customers), None)

    @property
    def customers_assessment(self) -> Assessment | None:
        """The latest assessment of the customers' data, made as their processor (`assess --for-customers`):
        what the notices to the customers say (GDPR Art. 33(2)); it moves no clock of the incident's own role."""
        return next((a for a in reversed(self.assessments) if a.for_customers), None)


@dataclass
class _Folding:
    """The state while the events are folded: mutable lists and dicts, frozen at the end."""

    incident: Incident | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    assessments: list[Assessment] = field(default_factory=list)
    tasks: dict[int, Task] = field(default_factory=dict)
    scope: dict[str, int] = field(default_factory=dict)
    unlocated: int = 0
    scope_seq: int = 0
    scope_history: list[ScopeChange] = field(default_factory=list)
    decisions: dict[str, Decision] = field(default_factory=dict)
    clock_events: dict[str, datetime] = field(default_factory=dict)
    notifications: dict[str, list[Notification]] = field(default_factory=dict)
    reviews: list[Review] = field(default_factory=list)
    drafts: list[DraftRef] = field(default_factory=list)
    letters: list[dict[str, Any]] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    retractions: list[Retraction] = field(default_factory=list)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    event_count: int = 0
    head_hash: str | None = None

    @classmethod
    def resume(cls, s: IncidentState) -> _Folding:
        return cls(
            incident=s.incident, answers=dict(s.answers), assessments=list(s.assessments), tasks=dict(s.tasks),
            scope=dict(s.scope), unlocated=s.unlocated, scope_seq=s.scope_seq, scope_history=list(s.scope_history),
            decisions=dict(s.decisions), clock_events=dict(s.clock_events),
            notifications={k: list(v) for k, v in s.notifications.items()}, reviews=list(s.reviews),
            drafts=list(s.drafts), letters=list(s.letters), corrections=list(s.corrections),
            retractions=list(s.retractions), customers=dict(s.customers), event_count=s.event_count,
            head_hash=s.head_hash,
        )

    def freeze(self) -> IncidentState:
        if self.incident is None:
            raise ValueError("the timeline has no `opened` event")
        return IncidentState(
            incident=self.incident, answers=self.answers, corrections=tuple(self.corrections),
            retractions=tuple(self.retractions), customers=self.customers,
            assessments=tuple(self.assessments), tasks=self.tasks,
            scope=self.scope, unlocated=self.unlocated, scope_seq=self.scope_seq,
            scope_history=tuple(self.scope_history), decisions=self.decisions, clock_events=self.clock_events,
            notifications={k: tuple(v) for k, v in self.notifications.items()}, reviews=tuple(self.reviews),
            drafts=tuple(self.drafts), letters=tuple(self.letters), event_count=self.event_count,
            head_hash=self.head_hash,
        )

    def set_scope(self, e: Event, scope: dict[str, int], unlocated: int) -> None:
        self.scope, self.unlocated, self.scope_seq = scope, unlocated, e.seq
        self.scope_history.append(ScopeChange(at=e.at, seq=e.seq, scope=dict(scope), unlocated=unlocated))


def fold(events: Iterable[Event], start: IncidentState | None = None) -> IncidentState:
    """Events (oldest first) -> the incident's state. Raises ValueError without an `opened` event.

    With `start`, continue from that state with the events that follow it, so a command
    that appends folds each event once.
    """
    w = _Folding.resume(start) if start else _Folding()
    for e in events:
        w.event_count, w.head_hash = e.seq, e.hash
        apply = _APPLY.get(e.kind)
        if apply is not None:
            apply(w, e)
    return w.freeze()


def _on_opened(w: _Folding, e: Event) -> None:
    w.incident = _opened(e)


def _on_closed(w: _Folding, e: Event) -> None:
    if w.incident is not None:
        w.incident = replace(w.incident, status=IncidentStatus.CLOSED, closed_at=e.at, summary=e.data.get("summary"))


def _on_answer(w: _Folding, e: Event) -> None:
    w.answers[e.data["step"]] = e.data["value"]


def _on_assessed(w: _Folding, e: Event) -> None:
    d = e.data
    w.assessments.append(Assessment(at=e.at, by=e.author, seq=e.seq, playbook=d.get("playbook"),
                                    answers=dict(d.get("answers") or {}), result=dict(d.get("result") or {}),
                                    for_customers=bool(d.get("for_customers"))))
    if d.get("for_customers"):
        return  # the customers' data: no scope, clock or answers in progress of the incident's own role
    w.answers = {}
    for name, at in (d.get("clock_events") or {}).items():
        w.clock_events.setdefault(name, clock.instant(at))
    if d.get("scope"):
        w.set_scope(e, *_split_scope(d["scope"]))


def _on_task(w: _Folding, e: Event) -> None:
    w.tasks[e.data["n"]] = _task(w.tasks.get(e.data["n"]), e)


def _on_scope(w: _Folding, e: Event) -> None:
    scope, unlocated = _split_scope(e.data.get("jurisdictions") or {})
    w.set_scope(e, scope, int(e.data.get("unlocated") or unlocated))


def _on_decision(w: _Folding, e: Event) -> None:
    d = e.data
    if not d.get("obligation"):  # a free-text decision (`breach log`); `breach decide` names the advisory
        return
    w.decisions[d["obligation"]] = _decision(e)
    if d.get("supersedes"):  # a decision not to notify withdraws an earlier decision to notify
        w.clock_events.pop(d["supersedes"], None)


def _on_clock(w: _Folding, e: Event) -> None:
    d = e.data
    w.clock_events[d["event"]] = clock.instant(d["at"])
    if d.get("obligation"):  # legal decided to notify this authority (`breach decide --notify`)
        w.decisions[d["obligation"]] = _decision(e, notify=True)
    if d["event"] in CORRECTS and w.incident is not None:
        w.incident = _correct(w.incident, CORRECTS[d["event"]], w.clock_events[d["event"]], e, w.corrections)


def _on_edited(w: _Folding, e: Event) -> None:
    if w.incident is None:
        return
    for name, value in (e.data.get("fields") or {}).items():
        new = clock.decode(value, None) if name in TIMES and value else value
        w.incident = _correct(w.incident, name, new, e, w.corrections, note=e.data.get("note"))
        for event, attr in CORRECTS.items():  # the clocks follow the corrected times
            if name == attr:
                w.clock_events.pop(event, None)
                if new is not None:
                    w.clock_events[event] = new


def _on_retracted(w: _Folding, e: Event) -> None:
    d = e.data
    kept = w.notifications.get(d["obligation"], [])
    undone = next((n for n in reversed(kept) if n.seq == d.get("notified_seq")), kept[-1] if kept else None)
    if undone is None:
        return
    if undone.corrected is not None:  # retracting a correction restores the record it replaced
        kept[kept.index(undone)] = undone.corrected
    else:
        kept.remove(undone)
    w.retractions.append(Retraction(notification=undone, reason=d.get("reason") or "", at=e.at, by=e.author))
    _submitted(w.clock_events, undone.obligation, kept)


def _on_notified(w: _Folding, e: Event) -> None:
    d = e.data
    n = _notification(e)
    kept = w.notifications.setdefault(n.obligation, [])
    replaced = next((i for i, old in enumerate(kept) if d.get("corrects") and old.seq == d["corrects"]), None)
    if replaced is not None:  # `breach notified --correction`: the new record takes the old one's place
        kept[replaced] = replace(n, corrected=kept[replaced])
    else:
        kept.append(n)
    _submitted(w.clock_events, n.obligation, kept)


def _on_customers(w: _Folding, e: Event) -> None:
    """The customers affected (`breach scope --customers`): added to those recorded, or replacing them."""
    given = {c["id"]: c for c in e.data.get("customers") or []}
    w.customers = given if e.data.get("change") == "replace" else {**w.customers, **given}


def _on_drafted(w: _Folding, e: Event) -> None:
    d = e.data
    w.drafts.append(DraftRef(kind=d["kind"], lang=d["lang"], version=d["version"], sha256=d["sha256"],
                             format=d.get("format"), template=d.get("template"),
                             missing=tuple(d.get("missing") or ()), at=e.at, by=e.author,
                             phase=Phase(d["phase"]) if d.get("phase") else None, late=bool(d.get("late")),
                             reasons_for_delay=d.get("reasons_for_delay")))


def _on_reviewed(w: _Folding, e: Event) -> None:
    d = e.data
    w.reviews.append(Review(kind=d["kind"], lang=d["lang"], version=d["version"], sha256=d["sha256"],
                            decision=ReviewDecision(d["decision"]), by=d.get("by") or e.author,
                            comment=d.get("comment"),
                            at=e.at, final_path=d.get("final_path"), final_sha256=d.get("final_sha256"),
                            via=d.get("via"), started_by=d.get("started_by")))


def _on_letters(w: _Folding, e: Event) -> None:
    w.letters.append({**e.data, "at": e.at})


#: What each kind of event does to the state; other kinds (notes, actions, evidence) leave it as is.
_APPLY: dict[str, Callable[[_Folding, Event], None]] = {
    EventKind.OPENED: _on_opened,
    EventKind.CLOSED: _on_closed,
    EventKind.ANSWER: _on_answer,
    EventKind.ASSESSED: _on_assessed,
    EventKind.TASK: _on_task,
    EventKind.SCOPE: _on_scope,
    EventKind.DECISION: _on_decision,
    EventKind.CLOCK: _on_clock,
    EventKind.EDITED: _on_edited,
    EventKind.RETRACTED: _on_retracted,
    EventKind.NOTIFIED: _on_notified,
    EventKind.DRAFTED: _on_drafted,
    EventKind.REVIEWED: _on_reviewed,
    EventKind.LETTERS: _on_letters,
    EventKind.CUSTOMERS: _on_customers,
}


def _submitted(clock_events: dict[str, datetime], obligation: str, kept: list[Notification]) -> None:
    """`submitted:<rule>`: when the latest notice on record for the rule was made (chained clocks start there)."""
    if kept:
        clock_events[f"submitted:{obligation}"] = kept[-1].at
    else:
        clock_events.pop(f"submitted:{obligation}", None)


def _split_scope(mapping: dict[str, Any]) -> tuple[dict[str, int], int]:
    """Jurisdiction -> people, and the people of unknown location (key `unlocated` in answers)."""
    scope = {k: int(v) for k, v in mapping.items() if k.lower() != "unlocated"}
    return scope, int(next((v for k, v in mapping.items() if k.lower() == "unlocated"), 0) or 0)


def _decision(e: Event, *, notify: bool | None = None) -> Decision:
    d = e.data
    return Decision(obligation=d["obligation"], notify=bool(d.get("notify")) if notify is None else notify,
                    reason=d.get("reason"), by=d.get("by") or e.author, at=e.at, seq=e.seq)


def _opened(e: Event) -> Incident:
    d = e.data

    def when(key: str) -> datetime | None:
        return clock.decode(d[key], None) if d.get(key) else None

    return Incident(
        id=e.incident_id, title=d.get("title") or "", role=Role(d.get("role") or Role.CONTROLLER),
        status=IncidentStatus.OPEN,
        aware_at=when("aware_at") or e.at, opened_at=e.at, occurred_at=when("occurred_at"),
        detected_at=when("detected_at"), awareness_note=d.get("awareness_note"), public=bool(d.get("public")),
    )


def _correct(incident: Incident, name: str, new: Any, e: Event, corrections: list[Correction], *,
             note: str | None = None) -> Incident:
    """Apply one correction in timeline order; the value first recorded is kept beside it."""
    old = getattr(incident, name)
    if old == new:
        return incident
    corrections.append(Correction(field=name, old=old, new=new, at=e.at, by=e.author, seq=e.seq, note=note))
    first = dict(incident.first_recorded)
    first.setdefault(name, old)
    return replace(incident, **{name: new}, first_recorded=first)


def _task(previous: Task | None, e: Event) -> Task:
    d = e.data
    base = previous or Task(n=d["n"], text=None, step=None, source=None, state=TaskState.OPEN, note=None,
                            updated_at=e.at, by=e.author)
    return replace(
        base,
        text=d.get("text") or base.text, step=d.get("step") or base.step, source=d.get("source") or base.source,
        state=TaskState(d.get("state", base.state)), note=d.get("note") or base.note, updated_at=e.at, by=e.author,
    )


#: Phases recorded before issue 13: a "final" notice completed the information; an "update"
#: gave part of it and kept the Art. 33(4) follow-up open, as an initial notice does.
LEGACY_PHASES = {"final": Phase.COMPLETE, "update": Phase.INITIAL}


def _notification(e: Event) -> Notification:
    d = e.data
    draft = d.get("draft")
    phase = d.get("phase") or Phase.COMPLETE
    return Notification(
        obligation=d["obligation"], at=clock.instant(d["at"]), recorded_at=e.at, by=e.author,
        phase=Phase(LEGACY_PHASES.get(phase, phase)), phase_number=d.get("phase_number") or 1,
        reference=d.get("reference"), reasons_for_delay=d.get("reasons_for_delay"), late=bool(d.get("late")),
        recipient=d.get("recipient"), without_approval=bool(d.get("without_approval")), reason=d.get("reason"),
        reasons_outside_tool=bool(d.get("reasons_outside_tool")),
        draft=DraftRef(kind=draft["kind"], lang=draft["lang"], version=draft["version"], sha256=draft["sha256"])
        if draft else None,
        seq=e.seq, correction_reason=d.get("correction_reason"),
    )
