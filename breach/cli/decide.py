"""`breach decide`: legal's decision about an advisory (notify that authority too, or not and why)."""

from __future__ import annotations

from typing import Annotated

import typer

from .app import ByOption, HomeOption, JsonOption, command, emit_json, now, session

cli = typer.Typer()


@command(cli)
def decide(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    obligation: Annotated[str, typer.Argument(help="The advisory, e.g. gdpr-art33-sa:DE (breach status shows "
                                              "it as DECIDE).")],
    notify: Annotated[bool, typer.Option("--notify", help="Notify this authority too: the advisory becomes "
                                         "its own GDPR Art. 33 obligation (as scope --notify-authority).")] = False,
    not_notify: Annotated[bool, typer.Option("--not-notify", help="Do not notify it; needs --reason (kept "
                                             "in the GDPR Art. 33(5) register).")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why legal decided so.")] = None,
    home: HomeOption = None,
    by: ByOption = None,
    json_: JsonOption = False,
) -> None:
    """Record legal's decision about an advisory: notify that authority too, or not and why.

    An advisory is an authority that may be concerned beyond the lead one (EDPB Guidelines
    9/2022 para 73) or a regime breach does not model; it has no clock. A later decision
    supersedes an earlier one; both stay in the timeline.

    Example: breach decide BR-2026-0001 gdpr-art33-sa:DE --not-notify --reason "no establishment or
    customers targeted in DE" --as "M. Dupont (DPO)"

    Example: breach decide BR-2026-0001 gdpr-art33-sa:NL --notify
    """
    from breach.errors import InputError
    from breach.services.decisions import decide as record_decision

    from .words import when

    if notify == not_notify:
        raise InputError("give either --notify or --not-notify --reason TEXT" if not notify
                         else "--notify and --not-notify exclude each other: give one")
    with session(home, by=by) as s:
        result = record_decision(s, incident_id, obligation, notify=notify, reason=reason, now=now())
        zone = s.zone
    if json_:
        emit_json(result)
        return
    at = when(result["at"], zone)
    if notify:
        typer.echo(f"{result['incident']}: decided by {result['by']} {at}: notify; {result['obligation']} is now "
                   "an obligation with its own clock (GDPR Art. 33(1)).")
        typer.echo(f"Next: breach status {result['incident']}")
    else:
        typer.echo(f"{result['incident']}: decided by {result['by']} {at}: {result['obligation']} not notified "
                   f"({result['reason']}).")
    if result["superseded"]:
        old = result["superseded"]
        typer.echo(f"It supersedes the decision of {old['by']} {when(old['at'], zone)} "
                   f"({'notify' if old['notify'] else 'not notified'}); both stay in the timeline.")
