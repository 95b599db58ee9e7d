"""The Python API: docs/api.md's first example runs as written; sessions flush Slack like the CLI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, T0, Cli

import breach

DOC = REPO / "docs" / "api.md"


def first_python_block() -> str:
    return re.search(r"```python\n(.*?)```", DOC.read_text(), re.S).group(1)


def test_the_docs_first_example_runs_as_written_and_breach_list_shows_its_incident(tmp_path: Path) -> None:
    home = tmp_path / "data"
    env = {"BREACH_HOME": str(home), "BREACH_NOW": T0, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    ran = subprocess.run([sys.executable, "-c", first_python_block()], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert re.search(r"^BR-2026-0001 (risk|high)$", ran.stdout, re.M), ran.stdout
    assert "gdpr-art33-sa pending" in ran.stdout
    listed = Cli(home).json("list")
    assert [(i["id"], i["title"]) for i in listed] == [("BR-2026-0001", "Laptop with HR files stolen")]


def test_import_breach_is_light() -> None:
    code = "import sys, breach; print(sorted(m for m in sys.modules if m.startswith('breach')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['breach']"


def test_every_exported_name_resolves() -> None:
    for name in breach.__all__:
        assert getattr(breach, name) is not None, name
    with pytest.raises(AttributeError):
        breach.not_a_function  # noqa: B018


def test_a_python_session_sends_its_slack_messages_when_it_closes(home: Path, slack_stub) -> None:
    now = breach.now()
    with breach.open_session(home, author="api") as s:
        incident = breach.open_incident(s, title="From Python", now=now)
        assert slack_stub.messages == []  # queued inside the transaction, not sent yet
    posted = [m for m in slack_stub.messages if incident.id in str(m)]
    assert posted, "the outbox was not flushed when the session closed"
    assert "From Python" not in str(slack_stub.messages)  # titles stay out of Slack unless --public


def test_a_python_session_that_fails_sends_nothing(home: Path, slack_stub) -> None:
    now = breach.now()
    with pytest.raises(RuntimeError), breach.open_session(home, author="api") as s:
        breach.open_incident(s, title="Then it failed", now=now)
        raise RuntimeError("caller's own error")
    assert slack_stub.messages == []
