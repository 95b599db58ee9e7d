"""Playbook loading, validation with lines, safe conditions, and answering."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from breach.adapters import playbooks, yamlfiles
from breach.adapters.playbooks import find_playbook, list_playbooks, load_playbook, validate_file
from breach.core import edpb, playbook
from breach.core.playbook import (
    check_answers,
    describe_effect,
    is_relevant,
    missing_answers,
    next_step,
    parse_answer,
    tasks_for,
)
from breach.errors import InputError, NotFoundError, ValidationError

DATA = Path(__file__).parent / "data"
BAD = DATA / "playbooks"
WP250 = sorted((DATA / "wp250").glob("example*.yaml"))
GDPR = playbooks.PLAYBOOK_DIR / "gdpr.yaml"

REQUIRED_IDS = {
    "role",
    "breach_types",
    "data_categories",
    "dpc_score",
    "dpc_reason",
    "special_categories",
    "ease_of_identification",
    "confidentiality",
    "integrity",
    "availability",
    "malicious",
    "subjects_count",
    "records_count",
    "vulnerable_subjects",
    "unintelligible",
    "recipient",
    "recipient_deleted",
    "mitigated_high_risk",
    "disproportionate_effort",
    "jurisdictions",
    "data_items",
    "nature_summary",
    "consequences",
    "measures_taken",
    "measures_proposed",
    "advice_to_subjects",
}


@pytest.fixture(scope="module")
def gdpr() -> playbook.Playbook:
    return load_playbook(GDPR)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return path


HEAD = """\
name: t
title: Test
steps:
  - id: role
    type: choice
    question: Controller or processor?
    help: Art. 4(7); e.g. a shop.
    choices: [controller, processor]
