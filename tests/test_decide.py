"""`breach decide`: legal's decision about an advisory, in every view and in the register (issue 20).

The sample organization has a joint controller without an EU main establishment (Sparkcentral
Inc.), so an authority of a member state in scope other than the lead one (BE) is an advisory
(EDPB Guidelines 9/2022 para 73). The `assessed` incident's scope is BE, FR and DE.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import Cli

REASON = "no customers targeted in DE; counsel's memo of 28 Nov"
WHO = "M. Dupont (DPO)"


def by_obligation(rows: list[dict]) -> dict[str, dict]:
    return {r["obligation"]: r for r in rows}


def decide_not(cli: Cli, iid: str, obligation: str = "gdpr-art33-sa:DE", reason: str = REASON, *,
               env: dict | None = None):
    return cli("decide", iid, obligation, "--not-notify", "--reason", reason, "--as", WHO, env=env)


def test_not_notify_replaces_the_decide_row_in_every_view(cli: Cli, assessed: str, tmp_path: Path) -> None:
    before = by_obligation(cli.json("status", assessed))
    assert before["gdpr-art33-sa:DE"]["state"] == "advisory"
    assert any("gdpr-art33-sa:DE" in line and "DECIDE" in line for line in cli("status", assessed).stdout.splitlines())

    result = decide_not(cli, assessed)
    assert result.exit_code == 0, result.output
    assert f"decided by {WHO}" in result.stdout and REASON in result.stdout

    # status: no DECIDE row for DE (FR still waits for its decision); --all shows the decision
    for args in ((), ("--all",), ("--pending",)):
        lines = cli("status", assessed, *args).stdout.splitlines()
        assert not any("gdpr-art33-sa:DE" in line and "DECIDE" in line for line in lines), args
        assert any("gdpr-art33-sa:FR" in line and "DECIDE" in line for line in lines), args
    text = cli("status", assessed, "--all").stdout
    assert f"decided: not notified ({REASON}; {WHO}; 2026-11-28 14:05 CET)" in " ".join(
        line.strip() for line in text.splitlines())
    assert "1 decided" in cli("status", assessed).stdout

    # status --json: the row's state and the decision as a field; --pending leaves it out
    row = by_obligation(cli.json("status", assessed))["gdpr-art33-sa:DE"]
    assert row["state"] == "decided" and row["action"] is None
    assert row["decided"] == {"notify": False, "reason": REASON, "by": WHO, "at": "2026-11-28T14:05:00+01:00"}
    assert row["decision"] == f"decided: not notified ({REASON})"
    assert "gdpr-art33-sa:DE" not in by_obligation(cli.json("status", assessed, "--pending"))

    # show
    advisory = by_obligation(cli.json("show", assessed)["advisories"])["gdpr-art33-sa:DE"]
    assert advisory["state"] == "decided" and advisory["decided"]["by"] == WHO
    assert f"decided: not notified ({REASON}; {WHO}; 2026-11-28 14:05 CET)" in cli("show", assessed).stdout

    # the register: json, csv, md
    register = next(r for r in cli.json("register") if r["id"] == assessed)
    de = {a["advisory"]: a for a in register["advisories"]}["gdpr-art33-sa:DE"]
    assert de["decision"] == f"decided: not notified ({REASON})"
    assert de["decided"] == {"notify": False, "reason": REASON, "by": WHO, "at": "2026-11-28T14:05:00+01:00"}
    assert {a["advisory"]: a for a in register["advisories"]}["gdpr-art33-sa:FR"]["decided"] is None
    csv_row = next(r for r in csv.DictReader(io.StringIO(cli("register", "--format", "csv").stdout))
                   if r["id"] == assessed)
    assert (f"gdpr-art33-sa:DE: decided: not notified ({REASON}), decided by {WHO} at 2026-11-28T14:05:00+01:00"
            in csv_row["advisories"])
    assert f"decided by {WHO}" in cli("register", "--format", "md").stdout

    # the report
    out = tmp_path / "report.html"
    assert cli("report", assessed, "--out", str(out)).exit_code == 0
    row_html = out.read_text().split('id="obligation-gdpr-art33-sa:DE"', 1)[1].split("</tr>", 1)[0]
    assert "decided: not notified (" in row_html and WHO in row_html and "2026-11-28 14:05 CET" in row_html


def test_notify_does_what_scope_notify_authority_does(cli: Cli, assessed: str) -> None:
    other = cli.json("open", "--title", "DB", "--aware-at", "2026-11-28 09:00", "--occurred-at", "2026-11-27 22:00",
                     "--detected-at", "2026-11-28 08:00")["id"]
    from conftest import HIGH_RISK_ANSWERS

    assert cli("assess", other, "--answers", str(HIGH_RISK_ANSWERS)).exit_code == 0
    result = cli("decide", assessed, "gdpr-art33-sa:DE", "--notify", "--as", WHO)
    assert result.exit_code == 0, result.output
    assert "gdpr-art33-sa:DE is now an obligation" in result.stdout
    assert cli("scope", other, "--notify-authority", "DE").exit_code == 0

    def rows(iid: str) -> dict[str, dict]:  # the incident's id said as ID (the advisories' actions name it)
        return json.loads(json.dumps(by_obligation(cli.json("status", iid))).replace(iid, "ID"))

    decided, scoped = rows(assessed), rows(other)
    assert decided["gdpr-art33-sa:DE"]["state"] == "pending"
    assert decided == scoped
    # the same clock event, with who decided
    clock = [e for e in cli.json("timeline", assessed) if e["kind"] == "clock"]
    assert clock[-1]["data"]["event"] == "notify_authority:DE" and clock[-1]["data"]["by"] == WHO
    # deciding again on what is now an obligation: nothing to decide
    again = cli("decide", assessed, "gdpr-art33-sa:DE", "--notify")
    assert again.exit_code == 1 and "not an advisory" in again.stderr


def test_a_later_decision_supersedes_and_both_stay_in_the_timeline(cli: Cli, assessed: str) -> None:
    assert decide_not(cli, assessed).exit_code == 0
    later = {"BREACH_NOW": "2026-11-28T16:00:00+01:00"}
    result = cli("decide", assessed, "gdpr-art33-sa:DE", "--notify", "--as", "A. Legal", env=later)
    assert result.exit_code == 0, result.output
    assert f"It supersedes the decision of {WHO}" in result.stdout
    assert by_obligation(cli.json("status", assessed))["gdpr-art33-sa:DE"]["state"] == "pending"
    # and back: not notified after all (before any notice); the obligation goes, the decision shows
    result = decide_not(cli, assessed, reason="the Land authority confirmed it is not concerned",
                        env={"BREACH_NOW": "2026-11-28T17:00:00+01:00"})
    assert result.exit_code == 0, result.output
    row = by_obligation(cli.json("status", assessed))["gdpr-art33-sa:DE"]
    assert row["state"] == "decided" and row["decided"]["reason"] == "the Land authority confirmed it is not concerned"
    events = cli.json("timeline", assessed)
    decisions = [e["data"] for e in events if e["kind"] == "decision"]
    assert [d["reason"] for d in decisions] == [REASON, "the Land authority confirmed it is not concerned"]
    assert [e["data"]["event"] for e in events if e["kind"] == "clock"][-1] == "notify_authority:DE"


def test_not_notify_is_refused_once_the_authority_was_notified(cli: Cli, assessed: str) -> None:
    assert cli("decide", assessed, "gdpr-art33-sa:DE", "--notify").exit_code == 0
    result = cli("notified", assessed, "gdpr-art33-sa:DE", "--without-approval", "--reason", "t", "--phase", "complete")
    assert result.exit_code == 0, result.output
    refused = decide_not(cli, assessed)
    assert refused.exit_code == 1 and "already notified" in refused.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("gdpr-art33-sa:XX", "--not-notify", "--reason", "r"), "unknown obligation 'gdpr-art33-sa:XX'"),
    (("bogus", "--notify"), "unknown obligation 'bogus'"),
    (("gdpr-art33-sa", "--not-notify", "--reason", "r"), "gdpr-art33-sa is an obligation of"),
    (("gdpr-art33-sa:NL", "--not-notify", "--reason", "r"), "gdpr-art33-sa:NL is not an advisory of"),
    (("gdpr-art33-sa:DE", "--not-notify"), "--not-notify needs --reason"),
    (("gdpr-art33-sa:DE", "--not-notify", "--reason", "  "), "--not-notify needs --reason"),
    (("gdpr-art33-sa:DE", "--notify", "--not-notify", "--reason", "r"), "exclude each other"),
    (("gdpr-art33-sa:DE",), "give either --notify or --not-notify"),
])
def test_refusals_are_one_error_line(cli: Cli, assessed: str, args: tuple[str, ...], message: str) -> None:
    events = cli.json("show", assessed)["events"]
    result = cli("decide", assessed, *args)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and message in result.stderr.splitlines()[0]
    assert "Traceback" not in result.output
    assert cli.json("show", assessed)["events"] == events


def test_an_advisory_that_is_not_about_notifying_is_refused(cli: Cli, assessed: str) -> None:
    assert cli("scope", assessed, "-j", "US-CA=300", "--unlocated", "24000").exit_code == 0
    assert by_obligation(cli.json("status", assessed))["us-ca-ag:unlocated"]["state"] == "advisory"
    result = decide_not(cli, assessed, "us-ca-ag:unlocated")
    assert result.exit_code == 1 and "no decision about notifying" in result.stderr
