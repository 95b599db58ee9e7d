"""The guided session in a real pseudo-terminal: "n/m", numbered choices, prefixes, defaults, Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import sys
from pathlib import Path

import pexpect
import pytest
from conftest import T0, Cli

from breach.adapters.playbooks import find_playbook, load_playbook
from breach.core.playbook.steps import _match_choice
from breach.errors import InputError

PROMPT = r"answer \(\? for help\)[^:]*: "


def spawn(home: Path, incident: str) -> pexpect.spawn:
    env = {**os.environ, "BREACH_NOW": T0, "USER": "tester", "COLUMNS": "120"}
    # A run started in the background inherits SIGINT ignored: give the session Ctrl-C back.
    return pexpect.spawn(sys.executable, ["-m", "breach", "assess", incident, "--home", str(home)],
                         env=env, encoding="utf-8", timeout=90, dimensions=(50, 120),
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


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


def test_lowering_the_risk_without_a_reason_asks_again_instead_of_failing(cli: Cli, home: Path) -> None:
    """The override step: lowering needs a reason; the session says so and lets the responder add it."""
    from test_cli_assess import ANSWERS_FILE, typed

    from breach.adapters.yamlfiles import load_yaml

    answers = {k: v for k, v in load_yaml(ANSWERS_FILE).items() if k not in {"expected", "source"}}
    answers.update(risk_override="unlikely", risk_override_reason="")
    iid = cli.open()
    child = spawn(home, iid)
    index = child.expect([r"This cannot be recorded yet", r"Record this assessment\?", r"\[\d+/\d+\] \((\w+)\) "])
    while index == 2:  # answer the questions, the empty reason included
        step = child.match.group(1)
        child.expect(PROMPT)
        value = answers.get(step)
        if isinstance(value, dict) and "en" in value:
            value = value["en"]  # the translations are offered next, and left empty here
        child.sendline("" if value is None else typed(value))
        index = child.expect([r"This cannot be recorded yet", r"Record this assessment\?",
                              r"\[\d+/\d+\] \((\w+)\) ", r"the same in (\w+) \(Enter to leave it missing\): "])
        while index == 3:
            child.sendline("")
            index = child.expect([r"This cannot be recorded yet", r"Record this assessment\?",
                                  r"\[\d+/\d+\] \((\w+)\) ", r"the same in (\w+) \(Enter to leave it missing\): "])
    assert index == 0, "an override lowering the risk without a reason was not caught"
    child.expect(r"Which step do you change\?")
    child.sendline("risk_override_reason")
    child.expect(r"\(risk_override_reason\)")
    child.expect(PROMPT)
    child.sendline("Data already public and deleted by the recipient, confirmed in writing")
    while child.expect([r"the same in \w+ \(Enter to leave it missing\): ", r"Record this assessment\?"]) == 0:
        child.sendline("")
    child.sendline("y")
    child.expect(r"Who takes this decision\?")
    child.sendline("")
    child.expect("recorded")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assessment = cli.json("show", iid)["assessment"]
    # issue 22: recorded, but pending until a second person confirms it; the computed risk drives the clocks
    assert assessment["risk_override"] == "unlikely" and assessment["risk_override_reason"]
    assert assessment["override_pending"] and assessment["risk"] == assessment["computed_risk"]
