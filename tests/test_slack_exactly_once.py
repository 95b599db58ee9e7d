"""Slack under hostile conditions (issue 23): a connection that drops after Slack took the call
never makes a second message; two data folders sharing a channel never take each other's
messages; a long Retry-After leaves the message waiting in the outbox instead of holding the command."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from conftest import Cli
from slack_stub import CHANNEL_ID
from test_cli_slack import TITLE, key_of, ok, outbox, state
from typer.testing import CliRunner

from breach.cli.app import app
from breach.slack import client as slack
from breach.slack.client import SlackUnavailable, send
from breach.slack.config import SlackConfig, config_from_env


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses breach asked for on a rate limit (recorded, not slept)."""
    asked: list[float] = []
    monkeypatch.setattr(slack, "sleep", asked.append)
    return asked


def keys_in_slack(stub) -> list[str]:
    return [key_of(m) for m in stub.messages] + [key_of(s) for s in stub.scheduled]


# --- 1. a dropped connection after Slack accepted the call -----------------------------------


def test_dropped_connection__post_and_schedule_are_not_repeated_by_the_client(slack_stub) -> None:
    config = config_from_env()
    assert config is not None
    slack_stub.drop_after_accept("chat.postMessage")
    slack_stub.drop_after_accept("chat.scheduleMessage")
    with pytest.raises(SlackUnavailable) as info:
        send(None, config, {"op": "post", "key": "BR-1:parent", "text": "x", "channel": CHANNEL_ID})
    assert info.value.error == "connection"
    with pytest.raises(SlackUnavailable):
        send(None, config, {"op": "schedule", "key": "BR-1:remind:o:0:t-1h", "text": "y", "channel": CHANNEL_ID,
                            "post_at": int(slack_stub.now) + 3600})
    assert len(slack_stub.calls("chat.postMessage")) == 1 and len(slack_stub.messages) == 1
    assert len(slack_stub.calls("chat.scheduleMessage")) == 1 and len(slack_stub.scheduled) == 1


def test_dropped_connection__an_idempotent_update_is_still_retried(slack_stub) -> None:
    config = config_from_env()
    assert config is not None
    posted = send(None, config, {"op": "post", "key": "BR-1:parent", "text": "x", "channel": CHANNEL_ID})
    slack_stub.drop_after_accept("chat.update")
    send(None, config, {"op": "update", "ts": posted["ts"], "text": "y", "channel": CHANNEL_ID})
    assert len(slack_stub.calls("chat.update")) == 2 and slack_stub.messages[0]["text"] == "y"


def test_dropped_connection__each_message_exactly_once(cli, slack_stub) -> None:
    slack_stub.drop_after_accept("chat.postMessage")  # the parent
    slack_stub.drop_after_accept("chat.scheduleMessage")  # the t-48h reminder
    iid = cli.open(TITLE)
    keys = keys_in_slack(slack_stub)
    assert keys.count(f"{iid}:parent") == 1
    assert keys.count(f"{iid}:remind:gdpr-art33-sa:0:t-48h") == 1
    assert len(keys) == len(set(keys)) == 7  # the parent and six reminders, once each
    # The command looked them up after the drop and recorded Slack's own ids.
    rows = {r["key"]: r for r in outbox(cli.home)}
    assert all(r["state"] == "sent" for r in rows.values())
    assert json.loads(state(cli.home, f"parent:{iid}"))["ts"] == slack_stub.messages[0]["ts"]
    stored = json.loads(state(cli.home, f"sched:{iid}:gdpr-art33-sa"))
    assert sorted(i["scheduled_message_id"] for i in stored["items"]) == sorted(s["id"] for s in slack_stub.scheduled)
    # Later commands post nothing twice either.
    ok(cli("slack", "flush"))
    ok(cli("slack", "post", iid))
    keys = keys_in_slack(slack_stub)
    assert len(keys) == len(set(keys))
    assert len(slack_stub.calls("chat.postMessage")) == 2  # the parent once, the reply once


def test_dropped_connection__a_reply_is_not_posted_twice(cli, slack_stub) -> None:
    iid = cli.open(TITLE)
    slack_stub.drop_after_accept("chat.postMessage")
    ok(cli("slack", "post", iid))
    replies = [m for m in slack_stub.messages if m["thread_ts"]]
    assert len(replies) == 1 and all(r["state"] == "sent" for r in outbox(cli.home))


# --- 2. two data folders, one channel ------------------------------------------------------


