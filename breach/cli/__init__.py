"""The `breach` command line: a thin layer over breach.flows."""

from __future__ import annotations

from . import assess, clocks, incidents, letters, notices, register, slack  # noqa: F401  (registers commands)
from .app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
