"""`breach playbook` commands, as a responder or an author runs them."""

from __future__ import annotations

import re

from conftest import REPO
from typer.testing import CliRunner

from breach.cli import app

BAD = REPO / "tests" / "data" / "playbooks"


def test_validate_reports_three_errors_with_their_lines() -> None:
    result = CliRunner().invoke(app, ["playbook", "validate", str(BAD / "three_problems.yaml")])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3
    assert all(re.match(r"Error: .*three_problems\.yaml:\d+: ", line) for line in lines)
    assert "duplicate key" in result.stderr and "unknown step type" in result.stderr
    assert "unknown step" in result.stderr


def test_validate_rejects_calls_and_attributes_without_running_them() -> None:
    for name, words in (("function_call.yaml", "call"), ("attribute_access.yaml", "attribute")):
        result = CliRunner().invoke(app, ["playbook", "validate", str(BAD / name)])
        assert result.exit_code == 1 and words in result.stderr


def test_shipped_playbook_validates_lists_and_shows() -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["playbook", "validate", str(REPO / "playbooks" / "gdpr.yaml")]).exit_code == 0
    listed = runner.invoke(app, ["playbook", "list", "--json"])
    assert listed.exit_code == 0 and '"gdpr"' in listed.stdout
    shown = runner.invoke(app, ["playbook", "show", "gdpr"])
    assert shown.exit_code == 0 and "subjects_count" in shown.stdout
    missing = runner.invoke(app, ["playbook", "show", "nope"])
    assert missing.exit_code == 1 and "Traceback" not in missing.output
