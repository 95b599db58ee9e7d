"""`breach --version` and shell completion, through a real process."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import run_breach

import breach


def test_version_prints_the_version() -> None:
    result = run_breach("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"breach {breach.__version__}"


def test_completion_scripts_and_live_completions() -> None:
    for shell in ("bash", "zsh", "fish"):
        result = run_breach("completion", shell)
        assert result.returncode == 0 and "_BREACH_COMPLETE" in result.stdout, shell
    env = {**os.environ, "_BREACH_COMPLETE": "complete_bash", "COMP_WORDS": "breach sta", "COMP_CWORD": "1"}
    done = subprocess.run([sys.executable, "-m", "breach"], capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.split() == ["status"]
    env.update(COMP_WORDS="breach review ap", COMP_CWORD="2")
    done = subprocess.run([sys.executable, "-m", "breach"], capture_output=True, text=True, env=env, timeout=60)
    assert done.stdout.split() == ["approve"]


def test_an_unknown_shell_is_an_error() -> None:
    result = run_breach("completion", "tcsh")
    assert result.returncode == 1 and "Error: shell must be bash, zsh or fish" in result.stderr
