"""Every command has help text and is in the README's command list."""

from __future__ import annotations

import re

import typer.main
from conftest import REPO

from breach.cli import app


def all_commands() -> list[tuple[str, object]]:
    root = typer.main.get_command(app)
    found = []

    def walk(group, prefix: str) -> None:
        ctx = click_context(group)
        for name in group.list_commands(ctx):
            cmd = group.get_command(ctx, name)
            path = f"{prefix} {name}".strip()
            found.append((path, cmd))
            if hasattr(cmd, "commands"):
                walk(cmd, path)

    walk(root, "")
    return found


def click_context(group):
    return group.make_context(group.name or "breach", ["--help"], resilient_parsing=True)


def test_there_are_commands() -> None:
    names = [name for name, _ in all_commands()]
    assert {"init", "open", "list", "show", "log", "timeline", "close", "verify"} <= set(names)


def test_every_command_has_help_text() -> None:
    missing = [name for name, cmd in all_commands() if not (cmd.help or "").strip()]
    assert missing == []


def test_every_command_is_in_the_readme_command_list() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Commands", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`breach ([a-z][a-z -]*?)(?: [A-Z\[<-].*?)?`", section))
    # groups (playbook, review, slack) are listed through their subcommands
    missing = [name for name, cmd in all_commands() if name not in listed and not hasattr(cmd, "commands")]
    assert missing == [], f"add these to the README's ## Commands: {missing}"


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```(?:sh|bash)?\n(.*?)```", readme, re.S)
    assert len(blocks) >= 2
    main_job, tests = blocks[0].strip(), blocks[1].strip()
    assert "breach" in main_job and "pip install" in main_job
    assert "pytest" in tests
    ci = (REPO / ".ci" / "run").read_text()
    assert tests in ci


def test_the_lazy_help_table_says_what_the_commands_say() -> None:
    """`breach --help` reads COMMANDS without importing the modules: it must not drift from them."""
    from breach.cli.app import COMMANDS

    root = typer.main.get_command(app)
    ctx = click_context(root)
    for name, (module, short) in COMMANDS.items():
        cmd = root.get_command(ctx, name)
        assert cmd is not None, name
        actual = cmd.short_help or (cmd.help or "").strip().splitlines()[0]
        assert actual == short, f"{name}: COMMANDS says {short!r}, the command says {actual!r}"
        assert cmd.callback is None or cmd.callback.__module__ in {f"breach.cli.{module}", "breach.cli.app"}
