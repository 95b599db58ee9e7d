"""The README's "A first incident, by hand" runs as written, in a folder laid out like a fresh clone."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO


def by_hand_block() -> str:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## A first incident, by hand", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def test_the_by_hand_section_runs_as_written(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    shutil.copytree(REPO / "docs" / "examples", clone / "docs" / "examples")
    venv_bin = Path(sys.executable).parent
    (clone / ".venv" / "bin").mkdir(parents=True)
    (clone / ".venv" / "bin" / "activate").write_text(f'export PATH="{venv_bin}:$PATH"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("BREACH_")}  # the wall clock, no data folder
    env.update(USER="reader", PATH="/usr/bin:/bin")
    script = by_hand_block()
    assert "source .venv/bin/activate" in script and not re.search(r"BR-\d{4}-\d{4}", script)
    assert not re.search(r"20\d\d-\d\d-\d\d", script)  # no fixed dates that expire
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=clone, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "approved by Legal" in done.stdout and "gdpr-art33-sa notified at" in done.stdout
    assert (clone / "register.csv").read_text().count("\n") >= 2
    assert "Traceback" not in done.stderr
