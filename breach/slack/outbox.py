"""The outbox's keys, typed: one `OutboxKey` per message, and the names of the slack_state entries.

A key is unique per outbox row (the database enforces it), and it is the idempotency key
Slack carries as message metadata, so its string form is a stored format: `str(key)` is
byte-identical to the keys databases already hold, and `OutboxKey.parse` reads them back.

    <iid>:parent                          the incident's parent message (post or webhook)
    <iid>:status:<seq>:<what>[:<n>]       a thread reply for the change recorded as event <seq>
    <iid>:update:<seq>:<what>[:<n>]       the matching chat.update of the parent message
    <iid>:remind:<obl>:<gen>:<label>      one scheduled reminder (label t-48h ... deadline)
    <iid>:remind:<obl>:<gen>:<label>:now  the same reminder posted by `remind` (catch-up)
    <iid>:unschedule:<obl>:<gen>          delete the scheduled reminders of generation gen-1
    <iid>:overdue:<obl>:<due epoch>:<w>   OVERDUE alert, once per 12-hour window w after due

<what> is opened, assessed, closed, requested, notified:<obl> or retracted:<obl>; <n> counts repeated
requests for one event (absent for the first). Incident and obligation ids hold no colon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from breach.core.states import EventKind
from breach.errors import InputError

KeyKind = Literal["parent", "status", "update", "remind", "unschedule", "overdue"]
KINDS: tuple[KeyKind, ...] = ("parent", "status", "update", "remind", "unschedule", "overdue")


class OutboxState(StrEnum):
    """An outbox row: queued, being sent (claimed by one flush), then sent, failed or skipped."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


#: Outbox row states that still have to go out.
UNSENT = (OutboxState.QUEUED, OutboxState.SENDING)

#: Changes about one obligation: their <what> is "<verb>:<obligation id>".
SUBJECT_VERBS = (EventKind.NOTIFIED, EventKind.RETRACTED)

_ID = re.compile(r"^[^:\s]+$")
_NUMBER = re.compile(r"^-?[0-9]+$")


def label_slug(label: str) -> str:
    """'T-48 h' -> 't-48h', 'DEADLINE' -> 'deadline': a reminder's label as it stands in a key."""
    return label.lower().replace(" ", "")


