"""Frozen records the core passes around. Times are tz-aware datetimes.

Every record here is derived from the timeline by the fold (breach.core.state); the
writers (breach.services) append events whose kinds come from `EventKind`, the same
enum the fold dispatches on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Re-exported: the enums are defined once, in breach.core.states.
from breach.core.states import (
    SETTLED as SETTLED,
)
from breach.core.states import (
    DraftState as DraftState,
)
from breach.core.states import (
    EventKind as EventKind,
)
from breach.core.states import (
    IncidentStatus as IncidentStatus,
)
from breach.core.states import (
    ObligationState as ObligationState,
)
from breach.core.states import (
    Phase as Phase,
)
from breach.core.states import (
    ReviewDecision as ReviewDecision,
)
from breach.core.states import (
    Role as Role,
)
from breach.core.states import (
    TaskState as TaskState,
)

#: Kinds a responder may add with `breach log`.
LOG_KINDS = (EventKind.NOTE, EventKind.ACTION, EventKind.EVIDENCE, EventKind.DECISION)


@dataclass(frozen=True)
class Incident:
    """The incident as its events say: `opened`, corrections (`clock` aware/detected) and `closed`."""

    id: str
    title: str
    role: Role
    status: IncidentStatus
    aware_at: datetime
    opened_at: datetime
    occurred_at: datetime | None = None
    detected_at: datetime | None = None
    awareness_note: str | None = None
    closed_at: datetime | None = None
    summary: str | None = None
    public: bool = False
    #: What was first recorded for a corrected fact: {"aware_at": datetime, "title": str, ...}.
    first_recorded: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Correction:
    """One corrected fact of the incident: what it was, what it is now, who said so and when."""

    field: str
    old: Any
    new: Any
    at: datetime
    by: str
    seq: int
    note: str | None = None


@dataclass(frozen=True)
class Event:
    incident_id: str
    seq: int
    kind: str
    at: datetime
    author: str
    data: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = ""
    hash: str = ""


@dataclass(frozen=True)
class Assessment:
    """One completed assessment (`assessed` event); the latest one counts."""

    at: datetime
    by: str
    seq: int
    playbook: str | None
    answers: dict[str, Any]
    result: dict[str, Any]  # breach.core.risk.RiskResult.to_dict()
    # The processor's own assessment of its customers' data (`breach assess ID --for-customers`), beside the
    # controller's of its own data: both roles in one incident (GDPR Art. 33(1) and 33(2)).
    for_customers: bool = False

    @property
    def risk(self) -> str | None:
        return self.result.get("risk")


@dataclass(frozen=True)
class Task:
    """A follow-up action from the playbook, open until done or skipped (with a note)."""

    n: int
    text: str | None
    step: str | None
    source: str | None
    state: TaskState
    note: str | None
    updated_at: datetime
    by: str


@dataclass(frozen=True)
class DraftRef:
    """A stored draft version (`drafted` event); the text itself is in the store, bound by sha256."""

    kind: str
    lang: str
    version: int
    sha256: str
    format: str | None = None
    template: str | None = None
    missing: tuple[str, ...] = ()
    at: datetime | None = None
    by: str | None = None
    phase: str | None = None  # sa-notification: initial | complete | supplementary (Art. 33(4))
    late: bool = False  # drafted after the Art. 33(1) deadline
    reasons_for_delay: Any = None  # as given in the notice: text, or {lang: text}


@dataclass(frozen=True)
class Review:
    """A legal review act on one draft version, bound to its sha256."""

    kind: str
    lang: str
    version: int
    sha256: str
    decision: ReviewDecision
    by: str
    comment: str | None
    at: datetime
    final_path: str | None = None
    final_sha256: str | None = None
    via: str | None = None  # where it was given, e.g. "review page"
    started_by: str | None = None  # who that channel acts as (`breach serve --as`)


@dataclass(frozen=True)
class Notification:
    """A notice recorded as made (`breach notified`), towards one obligation."""

    obligation: str
    at: datetime
    recorded_at: datetime
    by: str
    phase: Phase = Phase.COMPLETE  # GDPR Art. 33(4)
    phase_number: int = 1
    reference: str | None = None
    reasons_for_delay: Any = None  # text, or {lang: text} when taken from the approved notice
    reasons_outside_tool: bool = False  # given at `breach notified`, not in an approved notice
    late: bool = False
    recipient: str | None = None
    without_approval: bool = False
    reason: str | None = None
    draft: DraftRef | None = None
    seq: int = 0  # the `notified` event
    #: `breach notified --correction`: the record this one replaces (kept in the timeline), and why.
    corrected: Notification | None = None
    correction_reason: str | None = None


@dataclass(frozen=True)
class Retraction:
    """A notice recorded by mistake, undone by a later event; the register keeps both."""

    notification: Notification
    reason: str
    at: datetime
    by: str
