"""Slack: nothing lost. A proxy's HTML page, a 5xx or a setting to fix keeps every message
queued (with attempts, last error and next attempt time); only a definite refusal of one
message by Slack marks it failed, with the reason, shown by `breach slack status`."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from conftest import HIGH_RISK_ANSWERS
from slack_stub import CHANNEL_NAME

from breach.slack import client as slack
from breach.slack.policy import backoff


@pytest.fixture
def stub(slack_stub, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("random.random", lambda: 0.0)
    return slack_stub


def outbox(home: Path) -> list[dict]:
    conn = sqlite3.connect(home / "breach.db")
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM outbox ORDER BY id")]
    finally:
        conn.close()


def key_of(message: dict) -> str | None:
    return ((message.get("metadata") or {}).get("event_payload") or {}).get("key")


def ok(result):
    assert result.exit_code == 0, result.output
    return result


def test_proxy_html_403__every_message_waits_then_flush_delivers_each_once(cli, stub) -> None:
    stub.proxy_refuses(403)
    iid = cli.open("Proxy day")
    ok(cli("log", iid, "called the provider"))
    ok(cli("assess", iid, "--answers", str(HIGH_RISK_ANSWERS)))
    rows = outbox(cli.home)
    assert rows and all(r["state"] in ("queued", "sending") for r in rows), rows
    assert not any(r["state"] == "failed" for r in rows)
    head = rows[0]
    assert head["attempts"] >= 1 and "HTTP 403" in head["last_error"] and head["next_attempt_at"]
    assert stub.messages == [] and stub.scheduled == []

    status = cli.json("slack", "status")
    assert status["waiting"] == len(rows) and status["counts"]["failed"] == 0
    assert status["oldest"]["key"] == f"{iid}:parent"
    assert "proxy" in status["last_error"] and status["refused"] == []

    failing = cli("slack", "flush")
    assert failing.exit_code == 1
    assert "Error:" in failing.stderr and "stay queued" in failing.stderr
    assert "Traceback" not in failing.output

    stub.recover()
    ok(cli("slack", "flush"))
    rows = outbox(cli.home)
    assert all(r["state"] == "sent" for r in rows), [(r["key"], r["state"], r["last_error"]) for r in rows]
    posted = Counter(key_of(m) for m in stub.messages)
    scheduled = Counter(key_of(m) for m in stub.scheduled)
    assert all(n == 1 for n in (posted + scheduled).values()), posted + scheduled
    expected = {r["key"] for r in rows if r["op"] in ("post", "schedule")}
    assert set(posted) | set(scheduled) == expected
    assert cli.json("slack", "status")["waiting"] == 0


def test_proxy_html_403__later_commands_wait_for_the_back_off(cli, stub) -> None:
    stub.proxy_refuses(403)
    iid = cli.open("Proxy day")
    tried = len(stub.requests)
    result = ok(cli("log", iid, "a note"))  # within the back-off: not tried again
    assert len(stub.requests) == tried
    assert "message(s) queued" in result.stderr and "breach slack flush" in result.stderr
    stub.recover()
    ok(cli("log", iid, "later", env={"BREACH_NOW": "2026-11-28T14:10:00+01:00"}))  # after it: sent
    assert all(r["state"] == "sent" for r in outbox(cli.home))


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 30), (2, 60), (3, 120), (5, 480), (6, 900), (50, 900)])
def test_backoff_doubles_up_to_15_minutes(attempts: int, seconds: int) -> None:
    assert backoff(attempts).total_seconds() == seconds


def test_channel_name_that_does_not_resolve__queue_kept_flush_says_the_fix(cli, stub, monkeypatch) -> None:
    monkeypatch.setenv("BREACH_SLACK_CHANNEL", "#no-such-channel")
    iid = cli.open("Wrong channel")
    assert cli("log", iid, "note").exit_code == 0
    result = cli("slack", "flush")
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "BREACH_SLACK_CHANNEL" in result.stderr
    assert "Traceback" not in result.output
    assert not any(r["state"] == "failed" for r in outbox(cli.home))
    status = cli.json("slack", "status")
    assert status["waiting"] == len(outbox(cli.home)) and "BREACH_SLACK_CHANNEL" in status["last_error"]

    monkeypatch.setenv("BREACH_SLACK_CHANNEL", f"#{CHANNEL_NAME}")
    ok(cli("slack", "flush"))
    assert all(r["state"] == "sent" for r in outbox(cli.home))
    assert len(stub.messages) == 1 and len(stub.scheduled) == 6


def test_bad_token__flush_exits_1_with_the_fix_and_keeps_the_queue(cli, stub) -> None:
    stub.invalid_auth()
    cli.open("Bad token")
    result = cli("slack", "flush")
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "SLACK_BOT_TOKEN" in result.stderr
    assert all(r["state"] == "queued" for r in outbox(cli.home))
    stub.recover()
    ok(cli("slack", "flush"))
    assert all(r["state"] == "sent" for r in outbox(cli.home))


def test_definite_refusal__recorded_with_the_reason_and_shown_in_status(cli, stub) -> None:
    stub.refuse_next("msg_too_long")
    iid = cli.open("Too long")
    rows = {r["key"]: r for r in outbox(cli.home)}
    assert rows[f"{iid}:parent"]["state"] == "failed"
    assert "msg_too_long" in rows[f"{iid}:parent"]["last_error"]
    status = cli.json("slack", "status")
    assert [(r["key"], "msg_too_long" in r["reason"]) for r in status["refused"]] == [(f"{iid}:parent", True)]
    text = ok(cli("slack", "status")).stdout
    assert "Refused by Slack" in text and "msg_too_long" in text


def test_status__without_slack_settings(cli) -> None:
    cli.open("No Slack")
    status = cli.json("slack", "status")
    assert status["settings"] == "not configured" and status["waiting"] == 0


@pytest.mark.parametrize(("error", "status", "kind"), [
    ("Received a response in a non-JSON format: <html>", 403, slack.SlackUnavailable),
    ("", 403, slack.SlackUnavailable),
    ("", 407, slack.SlackUnavailable),
    ("forbidden", 403, slack.SlackUnavailable),  # a proxy's word, not a Slack refusal
    ("", 502, slack.SlackUnavailable),
    ("internal_error", 200, slack.SlackUnavailable),
    ("", 200, slack.SlackUnavailable),
    ("ratelimited", 429, slack.SlackUnavailable),
    ("invalid_auth", 200, slack.SlackSetupError),
    ("channel_not_found", 200, slack.SlackSetupError),
    ("invalid_token", 403, slack.SlackSetupError),
    ("msg_too_long", 200, slack.SlackRejectedError),
    ("no_text", 400, slack.SlackRejectedError),
])
def test_classify__only_a_slack_error_code_is_a_refusal(error: str, status: int, kind: type) -> None:
    found = slack._classify(error, status)
    assert type(found) is kind
    assert "<html>" not in str(found)


def test_timeouts_and_dns_errors_are_retryable() -> None:
    config = slack.SlackConfig(token="xoxb-1", channel="C0BREACHTST", api_url="http://nonexistent.invalid/api/")
    with pytest.raises(slack.SlackUnavailable) as caught:
        slack.send(None, config, {"op": "post", "key": "k", "text": "hello"})
    assert not isinstance(caught.value, slack.SlackSetupError)
    assert json.dumps({"error": caught.value.error})
