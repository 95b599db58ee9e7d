"""One notice per duty (issue 20): a second plain notice is refused naming the first; a supplementary
notice (GDPR Art. 33(4)) and a correction of the record are the two ways to add to it; `retract` says
what the obligation really is afterwards."""

from __future__ import annotations

from conftest import Cli

SA = "gdpr-art33-sa"
QUICK = ("--without-approval", "--reason", "portal only")  # a notice made outside the tool


def states(cli: Cli, iid: str) -> dict[str, str]:
    return {r["obligation"]: r["state"] for r in cli.json("status", iid)}


def sa_notices(cli: Cli, iid: str) -> list[dict]:
    row = next(r for r in cli.json("register") if r["id"] == iid)
    return [o for o in row["obligations"] if o["obligation"] == SA]


def test_a_second_plain_notice_is_refused_naming_the_first(cli: Cli, assessed: str) -> None:
    first = cli("notified", assessed, SA, "--at", "2026-11-28 13:30", "--reference", "DBN-1", *QUICK)
    assert first.exit_code == 0, first.output
    again = cli("notified", assessed, SA, "--reference", "again", *QUICK)
    assert again.exit_code == 1
    assert "already met" in again.stderr and "DBN-1" in again.stderr and "2026-11-28 13:30" in again.stderr
    assert "complete notice" in again.stderr and "--supplementary" in again.stderr
    assert [e["kind"] for e in cli.json("timeline", assessed)].count("notified") == 1
    (row,) = sa_notices(cli, assessed)
    assert row["how"].count("notice at") == 1 and "again" not in row["how"]


def test_a_second_plain_notice_is_refused_on_a_closed_incident_too(cli: Cli, assessed: str) -> None:
    assert cli("notified", assessed, SA, "--reference", "DBN-1", *QUICK).exit_code == 0
    closed = cli("close", assessed, "--summary", "done", "--force", "--reason", "drill")
    assert closed.exit_code == 0, closed.output
    again = cli("notified", assessed, SA, "--reference", "again", *QUICK)
    assert again.exit_code == 1 and "DBN-1" in again.stderr


def test_supplementary__recorded_as_such_and_it_meets_the_art33_4_followup(cli: Cli, assessed: str) -> None:
    initial = cli.json("notified", assessed, SA, "--phase", "initial", "--reference", "DBN-1", *QUICK)
    assert initial["phase"] == "initial"
    assert states(cli, assessed)["gdpr-art33-followup"] == "pending"
    more = cli.json("notified", assessed, SA, "--supplementary", "--reference", "DBN-1", *QUICK)
    assert more["phase"] == "supplementary" and more["supplementary"] is True and more["phase_number"] == 2
    assert states(cli, assessed)["gdpr-art33-followup"] == "met"  # the rest was given (Art. 33(4))
    (row,) = sa_notices(cli, assessed)
    assert "initial notice at" in row["how"] and "supplementary notice at" in row["how"]
    conflict = cli("notified", assessed, SA, "--supplementary", "--phase", "complete", *QUICK)
    assert conflict.exit_code == 1 and "supplementary" in conflict.stderr


def test_supplementary_after_closing_is_accepted(cli: Cli, assessed: str) -> None:
    assert cli("notified", assessed, SA, "--reference", "DBN-1", *QUICK).exit_code == 0
    assert cli("close", assessed, "--summary", "done", "--force", "--reason", "tasks later").exit_code == 0
    late_info = cli("notified", assessed, SA, "--supplementary", "--reference", "DBN-1", *QUICK)
    assert late_info.exit_code == 0, late_info.output
    assert "supplementary notice" in late_info.stdout


def test_correction__replaces_the_record_and_keeps_the_first_in_the_timeline(cli: Cli, assessed: str) -> None:
    assert cli("notified", assessed, SA, "--at", "2026-11-28 13:30", "--reference", "DBN-1", *QUICK).exit_code == 0
    no_reason = cli("notified", assessed, SA, "--correction", "--reference", "DBN-2")
    assert no_reason.exit_code == 1 and "--reason" in no_reason.stderr
    fixed = cli("notified", assessed, SA, "--correction", "--reference", "DBN-2", "--reason", "typo in the ref")
    assert fixed.exit_code == 0, fixed.output
    assert "corrected" in fixed.stdout and "DBN-2" in fixed.stdout
    (row,) = sa_notices(cli, assessed)
    assert "ref DBN-2" in row["how"] and "typo in the ref" in row["how"]
    assert row["how"].count("notice at") == 1  # one notice, its record corrected
    assert row["met_at"] == "2026-11-28T13:30:00+01:00"  # the time given first is kept
    events = [e for e in cli.json("timeline", assessed) if e["kind"] == "notified"]
    assert [e["data"]["reference"] for e in events] == ["DBN-1", "DBN-2"]
    assert events[1]["data"]["corrects"] == events[0]["seq"]
    assert cli("verify", assessed).exit_code == 0


def test_correction_of_the_time_moves_the_met_time(cli: Cli, assessed: str) -> None:
    assert cli("notified", assessed, SA, "--at", "2026-11-28 13:30", *QUICK).exit_code == 0
    fixed = cli.json("notified", assessed, SA, "--correction", "--at", "2026-11-28 12:00", "--reason", "clock")
    assert fixed["at"] == "2026-11-28T12:00:00+01:00"
    sa = {r["obligation"]: r for r in cli.json("status", assessed)}[SA]
    assert sa["met_at"] == "2026-11-28T12:00:00+01:00"


def test_retract__prints_the_state_the_obligation_is_really_in(cli: Cli, assessed: str) -> None:
    assert cli("notified", assessed, SA, "--at", "2026-11-28 13:30", "--reference", "DBN-1", *QUICK).exit_code == 0
    assert cli("notified", assessed, SA, "--supplementary", *QUICK).exit_code == 0
    result = cli("retract", assessed, SA, "--reason", "the supplement went to the wrong authority")
    assert result.exit_code == 0, result.output
    assert "still met" in result.stdout and "2026-11-28 13:30" in result.stdout
    assert "pending" not in result.stdout
    assert states(cli, assessed)[SA] == "met"
    last = cli.json("retract", assessed, SA, "--reason", "wrong incident")
    assert last["state"] == "pending" and states(cli, assessed)[SA] == "pending"


def test_retracting_a_correction_brings_back_the_first_record(cli: Cli, assessed: str) -> None:
    assert cli("notified", assessed, SA, "--reference", "DBN-1", *QUICK).exit_code == 0
    assert cli("notified", assessed, SA, "--correction", "--reference", "DBN-9", "--reason", "x").exit_code == 0
    result = cli.json("retract", assessed, SA, "--reason", "the correction was wrong")
    assert result["state"] == "met"
    (row,) = sa_notices(cli, assessed)
    assert "ref DBN-1" in row["how"] and "DBN-9" not in row["how"]
