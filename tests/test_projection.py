"""The read models behind `breach list` and `breach status`: kept up to date on write, rebuilt when stale,
and the fast JSON path says exactly what the full computation says."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import Cli

from breach.adapters import clock, resources
from breach.core import state as state_module
from breach.services import projection
from breach.services.session import open_session
from breach.services.status import status_json, status_rows


def stored(home: Path) -> dict[str, tuple[int, str]]:
    with sqlite3.connect(home / "breach.db") as conn:
        return {r[0]: (r[1], r[2]) for r in conn.execute("SELECT incident_id, event_count, deps FROM projection")}


def test_a_write_updates_the_projection_before_any_read(cli: Cli, assessed: str) -> None:
    heads = stored(cli.home)
    with sqlite3.connect(cli.home / "breach.db") as conn:
        count = conn.execute("SELECT event_count FROM incidents WHERE id = ?", [assessed]).fetchone()[0]
    assert heads[assessed][0] == count


def test_the_fast_json_is_what_the_full_computation_says(cli: Cli, assessed: str) -> None:
    cli("scope", assessed, "-j", "BE=100", "-j", "US-CA=800")
    now = clock.now()
    s = open_session(cli.home, write=False)
    try:
        fast = json.loads(status_json(s, None, now=now))
        full = status_rows(s, None, now=now)
    finally:
        s.close()
    assert fast == json.loads(json.dumps(full, default=str)) and len(fast) >= 3


def test_a_changed_profile_rebuilds_the_projection(cli: Cli, assessed: str) -> None:
    before = {r["obligation"]: r for r in cli.json("status")}
    profile = cli.home / "organization.yaml"
    text = profile.read_text()
    old = before["gdpr-art33-sa"]["recipient"]
    assert old in text
    profile.write_text(text.replace(old, "Autorité de test", 1))
    after = {r["obligation"]: r for r in cli.json("status")}
    assert after["gdpr-art33-sa"]["recipient"] == "Autorité de test"


def test_a_stale_projection_is_rebuilt_on_read(cli: Cli, assessed: str) -> None:
    """A projection whose recorded dependencies differ (another release, another regime file) is not served."""
    good = cli.json("status")
    with sqlite3.connect(cli.home / "breach.db") as conn:
        conn.execute("UPDATE projection SET deps = 'old', data = json_set(data, '$.incident.title', 'stale'), "
                     "incident_json = json_set(incident_json, '$.title', 'stale')")
        conn.execute("UPDATE projected_obligations SET body = replace(body, 'pending', 'met')")
    assert cli.json("status") == good
    assert cli.json("list")[0]["title"] == "DB"
    assert {deps for _, deps in stored(cli.home).values()} != {"old"}


def test_regime_files_are_part_of_the_dependencies(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = open_session(cli.home, write=False)
    try:
        first = projection.dependencies(s)
        copy = tmp_path / "resources"
        shutil.copytree(resources.shipped("regimes"), copy / "regimes")
        for name in ("authorities.yaml",):
            if resources.shipped(name).exists():
                shutil.copy(resources.shipped(name), copy / name)
        monkeypatch.setattr(resources, "shipped", lambda name: copy / name)
        assert projection.dependencies(s) == first
        gdpr = copy / "regimes" / "gdpr.yaml"
        gdpr.write_text(gdpr.read_text() + "\n# a comment is a change too\n")
        assert projection.dependencies(s) != first
    finally:
        s.close()


def test_each_event_is_folded_once_per_command(cli: Cli, assessed: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folded: list[int] = []
    real = state_module.fold

    def counting(events, start=None):
        events = list(events)
        folded.extend(e.seq for e in events)
        return real(events, start)

    monkeypatch.setattr(state_module, "fold", counting)
    result = cli("notified", assessed, "gdpr-art33-sa", "--without-approval", "--reason", "portal down, sent by mail")
    assert result.exit_code == 0, result.output
    assert sorted(folded) == sorted(set(folded)), f"events folded more than once: {folded}"
    with sqlite3.connect(cli.home / "breach.db") as conn:
        count = conn.execute("SELECT event_count FROM incidents WHERE id = ?", [assessed]).fetchone()[0]
    assert max(folded) == count
