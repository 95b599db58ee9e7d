"""Incident log commands: init, open, list, show, log, timeline, close, verify."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import ByOption, HomeOption, JsonOption, command, config, emit_json, emit_json_text, now, session

cli = typer.Typer()


@command(cli)
def init(
    home: HomeOption = None,
    org: Annotated[Path | None, typer.Option("--org", help="Organization profile to copy in "
                                             "(default: the sample organization).")] = None,
    json_: JsonOption = False,
) -> None:
    """Create the data folder, its database and organization.yaml.

    Example: breach init --home ./incidents
    """
    from breach.services.session import init_home

    result = init_home(home, org_file=org, config=config())
    if json_:
        emit_json(result)
        return
    typer.echo(f"Data folder {result['home']} ready ({result['name']}).")
    if result["created_profile"]:
        typer.echo(f"Wrote {result['organization']}: check it describes your organization.")


@command(cli, name="open")
def open_(
    title: Annotated[str, typer.Option("--title", help="Short title (kept out of Slack unless --public).")],
    aware_at: Annotated[str | None, typer.Option(
        "--aware-at", help="When you became aware (starts the GDPR Art. 33(1) 72 h clock). "
        "ISO 8601 with offset or 'YYYY-MM-DD HH:MM Zone/Name'; default now.")] = None,
    occurred_at: Annotated[str | None, typer.Option("--occurred-at", help="When the breach happened.")] = None,
    detected_at: Annotated[str | None, typer.Option("--detected-at", help="When it was detected.")] = None,
    awareness_note: Annotated[str | None, typer.Option(
        "--awareness-note", help="Why this is the moment of awareness (EDPB 9/2022: reasonable certainty).")] = None,
    role: Annotated[str, typer.Option("--role", help="controller or processor.")] = "controller",
    public: Annotated[bool, typer.Option("--public", help="The title may be shown in Slack.")] = False,
    home: HomeOption = None,
    by: ByOption = None,
    json_: JsonOption = False,
) -> None:
    """Open an incident and start its clocks; prints the id (BR-<year>-<nnnn>).

    Example: breach open --title "User DB exposed" --aware-at "2026-11-28 14:05 Europe/Brussels"
    """
    from breach.core import time as clock
    from breach.services.incidents import incident_dict, open_incident

    with session(home, by=by) as s:
        incident = open_incident(s, title=title, now=now(), aware_at=aware_at, occurred_at=occurred_at,
                                 detected_at=detected_at, awareness_note=awareness_note, role=role,
                                 public=public)
        if json_:
            emit_json(incident_dict(incident))
            return
        typer.echo(incident.id)
        typer.echo(f"  aware at {clock.show(incident.aware_at, s.zone)}; "
                   f"GDPR Art. 33(1) clock running. Next: breach assess {incident.id}", err=True)


@command(cli, name="list")
def list_(
    all_: Annotated[bool, typer.Option("--all", help="Include closed incidents.")] = False,
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """List open incidents (with --all, closed ones too).

    Example: breach list --all --json
    """
    from breach.services.status import incident_list, list_json

    with session(home, write=False) as s:
        if json_:
            emit_json_text(list_json(s, include_closed=all_, now=now()))
            return
        incidents = incident_list(s, include_closed=all_, now=now())
    if not incidents:
        typer.echo("No incidents." if all_ else "No open incidents (--all shows closed ones).")
        return
    from datetime import datetime

    from breach.core import time as clock
    from breach.core.textsafe import for_terminal_block

    for i in incidents:
        aware = clock.show(datetime.fromisoformat(i["aware_at"]), i["zone"])
        title = for_terminal_block(i["title"], "    ")  # no escape sequences, no fake rows
        typer.echo(f"{i['id']}  {i['status']:<6}  aware {aware}  {title}")


@command(cli)
def show(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id, e.g. BR-2026-0001.")],
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """Show everything known about one incident.

    Example: breach show BR-2026-0001 --json
    """
    from breach.services.views import incident_view, render_view

    with session(home, write=False) as s:
        view = incident_view(s, incident_id, now=now())
        if json_:
            emit_json(view)
        else:
            typer.echo(render_view(view, s.zone))


@command(cli)
def edit(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    title: Annotated[str | None, typer.Option("--title", help="The corrected title.")] = None,
    occurred_at: Annotated[str | None, typer.Option("--occurred-at", help="When the breach happened.")] = None,
    detected_at: Annotated[str | None, typer.Option("--detected-at", help="When it was detected.")] = None,
    aware_at: Annotated[str | None, typer.Option(
        "--aware-at", help="When you became aware (moves the GDPR Art. 33(1) 72 h clock).")] = None,
    awareness_note: Annotated[str | None, typer.Option(
        "--awareness-note", help="Why this is the moment of awareness.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="Why the correction (kept on the timeline).")] = None,
    home: HomeOption = None,
    by: ByOption = None,
    json_: JsonOption = False,
) -> None:
    """Correct the incident's title, times or awareness note (a new event; the first values are kept).

    Every view, clock, notice and register row uses the corrected value.

    Example: breach edit BR-2026-0001 --occurred-at "2026-11-27 22:00" --note "per the firewall logs"
    """
    from breach.core import time as clock
    from breach.services.incidents import edit_incident

    with session(home, by=by) as s:
        result = edit_incident(s, incident_id, now=now(), title=title, occurred_at=occurred_at,
                               detected_at=detected_at, aware_at=aware_at, awareness_note=awareness_note, note=note)
        zone = s.zone
    if json_:
        emit_json(result)
        return
    from datetime import datetime

    from breach.core.textsafe import one_line

    from .app import say

    def shown(name: str, value: object) -> str:
        if name.endswith("_at") and isinstance(value, str):
            return clock.show(datetime.fromisoformat(value), zone)
        return "-" if value is None else str(value)

    for name, value in result["changed"].items():
        say(f"{result['incident']}: {name} {one_line(shown(name, result['was'][name]))} -> "
            f"{one_line(shown(name, value))}")
    typer.echo(f"  corrected by {result['by']} (event #{result['seq']}); the first value stays on the timeline.")


@command(cli)
def log(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    text: Annotated[str, typer.Argument(help="What happened, was done, found or decided.")],
    kind: Annotated[str, typer.Option("--kind", help="note, action, evidence or decision.")] = "note",
    home: HomeOption = None,
    by: ByOption = None,
    json_: JsonOption = False,
) -> None:
    """Append an event to the incident's timeline (append-only; corrections are new events).

    Example: breach log BR-2026-0001 "Firewall rule reverted" --kind action
    """
    from breach.services.incidents import event_dict, log_event

    with session(home, by=by) as s:
        event = log_event(s, incident_id, text, kind=kind, now=now())
        if json_:
            emit_json(event_dict(event))
        else:
            typer.echo(f"{event.incident_id} event #{event.seq} ({event.kind}) recorded.")


@command(cli)
def timeline(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """Print the incident's timeline, oldest first, with hashes in --json.

    Example: breach timeline BR-2026-0001
    """
    from breach.core import time as clock
    from breach.core.event_words import describe_event
    from breach.core.textsafe import for_terminal_block
    from breach.services.incidents import event_dict
    from breach.services.incidents import timeline as get_timeline

    with session(home, write=False) as s:
        events = get_timeline(s, incident_id)
        if json_:
            emit_json([event_dict(e) for e in events])
            return
        for e in events:
            # In words, as the report says it (breach.core.event_words); --json has every field.
            # Responder text may hold escape sequences or newlines: neutralised and indented,
            # so it can neither drive the terminal nor print a line that looks like an entry.
            line = f"{e.kind:<9} {e.author}: {describe_event(e, zone=s.zone)}"
            typer.echo(f"#{e.seq:<4} {clock.show(e.at, s.zone)}  {for_terminal_block(line, ' ' * 8)}")


@command(cli)
def close(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    summary: Annotated[str, typer.Option("--summary", help="What happened and how it ended.")],
    force: Annotated[bool, typer.Option("--force", help="Close although something is still open (needs "
                                        "--reason; each open item is recorded on the closing event).")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why, with --force.")] = None,
    home: HomeOption = None,
    by: ByOption = None,
    json_: JsonOption = False,
) -> None:
    """Close an incident with a summary; it stays in the GDPR Art. 33(5) register.

    Refused, naming each one, while an obligation is pending, an authority advisory is
    undecided or a playbook task is open; --force --reason TEXT closes anyway and records them.

    Example: breach close BR-2026-0001 --summary "Contained; notified; no misuse seen"
    Example: breach close BR-2026-0001 --summary "Contained" --force --reason "task 3 moved to the IT backlog"
    """
    from breach.services.closure import close_incident, describe_items
    from breach.services.incidents import incident_dict

    with session(home, by=by) as s:
        incident = close_incident(s, incident_id, summary=summary, now=now(), force=force, reason=reason)
        items = s.store.events(incident.id)[-1].data.get("open_items") or []
        if json_:
            emit_json({**incident_dict(incident), "open_items": items})
        elif items:
            typer.echo(f"{incident.id} closed with {describe_items(items)} (recorded on the closing event).")
        else:
            typer.echo(f"{incident.id} closed.")


@command(cli)
def verify(
    incident_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="One incident (default all).")] = None,
    against_slack: Annotated[bool, typer.Option(
        "--against-slack", help="Also compare the chain heads posted to each incident's Slack thread.")] = False,
    adopt_key: Annotated[bool, typer.Option(
        "--adopt-key", help="Key a store kept without BREACH_CHAIN_KEY: every head gets its HMAC (recorded with "
        "--by). Only once, and only on a store that verifies.")] = False,
    accept: Annotated[bool, typer.Option(
        "--accept", help="Record the store-wide findings (a deleted incident, a missing HMAC, an older copy) as "
        "understood, with --reason and --by, so that writing can resume. The findings stay listed as notes.")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why the findings are accepted (recorded).")] = None,
    home: HomeOption = None,
    by: ByOption = None,
    json_: JsonOption = False,
) -> None:
    """Check that no event, incident or draft was edited, deleted or reordered; exit 1 if any was.

    Also checks the incident ledger (a deleted incident or a gap in its numbers is named), each chain
    head's HMAC when BREACH_CHAIN_KEY is set, the witness file outside the database (an older copy
    restored is found), and the draft files (a missing one is rendered again from the database).
    --against-slack compares the heads the Slack threads saw. While anything store-wide is wrong,
    every write is refused: restore the newest copy, or --accept with --reason (docs/verify.md).

    Example: breach verify BR-2026-0001 --against-slack
    """
    from breach.core.textsafe import for_terminal

    if adopt_key or accept:
        _resolve(home, by=by, adopt_key=adopt_key, accept=accept, reason=reason, json_=json_)
        return
    if reason is not None:
        from breach.errors import InputError

        raise InputError("--reason goes with --accept")
    from breach.services.integrity import verify as verify_chains

    with session(home, write=False) as s:
        results = verify_chains(s, incident_id, against_slack=against_slack)
    if json_:
        emit_json(results)
    else:
        for r in results:
            if r.get("accepted"):
                pass
            elif r["ok"]:
                typer.echo(f"{r['incident']}: ok ({r['events']} events)")
            else:
                typer.echo(f"{r['incident']}: BROKEN: {for_terminal(r['problem'])}")
            for note in r["notes"]:
                typer.echo(f"  note: {for_terminal(note)}")
        for witness in dict.fromkeys(r["witness"] for r in results if r.get("witness")):
            typer.echo(f"Witness: {witness}.")
        if not results:
            typer.echo("No incidents to verify.")
    bad = [r for r in results if not r["ok"]]
    if bad:
        typer.echo(f"Error: {for_terminal(bad[0]['problem'])}", err=True)
        raise typer.Exit(1)


def _resolve(home: Path | None, *, by: str | None, adopt_key: bool, accept: bool, reason: str | None,
             json_: bool) -> None:
    """`verify --adopt-key` / `verify --accept --reason`: the two recorded ways out of a store-wide finding."""
    from breach.errors import InputError
    from breach.services.integrity import FindingsAccepted, KeyAdopted, accept_findings
    from breach.services.integrity import adopt_key as adopt

    if adopt_key and accept:
        raise InputError("--adopt-key and --accept are two steps: run them one after the other")
    with session(home, write=False, by=by) as s:
        result: KeyAdopted | FindingsAccepted
        if adopt_key:
            result = adopted = adopt(s, by=s.author, now=now())
            text = f"Chain key adopted by {adopted['by']}: {adopted['heads']} head(s) now carry its HMAC."
        else:
            result = accepted = accept_findings(s, by=s.author, now=now(), reason=reason or "")
            text = f"Accepted by {accepted['by']} ({len(accepted['accepted'])} finding(s)); writing resumes."
    if json_:
        emit_json(result)
    else:
        typer.echo(text)


@command(cli)
def completion(
    shell: Annotated[str, typer.Argument(help="bash, zsh or fish.")],
) -> None:
    """Print the shell completion script; add it to your shell's start-up file.

    Example: breach completion bash >> ~/.bashrc   (zsh: breach completion zsh >> ~/.zshrc)
    """
    from typer._completion_shared import get_completion_script

    from breach.errors import InputError

    if shell not in ("bash", "zsh", "fish"):
        raise InputError(f"shell must be bash, zsh or fish, not {shell!r}")
    typer.echo(get_completion_script(prog_name="breach", complete_var="_BREACH_COMPLETE", shell=shell))
