"""Closing checks everything (issue 20): pending obligations, undecided authority advisories and open
playbook tasks are each named; --force --reason closes anyway and records every open item."""

from __future__ import annotations

from conftest import Cli
from test_authorities import high_risk_incident

QUICK = ("--without-approval", "--reason", "portal only")


def notify_everything(cli: Cli, iid: str) -> None:
    for row in cli.json("status", iid, "--pending"):
        if row["state"] == "pending":
            result = cli("notified", iid, row["obligation"], *QUICK)
            assert result.exit_code == 0, result.output


def open_tasks(cli: Cli, iid: str) -> list[dict]:
    return [t for t in cli.json("tasks", iid) if t["state"] == "open"]


def test_close_with_an_open_task_exits_1_naming_it(cli: Cli, assessed: str) -> None:
    notify_everything(cli, assessed)
    tasks = open_tasks(cli, assessed)
    assert tasks, "the WP250 example 6 playbook leaves tasks to do"
    for t in tasks[1:]:
        assert cli("task", assessed, str(t["n"]), "done").exit_code == 0
    left = tasks[0]
    refused = cli("close", assessed, "--summary", "Contained")
    assert refused.exit_code == 1
    assert "1 playbook task open" in refused.stderr and f"{left['n']} {left['text']}" in refused.stderr
    assert "obligation" not in refused.stderr  # every one was notified
    assert cli.json("show", assessed)["incident"]["status"] == "open"
    assert cli("task", assessed, str(left["n"]), "done").exit_code == 0
    refused = cli("close", assessed, "--summary", "Contained")  # the task is done; the DE advisory is not decided
    assert refused.exit_code == 1 and "playbook task" not in refused.stderr and "gdpr-art33-sa:DE" in refused.stderr


def test_close_names_every_pending_obligation_and_every_open_task(cli: Cli, assessed: str) -> None:
    pending = [r["obligation"] for r in cli.json("status", assessed, "--pending") if r["state"] == "pending"]
    refused = cli("close", assessed, "--summary", "Contained")
    assert refused.exit_code == 1
    for obligation in pending:
        assert obligation in refused.stderr
    for t in open_tasks(cli, assessed):
        assert f"{t['n']} {t['text']}" in refused.stderr


def test_force_needs_a_reason_and_records_each_open_item(cli: Cli, assessed: str) -> None:
    notify_everything(cli, assessed)
    tasks = open_tasks(cli, assessed)
    no_reason = cli("close", assessed, "--summary", "Contained", "--force")
    assert no_reason.exit_code == 1 and "--force needs --reason" in no_reason.stderr
    closed = cli("close", assessed, "--summary", "Contained", "--force", "--reason", "tasks moved to the IT backlog")
    assert closed.exit_code == 0, closed.output
    assert f"{len(tasks)} playbook task" in closed.stdout
    event = cli.json("timeline", assessed)[-1]
    assert event["kind"] == "closed"
    assert event["data"]["forced"] is True and event["data"]["reason"] == "tasks moved to the IT backlog"
    items = event["data"]["open_items"]
    assert [i for i in items if i["kind"] == "task"] == [{"kind": "task", "id": str(t["n"]), "what": t["text"]}
                                                         for t in tasks]
    assert "gdpr-art33-sa:DE" in [i["id"] for i in items if i["kind"] == "advisory"]  # never decided
    assert not [i for i in items if i["kind"] == "obligation"]


def test_an_undecided_authority_advisory_blocks_closing(cli: Cli) -> None:
    iid = high_risk_incident(cli, "BE=1200,NL=200")
    notify_everything(cli, iid)
    for t in open_tasks(cli, iid):
        assert cli("task", iid, str(t["n"]), "done").exit_code == 0
    refused = cli("close", iid, "--summary", "done")
    assert refused.exit_code == 1
    assert "1 advisory undecided: gdpr-art33-sa:NL" in refused.stderr


def test_an_advisory_decided_with_notify_authority_no_longer_blocks(cli: Cli) -> None:
    iid = high_risk_incident(cli, "BE=1200,NL=200")
    assert cli("scope", iid, "--notify-authority", "NL").exit_code == 0  # legal decided: notify NL too
    notify_everything(cli, iid)
    for t in open_tasks(cli, iid):
        assert cli("task", iid, str(t["n"]), "done").exit_code == 0
    closed = cli("close", iid, "--summary", "done")
    assert closed.exit_code == 0, closed.output


def test_a_decision_not_to_notify_settles_the_advisory(cli: Cli) -> None:
    """`breach decide --not-notify --reason` (issue 20) settles the advisory: close no longer names it."""
    iid = high_risk_incident(cli, "BE=1200,NL=200")
    refused = cli("close", iid, "--summary", "Contained")
    assert refused.exit_code == 1 and "gdpr-art33-sa:NL" in refused.stderr
    decided = cli("decide", iid, "gdpr-art33-sa:NL", "--not-notify", "--reason", "The lead SA suffices here.",
                  "--as", "Legal")
    assert decided.exit_code == 0, decided.output
    again = cli("close", iid, "--summary", "Contained")
    assert "gdpr-art33-sa:NL" not in again.stderr
