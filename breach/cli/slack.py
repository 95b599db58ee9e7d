"""Slack commands: post a status update, retry queued messages, send due reminders, listen for the team's actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from .app import ByOption, HomeOption, JsonOption, command, emit_json, fail, now, session

if TYPE_CHECKING:
    from breach.core.duty_rows import StatusRow

cli = typer.Typer()

slack_app = typer.Typer(
    help="Slack: post a status update on demand, retry queued messages (flush), show what waits "
    "(status), send due deadline reminders (remind, for cron), act from Slack (listen: /breach and the buttons). "
    "Setup: docs/slack.md.",
    no_args_is_help=True,
)
cli.add_typer(slack_app, name="slack",
              short_help="Slack: post a status, retry queued messages (flush), show what waits, send due reminders.")


def _config():
    """The Slack settings, or None after telling the responder how to set them."""
    from breach.slack.config import config_from_env, describe_setup

    config = config_from_env()
    if config is None:
        typer.echo(describe_setup(), err=True)
    return config


def _report(report, *, json_: bool, extra: dict | None = None) -> None:
    """Print a flush report; exit 1 when messages stay queued because Slack is unavailable."""
    if json_:
        emit_json({**(extra or {}), **report.to_dict()})
    else:
        typer.echo(f"Slack: {report.sent} message(s) sent, {report.queued} queued, "
                   f"{len(report.failed)} refused.")
    for line in report.notices():
        typer.echo(line, err=True)
    if report.setup_error:
        typer.echo(f"Error: {report.setup_error}; {report.queued} message(s) stay queued until it is fixed",
                   err=True)
        raise typer.Exit(1)
    if report.error and report.queued > report.held:
        typer.echo(f"Error: Slack is unavailable ({report.error}); {report.queued} message(s) stay queued", err=True)
        raise typer.Exit(1)


@command(slack_app, name="post")
def slack_post(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    home: HomeOption = None,
    by: ByOption = None,
    json_: JsonOption = False,
) -> None:
    """Post the incident's current status in its Slack thread and refresh its parent message.

    Ids, state, risk, counts and the next deadline only; the title only for --public incidents.
    If Slack is unavailable the update stays queued (exit 0) for `breach slack flush`.

    Example: breach slack post BR-2026-0001
    """
    from breach.slack.notifier import flush, post_status

    with session(home, by=by) as s:
        queued = post_status(s, incident_id, now=now())
        report = flush(s)
    if json_:
        emit_json({**queued, **report.to_dict()})
    else:
        state = "posted" if report.queued == 0 else "queued"
        typer.echo(f"{queued['incident']}: status update {state}.")
    for line in report.notices():
        typer.echo(line, err=True)


@command(slack_app, name="flush")
def slack_flush(
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """Send the queued Slack messages, oldest first; stops at the first one Slack cannot take.

    Exit 1 while messages stay queued (Slack down, token rejected, rate limited); a message
    Slack refuses is marked failed and skipped. Every write command flushes too.

    Example: breach slack flush --json
    """
    from breach.slack.flush import flush

    with session(home) as s:
        config = _config()
        report = flush(s, config=config)
    if config is None:
        if report.queued:
            fail(f"{report.queued} Slack message(s) queued; set the Slack settings above and run again")
        return
    _report(report, json_=json_)


@command(slack_app, name="status")
def slack_status(
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """Show what waits in the Slack outbox: counts by state, the oldest message, the last error, refusals.

    Contacts no one. Messages stay queued through outages and setting errors; those Slack
    refused for good (e.g. msg_too_long) are listed with the reason.

    Example: breach slack status --json
    """
    from breach.core.textsafe import for_terminal
    from breach.slack.flush import outbox_status

    with session(home, write=False) as s:
        info = outbox_status(s)
    if json_:
        emit_json(info)
        return
    counts = ", ".join(f"{n} {state}" for state, n in info["counts"].items())
    typer.echo(f"Slack settings: {info['settings']}" + (f" ({for_terminal(info['settings_error'])})"
                                                         if info["settings_error"] else ""))
    typer.echo(f"Outbox: {counts}; {info['waiting']} waiting ({info['statutory_waiting']} statutory reminders).")
    oldest = info["oldest"]
    if oldest:
        typer.echo(f"Oldest waiting: {oldest['key']} since {oldest['created_at']}, {oldest['attempts']} attempt(s)"
                   + (f", next after {oldest['next_attempt_at']}" if oldest["next_attempt_at"] else ""))
    if info["last_error"]:
        typer.echo(f"Last error: {for_terminal(info['last_error'])}")
    for r in info["refused"]:
        typer.echo(f"Refused by Slack: {r['key']}: {for_terminal(r['reason'] or '')}")


@command(slack_app, name="remind")
def slack_remind(
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """Send due deadline reminders and OVERDUE alerts (cron-friendly, safe to repeat).

    Plans reminders at T-48 h, T-24 h, T-12 h, T-6 h, T-1 h and the deadline for every
    dated obligation of every open incident, posts a due reminder Slack did not deliver,
    and an OVERDUE alert per overdue obligation once per 12 hours. Quiet hours never hold
    these back.

    Example (crontab, every 15 minutes): */15 * * * * breach slack remind --home /srv/incidents
    """
    from breach.slack.notifier import remind

    with session(home) as s:
        config = _config()
        s.slack_flushed = True  # remind sends itself
        if config is None:
            return
        if not config.has_bot:
            fail("deadline reminders need SLACK_BOT_TOKEN and BREACH_SLACK_CHANNEL "
                 "(a webhook can only post status updates)")
        result = remind(s, now=now(), config=config)
    report = result.flush
    if not json_:
        typer.echo(f"Slack: {len(result.overdue)} OVERDUE alert(s), {len(result.reminders)} late reminder(s), "
                   f"{len(result.planned)} reminder change(s) queued for {result.incidents} open incident(s).")
    _report(report, json_=json_, extra={k: v for k, v in result.to_dict().items() if k != "flush"})


def _status_lines(rows: list[StatusRow], zone: str, single: bool) -> list[str]:
    """`/breach status` in Slack: the same words as `breach status`, at 100 columns."""
    from .status_view import render_status

    return render_status(rows, zone=zone, width=100, single=single)


@command(slack_app, name="listen")
def slack_listen(
    home: HomeOption = None,
    review_url: Annotated[str | None, typer.Option(
        "--review-url", envvar="BREACH_REVIEW_URL",
        help="Where the review page is served (`breach serve`), for the \"Open review\" button.")] = None,
) -> None:
    """Let the team act from Slack: /breach status, /breach help, and the buttons on reminders and updates.

    Keeps a Socket Mode connection (no public endpoint) with SLACK_APP_TOKEN (xapp-..., from the
    environment only), acknowledges every request at once, and reconnects when the connection
    drops. People act as the profile maps them (`slack: {users: {U0123ABCD: {name: ..., role: ...}}}`
    in organization.yaml). Runs until stopped (SIGTERM, Ctrl-C); under systemd, see docs/slack.md.

    Example: SLACK_APP_TOKEN=xapp-... breach slack listen --home /srv/incidents
    """
    import signal
    import threading

    from breach.slack.config import app_token_from_env
    from breach.slack.listen import Listener, run

    config = _config()
    if config is None:
        raise typer.Exit(1)
    if not config.has_bot:
        fail("breach slack listen needs SLACK_BOT_TOKEN and BREACH_SLACK_CHANNEL to answer (a webhook cannot)")
    token = app_token_from_env()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    listener = Listener(home, config=config, status_text=_status_lines, review_url=review_url)
    run(listener, token, stop=stop)
    typer.echo("Slack: stopped listening.", err=True)
