"""The fold: events in, the incident's state out. Pure, so tested with hand-made events."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from breach.core.models import Event, EventKind, Role
from breach.core.state import fold
from breach.core.time import iso

T0 = datetime.fromisoformat("2026-11-28T14:05:00+01:00")


def event(seq: int, kind: EventKind, data: dict, *, hours: float = 0, author: str = "ana") -> Event:
    return Event(incident_id="BR-2026-0001", seq=seq, kind=kind.value, at=T0 + timedelta(hours=hours),
                 author=author, data=data, hash=f"h{seq}")


OPENED = event(1, EventKind.OPENED, {"title": "DB exposed", "role": "controller", "public": False,
                                     "aware_at": iso(T0), "occurred_at": iso(T0 - timedelta(days=1)),
                                     "detected_at": None, "awareness_note": "forensics"})


def test_the_incident_is_what_opened_says() -> None:
    state = fold([OPENED])
    i = state.incident
    assert (i.id, i.title, i.role, i.status, i.aware_at, i.opened_at) == (
        "BR-2026-0001", "DB exposed", Role.CONTROLLER, "open", T0, T0)
    assert i.occurred_at == T0 - timedelta(days=1) and i.detected_at is None
    assert (state.event_count, state.head_hash) == (1, "h1")


def test_a_timeline_without_opened_is_refused() -> None:
    with pytest.raises(ValueError, match="opened"):
        fold([event(1, EventKind.NOTE, {"text": "x"})])


def test_corrections_apply_once_and_keep_what_was_first_recorded() -> None:
    later = T0 - timedelta(hours=5)
    state = fold([OPENED, event(2, EventKind.CLOCK, {"event": "aware", "at": iso(later)}, hours=1)])
    assert state.incident.aware_at == later
    assert state.incident.first_recorded == {"aware_at": T0}
    assert state.clock_events["aware"] == later


def test_closed_sets_status_time_and_summary() -> None:
    state = fold([OPENED, event(2, EventKind.CLOSED, {"summary": "contained"}, hours=30)])
    assert (state.incident.status, state.incident.closed_at, state.incident.summary) == (
        "closed", T0 + timedelta(hours=30), "contained")


def test_answers_in_progress_are_cleared_by_the_assessment_and_the_latest_assessment_counts() -> None:
    events = [
        OPENED,
        event(2, EventKind.ANSWER, {"step": "role", "value": "controller"}),
        event(3, EventKind.ASSESSED, {"playbook": "gdpr", "answers": {"role": "controller"},
                                      "result": {"risk": "risk"}, "scope": {"BE": 10}}, hours=1),
        event(4, EventKind.ANSWER, {"step": "subjects_count", "value": 12}, hours=2),
        event(5, EventKind.ASSESSED, {"playbook": "gdpr", "answers": {"role": "controller"},
                                      "result": {"risk": "high"}}, hours=3, author="bob"),
    ]
    state = fold(events)
    assert state.answers == {}
    assert [a.risk for a in state.assessments] == ["risk", "high"]
    assert (state.assessment.by, state.assessment.at, state.assessment.seq) == ("bob", T0 + timedelta(hours=3), 5)
    assert state.scope == {"BE": 10}


def test_scope_events_replace_the_scope() -> None:
    state = fold([OPENED, event(2, EventKind.SCOPE, {"jurisdictions": {"BE": 1}}),
                  event(3, EventKind.SCOPE, {"jurisdictions": {"FR": 2}})])
    assert state.scope == {"FR": 2}


def test_tasks_keep_their_text_while_their_state_changes() -> None:
    state = fold([OPENED,
                  event(2, EventKind.TASK, {"n": 1, "text": "Reset passwords", "step": "t", "state": "open"}),
                  event(3, EventKind.TASK, {"n": 1, "state": "done", "note": "all reset"}, hours=2, author="bob")])
    task = state.tasks[1]
    assert (task.text, task.state, task.note, task.by) == ("Reset passwords", "done", "all reset", "bob")


def test_notifications_are_typed_and_start_the_submitted_clock() -> None:
    sent = T0 + timedelta(hours=20)
    state = fold([OPENED, event(2, EventKind.NOTIFIED, {
        "obligation": "gdpr-art33-sa", "at": iso(sent), "phase": "initial", "phase_number": 1,
        "reference": "DBN-1", "draft": {"kind": "sa-notification", "lang": "fr", "version": 2, "sha256": "abc"}},
        hours=21)])
    n = state.notifications["gdpr-art33-sa"][0]
    assert (n.at, n.phase, n.reference, n.draft.version, n.recorded_at) == (
        sent, "initial", "DBN-1", 2, T0 + timedelta(hours=21))
    assert state.clock_events["submitted:gdpr-art33-sa"] == sent


def test_drafts_and_reviews_are_records() -> None:
    state = fold([OPENED,
                  event(2, EventKind.DRAFTED, {"kind": "sa-notification", "lang": "fr", "version": 1,
                                               "sha256": "abc", "missing": ["x"]}),
                  event(3, EventKind.REVIEWED, {"kind": "sa-notification", "lang": "fr", "version": 1,
                                                "sha256": "abc", "decision": "approved", "by": "Legal"})])
    assert state.drafts[0].missing == ("x",)
    assert (state.reviews[0].decision, state.reviews[0].by) == ("approved", "Legal")


def test_the_state_is_frozen() -> None:
    state = fold([OPENED])
    with pytest.raises(AttributeError):
        state.incident = None  # type: ignore[misc]


@pytest.mark.parametrize("kind", list(EventKind))
def test_every_event_kind_folds(kind: EventKind) -> None:
    """The enum the writers use is the one the fold dispatches on: no kind falls through unknown."""
    samples = {
        EventKind.OPENED: OPENED.data, EventKind.NOTE: {"text": "x"}, EventKind.ACTION: {"text": "x"},
        EventKind.EVIDENCE: {"text": "x"}, EventKind.DECISION: {"text": "x"}, EventKind.CLOSED: {"summary": "x"},
        EventKind.ANSWER: {"step": "role", "value": "controller"},
        EventKind.ASSESSED: {"answers": {}, "result": {"risk": "risk"}},
        EventKind.TASK: {"n": 1, "text": "t"}, EventKind.SCOPE: {"jurisdictions": {"BE": 1}},
        EventKind.CLOCK: {"event": "determined", "at": iso(T0)},
        EventKind.NOTIFIED: {"obligation": "x", "at": iso(T0)},
        EventKind.DRAFTED: {"kind": "k", "lang": "en", "version": 1, "sha256": "a"},
        EventKind.REVIEWED: {"kind": "k", "lang": "en", "version": 1, "sha256": "a", "decision": "approved"},
        EventKind.LETTERS: {"written": 3},
        EventKind.EDITED: {"fields": {"title": "y"}},
        EventKind.RETRACTED: {"obligation": "x", "reason": "r"},
        EventKind.CUSTOMERS: {"customers": [{"id": "c1", "name": "C", "emails": ["a@b.c"], "window_hours": 24}]},
    }
    state = fold([OPENED, event(2, kind, samples[kind])]) if kind != EventKind.OPENED else fold([OPENED])
    assert state.event_count == (1 if kind == EventKind.OPENED else 2)


def test_edits_apply_in_order_and_are_listed_with_who_and_when() -> None:
    earlier = T0 - timedelta(hours=3)
    state = fold([OPENED,
                  event(2, EventKind.EDITED, {"fields": {"title": "Customer DB exposed", "aware_at": iso(earlier)},
                                              "note": "typo; forensics dated awareness"}, hours=1, author="bob"),
                  event(3, EventKind.CLOCK, {"event": "aware", "at": iso(earlier + timedelta(hours=1))}, hours=2),
                  event(4, EventKind.EDITED, {"fields": {"occurred_at": None}}, hours=3)])
    i = state.incident
    assert (i.title, i.aware_at, i.occurred_at) == ("Customer DB exposed", earlier + timedelta(hours=1), None)
    assert i.first_recorded == {"title": "DB exposed", "aware_at": T0, "occurred_at": T0 - timedelta(days=1)}
    assert [(c.field, c.by, c.seq) for c in state.corrections] == [
        ("title", "bob", 2), ("aware_at", "bob", 2), ("aware_at", "ana", 3), ("occurred_at", "ana", 4)]
    assert state.corrections[0].note == "typo; forensics dated awareness"
    assert state.clock_events["aware"] == earlier + timedelta(hours=1)


def test_a_retraction_undoes_the_notice_and_keeps_it_on_record() -> None:
    first, second = T0 + timedelta(hours=5), T0 + timedelta(hours=9)
    state = fold([OPENED,
                  event(2, EventKind.NOTIFIED, {"obligation": "gdpr-art33-sa", "at": iso(first)}, hours=5),
                  event(3, EventKind.NOTIFIED, {"obligation": "gdpr-art33-sa", "at": iso(second)}, hours=9),
                  event(4, EventKind.RETRACTED, {"obligation": "gdpr-art33-sa", "notified_seq": 3,
                                                 "reason": "recorded on the wrong incident"}, hours=10)])
    assert [n.at for n in state.notifications["gdpr-art33-sa"]] == [first]
    assert state.clock_events["submitted:gdpr-art33-sa"] == first
    r = state.retractions[0]
    assert (r.notification.at, r.reason, r.by) == (second, "recorded on the wrong incident", "ana")
    state = fold([event(5, EventKind.RETRACTED, {"obligation": "gdpr-art33-sa", "notified_seq": 2,
                                                 "reason": "no"}, hours=11)], start=state)
    assert state.notifications["gdpr-art33-sa"] == ()
    assert "submitted:gdpr-art33-sa" not in state.clock_events


def test_scope_history_and_decisions_fold_in_order() -> None:
    events = [
        OPENED,
        event(2, EventKind.SCOPE, {"jurisdictions": {"BE": 10, "US-CA": 600}, "unlocated": 0}, hours=1),
        event(3, EventKind.SCOPE, {"jurisdictions": {"DE": 5}, "unlocated": 2, "change": "replace"}, hours=2),
        event(4, EventKind.CLOCK, {"event": "notify_authority:DE", "at": iso(T0), "obligation": "gdpr-art33-sa:DE",
                                   "by": "dpo"}, hours=3),
        event(5, EventKind.DECISION, {"obligation": "gdpr-art33-sa:DE", "notify": False, "reason": "not concerned",
                                      "by": "counsel", "supersedes": "notify_authority:DE"}, hours=4),
        event(6, EventKind.DECISION, {"text": "a free-text decision (breach log)"}, hours=5),
    ]
    state = fold(events)
    assert [(c.seq, c.scope, c.unlocated) for c in state.scope_history] == [(2, {"BE": 10, "US-CA": 600}, 0),
                                                                            (3, {"DE": 5}, 2)]
    assert state.scope_history[1].at == T0 + timedelta(hours=2)
    decision = state.decisions["gdpr-art33-sa:DE"]
    assert (decision.notify, decision.reason, decision.by, decision.seq) == (False, "not concerned", "counsel", 5)
    assert "notify_authority:DE" not in state.clock_events  # the later decision withdrew the earlier one
    assert fold(events[:4]).decisions["gdpr-art33-sa:DE"].notify is True
    assert "notify_authority:DE" in fold(events[:4]).clock_events
    assert list(state.decisions) == ["gdpr-art33-sa:DE"]
