"""Every event names a person: --as (alias --by), else BREACH_USER, else the login name; never "unknown"."""

from __future__ import annotations

import pwd

import pytest
from conftest import Cli


@pytest.fixture
def nobody_known(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BREACH_USER", "LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.delenv(name, raising=False)

    def no_entry(uid: int):
        raise KeyError(uid)

    monkeypatch.setattr(pwd, "getpwuid", no_entry)


def authors(cli: Cli, iid: str) -> list[str]:
    return [e["author"] for e in cli.json("timeline", iid)]


def test_as_names_who_acts_and_by_is_an_alias(cli: Cli) -> None:
    iid = cli.json("open", "--title", "x", "--as", "Ana Peeters")["id"]
    assert cli("log", iid, "called the DPO", "--by", "Bob").exit_code == 0
    assert authors(cli, iid) == ["Ana Peeters", "Bob"]


def test_breach_user_is_the_default(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREACH_USER", "Incident lead")
    iid = cli.open()
    assert authors(cli, iid) == ["Incident lead"]


def test_the_login_name_comes_next(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BREACH_USER", raising=False)
    monkeypatch.setenv("LOGNAME", "jdoe")
    iid = cli.open()
    assert authors(cli, iid) == ["jdoe"]


def test_with_nobody_known_a_write_is_refused_with_the_fix(cli: Cli, nobody_known: None) -> None:
    result = cli("open", "--title", "x")
    assert result.exit_code == 1
    assert "who acts is not known: give --as NAME (or set BREACH_USER=NAME)" in result.stderr
    assert cli.json("list", "--all") == []  # nothing recorded "by unknown"
    assert cli("list").exit_code == 0  # reading needs no name


def test_the_review_site_acts_as_someone_too(cli: Cli, nobody_known: None) -> None:
    result = cli("serve", "--port", "0")  # refused before it listens: its approvals would name nobody
    assert result.exit_code == 1
    assert "who acts is not known: give --as NAME (or set BREACH_USER=NAME)" in result.stderr
    assert "http://" not in result.stdout


def test_no_event_of_a_whole_drill_is_by_unknown(tmp_path, nobody_known: None) -> None:
    from breach.services.drill import DEFAULT_SCENARIO, run_drill

    home = tmp_path / "drill"
    run_drill(DEFAULT_SCENARIO, home=home, speed=0, say=lambda _: None)
    cli = Cli(home)
    for incident in cli.json("list", "--all"):
        assert "unknown" not in authors(cli, incident["id"])
