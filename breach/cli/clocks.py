"""Regulatory clock commands: status, scope, mark, notified, calendar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import (
    ByOption,
    HomeOption,
    JsonOption,
    command,
    emit_json,
    emit_json_text,
    is_tty,
    now,
    report_problems,
    session,
)

cli = typer.Typer()


@command(cli)
def status(
    incident_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="One incident (default: all open).")] = None,
    pending: Annotated[bool, typer.Option("--pending", help="Hide obligations met or not applicable.")] = False,
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """Every obligation of every open incident, by due time: who, by when, time left, state.

    Example: breach status --pending
    """
    from breach.core import time as clock
    from breach.services.status import status_json, status_rows

    with session(home, write=False) as s:
        current = now()
        if json_:
            emit_json_text(status_json(s, incident_id, now=current, pending_only=pending))
            return
        rows = status_rows(s, incident_id, now=current, pending_only=pending)
        zone = s.zone if rows else "UTC"
    if not rows:
        typer.echo("Nothing due.")
        return
    from datetime import datetime, timedelta

    colour = is_tty()
    for r in rows:
        due = datetime.fromisoformat(r["due_at"]) if r["due_at"] else None
        if due is None:
            when = "without undue delay (no fixed period)"
        else:
            when = f"{clock.show(due, zone)} ({r['due_at_utc'][:16].replace('T', ' ')} UTC)"
        left = ""
        if r["remaining_seconds"] is not None and r["state"] == "pending":
            left = clock.humanize(timedelta(seconds=r["remaining_seconds"]))
        label = "OVERDUE" if r["overdue"] else r["state"]
        if r["state"] == "not_applicable":
            label = f"not applicable: {r['reason']}"
        elif r["state"] == "late" and r.get("reason"):
            label = f"late: {r['reason']}"
        line = (f"{r['incident']}  {r['obligation']:<26} {label:<10} {when}  {left}\n"
                f"    -> {r['recipient']}  [{r['source']}]")
        if colour:
            fg = {"OVERDUE": "red", "pending": "yellow", "met": "green"}.get(label.split(":")[0], None)
            line = typer.style(line, fg=fg, bold=label == "OVERDUE")
        typer.echo(line)


@command(cli)
def scope(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    jurisdiction: Annotated[list[str], typer.Option(
        "--jurisdiction", "-j", help="CODE=COUNT of people affected, e.g. BE=1200, US-CA=800 (repeat).")],
    home: HomeOption = None,
    by: ByOption = None,
    json_: JsonOption = False,
) -> None:
    """Record how many people are affected in each jurisdiction (decides which laws apply).

    Example: breach scope BR-2026-0001 --jurisdiction BE=1200 --jurisdiction US-CA=800
    """
    from breach.services.obligations import set_scope

    with session(home, by=by) as s:
        result = set_scope(s, incident_id, jurisdiction, now=now())
    if json_:
        emit_json(result)
    else:
        typer.echo("Scope recorded: " + ", ".join(f"{k}={v}" for k, v in result.items()))


@command(cli)
def mark(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    event: Annotated[str, typer.Argument(help="determined, determined_material, classified_major, discovered, "
                                         "detected, confirmed, payment_made, or aware (a correction).")],
    at: Annotated[str | None, typer.Option("--at", help="When it happened (default now).")] = None,
    home: HomeOption = None,
    by: ByOption = None,
    json_: JsonOption = False,
) -> None:
    """Record a clock start event, e.g. the SEC materiality determination or DORA classification.

    Example: breach mark BR-2026-0001 classified_major --at "2026-11-28 16:00"
    """
    from breach.services.obligations import mark as mark_event

    with session(home, by=by) as s:
        result = mark_event(s, incident_id, event, at=at, now=now())
    if json_:
        emit_json(result)
    else:
        typer.echo(f"{result['incident']}: {result['event']} at {result['at']} recorded.")


@command(cli)
def notified(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    obligation: Annotated[str, typer.Argument(help="Obligation id, e.g. gdpr-art33-sa (see breach status).")],
    at: Annotated[str | None, typer.Option("--at", help="When the notice was made (default now).")] = None,
    reference: Annotated[str | None, typer.Option("--reference", help="The authority's case reference.")] = None,
    reasons_for_delay: Annotated[str | None, typer.Option(
        "--reasons-for-delay", help="After the deadline, for a notice made outside the tool (GDPR Art. 33(1)); "
        "an approved notice carries its own.")] = None,
    phase: Annotated[str | None, typer.Option(
        "--phase", help="initial, complete or supplementary (Art. 33(4)); default: the approved notice's.")] = None,
    without_approval: Annotated[bool, typer.Option(
        "--without-approval", help="Emergency: record a notice legal did not approve (flagged).")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why, with --without-approval.")] = None,
    home: HomeOption = None,
    by: ByOption = None,
    json_: JsonOption = False,
) -> None:
    """Record that a notification was made (refused after the deadline without reasons).

    The phase and the reasons for a delay come from the approved notice; an initial
    notice opens the Art. 33(4) follow-up (gdpr-art33-followup).

    Example: breach notified BR-2026-0001 gdpr-art33-sa --at "2026-11-29 10:00" --reference DBN-123
    """
    from breach.services.notifications import record_notification

    with session(home, by=by) as s:
        result = record_notification(s, incident_id, obligation, at=at, now=now(), reference=reference,
                                     reasons_for_delay=reasons_for_delay, phase=phase,
                                     without_approval=without_approval, reason=reason)
    if json_:
        emit_json(result)
    else:
        state = "LATE (reasons recorded)" if result["late"] else "in time"
        typer.echo(f"{result['incident']}: {obligation} notified at {result['at']}, {state}; "
                   f"{result['phase']} notice.")


@command(cli)
def calendar(
    out: Annotated[Path, typer.Option("--out", help="The .ics file to write.")],
    incident_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="One incident (default: all open).")] = None,
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """Write the deadlines as iCalendar events with alarms, for responders' calendars.

    Example: breach calendar --out deadlines.ics
    """
    from breach.services.status import calendar as write_calendar

    with session(home, write=False) as s:
        count = write_calendar(s, incident_id, now=now(), out=out)
    if json_:
        emit_json({"path": str(out), "events": count})
    else:
        typer.echo(f"Wrote {count} deadlines to {out}.")


regimes_app = typer.Typer(help="List and validate the regimes (YAML rules behind the clocks).", no_args_is_help=True)
cli.add_typer(regimes_app, name="regimes")


@command(regimes_app, name="list")
def regimes_list(json_: JsonOption = False) -> None:
    """List every rule: id, recipient, period, start event, legal source and its status.

    Example: breach regimes list --json
    """
    from breach.core.regimes import load_rules

    rules = load_rules()
    rows = [{"id": r.id, "regime": r.regime, "recipient": r.recipient, "start": r.start,
             "period": None if r.period_unit == "none" else f"{r.period_amount} {r.period_unit}",
             "binding": r.binding, "source": r.source, "status": r.status} for r in rules]
    if json_:
        emit_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['id']:<26} {r['period'] or 'without undue delay':<20} from {r['start']:<28} "
                   f"[{r['status']}] {r['source']}")


@command(regimes_app, name="validate")
def regimes_validate(
    path: Annotated[Path, typer.Argument(help="A regime YAML file or a folder of them.")],
    json_: JsonOption = False,
) -> None:
    """Check regime files; prints every problem with its file and line and exits 1 if any.

    Example: breach regimes validate breach/resources/regimes/
    """
    from breach.core.regimes import validate_file, validate_folder

    problems = validate_folder(path) if Path(path).is_dir() else validate_file(path)
    report_problems(problems, path, json_=json_)
