"""The root typer app, shared options, lazy command loading, and the one place errors become `Error: ...`.

Commands live in one module per group (incidents, assess, clocks, notices, letters,
slack, register). `breach --help` reads their one-line summaries from `COMMANDS`
below and imports nothing else; running a command imports only its own module.
tests/test_docs.py checks that `COMMANDS` says what the modules say.
"""

from __future__ import annotations

import functools
import importlib
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

from breach import __version__
from breach.errors import BreachError

if TYPE_CHECKING:
    from breach.adapters.config import Config

#: name -> (module under breach.cli, one-line help); this order is the order of `breach --help`.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("incidents", "Create the data folder, its database and organization.yaml."),
    "open": ("incidents", "Open an incident and start its clocks; prints the id (BR-<year>-<nnnn>)."),
    "list": ("incidents", "List open incidents (with --all, closed ones too)."),
    "show": ("incidents", "Show everything known about one incident."),
    "edit": ("incidents",
             "Correct the incident's title, times or awareness note (a new event; the first values are kept)."),
    "log": ("incidents", "Append an event to the incident's timeline (append-only; corrections are new events)."),
    "timeline": ("incidents", "Print the incident's timeline, oldest first, with hashes in --json."),
    "close": ("incidents", "Close an incident with a summary; it stays in the GDPR Art. 33(5) register."),
    "verify": ("incidents",
               "Check that no event, incident or draft was edited, deleted or reordered; exit 1 if any was."),
    "assess": ("assess", "Assess the risk to the people affected, one question at a time (resumable)."),
    "confirm-override": ("overrides", "Confirm a lowering risk override as a second person; only then does it "
                                      "change the clocks."),
    "tasks": ("assess", "List the incident's tasks from its playbook (preserve logs, reset passwords, ...)."),
    "task": ("assess", "Mark a task done or skipped (skipping needs a --note)."),
    "playbook": ("assess", "List, show and validate playbooks (YAML)."),
    "status": ("clocks", "Every obligation of every open incident, by due time: who, by when, time left, state."),
    "scope": ("clocks", "Record how many people are affected in each jurisdiction (decides which laws apply)."),
    "customers": ("customers", "A processor's customers: validate the list, notify them (GDPR Art. 33(2) and each "
                               "contract's window)."),
    "decide": ("decide", "Record legal's decision about an advisory: notify that authority too, or not and why."),
    "mark": ("clocks", "Record a clock start event, e.g. the SEC materiality determination or DORA classification."),
    "notified": ("clocks", "Record that a notification was made (refused after the deadline without reasons)."),
    "retract": ("clocks",
                "Undo the latest notice recorded by mistake; the register keeps both, and says what the obligation "
                "is now."),
    "calendar": ("clocks", "Write the deadlines as iCalendar events with alarms, for responders' calendars."),
    "regimes": ("clocks", "List and validate the regimes (YAML rules behind the clocks)."),
    "draft": ("notices", "Render a new version of a notice for legal review (a DRAFT until legal approves it)."),
    "review": ("notices", "Legal review: list drafts, diff versions, approve or request changes."),
    "letters": ("letters",
                "Write one letter per person from the approved subject letter, filling only their name and data."),
    "slack": ("slack", "Slack: post a status, retry queued messages (flush), show what waits, send due reminders."),
    "register": ("register",
                 "The GDPR Art. 33(5) register: one row per incident, notified or not, with every obligation."),
    "export": ("register", "Export one incident as a zip a third party can verify (sha256sum -c MANIFEST.sha256)."),
    "completion": ("incidents", "Print the shell completion script; add it to your shell's start-up file."),
    "drill": ("register", "Run a whole incident on the sample organization on a fast simulated clock."),
    "report": ("report", "Write one incident as a self-contained HTML report: deadline chart, risk, obligations, "
                         "drafts, timeline."),
    "db": ("db", "The log's database: upgrade the schema, copy a SQLite log into PostgreSQL."),
    "org": ("db", "Share the organization profile with the team (push, show)."),
    "serve": ("report", "Serve a local review site for legal: incidents, live reports, drafts to read, diff and "
                        "approve."),
}


