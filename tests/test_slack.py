"""breach.slack against a stand-in Slack over real HTTP, with the real slack_sdk WebClient."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from slack_stub import CHANNEL_ID, TOKEN, start_stub

from breach.errors import BreachError, InputError
from breach.slack import client as slack
from breach.slack.client import SlackRejectedError, SlackUnavailable, find_posted, find_scheduled, send
from breach.slack.config import SlackConfig, config_from_env, describe_setup
from breach.slack.messages import reminder_message, scrub, status_message
from breach.slack.policy import is_quiet, reminder_schedule

T0 = datetime(2026, 11, 28, 14, 5, tzinfo=UTC)  # epoch 1795874700

SUMMARY = {
    "incident": "BR-2026-0001",
    "title": "Lost laptop, owner jane.doe@example.org",  # a caller mistake: scrub must catch it
    "state": "assessed",
    "risk": "high",
    "level": "high",
    "subjects_count": 1234,
    "records_count": 5678,
    "categories": ["contact", "financial"],
    "next_deadline": {
        "obligation": "gdpr-art33-sa",
        "recipient": "supervisory authority",
        "due_at": "2026-12-01T15:05:00+01:00",
        "remaining": "2d 03h",
    },
    "event": "Assessment: high risk",
}


def _post(key: str = "BR-2026-0001:status:opened", **extra) -> dict:
    return {"op": "post", "key": key, "text": "BR-2026-0001: Incident opened", **extra}


@pytest.fixture
def config(slack_stub) -> SlackConfig:
    cfg = config_from_env()
    assert cfg is not None
    return cfg


@pytest.fixture
def client(config: SlackConfig):
    return slack.build_client(config)


# --- configuration ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"SLACK_BOT_TOKEN": TOKEN}, None),  # a token alone may belong to another tool
        (
            {"SLACK_BOT_TOKEN": TOKEN, "BREACH_SLACK_CHANNEL": "C0123456789"},
            ("C0123456789", "https://slack.com/api/", False),
        ),
        (
            {
                "SLACK_BOT_TOKEN": TOKEN,
                "BREACH_SLACK_CHANNEL": "#ir",
                "BREACH_SLACK_API_URL": "http://127.0.0.1:9/api",
            },
            ("#ir", "http://127.0.0.1:9/api/", False),
        ),
        ({"BREACH_SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/x"}, (None, None, True)),
    ],
)
def test_config_from_env(env: dict, expected: tuple | None) -> None:
    cfg = config_from_env(env)
    if expected is None:
        assert cfg is None
        return
    channel, api_url, webhook = expected
    assert cfg.channel == channel
    assert cfg.has_bot is (channel is not None)
    if api_url:
        assert cfg.api_url == api_url
    assert (cfg.webhook_url is not None) is webhook


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BREACH_SLACK_CHANNEL": "#ir"}, "SLACK_BOT_TOKEN is not"),
        ({"SLACK_BOT_TOKEN": "secret-123", "BREACH_SLACK_CHANNEL": "#ir"}, "does not look like"),
        (
            {"SLACK_BOT_TOKEN": TOKEN, "BREACH_SLACK_CHANNEL": "#ir", "BREACH_QUIET_HOURS": "late"},
            "22:00-07:00",
        ),
        ({"BREACH_SLACK_WEBHOOK_URL": "ftp://hooks/secret-path"}, "http(s) URL"),
    ],
)
def test_config_from_env__errors(env: dict, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        config_from_env(env)
    assert "secret" not in str(info.value)


def test_config__repr_hides_secrets() -> None:
    cfg = SlackConfig(token=TOKEN, channel="#ir", webhook_url="https://hooks.slack.com/services/S")
    assert TOKEN not in repr(cfg)
    assert "hooks.slack.com" not in repr(cfg)
    assert "#ir" in repr(cfg)


def test_describe_setup() -> None:
    line = describe_setup()
    assert "\n" not in line
    for name in ("SLACK_BOT_TOKEN", "BREACH_SLACK_CHANNEL", "BREACH_SLACK_WEBHOOK_URL"):
        assert name in line


def test_import_does_not_load_slack_sdk() -> None:
    code = "import sys, breach.slack.client, breach.slack.flush; sys.exit('slack_sdk' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=30).returncode == 0


# --- round trips -------------------------------------------------------------------


def test_post__round_trip_with_metadata_key(slack_stub, client, config) -> None:
    result = send(client, config, _post(blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]))
    assert result == {"ts": "1700000000.000100", "channel": CHANNEL_ID, "scheduled_message_id": None}
    (msg,) = slack_stub.messages
    assert msg["metadata"] == {
        "event_type": "breach_message",
        "event_payload": {"key": "BR-2026-0001:status:opened"},
    }
    assert find_posted(client, config, "BR-2026-0001:status:opened") == "1700000000.000100"
    assert find_posted(client, config, "BR-2026-0001:status:closed") is None
    history = slack_stub.calls("conversations.history")[-1]
    assert history.params["include_all_metadata"] in {"1", True}


def test_post__thread_reply_found_in_replies(slack_stub, client, config) -> None:
    parent = send(client, config, _post())["ts"]
    send(client, config, _post(key="BR-2026-0001:reminder:T-48", thread_ts=parent))
    assert slack_stub.messages[1]["thread_ts"] == parent
    assert find_posted(client, config, "BR-2026-0001:reminder:T-48") is None  # not top level
    found = find_posted(client, config, "BR-2026-0001:reminder:T-48", thread_ts=parent)
    assert found == "1700000000.000200"


def test_find_posted__pages_are_bounded(slack_stub, client, config, monkeypatch) -> None:
    monkeypatch.setattr(slack, "PAGE_LIMIT", 2)
    for i in range(5):
        send(client, config, _post(key=f"k{i}"))
    assert find_posted(client, config, "k0", channel=CHANNEL_ID, max_pages=2) is None
    assert find_posted(client, config, "k0", channel=CHANNEL_ID) == "1700000000.000100"


def test_update__round_trip_keeps_key(slack_stub, client, config) -> None:
    first = send(client, config, _post())
    updated = send(
        client,
        config,
        {"op": "update", "key": "u1", "ts": first["ts"], "channel": first["channel"], "text": "Closed"},
    )
    assert updated["ts"] == first["ts"]
    assert slack_stub.messages[0]["text"] == "Closed"
    assert find_posted(client, config, "BR-2026-0001:status:opened") == first["ts"]


def test_update__channel_name_is_resolved_to_id(slack_stub, client, config) -> None:
    first = send(client, config, _post())
    send(client, config, {"op": "update", "key": "u1", "ts": first["ts"], "text": "Closed"})
    assert slack_stub.calls("chat.update")[0].params["channel"] == CHANNEL_ID
    assert slack_stub.messages[0]["text"] == "Closed"


def test_update__missing_message_is_rejected(slack_stub, client, config) -> None:
    with pytest.raises(SlackRejectedError, match="message_not_found"):
        send(client, config, {"op": "update", "key": "u", "ts": "1.2", "channel": CHANNEL_ID, "text": "x"})


def test_schedule_and_delete__round_trip(slack_stub, client, config) -> None:
    post_at = int(slack_stub.now) + 3600
    message = {"op": "schedule", "key": "BR-1:r:T-1", "text": "T-1 h reminder", "post_at": post_at}
    result = send(client, config, message)
    sid = result["scheduled_message_id"]
    assert sid and result["channel"] == CHANNEL_ID
    assert slack_stub.scheduled[0]["metadata"]["event_payload"] == {"key": "BR-1:r:T-1"}
    assert find_scheduled(client, config, post_at=post_at, text="T-1 h reminder") == sid
    assert find_scheduled(client, config, post_at=post_at + 1, text="T-1 h reminder") is None

    delete = {"op": "delete_scheduled", "key": "d", "scheduled_message_id": sid, "channel": CHANNEL_ID}
    send(client, config, delete)
    assert slack_stub.scheduled == []
    # deleting again (a retry after a crash) counts as done
    assert send(client, config, delete)["scheduled_message_id"] == sid


def test_schedule__in_the_past_is_rejected(slack_stub, client, config) -> None:
    message = {"op": "schedule", "key": "k", "text": "late", "post_at": int(slack_stub.now) - 60}
    with pytest.raises(SlackRejectedError, match="time_in_past"):
        send(client, config, message)


def test_send__builds_its_own_client(slack_stub, config) -> None:
    assert send(None, config, _post())["ts"] == "1700000000.000100"


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ({"op": "shout", "key": "k", "text": "x"}, "unknown Slack operation"),
        ({"op": "post", "text": "x"}, "idempotency key"),
        ({"op": "post", "key": "k"}, "fallback text"),
        ({"op": "schedule", "key": "k", "text": "x", "post_at": "soon"}, "epoch seconds"),
        ({"op": "update", "key": "k", "text": "x"}, "ts of the message"),
    ],
)
def test_send__bad_message(slack_stub, client, config, message: dict, error: str) -> None:
    with pytest.raises(InputError, match=error):
        send(client, config, message)


# --- failures ----------------------------------------------------------------------


def test_server_error__unavailable(slack_stub, client, config) -> None:
    slack_stub.fail_all_with(500)
    with pytest.raises(SlackUnavailable, match="HTTP 500") as info:
        send(client, config, _post())
    assert isinstance(info.value, BreachError)
    assert slack_stub.messages == []
    slack_stub.recover()
    assert send(client, config, _post())["ts"]


@pytest.mark.parametrize("token", [TOKEN, "xoxb-bad-1111"])
def test_invalid_auth__unavailable(slack_stub, monkeypatch, token: str) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", token)
    if token == TOKEN:
        slack_stub.invalid_auth()
    config = config_from_env()
    with pytest.raises(SlackUnavailable, match="invalid_auth") as info:
        send(None, config, _post())
    assert info.value.error == "invalid_auth"
    assert token not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.fixture
def no_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk adds random() seconds to Retry-After; pin it so the file stays fast."""
    monkeypatch.setattr("random.random", lambda: 0.0)


