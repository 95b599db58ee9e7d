"""Slack through the CLI: the real WebClient against the stand-in server (tests/slack_stub.py).

Every request the stand-in receives is scanned, when each test ends (the `stub`
fixture), for the synthetic data subject used in titles, notes and answers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO
from slack_stub import CHANNEL_ID, TOKEN

from breach.adapters.store_sqlite import Store
from breach.slack import client as slack
from breach.slack.config import config_from_env

# A synthetic data subject: must never reach Slack.
NAME = "Zoë Ŋ'Ölçer"
EMAIL = "zoe@example.org"
PERSONAL = (NAME, "Ölçer", "Ŋ'Ö", EMAIL, "zoe@")
TITLE = f"Laptop of {NAME} ({EMAIL}) stolen"

# GDPR Art. 33(1): aware 2026-11-28T13:05Z + 72 h = 2026-12-01T13:05Z; reminders before it.
ART33_REMINDERS = [
    1795957500,  # T-48 h: 2026-11-29T13:05:00Z
    1796043900,  # T-24 h: 2026-11-30T13:05:00Z
    1796087100,  # T-12 h: 2026-12-01T01:05:00Z
    1796108700,  # T-6 h:  2026-12-01T07:05:00Z
    1796126700,  # T-1 h:  2026-12-01T12:05:00Z
    1796130300,  # deadline: 2026-12-01T13:05:00Z
]





@pytest.fixture
def stub(slack_stub, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("random.random", lambda: 0.0)  # slack_sdk's jitter on Retry-After
    yield slack_stub
    bodies = [json.dumps(r.params, ensure_ascii=False) for r in slack_stub.requests]
    assert [b for b in bodies if any(p in b for p in PERSONAL)] == []


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    """WP250 example 5 (high risk: notify the SA and the people), with the subject in free text."""
    text = (REPO / "tests/data/wp250/example05.yaml").read_text()
    path = tmp_path / "answers.yaml"
    path.write_text(
        text.replace("found after a customer called.", f"found after {NAME} <{EMAIL}> called.")
        .replace("Other customers learned", f"{NAME} and other customers learned")
    )
    assert NAME in path.read_text()
    return path


def ok(result):
    assert result.exit_code == 0, result.output
    return result


def outbox(home: Path) -> list[dict]:
    store = Store.open(home, write=False)
    try:
        return store.outbox_rows()
    finally:
        store.close()


def state(home: Path, key: str) -> str | None:
    store = Store.open(home, write=False)
    try:
        return store.get_state(key)
    finally:
        store.close()


def key_of(request_or_message: dict) -> str | None:
    meta = request_or_message.get("metadata") or {}
    return (meta.get("event_payload") or {}).get("key")


def notified(cli, iid: str):
    return ok(cli("notified", iid, "gdpr-art33-sa", "--without-approval", "--reason", "drill"))


# --- status: parent message, thread replies, updates ----------------------------------


def test_status__parent_then_replies_in_its_thread_and_parent_updates(cli, stub, answers) -> None:
    iid = cli.open(TITLE)
    (parent,) = stub.calls("chat.postMessage")
    assert not parent.params.get("thread_ts")
    assert stub.messages[0]["channel"] == CHANNEL_ID
    parent_ts = stub.messages[0]["ts"]
    assert json.loads(state(cli.home, f"parent:{iid}")) == {"ts": parent_ts, "channel": CHANNEL_ID}

    ok(cli("assess", iid, "--answers", str(answers), "--yes"))
    notified(cli, iid)
    ok(cli("close", iid, "--summary", f"Contained; {NAME} informed", "--force", "--reason", "test"))

    posts = stub.calls("chat.postMessage")
    assert len(posts) == 4, [p.params.get("text") for p in posts]
    assert [p.params.get("thread_ts") for p in posts[1:]] == [parent_ts] * 3
    headers = [p.params["blocks"][0]["text"]["text"] for p in posts]
    assert headers == [f"{iid} · Incident status", f"{iid} · Assessed: high risk",
                       f"{iid} · Notified: gdpr-art33-sa", f"{iid} · Incident closed"]
    updates = stub.calls("chat.update")
    assert [u.params["ts"] for u in updates] == [parent_ts] * 3
    assert [u.params["channel"] for u in updates] == [CHANNEL_ID] * 3
    # The parent shows the current state.
    assert "state closed" in stub.messages[0]["text"] and stub.messages[0].get("edited")
    assert all(r["state"] == "sent" for r in outbox(cli.home))


def test_status__assessment_reply_carries_counts_risk_and_deadline(cli, stub, answers) -> None:
    iid = cli.open(TITLE)
    ok(cli("assess", iid, "--answers", str(answers)))
    reply = stub.calls("chat.postMessage")[1].params
    fields = " ".join(f["text"] for f in reply["blocks"][1]["fields"])
    assert "*Risk*\nhigh" in fields and "*Data subjects*\n300" in fields and "financial" in fields
    deadline = reply["blocks"][2]["text"]["text"]
    assert "gdpr-art33-sa" in deadline and "2026-12-01T14:05:00+01:00" in deadline
    assert "3d 00h 00m left" in deadline


def test_status__title_only_when_public(cli, stub) -> None:
    cli.open("Printer misprint, public", "--public")
    cli.open(TITLE)
    first, second = (p.params for p in stub.calls("chat.postMessage"))
    assert "Printer misprint, public" in json.dumps(first["blocks"])
    assert "Laptop" not in json.dumps(second, ensure_ascii=False)


def test_slack_post__reply_and_update_on_demand(cli, stub) -> None:
    iid = cli.open(TITLE)
    parent_ts = stub.messages[0]["ts"]
    for _ in range(2):
        result = ok(cli("slack", "post", iid))
        assert f"{iid}: status update posted." in result.stdout
    replies = stub.calls("chat.postMessage")[1:]
    assert [r.params["thread_ts"] for r in replies] == [parent_ts] * 2
    assert [u.params["ts"] for u in stub.calls("chat.update")] == [parent_ts] * 2


def test_slack_post__incident_opened_before_slack_gets_its_parent_first(cli, stub, monkeypatch) -> None:
    with monkeypatch.context() as m:
        for name in ("SLACK_BOT_TOKEN", "BREACH_SLACK_CHANNEL", "BREACH_SLACK_API_URL"):
            m.delenv(name)
        iid = cli.open(TITLE)
    assert stub.requests == []
    ok(cli("slack", "post", iid))
    (post,) = stub.calls("chat.postMessage")
    assert not post.params.get("thread_ts") and key_of(post.params) == f"{iid}:parent"


# --- reminders ------------------------------------------------------------------------


def test_reminders__scheduled_at_t_minus_and_deleted_when_notified(cli, stub, answers) -> None:
    iid = cli.open(TITLE)
    scheduled = stub.calls("chat.scheduleMessage")
    assert [int(r.params["post_at"]) for r in scheduled] == ART33_REMINDERS
    assert all(not r.params.get("thread_ts") for r in scheduled)
    assert scheduled[0].params["text"].startswith(f"T-48 h · {iid}: gdpr-art33-sa")
    ids = [s["id"] for s in stub.scheduled]
    stored = json.loads(state(cli.home, f"sched:{iid}:gdpr-art33-sa"))
    assert [i["scheduled_message_id"] for i in stored["items"]] == ids
    assert [i["post_at"] for i in stored["items"]] == ART33_REMINDERS
    assert state(cli.home, f"plan:{iid}:gdpr-art33-sa") == "2026-12-01T13:05:00+00:00"

    ok(cli("assess", iid, "--answers", str(answers)))  # the Art. 33 due time does not move
    assert len(stub.calls("chat.scheduleMessage")) == 6

    notified(cli, iid)  # met: every reminder not yet posted is deleted
    deleted = [r.params["scheduled_message_id"] for r in stub.calls("chat.deleteScheduledMessage")]
    assert deleted == ids
    assert stub.scheduled == []
    assert state(cli.home, f"sched:{iid}:gdpr-art33-sa") is None
    assert state(cli.home, f"plan:{iid}:gdpr-art33-sa") is None


def test_reminders__moved_deadline_is_rescheduled_by_remind(cli, stub) -> None:
    iid = cli.open(TITLE)
    old = [s["id"] for s in stub.scheduled]
    ok(cli("mark", iid, "aware", "--at", "2026-11-28T12:05:00+01:00"))  # aware 2 h earlier
    ok(cli("slack", "remind"))
    assert [r.params["scheduled_message_id"] for r in stub.calls("chat.deleteScheduledMessage")] == old
    assert sorted(s["post_at"] for s in stub.scheduled) == [t - 7200 for t in ART33_REMINDERS]
    assert state(cli.home, f"plan:{iid}:gdpr-art33-sa") == "2026-12-01T11:05:00+00:00"
    ok(cli("slack", "remind"))  # idempotent
    assert len(stub.calls("chat.scheduleMessage")) == 12


def test_reminders__refused_one_is_failed_and_the_rest_go_on(cli, stub) -> None:
    stub.now = ART33_REMINDERS[0] + 60  # Slack's clock is past T-48 h: it refuses that one
    cli_result = ok(cli("open", "--title", TITLE))
    assert "time_in_past" in cli_result.stderr
    rows = [r for r in outbox(cli.home) if r["op"] == "schedule"]
    assert [r["state"] for r in rows] == ["failed"] + ["sent"] * 5
    assert "time_in_past" in rows[0]["last_error"]
    ok(cli("slack", "flush"))  # not retried
    assert len(stub.calls("chat.scheduleMessage")) == 6


def test_remind__overdue_once_per_12_hour_window(cli, stub) -> None:
    iid = cli.open(TITLE, "--aware-at", "2026-11-25T10:00:00+01:00")  # due 2026-11-28T10:00+01:00
    assert stub.calls("chat.scheduleMessage") == []  # every reminder time has passed

    def overdue() -> list[dict]:
        return [m for m in stub.messages if m["text"].startswith("OVERDUE")]

    ok(cli("slack", "remind"))
    ok(cli("slack", "remind"))
    assert len(overdue()) == 1
    assert overdue()[0]["text"].startswith(f"OVERDUE · {iid}: gdpr-art33-sa")
    assert not overdue()[0]["thread_ts"]
    later = {"BREACH_NOW": "2026-11-29T03:05:00+01:00"}  # 13 h later: the next window
    ok(cli("slack", "remind", env=later))
    ok(cli("slack", "remind", env=later))
    assert len(overdue()) == 2


def test_remind__posts_a_due_reminder_slack_never_got(cli, stub, monkeypatch) -> None:
    with monkeypatch.context() as m:  # opened while Slack was not set up: nothing scheduled
        for name in ("SLACK_BOT_TOKEN", "BREACH_SLACK_CHANNEL", "BREACH_SLACK_API_URL"):
            m.delenv(name)
        iid = cli.open(TITLE, "--aware-at", "2026-11-27T14:00:00+01:00")  # due 2026-11-30T14:00+01:00
    ok(cli("slack", "remind"))
    ok(cli("slack", "remind"))
    late = [m for m in stub.messages if m["text"].startswith("T-48 h")]
    assert len(late) == 1 and iid in late[0]["text"]
    # T-24 h and later are scheduled; T-48 h had passed (47 h 55 m were left).
    assert len(stub.scheduled) == 5


# --- the outbox: outages, rate limits, crashes ----------------------------------------


def test_outage__commands_succeed_and_flush_delivers_once_in_order(cli, stub, answers) -> None:
    stub.fail_all_with(500)
    results = [cli("open", "--title", TITLE, "--json")]
    iid = json.loads(results[0].stdout)["id"]
    results.append(cli("log", iid, f"Called {NAME} at {EMAIL}"))
    results.append(cli("assess", iid, "--answers", str(answers)))
    results.append(cli("close", iid, "--summary", "Contained", "--force", "--reason", "test"))
    for result in results:
        assert result.exit_code == 0, result.output
        assert "message(s) queued" in result.stderr and "breach slack flush" in result.stderr
    assert stub.messages == [] and stub.scheduled == []

    stub.recover()
    before = len(stub.requests)
    result = ok(cli("slack", "flush"))
    rows = outbox(cli.home)
    assert all(r["state"] == "sent" for r in rows), rows
    requests = stub.requests[before:]
    posted = [key_of(r.params) for r in requests if r.method == "chat.postMessage"]
    assert posted == [r["key"] for r in rows if r["op"] == "post"]
    assert len(posted) == 3  # parent, assessed, closed
    assert sorted(key_of(m) for m in stub.messages) == sorted(posted)  # each exactly once
    expected_methods = {"post": "chat.postMessage", "update": "chat.update", "schedule": "chat.scheduleMessage"}
    sent_order = [r.method for r in requests if r.method in expected_methods.values()]
    assert sent_order == [expected_methods[r["op"]] for r in rows if r["op"] in expected_methods]
    assert f"{len(rows)} message(s) sent, 0 queued" in result.stdout

    again = len(stub.requests)
    ok(cli("slack", "flush"))
    assert len(stub.requests) == again  # nothing left to send


def test_outage__later_messages_wait_behind_the_first_undelivered_one(cli, stub) -> None:
    stub.rate_limit(times=3, retry_after=0)  # beyond the client's two retries: the parent waits
    result = ok(cli("open", "--title", TITLE))
    assert "rate limiting" in result.stderr and "7 message(s) queued" in result.stderr
    assert stub.calls("chat.scheduleMessage") == []  # the reminders did not jump the queue
    parent = next(r for r in outbox(cli.home) if r["key"].endswith(":parent"))
    assert parent["state"] == "queued" and parent["attempts"] == 1 and "rate limiting" in parent["last_error"]
    ok(cli("slack", "flush"))
    assert [r.method for r in stub.requests[3:]] == ["chat.postMessage"] + ["chat.scheduleMessage"] * 6


def test_outage__explicit_flush_exits_1_while_queued(cli, stub) -> None:
    stub.fail_all_with(503)
    cli.open(TITLE)
    result = cli("slack", "flush")
    assert result.exit_code == 1
    assert "queued" in result.stderr and "HTTP 503" in result.stderr


def test_outage__invalid_token_keeps_messages_queued(cli, stub) -> None:
    stub.invalid_auth()
    result = ok(cli("open", "--title", TITLE))
    assert "invalid_auth" in result.stderr and "message(s) queued" in result.stderr
    stub.recover()
    ok(cli("slack", "flush"))
    assert len(stub.messages) == 1 and len(stub.scheduled) == 6


def test_rate_limit__retried_without_a_manual_flush(cli, stub) -> None:
    stub.rate_limit(times=2, retry_after=1)
    result = ok(cli("open", "--title", TITLE))
    assert "queued" not in result.stderr
    assert len(stub.calls("chat.postMessage")) == 3  # two 429s, then the post
    assert len(stub.messages) == 1
    assert all(r["state"] == "sent" for r in outbox(cli.home))


def test_crash_between_send_and_mark__not_posted_twice(cli, stub) -> None:
    stub.fail_all_with(500)
    iid = cli.open(TITLE)
    stub.recover()
    rows = {r["key"]: r for r in outbox(cli.home)}
    config = config_from_env()
    # The process "posted" the parent and the first reminder, then died before marking them.
    parent = json.loads(rows[f"{iid}:parent"]["payload"])
    sent = slack.send(None, config, {"op": "post", "key": f"{iid}:parent", "text": parent["text"],
                                     "blocks": parent["blocks"]})
    first_key = f"{iid}:remind:gdpr-art33-sa:0:t-48h"
    first = json.loads(rows[first_key]["payload"])
    slack.send(None, config, {"op": "schedule", "key": first_key, "text": first["text"],
                              "blocks": first["blocks"], "post_at": first["post_at"]})
    store = Store.open(cli.home)
    for key in (f"{iid}:parent", first_key):
        store.update_outbox(key, {"state": "sending", "attempts": 1})
    store.close()

    before = len(stub.requests)
    ok(cli("slack", "flush"))
    assert [key_of(m) for m in stub.messages] == [f"{iid}:parent"]
    methods = [r.method for r in stub.requests[before:]]
    assert "chat.postMessage" not in methods
    assert methods.count("chat.scheduleMessage") == 5 and len(stub.scheduled) == 6
    assert json.loads(state(cli.home, f"parent:{iid}")) == {"ts": sent["ts"], "channel": CHANNEL_ID}
    stored = json.loads(state(cli.home, f"sched:{iid}:gdpr-art33-sa"))
    assert sorted(i["scheduled_message_id"] for i in stored["items"]) == sorted(s["id"] for s in stub.scheduled)
    rows = {r["key"]: r for r in outbox(cli.home)}
    assert rows[f"{iid}:parent"]["state"] == "sent" and rows[f"{iid}:parent"]["attempts"] == 1


# --- settings: none, webhook only, quiet hours ------------------------------------------


def test_no_settings__nothing_queued_and_the_hint_once(cli, home) -> None:
    first = ok(cli("open", "--title", TITLE))
    assert "Slack is off" in first.stderr
    iid = first.stdout.strip()
    second = ok(cli("log", iid, "Nothing for Slack"))
    assert "Slack is off" not in second.stderr
    assert outbox(home) == []
    assert state(home, "setup_hint_shown") == "1"
    remind = ok(cli("slack", "remind"))
    assert "Slack is off" in remind.stderr


def test_unusable_settings__never_block_the_record(cli, monkeypatch) -> None:
    monkeypatch.setenv("BREACH_SLACK_CHANNEL", "C0123456789")  # a channel but no token
    result = ok(cli("open", "--title", TITLE))
    assert "Slack settings are not usable" in result.stderr and "SLACK_BOT_TOKEN" in result.stderr
    assert outbox(cli.home) == []
    assert cli("slack", "flush").exit_code == 1


def test_webhook_only__status_posts_no_reminders(cli, stub, monkeypatch, answers) -> None:
    for name in ("SLACK_BOT_TOKEN", "BREACH_SLACK_CHANNEL", "BREACH_SLACK_API_URL"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("BREACH_SLACK_WEBHOOK_URL", stub.webhook_url)
    first = ok(cli("open", "--title", TITLE))
    iid = first.stdout.strip()
    assert "reminders are not scheduled" in first.stderr
    second = ok(cli("assess", iid, "--answers", str(answers)))
    assert "reminders are not scheduled" not in second.stderr
    hooks = stub.calls("webhook")
    assert [h.params["blocks"][0]["text"]["text"] for h in hooks] == [f"{iid} · Incident status",
                                                                      f"{iid} · Assessed: high risk"]
    assert [r.method for r in stub.requests] == ["webhook", "webhook"]
    assert cli("slack", "remind").exit_code == 1
    assert stub.webhook_url not in first.output + second.output


def test_quiet_hours__hold_status_not_reminders(cli, stub, monkeypatch) -> None:
    monkeypatch.setenv("BREACH_QUIET_HOURS", "13:00-15:00")  # 14:05 Brussels time is quiet
    result = ok(cli("open", "--title", TITLE))
    assert "held back for quiet hours" in result.stderr
    assert stub.calls("chat.postMessage") == []
    assert len(stub.scheduled) == 6  # statutory reminders are never held back
    ok(cli("slack", "flush", env={"BREACH_NOW": "2026-11-28T15:05:00+01:00"}))
    assert len(stub.calls("chat.postMessage")) == 1


# --- secrets and personal data ---------------------------------------------------------


def test_token_never_in_database_drafts_or_output(cli, stub, answers) -> None:
    results = [cli("open", "--title", TITLE, "--json")]
    iid = json.loads(results[0].stdout)["id"]
    stub.invalid_auth()  # error paths too
    results.append(cli("assess", iid, "--answers", str(answers), "--json"))
    results.append(cli("slack", "flush", "--json"))
    stub.recover()
    results.append(cli("draft", iid, "sa-notification", "--lang", "fr"))
    results.append(cli("review", "approve", iid, "sa-notification", "--lang", "fr", "--version", "1",
                       "--as", "legal", "--allow-missing"))
    results.append(cli("notified", iid, "gdpr-art33-sa", "--reference", "DBN-1"))
    results.append(cli("slack", "post", iid, "--json"))
    results.append(cli("slack", "remind", "--json"))
    results.append(cli("show", iid, "--json"))
    codes = [r.exit_code for r in results]
    # `slack flush` under invalid_auth fails (it exits 1 while messages stay queued); the French
    # notice built from English-only answers cannot be approved, even with --allow-missing (the
    # Belgian DPA's languages are mandatory), so `notified` is refused too: error paths as well
    assert codes == [0, 0, 1, 0, 1, 1, 0, 0, 0], [r.output for r in results]
    for result in results:
        assert TOKEN not in result.stdout + result.stderr
    assert len(stub.calls("chat.update")) >= 2
    files = [p for p in cli.home.rglob("*") if p.is_file()]
    assert any(p.suffix == ".md" for p in files) and any(p.name == "breach.db" for p in files)
    for path in files:  # breach.db, breach.db-wal if any, drafts, organization.yaml
        assert TOKEN.encode() not in path.read_bytes(), path
        assert b"xoxb-" not in path.read_bytes(), path


def test_drill_posts_to_slack_when_configured(stub, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from breach.cli import app

    scenario = REPO / "playbooks" / "drills" / "user-database-stolen.yaml"
    result = CliRunner().invoke(app, ["drill", str(scenario), "--speed", "0", "--home", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert "would post" not in result.stdout
    parents = [m for m in stub.messages if not m.get("thread_ts")]
    assert len(parents) == 1
    replies = [m for m in stub.messages if m.get("thread_ts")]
    assert replies and all(m["thread_ts"] == parents[0]["ts"] for m in replies)
    assert stub.calls("chat.update") and stub.calls("chat.scheduleMessage")
    assert "state closed" in parents[0]["text"]  # the parent shows the final state


def test_correcting_awareness_reschedules_the_reminders(stub, cli) -> None:
    iid = cli.open("x")
    assert len(stub.scheduled) == 6
    first = {s["post_at"] for s in stub.scheduled}
    result = cli("mark", iid, "aware", "--at", "2026-11-28T12:05:00+01:00")  # two hours earlier
    assert result.exit_code == 0, result.output
    assert len(stub.calls("chat.deleteScheduledMessage")) == 6
    now_scheduled = {s["post_at"] for s in stub.scheduled}
    assert now_scheduled == {t - 7200 for t in first}