def test_two_data_folders_sharing_a_channel_never_share_a_message(cli, slack_stub, tmp_path) -> None:
    result = CliRunner().invoke(app, ["init", "--home", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    other = Cli(tmp_path / "b")
    a_iid = cli.open(TITLE)
    a_parent = json.loads(state(cli.home, f"parent:{a_iid}"))["ts"]
    a_text = next(m for m in slack_stub.messages if m["ts"] == a_parent)["text"]

    # B's parent: Slack fails after breach marked it `sending`, so B looks it up before posting again.
    slack_stub.fail_all_with(500)
    b_iid = other.open(TITLE)
    assert b_iid == a_iid == "BR-2026-0001"
    slack_stub.recover()
    ok(other("slack", "flush"))
    b_parent = json.loads(state(other.home, f"parent:{b_iid}"))["ts"]
    parents = [m for m in slack_stub.messages if key_of(m) == f"{b_iid}:parent"]
    assert len(parents) == 2 and b_parent != a_parent
    assert {m["metadata"]["event_payload"]["store"] for m in parents} == {_store_id(cli.home), _store_id(other.home)}

    updates_before = len(slack_stub.calls("chat.update"))
    ok(other("slack", "post", b_iid))
    b_replies = [m for m in slack_stub.messages if m["thread_ts"]]
    assert b_replies and all(m["thread_ts"] == b_parent for m in b_replies)
    b_updates = slack_stub.calls("chat.update")[updates_before:]
    assert b_updates and all(u.params["ts"] == b_parent for u in b_updates)
    a_message = next(m for m in slack_stub.messages if m["ts"] == a_parent)
    assert a_message["text"] == a_text and not a_message.get("edited")


def _store_id(home) -> str:
    from breach.adapters.store_sqlite import Store

    store = Store.open(home, write=False)
    try:
        return store.store_id()
    finally:
        store.close()


def test_find_posted__another_stores_message_is_not_ours(slack_stub) -> None:
    config = config_from_env()
    assert config is not None
    send(None, config, {"op": "post", "key": "BR-1:parent", "text": "a", "channel": CHANNEL_ID, "store": "aaaa"})
    assert slack.find_posted(None, config, "BR-1:parent", store="bbbb") is None
    ours = send(None, config, {"op": "post", "key": "BR-1:parent", "text": "b", "channel": CHANNEL_ID,
                               "store": "bbbb"})
    assert slack.find_posted(None, config, "BR-1:parent", store="bbbb") == ours["ts"]


# --- 3. Retry-After is honoured up to a cap --------------------------------------------------


def test_rate_limit__beyond_the_cap_the_message_waits_and_the_command_returns(cli, slack_stub, waits) -> None:
    slack_stub.rate_limit(times=50, retry_after=30)
    result = ok(cli("open", "--title", TITLE))
    assert "rate limiting" in result.stderr and "queued" in result.stderr
    assert waits == []  # never asked to wait 30 s (cap: 10 s)
    assert len(slack_stub.requests) == 1  # one refused call, no retries
    parent = next(r for r in outbox(cli.home) if r["key"].endswith(":parent"))
    assert parent["state"] == "queued" and "Retry-After 30" in parent["last_error"]
    now = datetime.fromisoformat("2026-11-28T14:05:00+01:00")
    assert datetime.fromisoformat(parent["next_attempt_at"].replace("Z", "+00:00")) >= now + timedelta(seconds=30)
    assert len([r for r in outbox(cli.home) if r["state"] == "queued"]) == 7
    status = cli.json("slack", "status")
    assert status["counts"]["queued"] == 7 and status["next_attempt_at"] == parent["next_attempt_at"]


def test_rate_limit__waits_while_the_total_stays_within_the_cap(cli, slack_stub, waits) -> None:
    slack_stub.rate_limit(times=2, retry_after=6)
    ok(cli("open", "--title", TITLE))
    assert waits == [6]  # a second 6 s would exceed 10 s in all
    assert len(slack_stub.calls("chat.postMessage")) == 2 and slack_stub.messages == []


def test_rate_limit__short_waits_are_honoured(cli, slack_stub, waits) -> None:
    slack_stub.rate_limit(times=2, retry_after=4)
    ok(cli("open", "--title", TITLE))
    assert waits == [4, 4]
    assert len(slack_stub.messages) == 1 and all(r["state"] == "sent" for r in outbox(cli.home))


def test_rate_limit__the_cap_is_a_setting(cli, slack_stub, waits, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREACH_SLACK_MAX_WAIT", "0")
    slack_stub.rate_limit(times=1, retry_after=1)
    ok(cli("open", "--title", TITLE))
    assert waits == [] and slack_stub.messages == []
    monkeypatch.setenv("BREACH_SLACK_MAX_WAIT", "forever")
    result = cli("slack", "flush")
    assert result.exit_code == 1 and "BREACH_SLACK_MAX_WAIT" in result.stderr
    assert SlackConfig().max_wait == 10
