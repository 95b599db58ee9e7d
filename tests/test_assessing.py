"""The assessment flow as Python: answers files, defaults from what is known, results as events."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import HIGH_RISK_ANSWERS, Cli

from breach.adapters import clock
from breach.errors import InputError
from breach.services.assessment import finish, known_defaults, load_answers_file, progress, save_answer
from breach.services.session import open_session


def test_load_answers_file_drops_test_metadata_and_keeps_answers(tmp_path: Path) -> None:
    answers = load_answers_file(HIGH_RISK_ANSWERS)
    assert "expected" not in answers and "source" not in answers
    assert answers["subjects_count"] == 80000 and answers["breach_types"] == ["confidentiality"]
    nested = tmp_path / "nested.yaml"
    nested.write_text("answers:\n  role: controller\n")
    assert load_answers_file(nested) == {"role": "controller"}


def test_known_defaults_come_from_the_incident_and_the_previous_assessment(cli: Cli, home: Path) -> None:
    iid = cli.open("x", "--role", "processor")
    session = open_session(home)
    incident, _playbook, state, answers, defaults = progress(session, iid)
    assert answers == {} and defaults == {"role": "processor"}
    save_answer(session, incident, playbook="gdpr", step="nature_summary", value="Lost laptop", now=clock.now())
    _, _, state, answers, _ = progress(session, iid)
    assert answers == {"nature_summary": "Lost laptop"}  # saved at once, resumable
    # issue 22: the answers' role is the incident's (a mismatch is refused)
    finish(session, iid, playbook_name="gdpr", answers={**load_answers_file(HIGH_RISK_ANSWERS), "role": "processor"},
           now=clock.now())
    _, _, state, answers, defaults = progress(session, iid)
    assert answers == {}  # the in-progress answers were consumed by the assessment
    assert defaults["subjects_count"] == 80000 and defaults["role"] == "processor"
    assert known_defaults(incident, state)["jurisdictions"] == {"BE": 30000, "FR": 30000, "DE": 20000}


def test_finish_refuses_incomplete_or_ill_typed_answers(cli: Cli, home: Path) -> None:
    iid = cli.open()
    session = open_session(home)
    with pytest.raises(InputError, match="missing answers"):
        finish(session, iid, playbook_name="gdpr", answers={"role": "controller"}, now=clock.now())
    bad = {**load_answers_file(HIGH_RISK_ANSWERS), "subjects_count": "lots"}
    with pytest.raises(InputError, match="subjects_count"):
        finish(session, iid, playbook_name="gdpr", answers=bad, now=clock.now())
    assert [e.kind for e in session.store.events(iid)] == ["opened"]  # nothing recorded
