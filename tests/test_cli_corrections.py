"""Corrections are events: `breach edit` and `breach retract`, used by every view, clock and register row."""

from __future__ import annotations

import json

from conftest import Cli


def test_edit_occurred_at_shows_in_show_with_who_and_keeps_the_chain_valid(cli: Cli, assessed: str) -> None:
    result = cli("edit", assessed, "--occurred-at", "2026-11-27 20:00", "--note", "per the firewall logs",
                 "--by", "Ana")
    assert result.exit_code == 0, result.output
    assert "occurred_at 2026-11-27 22:00 CET -> 2026-11-27 20:00 CET" in result.stdout
    view = cli.json("show", assessed)
    assert view["incident"]["occurred_at"] == "2026-11-27T20:00:00+01:00"
    assert view["corrections"] == [{"field": "occurred_at", "old": "2026-11-27T22:00:00+01:00",
                                    "new": "2026-11-27T20:00:00+01:00", "by": "Ana",
                                    "at": "2026-11-28T14:05:00+01:00", "note": "per the firewall logs"}]
    shown = cli("show", assessed).stdout
    assert "corrected occurred_at: 2026-11-27 22:00 CET -> 2026-11-27 20:00 CET, by Ana" in shown
    assert cli("verify", assessed).exit_code == 0
    row = next(r for r in cli.json("register", "--format", "json") if r["id"] == assessed)
    assert row["occurred_at"] == "2026-11-27T20:00:00+01:00"
    assert row["corrections"][0].startswith(
        "occurred_at: 2026-11-27T22:00:00+01:00 -> 2026-11-27T20:00:00+01:00 by Ana")


def test_edit_aware_at_moves_the_art33_clock(cli: Cli, assessed: str) -> None:
    before = {r["obligation"]: r for r in cli.json("status", assessed)}["gdpr-art33-sa"]
    assert before["due_at"] == "2026-12-01T09:00:00+01:00"
    assert cli("edit", assessed, "--aware-at", "2026-11-28 06:00").exit_code == 0
    after = {r["obligation"]: r for r in cli.json("status", assessed)}["gdpr-art33-sa"]
    assert after["due_at"] == "2026-12-01T06:00:00+01:00"


def test_edit_title_and_the_draft_uses_it(cli: Cli, assessed: str) -> None:
    assert cli("edit", assessed, "--title", "Customer database exposed").exit_code == 0
    assert cli.json("list")[0]["title"] == "Customer database exposed"
    timeline = cli.json("timeline", assessed)
    assert timeline[-1]["kind"] == "edited"
    assert timeline[-1]["data"]["fields"] == {"title": "Customer database exposed"}


def test_edit_refuses_nothing_impossible_or_unchanged(cli: Cli, assessed: str) -> None:
    nothing = cli("edit", assessed)
    assert nothing.exit_code == 1 and "give at least one of" in nothing.stderr
    same = cli("edit", assessed, "--title", "DB")
    assert same.exit_code == 1 and "nothing to correct" in same.stderr
    before = cli("edit", assessed, "--aware-at", "2026-11-27 10:00")
    assert before.exit_code == 1 and "before occurred_at" in before.stderr
    future = cli("edit", assessed, "--detected-at", "2026-12-28 10:00")
    assert future.exit_code == 1 and "in the future" in future.stderr


def test_retract_makes_the_obligation_pending_again_and_the_register_keeps_both(cli: Cli, assessed: str) -> None:
    sent = cli("notified", assessed, "gdpr-art33-sa", "--without-approval", "--reason", "portal", "--reference", "X1")
    assert sent.exit_code == 0, sent.output
    assert {r["obligation"]: r for r in cli.json("status", assessed)}["gdpr-art33-sa"]["state"] == "met"
    result = cli("retract", assessed, "gdpr-art33-sa", "--reason", "recorded on the wrong incident")
    assert result.exit_code == 0, result.output
    assert "pending again" in result.stdout
    assert {r["obligation"]: r for r in cli.json("status", assessed)}["gdpr-art33-sa"]["state"] == "pending"
    row = next(r for r in cli.json("register", "--format", "json") if r["id"] == assessed)
    assert row["retracted"] and "ref X1 retracted by tester" in row["retracted"][0]
    assert row["retracted"][0].endswith("recorded on the wrong incident")
    kinds = [e["kind"] for e in cli.json("timeline", assessed)]
    assert kinds[-2:] == ["notified", "retracted"]
    again = cli("retract", assessed, "gdpr-art33-sa", "--reason", "twice")
    assert again.exit_code == 1 and "no recorded gdpr-art33-sa notice" in again.stderr


def test_retract_needs_a_reason(cli: Cli, assessed: str) -> None:
    result = cli("retract", assessed, "gdpr-art33-sa", "--reason", " ")
    assert result.exit_code == 1 and "--reason is required" in result.stderr
    assert json.loads(cli("timeline", assessed, "--json").stdout)[-1]["kind"] != "retracted"
