"""Register, export and drill commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from breach.errors import InputError

from .app import HomeOption, JsonOption, command, emit_json, now, session

cli = typer.Typer()


def _out_file(out: Path, *, example: str) -> Path:
    """--out names a file: a folder (`/`, `.`, an existing directory) is refused before any work."""
    if not out.name or out.name in {".", ".."} or out.is_dir():
        raise InputError(f"--out {out} is a folder; give a file name, e.g. --out {example}")
    return out


@command(cli)
def register(
    fmt: Annotated[str, typer.Option("--format", help="csv, json or md.")] = "md",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file (default: stdout).")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only incidents aware on or after this date.")] = None,
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """The GDPR Art. 33(5) register: one row per incident, notified or not, with every obligation.

    Example: breach register --format csv --out register.csv
    """
    from breach.core import time as clock
    from breach.services.register import format_register, register_rows

    if out is not None:
        _out_file(out, example=f"register.{fmt}")
    with session(home, write=False) as s:
        current = now()
        since_at = clock.parse_when(since, default_zone=s.org_zone) if since else None
        rows = register_rows(s, now=current, since=since_at)
    text = format_register(rows, "json" if json_ else fmt)
    if out:
        from breach.adapters.files import write_private

        write_private(out, text)
        from .words import plural

        typer.echo(f"Wrote {plural(len(rows), 'incident')} to {out}.", err=True)
    elif json_ or fmt == "json":
        typer.echo(text)
    else:
        from .app import say

        say(text)  # no terminal escapes from a title, md or csv


@command(cli)
def export(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    out: Annotated[Path, typer.Option("--out", help="The .zip file to write.")],
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """Export one incident as a zip a third party can verify (sha256sum -c MANIFEST.sha256).

    Example: breach export BR-2026-0001 --out BR-2026-0001.zip
    """
    from breach.services.register import export_incident

    _out_file(out, example=f"{incident_id}.zip")
    with session(home, write=False) as s:
        result = export_incident(s, incident_id, out=out, now=now())
    if json_:
        emit_json(result)
    else:
        from .words import plural

        typer.echo(f"Wrote {result['path']} ({plural(result['files'], 'file')}, {plural(result['events'], 'event')}).")


@command(cli)
def drill(
    scenario: Annotated[Path | None, typer.Argument(
        help="Scenario YAML (default: playbooks/drills/user-database-stolen.yaml).")] = None,
    speed: Annotated[float, typer.Option(
        "--speed", help="Simulated seconds per real second (default 5400: 72 h in 48 s; 0: no waiting).")
    ] = 5400.0,
    home: Annotated[Path | None, typer.Option(
        "--home", help="Data folder for the drill (default: a new temporary folder).")] = None,
    json_: JsonOption = False,
) -> None:
    """Run a whole incident on the sample organization on a fast simulated clock.

    Opens it, answers the playbook from the scenario, shows the clocks, drafts and
    approves the notices, records them as sent, posts to Slack if configured, and
    prints the register row.

    Example: breach drill playbooks/drills/ransomware-with-backups.yaml --speed 0
    """
    import tempfile

    from breach.services.drill import DEFAULT_SCENARIO, run_drill

    path = scenario or DEFAULT_SCENARIO
    say = wrapped((lambda line: typer.echo(line, err=True)) if json_ else typer.echo)
    if home is None:
        with tempfile.TemporaryDirectory(prefix="breach-drill-") as tmp:
            result = run_drill(path, home=Path(tmp) / "incidents", speed=speed, say=say)
    else:
        result = run_drill(path, home=home, speed=speed, say=say)
    if json_:
        emit_json(result)


def wrapped(echo):  # noqa: ANN001, ANN201
    """Print each drill line wrapped at the terminal's width, continuation lines indented under it."""
    import shutil
    import textwrap

    width = max(shutil.get_terminal_size((100, 24)).columns, 40)

    def say(text: str) -> None:
        for line in str(text).splitlines() or [""]:
            if len(line) <= width:
                echo(line)
                continue
            indent = " " * (len(line) - len(line.lstrip()) + 4)
            for part in textwrap.wrap(line, width=width, subsequent_indent=indent, break_long_words=True,
                                      break_on_hyphens=False):
                echo(part)

    return say
