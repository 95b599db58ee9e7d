"""Reassessing keeps the record right: answers carried over as they are, per language, in a real terminal.

Each pty test runs the installed `breach` entry point in a pseudo-terminal, as a responder would.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pexpect
import pytest
from conftest import HIGH_RISK_ANSWERS, REPO, T0, Cli

from breach.adapters.playbooks import find_playbook, load_playbook
from breach.adapters.yamlfiles import load_yaml
from breach.core.playbook import (
    lost_answers,
    merged_answers,
    place,
)
from breach.core.playbook.steps import read_count

BREACH = Path(sys.executable).parent / "breach"  # the console script pip installed: the real entry point
QUESTION = r"\[(\d+)/(\d+)\] \((\w+)\) "
TRANSLATION = r"the same in (\w+) \([^)\r\n]*\): "
PROMPT = r"answer \(\? for help\)(?: \[[^\r\n]*\])?: "
RECORD = r"Record this assessment\? \[[^\]]*\]: "
LANGS = ("en", "fr", "nl", "de")


def spawn(home: Path, *args: str) -> pexpect.spawn:
    env = {**os.environ, "BREACH_NOW": T0, "USER": "tester", "COLUMNS": "250"}
    return pexpect.spawn(str(BREACH), ["assess", *args, "--home", str(home)], env=env, encoding="utf-8",
                         timeout=90, dimensions=(50, 250))


Reply = Callable[[str, str | None], str]  # (step, language of a translation prompt or None) -> line typed


def walk(child: pexpect.spawn, reply: Reply) -> list[tuple[int, int, str]]:
    """Answer every prompt with reply(step, lang) up to the summary; returns the (n, m, step) shown."""
    seen: list[tuple[int, int, str]] = []
    step = ""
    while True:
        index = child.expect([QUESTION, TRANSLATION, RECORD])
        if index == 2:
            return seen
        if index == 1:
            child.sendline(reply(step, child.match.group(1)))
            continue
        n, m, step = int(child.match.group(1)), int(child.match.group(2)), child.match.group(3)
        seen.append((n, m, step))
        child.expect(PROMPT)
        child.sendline(reply(step, None))


def record(child: pexpect.spawn) -> None:
    child.sendline("y")
    child.expect(r"Who takes this decision\?")
    child.sendline("")
    child.expect("recorded")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def assessed_answers(cli: Cli, iid: str) -> list[str]:
    """The answers of every `assessed` event, as stored (JSON text, key order kept)."""
    return [json.dumps(e["data"]["answers"], ensure_ascii=False)
            for e in cli.json("timeline", iid) if e["kind"] == "assessed"]


def drafts(cli: Cli, iid: str) -> dict[str, dict]:
    return {lang: cli.json("draft", iid, "sa-notification", "--lang", lang) for lang in LANGS}


@pytest.fixture
def late(cli: Cli) -> str:
    """A late incident (aware four days ago: Art. 33(1) reasons for the delay are due), assessed from a file
    whose free texts are in four languages (WP250 example 6)."""
    iid = cli.json("open", "--title", "DB", "--aware-at", "2026-11-24 09:00", "--occurred-at", "2026-11-23 22:00",
                   "--detected-at", "2026-11-24 08:00")["id"]
    assert cli("assess", iid, "--answers", str(HIGH_RISK_ANSWERS)).exit_code == 0
    return iid


def test_enter_at_every_prompt_changes_nothing_byte_for_byte(cli: Cli, home: Path, late: str) -> None:
    before = drafts(cli, late)
    for lang in ("fr", "de"):
        assert not [m for m in before[lang]["missing"] if m.startswith(("nature_summary", "consequences"))]
    child = spawn(home, late)
    child.expect("Reassessing")
    seen = walk(child, lambda step, lang: "")
    record(child)

    steps = [s for _, _, s in seen]
    assert "reasons_for_delay" in steps  # late: the question is asked (and left unanswered)
    assert [n for n, _, _ in seen] == list(range(1, len(seen) + 1))  # one by one, never backwards
    assert {m for _, m, _ in seen} == {len(seen)}  # the questions that apply, known from the start
    first, second = assessed_answers(cli, late)
    assert first == second  # byte-identical: nothing flattened, nothing added
    assert isinstance(json.loads(second)["nature_summary"], dict)
    after = drafts(cli, late)
    for lang in LANGS:
        assert after[lang]["sha256"] == before[lang]["sha256"], lang
        assert after[lang]["version"] == before[lang]["version"] == 1, lang  # no new version to review


def test_reasons_for_delay_added_in_two_languages_keeps_every_other_text(cli: Cli, home: Path, late: str) -> None:
    """The report: approval asks for reasons_for_delay; reassessing to give them corrupted the other texts."""
    reasons = {"en": "The scale was only known on the third day.",
               "fr": "L'ampleur n'a été connue qu'au troisième jour."}

    def reply(step: str, lang: str | None) -> str:
        return reasons.get(lang or "en", "") if step == "reasons_for_delay" else ""

    child = spawn(home, late)
    walk(child, reply)
    record(child)
    first, second = (json.loads(a) for a in assessed_answers(cli, late))
    assert second.pop("reasons_for_delay") == reasons
    assert first == second
    fr = cli.json("draft", late, "sa-notification", "--lang", "fr")
    assert reasons["fr"] in Path(fr["path"]).read_text()
    assert not [m for m in fr["missing"] if "(fr)" in m]
    en = Path(cli.json("draft", late, "sa-notification", "--lang", "en")["path"]).read_text()
    assert "de=" not in en and load_yaml(HIGH_RISK_ANSWERS)["nature_summary"]["en"] in en


def test_one_language_edited_the_others_kept(cli: Cli, home: Path, assessed: str) -> None:
    before = drafts(cli, assessed)
    new_fr = "Un attaquant a publié la base des utilisateurs."
    child = spawn(home, assessed)
    walk(child, lambda step, lang: new_fr if (step, lang) == ("nature_summary", "fr") else "")
    record(child)
    first, second = (json.loads(a) for a in assessed_answers(cli, assessed))
    assert second["nature_summary"] == {**first["nature_summary"], "fr": new_fr}
    assert {k: v for k, v in second.items() if k != "nature_summary"} == {
        k: v for k, v in first.items() if k != "nature_summary"}
    after = drafts(cli, assessed)
    assert after["fr"]["sha256"] != before["fr"]["sha256"] and after["fr"]["version"] == 2
    for lang in ("en", "nl", "de"):
        assert after[lang]["sha256"] == before[lang]["sha256"], lang


def test_back_goes_to_the_previous_question_from_any_prompt(cli: Cli, home: Path) -> None:
    iid = cli.open()
    child = spawn(home, iid)
    child.expect(QUESTION)
    assert (child.match.group(1), child.match.group(3)) == ("1", "role")
    child.expect(PROMPT)
    child.sendline("<")  # nothing before the first question
    child.expect("This is the first question")
    child.expect(r"\[1/\d+\] \(role\) ")
    child.expect(PROMPT)
    child.sendline("processor")
    child.expect(r"\[2/\d+\] \(nature_summary\) ")
    child.expect(PROMPT)
    child.sendline("Lost laptop")
    child.expect(TRANSLATION)
    assert child.match.group(1) == "fr"
    child.sendline("Ordinateur perdu")
    child.expect(TRANSLATION)
    assert child.match.group(1) == "nl"
    child.sendline("<")  # a translation prompt: back to the previous language, its text shown as the default
    child.expect(r"FR: Ordinateur perdu")
    child.expect(r"the same in fr \(Enter keeps it")
    child.sendline("<")  # back to the English of this question
    child.expect(r"\[2/\d+\] \(nature_summary\) ")
    child.expect(r"answer \(\? for help\) \[Lost laptop\]: ")
    child.sendline("back")  # a free-text prompt: the previous question, its answer as the default
    child.expect(r"\[1/\d+\] \(role\) ")
    child.expect(r"answer \(\? for help\) \[processor\]: ")
    child.sendline("1")
    child.expect(r"\[2/\d+\] \(nature_summary\) ")
    child.expect(PROMPT)
    child.sendline("")  # Enter keeps the English ...
    for lang in ("fr", "nl", "de"):
        child.expect(TRANSLATION)
        assert child.match.group(1) == lang
        child.sendline("")  # ... and each language as it was
    child.expect(r"\[3/\d+\] \(breach_types\) ")
    child.expect(PROMPT)
    child.sendline("<")  # a choice prompt
    child.expect(r"\[2/\d+\] \(nature_summary\) ")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    saved = {}
    for e in cli.json("timeline", iid):
        if e["kind"] == "answer":
            saved[e["data"]["step"]] = e["data"]["value"]
    assert saved["role"] == "controller"  # the answer given after going back is the one kept
    assert saved["nature_summary"] == {"en": "Lost laptop", "fr": "Ordinateur perdu"}


def test_back_from_the_summary_and_numbers_with_thousands_separators(cli: Cli, home: Path, assessed: str) -> None:
    typed = {"subjects_count": "12,400", "records_count": "12 400", "jurisdictions": "BE=12_400"}
    child = spawn(home, assessed)
    seen = walk(child, lambda step, lang: typed.get(step, "") if lang is None else "")
    child.sendline("<")  # from the summary: the last question again
    child.expect(r"\((\w+)\) ")
    last = child.match.group(1)
    assert last == seen[-1][2]
    child.expect(PROMPT)
    child.sendline("")
    child.expect(RECORD)
    record(child)
    answers = cli.json("show", assessed)["assessment"]
    stored = json.loads(assessed_answers(cli, assessed)[-1])
    assert (stored["subjects_count"], stored["records_count"], stored["jurisdictions"]) == (12400, 12400,
                                                                                            {"BE": 12400})
    assert answers["risk"] == "high"


def test_a_number_typed_wrong_is_asked_again_with_an_example(cli: Cli, home: Path, assessed: str) -> None:
    child = spawn(home, assessed)
    step = ""
    while step != "subjects_count":
        index = child.expect([QUESTION, TRANSLATION])
        if index == 0:
            step = child.match.group(3)
            child.expect(PROMPT)
            if step == "subjects_count":
                break
        child.sendline("")
    child.sendline("about a dozen")
    child.expect(r"give a whole number \(an estimate is fine, e\.g\. 12,400\)")
    child.expect(r"\[16/\d+\] \(subjects_count\) ")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()


def test_facts_given_on_open_are_not_asked_again(cli: Cli, home: Path, tmp_path: Path) -> None:
    note = "Forensics confirmed the dump at 09:00."
    iid = cli.open("noted", "--awareness-note", note)
    answers = {k: v for k, v in load_yaml(HIGH_RISK_ANSWERS).items() if k not in {"expected", "source"}}

    def reply(step: str, lang: str | None) -> str:
        value = answers.get(step)
        if isinstance(value, dict):
            return value.get(lang or "en", "")
        from test_cli_assess import typed

        return "" if value is None else typed(value)

    child = spawn(home, iid)
    child.expect("The awareness note comes from the incident")
    seen = walk(child, reply)
    record(child)
    steps = [s for _, _, s in seen]
    assert "awareness_note" not in steps and "discovery" in steps
    assert [n for n, _, _ in seen] == list(range(1, len(seen) + 1))  # the counter skips it too
    draft = cli.json("draft", iid, "sa-notification", "--lang", "en")
    assert note in Path(draft["path"]).read_text()  # the note from `open` reaches the notice

    processor = cli.open("processor", "--role", "processor")
    child = spawn(home, processor)
    child.expect(QUESTION)
    assert child.match.group(3) != "role"  # open recorded the role: not asked again
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    saved = [e["data"] for e in cli.json("timeline", processor) if e["kind"] == "answer"]
    assert {"step": "role", "value": "processor", "playbook": "gdpr"} in saved


# --- answers files: replace (and say what goes) or --merge --------------------------------------


def test_merge_keeps_the_answers_the_file_does_not_give(cli: Cli, assessed: str, tmp_path: Path) -> None:
    change = tmp_path / "change.yaml"
    change.write_text("subjects_count: 12400\njurisdictions: {BE: 12400}\n"  # counts that add up (issue 23)
                      "nature_summary: {fr: Un attaquant a publié la base.}\nadvice_to_subjects: null\n")
    first = json.loads(assessed_answers(cli, assessed)[-1])
    result = cli("assess", assessed, "--answers", str(change), "--merge", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["merged"] is True and out["dropped_answers"] == ["advice_to_subjects"]  # removed by null, said so
    second = json.loads(assessed_answers(cli, assessed)[-1])
    assert second["subjects_count"] == 12400
    assert second["nature_summary"] == {**first["nature_summary"], "fr": "Un attaquant a publié la base."}
    assert "advice_to_subjects" not in second
    unchanged = set(first) - {"subjects_count", "jurisdictions", "nature_summary", "advice_to_subjects"}
    assert unchanged and all(second[k] == first[k] for k in unchanged)


def test_without_merge_the_file_replaces_and_the_dropped_answers_are_listed(cli: Cli, assessed: str,
                                                                            tmp_path: Path) -> None:
    data = {k: v for k, v in load_yaml(HIGH_RISK_ANSWERS).items() if k not in {"expected", "source"}}
    del data["advice_to_subjects"]
    data["plain_summary"] = {k: v for k, v in data["plain_summary"].items() if k != "de"}
    replacement = tmp_path / "replacement.json"
    replacement.write_text(json.dumps(data))
    result = cli("assess", assessed, "--answers", str(replacement), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["merged"] is False
    assert out["dropped_answers"] == ["advice_to_subjects", "plain_summary (de)"]
    assert "no longer answered: advice_to_subjects, plain_summary (de)" in result.stderr
    assert "--merge" in result.stderr
    stored = json.loads(assessed_answers(cli, assessed)[-1])
    assert "advice_to_subjects" not in stored and "de" not in stored["plain_summary"]
    same = cli("assess", assessed, "--answers", str(replacement), "--json")
    assert json.loads(same.stdout)["dropped_answers"] == [] and "no longer" not in same.stderr


def test_merge_needs_an_answers_file(cli: Cli, assessed: str) -> None:
    result = cli("assess", assessed, "--merge")
    assert result.exit_code == 1 and result.stderr.startswith("Error: ") and "--answers" in result.stderr


# --- the pieces ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "number"), [
    ("12400", 12400), ("12,400", 12400), ("12 400", 12400), ("12_400", 12400), ("12\u00a0400", 12400),
    ("12'400", 12400), ("~1,200", 1200), ("1,200,300", 1200300), ("-3", -3),
    ("12,40", None), ("1,2", None), ("12.4", None), ("1,200_300", None), ("lots", None),
])
def test_counts_are_read_as_people_write_them(text: str, number: int | None) -> None:
    assert read_count(text) == number


def test_merge_and_loss_per_language() -> None:
    book = load_playbook(find_playbook("gdpr", REPO))
    last = {"role": "controller", "nature_summary": {"en": "A", "fr": "B"}, "jurisdictions": {"BE": 1, "FR": 2}}
    merged = merged_answers(book, last, {"nature_summary": {"fr": "C"}, "jurisdictions": {"BE": 3}})
    assert merged["nature_summary"] == {"en": "A", "fr": "C"}
    assert merged["jurisdictions"] == {"BE": 3}  # a scope is replaced whole, not merged
    assert lost_answers(book, last, {**last, "nature_summary": "A"}) == ["nature_summary (fr)"]


def test_the_place_of_a_question_counts_what_applies_now() -> None:
    book = load_playbook(find_playbook("gdpr", REPO))
    answers = {"role": "controller", "nature_summary": "x"}
    n, m = place(book, answers, book.step("breach_types"))
    assert n == 3 and m >= n
    skipped = place(book, answers, book.step("breach_types"), skip={"nature_summary"})
    assert skipped == (2, m - 1)


def test_the_readme_by_hand_block_assesses_the_people_it_scopes() -> None:
    answers = load_yaml(REPO / "docs" / "examples" / "answers.yaml")
    readme = (REPO / "README.md").read_text().split("## A first incident, by hand", 1)[1]
    scope = re.search(r"^breach scope .*$", readme, re.M).group(0)
    scoped = sum(int(n) for n in re.findall(r"-j [A-Z-]+=(\d+)", scope))
    scoped += int(re.search(r"--unlocated (\d+)", scope).group(1))
    assert scoped == answers["subjects_count"]
    assert sum((answers.get("jurisdictions") or {"x": scoped}).values()) == scoped
