"""Issue 23, input and files: paths derived not trusted, --out onto special files, limits, one Error line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import Cli


def one_error_line(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


# --- paths are derived, never trusted --------------------------------------------------------


@pytest.mark.parametrize("stored", ["{tmp}/x.sh", "../../x.sh"])
def test_a_stored_draft_path_never_decides_where_verify_writes(cli: Cli, home: Path, assessed: str,
                                                                tmp_path: Path, stored: str) -> None:
    drafted = cli.json("draft", assessed, "subject-letter")
    real = Path(drafted["path"])
    target = stored.format(tmp=tmp_path)
    conn = sqlite3.connect(home / "breach.db")
    with conn:
        conn.execute("UPDATE drafts SET path = ?", [target])
    conn.close()
    real.unlink()
    result = cli("verify", assessed)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "x.sh").exists() and not (home / target).resolve().exists()
    assert real.is_file() and "rendered again" in result.stdout  # where the draft lives, derived


def test_a_draft_row_with_a_language_edited_to_a_path_is_refused(cli: Cli, home: Path, assessed: str,
                                                                  tmp_path: Path) -> None:
    cli.json("draft", assessed, "subject-letter")
    conn = sqlite3.connect(home / "breach.db")
    with conn:
        conn.execute("UPDATE drafts SET lang = '../../../x'")
    conn.close()
    result = cli("verify", assessed)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert not list(tmp_path.rglob("x.*.md"))
