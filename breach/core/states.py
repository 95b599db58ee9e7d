"""The states, phases, kinds and roles, defined once (StrEnum: each member is the string stored).

Kept apart from the records (breach.core.models, which re-exports them) so that reading a state, as
`breach status --json` does on every call, costs no dataclass creation at start-up.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CONTROLLER = "controller"
    PROCESSOR = "processor"


class EventKind(StrEnum):
    OPENED = "opened"
    NOTE = "note"
    ACTION = "action"
    EVIDENCE = "evidence"
    DECISION = "decision"
    CLOSED = "closed"
    ANSWER = "answer"
    ASSESSED = "assessed"
    TASK = "task"
    SCOPE = "scope"
    CLOCK = "clock"  # a clock start event: determined, classified_major, or a correction of aware/detected
    NOTIFIED = "notified"
    DRAFTED = "drafted"
    REVIEWED = "reviewed"
    LETTERS = "letters"
    EDITED = "edited"  # a correction of the incident's facts (title, times, awareness note)
    RETRACTED = "retracted"  # a notice recorded by mistake; the obligation is pending again
    CUSTOMERS = "customers"  # the processor's customers affected (breach scope --customers)


class IncidentStatus(StrEnum):
    """Whether the incident is still being handled (`breach close` ends it)."""

    OPEN = "open"
    CLOSED = "closed"


class TaskState(StrEnum):
    """A playbook task: open until done or skipped (skipping needs a note)."""

    OPEN = "open"
    DONE = "done"
    SKIPPED = "skipped"


class ObligationState(StrEnum):
    """Where a duty stands (breach.core.regimes): pending until a notice meets it, in time or late.

    An advisory (an authority that may be concerned, EDPB Guidelines 9/2022 para 73) has no clock:
    it is `advisory` until legal decides, then `decided`."""

    PENDING = "pending"
    MET = "met"
    LATE = "late"
    NOT_APPLICABLE = "not_applicable"
    ADVISORY = "advisory"
    DECIDED = "decided"


class Phase(StrEnum):
    """Phases of a notice to the supervisory authority (GDPR Art. 33(4); the Belgian DPA form's
    "type of notification"): initial (more to follow), complete, supplementary (to an earlier one)."""

    INITIAL = "initial"
    COMPLETE = "complete"
    SUPPLEMENTARY = "supplementary"


class ReviewDecision(StrEnum):
    """What legal decided on one draft version (`breach review`)."""

    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"


class DraftState(StrEnum):
    """A draft version as the review list shows it (breach.core.review.draft_states)."""

    DRAFT = "draft"
    CHANGES_REQUESTED = "changes requested"
    APPROVED = "approved"
    SENT = "sent"
    SUPERSEDED = "superseded"


#: Obligation states with nothing left to do (`breach status --pending` leaves them out).
SETTLED = (ObligationState.MET, ObligationState.LATE, ObligationState.NOT_APPLICABLE, ObligationState.DECIDED)
