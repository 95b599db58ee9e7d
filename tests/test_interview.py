"""The interview in the core (breach/core/interview.py): what is asked, in which order, its counter,
back, the known facts, and the GDPR Art. 33(1) rule that reasons for a delay are asked only once late.

The last tests drive it through the Python API (`breach.start_interview`) and run docs/api.md's
"Driving the interview from Python" example as written.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, T0, Cli

import breach
from breach.adapters.playbooks import find_playbook, load_playbook
from breach.core.interview import ART33_PERIOD, IncidentFacts, Interview, delay_reasons_due
from breach.errors import InputError

NOW = datetime.fromisoformat(T0)
GDPR = load_playbook(find_playbook("gdpr"))
#: The required answers of a lost laptop (confidentiality only); every other question takes its default.
KNOWN: dict[str, Any] = {
    "role": "controller",
    "nature_summary": "A laptop with HR files was left on a train.",
    "breach_types": ["confidentiality"],
    "data_categories": ["simple"],
    "ease_of_identification": "maximum",
    "confidentiality": "unknown_recipients",
    "subjects_count": 120,
    "records_count": 120,
    "consequences": "Phishing.",
    "measures_taken": "Wiped.",
}

AVAILABILITY = {"breach_types": ["availability"], "availability": "temporary"}


def run(iv: Interview, known: dict[str, Any] | None = None) -> list[tuple[int, int, str]]:
    """Answer every question due with known[id], else its default; returns the (n, m, id) put."""
    known = KNOWN if known is None else known
    put = []
    while (question := iv.question) is not None:
        put.append((question.number, question.total, question.id))
        iv.answer(known.get(question.id, question.default))
    return put


def interview(*, aware_hours_ago: float = 1, **kwargs: Any) -> Interview:
    facts = kwargs.pop("facts", None) or IncidentFacts(aware_at=NOW - timedelta(hours=aware_hours_ago))
    return Interview(GDPR, now=NOW, facts=facts, **kwargs)


# --- order and conditions --------------------------------------------------------------------


def test_questions_come_in_playbook_order_and_only_while_their_condition_holds() -> None:
    asked = [step for _, _, step in run(interview())]
    order = [s.id for s in GDPR.steps]
    assert asked == sorted(asked, key=order.index)  # the playbook's order
    assert asked[:3] == ["role", "nature_summary", "breach_types"]
    assert "confidentiality" in asked  # when: 'confidentiality' in breach_types
    assert "integrity" not in asked and "critical_service" not in asked  # their losses not given
    assert not [s for s in asked if GDPR.step(s).type == "task"]  # tasks are actions, never asked


def test_an_answer_that_turns_a_condition_on_puts_its_questions_next() -> None:
    asked = [step for _, _, step in run(interview(), {**KNOWN, **AVAILABILITY})]
    assert "confidentiality" not in asked and "unintelligible" not in asked
    assert asked.index("breach_types") < asked.index("availability") < asked.index("critical_service")


def test_changing_an_answer_drops_the_answers_it_made_moot() -> None:
    iv = interview()
    run(iv)
    assert iv.result["confidentiality"] == "unknown_recipients"
    assert iv.reopen("breach_types").default == ["confidentiality"]  # Enter would keep it
    iv.answer(["availability"])
    run(iv, {**KNOWN, **AVAILABILITY})
    assert "confidentiality" not in iv.result and iv.result["breach_types"] == ["availability"]
    assert iv.missing == []


# --- the counter ------------------------------------------------------------------------------


def test_the_counter_goes_up_one_by_one_among_the_questions_that_apply_now() -> None:
    put = run(interview())
    assert [n for n, _, _ in put] == list(range(1, len(put) + 1))
    assert put[-1][0] == put[-1][1]  # the last question: n of n
    assert all(n <= m for n, m, _ in put)


def test_a_reassessment_knows_how_many_questions_apply_from_the_start() -> None:
    first = interview()
    run(first)
    again = interview(previous=first.result, defaults=first.result)
    put = run(again, {})  # Enter everywhere: the last answers
    assert {m for _, m, _ in put} == {len(put)}
    assert again.result == first.result


# --- back ---------------------------------------------------------------------------------------


def test_back_returns_to_the_previous_question_with_its_answer_as_the_default() -> None:
    iv = interview()
    assert iv.back() is None  # nothing before the first question
    assert iv.question.id == "role"
    iv.answer("controller")
    iv.answer("Lost laptop")
    assert iv.question.id == "breach_types"
    back = iv.back("conf")  # what was typed at breach_types is kept as its default
    assert (back.id, back.number, back.default) == ("nature_summary", 2, "Lost laptop")
    assert "nature_summary" not in iv.answers
    iv.answer(back.default)
    again = iv.question
    assert (again.id, again.number, again.default) == ("breach_types", 3, "conf")


def test_back_from_the_end_reopens_the_last_question_answered() -> None:
    iv = interview()
    run(iv)
    last = iv.back()
    assert last.id == "risk_override" and iv.question.id == "risk_override"
    assert iv.answer("high").endswith("your decision: high")
    assert iv.question.id == "risk_override_reason"  # when: risk_override answered (optional for a raise)
    iv.answer(None)
    assert iv.done and iv.result["risk_override"] == "high"


# --- answers ---------------------------------------------------------------------------------------


def test_text_is_read_as_a_terminal_reads_it_and_a_bad_answer_keeps_the_question_due() -> None:
    iv = interview()
    iv.answer("contr")  # a choice's first letters
    assert iv.answers["role"] == "controller"
    iv.answer("Lost")
    iv.answer("conf, avail")
    assert iv.answers["breach_types"] == ["confidentiality", "availability"]
    while iv.question.id != "subjects_count":
        iv.answer({**KNOWN, **AVAILABILITY, "breach_types": None}.get(iv.question.id, iv.question.default))
    with pytest.raises(InputError, match="whole number"):
        iv.answer("many")
    assert iv.question.id == "subjects_count"
    iv.answer("12,400")
    assert iv.answers["subjects_count"] == 12400
    with pytest.raises(InputError, match="records_count: an answer is required"):
        iv.answer(None)


def test_free_text_is_asked_per_language_and_answered_with_a_dict_of_languages() -> None:
    iv = interview(languages=["en", "fr", "nl"], multilingual={"nature_summary"})
    iv.answer("controller")
    question = iv.question
    assert question.id == "nature_summary" and question.languages == ("en", "fr", "nl")
    with pytest.raises(InputError, match="two-letter language codes"):
        iv.answer({"english": "Lost"})
    texts = {"en": "Lost laptop", "fr": "Ordinateur perdu"}
    iv.answer(texts)
    assert iv.answers["nature_summary"] == texts
    assert iv.question.languages == ()  # breach_types: a choice


# --- known facts ---------------------------------------------------------------------------------


def test_facts_from_open_are_not_asked_again() -> None:
    facts = IncidentFacts(aware_at=NOW, role="processor", awareness_note="The host told us at 09:00.")
    iv = interview(facts=facts)
    asked = [step for _, _, step in run(iv)]
    assert "awareness_note" not in asked and "role" not in asked
    assert iv.prefilled == {"role": "processor"}  # the CLI records it as the answer to `role`
    assert iv.result["role"] == "processor" and "awareness_note" not in iv.result
    assert iv.reopen("awareness_note").id == "awareness_note"  # asked for: a known fact can be changed too


# --- GDPR Art. 33(1): reasons for a delay ---------------------------------------------------------------


@pytest.mark.parametrize(("hours", "asked"), [(1, False), (71.9, False), (72, False), (72.01, True), (96, True)])
def test_reasons_for_delay_are_asked_only_after_72_hours_from_awareness(hours: float, asked: bool) -> None:
    put = run(interview(aware_hours_ago=hours))
    assert ("reasons_for_delay" in [s for _, _, s in put]) is asked
    assert put[-1][0] == put[-1][1] == len(put)  # counted among the questions that apply exactly when asked


def test_reasons_for_delay_are_not_asked_of_a_processor_or_when_no_notice_is_owed() -> None:
    late = NOW - ART33_PERIOD - timedelta(hours=1)
    assert delay_reasons_due(IncidentFacts(aware_at=late), {}, NOW)
    assert not delay_reasons_due(IncidentFacts(aware_at=late), {"role": "processor"}, NOW)  # Art. 33(2)
    assert not delay_reasons_due(IncidentFacts(aware_at=late, sa_notice_owed=False), {}, NOW)
    assert not delay_reasons_due(IncidentFacts(aware_at=None), {}, NOW)
    asked = [s for _, _, s in run(interview(aware_hours_ago=96), {**KNOWN, "role": "processor"})]
    assert "reasons_for_delay" not in asked


# --- through the Python API -----------------------------------------------------------------------------


def test_start_interview_asks_for_reasons_on_a_late_incident_and_records_through_assess(home: Path) -> None:
    now = breach.now()
    with breach.open_session(home, author="api") as s:
        fresh = breach.open_incident(s, title="Today", now=now)
        late = breach.open_incident(s, title="Four days ago", now=now, aware_at="2026-11-24 09:00")
        on_time = breach.start_interview(s, fresh.id, now=now)
        assert "reasons_for_delay" not in [q for _, _, q in run(on_time)]
        iv = breach.start_interview(s, late.id, now=now)
        assert isinstance(iv, breach.Interview) and iv.incident_id == late.id
        reasons = {"en": "Forensics reported on day 3.", "fr": "L'analyse a abouti au troisième jour."}
        asked = [q for _, _, q in run(iv, {**KNOWN, "reasons_for_delay": reasons})]
        assert "reasons_for_delay" in asked
        result = breach.assess(s, late.id, iv.result, now=now)
    assert result["incident"] == late.id
    recorded = [e for e in Cli(home).json("timeline", late.id) if e["kind"] == "assessed"]
    assert recorded[-1]["data"]["answers"]["reasons_for_delay"] == reasons


DOC = REPO / "docs" / "api.md"


def interview_example() -> str:
    section = DOC.read_text().split("## Driving the interview from Python", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_docs_interview_example_runs_and_records_the_assessment(tmp_path: Path) -> None:
    home = tmp_path / "data"
    env = {"BREACH_HOME": str(home), "BREACH_NOW": T0, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    ran = subprocess.run([sys.executable, "-c", interview_example()], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=120)
    assert ran.returncode == 0, ran.stderr
    put = [(int(n), int(m), q) for n, m, q in re.findall(r"^\[(\d+)/(\d+)\] \((\w+)\) ", ran.stdout, re.M)]
    assert [n for n, _, _ in put] == list(range(1, len(put) + 1))
    asked = [q for _, _, q in put]
    assert asked[0] == "role" and asked[-2:] == ["risk_override", "risk_override_reason"]
    assert "reasons_for_delay" not in asked  # aware just now: not late (GDPR Art. 33(1))
    assert "Computed risk: risk; your decision: high" in ran.stdout
    assert re.search(r"^BR-2026-0001 high notify the authority: True$", ran.stdout, re.M), ran.stdout
    events = [e for e in Cli(home).json("timeline", "BR-2026-0001") if e["kind"] == "assessed"]
    assert len(events) == 1
    answers, result = events[0]["data"]["answers"], events[0]["data"]["result"]
    assert answers["nature_summary"] == {
        "en": "A laptop holding HR files was left on a train; its disk was not encrypted.",
        "fr": "Un ordinateur portable contenant des dossiers RH a été oublié dans un train.",
    }
    assert (answers["ease_of_identification"], answers["malicious"], answers["subjects_count"]) == ("maximum", False,
                                                                                                   1200)
    assert answers["jurisdictions"] == {"BE": 1200} and answers["risk_override"] == "high"
    assert (result["risk"], result["notify_sa"]) == ("high", True)
    assert Cli(home).json("status", "BR-2026-0001")  # the CLI reads what the API recorded
