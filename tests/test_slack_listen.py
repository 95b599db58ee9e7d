"""`breach slack listen` end to end: a real subprocess against the Socket Mode and Web API stand-ins.

tests/slack_socket_stub.py speaks Socket Mode over a websocket (apps.connections.open, hello,
envelopes, acks); tests/slack_stub.py answers the Web API calls and the response_url. The
listener's clock is BREACH_NOW (pinned by conftest), like every subprocess here.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from slack_socket_stub import start_socket_stub, wait_for
from slack_stub import APP_TOKEN

from breach.api import open_session
from breach.slack import messages

LEA, MAX, RITA, VERA, NOBODY = "U0LEA0001", "U0MAX0002", "U0RITA003", "U0VERA004", "U0NOBODY9"
PROFILE = f"""
review:
  four_eyes: true
slack:
  users:
    {LEA}: {{name: "Lea Legal", role: legal}}
    {MAX}: {{name: "Max Legal", role: legal}}
    {RITA}: {{name: "Rita Responder", role: responder}}
    {VERA}: {{name: "Vera Viewer", role: viewer}}
"""


@pytest.fixture
def team(home: Path) -> Path:
    org = home / "organization.yaml"
    org.write_text(org.read_text() + PROFILE)
    return home


@pytest.fixture
def listening(team: Path, slack_stub):
    """The stand-ins and a running `breach slack listen`; yields (web stub, socket stub)."""
    socket = start_socket_stub(slack_stub)
    env = {**os.environ, "SLACK_APP_TOKEN": APP_TOKEN, "BREACH_HOME": str(team)}
    proc = subprocess.Popen([sys.executable, "-m", "breach", "slack", "listen"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        socket.wait_connected()
        yield slack_stub, socket
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        socket.stop()
        print(err)  # shown when a test fails
        assert APP_TOKEN not in out + err  # the app token is never logged


def answer(web, envelope: dict) -> dict:
    """The ephemeral answer to one envelope (through its response_url, or chat.postEphemeral)."""
    url = envelope["payload"].get("response_url", "")
    path = url.split(str(web.port), 1)[-1]
    wait_for(lambda: any(r.path == path for r in web.requests), 20, "the ephemeral answer")
    return next(r.params for r in web.requests if r.path == path)


def events(home: Path, iid: str) -> list:
    with open_session(home, write=False) as s:
        return list(s.store.events(iid))


def slack_actions(home: Path, iid: str) -> list:
    return [e for e in events(home, iid) if e.kind == "action" and "slack" in e.data]


def reminder(web, obligation: str = "gdpr-art33-sa") -> dict:
    """A scheduled reminder for `obligation`, as the message Slack will post (with its buttons)."""
    item = next(s for s in web.scheduled if any(
        e.get("action_id") == messages.ACKNOWLEDGE and json.loads(e["value"])["obligation"] == obligation
        for b in s["blocks"] if b.get("type") == "actions" for e in b["elements"]))
    parent = web.messages[0]["ts"]  # Slack posts the scheduled reminder in the incident's thread
    return {"blocks": item["blocks"], "ts": "1796043900.000100", "thread_ts": item.get("thread_ts") or parent}


def approved_french_notice(cli, iid: str) -> None:
    assert cli("draft", iid, "sa-notification", "--lang", "fr", "--as", "Dan Drafter").exit_code == 0
    assert cli("review", "approve", iid, "sa-notification", "--lang", "fr", "--version", "1",
               "--as", "Lea Legal").exit_code == 0


# --- the slash command ----------------------------------------------------------------------------


def test_slash_status_answers_with_the_clis_words_and_the_ack_comes_first(cli, listening, assessed) -> None:
    web, socket = listening
    envelope = socket.slash(RITA, f"status {assessed}")
    text = answer(web, envelope)["text"]
    for line in cli("status", assessed).stdout.splitlines()[:2]:
        assert line.split()[0] in text
    assert "gdpr-art33-sa" in text and text.startswith("```")
    assert answer(web, envelope)["response_type"] == "ephemeral"
    order = [r.method for r in web.requests if r.method in ("socket.ack", "response")]
    assert order[:2] == ["socket.ack", "response"]  # acknowledged before the work


def test_slash_help_lists_what_can_be_done(listening) -> None:
    web, socket = listening
    text = answer(web, socket.slash(VERA, "help"))["text"]
    assert "/breach status [ID]" in text and "Record notice made" in text and "Acknowledge" in text


def test_an_unknown_user_is_refused_with_the_profile_key(cli, listening, assessed) -> None:
    web, socket = listening
    text = answer(web, socket.slash(NOBODY, "status"))["text"]
    assert "slack.users" in text and NOBODY in text and "gdpr-art33-sa" not in text


# --- the buttons ------------------------------------------------------------------------------------


def test_acknowledge_records_the_person_and_the_reminders_go_on(cli, listening, assessed) -> None:
    web, socket = listening
    scheduled = len(web.scheduled)
    envelope = socket.press(RITA, reminder(web), messages.ACKNOWLEDGE)
    wait_for(lambda: any("acknowledged" in m["text"] for m in web.messages), 20, "the thread reply")
    [ack] = slack_actions(cli.home, assessed)
    assert ack.author == "Rita Responder"
    assert ack.data["slack"] == {**ack.data["slack"], "user": RITA, "person": "Rita Responder",
                                 "action": "acknowledge", "obligation": "gdpr-art33-sa"}
    assert len(web.scheduled) == scheduled  # an acknowledgement is not a notice
    # Slack delivers it again (the ack was late): nothing is recorded twice.
    socket.redeliver(envelope)
    socket.wait_ack(envelope["envelope_id"])
    again = socket.press(RITA, reminder(web), messages.ACKNOWLEDGE)
    answer(web, again)
    assert len(slack_actions(cli.home, assessed)) == 1


def test_unmapped_press_changes_nothing_and_a_viewer_cannot_record(cli, listening, assessed) -> None:
    web, socket = listening
    before = len(events(cli.home, assessed))
    refused = answer(web, socket.press(NOBODY, reminder(web), messages.ACKNOWLEDGE))["text"]
    assert "slack.users" in refused and NOBODY in refused
    viewer = answer(web, socket.press(VERA, reminder(web), messages.RECORD_NOTICE))["text"]
    assert "Vera Viewer (viewer) may not record a notice" in viewer
    assert len(events(cli.home, assessed)) == before and web.views == []


def test_record_notice_made_marks_art33_met_and_deletes_its_reminders(cli, listening, assessed) -> None:
    web, socket = listening
    approved_french_notice(cli, assessed)
    socket.press(RITA, reminder(web), messages.RECORD_NOTICE)
    wait_for(lambda: web.views, 20, "the modal")
    view = web.views[0]["view"]
    assert [b["block_id"] for b in view["blocks"][1:]] == ["at", "reference", "phase", "reasons"]
    socket.submit(RITA, view, {"at": "2026-11-28 14:00", "reference": "DBN-2026-77"})
    wait_for(lambda: any("DBN-2026-77" in m["text"] for m in web.messages), 20, "the thread reply")
    notified = [e for e in events(cli.home, assessed) if e.kind == "notified"]
    assert [(e.data["obligation"], e.data["reference"], e.author) for e in notified] == \
        [("gdpr-art33-sa", "DBN-2026-77", "Rita Responder")]
    assert slack_actions(cli.home, assessed)[-1].data["slack"]["user"] == RITA
    wait_for(lambda: not any(s for s in web.scheduled if "gdpr-art33-sa" in s["text"]), 20, "reminders deleted")
    art33 = [r for r in cli.json("status", assessed, "--all") if r["obligation"] == "gdpr-art33-sa"]
    assert [r["state"] for r in art33] == ["met"]  # with the reference: the notified event above
    # The modal is submitted twice (a dropped connection): the CLI's refusal, nothing recorded twice.
    socket.submit(RITA, view, {"at": "2026-11-28 14:00", "reference": "DBN-2026-77"})
    socket.submit(RITA, view, {"reference": "DBN-2"}, view_id="V00000002")
    wait_for(lambda: web.ephemeral, 20, "the refusal")
    assert "gdpr-art33-sa is already met" in web.ephemeral[-1]["text"]
    assert len([e for e in events(cli.home, assessed) if e.kind == "notified"]) == 1


def test_record_notice_refuses_an_unapproved_draft_with_the_clis_message(cli, listening, assessed) -> None:
    web, socket = listening
    cli_refusal = cli("notified", assessed, "gdpr-art33-sa").stderr.strip().removeprefix("Error: ")
    socket.press(RITA, reminder(web), messages.RECORD_NOTICE)
    wait_for(lambda: web.views, 20, "the modal")
    socket.submit(RITA, web.views[0]["view"], {"reference": "DBN-1"})
    wait_for(lambda: web.ephemeral, 20, "the refusal")
    assert web.ephemeral[-1]["text"] == f"Error: {cli_refusal}"
    assert not [e for e in events(cli.home, assessed) if e.kind == "notified"]


def test_legal_approval_binds_the_sha256_shown_and_four_eyes_refuses_the_author(cli, listening, assessed) -> None:
    web, socket = listening
    assert cli("draft", assessed, "sa-notification", "--lang", "fr", "--as", "Lea Legal").exit_code == 0
    listed = answer(web, socket.press(LEA, reminder(web), messages.OPEN_REVIEW))
    row = next(b for b in listed["blocks"] if b.get("accessory"))
    shown = json.loads(row["accessory"]["value"])["sha256"]
    assert shown in row["text"]["text"]
    own = answer(web, socket.press(LEA, {"blocks": listed["blocks"]}, messages.APPROVE))["text"]
    assert "four-eyes rule" in own
    responder = answer(web, socket.press(RITA, {"blocks": listed["blocks"]}, messages.APPROVE))["text"]
    assert "may not approve a notice" in responder
    socket.press(MAX, {"blocks": listed["blocks"]}, messages.APPROVE)
    wait_for(lambda: any("approved" in m["text"] for m in web.messages), 20, "the approval")
    [review] = [e for e in events(cli.home, assessed) if e.kind == "reviewed"]
    assert (review.data["sha256"], review.data["by"], review.data["via"]) == (shown, "Max Legal", f"Slack {MAX}")


# --- the connection ---------------------------------------------------------------------------------


def test_a_dropped_connection_reconnects_and_records_nothing_twice(cli, listening, assessed) -> None:
    web, socket = listening
    envelope = socket.press(RITA, reminder(web), messages.ACKNOWLEDGE)
    socket.wait_ack(envelope["envelope_id"])
    socket.drop()
    socket.wait_connected(2, timeout=60)  # a dead connection is noticed by its missing pongs
    assert [r.method for r in web.requests].count("apps.connections.open") >= 2
    socket.redeliver(envelope)  # Slack resends what it sent around the drop
    socket.wait_ack(envelope["envelope_id"])
    text = answer(web, socket.slash(RITA, f"status {assessed}"))["text"]
    assert "gdpr-art33-sa" in text  # the new connection works
    assert len(slack_actions(cli.home, assessed)) == 1
