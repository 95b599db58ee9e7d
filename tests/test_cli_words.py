"""Human output reads as people write: times in the responder's zone, plurals, yes/no, wrapped lines."""

from __future__ import annotations

import re

from conftest import Cli, run_breach

from breach.cli.words import plural, when, yes_no
from breach.services.register import _remedial


def test_notified_mark_and_retract_print_the_time_in_the_responders_zone(cli: Cli, assessed: str) -> None:
    result = cli("notified", assessed, "gdpr-art33-sa", "--at", "2026-11-28T12:30:00Z", "--without-approval",
                 "--reason", "portal down")
    assert result.exit_code == 0, result.output
    assert "notified at 2026-11-28 13:30 CET" in result.stdout and "Z" not in result.stdout.split("at", 1)[1][:20]
    marked = cli("mark", assessed, "determined", "--at", "2026-11-28T07:00:00-05:00")
    assert "determined at 2026-11-28 13:00 CET recorded" in marked.stdout
    retracted = cli("retract", assessed, "gdpr-art33-sa", "--reason", "wrong incident")
    assert "recorded for 2026-11-28 13:30 CET is retracted" in retracted.stdout
    in_la = cli("notified", assessed, "gdpr-art33-sa", "--without-approval", "--reason", "x",
                env={"BREACH_TZ": "America/Los_Angeles"})
    assert "notified at 2026-11-28 05:05 PST" in in_la.stdout


def test_words() -> None:
    assert [plural(n, "letter") for n in (0, 1, 2)] == ["0 letters", "1 letter", "2 letters"]
    assert [yes_no(v) for v in (True, False, None)] == ["yes", "no", "-"]
    assert when("2026-11-28T13:05:00+00:00", "Europe/Brussels") == "2026-11-28 14:05 CET"
    assert _remedial("Logs preserved.", ["Preserve logs and evidence", "Reset passwords."]) == (
        "Logs preserved. Tasks done: Preserve logs and evidence; Reset passwords.")
    assert _remedial("Device wiped", []) == "Device wiped."
    assert _remedial(None, []) is None


def test_show_says_yes_and_no(cli: Cli, assessed: str) -> None:
    shown = cli("show", assessed).stdout
    assert "notify the authority: yes" in shown and not re.search(r"\b(True|False)\b", shown)


def test_the_drill_wraps_at_the_terminal_width_and_says_drill_once(tmp_path) -> None:
    result = run_breach("drill", "--speed", "0", "--home", str(tmp_path / "d"), env={"COLUMNS": "80"}, timeout=180)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "Drill: Drill:" not in result.stdout and lines[0].startswith("== Drill: user database exfiltrated")
    assert "True" not in result.stdout.split("== Register row")[0]
