"""Pure fold of an incident's timeline into its current state.

The timeline is the source of truth: answers, assessments, tasks, scope, clock start
events, notifications and reviews are all events, so the state is always derivable
and nothing is ever rewritten in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import clock
from .models import Event


@dataclass
class IncidentState:
    answers: dict[str, Any] = field(default_factory=dict)  # the assessment in progress
    assessments: list[dict[str, Any]] = field(default_factory=list)  # every completed one
    tasks: dict[int, dict[str, Any]] = field(default_factory=dict)
    scope: dict[str, int] = field(default_factory=dict)
    clock_events: dict[str, datetime] = field(default_factory=dict)
    notifications: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    drafts: list[dict[str, Any]] = field(default_factory=list)
    letters: list[dict[str, Any]] = field(default_factory=list)

    @property
    def assessment(self) -> dict[str, Any] | None:
        """The latest assessment counts (a reassessment keeps the earlier ones)."""
        return self.assessments[-1] if self.assessments else None


def fold(events: list[Event]) -> IncidentState:
    state = IncidentState()
    for e in events:
        d = e.data
        if e.kind == "answer":
            state.answers[d["step"]] = d["value"]
        elif e.kind == "assessed":
            state.assessments.append({**d, "at": e.at, "by": e.author, "seq": e.seq})
            state.answers = {}
            for name, at in (d.get("clock_events") or {}).items():
                state.clock_events.setdefault(name, clock.decode(at, None))
            if d.get("scope"):
                state.scope = dict(d["scope"])
        elif e.kind == "task":
            n = d["n"]
            task = state.tasks.setdefault(n, {"n": n, "text": d.get("text"), "step": d.get("step"),
                                              "source": d.get("source"), "state": "open", "note": None})
            for key in ("text", "step", "source"):
                if d.get(key):
                    task[key] = d[key]
            task["state"] = d.get("state", task["state"])
            if d.get("note"):
                task["note"] = d["note"]
            task["updated_at"] = e.at
            task["by"] = e.author
        elif e.kind == "scope":
            state.scope = dict(d.get("jurisdictions") or {})
        elif e.kind == "clock":
            state.clock_events[d["event"]] = clock.decode(d["at"], None)
        elif e.kind == "notified":
            entry = {**d, "at": clock.decode(d["at"], None), "recorded_at": e.at, "by": e.author}
            state.notifications.setdefault(d["obligation"], []).append(entry)
            state.clock_events[f"submitted:{d['obligation']}"] = entry["at"]
        elif e.kind == "drafted":
            state.drafts.append({**d, "at": e.at, "by": e.author})
        elif e.kind == "reviewed":
            state.reviews.append({**d, "at": e.at, "by": d.get("by") or e.author})
        elif e.kind == "letters":
            state.letters.append({**d, "at": e.at})
    return state
