"""What is posted when: pure rules, `now` and the organization's zone passed in.

Reminders go out at T-48 h, T-24 h, T-12 h, T-6 h, T-1 h and at the deadline (GDPR Art. 33(1):
72 hours to notify the supervisory authority), an OVERDUE alert once per 12-hour window after
it. Quiet hours hold back status chatter only; statutory reminders always go out. A status
message shows sanitized facts only: ids, states, counts, categories, risk and deadlines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from breach.core import time as clock
from breach.core.customers import ART_33_2
from breach.core.customers import PREFIX as CUSTOMER_PREFIX
from breach.core.states import EventKind, IncidentStatus, ObligationState
from breach.errors import InputError

if TYPE_CHECKING:
    from breach.core.regimes import Obligation

#: Reminder offsets before a deadline; the deadline itself is "DEADLINE".
REMINDER_OFFSETS = (
    ("T-48 h", timedelta(hours=48)),
    ("T-24 h", timedelta(hours=24)),
    ("T-12 h", timedelta(hours=12)),
    ("T-6 h", timedelta(hours=6)),
    ("T-1 h", timedelta(hours=1)),
    ("DEADLINE", timedelta(0)),
)
OVERDUE = "OVERDUE"
#: A "DEADLINE now" reminder that could not be scheduled is still worth posting this late.
DEADLINE_GRACE = timedelta(hours=1)
#: An OVERDUE alert goes out at most once per window per obligation.
OVERDUE_WINDOW = timedelta(hours=12)
#: Slack refuses to schedule a message for (almost) now; post those directly instead.
SCHEDULE_MARGIN_SECONDS = 60
#: The event line of an incident's parent message (posted first, then updated in place).
PARENT_EVENT = "Incident status"
#: Back-off after a retryable failure: 30 s, 1 min, 2 min, ... at most 15 min between the
#: automatic attempts that end every command. `breach slack flush` always tries at once.
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(minutes=15)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return min(BACKOFF_FIRST * (2 ** max(0, min(attempts, 20) - 1)), BACKOFF_MAX)


def reminder_schedule(due_at: datetime, now: datetime) -> list[tuple[str, datetime]]:
    """Reminder times before a deadline, strictly after `now`, earliest first."""
    if due_at.tzinfo is None or now.tzinfo is None:
        raise InputError("refusing a time without a zone")
    return [(label, due_at - offset) for label, offset in REMINDER_OFFSETS if due_at - offset > now]


def reminder_times(due_at: datetime) -> list[tuple[str, datetime, datetime]]:
    """(label, post time, until) for every reminder of a deadline; until = when it is stale."""
    times = [(label, due_at - offset) for label, offset in REMINDER_OFFSETS]
    out = []
    for i, (label, at) in enumerate(times):
        until = times[i + 1][1] if i + 1 < len(times) else due_at + DEADLINE_GRACE
        out.append((label, at, until))
    return out


def due_reminder(due_at: datetime, now: datetime) -> tuple[str, datetime, datetime] | None:
    """The latest reminder whose time has come and is not stale yet (a catch-up posts it), or None."""
    due = [(label, at, until) for label, at, until in reminder_times(due_at) if at <= now < until]
    return due[-1] if due else None


def overdue_window(due_at: datetime, now: datetime) -> int:
    """Which 12-hour window after the deadline `now` falls in: one OVERDUE alert per window."""
    return int((now - due_at) / OVERDUE_WINDOW)


# --- quiet hours -------------------------------------------------------------------------

_QUIET = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_quiet_hours(text: str) -> tuple[time, time]:
    """'22:00-07:00' -> (22:00, 07:00); the range may wrap past midnight."""
    m = _QUIET.match(text or "")
    if not m:
        raise InputError(f"quiet hours must look like 22:00-07:00: {text!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise InputError(f"quiet hours must look like 22:00-07:00: {text!r}")
    start, end = time(h1, m1), time(h2, m2)
    if start == end:
        raise InputError(f"quiet hours start and end at the same time: {text!r}")
    return start, end


def is_quiet(now: datetime, quiet_hours: str | None, zone_name: str) -> bool:
    """True when `now` falls in the quiet hours, read on the organization's local clock.

    Quiet hours hold back status chatter only; statutory reminders always go out.
    """
    if not quiet_hours:
        return False
    if now.tzinfo is None:
        raise InputError("refusing a time without a zone")
    start, end = parse_quiet_hours(quiet_hours)
    local = clock.in_zone(now, zone_name).time().replace(tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end


# --- what a status message may show --------------------------------------------------------

_CATEGORY = re.compile(r"^[a-z0-9_-]{1,40}$")

#: The changes a status reply is posted for (`breach drill` previews the latest of them).
POSTED_KINDS = frozenset({EventKind.OPENED, EventKind.ASSESSED, EventKind.NOTIFIED, EventKind.CLOSED})


def event_label(what: str, state: Any) -> str:
    """The header of a status reply: what changed, without any free text."""
    if what == EventKind.OPENED:
        return "Incident opened"
    if what == EventKind.ASSESSED:
        risk = state.assessment.risk if state.assessment else None
        return f"Assessed: {risk} risk" if risk else "Assessed"
    if what.startswith("notified:"):
        return f"Notified: {what.partition(':')[2]}"
    if what == EventKind.CLOSED:
        return "Incident closed"
    if what == "requested":
        return "Status update"
    return what


def status_summary(incident: Any, state: Any, obligations: list, *, event: str, zone: str,
                   now: datetime | None = None) -> dict[str, Any]:
    """Sanitized data for messages.status_message: ids, counts, categories, risk, deadline.

    The title only when the incident was opened with --public; never notes, summaries,
    free-text answers or references.
    """
    assessment = state.assessment
    result = assessment.result if assessment else {}
    answers = assessment.answers if assessment else {}
    word: str  # how far it has come: closed, notified, assessed, or only open
    if incident.status == IncidentStatus.CLOSED:
        word = IncidentStatus.CLOSED
    elif state.notifications:
        word = EventKind.NOTIFIED
    elif state.assessments:
        word = EventKind.ASSESSED
    else:
        word = IncidentStatus.OPEN
    return {
        "incident": incident.id,
        "event": event,
        "state": word,
        "risk": _word(result.get("risk")),
        "level": _word(result.get("level")),
        "subjects_count": _int(answers.get("subjects_count")),
        "records_count": _int(answers.get("records_count")),
        "categories": _categories(answers.get("data_categories")) if assessment else None,
        "next_deadline": _next_deadline(fold_customer_windows(obligations), zone),
        "customers": customer_counts(obligations, now=now) if now is not None else None,
        "title": incident.title if incident.public else None,
    }


def _word(value: Any) -> str | None:
    return value if isinstance(value, str) and _CATEGORY.match(value) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _categories(value: Any) -> list[str] | None:
    if not isinstance(value, list):
        return None
    # Choice ids only: anything that is not a short identifier could be free text.
    return [v for v in value if isinstance(v, str) and _CATEGORY.match(v)]


def _next_deadline(obligations: list, zone: str) -> Mapping[str, Any] | None:
    dated = [o for o in obligations if o.state == ObligationState.PENDING and o.due_at is not None]
    if not dated:
        return None
    o = min(dated, key=lambda o: o.due_at)
    overdue = o.remaining is not None and o.remaining < timedelta(0)
    return {
        "obligation": f"{o.rule_id} (OVERDUE)" if overdue else o.rule_id,
        "recipient": o.recipient,
        "due_at": clock.iso(clock.in_zone(o.due_at, zone)),
        "remaining": None if overdue or o.remaining is None else clock.humanize(o.remaining),
    }


# --- the customers' windows (a processor's contract notices, issue 25) -----------------------

#: The one reminder series that stands for every customer's contract window: Slack is reminded of
#: the earliest pending window (all customers due then), not once per customer (GDPR Art. 33(2)).
CUSTOMER_WINDOWS = "contract-notices"
#: With `slack: {customer_names: true}` in the profile, at most this many names in a reminder.
NAMES_SHOWN = 5


def fold_customer_windows(obligations: Sequence[Obligation], *, names: bool = False) -> list[Obligation]:
    """The obligations as Slack sees them: every `contract-notice:<id>` folded into one.

    The folded obligation is due at the earliest pending window and names the count due then, the
    total and how many were notified; a customer's name only when the profile allows it (`names`),
    never its e-mail addresses. With no window left pending it is met, so its reminders are withdrawn.
    """
    windows = [o for o in obligations if o.rule_id.startswith(CUSTOMER_PREFIX)]
    others = [o for o in obligations if not o.rule_id.startswith(CUSTOMER_PREFIX)]
    if not windows:
        return others
    pending = sorted((o for o in windows if o.state == ObligationState.PENDING and o.due_at is not None),
                     key=lambda o: o.due_at or datetime.max)
    notified = sum(1 for o in windows if o.state in (ObligationState.MET, ObligationState.LATE))
    first = pending[0] if pending else windows[0]
    due_then = [o for o in pending if o.due_at == first.due_at]
    recipient = (f"{len(due_then):,} of {len(windows):,} customers (earliest contract window, {ART_33_2}; "
                 f"{notified:,} notified)")
    if names and due_then:
        shown = [o.title.removeprefix("Notify customer ").split(" (contract window")[0] for o in due_then]
        more = len(shown) - NAMES_SHOWN
        recipient += ": " + ", ".join(shown[:NAMES_SHOWN]) + (f" and {more:,} more" if more > 0 else "")
    folded = replace(first, rule_id=CUSTOMER_WINDOWS, title="Notify the customers within their contract windows",
                     recipient=recipient, source=f"{ART_33_2} and the data processing agreements",
                     state=first.state if pending else ObligationState.MET, met_at=None if pending else first.met_at,
                     remaining=first.remaining if pending else None)
    return [*others, folded]


def customer_counts(obligations: Sequence[Obligation], *, now: datetime) -> dict[str, int] | None:
    """Counts for a status message: customers affected, notified, pending, due at the earliest window."""
    windows = [o for o in obligations if o.rule_id.startswith(CUSTOMER_PREFIX)]
    if not windows:
        return None
    pending = [o for o in windows if o.state == ObligationState.PENDING and o.due_at is not None]
    earliest = min((o.due_at for o in pending if o.due_at is not None), default=None)
    met = (ObligationState.MET, ObligationState.LATE)
    return {"customers": len(windows), "notified": sum(1 for o in windows if o.state in met),
            "late": sum(1 for o in windows if o.state == ObligationState.LATE), "pending": len(pending),
            "overdue": sum(1 for o in pending if o.due_at is not None and o.due_at < now),
            "due_earliest": sum(1 for o in pending if o.due_at == earliest)}
