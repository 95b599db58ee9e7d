"""The JSON shape of an obligation or an advisory, as `breach status --json` and `breach show --json` list them.

One shape for both, so lists of obligations and advisories stay uniform: an advisory (no clock, state
`advisory` or `decided`) carries the advisory keys, an obligation the keys about its scope and basis.
Made by `Obligation.to_dict` and `Advisory.to_dict` (breach.core.regimes).
"""

from __future__ import annotations

from typing import NotRequired, TypedDict


class DecidedRow(TypedDict):
    """Legal's decision on an advisory (`breach decide`): notify or not, why, who and when (ISO 8601)."""

    notify: bool
    reason: str | None
    by: str
    at: str


class DutyFacts(TypedDict):
    """An obligation (or advisory) row without what depends on the time it is read: its clock in ISO 8601
    times, its state and its legal source."""

    obligation: str
    regime: str
    title: str
    recipient: str
    due_at: str | None
    due_at_utc: str | None
    state: str
    reason: str | None
    start_event: str | None
    start_taken_from: str | None
    started_at: str | None
    source: str
    status: str
    binding: str
    met_at: str | None
    note: str | None
    # an obligation's: met, then no longer triggered by the scope; why a US state duty arises
    no_longer_triggered: NotRequired[bool]
    scope_changed_at: NotRequired[str | None]
    basis: NotRequired[str | None]
    # an advisory's: what legal must decide, the command that makes it an obligation, the decision taken
    advisory: NotRequired[bool]
    decision: NotRequired[str]
    action: NotRequired[str | None]
    jurisdiction: NotRequired[str | None]
    decided: NotRequired[DecidedRow | None]


class ObligationRow(DutyFacts):
    """One obligation (or advisory) as read at a time: whether it is overdue and the seconds left."""

    overdue: bool
    remaining_seconds: int | None


class StatusRow(ObligationRow):
    """`breach status --json`: one obligation (or advisory) of one incident, as read now
    (breach.services.status)."""

    incident: str


class StoredDuty(DutyFacts):
    """A row as the projections store it (breach.services.projection): the epoch of its due time, so
    reading needs no date parsing to say how long is left."""

    _due_ts: float | None
