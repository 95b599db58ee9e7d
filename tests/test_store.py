"""The append-only, hash-chained timeline: tampering is detected, concurrency loses nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Cli

from breach.services.integrity import verify
from breach.services.session import open_session


def sql(home: Path, statement: str) -> None:
    """Tamper the way an insider would: with the sqlite3 shell."""
    subprocess.run(["sqlite3", str(home / "breach.db"), statement], check=True)


@pytest.fixture
def logged(cli: Cli) -> str:
    iid = cli.open("Tamper target")
    for i in range(4):
        assert cli("log", iid, f"note {i}").exit_code == 0
    assert cli("verify", iid).exit_code == 0
    return iid


TAMPERING = [
    ("edit", "UPDATE events SET data = '{\"text\":\"nothing happened\"}' WHERE seq = 3", "#3"),
    ("edit author", "UPDATE events SET author = 'mallory' WHERE seq = 2", "#2"),
    ("delete middle", "DELETE FROM events WHERE seq = 3", "#4"),
    ("delete last", "DELETE FROM events WHERE seq = 5", "events were deleted"),
    ("swap", "UPDATE events SET seq = -2 WHERE seq = 2; UPDATE events SET seq = 2 WHERE seq = 3; "
             "UPDATE events SET seq = 3 WHERE seq = -2", "#3"),
    ("swap contents",
     "UPDATE events SET data = CASE seq WHEN 2 THEN (SELECT data FROM events WHERE seq = 3) "
     "ELSE (SELECT data FROM events WHERE seq = 2) END WHERE seq IN (2, 3)", "#2"),
    ("edit incident", "UPDATE incidents SET status = 'closed'", "status was changed"),
    ("move aware_at", "UPDATE events SET data = json_set(data, '$.aware_at', '2026-11-28T20:00:00+00:00') "
     "WHERE seq = 1", "#1"),
]


@pytest.mark.parametrize(("name", "statement", "named"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_tampering_makes_verify_exit_1_and_name_the_event(
    cli: Cli, home: Path, logged: str, name: str, statement: str, named: str
) -> None:
    sql(home, statement)
    result = cli("verify")
    assert result.exit_code == 1, result.output
    assert logged in result.stderr and named in result.stderr


def test_untouched_log_verifies(cli: Cli, logged: str) -> None:
    result = cli("verify", "--json")
    assert result.exit_code == 0
    assert [r["ok"] for r in json.loads(result.stdout)] == [True]


APPENDER = """
import sys
from breach.services.incidents import log_event
from breach.services.session import open_session
from breach.adapters import clock
s = open_session(sys.argv[1], author=sys.argv[3])
for i in range(200):
    log_event(s, sys.argv[2], f"{sys.argv[3]} {i}", now=clock.now())
"""


def test_two_processes_appending_200_events_each_lose_nothing(cli: Cli, home: Path) -> None:
    iid = cli.open("Busy incident")
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, str(home), iid, who],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for who in ("alice", "bob")]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    session = open_session(home)
    events = session.store.events(iid)
    texts = {e.data.get("text") for e in events if e.kind == "note"}
    assert len(events) == 401
    assert texts == {f"{who} {i}" for who in ("alice", "bob") for i in range(200)}
    assert [e.seq for e in events] == list(range(1, 402))
    assert verify(session, iid)[0]["ok"] is True
