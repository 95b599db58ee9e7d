"""The `breach` command line: a thin layer over breach.flows."""

from __future__ import annotations

from . import assess, clocks, incidents, notices, register  # noqa: F401  (registers commands)
from .app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
