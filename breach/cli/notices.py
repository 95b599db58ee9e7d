"""Drafting and legal review commands: draft, review (list, diff, approve, request-changes)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from .app import ByOption, HomeOption, JsonOption, command, emit_json, now, session

cli = typer.Typer()


class _ListByDefault(TyperGroup):
    """`breach review ID` lists the drafts: a first word that is no subcommand means `list`."""

    def parse_args(self, ctx, args):  # noqa: ANN001, ANN201
        if args and args[0] not in self.commands and args[0] not in {"--help", "-h"}:
            args = ["list", *args]
        return super().parse_args(ctx, args)


review_app = typer.Typer(
    cls=_ListByDefault,
    help="Legal review of drafted notices: `breach review ID` lists versions and states; "
    "diff, approve, request-changes act on one.",
    no_args_is_help=True,
)
cli.add_typer(review_app, name="review",
              short_help="Legal review: list drafts, diff versions, approve or request changes.")

LangOption = Annotated[str, typer.Option("--lang", help="en, fr, nl or de.")]


@command(cli)
def draft(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    kind: Annotated[str, typer.Argument(help="sa-notification, subject-letter, us-ca-letter, us-letter (English), "
                                        "public-notice, controller-notice, followup or register-entry.")],
    lang: Annotated[str | None, typer.Option(
        "--lang", help="en, fr, nl or de (default en; with --authority, one it accepts).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="md or txt; html and docx store the markdown version and "
                                     "write an HTML or Word rendition of it (approvals bind the stored text, not "
                                     "the rendition; unchanged text makes no new version).")] = "md",
    from_: Annotated[Path | None, typer.Option(
        "--from", help="Record legal's edited .docx or .md as the next version (tracked changes must be "
        "accepted or rejected first).")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail if content the law requires is missing.")] = False,
    authority: Annotated[str | None, typer.Option(
        "--authority", help="Address the notice to this member state's authority (e.g. NL; DE-BY for a Land), "
        "for its obligation gdpr-art33-sa:NL.")] = None,
    phase: Annotated[str | None, typer.Option(
        "--phase", help="sa-notification: initial, complete or supplementary (Art. 33(4)); default initial while "
        "Art. 33(3) content is unknown, else complete.")] = None,
    country: Annotated[str | None, typer.Option(
        "--country", help="The country of the people it is for (e.g. NL, US-CA): national identifiers in its "
        "words (BSN, Social Security number...); default the lead authority's country (US-CA for us-ca-letter).")
    ] = None,
    home: HomeOption = None,
    by: ByOption = None,
    json_: JsonOption = False,
) -> None:
    """Render a new version of a notice for legal review (a DRAFT until legal approves it).

    Content the law requires that the incident does not know yet is listed and shown as
    a visible placeholder; so is free text not given in the draft's language (never filled
    from another language). The Belgian DPA accepts notices in French, Dutch or German.

    Example: breach draft BR-2026-0001 sa-notification --lang fr --phase initial
    Example: breach draft BR-2026-0001 sa-notification --authority NL
    Example: breach draft BR-2026-0001 subject-letter --lang nl --country NL
    Word:    breach draft BR-2026-0001 sa-notification --lang fr --format docx
    Back:    breach draft BR-2026-0001 sa-notification --lang fr --from edited.docx
    """
    if from_ is not None or fmt == "docx":
        _draft_word(incident_id, kind, lang=lang or "en", fmt=fmt, source=from_, strict=strict, home=home, by=by,
                    json_=json_)
        return
    from breach.services.notices import create_draft, draft_json

    with session(home, by=by) as s:
        result = create_draft(s, incident_id, kind, lang=lang, fmt=fmt, strict=strict, now=now(),
                              authority=authority, phase=phase, country=country)
    if json_:
        emit_json(draft_json(result))
        return
    if result.get("unchanged"):
        typer.echo(f"{result['kind']} ({result['lang']}) v{result['version']} is unchanged: no new version "
                   f"({result['path']}).")
        if result.get("html_path"):
            typer.echo(f"  HTML rendition: {result['html_path']}")
        return
    typer.echo(f"{result['kind']} ({result['lang']}) v{result['version']} written to {result['path']}")
    if result.get("html_path"):
        typer.echo(f"  HTML rendition: {result['html_path']} (approvals bind the stored text)")
    if result.get("phase"):
        typer.echo(f"  phase: {result['phase']}")
    if result["template_origin"] != "shipped":
        typer.echo(f"  template: {result['template']} (the data folder's own)")
    _drafted(result)


def _drafted(result: Mapping[str, Any]) -> None:
    """The end of every `breach draft` report: the hash, what is missing, and who acts next."""
    typer.echo(f"  sha256 {result['sha256']}")
    if result["missing"]:
        typer.echo("  MISSING (shown as placeholders): " + ", ".join(result["missing"]))
    typer.echo(f"Next: legal reviews it: breach review approve {result['incident']} {result['kind']} "
               f"--lang {result['lang']} --version {result['version']} --as NAME")


def _draft_word(incident_id: str, kind: str, *, lang: str, fmt: str, source: Path | None, strict: bool,
                home: Path | None, by: str | None, json_: bool) -> None:
    """`draft --format docx` and `draft --from FILE` (breach.services.word)."""
    from breach.services.word import create_docx_draft, import_draft

    if source is not None:
        with session(home, by=by) as s:
            imported = import_draft(s, incident_id, kind, lang=lang, source=source, strict=strict, now=now())
        if json_:
            emit_json(_draft_json(imported))
            return
        typer.echo(f"{imported['kind']} ({imported['lang']}) v{imported['version']} recorded from {source} "
                   f"(edited from v{imported['based_on']}), written to {imported['path']}")
        typer.echo(f"  what changed: breach review diff {imported['incident']} {kind} --lang {lang}")
        _drafted(imported)
        return
    with session(home, by=by) as s:
        made = create_docx_draft(s, incident_id, kind, lang=lang, strict=strict, now=now())
    if json_:
        emit_json(_draft_json(made))
        return
    same = " (the text is unchanged: no new version)" if made.get("unchanged") else ""
    typer.echo(f"{made['kind']} ({made['lang']}) v{made['version']} written to {made['docx_path']}{same}")
    typer.echo(f"  stored text: {made['path']} (approvals bind its sha256, not the .docx)")
    _drafted(made)


def _draft_json(result: Mapping[str, Any]) -> dict[str, Any]:
    """`breach draft --json` of a Word draft or an imported one: these keys, in this order, where present."""
    return {k: result[k] for k in ("kind", "lang", "version", "sha256", "path", "path_in_home", "missing",
                                   "template", "template_origin", "docx_path", "based_on", "unchanged")
            if k in result}


@command(review_app, name="list")
def review_list(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """List an incident's drafts with their state: draft, approved, changes requested, superseded, sent.

    Example: breach review BR-2026-0001 --json   (same as: breach review list BR-2026-0001)
    """
    from breach.core.states import DraftState
    from breach.services.notices import review_rows

    with session(home, write=False) as s:
        rows = review_rows(s, incident_id)
    if json_:
        emit_json([{k: r[k] for k in ("kind", "lang", "version", "state", "sha256", "approved_by",
                                      "missing", "path")} for r in rows])
        return
    if not rows:
        typer.echo("No drafts yet: breach draft ID KIND")
    for r in rows:
        # "sent" was done by whoever recorded it; the approver is named as the approver.
        signed = r["approved_by"] and r["state"] in {DraftState.APPROVED, DraftState.SENT}
        who = f"approved by {r['approved_by']}" if signed else ""
        typer.echo(f"{r['kind']:<18} {r['lang']:<3} v{r['version']:<3} {r['state']:<18} {r['sha256'][:12]}  {who}"
                   .rstrip())


@command(review_app, name="diff")
def review_diff(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    kind: Annotated[str, typer.Argument(help="Notice kind, e.g. sa-notification.")],
    lang: LangOption = "en",
    from_: Annotated[int | None, typer.Option("--from", help="Older version (default: the one before --to).")] = None,
    to: Annotated[int | None, typer.Option("--to", help="Newer version (default: the latest).")] = None,
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """Show what changed between two versions of a notice (unified diff, changed lines only).

    Example: breach review diff BR-2026-0001 sa-notification --from 1 --to 2
    """
    from breach.services.notices import diff

    with session(home, write=False) as s:
        text = diff(s, incident_id, kind, lang=lang, old=from_, new=to)
    if json_:
        emit_json({"diff": text})
    else:
        from .app import say

        say(text or "No differences.")


@command(review_app, name="approve")
def review_approve(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    kind: Annotated[str, typer.Argument(help="Notice kind.")],
    version: Annotated[int, typer.Option("--version", help="The version approved.")],
    as_: Annotated[str, typer.Option("--as", "--by", help="Who approves (legal), by name: recorded with the "
                                     "approval.")],
    lang: LangOption = "en",
    comment: Annotated[str | None, typer.Option("--comment", help="Optional comment.")] = None,
    allow_missing: Annotated[bool, typer.Option(
        "--allow-missing", help="Approve although required content is still a placeholder (never the reasons "
        "for a delay, nor a translation the lead authority requires).")] = False,
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """Approve one version; the approval is bound to that version's sha256.

    The approved rendition, without the DRAFT marker, is written next to the draft
    (`...vN.approved.md`) and its hash recorded with the approval. With
    `review: {four_eyes: true}` in organization.yaml, the person who drafted the version
    (or recorded legal's edit with `draft --from`) cannot approve it.

    Example: breach review approve BR-2026-0001 sa-notification --lang fr --version 2 --as "M. Dupont"
    """
    from breach.core.states import ReviewDecision
    from breach.services.notices import review_act

    with session(home, by=as_) as s:
        result = review_act(s, incident_id, kind, lang=lang, version=version, by=as_, decision=ReviewDecision.APPROVED,
                            comment=comment, now=now(), allow_missing=allow_missing)
    if json_:
        emit_json(result)
    else:
        typer.echo(f"{kind} ({lang}) v{version} approved by {as_} (sha256 {result['sha256'][:12]}).")
        typer.echo(f"  to send: {result['final_path']}")
        step = (f"breach letters {result['incident']} --subjects PEOPLE.csv --out letters/"
                if kind == "subject-letter" else f"breach notified {result['incident']} OBLIGATION --reference REF")
        typer.echo(f"Next: send it, then {step}")


@command(review_app, name="request-changes")
def review_request_changes(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    kind: Annotated[str, typer.Argument(help="Notice kind.")],
    version: Annotated[int, typer.Option("--version", help="The version reviewed.")],
    as_: Annotated[str, typer.Option("--as", "--by", help="Who reviews (legal), by name.")],
    comment: Annotated[str, typer.Option("--comment", help="What must change.")],
    lang: LangOption = "en",
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """Send a version back with a comment saying what must change.

    Example: breach review request-changes BR-2026-0001 subject-letter --version 1 --as legal --comment "..."
    """
    from breach.core.states import ReviewDecision
    from breach.services.notices import review_act

    with session(home, by=as_) as s:
        result = review_act(s, incident_id, kind, lang=lang, version=version, by=as_,
                            decision=ReviewDecision.CHANGES_REQUESTED, comment=comment, now=now())
    if json_:
        emit_json(result)
    else:
        typer.echo(f"{kind} ({lang}) v{version}: changes requested by {as_}.")
