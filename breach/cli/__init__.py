"""The `breach` command line: thin commands over breach.services, loaded lazily (see app.COMMANDS)."""

from __future__ import annotations

from breach.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