class LazyGroup(TyperGroup):
    """A root group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """Import the command's module and build only that command (typer introspects each signature)."""
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"breach.cli.{COMMANDS[cmd_name][0]}")
        for info in module.cli.registered_commands:
            name = info.name or typer.main.get_command_name(info.callback.__name__)
            if name == cmd_name:
                return typer.main.get_command_from_info(
                    info, pretty_exceptions_short=False, rich_markup_mode=None)
        for info in module.cli.registered_groups:
            if info.name == cmd_name:
                return typer.main.get_group_from_info(
                    info, pretty_exceptions_short=False, suggest_commands=True, rich_markup_mode=None)
        return None

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, windows_expand_args: bool = True, **extra: Any) -> Any:
        """Usage errors (unknown option, missing argument) take the one error path: `Error: ...` on
        stderr, exit 1, as every other input error; a bare group prints its help and exits 0."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False,
                                windows_expand_args=windows_expand_args, **extra)
        # Typer vendors click; its exception classes are not re-exported.
        from typer._click.exceptions import ClickException, NoArgsIsHelpError

        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False,
                                windows_expand_args=windows_expand_args, **extra)
        except NoArgsIsHelpError as exc:
            typer.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
            sys.exit(0)
        except ClickException as exc:
            ctx = getattr(exc, "ctx", None)
            hint = f" (see `{ctx.command_path if ctx is not None else 'breach'} --help`)"
            typer.echo(f"Error: {exc.format_message().rstrip('.')}{hint}", err=True)
            sys.exit(1)
        except typer.Abort:
            typer.echo("Error: aborted; nothing more was recorded", err=True)
            sys.exit(1)
        except Exception as exc:
            # The database driver's own errors (a damaged file, a schema from another release, a dropped
            # connection) get the one error path too; anything else is a bug and keeps its traceback.
            if type(exc).__module__.split(".")[0] not in {"sqlite3", "psycopg"}:
                raise
            typer.echo(f"Error: the incident log could not be used: {exc}. Run `breach db upgrade`; if that does "
                       "not help, `breach verify` says what is wrong", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) and not isinstance(code, bool) else 0)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = [(name, short) for name, (_, short) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    name="breach",
    cls=LazyGroup,
    help="Personal data breach response: incident log, risk assessment, regulatory clocks, "
    "notices for legal review, and Slack updates.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"breach {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", callback=_version,
                                          is_eager=True)] = False,
    database_url: Annotated[str | None, typer.Option(
        "--database-url", metavar="URL", show_default=False,
        help="A team's PostgreSQL (postgresql://USER:PASSWORD@HOST/DB) instead of the data folder's breach.db "
             "(default: $BREACH_DATABASE_URL; docs/team.md).")] = None,
) -> None:
    """Personal data breach response: incident log, risk assessment, regulatory clocks, notices
    for legal review, and Slack updates."""
    # The configuration is resolved here, once, and handed down (psycopg is not imported here:
    # --help stays fast; the store connects when the command opens the log).
    from breach.adapters.config import Config

    _ENTRY["config"] = Config.from_env(database_url=database_url)


#: The configuration the root callback resolved for the running command.
_ENTRY: dict[str, Config] = {}


def config() -> Config:
    """The command's configuration (resolved by the root callback; from the environment when called directly)."""
    from breach.adapters.config import Config

    return _ENTRY.get("config") or Config.from_env()


HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="Data folder (default: $BREACH_HOME, else ./incidents).",
                 show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
ByOption = Annotated[str | None, typer.Option(
    "--as", "--by", help="Who acts, recorded on every event (default: $BREACH_USER, else your login name).",
    show_default=False)]

F = TypeVar("F", bound=Callable[..., Any])


def command(group: typer.Typer, name: str | None = None) -> Callable[[F], F]:
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


def say(text: Any, *, err: bool = False) -> None:
    """Print text for people: the one sanitizer (`textsafe.for_terminal`) removes escape sequences
    and shows control characters and NUL as `\\xNN`, whatever the user or a file put in it."""
    from breach.core.textsafe import for_terminal

    typer.echo(for_terminal(text), err=err)


def fail(message: str, code: int = 1) -> None:
    from breach.core.textsafe import for_terminal

    lines = for_terminal(message).splitlines() or [""]
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
        say(f"Error: {p}", err=True)
    if problems:
        raise typer.Exit(1)


def emit_json(data: Any) -> None:
    """Indented on a terminal; one compact line in a pipe (json's C encoder: 5x faster on a big status)."""
    if is_tty():
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    else:
        typer.echo(json.dumps(data, ensure_ascii=False, default=str, separators=(",", ":")))


def emit_json_text(text: str) -> None:
    """JSON already encoded (breach.services.status reads it from the projections)."""
    if is_tty():
        emit_json(json.loads(text))
    else:
        typer.echo(text)


@contextmanager
def session(home: Path | None, *, write: bool = True, by: str | None = None) -> Iterator[Any]:
    """A Session for one command. Read commands open the store alone (fast); write commands go
    through breach.api, whose projections and Slack outbox run once the command's work committed."""
    if write:
        from breach.api import open_session as open_for_writing

        s = open_for_writing(home, write=write, author=by, config=config())
    else:
        from breach.services.session import open_session

        s = open_session(home, write=write, author=by, config=config())
    try:
        yield s
        for line in s.finish():
            typer.echo(line, err=True)
    finally:
        s.close()


def now():
    """The command's now: BREACH_NOW when set, else the wall clock."""
    return config().now()


def is_tty() -> bool:
    return sys.stdout.isatty()
