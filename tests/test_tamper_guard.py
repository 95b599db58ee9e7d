"""Issue 23: a deleted incident, a stripped HMAC and a restored older copy are each found by `verify`,
and every write is refused until the finding is resolved (`verify --accept --reason`, or restoring)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from conftest import Cli
from test_tampering import forget_witness_file, rewrite_event, sql

from breach.adapters.store_sql import ledger_hash

KEY = "k-issue-23"


def delete_everything_about(home: Path, iid: str) -> None:
    for table in ("events", "drafts", "projected_obligations", "projection", "incident_ledger"):
        sql(home, f"DELETE FROM {table} WHERE incident_id = ?", params=(iid,))
    sql(home, "DELETE FROM incidents WHERE id = ?", params=(iid,))
    sql(home, "DELETE FROM chain_witness WHERE scope = ?", params=(iid,))


def rechain_ledger_plainly(home: Path) -> None:
    """Re-chain the ledger with plain SHA-256 (no key needed), as the hostile tester did."""
    conn = sqlite3.connect(home / "breach.db")
    conn.row_factory = sqlite3.Row
    try:
        prev, count = "0" * 64, 0
        for r in [dict(r) for r in conn.execute("SELECT * FROM incident_ledger ORDER BY seq")]:
            digest = ledger_hash(seq=r["seq"], incident_id=r["incident_id"], opened_hash=r["opened_hash"],
                                 prev_hash=prev, at=r["at"], with_at=True)
            conn.execute("UPDATE incident_ledger SET prev_hash = ?, hash = ? WHERE seq = ?", [prev, digest, r["seq"]])
            prev, count = digest, count + 1
        conn.execute("UPDATE chain_witness SET count = ?, head = ?, hmac = NULL WHERE scope = 'ledger'", [count, prev])
        conn.commit()
    finally:
        conn.close()


def test_deleted_incident_stays_found_after_the_next_open_with_the_key(cli: Cli, home: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREACH_CHAIN_KEY", KEY)
    first, second, third = cli.open("One"), cli.open("Two"), cli.open("Three")
    assert cli("verify").exit_code == 0
    delete_everything_about(home, second)
    rechain_ledger_plainly(home)
    forget_witness_file(home)
    found = cli("verify")
    assert found.exit_code == 1
    assert "no entry #2" in found.stderr and "gap" in found.stderr  # the gap in the numbers 1, 3
    opened = cli("open", "--title", "Routine")  # the routine open that used to re-witness the ledger
    assert opened.exit_code == 1 and opened.stderr.startswith("Error:") and "--accept" in opened.stderr
    again = cli("verify")
    assert again.exit_code == 1 and "no entry #2" in again.stdout + again.stderr
    assert "HMAC" in again.stdout  # the plainly re-chained ledger's head has none, and that is tampering
    assert [r["id"] for r in cli.json("list", "--all")] == [first, third]


def test_deleted_incident_resolved_by_a_recorded_acceptance(cli: Cli, home: Path) -> None:
    cli.open("One")
    second = cli.open("Two")
    cli.open("Three")
    delete_everything_about(home, second)
    assert cli("verify").exit_code == 1
    assert cli("verify", "--accept", "--by", "dpo").exit_code == 1  # a reason is required
    accepted = cli.json("verify", "--accept", "--reason", "a test incident, removed by the DPO", "--by", "dpo")
    assert accepted["by"] == "dpo" and any("no entry #2" in p for p in accepted["accepted"])
    result = cli("verify")
    assert result.exit_code == 0, result.output
    assert "accepted" in result.stdout and "dpo" in result.stdout and "removed by the DPO" in result.stdout
    assert cli.open("Four").endswith("0004")
    assert cli("verify", "--accept", "--reason", "again", "--by", "dpo").exit_code == 1  # nothing to accept


def test_null_hmac_is_not_laundered_by_a_note(cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREACH_CHAIN_KEY", KEY)
    iid = cli.open("Keyed")
    for n in range(9):
        assert cli("log", iid, f"step {n}").exit_code == 0
    monkeypatch.delenv("BREACH_CHAIN_KEY")
    rewrite_event(home, iid, 9, {"text": "nothing happened"})  # re-hashed without the key, hmac set to NULL
    forget_witness_file(home)
    monkeypatch.setenv("BREACH_CHAIN_KEY", KEY)
    found = cli("verify")
    assert found.exit_code == 1 and "no HMAC" in found.stderr and "removed" in found.stderr
    assert "--kind note" not in found.stderr and "--adopt-key" not in found.stderr  # never "a new key"
    assert cli("log", iid, "investigating event #9", "--kind", "note").exit_code == 0
    after = cli("verify")
    assert after.exit_code == 1 and "no HMAC" in after.stderr  # the note witnessed nothing
    assert cli("log", iid, "an action", "--kind", "action").exit_code == 1
    assert cli("open", "--title", "Another").exit_code == 1  # every write, store-wide
    assert cli("verify", "--adopt-key", "--by", "mallory").exit_code == 1


def test_a_restored_older_copy_fails_verify_and_refuses_writes(cli: Cli, home: Path, tmp_path: Path) -> None:
    iid = cli.open("Copied")
    backup = tmp_path / "old.db"
    shutil.copyfile(home / "breach.db", backup)
    assert cli("log", iid, "written after the copy").exit_code == 0
    newest = tmp_path / "new.db"
    shutil.copyfile(home / "breach.db", newest)
    shutil.copyfile(backup, home / "breach.db")
    found = cli("verify")
    assert found.exit_code == 1 and "older than its witness file" in found.stderr and "event #2" in found.stderr
    refused = cli("log", iid, "an action", "--kind", "action")
    assert refused.exit_code == 1 and "older than its witness file" in refused.stderr
    shutil.copyfile(newest, home / "breach.db")  # restoring the newest copy resolves it
    assert cli("verify").exit_code == 0


def test_the_witness_file_is_0600_and_can_live_elsewhere(cli: Cli, home: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREACH_CHAIN_KEY", KEY)  # keyed: a missing witness file is a finding
    iid = cli.open("Witnessed")
    state = json.loads((home / "witness.json").read_text())
    assert state["last"]["incident"] == iid and state["ledger"]["count"] == 1
    assert stat.S_IMODE((home / "witness.json").stat().st_mode) == 0o600
    elsewhere = tmp_path / "offsite" / "w.json"
    elsewhere.parent.mkdir()
    missing = cli("log", iid, "more", "--kind", "action", env={"BREACH_WITNESS_FILE": str(elsewhere)})
    assert missing.exit_code == 1 and "witness file" in missing.stderr and "missing" in missing.stderr
    shutil.move(home / "witness.json", elsewhere)  # moved with it: found there
    monkeypatch.setenv("BREACH_WITNESS_FILE", str(elsewhere))
    assert cli("log", iid, "more").exit_code == 0
    assert json.loads(elsewhere.read_text())["last"]["seq"] == 2


def test_the_ledgers_time_is_hashed(cli: Cli, home: Path) -> None:
    cli.open("One")
    sql(home, "UPDATE incident_ledger SET at = '2020-01-01T00:00:00Z' WHERE seq = 1")
    result = cli("verify")
    assert result.exit_code == 1 and "entry #1" in result.stderr and "edited" in result.stderr


@pytest.mark.parametrize("title", ["Mail from jean\uff20example.org", "Mail from jean\ufe6bexample\uff0eorg",
                                   "Mail from jean@example.org"])
def test_confusable_at_signs_are_scrubbed_from_slack_text(title: str) -> None:
    from breach.slack.messages import EMAIL_PLACEHOLDER, scrub

    assert scrub(title) == f"Mail from {EMAIL_PLACEHOLDER}"


def test_the_fast_chain_walk_keeps_todays_findings(cli: Cli, home: Path) -> None:
    """Data stored in a non-canonical but equal form still verifies (as before); invalid JSON is named."""
    iid = cli.open("Walked")
    assert cli("log", iid, "first").exit_code == 0
    sql(home, "UPDATE events SET data = '{ \"text\" : \"first\" }' WHERE incident_id = ? AND seq = 2", params=(iid,))
    assert cli("verify", iid).exit_code == 0
    sql(home, "UPDATE events SET data = '{not json' WHERE incident_id = ? AND seq = 2", params=(iid,))
    result = cli("verify", iid)
    assert result.exit_code == 1 and "event #2" in result.stderr and "not valid JSON" in result.stderr
