"""Customers of a processor: check a customer list, write one notice per affected customer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import ByOption, HomeOption, JsonOption, command, emit_json, now, say, session

cli = typer.Typer()
group = typer.Typer(no_args_is_help=True, help="A processor's customers: validate the list, notify them "
                    "(GDPR Art. 33(2) and each contract's window).")
cli.add_typer(group, name="customers")


@command(group, name="validate")
def validate(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="customers.csv or customers.yaml.")],
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """Check a customer list before it is used: every bad row is named with its line; nothing is skipped.

    The CSV header is id,name,lang,email,window_hours,window_from,workspaces (optional: channel, form,
    end_users); several e-mails or workspaces are separated by ';'; window_from is aware (default) or detected.

    Example: breach customers validate incidents/customers.csv
    """
    from breach.adapters.customers_file import read_customers

    customers = read_customers(file)
    windows: dict[int, int] = {}
    langs: dict[str, int] = {}
    for c in customers:
        windows[c.window_hours] = windows.get(c.window_hours, 0) + 1
        langs[c.lang] = langs.get(c.lang, 0) + 1
    result = {"file": str(file), "customers": len(customers), "windows_hours": dict(sorted(windows.items())),
              "languages": dict(sorted(langs.items())),
              "workspaces": sum(len(c.workspaces) for c in customers)}
    if json_:
        emit_json(result)
        return
    shown = ", ".join(f"{h} h: {n:,}" for h, n in sorted(windows.items()))
    say(f"{file}: ok, {len(customers):,} customers ({shown}; languages "
        f"{', '.join(f'{k} {v:,}' for k, v in sorted(langs.items()))}).")


@command(group, name="notify")
def notify(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the messages (one .eml per customer).")],
    fmt: Annotated[str, typer.Option("--format", help="eml: one file per customer; mbox: all in "
                                     "customers.mbox, for a mailer that takes an mbox.")] = "eml",
    without_approval: Annotated[bool, typer.Option(
        "--without-approval", help="Emergency: a language with no approved controller notice gets its newest "
        "draft (flagged in run.json, each manifest entry and the recorded notices).")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why, with --without-approval.")] = None,
    home: HomeOption = None,
    by: ByOption = None,
    json_: JsonOption = False,
) -> None:
    """Write one e-mail per affected customer, in its language, with its workspaces and end users.

    The words are legal's: the newest approved controller-notice draft of each customer's language
    (breach draft ID controller-notice --lang fr; breach review approve ...), unchanged since its
    approval, with the customer's own facts (templates/controller-notice/customer-facts.LANG.md.j2,
    GDPR Art. 33(2)). A language without an approved version refuses the run before anything is
    written, naming it. Multipart (text and html); --format mbox puts them all in one customers.mbox.
    Run it again to resume after an interruption: the messages already written are kept and the rest
    are written byte for byte as an uninterrupted run would (refused if the approved notice changed).
    Then record the run: breach notified ID 'contract-notice:*' --from-run DIR.

    Example: breach customers notify BR-2026-0001 --out notices/customers
    """
    from breach.services.customers import notify as write_notices

    with session(home, by=by) as s:
        result = write_notices(s, incident_id, out, now=now(), fmt=fmt, without_approval=without_approval,
                               reason=reason)
    if json_:
        emit_json(result)
        return
    langs = ", ".join(f"{k} {v:,}" for k, v in sorted(result["by_lang"].items()))
    resumed = f" (resumed: {result['skipped']:,} already written)" if result["resumed"] else ""
    say(f"{result['written']:,} customer notices written to {out}{resumed}" + (f" ({langs})" if langs else "") + ".")
    drafts = ", ".join(f"{lang} v{d['version']}" + ("" if d["approved"] else " NOT APPROVED")
                       for lang, d in result["drafts"].items())
    say(f"From the controller notice (controller-notice): {drafts}.")
    say(f"Next: breach notified {result['incident']} 'contract-notice:*' --from-run {out}")