"""


def with_step(tmp_path: Path, step: str) -> Path:
    return write(tmp_path, HEAD + step)


# --- the shipped playbook --------------------------------------------------------------


def test_gdpr__validates(gdpr: playbook.Playbook) -> None:
    assert validate_file(GDPR) == []
    assert gdpr.name == "gdpr"
    assert [p.name for p in list_playbooks()] == ["gdpr"]


def test_gdpr__has_every_step_risk_and_drafting_need(gdpr: playbook.Playbook) -> None:
    ids = {s.id for s in gdpr.steps}
    assert REQUIRED_IDS <= ids
    assert any(s.type == "task" for s in gdpr.steps)


@pytest.mark.parametrize(
    ("step_id", "type_", "values"),
    [
        ("role", "choice", {"controller", "processor"}),
        ("breach_types", "multi_choice", {"confidentiality", "integrity", "availability"}),
        ("data_categories", "multi_choice", {"simple", "behavioural", "financial", "sensitive"}),
        ("ease_of_identification", "choice", {"negligible", "limited", "significant", "maximum"}),
        # `none` under a breach type that names it is a contradiction (breach/edpb.py): not offered
        ("confidentiality", "choice", {"exposed", "known_recipients", "unknown_recipients"}),
        ("integrity", "choice", {"none", "recoverable", "unrecoverable"}),
        ("availability", "choice", {"recoverable", "temporary", "permanent"}),
        ("data_items", "multi_choice", set(edpb.DATA_ITEMS)),
        ("subject_categories", "multi_choice", set(edpb.SUBJECT_CATEGORIES)),
        ("password_storage", "choice", set(edpb.PASSWORD_STORAGE)),
        ("risk_override", "choice", set(edpb.RISKS)),
    ],
)
def test_gdpr__choices_match_the_risk_scales(gdpr, step_id, type_, values) -> None:
    step = gdpr.step(step_id)
    assert step.type == type_
    assert set(step.choice_values) == values
    assert {str(c) for c in step.choices} == values  # a choice prints as its value


def test_gdpr__every_question_cites_a_source(gdpr: playbook.Playbook) -> None:
    cite = re.compile(r"Arts?\. \d|Recital|EDPB|ENISA|WP250")
    for step in gdpr.steps:
        assert cite.search(step.source or ""), step.id
        if step.asked:
            assert cite.search(step.help), step.id
            assert re.search(r"e\.g\.|Example|example", step.help), step.id


@pytest.mark.parametrize("path", WP250, ids=lambda p: p.stem)
def test_wp250_answers__pass_check_answers_and_are_complete(gdpr, path: Path) -> None:
    answers = dict(yamlfiles.load_yaml(path))
    answers.pop("expected"), answers.pop("source")
    assert check_answers(gdpr, answers) == []
    assert missing_answers(gdpr, answers) == []
    assert next_step(gdpr, answers) is None or next_step(gdpr, answers).optional


# --- validation: lines and collecting every problem --------------------------------------


def test_validation__three_problems_with_their_lines() -> None:
    problems = validate_file(BAD / "three_problems.yaml")
    found = [(p.line, p.message.split(" (")[0]) for p in problems]
    assert found == [
        (11, "duplicate key 'question'"),
        (13, "unknown step type 'money'"),
        (23, "condition refers to unknown step 'no_such_step'"),
    ]
    assert all(p.path.endswith("three_problems.yaml") for p in problems)


def test_load_playbook__raises_with_every_problem() -> None:
    with pytest.raises(ValidationError) as exc:
        load_playbook(BAD / "three_problems.yaml")
    assert len(exc.value.problems) == 3
    assert "three_problems.yaml:13: unknown step type 'money'" in str(exc.value)


def test_validation__later_step_unknown_keys_bad_choices_duplicate_id() -> None:
    found = {(p.line, p.message.split(" (")[0].split(",")[0]) for p in validate_file(BAD / "later_step.yaml")}
    assert found == {
        (3, "unknown top-level key 'colour'"),
        (10, "unknown step key 'hint'"),
        (9, "condition refers to step 'role'"),
        (15, "a choice value must be a string"),
        (15, "duplicate choice 'controller'"),
        (16, "duplicate step id 'role'"),
    }


def test_validation__unreachable_steps() -> None:
    problems = validate_file(BAD / "unreachable.yaml")
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (13, "step 'boss_detail' is unreachable"),  # 'boss' is not a choice of role
        (18, "step 'follow_up' is unreachable"),  # depends on an unreachable step
        (29, "step 'many' is unreachable"),  # count has max 10
    ]
    assert "'boss' is not a choice" in problems[0].message or "not a choice" in problems[0].message


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("  - {id: x, type: text, question: q, help: h, when: {step: role, equals: boss}}\n", "unreachable"),
        (
            "  - {id: x, type: text, question: q, help: h,\n"
            "     when: {all: [{step: role, equals: controller}, {step: role, equals: processor}]}}\n",
            "cannot equal both",
        ),
        (
            "  - {id: f, type: yes_no, question: q, help: h}\n"
            "  - {id: x, type: text, question: q, help: h, when: {step: f, equals: 1}}\n",
            "can never match a yes_no answer",
        ),
        (
            "  - {id: x, type: text, question: q, help: h, when: {step: role, contains: a}}\n",
            "'contains' needs a list answer",
        ),
        ("  - {id: x, type: text, question: q, help: h, when: {step: role, gt: 3}}\n", "needs an integer step"),
        ("  - {id: x, type: text, question: q, help: h, when: {step: role, equals: a, in: [b]}}\n", "exactly one of"),
        (
            "  - {id: x, type: text, question: q, help: h, when: {step: role, matches: a}}\n",
            "unknown condition key 'matches'",
        ),
        (
            "  - {id: x, type: text, question: q, help: h, when: {step: x, answered: true}}\n",
            "refers to the step itself",
        ),
        ("  - {id: Bad-Id, type: text, question: q, help: h}\n", "snake_case"),
        ("  - {id: x, type: text, help: h}\n", "missing 'question'"),
        ("  - {id: x, type: choice, question: q, help: h}\n", "needs 'choices'"),
        ("  - {id: x, type: text, question: q, help: h, choices: [a]}\n", "'choices' only applies"),
        ("  - {id: x, type: integer, question: q, help: h, min: 5, max: 1}\n", "above max"),
        ("  - {id: x, type: choice, question: q, help: h, choices: [a], default: b}\n", "default"),
        ("  - {id: x, type: task}\n", "missing 'task'"),
        ("  - {id: x, type: text, question: q, help: h, when: 'role ==== 1'}\n", "not a valid expression"),
        ("  - {id: x, type: text, question: q, help: h, when: 'role + 1 == 2'}\n", "arithmetic is not allowed"),
        ("  - {id: x, type: text, question: q, help: h, when: 'role[0] == \"c\"'}\n", "subscripts are not allowed"),
        ("  - {id: x, type: text, question: q, help: h, when: '(lambda: 1) == 1'}\n", "lambda is not allowed"),
        ("  - {id: x, type: text, question: q, help: h, when: \"'a' == 'b'\"}\n", "one step id and one constant"),
    ],
)
def test_validation__step_problems(tmp_path: Path, step: str, message: str) -> None:
    problems = validate_file(with_step(tmp_path, step))
    assert problems, step
    assert any(message in p.message for p in problems), problems
    assert all(p.line and p.line >= 9 for p in problems), problems


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: T\nsteps: []\n", "missing 'name'"),
        ("name: t\ntitle: T\nsteps: []\n", "'steps' must be a non-empty list"),
        ("- just a list\n", "a playbook is a mapping"),
        ("name: t\ntitle: [unclosed\n", "YAML syntax"),
    ],
)
def test_validation__top_level(tmp_path: Path, text: str, message: str) -> None:
    assert any(message in p.message for p in validate_file(write(tmp_path, text)))


def test_validation__missing_file() -> None:
    assert [p.message for p in validate_file(BAD / "nope.yaml")] == ["file not found"]


# --- conditions never run code -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("function_call.yaml", "function calls are not allowed"),
        ("attribute_access.yaml", "attribute access is not allowed"),
    ],
)
def test_conditions__calls_and_attributes_rejected_at_load(path: str, message: str) -> None:
    problems = validate_file(BAD / path)
    assert [(p.line, message in p.message) for p in problems] == [(13, True)]


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('pathlib').Path({marker!r}).touch()",
        "role == 'x' or open({marker!r}, 'w')",
        "[c for c in ().__class__.__base__.__subclasses__()] == [] or open({marker!r}, 'w')",
        "(m := open({marker!r}, 'w')) == 1",
    ],
)
def test_conditions__nothing_runs(tmp_path: Path, expression: str) -> None:
    marker = tmp_path / "pwned"
    when = expression.format(marker=str(marker)).replace('"', '\\"')
    path = with_step(tmp_path, f'  - {{id: x, type: text, question: q, help: h, when: "{when}"}}\n')
    problems = validate_file(path)
    assert len(problems) == 1 and "not allowed" in problems[0].message, problems
    assert problems[0].line == 9
    with pytest.raises(ValidationError):
        load_playbook(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("when", "answers", "relevant"),
    [
        ("\"'integrity' in breach_types\"", {"breach_types": ["integrity"]}, True),
        ("\"'integrity' in breach_types\"", {"breach_types": ["availability"]}, False),
        ("\"'integrity' not in breach_types\"", {"breach_types": ["availability"]}, True),
        ("\"role == 'controller' and n > 100\"", {"role": "controller", "n": 101}, True),
        ("\"role == 'controller' and n > 100\"", {"role": "controller", "n": 100}, False),
        ('"100 < n <= 200"', {"n": 200}, True),
        ('"100 < n <= 200"', {"n": 201}, False),
        ("\"role in ['controller', 'processor']\"", {"role": "processor"}, True),
        ("\"role != 'processor'\"", {"role": "controller"}, True),
        ("\"not (role == 'processor')\"", {}, True),
        ('"flag"', {"flag": True}, True),
        ('"flag == false"', {"flag": False}, True),
        ('"flag"', {}, False),
        ("{step: n, answered: true}", {"n": 3}, True),
        ("{step: n, answered: true}", {"n": None}, False),
        ("{step: n, answered: false}", {}, True),
        ("{step: n, gte: 10}", {"n": 10}, True),
        ("{step: n, lt: 10}", {"n": 10}, False),
        ("{step: breach_types, contains: integrity}", {"breach_types": ["integrity"]}, True),
        ("{step: where, contains: US-CA}", {"where": {"US-CA": 3}}, True),
        (
            "{any: [{step: role, equals: processor}, {step: flag, equals: true}]}",
            {"role": "controller", "flag": True},
            True,
        ),
        (
            "{all: [{step: role, equals: processor}, {not: {step: flag, equals: true}}]}",
            {"role": "processor", "flag": True},
            False,
        ),
        (
            "{step: breach_types, equals: [availability, integrity]}",
            {"breach_types": ["integrity", "availability"]},
            True,
        ),
        ('"n == 1"', {"n": True}, False),  # a stray bool is not the number 1
    ],
)
def test_conditions__semantics(tmp_path: Path, when: str, answers: dict, relevant: bool) -> None:
    text = """\
