"""The guided assessment in a real pseudo-terminal: answer, get killed, resume, finish."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pexpect
import pytest
from conftest import REPO, T0, Cli

from breach.adapters.yamlfiles import load_yaml

ANSWERS_FILE = REPO / "tests" / "data" / "wp250" / "example06.yaml"
QUESTION = re.compile(r"\[(\d+)/(\d+)\] \((\w+)\) ")
TRANSLATION = re.compile(r"the same in (\w+) \(Enter to leave it missing\): ")
PROMPT = r"answer \(\? for help\)[^:]*: "


def typed(value: object) -> str:
    """How a person types an answer at the prompt."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def spawn(home: Path, incident: str) -> pexpect.spawn:
    env = {**os.environ, "BREACH_NOW": T0, "USER": "tester", "COLUMNS": "200"}
    return pexpect.spawn(sys.executable, ["-m", "breach", "assess", incident, "--home", str(home)],
                         env=env, encoding="utf-8", timeout=90, dimensions=(50, 200))


def answer_questions(child: pexpect.spawn, answers: dict, *, limit: int | None = None) -> int:
    """Answer questions until the summary (or `limit` answers); returns how many were answered."""
    count = 0
    step = ""
    while limit is None or count < limit:
        index = child.expect([QUESTION, r"Record this assessment\?", TRANSLATION])
        if index == 1:
            return count
        if index == 2:  # the same text in another language, the English shown beside
            value = answers.get(step, {})
            child.sendline(value.get(child.match.group(1), "") if isinstance(value, dict) else "")
            continue
        step = child.match.group(3)
        child.expect(PROMPT)
        if count == 0:
            child.sendline("?")  # help on demand, then the same question again
            child.expect(r"Source: |help")
            child.expect(PROMPT)
        value = answers.get(step)
        child.sendline(typed(value.get("en", "") if isinstance(value, dict) else value) if step in answers else "")
        count += 1
    return count


def test_assess_in_a_pty_survives_a_kill_and_matches_answers_file(cli: Cli, home: Path) -> None:
    answers = {k: v for k, v in load_yaml(ANSWERS_FILE).items() if k not in {"expected", "source"}}
    interactive = cli.open("interactive")
    scripted = cli.open("scripted")

    child = spawn(home, interactive)
    assert answer_questions(child, answers, limit=5) == 5
    child.expect(QUESTION)  # the sixth question is on screen: its answer would be the one lost
    child.kill(9)
    child.close()

    saved = [e for e in cli.json("timeline", interactive) if e["kind"] == "answer"]
    assert len(saved) == 5  # each answer was saved as it was given

    child = spawn(home, interactive)
    child.expect("Resuming the assessment")
    answer_questions(child, answers)
    child.sendline("y")
    child.expect(r"Who takes this decision\? \[tester\]: ")
    child.sendline("Ana Peeters (DPO)")
    child.expect("recorded")
    child.expect("Next: breach status")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    row = next(r for r in cli.json("register", "--format", "json") if r["id"] == interactive)
    assert row["decided_by"] == "Ana Peeters (DPO)"

    asked = {e["data"]["step"] for e in cli.json("timeline", interactive) if e["kind"] == "answer"}
    assert len(asked) > 5

    via_file = cli.json("assess", scripted, "--answers", str(ANSWERS_FILE))
    via_pty = cli.json("show", interactive)["assessment"]
    for key in ("dpc", "ei", "cb", "severity", "level", "risk", "notify_sa", "notify_subjects",
                "public_communication", "exemption"):
        assert via_pty[key] == via_file[key], key
    assert via_file["notify_sa"] is True and via_file["notify_subjects"] is True


def test_answers_file_with_missing_answers_off_a_terminal_lists_them(cli: Cli, tmp_path: Path) -> None:
    iid = cli.open()
    partial = tmp_path / "partial.yaml"
    partial.write_text("role: controller\nbreach_types: [confidentiality]\n")
    result = cli("assess", iid, "--answers", str(partial))
    assert result.exit_code == 1
    assert "missing" in result.stderr and "data_categories" in result.stderr


def test_without_a_terminal_or_answers_it_says_how(cli: Cli) -> None:
    result = cli("assess", cli.open())
    assert result.exit_code == 1 and "--answers" in result.stderr


def test_reassessment_keeps_the_earlier_one_and_the_latest_counts(cli: Cli) -> None:
    iid = cli.open()
    first = cli.json("assess", iid, "--answers", str(REPO / "tests/data/wp250/example01.yaml"))
    second = cli.json("assess", iid, "--answers", str(ANSWERS_FILE))
    assert first["risk"] == "unlikely" and second["risk"] == "high"
    view = cli.json("show", iid)
    assert view["assessments"] == 2 and view["assessment"]["risk"] == "high"
    kinds = [e["kind"] for e in cli.json("timeline", iid)]
    assert kinds.count("assessed") == 2


