"""Legal outside the terminal: report (one incident as a self-contained HTML file) and serve (a local review site)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import ByOption, HomeOption, JsonOption, command, config, emit_json, now, session

cli = typer.Typer()


@command(cli)
def report(
    incident_id: Annotated[str, typer.Argument(metavar="ID", help="Incident id.")],
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write, e.g. report.html.")],
    home: HomeOption = None,
    json_: JsonOption = False,
) -> None:
    """Write one incident as a self-contained HTML report: deadline chart, risk, obligations, drafts, timeline.

    One file with inline CSS and an inline SVG chart, no script and no external URL; every
    text a responder typed is escaped. It prints on A4: open it in a browser and print to
    PDF, or run `chromium --headless --print-to-pdf=report.pdf report.html`.

    Example: breach report BR-2026-0001 --out report.html
    """
    from breach.services.report import write_report

    with session(home, write=False) as s:
        result = write_report(s, incident_id, out=out, now=now())
    if json_:
        emit_json(result)
        return
    chain = "verified" if result["verified"] else "NOT verified"
    typer.echo(f"{result['incident']}: report written to {result['path']} "
               f"({len(result['obligations'])} obligations, chain {chain})")
    typer.echo(f"  {result['print']}")


@command(cli)
def serve(
    port: Annotated[int, typer.Option("--port", help="Port to listen on (0: any free port).")] = 8716,
    host: Annotated[str, typer.Option("--host", help="Address to bind; loopback only unless --allow-remote.")]
    = "127.0.0.1",
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="Allow a non-loopback --host (anyone with the URL's token can approve).")] = False,
    home: HomeOption = None,
    as_: ByOption = None,
) -> None:
    """Serve a local review site for legal: incidents, live reports, drafts to read, diff and approve.

    Prints one URL with a random token: open it in a browser (it sets a session cookie);
    requests without it are refused. Approvals there are the same `reviewed` events as
    `breach review approve`; each records the name the reviewer types and the identity the
    site was started for (--as, default $BREACH_USER, else your login name), shown as
    "approved by NAME via the review page started by WHO". With `review: {four_eyes: true}`
    in organization.yaml, neither may be the person who drafted the version. Ctrl-C stops it.

    Example: breach serve --port 8716 --as "Claire (Legal)"
    """
    import socket

    from breach.errors import InputError
    from breach.services.review_site import check_host, make_app, new_token
    from breach.services.session import NO_AUTHOR

    if not 0 <= port <= 65535:
        raise InputError(f"--port {port} is not a port: give a number from 1 to 65535 (0: any free port)")
    warning = check_host(host, allow_remote=allow_remote)
    settings = config().with_options(home=home, author=as_)
    # Who acts on the site: every approval there records it, next to the name the reviewer types.
    started_by = settings.author
    if not started_by:
        raise InputError(NO_AUTHOR)
    folder = settings.home
    with session(home, write=False):
        pass  # the data folder must exist before anything listens
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)  # connections made as soon as the URL is printed wait in the backlog
    actual = sock.getsockname()[1]
    token = new_token()

    def open_session(write: bool):  # noqa: ANN202
        if write:
            from breach.api import open_session as writer

            return writer(folder, author=started_by, config=settings)
        from breach.services.session import open_session as reader

        return reader(folder, write=False, config=settings)

    app = make_app(open_session=open_session, token=token, now=now, home=folder, allow_remote=allow_remote,
                   started_by=started_by)
    if warning:
        typer.echo(warning, err=True)
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    typer.echo(f"http://{shown}:{actual}/?token={token}")
    typer.echo("Review site running; Ctrl-C to stop.", err=True)
    import sys

    sys.stdout.flush()
    import uvicorn

    # No access log: the first request's URL carries the token.
    server_config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(server_config).run(sockets=[sock])
