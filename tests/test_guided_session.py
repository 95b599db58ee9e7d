"""The guided session in a real pseudo-terminal: "n/m", numbered choices, prefixes, defaults, Ctrl-C."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pexpect
import pytest
from conftest import T0, Cli

from breach.core.playbook import find_playbook, load_playbook
from breach.core.playbook.steps import _match_choice
from breach.errors import InputError

PROMPT = r"answer \(\? for help\)[^:]*: "


def spawn(home: Path, incident: str) -> pexpect.spawn:
    env = {**os.environ, "BREACH_NOW": T0, "USER": "tester", "COLUMNS": "120"}
    return pexpect.spawn(sys.executable, ["-m", "breach", "assess", incident, "--home", str(home)],
                         env=env, encoding="utf-8", timeout=30, dimensions=(50, 120))


def test_first_question_shows_n_of_m_numbered_choices_and_takes_a_prefix(cli: Cli, home: Path) -> None:
    iid = cli.open()
    child = spawn(home, iid)
    child.expect(r"\[1/(\d+)\] \((\w+)\) ")
    total, step = int(child.match.group(1)), child.match.group(2)
    assert step == "role" and total > 5
    child.expect(PROMPT)
    choices = child.before
    assert re.search(r"1\) controller", choices) and re.search(r"2\) processor", choices)
    child.sendline("contr")
    child.expect(r"\[2/\d+\] \((\w+)\) ")
    child.sendintr()  # Ctrl-C
    child.expect("Resume with: breach assess " + iid)
    child.expect(pexpect.EOF)
    child.close()
    answers = [e["data"] for e in cli.json("timeline", iid) if e["kind"] == "answer"]
    assert answers[0]["step"] == "role" and answers[0]["value"] == "controller"


def test_unique_prefixes_and_ambiguous_ones() -> None:
    book = load_playbook(find_playbook("gdpr"))
    ei = book.step("ease_of_identification")
    assert _match_choice(ei, "max") == "maximum"
    assert _match_choice(ei, "2") == ei.choices[1].value
    role = book.step("role")
    assert _match_choice(role, "Contr") == "controller"
    many = [s for s in book.steps if s.choices and len({c.value[:1] for c in s.choices}) < len(s.choices)]
    step = many[0]
    first = next(c.value[:1] for c in step.choices if sum(x.value.startswith(c.value[:1]) for x in step.choices) > 1)
    with pytest.raises(InputError, match="type more letters"):
        _match_choice(step, first)
