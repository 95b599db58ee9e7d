"""The incident log from the command line: open, show, list, log, timeline, close, errors."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from conftest import T0, Cli, run_breach
from typer.testing import CliRunner

from breach.cli import app


def test_open_prints_id_aware_at_and_title_and_show_returns_same_instant(cli: Cli) -> None:
    opened = cli.json("open", "--title", "x")
    assert opened["id"] == "BR-2026-0001"
    assert opened["title"] == "x"
    assert opened["aware_at"] == T0  # defaults to now, with the offset as entered
    shown = cli.json("show", opened["id"])
    assert shown["incident"]["aware_at"] == opened["aware_at"]


def test_ids_are_sequential_per_data_folder(cli: Cli) -> None:
    assert [cli.open(f"t{i}") for i in range(3)] == ["BR-2026-0001", "BR-2026-0002", "BR-2026-0003"]


def test_open_in_a_real_process_with_breach_now(home: Path) -> None:
    result = run_breach("open", "--title", "x", "--json", "--home", str(home),
                        env={"BREACH_NOW": "2026-11-28T14:05:00+01:00"})
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["aware_at"] == "2026-11-28T14:05:00+01:00" and data["title"] == "x"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2026-11-28 10:00", "2026-11-28T10:00:00+01:00"),  # naive: Europe/Brussels in winter
        ("2026-07-01 10:00", "2026-07-01T10:00:00+02:00"),  # naive: Europe/Brussels in summer
        ("2026-11-28 07:00 America/New_York", "2026-11-28T07:00:00-05:00"),
        ("2026-11-28T08:30:00+05:30", "2026-11-28T08:30:00+05:30"),  # offset kept as entered
        ("2026-11-28T12:00:00Z", "2026-11-28T12:00:00+00:00"),
    ],
)
def test_times_are_read_in_the_organization_zone_and_keep_their_offset(cli: Cli, given: str, expected: str) -> None:
    opened = cli.json("open", "--title", "x", "--aware-at", given)
    assert opened["aware_at"] == expected
    assert cli.json("show", opened["id"])["incident"]["aware_at"] == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--aware-at", "2026-11-29 10:00"], "in the future"),
        (["--aware-at", "yesterday-ish at teatime"], "cannot read the time"),
        (["--aware-at", "2026-11-28 10:00 Mars/Olympus"], "unknown time zone"),
        (["--aware-at", "2026-11-28 10:00", "--occurred-at", "2026-11-28 11:00"], "before occurred_at"),
        (["--role", "bystander"], "controller or processor"),
    ],
)
def test_bad_times_exit_1_with_one_line(cli: Cli, args: list[str], message: str) -> None:
    result = cli("open", "--title", "x", *args)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0]
    assert "Traceback" not in result.output


def test_unknown_incident_id_is_a_clear_error(cli: Cli) -> None:
    for command in (["show", "BR-2026-0042"], ["log", "BR-2026-0042", "x"], ["timeline", "BR-2026-0042"]):
        result = cli(*command)
        assert result.exit_code == 1
        assert "no incident 'BR-2026-0042'" in result.stderr


def test_corrupt_database_is_a_clear_error(cli: Cli, home: Path) -> None:
    (home / "breach.db").write_bytes(b"this is not sqlite" * 100)
    for f in ("breach.db-wal", "breach.db-shm"):
        (home / f).unlink(missing_ok=True)
    result = cli("list")
    assert result.exit_code == 1
    assert "not a usable breach database" in result.stderr
    assert "Traceback" not in result.output


def test_read_only_data_folder_is_a_clear_error(cli: Cli, home: Path) -> None:
    cli.open()
    os.chmod(home, 0o500)
    try:
        result = cli("open", "--title", "y")
        assert result.exit_code == 1
        assert "read-only" in result.stderr
        # reading still works
        assert cli("list").exit_code == 0
    finally:
        os.chmod(home, 0o700)


def test_missing_data_folder_says_how_to_create_it(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["list", "--home", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "breach init" in result.stderr


def test_bad_organization_profile_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "org.yaml"
    bad.write_text("name: X\ntimezone: Europe/Brussels\nentities: []\ncontact: {name: A, email: a@x}\n"
                   "lead_authority: {name: DPA, country: BE}\ncolour: blue\n")
    result = CliRunner().invoke(app, ["init", "--home", str(tmp_path / "h"), "--org", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:6: unknown key 'colour'" in result.stderr


def test_database_is_created_with_mode_0600(home: Path) -> None:
    mode = stat.S_IMODE((home / "breach.db").stat().st_mode)
    assert mode == 0o600


def test_log_timeline_list_and_close(cli: Cli) -> None:
    iid = cli.open("first")
    other = cli.open("second")
    assert cli("log", iid, "Firewall rule reverted", "--kind", "action", "--by", "alice").exit_code == 0
    events = cli.json("timeline", iid)
    assert [e["kind"] for e in events] == ["opened", "action"]
    assert events[1]["author"] == "alice" and events[1]["data"]["text"] == "Firewall rule reverted"
    assert events[0]["author"] == "tester"  # from $USER
    assert events[1]["prev_hash"] == events[0]["hash"]
    refused = cli("close", iid, "--summary", "Contained")  # the Art. 33 clock is still running
    assert refused.exit_code == 1 and "gdpr-art33-sa" in refused.stderr
    closed = cli.json("close", iid, "--summary", "Contained", "--force", "--reason", "clock tracked elsewhere")
    assert closed["status"] == "closed" and closed["closed_at"] == T0
    assert "gdpr-art33-sa" in cli.json("timeline", iid)[-1]["data"]["pending_obligations"]
    assert [i["id"] for i in cli.json("list")] == [other]
    assert [i["id"] for i in cli.json("list", "--all")] == [iid, other]
    assert cli("close", iid, "--summary", "again").exit_code == 1
    assert cli("log", iid, "x", "--kind", "gossip").exit_code == 1
    assert cli.json("timeline", iid)[-1]["kind"] == "closed"


def test_home_from_environment(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # ./incidents would be here
    result = CliRunner().invoke(app, ["open", "--title", "env", "--json"], env={"BREACH_HOME": str(home)})
    assert result.exit_code == 0, result.output
    iid = json.loads(result.stdout)["id"]
    listed = CliRunner().invoke(app, ["list", "--json", "--home", str(home)])
    assert iid in listed.stdout
    assert not (elsewhere / "incidents").exists()
