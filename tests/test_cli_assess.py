"""The guided assessment in a real pseudo-terminal: answer, get killed, resume, finish."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pexpect
from conftest import REPO, T0, Cli

from breach.core.yamlio import load_yaml

ANSWERS_FILE = REPO / "tests" / "data" / "wp250" / "example06.yaml"
QUESTION = re.compile(r"\[(\d+)\] \((\w+)\) ")
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
                         env=env, encoding="utf-8", timeout=20, dimensions=(50, 200))


def answer_questions(child: pexpect.spawn, answers: dict, *, limit: int | None = None) -> int:
    """Answer questions until the summary (or `limit` answers); returns how many were answered."""
    count = 0
    while limit is None or count < limit:
        index = child.expect([QUESTION, r"Record this assessment\?"])
        if index == 1:
            return count
        step = child.match.group(2)
        child.expect(PROMPT)
        if count == 0:
            child.sendline("?")  # help on demand, then the same question again
            child.expect(r"Source: |help")
            child.expect(PROMPT)
        child.sendline(typed(answers[step]) if step in answers else "")
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
    child.expect("recorded")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

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
