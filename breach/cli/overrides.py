"""`breach confirm-override`: a second person confirms a lowering of the computed risk."""

from __future__ import annotations

from typing import Annotated

import typer

from .app import HomeOption, JsonOption, command, emit_json, now, session

cli = typer.Typer()


@command(cli, name="confirm-override")
def confirm_override(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    as_: Annotated[str, typer.Option("--as", "--by", help="Who confirms, by name: not the person who decided "
                                     "the override.")],
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """Confirm a lowering risk override as a second person; only then does it change the clocks.

    An override below the computed risk is recorded but pending: until a second person confirms
    it, the computed risk drives every duty and clock (GDPR Art. 5(2) accountability; the register
    shows both names, Art. 33(5)).

    Example: breach confirm-override BR-2026-0001 --as "M. Dupont (DPO)"
    """
    from breach.services.assessment import confirm_override as confirm

    with session(home, by=as_) as s:
        result = confirm(s, incident_id, name=as_, now=now())
    if json_:
        emit_json(result)
        return
    typer.echo(f"{result['incident']}: risk override confirmed by {result['override_confirmed_by']} "
               f"(decided by {result['risk_override_by']}): risk now {result['risk']} "
               f"(computed {result['computed_risk']}).")
    typer.echo(f"Notify the authority: {'yes' if result['notify_sa'] else 'no'}; "
               f"tell the people: {'yes' if result['notify_subjects'] else 'no'}.")
    typer.echo(f"Next: breach status {result['incident']}")