def test_rate_limit__retried_by_the_client(slack_stub, client, config, no_jitter) -> None:
    slack_stub.rate_limit(times=2, retry_after=1)
    started = time.monotonic()
    result = send(client, config, _post())
    assert time.monotonic() - started >= 2  # honoured Retry-After: 1, twice
    assert result["ts"] == "1700000000.000100"
    assert len(slack_stub.calls("chat.postMessage")) == 3
    assert len(slack_stub.messages) == 1


def test_rate_limit__beyond_retries_is_unavailable(slack_stub, client, config, no_jitter) -> None:
    slack_stub.rate_limit(times=3, retry_after=0)
    with pytest.raises(SlackUnavailable, match="rate limiting") as info:
        send(client, config, _post())
    assert info.value.error == "ratelimited"
    assert len(slack_stub.calls("chat.postMessage")) == 3
    assert slack_stub.messages == []


def test_connection_refused__unavailable() -> None:
    stub = start_stub()
    config = SlackConfig(token=TOKEN, channel=CHANNEL_ID, api_url=stub.url)
    stub.stop()
    with pytest.raises(SlackUnavailable, match="cannot reach Slack") as info:
        send(None, config, _post())
    assert info.value.error == "connection"


def test_unknown_channel_name__unavailable(slack_stub, client) -> None:
    config = SlackConfig(token=TOKEN, channel="#nowhere", api_url=slack_stub.url)
    with pytest.raises(SlackUnavailable, match="channel_not_found"):
        send(client, config, _post())
    with pytest.raises(SlackUnavailable, match="#nowhere"):
        find_posted(client, config, "k")


