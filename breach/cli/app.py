"""The root typer app, shared options, and the one place errors become `Error: ...`."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from ..errors import BreachError

app = typer.Typer(
    name="breach",
    help="Personal data breach response: incident log, risk assessment, regulatory clocks, "
    "notices for legal review, and Slack updates.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="Data folder (default: $BREACH_HOME, else ./incidents).",
                 show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
ByOption = Annotated[str | None, typer.Option("--by", help="Who acts (default: $USER).")]

F = TypeVar("F", bound=Callable[..., Any])


def command(group: typer.Typer = app, name: str | None = None) -> Callable[[F], F]:
    """Register a command whose BreachErrors print `Error: ...` to stderr and exit 1."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except BreachError as exc:
                fail(str(exc))
            except KeyboardInterrupt:
                typer.echo("\nInterrupted: everything answered so far is saved.", err=True)
                raise typer.Exit(130) from None

        # The first line of the docstring is the one-line help in `breach --help` (click would
        # cut it at the first period, as in "Art." or "e.g.").
        short = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else None
        group.command(name=name, short_help=short)(wrapper)
        return fn

    return decorate


def fail(message: str, code: int = 1) -> None:
    lines = message.splitlines() or [""]
    typer.echo(f"Error: {lines[0]}", err=True)
    for line in lines[1:]:
        typer.echo(f"  {line}", err=True)
    raise typer.Exit(code)


def report_problems(problems: list, label: object, *, json_: bool) -> None:
    """Print validation problems (file:line: message) for people or scripts; exit 1 if any."""
    if json_:
        emit_json([{"path": p.path, "line": p.line, "message": p.message} for p in problems])
    elif not problems:
        typer.echo(f"{label}: ok")
    for p in problems:
        typer.echo(f"Error: {p}", err=True)
    if problems:
        raise typer.Exit(1)


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@contextmanager
def session(home: Path | None, *, write: bool = True, by: str | None = None) -> Iterator[Any]:
    from ..flows import open_session

    s = open_session(home, write=write, author=by)
    try:
        yield s
        if write:
            # After the command's transactions committed: send what they queued for Slack.
            from ..notify import flush_after_command

            for line in flush_after_command(s):
                typer.echo(line, err=True)
    finally:
        s.close()


def now():
    from .. import clock

    return clock.now()


def is_tty() -> bool:
    return sys.stdout.isatty()
