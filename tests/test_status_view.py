"""`breach status` reads at a glance: next deadline first, a header, pending before met, 80 columns."""

from __future__ import annotations

import re

import pytest
from conftest import Cli, run_breach

from breach.cli.status_view import human_reason, render_status, short_source


def row(obligation: str, state: str, due: str | None, remaining: int | None, *, incident: str = "BR-2026-0001",
        recipient: str = "Gegevensbeschermingsautoriteit / Autorité de protection des données",
        reason: str | None = None) -> dict:
    return {"incident": incident, "obligation": obligation, "state": state, "due_at": due,
            "due_at_utc": due, "remaining_seconds": remaining, "overdue": remaining is not None and remaining < 0,
            "recipient": recipient, "title": "A title " * 12, "reason": reason, "source": "GDPR Art. 33(1) [S1][S2]",
            "status": "confirmed-primary", "binding": "law", "note": None, "started_at": None,
            "start_event": "aware", "start_taken_from": None}


ROWS = [
    row("gdpr-art34-public", "not_applicable", None, None,
        reason="latest assessment: public_communication is False, not True (Art. 34(3)(c))"),
    row("us-ca-residents", "pending", "2026-12-28T14:05:00+01:00", 30 * 86400),
    row("gdpr-art33-sa", "met", "2026-12-01T14:05:00+01:00", None),
    row("gdpr-art34-subjects", "pending", None, None, recipient="data subjects"),
    row("us-tx-ag", "pending", "2026-11-27T14:05:00+01:00", -86400),
]


def test_the_first_line_names_what_is_due_first_and_pending_leads() -> None:
    lines = render_status(ROWS, zone="Europe/Brussels", width=80)
    # Issue 20: the earliest statutory deadline leads the banner; one already overdue is earlier than "now".
    assert lines[0] == "OVERDUE by 1d 00h 00m (was due 27 Nov 14:05 CET): us-tx-ag (BR-2026-0001)"
    assert lines[1].split() == ["INCIDENT", "OBLIGATION", "DUE", "LEFT", "TO"]
    order = [line.split()[1] for line in lines[2:-1]]
    assert order == ["gdpr-art34-subjects", "us-tx-ag", "us-ca-residents"]
    assert "OVERDUE 1d 00h 00m" in lines[3]
    assert lines[-1] == "+ 1 met, 1 not applicable (--all shows them; --explain says why)"


def test_the_headline_is_the_next_dated_deadline_when_nothing_is_due_now() -> None:
    lines = render_status(ROWS[1:3], zone="Europe/Brussels", width=80)
    assert lines[0] == "Next deadline: 28 Dec 14:05 CET, in 30d 00h 00m: us-ca-residents (BR-2026-0001)"


def test_all_shows_met_and_not_applicable_after_every_pending_row() -> None:
    lines = render_status(ROWS, zone="Europe/Brussels", width=80, show_all=True)
    states = ["done" if re.search(r"\b(met|not applicable)\b", line) else "pending" for line in lines[2:]]
    assert states == ["pending"] * 3 + ["done"] * 2


@pytest.mark.parametrize("width", [80, 100, 120])
def test_no_line_is_wider_than_the_terminal_and_due_and_time_left_stay_whole(width: int) -> None:
    lines = render_status(ROWS, zone="Europe/Brussels", width=width, show_all=True, explain=True)
    assert max(len(line) for line in lines) <= width
    assert any("Mon 28 Dec 14:05 CET" in line and "30d 00h 00m" in line for line in lines)


def test_words_for_people_not_python() -> None:
    text = "\n".join(render_status(ROWS, zone="Europe/Brussels", width=80, show_all=True, explain=True))
    assert not re.search(r"\b(True|False)\b", text) and "[S1]" not in text
    assert human_reason("latest assessment: public_communication is False, not True (x)") == (
        "the assessment answered public communication: no (x)")
    assert short_source("GDPR Art. 34 [S3]") == "GDPR Art. 34"


def test_through_the_cli_at_80_columns(cli: Cli, assessed: str) -> None:
    assert cli("notified", assessed, "gdpr-art33-sa", "--without-approval", "--reason", "portal").exit_code == 0
    result = run_breach("status", "--home", str(cli.home), env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0].startswith(("Due now", "Next deadline:", "OVERDUE"))
    assert "met" in lines[-1] and "--all" in lines[-1]
    full = run_breach("status", "--all", "--explain", "--home", str(cli.home), env={"COLUMNS": "80"}).stdout
    assert not re.search(r"\b(True|False)\b", full)
    table = [line for line in full.splitlines() if line.startswith("BR-")]
    first_done = next(i for i, line in enumerate(table) if re.search(r"\bmet\b|not applicable", line))
    assert all(not re.search(r"\bmet\b|not applicable", line) for line in table[:first_done])
    assert all(re.search(r"\bmet\b|not applicable", line) for line in table[first_done:])
