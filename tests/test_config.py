"""One configuration, resolved once at the entry (the CLI's root callback, `breach.api.open_session`)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from conftest import T0, Cli
from typer.testing import CliRunner

from breach.adapters.config import Config
from breach.api import open_session
from breach.cli import app
from breach.errors import InputError


def test_the_environment_is_read_once_into_a_frozen_config() -> None:
    env = {"BREACH_HOME": "/data", "BREACH_DATABASE_URL": " postgresql://u@h/db ", "BREACH_TZ": "America/New_York",
           "BREACH_USER": "Ann", "BREACH_CHAIN_KEY": "k", "BREACH_NOW": "2026-03-29T01:30:00+01:00",
           "BREACH_QUIET_HOURS": "22:00-07:00"}
    config = Config.from_env(env)
    assert (config.home, config.database_url, config.zone, config.author, config.chain_key) == (
        Path("/data"), "postgresql://u@h/db", "America/New_York", "Ann", b"k")
    assert config.now() == datetime.fromisoformat("2026-03-29T01:30:00+01:00")
    assert config.zone_or("Europe/Brussels") == "America/New_York"
    env["BREACH_TZ"] = "Asia/Tokyo"  # later changes do not reach a config already resolved
    assert config.zone == "America/New_York"
    with pytest.raises(AttributeError):
        config.zone = "UTC"  # type: ignore[misc]


def test_options_win_over_the_environment() -> None:
    env = {"BREACH_HOME": "/data", "BREACH_DATABASE_URL": "postgresql://u@h/env", "BREACH_USER": "Ann"}
    config = Config.from_env(env, home="/mine", database_url="postgresql://u@h/option", author=" Bob ")
    assert (config.home, config.database_url, config.author) == (Path("/mine"), "postgresql://u@h/option", "Bob")
    assert config.with_options(home=Path("/other"), author=None).author == "Bob"
    assert config.with_options(home=None, author="Cy").home == Path("/mine")


def test_without_a_zone_the_organizations_is_used_and_a_bad_clock_is_refused() -> None:
    assert Config.from_env({}).zone_or("Europe/Brussels") == "Europe/Brussels"
    with pytest.raises(InputError, match="BREACH_NOW needs an offset"):
        Config.from_env({"BREACH_NOW": "2026-03-29T01:30:00"})


def test_database_url_option_is_not_written_to_the_environment(home: Path) -> None:
    result = CliRunner().invoke(app, ["--database-url", "mysql://u:secret@h/db", "list", "--home", str(home)])
    assert result.exit_code == 1 and "must be a postgresql://" in result.stderr
    assert "BREACH_DATABASE_URL" not in os.environ
    assert Cli(home)("list").exit_code == 0  # the next command uses the data folder's breach.db again


def test_the_session_carries_the_config_and_its_clock(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREACH_TZ", "Asia/Tokyo")
    with open_session(home, author="Ann") as s:
        monkeypatch.setenv("BREACH_TZ", "UTC")  # resolved when the session opened
        assert s.zone == "Asia/Tokyo" and s.author == "Ann" and s.config.home == home
        assert s.now() == datetime.fromisoformat(T0)