def test_tasks_from_the_playbook_can_be_done_or_skipped(cli: Cli) -> None:
    iid = cli.open()
    cli.json("assess", iid, "--answers", str(ANSWERS_FILE))
    tasks = cli.json("tasks", iid)
    assert tasks and all(t["state"] == "open" for t in tasks)
    assert any("password" in t["text"].lower() for t in tasks)
    assert cli.json("task", iid, "1", "done", "--note", "logs copied")["state"] == "done"
    assert cli("task", iid, "2", "skip").exit_code == 1  # skipping needs a reason
    assert cli.json("task", iid, "2", "skip", "--note", "not relevant")["state"] == "skipped"
    states = {t["n"]: t["state"] for t in cli.json("tasks", iid)}
    assert states[1] == "done" and states[2] == "skipped"
    assert json.dumps(cli.json("show", iid)["tasks"]).count("done") >= 1


# --- the EDPB layer through the CLI (issue 12) -----------------------------------------------


def answers_file(tmp_path: Path, name: str = "answers.yaml", **changes: object) -> Path:
    """WP250 example 6's answers with changes; a change to None removes the key."""
    answers = load_yaml(ANSWERS_FILE)
    data = {k: v for k, v in answers.items() if k not in {"expected", "source"}}
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path = tmp_path / name
    path.write_text(json.dumps(data))  # JSON is YAML
    return path


RANSOMWARE_ON_PATIENTS = {
    "nature_summary": "Ransomware encrypted the clinic's patient records; restored from backup the same day.",
    "breach_types": ["availability"],
    "data_categories": ["simple", "sensitive"],
    "data_items": ["name", "date_of_birth", "health"],
    "subject_categories": ["patients"],
    "special_categories": True,
    "availability": "recoverable",
    "critical_service": True,
    "malicious": True,
    "malware": True,
    "exfiltration_ruled_out": False,
    "subjects_count": 5000,
    "records_count": 60000,
    "vulnerable_subjects": True,
    "confidentiality": None,
    "unintelligible": None,
    "password_storage": None,
    "jurisdictions": None,
}


def test_ransomware_on_patients_restored_from_backup_notifies_authority_and_patients(cli: Cli, tmp_path: Path) -> None:
    result = cli.json("assess", cli.open(), "--answers", str(answers_file(tmp_path, **RANSOMWARE_ON_PATIENTS)))
    assert (result["risk"], result["notify_sa"], result["notify_subjects"]) == ("high", True, True)
    assert result["cb_elements"]["confidentiality"] == 0.5  # exfiltration not ruled out


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"breach_types": [], "confidentiality": None, "unintelligible": None}, "breach_types is empty"),
        ({"subject_categorie": ["children"]}, "did you mean 'subject_categories'"),
        ({"risk_override": "unlikely"}, "lowers the computed risk 'high' without a reason"),
        ({"breach_types": ["confidentiality", "availability"], "availability": "none", "critical_service": False},
         "contradictory answers: availability"),
    ],
    ids=["empty-breach-types", "unknown-key", "lowering-without-reason", "contradiction"],
)
def test_answers_that_cannot_be_judged_are_refused(cli: Cli, tmp_path: Path, changes: dict, message: str) -> None:
    iid = cli.open()
    result = cli("assess", iid, "--answers", str(answers_file(tmp_path, **changes)))
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ") and message in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert cli.json("show", iid)["assessment"] is None  # nothing recorded


def test_unknown_key_is_refused_even_when_the_answers_are_otherwise_complete(cli: Cli, tmp_path: Path) -> None:
    """An optional answer with a typo would otherwise drop silently (children not counted)."""
    path = answers_file(tmp_path, subject_categories=None, subject_categries=["children"])
    result = cli("assess", cli.open(), "--answers", str(path))
    assert result.exit_code == 1 and "subject_categries" in result.stderr


def test_override_with_a_reason_is_in_the_register_with_who_decided(cli: Cli, tmp_path: Path) -> None:
    iid = cli.open()
    path = answers_file(tmp_path, risk_override="risk",
                        risk_override_reason="passwords were bcrypt-hashed and all reset before publication")
    result = cli.json("assess", iid, "--answers", str(path), "--by", "DPO Jane")
    # issue 22: a lowering is pending until a second person confirms it
    assert (result["computed_risk"], result["risk"], result["notify_subjects"]) == ("high", "high", True)
    assert result["override_pending"]
    cli.json("confirm-override", iid, "--as", "CISO Max", "--json")
    row = next(r for r in cli.json("register") if r["id"] == iid)
    assert (row["computed_risk"], row["risk_override"], row["risk"]) == ("high", "risk", "risk")
    assert row["risk_override_reason"].startswith("passwords were bcrypt-hashed")
    assert (row["risk_override_by"], row["override_confirmed_by"]) == ("DPO Jane", "CISO Max")
    assert any("LOWERED" in line for line in row["rationale"])
