"""Regulatory clock commands: status, scope, mark, notified, calendar."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

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
    all_: Annotated[bool, typer.Option("--all", help="Also list what is met or not applicable.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Say for each obligation why, since when, and "
                                          "the law behind it.")] = False,
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """Every obligation of every open incident, by due time: who, by when, time left, state.

    The first line names the next deadline. Duties "without undue delay" are due now and lead.

    Example: breach status --explain
    """
    import shutil

    from breach.services.status import status_json, status_rows, to_confirm

    with session(home, write=False) as s:
        current = now()
        if json_:
            emit_json_text(status_json(s, incident_id, now=current, pending_only=pending))
            return
        rows = status_rows(s, incident_id, now=current, pending_only=pending)
        zone = s.zone if rows else "UTC"
        confirm = to_confirm(s, [r["incident"] for r in rows])
    if not rows:
        typer.echo("Nothing due: no open incident has an obligation.")
        return
    from .status_view import render_status  # the table only: --json returns before it

    width = shutil.get_terminal_size((100, 24)).columns
    lines = render_status(rows, zone=zone, width=width, show_all=all_ and not pending, explain=explain,
                          single=incident_id is not None)
    at = len(lines) - 1 if lines[-1].startswith("+ ") else len(lines)  # after the table, before the summary
    lines[at:at] = _to_confirm_lines(confirm, width)
    from breach.services.customers import status_lines

    # the first day of a processor: the customers' windows lead
    lines = status_lines(rows, now=current) + lines
    colour = is_tty()
    for n, line in enumerate(lines):
        if colour and ("OVERDUE" in line or "DUE NOW" in line or n == 0):
            line = typer.style(line, fg="red" if "OVERDUE" in line else None, bold=True)
        typer.echo(line)


def _to_confirm_lines(confirm: dict[str, list[str]], width: int) -> list[str]:
    """A line per incident decided on a cautious reading, until answered (GDPR Art. 33(4): to follow)."""
    import textwrap

    out = []
    for iid, questions in confirm.items():
        text = (f"To confirm for {iid}: {', '.join(q.replace('_', ' ') for q in questions)} "
                f"(cautious reading taken; breach assess {iid} --answers FILE)")
        out += textwrap.wrap(text, max(width, 60), subsequent_indent="    ", break_on_hyphens=False)
    return out


@command(cli)
def scope(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    jurisdiction: Annotated[list[str] | None, typer.Option(
        "--jurisdiction", "-j", help="CODE=COUNT of people affected, e.g. BE=1200, US-CA=800, CA-ON=10, AU=10 "
        "(repeat). Adds or updates these; the others are kept.")] = None,
    notify_authority: Annotated[list[str] | None, typer.Option(
        "--notify-authority", help="Legal decided to notify this member state's authority too (e.g. NL): the "
        "advisory becomes the clocked obligation gdpr-art33-sa:NL (repeat; as breach decide --notify).")] = None,
    unlocated: Annotated[int | None, typer.Option(
        "--unlocated", help="People affected whose location is unknown: in every total, towards no "
        "jurisdiction's threshold (status warns when they could push one over). Kept when not given.")] = None,
    replace: Annotated[bool, typer.Option(
        "--replace", help="The scope becomes exactly what is given (jurisdictions not named are removed, "
        "--unlocated is 0 unless given); prints what it removes.")] = False,
    yes: Annotated[bool, typer.Option(
        "--yes", help="With --replace: go ahead even if a notified obligation is no longer triggered (it stays "
        "on record as met).")] = False,
    customers: Annotated[str | None, typer.Option(
        "--customers", help="The processor's customers affected: a list FILE, `all` (the data folder's "
        "customers.csv), or customer or workspace ids separated by commas. Each gets the obligation "
        "contract-notice:<id>, due at its contract's window (GDPR Art. 33(2)).")] = None,
    home: HomeOption = None,
    by: ByOption = None,
    json_: JsonOption = False,
) -> None:
    """Record how many people are affected in each jurisdiction (decides which laws apply).

    The jurisdictions named are added or updated and the others kept. An obligation already met
    never disappears: when the scope no longer triggers it, it stays, marked so.
    With --notify-authority CC, an authority shown as an advisory (a joint controller without
    an EU main establishment, EDPB Guidelines 9/2022 para 73) gets its own Art. 33 clock.

    Example: breach scope BR-2026-0001 --jurisdiction BE=8000 --jurisdiction US-CA=3000 --unlocated 24000

    Example: breach scope BR-2026-0001 -j DE=50

    Example: breach scope BR-2026-0001 --replace -j BE=8000 --yes

    Example: breach scope BR-2026-0001 --notify-authority NL

    Example: breach scope BR-2026-0001 --customers all
    """
    from breach.services.obligations import ScopePreview, preview_lines, set_scope

    if customers is not None:
        _scope_customers(incident_id, customers, replace=replace, home=home, by=by, json_=json_)
        if not (jurisdiction or notify_authority or unlocated is not None):
            return

    if yes and not replace:
        from breach.errors import InputError

        raise InputError("--yes goes with --replace (adding to the scope removes nothing)")
    preview: list[ScopePreview] = []
    with session(home, by=by) as s:
        result = set_scope(s, incident_id, jurisdiction, now=now(), notify_authorities=notify_authority,
                           unlocated=unlocated, replace_all=replace, yes=yes, preview=preview)
    removed = preview_lines(preview[0]) if preview else []
    if json_:
        for line in removed:
            typer.echo(f"Replaced: {line}", err=True)
        emit_json(result)
    else:
        for line in removed:
            typer.echo(f"Replaced: {line}")
        if jurisdiction or unlocated is not None:
            known = {k: v for k, v in result.items() if k != "unlocated"}
            total = sum(result.values())
            line = "Scope recorded: " + ", ".join(f"{k}={v:,}" for k, v in known.items())
            if result.get("unlocated"):
                line += f"{'; ' if known else ''}{result['unlocated']:,} of unknown location"
            typer.echo(f"{line}; {total:,} people in all.")
            typer.echo(f"Next: breach status {incident_id}")
        for code in (c.strip().upper() for item in notify_authority or [] for c in item.split(",") if c.strip()):
            typer.echo(f"Decision recorded: notify the {code} authority too (obligation gdpr-art33-sa:{code}).")


def _scope_customers(incident_id: str, spec: str, *, replace: bool, home: Path | None, by: str | None,
                     json_: bool) -> None:
    from breach.services.customers import record_affected

    with session(home, by=by) as s:
        result = record_affected(s, incident_id, spec, now=now(), replace_all=replace)
    if json_:
        emit_json(result)
        return
    users = f" ({result['end_users']:,} of their end users)" if result["end_users"] else ""
    typer.echo(f"Customers recorded: {result['recorded']:,}{users}; {result['customers']:,} customers affected in "
               f"all, each with its contract-notice clock (GDPR Art. 33(2)).")
    typer.echo(f"Next: breach status {incident_id}")


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

    from .words import when

    with session(home, by=by) as s:
        result = mark_event(s, incident_id, event, at=at, now=now())
        zone = s.zone
    if json_:
        emit_json(result)
    else:
        typer.echo(f"{result['incident']}: {result['event']} at {when(result['at'], zone)} recorded.")


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
    reason: Annotated[str | None, typer.Option("--reason", help="Why, with --without-approval or --correction.")
                      ] = None,
    supplementary: Annotated[bool, typer.Option(
        "--supplementary", help="A further notice for a duty already met: more information in phases (GDPR "
        "Art. 33(4)); also after the incident is closed.")] = False,
    correction: Annotated[bool, typer.Option(
        "--correction", help="Fix the record of the notice that met the duty (needs --reason); the options given "
        "replace its time, reference or phase, and the first record stays in the timeline.")] = False,
    from_run: Annotated[Path | None, typer.Option(
        "--from-run", help="With contract-notice:*: record every customer notice of a `breach customers notify` "
        "run, each at its own time (the mailer's sent_at, else the time written).")] = None,
    home: HomeOption = None,
    by: ByOption = None,
    json_: JsonOption = False,
) -> None:
    """Record that a notification was made (refused after the deadline without reasons).

    One notice per duty: a second one for an obligation already met is refused, naming the
    first, unless it is --supplementary (GDPR Art. 33(4)) or a --correction of that record.
    The phase and the reasons for a delay come from the approved notice; an initial notice
    opens the Art. 33(4) follow-up (gdpr-art33-followup), which a --supplementary notice meets.

    Example: breach notified BR-2026-0001 gdpr-art33-sa --at "2026-11-29 10:00" --reference DBN-123
    Example: breach notified BR-2026-0001 gdpr-art33-sa --correction --reference DBN-124 --reason "typo"
    """
    from breach.services.notifications import record_notification

    from .words import when

    if obligation.startswith("contract-notice:"):
        _notified_customers(incident_id, obligation, at=at, reference=reference, from_run=from_run, home=home,
                            by=by, json_=json_, correction=reason if correction else None)
        return
    with session(home, by=by) as s:
        result = record_notification(s, incident_id, obligation, at=at, now=now(), reference=reference,
                                     reasons_for_delay=reasons_for_delay, phase=phase,
                                     without_approval=without_approval, reason=reason,
                                     supplementary=supplementary, correction=correction)
        zone = s.zone
    if json_:
        emit_json(result)
    elif result.get("corrects"):
        ref = f", reference {result['reference']}" if result.get("reference") else ""
        typer.echo(f"{result['incident']}: the {obligation} notice record is corrected: notified at "
                   f"{when(result['at'], zone)}{ref}, {result['phase']} notice (the first record stays in the "
                   "timeline).")
    else:
        state = "LATE (reasons recorded)" if result["late"] else "in time"
        typer.echo(f"{result['incident']}: {obligation} notified at {when(result['at'], zone)}, {state}; "
                   f"{result['phase']} notice.")


def _notified_customers(incident_id: str, obligation: str, *, at: str | None, reference: str | None,
                        from_run: Path | None, home: Path | None, by: str | None, json_: bool,
                        correction: str | None = None) -> None:
    from breach.errors import InputError
    from breach.services.customers import record_one, record_run

    if from_run is None and obligation == "contract-notice:*":
        raise InputError("contract-notice:* needs --from-run DIR (a `breach customers notify` run)")
    if correction is not None and from_run is not None:
        raise InputError("--correction fixes one customer's record: give its obligation, contract-notice:ID")
    if from_run is not None and obligation != "contract-notice:*":
        raise InputError("--from-run records a whole run: give the obligation as 'contract-notice:*'")
    with session(home, by=by) as s:
        if from_run is not None:
            run = record_run(s, incident_id, from_run, now=now())
        else:
            one = record_one(s, incident_id, obligation, at=at, now=now(), reference=reference,
                             correction=correction)
    if from_run is not None:
        if json_:
            emit_json(run)
            return
        already = f"; {run.get('already', 0):,} already recorded from this run" if run.get("already") else ""
        typer.echo(f"{run['incident']}: {run['recorded']:,} customer notices recorded, {run['late']:,} "
                   f"LATE (after the contract's window){already}.")
        _say_conflicts(run)
        return
    if json_:
        emit_json(one)
        return
    state = "LATE (after the contract's window)" if one["late"] else "in time"
    fixed = " (corrected; the first record stays in the timeline)" if one.get("corrects") else ""
    typer.echo(f"{one['incident']}: {obligation} notified at {one['at']}, {state}{fixed}.")


def _say_conflicts(run: Mapping[str, Any]) -> None:
    conflicts = run.get("conflicts") or []
    if not conflicts:
        return
    typer.echo(f"{len(conflicts):,} customer(s) already recorded otherwise, left as recorded (a record is fixed "
               "with --correction, never rewritten):", err=True)
    for c in conflicts[:20]:
        typer.echo(f"  CONFLICT {c['obligation']}: {c['why']}: recorded {c['recorded_at']}, this run says "
                   f"{c['run_at']}", err=True)
    if len(conflicts) > 20:
        typer.echo(f"  ... and {len(conflicts) - 20:,} more (--json lists each)", err=True)
    typer.echo(f"Fix one: breach notified {run['incident']} contract-notice:ID --correction --at TIME --reason TEXT",
               err=True)


@command(cli)
def retract(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    obligation: Annotated[str, typer.Argument(help="The obligation whose latest recorded notice was a mistake.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the notice was recorded by mistake.")],
    home: HomeOption = None,
    by: ByOption = None,
    json_: JsonOption = False,
) -> None:
    """Undo the latest notice recorded by mistake; the register keeps both, and says what the obligation is now.

    Retracting a correction brings back the record it corrected.

    Example: breach retract BR-2026-0001 gdpr-art33-sa --reason "recorded on the wrong incident"
    """
    from breach.core.states import ObligationState
    from breach.services.notifications import retract_notification

    from .words import when

    with session(home, by=by) as s:
        result = retract_notification(s, incident_id, obligation, reason=reason, now=now())
        zone = s.zone
    if json_:
        emit_json(result)
    else:
        ob = result["obligation"]
        if result["state"] in {ObligationState.MET, ObligationState.LATE}:
            late = " late" if result["state"] == ObligationState.LATE else ""
            now_state = f"{ob} is still met{late}, by the notice of {when(result['met_at'], zone)}"
        elif result["state"] == ObligationState.PENDING:
            due = f", due {when(result['due_at'], zone)}" if result.get("due_at") else ""
            now_state = f"{ob} is pending again{due}"
        else:
            now_state = f"{ob} is now {result['state'].replace('_', ' ')}"
        typer.echo(f"{result['incident']}: the {ob} notice recorded for "
                   f"{when(result['retracted_notice_at'], zone)} is retracted; {now_state}.")


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
        from .words import plural

        typer.echo(f"Wrote {plural(count, 'deadline')} to {out}.")


regimes_app = typer.Typer(help="List and validate the regimes (YAML rules behind the clocks).", no_args_is_help=True)
cli.add_typer(regimes_app, name="regimes")


@command(regimes_app, name="list")
def regimes_list(
    unconfirmed: Annotated[bool, typer.Option(
        "--unconfirmed", help="Only what is still to check: rules and authority directory entries neither confirmed "
        "in regimes.md nor checked by us on their source, and US state laws whose statute was not read.")] = False,
    all_: Annotated[bool, typer.Option(
        "--all", help="Also the authority directory and the US state laws (us-state-laws.yaml).")] = False,
    json_: JsonOption = False,
) -> None:
    """List every rule: id, recipient, period, start event, legal source and its marks.

    A row shows the reference's mark (its status in regimes.md) and ours, "checked DATE: URL",
    when we read the sentence it rests on at that address (`checked` in the YAML, with the
    quotation). --unconfirmed lists what is still to check, directory and US state laws included.

    Example: breach regimes list --json
    Example: breach regimes list --unconfirmed
    """
    rows = _source_rows(unconfirmed=unconfirmed, everything=all_ or unconfirmed)
    if json_:
        emit_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['id']:<26} {r['period'] or 'without undue delay':<20} from {r['start']:<28} "
                   f"[{r['marks']}] {r['source']}")
    if unconfirmed:
        from breach.core.sources import count_by_regime

        counts = ", ".join(f"{n} {regime}" for regime, n in count_by_regime(rows).items())
        typer.echo(f"{len(rows)} unconfirmed: read each source and record what you read (checked: {{url, quote, "
                   f"date}}; for a US state law its status and sources). By regime: {counts}.")


def _source_rows(*, unconfirmed: bool, everything: bool) -> list[dict[str, Any]]:
    """The rules (and with `everything` the directory and US state laws), each with both marks."""
    from breach.adapters.rules import load_directory, load_rules, load_us_laws
    from breach.core.sources import is_to_check, marks, us_law_rows

    rows: list[dict[str, Any]] = [
        {"id": r.id, "regime": r.regime, "recipient": r.recipient, "start": r.start,
         "period": None if r.period_unit == "none" else f"{r.period_amount} {r.period_unit}",
         "binding": r.binding, "source": r.source, "status": r.status, "jurisdiction": r.jurisdiction,
         "duty": r.duty, "per_authority": r.per_authority,
         "checked": r.checked.to_dict() if r.checked else None, "marks": marks(r.status, r.checked)}
        for r in load_rules() if not unconfirmed or is_to_check(r.status, r.checked)]
    if not everything:
        return rows
    rows += [{"id": f"authority:{a.id}", "regime": "authorities", "recipient": a.label, "start": "-",
              "period": None, "binding": "directory", "source": a.source, "status": a.status,
              "jurisdiction": a.country, "duty": None, "per_authority": None,
              "checked": a.checked.to_dict() if a.checked else None, "marks": marks(a.status, a.checked)}
             for a in load_directory().authorities if not unconfirmed or is_to_check(a.status, a.checked)]
    rows += [{**row, "marks": marks(row["status"], None, whose="us-state-laws.yaml")}
             for row in us_law_rows(load_us_laws(), unconfirmed=unconfirmed)]
    return rows


@command(regimes_app, name="validate")
def regimes_validate(
    path: Annotated[Path, typer.Argument(help="A regime YAML file or a folder of them.")],
    json_: JsonOption = False,
) -> None:
    """Check regime files; prints every problem with its file and line and exits 1 if any.

    Example: breach regimes validate breach/resources/regimes/
    """
    from breach.adapters.rules import validate_file, validate_folder

    problems = validate_folder(path) if Path(path).is_dir() else validate_file(path)
    report_problems(problems, path, json_=json_)
