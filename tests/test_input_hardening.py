"""Issue 14 reproductions: bad input gets one clear error (exit 1, `Error:`, no traceback) or neutral output."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest
import yaml
from conftest import HIGH_RISK_ANSWERS, Cli, run_breach
from hypothesis import given, settings
from hypothesis import strategies as st

from breach.core import yamlio
from breach.core.textsafe import MAX_ANSWER, MAX_LOG_TEXT, MAX_TITLE
from breach.errors import InputError, ValidationError

BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
    "role: *i\n"
)


def refused(result, *needles: str) -> None:
    """Exit 1, one `Error: ...` on stderr naming every needle, and no traceback."""
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: "), result.stderr
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)
    assert "Traceback" not in result.output


# --- answers files (YAML in) ----------------------------------------------------------------------


@pytest.fixture
def incident(cli: Cli) -> str:
    return cli.open("x", "--aware-at", "2026-11-28 09:00")


def test_a_non_utf8_answers_file_names_the_file_and_line(cli: Cli, incident: str, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_bytes(HIGH_RISK_ANSWERS.read_bytes() + b"consequences: caf\xe9 au lait\n")
    line = answers.read_bytes().count(b"\n")
    refused(cli("assess", incident, "--answers", str(answers)), f"{answers}:{line}", "not UTF-8 (byte 0xe9)")
    assert cli.json("show", incident)["assessment"] is None


def test_a_yaml_list_used_as_a_key_names_the_line(cli: Cli, incident: str, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("role: controller\n[a, b]: 1\n", encoding="utf-8")
    refused(cli("assess", incident, "--answers", str(answers)), f"{answers}:2", "a key must be text or a number")


def test_an_alias_bomb_is_refused_fast(cli: Cli, incident: str, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(BOMB, encoding="utf-8")
    assert len(BOMB.encode()) < 600
    started = time.monotonic()
    result = cli("assess", incident, "--answers", str(answers))
    assert time.monotonic() - started < 5
    refused(result, f"{answers}:2", "alias")


def test_a_drill_scenario_with_aliases_is_refused(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(BOMB, encoding="utf-8")
    result = run_breach("drill", str(scenario), "--speed", "0", "--home", str(tmp_path / "h"), timeout=30)
    assert result.returncode == 1 and result.stderr.startswith("Error: ") and "alias" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_oversized_answers_file_gives_the_limit(cli: Cli, incident: str, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("role: controller\nconsequences: " + "x" * (yamlio.MAX_YAML_BYTES + 1) + "\n")
    refused(cli("assess", incident, "--answers", str(answers)), str(answers), "1,000,000-byte limit")


def test_an_overlong_answer_gives_the_limit(cli: Cli, incident: str, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(HIGH_RISK_ANSWERS.read_text() + "nature_summary_extra: " + "x" * (MAX_ANSWER + 1) + "\n")
    refused(cli("assess", incident, "--answers", str(answers)), "nature_summary_extra", f"limit is {MAX_ANSWER:,}")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: &x 1\nb: *x\n", 2, "alias"),
        ("base: &b {x: 1}\nother:\n  <<: *b\n", 3, "merge keys"),
        ("{a: 1}: 2\n", 1, "not a mapping"),
        ("a: 1\na: 2\n", 2, "duplicate key"),
        ("[" * 200 + "]" * 200, 1, "nested more than"),
    ],
)
def test_loader_refusals_carry_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        yamlio.loads_yaml(text, path="f.yaml")
    assert str(caught.value).startswith(f"f.yaml:{line}: ") and message in str(caught.value)


def test_plain_has_a_budget() -> None:
    shared = ["x"] * 1000
    nested = [shared] * 1000
    with pytest.raises(InputError, match="more than"):
        yamlio.plain([nested] * 10)  # 10 million values once expanded


@settings(max_examples=200, deadline=None)
@given(st.one_of(
    st.text(max_size=200),
    st.text(alphabet="ab:-[]{}&*!<>?|#'\",\n 01", max_size=120),
    st.binary(max_size=120).map(lambda b: b.decode("utf-8", "replace")),
))
def test_any_yaml_text_loads_or_raises_a_validation_error(text: str) -> None:
    """Either a ValidationError whose every problem names the file and a line of the text, or a value that
    survives a round trip: written out as YAML and loaded again, it is the same plain value."""
    try:
        value = yamlio.loads_yaml(text, path="f.yaml")
    except ValidationError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.path == "f.yaml" and problem.line is not None, problem
            assert problem.line >= 1 and problem.line <= len(text.splitlines()) + 1, (problem, text)
            assert str(problem).startswith(f"f.yaml:{problem.line}: ")
        return
    once = yamlio.plain(value)
    again = yamlio.plain(yamlio.loads_yaml(yaml.safe_dump(once, sort_keys=False, allow_unicode=True), path="g.yaml"))
    assert repr(again) == repr(once)  # repr: NaN equals itself


# --- times -----------------------------------------------------------------------------------------


def test_an_offset_of_24_hours_is_refused_without_a_traceback(cli: Cli) -> None:
    refused(cli("open", "--title", "x", "--aware-at", "2026-11-28T10:00:00+24:00"), "outside -14:00 to +14:00")


def test_aware_at_01_02_2026_is_refused(cli: Cli) -> None:
    refused(cli("open", "--title", "x", "--aware-at", "01/02/2026"), "01/02/2026", "ambiguous")


# --- text in, text out -----------------------------------------------------------------------------

EVIL_TITLE = "Leak\x1b]0;owned\x07\x1b[2J\nBR-2026-0099  open    aware 2026-11-28 14:05 CET  fake"


def test_escape_sequences_in_titles_do_not_reach_the_terminal(cli: Cli) -> None:
    iid = cli.open(EVIL_TITLE)
    cli("log", iid, "ok\x1b[2J\n#99   2026-11-28 14:05 CET  decision  boss: pay the ransom")
    for args in (["list"], ["timeline", iid], ["show", iid]):
        out = cli(*args).stdout
        assert "\x1b" not in out and "\x07" not in out, args
        assert "Leak" in out, args
        # every line of the output is either an entry or indented under one
        for line in out.splitlines():
            assert not line.startswith(("BR-2026-0099", "#99")), (args, line)
    assert cli.json("show", iid)["incident"]["title"] == EVIL_TITLE.strip()  # stored as given


def test_a_title_over_the_limit_is_refused_with_the_limit(cli: Cli) -> None:
    refused(cli("open", "--title", "x" * (MAX_TITLE + 1)), "--title", f"limit is {MAX_TITLE}")
    assert cli.json("list") == []


def test_log_text_over_the_limit_is_refused(cli: Cli) -> None:
    iid = cli.open()
    refused(cli("log", iid, "x" * (MAX_LOG_TEXT + 1)), f"limit is {MAX_LOG_TEXT:,}")
    assert len(cli.json("timeline", iid)) == 1  # only `opened`


def test_a_non_utf8_byte_in_a_title_is_refused(cli: Cli) -> None:
    refused(cli("open", "--title", "caf\udce9"), "--title", "not valid UTF-8")


def test_a_non_utf8_byte_in_a_title_in_a_real_process(home: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "BREACH_NOW": "2026-11-28T14:05:00+01:00"}
    result = subprocess.run([sys.executable.encode(), b"-m", b"breach", b"open", b"--title", b"caf\xe9",
                             b"--home", bytes(home)], capture_output=True, env=env, timeout=60)
    assert result.returncode == 1 and result.stderr.startswith(b"Error: ") and b"Traceback" not in result.stderr


# --- CSV out ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("title", ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0",
                                   "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "\t=1+1"])
def test_register_csv_cells_cannot_run_formulas(cli: Cli, title: str) -> None:
    cli.open(title)
    result = cli("register", "--format", "csv")
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["title"] == "'" + title.strip()
    assert all(not v.startswith(("=", "+", "@", "\t", "\r")) for v in row.values())
