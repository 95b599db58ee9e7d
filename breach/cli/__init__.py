"""The `breach` command line: thin commands over breach.services, loaded lazily (see app.COMMANDS)."""

from __future__ import annotations

from breach.cli.app import app


def main() -> None:
    import os

    if "_BREACH_COMPLETE" in os.environ:  # the shell asks for completions (see `breach completion`)
        from typer.completion import completion_init

        completion_init()
    app(prog_name="breach")


__all__ = ["app", "main"]
