"""The `breach` command line: a thin layer over breach.flows."""

from __future__ import annotations

import importlib

from .app import app

# Importing a module registers its commands; this order is the order of `breach --help`.
for _module in ("incidents", "assess", "clocks", "notices", "letters", "slack", "register"):
    importlib.import_module(f"{__name__}.{_module}")


def main() -> None:
    app()


__all__ = ["app", "main"]
