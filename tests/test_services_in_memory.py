"""The services run over a Session on the in-memory store: no data folder, no database file.

The Session is wired as the CLI wires it (projections and the Slack outbox as notifiers) and holds
the sample organization profile the way a team's log does (pushed into the store), so no database
or profile is on disk: only the shipped resources and the test's answers file are read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import HIGH_RISK_ANSWERS, T0
from fake_store import MemoryStore

from breach.adapters.profile import sample_profile
from breach.errors import NotFoundError
from breach.services import assessment, incidents, integrity
from breach.services.projection import ProjectionUpdater
from breach.services.session import Session
from breach.services.status import incident_list, status_json, status_rows
from breach.slack.notifier import OutboxNotifier

NOW = datetime.fromisoformat(T0)


@pytest.fixture
def store(tmp_path: Path) -> MemoryStore:
    text = sample_profile().read_text()
    log = MemoryStore(tmp_path / "never-made", shared=True)
    log.push_org(text=text, sha256=hashlib.sha256(text.encode()).hexdigest(), at=NOW, by="setup")
    return log


@pytest.fixture
def session(store: MemoryStore, tmp_path: Path) -> Iterator[Session]:
    with Session(home=store.home, store=store, author="ana",
                 notifiers=[ProjectionUpdater(), OutboxNotifier()]) as s:
        yield s
    # No database and no profile on disk; a team's session keeps only the renditions of the files
    # pushed with the profile (none here) under .team/.
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written in ([], ["never-made/.team/v1/.complete"]), written


def test_open_log_and_read_the_timeline(session: Session, store: MemoryStore) -> None:
    incident = incidents.open_incident(session, title="Laptop stolen", now=NOW, aware_at="2026-11-28 09:00")
    assert incident.id == "BR-2026-0001" and incident.title == "Laptop stolen"
    incidents.log_event(session, incident.id, "Wiped remotely", kind="action", now=NOW + timedelta(minutes=5))
    events = incidents.timeline(session, incident.id.lower())  # ids are case-insensitive
    assert [(e.seq, e.kind, e.author) for e in events] == [(1, "opened", "ana"), (2, "action", "ana")]
    assert events[1].prev_hash == events[0].hash
    assert store.incident_row(incident.id)["event_count"] == 2
    with pytest.raises(NotFoundError):
        incidents.timeline(session, "BR-2026-0404")


def test_an_assessment_gives_the_article_33_clock_and_the_projection_serves_status(
        session: Session, store: MemoryStore) -> None:
    incident = incidents.open_incident(session, title="DB", now=NOW, aware_at="2026-11-28 09:00")
    result = assessment.assess(session, incident.id, assessment.load_answers_file(HIGH_RISK_ANSWERS), now=NOW)
    assert result["notify_sa"] is True
    assert store.projection(incident.id) is None
    session.finish()  # the end of a command: the projections of what it wrote are rebuilt
    stored = store.projection(incident.id)
    assert stored is not None and stored["event_count"] == store.incident_row(incident.id)["event_count"]
    rows = {r["obligation"]: r for r in status_rows(session, None, now=NOW)}
    sa = rows["gdpr-art33-sa"]
    assert sa["state"] == "pending" and sa["source"].startswith("GDPR Art. 33(1)")
    assert datetime.fromisoformat(sa["due_at"]) == datetime.fromisoformat("2026-12-01T09:00:00+01:00")  # aware + 72 h
    fast = json.loads(status_json(session, None, now=NOW))
    assert fast == json.loads(json.dumps(status_rows(session, None, now=NOW), default=str))
    assert [i["id"] for i in incident_list(session, include_closed=False, now=NOW)] == [incident.id]


def test_verify_finds_an_edited_event_in_the_fake_too(session: Session, store: MemoryStore) -> None:
    iid = incidents.open_incident(session, title="DB", now=NOW).id
    incidents.log_event(session, iid, "first", now=NOW)
    assert [(r["incident"], r["ok"], r["events"]) for r in integrity.verify(session)] == [(iid, True, 2)]
    store.data["events"][iid][1]["data"] = json.dumps({"text": "forged"})
    found = integrity.verify(session, iid)
    assert found[0]["ok"] is False and "event #2" in found[0]["problem"] and "edited" in found[0]["problem"]


def test_a_failed_block_records_nothing(session: Session, store: MemoryStore) -> None:
    iid = incidents.open_incident(session, title="DB", now=NOW).id
    with pytest.raises(RuntimeError), session.store.transaction():
        incidents.log_event(session, iid, "half done", now=NOW)
        raise RuntimeError("the caller's own error")
    assert [e.kind for e in incidents.timeline(session, iid)] == ["opened"]
