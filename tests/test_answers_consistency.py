"""Impossible facts in answers are refused (issue 23): counts that do not add up, times in the
future, before the breach or with offsets no place uses, and free text under unknown languages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import yaml
from conftest import HIGH_RISK_ANSWERS, Cli

from breach.adapters.playbooks import find_playbook, load_playbook
from breach.core.playbook.consistency import answer_problems

NOW = datetime.fromisoformat("2026-11-28T14:05:00+01:00")
OCCURRED = datetime.fromisoformat("2026-11-27T22:00:00+01:00")
LANGUAGES = ["en", "fr", "nl"]


def example(**changes: object) -> dict:
    """WP250 example 6 (consistent: 80,000 people in BE, FR and DE) with `changes`."""
    answers = {k: v for k, v in yaml.safe_load(HIGH_RISK_ANSWERS.read_text()).items()
               if k not in {"expected", "source", "description"}}
    return {**answers, **changes}


ENDED = {"breach_ongoing": False}
INFORMED = {"subjects_informed": "yes"}

#: (name, changes, what the refusal says)
IMPOSSIBLE = [
    ("counts", {"jurisdictions": {"BE": 100_000_000, "FR": 100_000_000, "DE": 100_000_000}},
     ["jurisdictions", "300,000,000", "80,000", "unlocated"]),
    ("future", {**INFORMED, "subjects_informed_at": "2030-01-01T09:00:00+01:00"},
     ["subjects_informed_at", "2030-01-01", "in the future", "now is 2026-11-28T14:05"]),
    ("offset", {**ENDED, "breach_ended_at": "2026-11-28T10:00:00+15:00"},
     ["breach_ended_at", "+15:00", "-14:00 to +14:00"]),
    ("ended-before-occurred", {**ENDED, "breach_ended_at": "2026-11-27T08:00:00+01:00"},
     ["breach_ended_at", "before the breach occurred", "2026-11-27T22:00", "--occurred-at"]),
    ("unknown-language", {"nature_summary": {"en": "A stolen database.", "xx": "Xyzzy."}},
     ["nature_summary", "'xx'", "en, fr, nl"]),
]


@pytest.fixture
def gdpr():
    return load_playbook(find_playbook("gdpr"))


def write(tmp_path: Path, answers: dict) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers, allow_unicode=True))
    return path


@pytest.mark.parametrize(("name", "changes", "words"), IMPOSSIBLE, ids=[c[0] for c in IMPOSSIBLE])
def test_assess_refuses_an_impossible_fact(cli: Cli, tmp_path: Path, name: str, changes: dict,
                                           words: list[str]) -> None:
    iid = cli.open("DB", "--aware-at", "2026-11-28 09:00", "--occurred-at", "2026-11-27 22:00")
    result = cli("assess", iid, "--answers", str(write(tmp_path, example(**changes))))
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ")
    for word in words:
        assert word in result.stderr, (word, result.stderr)
    assert "Traceback" not in result.output
    assert cli.json("show", iid)["assessment"] is None  # nothing recorded


def test_consistent_answers_are_recorded(cli: Cli, tmp_path: Path) -> None:
    """The same facts made possible: counts that add up (with people of unknown location), times in the past."""
    iid = cli.open("DB", "--aware-at", "2026-11-28 09:00", "--occurred-at", "2026-11-27 22:00")
    answers = example(jurisdictions={"BE": 30000, "FR": 30000, "DE": 15000, "unlocated": 5000},
                      **ENDED, breach_ended_at="2026-11-28T20:00:00+14:00", **INFORMED,
                      subjects_informed_at="2026-11-28T13:00:00+01:00")
    result = cli("assess", iid, "--answers", str(write(tmp_path, answers)))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("name", "changes", "words"), IMPOSSIBLE, ids=[c[0] for c in IMPOSSIBLE])
def test_answer_problems_names_the_key_and_the_fix(gdpr, name: str, changes: dict, words: list[str]) -> None:
    problems = answer_problems(gdpr, example(**changes), now=NOW, occurred_at=OCCURRED, languages=LANGUAGES)
    assert len(problems) == 1, problems
    for word in words:
        assert word in problems[0], (word, problems)


def test_answer_problems_accepts_what_can_be_true(gdpr) -> None:
    answers = example(jurisdictions={"BE": 79_000, "unlocated": 1000}, **ENDED,
                      breach_ended_at="2026-11-28T14:05:00+01:00", **INFORMED,
                      subjects_informed_at="2026-11-28T00:00:00-12:00",
                      plain_summary={"en": "A stolen database.", "de": "Eine gestohlene Datenbank."})
    assert answer_problems(gdpr, answers, now=NOW, occurred_at=OCCURRED, languages=LANGUAGES) == []


def test_answer_problems_without_an_occurred_time_checks_the_rest(gdpr) -> None:
    answers = example(**ENDED, breach_ended_at="2020-01-01T00:00:00+01:00")
    assert answer_problems(gdpr, answers, now=NOW, occurred_at=None, languages=LANGUAGES) == []
    late = example(**ENDED, breach_ended_at="2026-11-28T15:00:00+01:00")
    assert "in the future" in answer_problems(gdpr, late, now=NOW, occurred_at=None, languages=LANGUAGES)[0]


def test_counts_only_unlocated_still_add_up(gdpr) -> None:
    ok = example(jurisdictions={"unlocated": 80000})
    assert answer_problems(gdpr, ok, now=NOW, languages=LANGUAGES) == []
    short = example(jurisdictions={"BE": 1000, "unlocated": 2000})
    [problem] = answer_problems(gdpr, short, now=NOW, languages=LANGUAGES)
    assert "3,000 (1,000 located + 2,000 unlocated)" in problem and "80,000" in problem
