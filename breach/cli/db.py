"""The incident log itself (`breach db`) and the team's organization profile (`breach org`)."""

from __future__ import annotations

from typing import Annotated

import typer

from .app import ByOption, HomeOption, JsonOption, command, config, emit_json, now, session

cli = typer.Typer()

db_app = typer.Typer(
    help="The incident log's database: upgrade its schema, copy a data folder's log into a team's PostgreSQL "
    "(docs/team.md).",
    no_args_is_help=True,
)
cli.add_typer(db_app, name="db", short_help="The log's database: upgrade the schema, copy a SQLite log into "
                                             "PostgreSQL.")

org_app = typer.Typer(
    help="The organization profile a team shares: push organization.yaml to the database, show which "
    "version decides.",
    no_args_is_help=True,
)
cli.add_typer(org_app, name="org", short_help="Share the organization profile with the team (push, show).")


@command(db_app, name="upgrade")
def db_upgrade(home: HomeOption = None, json_: JsonOption = False) -> None:
    """Create or migrate the log's schema (PostgreSQL with BREACH_DATABASE_URL, else breach.db); idempotent.

    Example: BREACH_DATABASE_URL=postgresql://breach_writer@db.example.org/breach breach db upgrade
    """
    from breach.services.database import upgrade

    result = upgrade(home, config=config())
    if json_:
        emit_json(result)
        return
    done = f"applied {', '.join(map(str, result['applied']))}" if result["applied"] else "already up to date"
    typer.echo(f"{result['database']}: schema {result['schema']} ({done}).")


@command(db_app, name="copy")
def db_copy(
    to: Annotated[str, typer.Option("--to", metavar="URL", help="The PostgreSQL database to copy into (empty).")],
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """Copy the data folder's SQLite log into an empty PostgreSQL database; chains verified before and after.

    Example: breach db copy --home ./incidents --to postgresql://breach_writer@db.example.org/breach
    """
    from breach.services.database import copy_log

    result = copy_log(home, to=to, config=config())
    if json_:
        emit_json(result)
        return
    typer.echo(f"Copied {result['incidents']} incident(s), {result['events']} event(s) and {result['drafts']} "
               f"draft(s) to {result['to']}; the chains verify there. Set BREACH_DATABASE_URL to use it.")


@command(org_app, name="push")
def org_push(home: HomeOption = None, by: ByOption = None, json_: JsonOption = False) -> None:
    """Store the data folder's organization.yaml as the team's profile (a new version); every machine uses it.

    Example: breach org push --home ./incidents
    """
    from breach.services.database import push_org

    with session(home, by=by) as s:
        result = push_org(s, now=now())
    if json_:
        emit_json(result)
        return
    what = "pushed as" if result["changed"] else "unchanged: still"
    typer.echo(f"{result['source']}: {what} version {result['version']} (sha256 {result['sha256'][:12]}) "
               f"in {result['database']}.")


@command(org_app, name="show")
def org_show(home: HomeOption = None, json_: JsonOption = False) -> None:
    """Say which organization profile decides here: the team's pushed version, or the data folder's file.

    Example: breach org show
    """
    from breach.services.database import org_info

    with session(home, write=False) as s:
        info = org_info(s)
    if json_:
        emit_json(info)
        return
    if info["version"] is None:
        typer.echo(f"{info['name']}: {info['source']} (not pushed to a team database).")
        return
    typer.echo(f"{info['name']}: version {info['version']} in the database (sha256 {str(info['sha256'])[:12]}), "
               f"pushed by {info['pushed_by']} at {info['pushed_at']}.")
    if info["local_differs"]:
        typer.echo("The data folder's organization.yaml differs: `breach org push` to share it.", err=True)