@dataclass(frozen=True)
class OutboxKey:
    """One outbox row's key. Build it with a constructor (`OutboxKey.reply(...)`), store `str(key)`."""

    incident: str
    kind: KeyKind
    seq: int | None = None  # status, update: the event the change was recorded as
    what: str | None = None  # status, update: opened, ..., notified:<obl>
    n: int = 1  # status, update: the n-th request for the same event
    obligation: str | None = None  # remind, unschedule, overdue
    generation: int | None = None  # remind, unschedule: how many times the reminders were unscheduled
    label: str | None = None  # remind: the label's slug (t-48h ... deadline)
    catch_up: bool = False  # remind: posted late by `breach slack remind` (":now")
    due_epoch: int | None = None  # overdue: the deadline, epoch seconds
    window: int | None = None  # overdue: the 12-hour window after the deadline

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError(f"unknown outbox key kind {self.kind!r}")
        for value in (self.incident, self.obligation):
            if value is not None and not _ID.match(value):
                raise InputError(f"an outbox key's ids hold no colon or space: {value!r}")

    # --- constructors ------------------------------------------------------------------

    @classmethod
    def parent(cls, incident: str) -> OutboxKey:
        return cls(incident, "parent")

    @classmethod
    def reply(cls, incident: str, seq: int, what: str, n: int = 1) -> OutboxKey:
        return cls(incident, "status", seq=seq, what=what, n=n)

    @classmethod
    def update(cls, incident: str, seq: int, what: str, n: int = 1) -> OutboxKey:
        return cls(incident, "update", seq=seq, what=what, n=n)

    @classmethod
    def reminder(cls, incident: str, obligation: str, generation: int, label: str, *,
                 catch_up: bool = False) -> OutboxKey:
        return cls(incident, "remind", obligation=obligation, generation=generation, label=label_slug(label),
                   catch_up=catch_up)

    @classmethod
    def unschedule(cls, incident: str, obligation: str, generation: int) -> OutboxKey:
        return cls(incident, "unschedule", obligation=obligation, generation=generation)

    @classmethod
    def overdue(cls, incident: str, obligation: str, due_epoch: int, window: int) -> OutboxKey:
        return cls(incident, "overdue", obligation=obligation, due_epoch=due_epoch, window=window)

    # --- the stored form ---------------------------------------------------------------

    def __str__(self) -> str:
        return self.format()

    def format(self) -> str:
        """The key as stored in the outbox and sent to Slack as metadata."""
        if self.kind == "parent":
            parts: list[object] = []
        elif self.kind in ("status", "update"):
            parts = [self.seq, self.what, *([self.n] if self.n != 1 else [])]
        elif self.kind == "remind":
            parts = [self.obligation, self.generation, self.label, *(["now"] if self.catch_up else [])]
        elif self.kind == "unschedule":
            parts = [self.obligation, self.generation]
        else:
            parts = [self.obligation, self.due_epoch, self.window]
        return ":".join(str(p) for p in (self.incident, self.kind, *parts))

    @classmethod
    def parse(cls, text: str) -> OutboxKey:
        """Read a stored key back; `str(OutboxKey.parse(k)) == k` for every key breach ever wrote."""
        parts = str(text).split(":")
        incident, kind, rest = parts[0], parts[1] if len(parts) > 1 else "", parts[2:]
        try:
            if kind == "parent" and not rest:
                key = cls.parent(incident)
            elif kind in ("status", "update") and len(rest) >= 2:
                seq, what, tail = int(rest[0]), rest[1], rest[2:]
                if tail and (what in SUBJECT_VERBS or not _NUMBER.match(tail[0])):
                    what, tail = f"{what}:{tail[0]}", tail[1:]
                if len(tail) > 1 or (tail and not _NUMBER.match(tail[0])):
                    raise ValueError
                key = cls(incident, "status" if kind == "status" else "update", seq=seq, what=what,
                          n=int(tail[0]) if tail else 1)
            elif kind == "remind" and len(rest) in (3, 4) and (len(rest) == 3 or rest[3] == "now"):
                key = cls(incident, "remind", obligation=rest[0], generation=int(rest[1]), label=rest[2],
                          catch_up=len(rest) == 4)
            elif kind == "unschedule" and len(rest) == 2:
                key = cls.unschedule(incident, rest[0], int(rest[1]))
            elif kind == "overdue" and len(rest) == 3:
                key = cls.overdue(incident, rest[0], int(rest[1]), int(rest[2]))
            else:
                raise ValueError
        except (ValueError, InputError):
            raise InputError(f"not an outbox key: {text!r}") from None
        if key.format() != text:
            raise InputError(f"not an outbox key in its stored form: {text!r}")
        return key


class StateKey:
    """The names of the slack_state entries (one data folder's, or a team database's).

    setup_hint_shown, webhook_hint_shown  "1" once the hint was printed (per data folder)
    parent:<iid>                          {"ts", "channel"} of the parent message
    plan:<iid>:<obl>                      due time (UTC ISO) reminders are planned for;
                                          written when they are queued
    plans:<iid>                           the obligations that have a plan (JSON list)
    sched:<iid>:<obl>                     {"due_at", "channel", "items": [{"label", "post_at",
                                          "scheduled_message_id", "key"}]} once Slack has them
    channel:<BREACH_SLACK_CHANNEL>        the channel ID a '#name' resolved to
    """

    SETUP_HINT = "setup_hint_shown"
    WEBHOOK_HINT = "webhook_hint_shown"

    @staticmethod
    def parent(incident: str) -> str:
        return f"parent:{incident}"

    @staticmethod
    def plan(incident: str, obligation: str) -> str:
        return f"plan:{incident}:{obligation}"

    @staticmethod
    def plans(incident: str) -> str:
        return f"plans:{incident}"

    @staticmethod
    def scheduled(incident: str, obligation: str) -> str:
        return f"sched:{incident}:{obligation}"

    @staticmethod
    def channel(setting: str | None) -> str:
        return f"channel:{setting}"
