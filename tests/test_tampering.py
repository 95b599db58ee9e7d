"""Tampering is found: deleted incidents (ledger), edited or deleted renditions, keyed heads
(BREACH_CHAIN_KEY), heads witnessed by the Slack thread; a broken chain takes only notes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import HIGH_RISK_ANSWERS, Cli

from breach.adapters.store_sqlite import canonical, event_hash, sha256_text


def sql(home: Path, *statements: str, params: tuple = ()) -> None:
    conn = sqlite3.connect(home / "breach.db")
    try:
        for statement in statements:
            conn.execute(statement, params if "?" in statement else ())
        conn.commit()
    finally:
        conn.close()


def delete_incident(home: Path, iid: str) -> None:
    """What a hostile user does with sqlite3: the incident and everything about it, gone."""
    for table in ("events", "drafts", "projected_obligations", "projection"):
        column = "incident_id"
        sql(home, f"DELETE FROM {table} WHERE {column} = ?", params=(iid,))
    sql(home, "DELETE FROM incidents WHERE id = ?", params=(iid,))


def rewrite_event(home: Path, iid: str, seq: int, change: dict) -> None:
    """Edit one event's data and re-hash it and every later one, as someone who read docs/verify.md would."""
    conn = sqlite3.connect(home / "breach.db")
    conn.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in conn.execute("SELECT * FROM events WHERE incident_id = ? ORDER BY seq", [iid])]
        prev = rows[seq - 2]["hash"] if seq > 1 else "0" * 64
        for r in rows[seq - 1:]:
            data = json.loads(r["data"])
            if r["seq"] == seq:
                data.update(change)
            digest = event_hash(incident_id=iid, seq=r["seq"], kind=r["kind"], at=r["at"], at_offset=r["at_offset"],
                                author=r["author"], data=data, prev_hash=prev)
            conn.execute("UPDATE events SET data = ?, prev_hash = ?, hash = ? WHERE id = ?",
                         [canonical(data).decode(), prev, digest, r["id"]])
            prev = digest
        conn.execute("UPDATE incidents SET head_hash = ? WHERE id = ?", [prev, iid])
        conn.execute("UPDATE chain_witness SET head = ?, hmac = NULL WHERE scope = ?", [prev, iid])
        conn.commit()
    finally:
        conn.close()


def forget_witness_file(home: Path) -> None:
    """What someone who rewrote the database without the key does next: the witness file goes too."""
    (home / "witness.json").unlink()
    sql(home, "DELETE FROM meta WHERE key = 'witness_file'")


# --- a deleted incident -------------------------------------------------------------------


def test_deleted_incident__verify_names_it_and_its_id_is_not_reused(cli: Cli, home: Path) -> None:
    first, second = cli.open("First"), cli.open("Second")
    assert cli("verify").exit_code == 0
    delete_incident(home, second)
    result = cli("verify")
    assert result.exit_code == 1
    assert f"{second}: deleted" in result.stderr and "ledger" in result.stderr
    assert f"{first}: ok" in result.stdout
    refused = cli("open", "--title", "Third")  # issue 23: every write is refused until the finding is resolved
    assert refused.exit_code == 1 and f"{second}: deleted" in refused.stderr and "--accept" in refused.stderr
    assert cli("verify", "--accept", "--reason", "test incident removed by the DPO", "--by", "dpo").exit_code == 0
    third = cli.open("Third")
    assert third not in (first, second) and third.endswith("0003")
    assert cli("verify", first).exit_code == 0  # the others still verify on their own
    assert cli("verify", second).exit_code == 1


def test_deleted_incident_and_its_ledger_entry__still_caught_and_not_reused(cli: Cli, home: Path) -> None:
    cli.open("First")
    second = cli.open("Second")
    delete_incident(home, second)
    sql(home, "DELETE FROM incident_ledger WHERE incident_id = ?", params=(second,))
    result = cli("verify")
    assert result.exit_code == 1 and "incident ledger" in result.stderr and "deleted" in result.stderr
    assert cli("open", "--title", "Third").exit_code == 1  # issue 23: refused until resolved
    assert cli("verify", "--accept", "--reason", "known", "--by", "dpo").exit_code == 0
    assert cli.open("Third").endswith("0003")


