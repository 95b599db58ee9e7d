"""One error path: click's usage errors too are `Error: ...` on stderr, exit 1, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_breach
from typer.testing import CliRunner

from breach.cli import app


@pytest.mark.parametrize(("argv", "message"), [
    (["open", "--bogus"], "No such option: --bogus"),
    (["show"], "Missing argument 'ID'"),
    (["opn"], "No such command 'opn'"),
    (["slack", "flush", "--nope"], "No such option: --nope"),
    (["register", "--format"], "Option '--format' requires an argument"),
    (["open", "--role"], "requires an argument"),
])
def test_usage_errors_take_the_one_error_path(argv: list[str], message: str) -> None:
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert "Usage:" not in result.output and "Traceback" not in result.output
    assert "--help" in result.stderr  # says where to look


def test_usage_error_in_a_real_process() -> None:
    result = run_breach("open", "--bogus")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: No such option: --bogus") and "Traceback" not in result.stderr


@pytest.mark.parametrize("argv", [[], ["slack"], ["review"]])
def test_a_bare_group_prints_its_help_and_exits_0(argv: list[str]) -> None:
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout and "Commands" in result.stdout


def test_help_and_version_still_exit_0() -> None:
    assert CliRunner().invoke(app, ["open", "--help"]).exit_code == 0
    assert CliRunner().invoke(app, ["--version"]).exit_code == 0


@pytest.mark.parametrize("target", ["/", ".", "{tmp}"])
def test_register_out_a_folder_is_refused(cli, tmp_path: Path, target: str) -> None:
    result = cli("register", "--out", target.format(tmp=tmp_path))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: --out") and "is a folder" in result.stderr
    assert "Traceback" not in result.output


def test_export_out_a_folder_is_refused(cli, tmp_path: Path) -> None:
    iid = cli.open("Export")
    result = cli("export", iid, "--out", str(tmp_path))
    assert result.exit_code == 1 and "is a folder" in result.stderr


def test_a_database_driver_error_takes_the_one_error_path(tmp_path) -> None:
    import sqlite3

    from conftest import run_breach

    home = tmp_path / "incidents"
    assert run_breach("init", "--home", str(home)).returncode == 0
    with sqlite3.connect(home / "breach.db") as conn:
        conn.execute("ALTER TABLE projected_obligations DROP COLUMN is_open")  # a schema from elsewhere
    result = run_breach("status", "--json", "--home", str(home))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: the incident log could not be used")
    assert "breach db upgrade" in result.stderr