# --- webhook ---------------------------------------------------------------------


def test_webhook__post(slack_stub, client, config) -> None:
    hooked = SlackConfig(webhook_url=slack_stub.webhook_url)
    message = status_message(SUMMARY) | {"op": "webhook", "key": "BR-2026-0001:status:assessed"}
    assert send(None, hooked, message) == {"ts": None, "channel": None, "scheduled_message_id": None}
    (request,) = slack_stub.calls("webhook")
    assert request.params["blocks"][0]["type"] == "header"
    assert "authorization" not in request.headers
    # a webhook-only setup sends status posts through the webhook
    send(None, hooked, _post())
    assert len(slack_stub.calls("webhook")) == 2
    assert slack_stub.calls("chat.postMessage") == []


def test_webhook__invalid_token_is_unavailable(slack_stub) -> None:
    slack_stub.invalid_auth()
    hooked = SlackConfig(webhook_url=slack_stub.webhook_url)
    with pytest.raises(SlackUnavailable, match="invalid_token") as info:
        send(None, hooked, _post(op="webhook"))
    assert slack_stub.webhook_url not in str(info.value)


def test_webhook__only_config_cannot_schedule(slack_stub) -> None:
    hooked = SlackConfig(webhook_url=slack_stub.webhook_url)
    with pytest.raises(InputError, match="SLACK_BOT_TOKEN"):
        send(None, hooked, {"op": "schedule", "key": "k", "text": "x", "post_at": 2_000_000_000})


# --- the token stays in the Authorization header -----------------------------------


def test_token_only_in_authorization_header(slack_stub, client, config) -> None:
    parent = send(client, config, status_message(SUMMARY) | {"op": "post", "key": "a"})
    send(client, config, _post(key="b", thread_ts=parent["ts"]))
    send(client, config, {"op": "update", "key": "c", "ts": parent["ts"], "text": "Closed"})
    post_at = int(slack_stub.now) + 7200
    sched = send(client, config, {"op": "schedule", "key": "d", "text": "T-1 h", "post_at": post_at})
    find_posted(client, config, "a")
    send(client, config, {"op": "delete_scheduled", "key": "e", **sched})
    assert len(slack_stub.requests) >= 6
    for request in slack_stub.requests:
        assert TOKEN not in json.dumps(request.params)
        assert TOKEN not in request.path
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
    for stored in slack_stub.messages + slack_stub.scheduled:
        assert TOKEN not in json.dumps(stored)