def test_a_ledger_entry_edited_is_caught(cli: Cli, home: Path) -> None:
    cli.open("First")
    cli.open("Second")
    sql(home, "UPDATE incident_ledger SET at = '2020-01-01T00:00:00+00:00', incident_id = 'BR-2026-0009' "
              "WHERE seq = 1")
    result = cli("verify")
    assert result.exit_code == 1 and "ledger" in result.stderr


# --- renditions -----------------------------------------------------------------------------


def approved_fr(cli: Cli, iid: str) -> Path:
    assert cli("draft", iid, "sa-notification", "--lang", "fr").exit_code == 0
    approved = cli.json("review", "approve", iid, "sa-notification", "--lang", "fr", "--version", "1",
                        "--as", "legal")
    path = Path(approved["final_path"])
    assert path.is_file()
    return path


def test_edited_approved_file__verify_fails_and_notified_is_blocked(cli: Cli, assessed: str) -> None:
    path = approved_fr(cli, assessed)
    path.write_text(path.read_text() + "\nP.S. nothing happened.\n")
    result = cli("verify", assessed)
    assert result.exit_code == 1 and "was edited" in result.stderr and path.name in result.stderr
    refused = cli("notified", assessed, "gdpr-art33-sa")
    assert refused.exit_code == 1 and refused.stderr.startswith("Error:") and "was edited" in refused.stderr
    assert "notified" not in [e["kind"] for e in cli.json("timeline", assessed)]


def test_edited_draft_file__verify_fails(cli: Cli, assessed: str) -> None:
    drafted = cli.json("draft", assessed, "sa-notification", "--lang", "fr")
    Path(drafted["path"]).write_text("something else")
    result = cli("verify", assessed)
    assert result.exit_code == 1 and "was edited" in result.stderr


def test_deleted_approved_file__rendered_again_from_the_database_with_a_note(cli: Cli, assessed: str) -> None:
    path = approved_fr(cli, assessed)
    original = path.read_bytes()
    path.unlink()
    result = cli("verify", assessed)
    assert result.exit_code == 0, result.output
    assert "rendered again from the database" in result.stdout
    assert path.read_bytes() == original
    path.unlink()  # again, then `notified`: re-rendered there too, and it says so
    sent = cli("notified", assessed, "gdpr-art33-sa", "--reference", "DBN-1")
    assert sent.exit_code == 0, sent.output
    assert "rendered again from the database" in sent.stderr and path.read_bytes() == original


def test_deleted_draft_file__rendered_again(cli: Cli, assessed: str) -> None:
    drafted = cli.json("draft", assessed, "subject-letter")
    path = Path(drafted["path"])
    path.unlink()
    result = cli("verify", assessed)
    assert result.exit_code == 0 and "rendered again" in result.stdout
    assert sha256_text(path.read_text()) == drafted["sha256"]


# --- the witnesses: an HMAC over each head, and the Slack thread ---------------------------


