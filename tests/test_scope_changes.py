"""Scope changes are explicit, and a met obligation never disappears from the record (issue 20)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from conftest import Cli

LATER = "2026-11-28T15:00:00+01:00"  # the replace, an hour after the notice


def by_obligation(rows: list[dict]) -> dict[str, dict]:
    return {r["obligation"]: r for r in rows}


def california_notified(cli: Cli) -> str:
    """BE=1000 and US-CA=600, and a notice made to the California residents."""
    iid = cli.json("open", "--title", "DB", "--aware-at", "2026-11-28 09:00")["id"]
    result = cli("scope", iid, "-j", "BE=1000", "-j", "US-CA=600")
    assert result.exit_code == 0, result.output
    result = cli("notified", iid, "us-ca-residents", "--without-approval", "--reason", "sent by counsel")
    assert result.exit_code == 0, result.output
    return iid


def test_scope_adds_a_jurisdiction_and_keeps_the_others(cli: Cli) -> None:
    iid = california_notified(cli)
    result = cli("scope", iid, "-j", "DE=50")
    assert result.exit_code == 0, result.output
    assert "BE=1,000, US-CA=600, DE=50; 1,650 people in all" in result.stdout
    view = cli.json("show", iid)
    assert view["scope"] == {"BE": 1000, "US-CA": 600, "DE": 50}
    rows = by_obligation(cli.json("status", iid))
    assert rows["us-ca-residents"]["state"] == "met"
    assert rows["us-ca-residents"]["no_longer_triggered"] is False  # US-CA is still in the scope
    # a count given again is updated, not added to
    assert cli("scope", iid, "-j", "US-CA=700").exit_code == 0
    assert cli.json("show", iid)["scope"] == {"BE": 1000, "US-CA": 700, "DE": 50}


def test_unlocated_changes_only_when_given(cli: Cli) -> None:
    iid = cli.open()
    assert cli("scope", iid, "-j", "BE=10", "--unlocated", "5").exit_code == 0
    assert cli("scope", iid, "--unlocated", "7").exit_code == 0
    view = cli.json("show", iid)
    assert (view["scope"], view["unlocated"]) == ({"BE": 10}, 7)
    assert cli("scope", iid, "-j", "FR=3").exit_code == 0
    view = cli.json("show", iid)
    assert (view["scope"], view["unlocated"], view["people"]) == ({"BE": 10, "FR": 3}, 7, 20)


def test_replace_is_refused_without_yes_when_a_notified_obligation_would_go(cli: Cli) -> None:
    iid = california_notified(cli)
    events = cli.json("show", iid)["events"]
    result = cli("scope", iid, "--replace", "-j", "DE=50")
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith("Error: ") and "us-ca-residents" in first and "--yes" in first
    assert "no longer in the scope: BE=1,000, US-CA=600" in result.stderr  # what would disappear
    assert "Traceback" not in result.output
    view = cli.json("show", iid)
    assert view["scope"] == {"BE": 1000, "US-CA": 600} and view["events"] == events  # nothing recorded


def test_replace_with_yes_keeps_the_notified_obligation_as_met_everywhere(cli: Cli, tmp_path: Path) -> None:
    iid = california_notified(cli)
    result = cli("scope", iid, "--replace", "-j", "DE=50", "--yes", env={"BREACH_NOW": LATER})
    assert result.exit_code == 0, result.output
    assert "Replaced: no longer in the scope: BE=1,000, US-CA=600" in result.stdout
    assert "us-ca-residents (notified: stays on record as met)" in result.stdout
    assert "Scope recorded: DE=50; 50 people in all." in result.stdout
    assert cli.json("show", iid)["scope"] == {"DE": 50}

    # status --all --json: met, marked, with the time of the change in the reader's zone
    rows = by_obligation(cli.json("status", iid, "--all"))
    ca = rows["us-ca-residents"]
    assert ca["state"] == "met" and ca["met_at"] == "2026-11-28T14:05:00+01:00"
    assert ca["no_longer_triggered"] is True and ca["scope_changed_at"] == LATER
    assert "us-ca-ag" not in rows  # never notified: it goes with the scope
    assert rows["gdpr-art33-sa"]["no_longer_triggered"] is False
    new_york = by_obligation(cli.json("status", iid, "--all", env={"BREACH_TZ": "America/New_York"}))
    assert new_york["us-ca-residents"]["scope_changed_at"] == "2026-11-28T09:00:00-05:00"
    text = cli("status", iid, "--all").stdout
    assert "met; no longer triggered by the scope (changed at 2026-11-28 15:00 CET)" in text
    text = cli("status", iid, "--all", env={"BREACH_TZ": "America/New_York"}).stdout
    assert "met; no longer triggered by the scope (changed at 2026-11-28 09:00 EST)" in text
    # a later change of the scope keeps the time of the change that removed it
    assert cli("scope", iid, "-j", "FR=5", env={"BREACH_NOW": "2026-11-28T16:00:00+01:00"}).exit_code == 0
    assert by_obligation(cli.json("status", iid))["us-ca-residents"]["scope_changed_at"] == LATER

    # show
    view = cli.json("show", iid)
    shown = by_obligation(view["obligations"])["us-ca-residents"]
    assert shown["state"] == "met" and shown["no_longer_triggered"] is True
    assert "met; no longer triggered by the scope (changed at 2026-11-28 15:00 CET)" in cli("show", iid).stdout

    # the register: json, csv and md
    row = next(r for r in cli.json("register") if r["id"] == iid)
    ca = by_obligation(row["obligations"])["us-ca-residents"]
    assert ca["state"] == "met" and ca["no_longer_triggered"] is True and ca["scope_changed_at"] == LATER
    assert "complete notice at 2026-11-28T14:05:00+01:00" in ca["how"]
    csv_row = next(r for r in csv.DictReader(io.StringIO(cli("register", "--format", "csv").stdout))
                   if r["id"] == iid)
    assert "us-ca-residents: met, due 2026-12-28T00:00:00-08:00, met 2026-11-28T14:05:00+01:00" in csv_row[
        "obligations"]
    assert f"no longer triggered by the scope (changed at {LATER})" in csv_row["obligations"]
    md = cli("register", "--format", "md").stdout
    assert any(line.strip().startswith("- us-ca-residents: met") and "no longer triggered by the scope" in line
               for line in md.splitlines())

    # the report
    out = tmp_path / "report.html"
    result = cli("report", iid, "--out", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text()
    row_html = html.split('id="obligation-us-ca-residents"', 1)[1].split("</tr>", 1)[0]
    assert "met; no longer triggered by the scope (changed at 2026-11-28 15:00 CET)" in row_html


def test_replace_without_a_notified_obligation_needs_no_yes_and_says_what_it_removes(cli: Cli) -> None:
    iid = cli.open()
    assert cli("scope", iid, "-j", "BE=1000", "-j", "US-CA=600", "--unlocated", "9").exit_code == 0
    result = cli("scope", iid, "--replace", "-j", "BE=900")
    assert result.exit_code == 0, result.output
    assert "Replaced: no longer in the scope: US-CA=600" in result.stdout
    assert "people of unknown location: 9 -> 0" in result.stdout
    assert "no longer triggered: us-ca-residents\n" in result.stdout
    view = cli.json("show", iid)
    assert (view["scope"], view["unlocated"]) == ({"BE": 900}, 0)
    assert "us-ca-residents" not in by_obligation(cli.json("status", iid, "--all"))  # never met: it goes
    # --json keeps stdout JSON; what was removed goes to stderr
    result = cli("scope", iid, "--replace", "-j", "FR=5", "--json")
    assert json.loads(result.stdout) == {"FR": 5}
    assert "no longer in the scope: BE=900" in result.stderr


def test_the_timeline_says_how_each_scope_change_was_made(cli: Cli) -> None:
    iid = cli.open()
    assert cli("scope", iid, "-j", "BE=10").exit_code == 0
    assert cli("scope", iid, "-j", "FR=3").exit_code == 0
    assert cli("scope", iid, "--replace", "-j", "NL=4").exit_code == 0
    scopes = [e["data"] for e in cli.json("timeline", iid) if e["kind"] == "scope"]
    assert [(d["change"], d["given"], d["jurisdictions"]) for d in scopes] == [
        ("add", {"BE": 10}, {"BE": 10}), ("add", {"FR": 3}, {"BE": 10, "FR": 3}), ("replace", {"NL": 4}, {"NL": 4})]


def test_scope_option_mistakes_are_one_error_line(cli: Cli) -> None:
    iid = cli.open()
    result = cli("scope", iid, "--replace")
    assert result.exit_code == 1 and result.stderr.startswith("Error: --replace needs the whole new scope")
    result = cli("scope", iid, "-j", "BE=1", "--yes")
    assert result.exit_code == 1 and result.stderr.startswith("Error: --yes goes with --replace")
