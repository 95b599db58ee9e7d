"""The `breach` command line: thin commands over breach.services, loaded lazily (see app.COMMANDS)."""

from __future__ import annotations

from breach.cli.app import app


def main() -> None:
    import gc
    import os

    if "_BREACH_COMPLETE" in os.environ:  # the shell asks for completions (see `breach completion`)
        from typer.completion import completion_init

        completion_init()
    # What start-up built (typer, the command) lives until exit: leave it out of every cycle collection,
    # and freeze again on the way out so exiting skips a last collection over everything (~10 ms).
    gc.freeze()
    try:
        app(prog_name="breach")
    finally:
        gc.freeze()


__all__ = ["app", "main"]
