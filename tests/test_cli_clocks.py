"""Regulatory clocks through the CLI: status, notified, calendar, scope, mark."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, Cli

ANSWERS = REPO / "tests" / "data" / "wp250" / "example06.yaml"  # high risk: usernames and passwords published


@pytest.fixture
def high_risk(cli: Cli) -> str:
    """A sample-organization controller incident with high risk and people in BE and US-CA."""
    iid = cli.json("open", "--title", "DB", "--aware-at", "2026-11-28 09:00")["id"]
    assert cli("scope", iid, "-j", "BE=1200", "-j", "US-CA=800").exit_code == 0
    result = cli("assess", iid, "--answers", str(ANSWERS))
    assert result.exit_code == 0, result.output
    # the answers file carries its own jurisdictions; the responder's scope is recorded again after it
    assert cli("scope", iid, "-j", "BE=1200", "-j", "US-CA=800").exit_code == 0
    return iid


def by_obligation(rows: list[dict]) -> dict[str, dict]:
    return {r["obligation"]: r for r in rows}


def test_status_shows_dpa_72h_subjects_and_california_30_days(cli: Cli, high_risk: str) -> None:
    rows = by_obligation(cli.json("status", high_risk))
    sa = rows["gdpr-art33-sa"]
    assert "Gegevensbeschermingsautoriteit" in sa["recipient"]
    assert sa["due_at"] == "2026-12-01T09:00:00+01:00" and sa["state"] == "pending"
    # BREACH_NOW is 2026-11-28 14:05 +01:00: 72 h - 5 h 05 min = 66 h 55 min left
    assert sa["remaining_seconds"] == (66 * 60 + 55) * 60
    assert rows["gdpr-art34-subjects"]["state"] == "pending" and rows["gdpr-art34-subjects"]["due_at"] is None
    ca = rows["us-ca-residents"]
    assert ca["due_at_utc"] == "2026-12-28T08:00:00+00:00"  # 30 calendar days after discovery (= awareness)
    for key in ("incident", "obligation", "recipient", "due_at", "state", "remaining_seconds"):
        assert key in sa


def test_status_is_sorted_by_due_time_and_pending_hides_met(cli: Cli, high_risk: str) -> None:
    rows = cli.json("status")
    applicable = [r for r in rows if r["state"] != "not_applicable"]
    assert rows[: len(applicable)] == applicable  # what does not apply comes last
    dues = [r["due_at_utc"] for r in applicable if r["due_at_utc"]]
    assert dues == sorted(dues) and len(dues) >= 2
    assert all(r["due_at_utc"] is None for r in applicable[len(dues):])
    result = cli("notified", high_risk, "gdpr-art33-sa", "--at", "2026-11-28 12:00",
                 "--without-approval", "--reason", "test")
    assert result.exit_code == 0, result.output
    assert "gdpr-art33-sa" not in {r["obligation"] for r in cli.json("status", "--pending")}
    assert by_obligation(cli.json("status"))["gdpr-art33-sa"]["state"] == "met"


def test_late_notification_needs_reasons_and_shows_late(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREACH_NOW", "2026-12-05T10:00:00+01:00")
    iid = cli.json("open", "--title", "old", "--aware-at", "2026-11-28 09:00")["id"]
    refused = cli("notified", iid, "gdpr-art33-sa", "--at", "2026-12-02 10:00",
                  "--without-approval", "--reason", "drill")
    assert refused.exit_code == 1
    assert "reasons-for-delay" in refused.stderr and "Art. 33(1)" in refused.stderr
    assert cli.json("timeline", iid)[-1]["kind"] == "opened"  # nothing recorded
    ok = cli("notified", iid, "gdpr-art33-sa", "--at", "2026-12-02 10:00", "--reasons-for-delay",
             "Forensics needed", "--without-approval", "--reason", "drill")
    assert ok.exit_code == 0, ok.output
    sa = by_obligation(cli.json("status", iid))["gdpr-art33-sa"]
    assert sa["state"] == "late"


def test_overdue_is_flagged(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREACH_NOW", "2026-12-05T10:00:00+01:00")
    iid = cli.json("open", "--title", "old", "--aware-at", "2026-11-28 09:00")["id"]
    sa = by_obligation(cli.json("status", iid))["gdpr-art33-sa"]
    assert sa["overdue"] is True and sa["remaining_seconds"] < 0
    assert "OVERDUE" in cli("status", iid).stdout


def test_unlikely_assessment_makes_art33_not_applicable(cli: Cli) -> None:
    iid = cli.open()
    result = cli("assess", iid, "--answers", str(REPO / "tests/data/wp250/example01.yaml"))
    assert result.exit_code == 0, result.output
    sa = by_obligation(cli.json("status", iid))["gdpr-art33-sa"]
    assert sa["state"] == "not_applicable" and "unlikely" in sa["reason"]


def test_calendar_has_one_event_per_dated_obligation(cli: Cli, high_risk: str, tmp_path: Path) -> None:
    import icalendar

    out = tmp_path / "deadlines.ics"
    result = cli("calendar", high_risk, "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    events = list(cal.walk("VEVENT"))
    dated = [r for r in cli.json("status", high_risk) if r["due_at"] and r["state"] != "not_applicable"]
    assert len(events) == len(dated) >= 2
    summaries = {str(e.get("summary")) for e in events}
    assert any("gdpr-art33-sa" in s for s in summaries)
    assert all(e.walk("VALARM") for e in events)


def test_mark_records_a_clock_start(cli: Cli) -> None:
    iid = cli.open()
    result = cli.json("mark", iid, "determined", "--at", "2026-11-28 10:00")
    assert result["at"] == "2026-11-28T10:00:00+01:00"
    assert cli("mark", iid, "tuesday").exit_code == 1


def test_bad_scope_and_unknown_obligation(cli: Cli) -> None:
    iid = cli.open()
    assert "CODE=COUNT" in cli("scope", iid, "-j", "BE").stderr
    bad = cli("notified", iid, "gdpr-art99")
    assert bad.exit_code == 1 and "unknown obligation" in bad.stderr


def test_regimes_validate_names_file_and_line_and_list_shows_sources() -> None:
    from typer.testing import CliRunner

    from breach.cli import app

    bad = REPO / "tests" / "data" / "regimes" / "bad-rule.yaml"
    result = CliRunner().invoke(app, ["regimes", "validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:" in result.stderr
    import re

    assert re.search(r"bad-rule\.yaml:\d+: ", result.stderr)
    ok = CliRunner().invoke(app, ["regimes", "validate", str(REPO / "breach" / "resources" / "regimes")])
    assert ok.exit_code == 0, ok.output
    rules = CliRunner().invoke(app, ["regimes", "list", "--json"])
    import json

    rows = json.loads(rules.stdout)
    assert {"gdpr-art33-sa", "us-ca-residents", "nis2-final"} <= {r["id"] for r in rows}
    assert all(r["source"] and r["status"] for r in rows)
