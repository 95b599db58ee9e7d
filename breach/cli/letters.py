"""The mass-letter command (GDPR Art. 34)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .app import ByOption, HomeOption, JsonOption, command, emit_json, now, session

cli = typer.Typer()


@command(cli)
def letters(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    subjects: Annotated[Path, typer.Option("--subjects", help="CSV of the people affected (see docs/letters.md).")],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")],
    fmt: Annotated[str, typer.Option("--format", help="eml (one file each), mbox (one file) or md.")] = "eml",
    lang_column: Annotated[str, typer.Option("--lang-column", help="CSV column with the language.")] = "lang",
    default_lang: Annotated[str | None, typer.Option("--default-lang", help="Language for rows without one.")
                            ] = None,
    from_address: Annotated[str | None, typer.Option("--from", help="Sender (default: the privacy contact).")
                            ] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue after the last complete letter.")] = False,
    multiline: Annotated[bool, typer.Option(
        "--multiline-fields",
        help="The CSV has quoted fields that span lines (by default a quote left open at a line end rejects "
             "that row alone).")] = False,
    home: HomeOption = None,
    by: ByOption = None,
    json_: JsonOption = False,
) -> None:
    """Write one letter per person from the approved subject letter, filling only their name and data.

    Bad rows go to DIR/rejected.csv with the line number and reason. A summary (never a
    person) goes on the incident's timeline. Letters never go to Slack or to the logs.

    Example: breach letters BR-2026-0001 --subjects affected.csv --out letters/ --format eml
    """
    from breach.services.letters import count_rows, write_letters

    with session(home, by=by) as s:
        if sys.stderr.isatty():
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            total = count_rows(subjects)
            with Progress(TextColumn("letters"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                          TextColumn("{task.fields[rate]} rows/s"), TimeRemainingColumn(),
                          transient=True) as bar:
                task = bar.add_task("letters", total=total, rate="-")
                import time

                started = time.monotonic()

                def progress(done: int) -> None:
                    elapsed = max(time.monotonic() - started, 1e-6)
                    bar.update(task, completed=done, rate=f"{done / elapsed:,.0f}")

                result = write_letters(s, incident_id, subjects_csv=subjects, out_dir=out, fmt=fmt,
                                       lang_column=lang_column, default_lang=default_lang,
                                       from_address=from_address, resume=resume, now=now(), progress=progress,
                                       multiline=multiline)
        else:
            result = write_letters(s, incident_id, subjects_csv=subjects, out_dir=out, fmt=fmt,
                                   lang_column=lang_column, default_lang=default_lang, from_address=from_address,
                                   resume=resume, now=now(), multiline=multiline)
    if json_:
        emit_json(result)
        return
    by_lang = ", ".join(f"{k}={v}" for k, v in sorted(result["by_lang"].items()))
    # Nothing silently lost: every data row read is a letter or a rejection.
    from .words import plural

    typer.echo(f"{plural(result['rows'], 'row')} read: {plural(result['written'], 'letter')} written to {out} "
               f"({by_lang}); {plural(result['rejected'], 'row')} rejected"
               + (f" (see {out}/rejected.csv)" if result["rejected"] else "") + ".")
