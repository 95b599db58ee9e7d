"""Frozen records the core passes around. Times are tz-aware datetimes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


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
    CLOCK = "clock"  # a clock start event: determined, classified_major, ...
    NOTIFIED = "notified"
    DRAFTED = "drafted"
    REVIEWED = "reviewed"
    LETTERS = "letters"


#: Kinds a responder may add with `breach log`.
LOG_KINDS = ("note", "action", "evidence", "decision")


@dataclass(frozen=True)
class Incident:
    id: str
    title: str
    role: Role
    status: str  # open | closed
    aware_at: datetime
    opened_at: datetime
    occurred_at: datetime | None = None
    detected_at: datetime | None = None
    awareness_note: str | None = None
    closed_at: datetime | None = None
    summary: str | None = None
    public: bool = False


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