name: t
title: T
steps:
  - {id: role, type: choice, question: q, help: h, choices: [controller, processor]}
  - {id: breach_types, type: multi_choice, question: q, help: h,
     choices: [confidentiality, integrity, availability]}
  - {id: n, type: integer, question: q, help: h, optional: true}
  - {id: flag, type: yes_no, question: q, help: h}
  - {id: where, type: jurisdictions, question: q, help: h}
  - id: x
    type: text
    question: q
    help: h
    when: WHEN
""".replace("WHEN", when)
    pb = load_playbook(write(tmp_path, text))
    assert is_relevant(pb.step("x"), answers) is relevant


# --- finding --------------------------------------------------------------------------


def test_find_playbook() -> None:
    assert find_playbook("gdpr") == GDPR
    assert find_playbook(str(GDPR)) == GDPR
    with pytest.raises(NotFoundError, match="shipped: gdpr"):
        find_playbook("hipaa")
    with pytest.raises(NotFoundError, match="no playbook file"):
        find_playbook("nowhere/x.yaml")


# --- answering ------------------------------------------------------------------------


def test_next_step__skips_irrelevant_and_tasks(gdpr) -> None:
    answers: dict = {}
    assert next_step(gdpr, answers).id == "role"
    answers["role"] = "controller"
    assert next_step(gdpr, answers).id == "nature_summary"  # tell_controllers is a task
    answers.update(
        nature_summary="x",
        breach_types=["availability"],
        data_categories=["simple"],
        data_items=None,
        subject_categories=None,
        special_categories=False,
    )
    assert next_step(gdpr, answers).id == "dpc_score"
    answers["dpc_score"] = None  # skipped optional question: dpc_reason not asked
    assert next_step(gdpr, answers).id == "ease_of_identification"
    answers["ease_of_identification"] = "maximum"
    # no confidentiality or integrity questions for an availability-only breach
    assert next_step(gdpr, answers).id == "availability"


def test_next_step__dpc_reason_follows_an_override(gdpr) -> None:
    answers = {
        "role": "controller",
        "nature_summary": "x",
        "breach_types": ["availability"],
        "data_categories": ["simple"],
        "data_items": None,
        "subject_categories": None,
        "special_categories": False,
        "dpc_score": 3,
    }
    assert next_step(gdpr, answers).id == "dpc_reason"
    assert "dpc_reason" in [s.id for s in missing_answers(gdpr, answers)]


def test_missing_answers__relevant_required_only(gdpr) -> None:
    missing = {s.id for s in missing_answers(gdpr, {"role": "processor", "breach_types": ["integrity"]})}
    assert {"integrity", "nature_summary", "consequences"} <= missing
    assert not missing & {
        "confidentiality",
        "availability",
        "dpc_reason",
        "mitigated_high_risk",
        "data_items",
        "jurisdictions",
        "preserve_evidence",
    }


def test_relevant_answers__drop_stale_answers(gdpr) -> None:
    answers = {"breach_types": ["availability"], "integrity": "unrecoverable", "availability": "temporary"}
    kept = playbook.relevant_answers(gdpr, answers)
    assert "integrity" not in kept and kept["availability"] == "temporary"


@pytest.mark.parametrize(
    ("step_id", "text", "value"),
    [
        ("malicious", "y", True),
        ("malicious", "YES", True),
        ("malicious", "false", False),
        ("malicious", "", False),  # default
        ("role", "processor", "processor"),
        ("role", "2", "processor"),  # by number
        ("role", "Controller (we decide purposes and means)", "controller"),  # by label
        ("role", "", "controller"),  # default
        ("breach_types", "confidentiality, availability", ["confidentiality", "availability"]),
        ("breach_types", "integrity,integrity", ["integrity"]),
        ("subjects_count", "1200", 1200),
        ("subjects_count", "~1 200", 1200),
        ("dpc_score", "", None),  # optional, skipped
        ("jurisdictions", "BE=1200, us-ca=800", {"BE": 1200, "US-CA": 800}),
        ("jurisdictions", "FR: 5", {"FR": 5}),
        ("nature_summary", "  laptop stolen  ", "laptop stolen"),
    ],
)
def test_parse_answer(gdpr, step_id: str, text: str, value) -> None:
    assert parse_answer(gdpr.step(step_id), text) == value


@pytest.mark.parametrize(
    ("step_id", "text", "message"),
    [
        ("malicious", "maybe", "yes or no"),
        ("role", "owner", "not a choice"),
        ("role", "9", "not a choice"),
        ("breach_types", "confidentiality, leak", "'leak' is not a choice"),
        ("subjects_count", "many", "whole number"),
        ("subjects_count", "-3", "below the minimum 0"),
        ("dpc_score", "5", "above the maximum 4"),
        ("nature_summary", "   ", "required"),
        ("jurisdictions", "Belgium=3", "ISO 3166"),
        ("jurisdictions", "BE=lots", "not a whole number"),
        ("jurisdictions", "BE=1, BE=2", "given twice"),
    ],
)
def test_parse_answer__errors_say_what_is_expected(gdpr, step_id, text, message) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        parse_answer(gdpr.step(step_id), text)


def test_parse_answer__datetime_keeps_offset(tmp_path: Path) -> None:
    pb = load_playbook(with_step(tmp_path, "  - {id: at, type: datetime, question: q, help: h}\n"))
    step = pb.step("at")
    assert parse_answer(step, "2026-11-28 14:05") == "2026-11-28T14:05:00+01:00"
    assert parse_answer(step, "2026-07-01 09:00", default_zone="UTC") == "2026-07-01T09:00:00+00:00"
    assert parse_answer(step, "2026-11-28T14:05:00-05:00") == "2026-11-28T14:05:00-05:00"
    with pytest.raises(InputError):
        parse_answer(step, "the day before yesterday-ish")
    assert check_answers(pb, {"at": "2026-11-28T14:05:00+01:00"}) == []
    assert check_answers(pb, {"at": "2026-11-28T14:05:00"})  # no offset


@pytest.mark.parametrize(
    ("answers", "fragment"),
    [
        ({"role": "owner"}, "role: 'owner' is not one of controller, processor"),
        ({"breach_types": "integrity"}, "breach_types: expected a list"),
        ({"breach_types": ["integrity", "leak"]}, "'leak' not among"),
        ({"malicious": "yes"}, "malicious: expected yes/no"),
        ({"subjects_count": "12"}, "subjects_count: expected a whole number"),
        ({"dpc_score": 7}, "dpc_score: 7 is above the maximum 4"),
        ({"jurisdictions": {"Belgium": 3}}, "not an ISO 3166 code"),
        ({"nature_summary": ""}, "nature_summary: expected text"),
        ({"colour": "blue"}, "colour: not a step"),
    ],
)
def test_check_answers__reports_type_errors(gdpr, answers: dict, fragment: str) -> None:
    problems = check_answers(gdpr, answers)
    assert len(problems) == 1 and fragment in problems[0], problems


def test_tasks_for__follow_the_answers(gdpr) -> None:
    answers = {
        "role": "controller",
        "breach_types": ["confidentiality"],
        "data_items": ["email", "password"],
        "confidentiality": "known_recipients",
        "malicious": False,
        "unintelligible": False,
    }
    tasks = {t["step"]: t for t in tasks_for(gdpr, answers)}
    assert {"preserve_evidence", "reset_passwords", "request_deletion", "record_breach"} <= set(tasks)
    assert not {"tell_controllers", "rotate_keys", "request_takedown", "restore_data"} & set(tasks)
    assert tasks["reset_passwords"]["text"] and tasks["reset_passwords"]["source"]
    processor = {t["step"] for t in tasks_for(gdpr, {"role": "processor"})}
    assert "tell_controllers" in processor and "reset_passwords" not in processor


@pytest.mark.parametrize(
    ("step_id", "value", "answers", "expected"),
    [
        ("data_categories", ["simple", "financial"], {}, "ENISA DPC so far: 3 (simple, financial)"),
        ("special_categories", True, {"data_categories": ["simple"]}, "ENISA DPC so far: 4 (simple, sensitive)"),
        (
            "ease_of_identification",
            "limited",
            {"data_categories": ["sensitive"]},
            "ENISA EI: 0.5; severity so far 2 (medium)",
        ),
        (
            "malicious",
            True,
            {"breach_types": ["confidentiality"], "confidentiality": "unknown_recipients"},
            "ENISA CB so far: 1 (confidentiality 0.5, malicious 0.5)",
        ),
        (
            "unintelligible",
            True,
            {"breach_types": ["confidentiality"], "data_categories": ["financial"], "confidentiality": "exposed"},
            "Art. 34(3)(a) exemption now applies: no letters to data subjects",
        ),
        (
            "mitigated_high_risk",
            True,
            {
                "breach_types": ["confidentiality"],
                "data_categories": ["financial"],
                "confidentiality": "unknown_recipients",
            },
            "Art. 34(3)(b) exemption now applies: the high risk is no longer likely",
        ),
        (
            "disproportionate_effort",
            True,
            {
                "breach_types": ["confidentiality"],
                "data_categories": ["financial"],
                "confidentiality": "unknown_recipients",
            },
            "Art. 34(3)(c) applies: a public communication replaces individual letters",
        ),
        ("subjects_count", 101, {}, "ENISA flag: more than 100 people affected"),
        (
            "role",
            "processor",
            {},
            "Processor: notify the controller without undue delay (Art. 33(2)); the controller assesses the risk",
        ),
        ("nature_summary", "x", {}, None),
        ("mitigated_high_risk", True, {"data_categories": ["simple"]}, None),  # no high risk
        ("dpc_score", 3, {}, None),  # reason not given yet
    ],
)
def test_describe_effect(gdpr, step_id, value, answers, expected) -> None:
    assert describe_effect(gdpr.step(step_id), value, answers) == expected
