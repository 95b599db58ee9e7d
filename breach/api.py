"""The Python API's composition root: a Session wired to the projections and the Slack outbox.

    from breach.api import open_session
    with open_session() as s:          # BREACH_HOME, else ./incidents
        ...                            # Slack messages queued here are sent on exit

The CLI uses exactly this, so a Python caller and `breach` behave the same.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from breach.adapters.config import Config
from breach.services.projection import ProjectionUpdater
from breach.services.session import Session
from breach.services.session import open_session as _open
from breach.slack.notifier import OutboxNotifier

if TYPE_CHECKING:
    from breach.core.interview import IncidentFacts, Interview


def open_session(home: Path | str | None = None, *, write: bool = True, author: str | None = None,
                 config: Config | None = None) -> Session:
    """Open a data folder (made by `init_home`); use it as a context manager.

    The configuration (data folder, database URL, zone, who acts, chain key, clock, Slack) is
    resolved here once from the environment, unless `config` is given; `home` and `author` win.
    """
    return _open(Path(home) if home is not None else None, write=write, author=author,
                 notifiers=[ProjectionUpdater(), OutboxNotifier()], config=config or Config.from_env())


def interview_facts(session: Session, incident_id: str, *, now: datetime) -> IncidentFacts:
    """What the incident's record tells the interview: awareness, role, the note from `open`, and
    whether the clocks owe a GDPR Art. 33(1) notice to an authority (whose reasons for a delay are due)."""
    from breach.core.interview import IncidentFacts
    from breach.services.obligations import incident_obligations

    state = session.state(incident_id)
    incident = state.incident
    owed = any(o.rule_id.partition(":")[0] == "gdpr-art33-sa" and o.due_at is not None
               for o in incident_obligations(session, incident.id, now=now, state=state))
    return IncidentFacts(aware_at=incident.aware_at, role=incident.role.value,
                         awareness_note=incident.awareness_note, sa_notice_owed=owed)


def start_interview(session: Session, incident_id: str, *, now: datetime, playbook: str = "gdpr") -> Interview:
    """The guided assessment of an incident, as `breach assess ID` asks it (docs/api.md).

    It starts where the terminal session stands: the answers saved since the last assessment,
    the last assessment's answers as defaults. Record `interview.result` with `assess`.
    """
    from breach.core.interview import Interview
    from breach.services.assessment import (
        FREE_TEXT_STEPS,
        previous_answers,
        progress,
        session_defaults,
        text_languages,
    )

    incident, book, state, answers, _ = progress(session, incident_id, playbook)
    return Interview(book, now=now, incident_id=incident.id, facts=interview_facts(session, incident.id, now=now),
                     previous=previous_answers(state), answers=answers,
                     defaults=session_defaults(incident, state, book), languages=text_languages(session),
                     multilingual=FREE_TEXT_STEPS, zone=session.org_zone)