# --- pure builders ---------------------------------------------------------------


def test_reminder_schedule__72_hours_ahead() -> None:
    due = T0 + timedelta(hours=72)  # 2026-12-01T14:05:00Z = 1796133900
    got = [(label, int(when.timestamp())) for label, when in reminder_schedule(due, T0)]
    assert got == [
        ("T-48 h", 1795961100),
        ("T-24 h", 1796047500),
        ("T-12 h", 1796090700),
        ("T-6 h", 1796112300),
        ("T-1 h", 1796130300),
        ("DEADLINE", 1796133900),
    ]


@pytest.mark.parametrize(
    ("hours_before_due", "labels"),
    [
        (30, ["T-24 h", "T-12 h", "T-6 h", "T-1 h", "DEADLINE"]),
        (24, ["T-12 h", "T-6 h", "T-1 h", "DEADLINE"]),  # strictly in the future
        (0.5, ["DEADLINE"]),
        (0, []),
        (-5, []),
    ],
)
def test_reminder_schedule__drops_past(hours_before_due: float, labels: list[str]) -> None:
    due = T0 + timedelta(hours=72)
    now = due - timedelta(hours=hours_before_due)
    assert [label for label, _ in reminder_schedule(due, now)] == labels


def test_reminder_schedule__naive_refused() -> None:
    with pytest.raises(InputError):
        reminder_schedule(datetime(2026, 12, 1, 14, 5), T0)


@pytest.mark.parametrize(
    ("local", "quiet"),
    [("21:59", False), ("22:00", True), ("03:00", True), ("06:59", True), ("07:00", False)],
)
def test_is_quiet__wraps_midnight_in_local_zone(local: str, quiet: bool) -> None:
    hour, minute = (int(x) for x in local.split(":"))
    # Europe/Brussels is UTC+1 in November
    now = datetime(2026, 11, 28, hour, minute, tzinfo=UTC) - timedelta(hours=1)
    assert is_quiet(now, "22:00-07:00", "Europe/Brussels") is quiet


def test_is_quiet__off_without_setting() -> None:
    assert is_quiet(T0, None, "UTC") is False
    assert is_quiet(T0, "13:00-15:00", "UTC") is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail jane.doe@example.org now", "mail [e-mail removed] now"),
        ("<mailto:a.b+c@sub.example.co.uk|a.b+c@sub.example.co.uk>", "<mailto:[e-mail removed]|[e-mail removed]>"),
        ("josé@exämple.de", "[e-mail removed]"),
        ("BR-2026-0001 @here 3 @ 4", "BR-2026-0001 @here 3 @ 4"),
    ],
)
def test_scrub(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_status_message__no_personal_data_and_counts() -> None:
    message = status_message(SUMMARY)
    dumped = json.dumps(message)
    assert "@" not in dumped
    assert "jane.doe" not in dumped
    assert message["blocks"][0]["text"]["text"] == "BR-2026-0001 · Assessment: high risk"
    assert "1,234" in dumped and "5,678" in dumped and "contact, financial" in dumped
    assert "<!date^1796133900^" in dumped  # 2026-12-01T15:05:00+01:00, shown in the reader's zone
    assert message["text"].startswith("BR-2026-0001: Assessment: high risk (state assessed, risk high)")


def test_status_message__minimal_and_escaped() -> None:
    message = status_message(
        {"incident": "BR-2026-0002", "title": "<!channel> & co", "state": "open", "event": "Incident opened"}
    )
    dumped = json.dumps(message)
    assert "<!channel>" not in dumped and "&lt;!channel&gt; &amp; co" in dumped
    assert "unknown" in dumped and "not assessed" in dumped
    with pytest.raises(InputError):
        status_message({"state": "open"})


@pytest.mark.parametrize("label", ["T-48 h", "DEADLINE", "OVERDUE"])
def test_reminder_message(label: str) -> None:
    message = reminder_message(
        incident="BR-2026-0001",
        obligation="gdpr-art33-sa",
        recipient="supervisory authority",
        due_at_iso="2026-12-01T15:05:00+01:00",
        label=label,
    )
    assert message["text"].startswith(f"{label} · BR-2026-0001")
    assert label in message["blocks"][0]["text"]["text"]


def test_send__scrubs_outgoing_text_and_blocks(slack_stub, client, config) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "ask x@example.com"}}]
    send(client, config, _post(text="from x@example.com", blocks=blocks))
    dumped = json.dumps(slack_stub.calls("chat.postMessage")[0].params)
    assert "example.com" not in dumped
