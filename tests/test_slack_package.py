"""breach.slack as one package: typed outbox keys that read and write the stored form byte for byte,
message texts from templates/slack/ identical to the texts breach posted before, and a data
folder's own templates/slack/ winning over the shipped ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO
from test_cli_slack import TITLE, outbox

from breach.errors import InputError
from breach.slack.messages import reminder_message, status_message, witness_block
from breach.slack.outbox import OutboxKey

# --- typed keys -------------------------------------------------------------------------

#: Every key form breach has written, as stored in existing outboxes.
STORED = {
    "BR-2026-0001:parent": OutboxKey.parent("BR-2026-0001"),
    "BR-2026-0001:status:3:assessed": OutboxKey.reply("BR-2026-0001", 3, "assessed"),
    "BR-2026-0001:status:3:requested:2": OutboxKey.reply("BR-2026-0001", 3, "requested", 2),
    "BR-2026-0001:status:7:notified:gdpr-art33-sa": OutboxKey.reply("BR-2026-0001", 7, "notified:gdpr-art33-sa"),
    "BR-2026-0001:update:7:notified:gdpr-art33-sa:12": OutboxKey.update("BR-2026-0001", 7, "notified:gdpr-art33-sa",
                                                                         12),
    "BR-2026-0001:update:9:retracted:gdpr-art34-subjects": OutboxKey.update("BR-2026-0001", 9,
                                                                             "retracted:gdpr-art34-subjects"),
    "BR-2026-0001:remind:gdpr-art33-sa:0:t-48h": OutboxKey.reminder("BR-2026-0001", "gdpr-art33-sa", 0, "T-48 h"),
    "BR-2026-0001:remind:gdpr-art33-sa:1:deadline:now": OutboxKey.reminder("BR-2026-0001", "gdpr-art33-sa", 1,
                                                                            "DEADLINE", catch_up=True),
    "BR-2026-0001:unschedule:gdpr-art33-sa:1": OutboxKey.unschedule("BR-2026-0001", "gdpr-art33-sa", 1),
    "BR-2026-0001:overdue:gdpr-art33-sa:1796133900:2": OutboxKey.overdue("BR-2026-0001", "gdpr-art33-sa",
                                                                          1796133900, 2),
}


@pytest.mark.parametrize("text", sorted(STORED))
def test_outbox_key__stored_form_is_byte_identical_both_ways(text: str) -> None:
    assert str(STORED[text]) == text
    assert OutboxKey.parse(text) == STORED[text]


def test_outbox_key__fields_are_typed() -> None:
    key = OutboxKey.parse("BR-2026-0001:update:7:notified:gdpr-art33-sa:12")
    assert (key.kind, key.seq, key.what, key.n) == ("update", 7, "notified:gdpr-art33-sa", 12)
    late = OutboxKey.parse("BR-2026-0001:remind:gdpr-art33-sa:1:deadline:now")
    assert (late.obligation, late.generation, late.label, late.catch_up) == ("gdpr-art33-sa", 1, "deadline", True)


@pytest.mark.parametrize("text", ["BR-1", "BR-1:nonsense", "BR-1:parent:x", "BR-1:status:x:opened",
                                  "BR-1:status:3:opened:1", "BR-1:remind:o:1:t-1h:later", "BR-1:unschedule:o",
                                  "BR-1:overdue:o:1:x", "BR-1:status:3:opened:2:3"])
def test_outbox_key__refuses_what_breach_never_wrote(text: str) -> None:
    with pytest.raises(InputError, match="outbox key"):
        OutboxKey.parse(text)


def test_outbox_key__ids_hold_no_colon() -> None:
    with pytest.raises(InputError, match="no colon"):
        OutboxKey.parent("BR:1")


def test_every_key_a_slack_run_wrote_parses_back(cli, slack_stub) -> None:
    iid = cli.open(TITLE)
    cli("slack", "post", iid)
    cli("slack", "post", iid)
    keys = [r["key"] for r in outbox(cli.home)]
    assert {OutboxKey.parse(k).kind for k in keys} >= {"parent", "status", "update", "remind"}
    assert [str(OutboxKey.parse(k)) for k in keys] == keys


# --- texts from templates/slack/ ----------------------------------------------------------

#: The messages breach built before its texts moved to templates/slack/ (tests/data/...json).
BEFORE = json.loads((REPO / "tests" / "data" / "slack_messages_before_templates.json").read_text())

BASE = {"incident": "BR-2026-0001", "title": "Lost <laptop> & owner jane.doe@example.org", "state": "assessed",
        "risk": "high", "level": "high", "subjects_count": 1234, "records_count": 5678,
        "categories": ["contact", "fin<an>cial"], "event": "Assessment: high risk",
        "next_deadline": {"obligation": "gdpr-art33-sa", "recipient": "supervisory authority",
                          "due_at": "2026-12-01T15:05:00+01:00", "remaining": "2d 03h"}}
VARIANTS = [{}, {"title": None}, {"state": "closed"}, {"state": "weird"}, {"state": None}, {"risk": None},
            {"level": ""}, {"level": None}, {"level": 0}, {"subjects_count": None, "records_count": 0},
            {"categories": None}, {"categories": []}, {"next_deadline": None},
            {"next_deadline": {"obligation": "x (OVERDUE)", "recipient": "r", "due_at": "bad", "remaining": None}},
            {"next_deadline": {"obligation": None, "recipient": None, "due_at": "2026-12-01T15:05:00",
                               "remaining": ""}},
            {"event": None}, {"event": "E" * 200, "title": "T" * 4000}, {"incident": "BR-<x>&y"}]


def messages_now() -> list[dict]:
    out = [status_message({**BASE, **v}) for v in VARIANTS]
    for label in ("T-48 h", "DEADLINE", "OVERDUE", "T-1 h"):
        out.append(reminder_message(incident="BR-2026-0001", obligation="gdpr-art33-sa",
                                    recipient="supervisory <authority> a@b.io",
                                    due_at_iso="2026-12-01T15:05:00+01:00", label=label))
    out.append(reminder_message(incident="BR&1", obligation="o" * 4000, recipient="r", due_at_iso="nope",
                                label="T-6 h"))
    out.append(witness_block({"incident": "BR-1", "seq": 7, "head": "ab" * 32}))
    return out


def test_messages__texts_are_the_ones_posted_before_templates() -> None:
    assert json.loads(json.dumps(messages_now(), ensure_ascii=False)) == BEFORE


def test_messages__the_texts_live_in_templates_slack() -> None:
    shipped = REPO / "templates" / "slack"
    assert "counts only; details stay in the incident log" in (shipped / "status.j2").read_text()
    assert ":red_circle: OVERDUE" in (shipped / "reminder.j2").read_text()
    for module in (REPO / "breach" / "slack").glob("*.py"):
        source = module.read_text()
        for text in ("details stay in the incident log", "not assessed", "none recorded", ":red_circle:",
                     ":alarm_clock:", "shows what is left to do", "*Next deadline:*", "sha256 {"):
            assert text not in source, module.name


def test_messages__a_data_folder_template_wins(tmp_path: Path) -> None:
    own = tmp_path / "slack"
    own.mkdir()
    (own / "reminder.j2").write_text((REPO / "templates" / "slack" / "reminder.j2").read_text()
                                     .replace("shows what is left to do", "lists what is left"))
    message = reminder_message(incident="BR-2026-0001", obligation="gdpr-art33-sa", recipient="authority",
                               due_at_iso="2026-12-01T15:05:00+01:00", label="T-1 h",
                               template_dirs=(tmp_path, REPO / "templates"))
    assert message["blocks"][1]["elements"][0]["text"] == "`breach status BR-2026-0001` lists what is left"


def test_messages__a_broken_own_template_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "slack").mkdir()
    (tmp_path / "slack" / "witness.j2").write_text("{% block witness %}{{ seq.__class__ }}{% endblock %}")
    with pytest.raises(InputError, match="slack/witness.j2"):
        witness_block({"seq": 1, "head": "ab" * 32}, template_dirs=(tmp_path,))


def test_queued_reminders_use_the_data_folders_own_template(cli, slack_stub) -> None:
    own = cli.home / "templates" / "slack"
    own.mkdir(parents=True)
    (own / "reminder.j2").write_text((REPO / "templates" / "slack" / "reminder.j2").read_text()
                                     .replace("shows what is left to do", "lists what is left"))
    iid = cli.open(TITLE)
    reminders = [json.loads(r["payload"]) for r in outbox(cli.home) if r["op"] == "schedule"]
    assert reminders
    assert all(p["blocks"][1]["elements"][0]["text"] == f"`breach status {iid}` lists what is left" for p in reminders)