def test_hmac__a_consistently_rehashed_edit_is_caught_with_the_key(cli: Cli, home: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREACH_CHAIN_KEY", "k-correct-horse")
    iid = cli.open("Keyed")
    assert cli("log", iid, "first call").exit_code == 0
    good = cli("verify")
    assert good.exit_code == 0 and "head HMAC ok" in good.stdout
    rewrite_event(home, iid, 2, {"text": "no call was made"})
    forget_witness_file(home)
    monkeypatch.delenv("BREACH_CHAIN_KEY")
    plain = cli("verify")  # the plain chain is consistent: only the witness can tell
    assert plain.exit_code == 0 and "BREACH_CHAIN_KEY not set" in plain.stdout
    monkeypatch.setenv("BREACH_CHAIN_KEY", "k-correct-horse")
    stripped = cli("verify")  # the rewrite could not forge the HMAC, and removing it does not help
    assert stripped.exit_code == 1 and "no HMAC" in stripped.stderr
    sql(home, "UPDATE chain_witness SET hmac = 'ab' WHERE scope = ?", params=(iid,))
    keyed = cli("verify")
    assert keyed.exit_code == 1 and "HMAC" in keyed.stderr and "BREACH_CHAIN_KEY" in keyed.stderr


def test_hmac__the_wrong_key_is_a_mismatch(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREACH_CHAIN_KEY", "k1")
    cli.open("Keyed")
    monkeypatch.setenv("BREACH_CHAIN_KEY", "k2")
    result = cli("verify")
    assert result.exit_code == 1 and "HMAC" in result.stderr


def test_hmac__the_key_is_never_stored(cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREACH_CHAIN_KEY", "k-secret-never-stored")
    cli.open("Keyed")
    assert b"k-secret-never-stored" not in (home / "breach.db").read_bytes()
    assert not any(b"k-secret-never-stored" in p.read_bytes() for p in home.rglob("*") if p.is_file())


@pytest.fixture
def stub(slack_stub, monkeypatch: pytest.MonkeyPatch):
    return slack_stub


def test_against_slack__an_edited_head_disagrees_with_the_channel(cli: Cli, home: Path, stub) -> None:
    iid = cli.open("Witnessed")
    assert cli("assess", iid, "--answers", str(HIGH_RISK_ANSWERS)).exit_code == 0
    heads = [((m.get("metadata") or {}).get("event_payload") or {}).get("witness") for m in stub.messages]
    heads = [h for h in heads if h]
    assert heads and all(set(h) == {"incident", "seq", "head"} for h in heads)  # ids and hashes only
    ok = cli("verify", "--against-slack")
    assert ok.exit_code == 0, ok.output
    assert "agrees with its Slack thread" in ok.stdout
    last = max(h["seq"] for h in heads)
    rewrite_event(home, iid, last, {"edited": True})
    forget_witness_file(home)
    assert cli("verify").exit_code == 0  # consistent without a key: only the channel can tell
    result = cli("verify", "--against-slack")
    assert result.exit_code == 1
    assert f"event #{last}" in result.stderr and "Slack thread" in result.stderr


def test_against_slack__needs_the_bot_settings(cli: Cli) -> None:
    cli.open("No Slack")
    result = cli("verify", "--against-slack")
    assert result.exit_code == 1 and "SLACK_BOT_TOKEN" in result.stderr


# --- a broken chain takes notes only ------------------------------------------------------------


def test_broken_chain__writes_refused_except_a_note(cli: Cli, home: Path) -> None:
    iid = cli.open("Broken")
    assert cli("log", iid, "first").exit_code == 0
    sql(home, "UPDATE events SET data = '{\"text\":\"edited\"}' WHERE incident_id = ? AND seq = 2", params=(iid,))
    refused = cli("log", iid, "an action", "--kind", "action")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Error:") and "broken" in refused.stderr and "--kind note" in refused.stderr
    assert cli("close", iid, "--summary", "x", "--force").exit_code == 1
    noted = cli("log", iid, "found event #2 edited; reported to the DPO", "--kind", "note")
    assert noted.exit_code == 0, noted.output
    assert cli("verify", iid).exit_code == 1  # the finding is recorded; the chain stays broken


def test_hmac__a_key_set_later_is_adopted_explicitly_not_with_a_note(cli: Cli, home: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 23: a head without its HMAC is never "a new key"; adopting one is `verify --adopt-key`, recorded."""
    iid = cli.open("Before the key")
    monkeypatch.setenv("BREACH_CHAIN_KEY", "k-new")
    first = cli("verify")
    assert first.exit_code == 1 and "--adopt-key" in first.stderr and "--kind note" not in first.stderr
    assert cli("log", iid, "witnessing the head with the new key", "--kind", "note").exit_code == 0
    assert cli("verify").exit_code == 1  # a note re-witnesses nothing
    assert cli("log", iid, "an action", "--kind", "action").exit_code == 1
    adopted = cli("verify", "--adopt-key", "--by", "alice")
    assert adopted.exit_code == 0 and "alice" in adopted.stdout
    result = cli("verify")
    assert result.exit_code == 0 and "head HMAC ok" in result.stdout
    record = json.loads(sqlite3.connect(home / "breach.db").execute(
        "SELECT value FROM meta WHERE key = 'chain_key'").fetchone()[0])
    assert record["by"] == "alice" and "k-new" not in json.dumps(record)
    assert cli("verify", "--adopt-key", "--by", "mallory").exit_code == 1  # once
