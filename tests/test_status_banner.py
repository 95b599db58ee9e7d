"""The first line of `breach status` names the earliest statutory deadline still pending.

An Art. 34 duty is "due now" only once an assessment found a high risk; before that it awaits
the assessment and never hides an Art. 33 deadline, overdue or not.
"""

from __future__ import annotations

from conftest import HIGH_RISK_ANSWERS, Cli

from breach.cli.status_view import render_status


def first_line(cli: Cli) -> str:
    result = cli("status")
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()[0]


def test_before_any_assessment_no_art34_duty_is_due_now(cli: Cli) -> None:
    iid = cli.open("fresh")
    rows = {r["obligation"]: r for r in cli.json("status")}
    assert rows["gdpr-art34-public"]["state"] == rows["gdpr-art34-subjects"]["state"] == "pending"
    line = first_line(cli)
    assert "gdpr-art34" not in line and "Due now" not in line
    assert line == f"Next deadline: 01 Dec 14:05 CET, in 3d 00h 00m: gdpr-art33-sa ({iid})"


def test_an_overdue_art33_deadline_leads_over_art34_duties_awaiting_the_assessment(cli: Cli) -> None:
    iid = cli.open("late", "--aware-at", "2026-11-25 09:00")
    assert first_line(cli) == f"OVERDUE by 5h 05m (was due 28 Nov 09:00 CET): gdpr-art33-sa ({iid})"


def test_after_a_high_risk_assessment_art34_is_due_now_unless_a_deadline_is_already_overdue(cli: Cli) -> None:
    iid = cli.open("assessed in time")
    assert cli("assess", iid, "--answers", str(HIGH_RISK_ANSWERS)).exit_code == 0
    assert first_line(cli) == f"Due now, without undue delay: gdpr-art34-subjects ({iid})"
    late = cli.open("assessed late", "--aware-at", "2026-11-24 09:00")
    assert cli("assess", late, "--answers", str(HIGH_RISK_ANSWERS)).exit_code == 0
    assert first_line(cli) == f"OVERDUE by 1d 05h 05m (was due 27 Nov 09:00 CET): gdpr-art33-sa ({late})"


def row(obligation: str, remaining: int | None, *, binding: str = "law", reason: str | None = None) -> dict:
    due = None if remaining is None else "2026-12-01T14:05:00+01:00"
    return {"incident": "BR-2026-0001", "obligation": obligation, "state": "pending", "due_at": due,
            "due_at_utc": due, "remaining_seconds": remaining, "overdue": bool(remaining and remaining < 0),
            "recipient": "x", "title": "t", "reason": reason, "source": "s", "status": "confirmed-primary",
            "binding": binding, "note": None, "started_at": None, "start_event": "aware", "start_taken_from": None}


def test_a_deadline_in_law_comes_before_guidance_and_awaiting_duties_alone_say_so() -> None:
    rows = [row("guidance-only", 3600, binding="guidance"), row("gdpr-art33-sa", 3 * 86400)]
    assert render_status(rows, zone="Europe/Brussels")[0].endswith(": gdpr-art33-sa (BR-2026-0001)")
    waiting = [row("gdpr-art34-subjects", None, reason="awaiting the risk assessment (Art. 34(1))")]
    assert render_status(waiting, zone="Europe/Brussels")[0] == (
        "Awaiting the risk assessment: gdpr-art34-subjects (BR-2026-0001)")
