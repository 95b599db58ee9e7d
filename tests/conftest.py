"""Shared fixtures: a real data folder on disk, a fixed clock, and a CLI runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings
from slack_stub import slack_stub  # noqa: F401
from typer.testing import CliRunner

from breach.cli import app

# Property tests: no example database left in the worktree; each test sets its own max_examples.
settings.register_profile("breach", database=None, deadline=None)
settings.load_profile("breach")

T0 = "2026-11-28T14:05:00+01:00"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test talks to a real Slack or depends on the machine's clock or zone."""
    for name in ("SLACK_BOT_TOKEN", "BREACH_SLACK_CHANNEL", "BREACH_SLACK_API_URL",
                 "BREACH_SLACK_WEBHOOK_URL", "BREACH_HOME", "BREACH_TZ", "BREACH_QUIET_HOURS",
                 "BREACH_CHAIN_KEY"):  # the same witness on every backend, whatever the environment
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BREACH_NOW", T0)
    monkeypatch.setenv("USER", "tester")
    # Set then removed, so that monkeypatch also removes what `breach --database-url` sets in-process.
    monkeypatch.setenv("BREACH_DATABASE_URL", "")
    monkeypatch.delenv("BREACH_DATABASE_URL")


@pytest.fixture(scope="session")
def pg_server():
    """One real PostgreSQL for the session (tests/pg_server.py); a missing server fails, never skips."""
    from pg_server import running_postgres

    with running_postgres() as server:
        yield server


_databases = iter(range(1, 1_000_000))


@pytest.fixture
def pg_url(pg_server) -> str:
    """The URL of a fresh, empty database on the test server."""
    return pg_server.create_database(f"t{os.getpid()}_{next(_databases)}")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An initialised data folder with the sample organization."""
    path = tmp_path / "incidents"
    result = CliRunner().invoke(app, ["init", "--home", str(path)])
    assert result.exit_code == 0, result.output
    return path


class Cli:
    """Runs `breach` in-process against one data folder."""

    def __init__(self, home: Path):
        self.home = home
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None):
        argv = [*args, "--home", str(self.home)]
        return self.runner.invoke(app, argv, input=input, env=env)

    def json(self, *args: str, env: dict | None = None):
        result = self(*args, "--json", env=env)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def open(self, title: str = "Test incident", *extra: str) -> str:
        return self.json("open", "--title", title, *extra)["id"]


@pytest.fixture
def cli(home: Path) -> Cli:
    return Cli(home)


HIGH_RISK_ANSWERS = REPO / "tests" / "data" / "wp250" / "example06.yaml"


def high_risk_answer(key: str, lang: str) -> str:
    """The `assessed` incident's free-text answer in `lang` (what its notices in that language say)."""
    import yaml

    return yaml.safe_load(HIGH_RISK_ANSWERS.read_text())[key][lang]


@pytest.fixture
def assessed(cli: Cli) -> str:
    """An incident with its times known and a high-risk assessment (WP250 example 6)."""
    iid = cli.json("open", "--title", "DB", "--aware-at", "2026-11-28 09:00", "--occurred-at", "2026-11-27 22:00",
                   "--detected-at", "2026-11-28 08:00")["id"]
    assert cli("assess", iid, "--answers", str(HIGH_RISK_ANSWERS)).exit_code == 0
    return iid


def run_breach(*args: str, env: dict | None = None, timeout: float = 60, input: str | None = None):
    """Run the installed entry point in a real subprocess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "breach", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, input=input)


#: Test modules about time and Slack: CI runs them a second time a year and more ahead of the
#: calendar (`faketime -f +400d`, see .ci/run), so a test that reads the wall clock fails in CI,
#: not on a later day.
_TIME_MODULES = {"test_clock", "test_time_parse", "test_cli_clocks", "test_status_view", "test_projection"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "time_or_slack: touches time or Slack; CI reruns it under faketime +400d")


#: Not rerun under faketime: the Socket Mode listener's own waits (slack_sdk's socket-mode client and
#: its websocket) stall under libfaketime's faked clocks, whatever the date; its texts carry no date
#: of their own (the status words come from BREACH_NOW, which the stand-ins share).
_NOT_UNDER_FAKETIME = {"test_slack_listen"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__ if item.module else ""
        if module in _NOT_UNDER_FAKETIME:
            continue
        uses_slack = bool({"slack_stub", "stub"} & set(getattr(item, "fixturenames", ())))
        if uses_slack or module in _TIME_MODULES or "slack" in module:
            item.add_marker(pytest.mark.time_or_slack)
