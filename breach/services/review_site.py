"""`breach serve`: a small local review site for legal, over the same services as the CLI.

Starlette is imported only when the site is made or answers, so no other command pays for it. Pages:
the open incidents with their next deadline; one incident (the report, live); each
draft rendered as HTML with its versions and a diff, and forms to approve the version
on screen or request changes. Every act goes through breach.services.notices.review_act,
so it is the same `reviewed` event as `breach review approve` (with via "review page"), and
it records two names: the one the reviewer types, and `started_by`, the identity the site was
started for (`breach serve --as NAME`; the session acts as it). With `review: {four_eyes: true}`
in the profile, neither may be the person who drafted the version.

Access: whoever opens the URL with the token printed at start gets a session cookie
(HttpOnly, SameSite=Strict) and is sent on to the page without the token in its URL;
a request with neither gets 401, a wrong token or cookie 403. Every POST carries the
session's CSRF token (403 without it, or from another origin). On loopback, a Host
header naming another machine is refused too (DNS rebinding).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from ipaddress import ip_address
from pathlib import Path
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict
from urllib.parse import parse_qs, quote

from breach.adapters.resources import search_path
from breach.core import time as clock
from breach.core.drafting import KINDS, LANGS
from breach.core.mdblocks import Run, parse, runs
from breach.core.states import DraftState, ObligationState, ReviewDecision
from breach.errors import BreachError, InputError
from breach.services.notices import diff, find_draft, review_act, review_rows, without_draft_marker
from breach.services.obligations import incident_obligations
from breach.services.report import render_report, report_data
from breach.services.request_limits import BodyTooLarge, read_body
from breach.services.session import Session

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

COOKIE = "breach_review"
VIA = "review page"
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}
SECURITY_HEADERS = {
    # No script anywhere, styles inline only, forms post back here only, never framed.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make Chromium send `Origin: null` with forms
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}

Opener = Callable[[bool], AbstractContextManager[Session]]


class NavLink(TypedDict):
    href: str
    label: str


class SiteOptions(TypedDict, total=False):
    """What a page of the site adds to the report's template: its navigation, whether links and forms
    are shown, the base of its links and the session's CSRF token."""

    nav: list[NavLink]
    links: bool
    base: str
    csrf: str


class IncidentRow(TypedDict):
    """One open incident on the site's first page: its risk, next dated deadline and drafts awaiting legal."""

    id: str
    title: str
    risk: str
    next: str
    due: str
    overdue: bool
    waiting: int


class IncidentsPage(TypedDict):
    incidents: list[IncidentRow]


class Message(TypedDict):
    """A page that only says something: not found, not allowed, too large."""

    title: str
    message: str


class DraftIncident(TypedDict):
    id: str
    title: str


class Block(TypedDict):
    """A block of the notice's text (heading, paragraph, list item) as lines of styled runs."""

    kind: str
    level: int
    lines: list[list[Run]]


class DiffLine(TypedDict):
    text: str
    cls: str  # "add", "del" or ""


class DraftView(TypedDict):
    """One notice on the site: its versions with their states and reviews (rows of
    breach.services.notices.review_rows), the chosen one as blocks, a diff with an older one; and, once
    shown, the form's error, what was just done, and who the site was started for."""

    incident: DraftIncident
    kind: str
    lang: str
    path: str
    versions: list[Mapping[str, Any]]
    chosen: Mapping[str, Any]
    blocks: list[Block]
    compare: int
    diff: list[DiffLine]
    missing: list[str]
    approved_text: bool
    drafted_by: str | None
    four_eyes: bool
    error: NotRequired[str]
    done: NotRequired[str]
    started_by: NotRequired[str]


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(host: str, *, allow_remote: bool) -> str | None:
    """Refuse a non-loopback address unless allowed; returns the warning to print when allowed."""
    if is_loopback(host):
        return None
    if not allow_remote:
        raise InputError(f"--host {host} is not a loopback address: the review site shows personal data and "
                         "approves notices; serve it on 127.0.0.1 (the default), or add --allow-remote")
    return (f"Warning: serving on {host}, reachable from other machines: anyone on the network who gets the "
            "URL's token can approve notices; plain http, no TLS. Stop it (Ctrl-C) when the review is done.")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def make_app(*, open_session: Opener, token: str, now: Callable[[], datetime], home: Path,
             allow_remote: bool = False, started_by: str = "") -> Any:
    """The Starlette app. `open_session(write)` gives a Session as a context manager, acting as
    `started_by` (who `breach serve` was started for: recorded with every act next to the typed name)."""
    from starlette.applications import Starlette
    from starlette.routing import Route

    site = ReviewSite(open_session=open_session, token=token, now=now, dirs=tuple(search_path("templates", home)),
                      allow_remote=allow_remote, started_by=started_by)
    base = "/incidents/{iid}/drafts/{kind}/{lang}"
    return Starlette(routes=[
        Route("/", site.incidents),
        Route("/incidents/{iid}", site.incident),
        Route(base, site.draft),
        Route(base + "/review", site.act, methods=["POST"]),
        Route(base + "/v{version:int}.docx", site.docx),
    ])


class ReviewSite:
    """The site's pages and its one form, each a route handler; who signed in is kept in `logins`
    (session id -> its CSRF token)."""

    def __init__(self, *, open_session: Opener, token: str, now: Callable[[], datetime], dirs: tuple[Path, ...],
                 allow_remote: bool, started_by: str) -> None:
        self.open_session = open_session
        self.token = token
        self.now = now
        self.dirs = dirs
        self.allow_remote = allow_remote
        self.started_by = started_by
        self.logins: dict[str, str] = {}

    # --- pages and refusals --------------------------------------------------------------

    def page(self, template: str, data: Mapping[str, object], *, status: int = 200, site: SiteOptions | None = None,
             request: Request | None = None) -> Response:
        """`data` is the template's: a report (breach.services.report.report_data), IncidentsPage, DraftView
        or Message."""
        from starlette.responses import HTMLResponse

        shown: SiteOptions = {"nav": [{"href": "/", "label": "Incidents"}], "links": True, "base": "", **(site or {})}
        if request is not None:
            shown["csrf"] = self.logins.get(request.cookies.get(COOKIE, ""), "")
        html = render_report(dict(data), template_dirs=self.dirs, site=dict(shown), template=template)
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    def refuse(self, status: int, message: str) -> Response:
        refused: Message = {"title": "Not allowed" if status == 403 else "Sign in", "message": message}
        return self.page("report/message.html.j2", refused, status=status, site={"nav": []})

    def not_found(self, exc: BreachError) -> Response:
        missing: Message = {"title": "Not found", "message": str(exc)}
        return self.page("report/message.html.j2", missing, status=404)

    # --- access ---------------------------------------------------------------------------

    def gate(self, request: Request) -> Response | None:
        """None if the request may go on; else the 401/403 (or the redirect that drops the token)."""
        host = (request.headers.get("host") or "").rsplit(":", 1)[0]
        if not self.allow_remote and host not in LOOPBACK_NAMES:
            return self.refuse(403, "This review site answers only on 127.0.0.1.")
        given = request.query_params.get("token")
        if given is not None:
            if not secrets.compare_digest(given, self.token):
                return self.refuse(403, "This link's token is not the one `breach serve` printed.")
            return self.sign_in(request)
        sid = request.cookies.get(COOKIE)
        if sid is None:
            return self.refuse(401, "Open the URL that `breach serve` printed (it carries the access token).")
        if sid not in self.logins:
            return self.refuse(403, "This session is not known here (the server was restarted?): open the URL "
                                    "that `breach serve` printed again.")
        return None

    def sign_in(self, request: Request) -> Response:
        """The token was right: a session cookie, and the same page again without the token in its URL."""
        from starlette.responses import RedirectResponse

        sid = secrets.token_urlsafe(32)
        self.logins[sid] = secrets.token_urlsafe(32)
        rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
        target = request.url.path + ("?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in rest) if rest else "")
        response = RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)
        response.set_cookie(COOKIE, sid, httponly=True, samesite="strict", path="/")
        return response

    async def form(self, request: Request) -> dict[str, str] | Response:
        """The POST's fields once its CSRF token and origin check out; else the 403."""
        try:  # capped: refused before it is read (breach.services.request_limits)
            body = (await read_body(request)).decode("utf-8", "replace")
        except BodyTooLarge as exc:
            too_large: Message = {"title": "Too large", "message": str(exc)}
            return self.page("report/message.html.j2", too_large, status=413, site={"nav": []})
        fields = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
        csrf = self.logins.get(request.cookies.get(COOKIE, ""), "")
        origin = request.headers.get("origin")
        if origin and origin not in {f"http://{request.headers.get('host')}"}:
            return self.refuse(403, "This form was sent from another site (Origin does not match).")
        if not csrf or not secrets.compare_digest(fields.get("csrf", ""), csrf):
            return self.refuse(403, "The form's CSRF token is missing or wrong: reload the page and try again.")
        return fields

    # --- routes ---------------------------------------------------------------------------

    async def incidents(self, request: Request) -> Response:
        if (refused := self.gate(request)) is not None:
            return refused
        with self.open_session(False) as s:
            listed: IncidentsPage = {"incidents": incident_rows(s, now=self.now())}
            return self.page("report/incidents.html.j2", listed, request=request)

    async def incident(self, request: Request) -> Response:
        if (refused := self.gate(request)) is not None:
            return refused
        try:
            with self.open_session(False) as s:
                data = report_data(s, request.path_params["iid"], now=self.now())
        except BreachError as exc:
            return self.not_found(exc)
        base = f"/incidents/{data['incident']['id']}"
        return self.page("report/report.html.j2", dict(data), request=request, site={"base": base})

    async def draft(self, request: Request) -> Response:
        if (refused := self.gate(request)) is not None:
            return refused
        return self.draft_page(request)

    def draft_page(self, request: Request, *, status: int = 200, error: str = "") -> Response:
        p, q = request.path_params, request.query_params
        try:
            with self.open_session(False) as s:
                data = draft_view(s, p["iid"], p["kind"], p["lang"], version=_int(q.get("v")),
                                  old=_int(q.get("from")))
        except BreachError as exc:
            return self.not_found(exc)
        data["error"], data["started_by"] = error, self.started_by
        data["done"] = q.get("done", "") if not error else ""
        return self.page("report/draft.html.j2", data, status=status, request=request)

    async def act(self, request: Request) -> Response:
        """The review form: approve the version on screen, or request changes (breach.services.notices.review_act)."""
        from starlette.responses import RedirectResponse

        if (refused := self.gate(request)) is not None:
            return refused
        fields = await self.form(request)
        if not isinstance(fields, dict):
            return fields
        p = request.path_params
        decision = {"approve": ReviewDecision.APPROVED,
                    "changes": ReviewDecision.CHANGES_REQUESTED}.get(fields.get("decision", ""))
        version = _int(fields.get("version"))
        try:
            if decision is None or version is None:
                raise InputError("the form must say which version and whether to approve or request changes")
            with self.open_session(True) as s:
                result = review_act(s, p["iid"], p["kind"], lang=p["lang"], version=version,
                                    by=fields.get("name", "").strip(), decision=decision,
                                    comment=fields.get("comment", "").strip() or None, now=self.now(),
                                    allow_missing=fields.get("allow_missing") == "yes",
                                    expect_sha256=fields.get("sha256", ""), via=VIA)
        except BreachError as exc:
            return self.draft_page(request, status=409, error=str(exc))
        target = (f"/incidents/{result['incident']}/drafts/{p['kind']}/{p['lang']}?v={version}"
                  f"&done={'approved' if decision == ReviewDecision.APPROVED else 'changes'}")
        return RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)

    async def docx(self, request: Request) -> Response:
        import tempfile

        from starlette.responses import Response

        from breach.services.word import docx_rendition

        if (refused := self.gate(request)) is not None:
            return refused
        p = request.path_params
        try:
            with tempfile.TemporaryDirectory() as tmp, self.open_session(False) as s:
                out = docx_rendition(s, p["iid"], p["kind"], lang=p["lang"], version=int(p["version"]),
                                     out=Path(tmp) / "notice.docx")
                content = out.read_bytes()
        except BreachError as exc:
            return self.not_found(exc)
        name = f"{p['iid']}-{p['kind']}.{p['lang']}.v{p['version']}.docx"
        return Response(content, media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                        headers={**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})


def incident_rows(session: Session, *, now: datetime) -> list[IncidentRow]:
    """The open incidents with their next dated deadline and the drafts awaiting legal."""
    rows: list[IncidentRow] = []
    for row in session.store.incident_rows(include_closed=False):
        state = session.state(row["id"])
        found = incident_obligations(session, state.incident.id, now=now, state=state)
        due = [(o.due_at, o) for o in found if o.state == ObligationState.PENDING and o.due_at is not None]
        nxt = min(due, key=lambda pair: pair[0])[1] if due else None
        waiting = [r for r in review_rows(session, state.incident.id) if r["state"] == DraftState.DRAFT]
        risk = state.assessment.risk if state.assessment else None
        rows.append({"id": state.incident.id, "title": state.incident.title, "risk": risk or "not assessed",
                     "next": nxt.rule_id if nxt else "", "due": clock.show(nxt.due_at, session.zone) if nxt else "",
                     "overdue": bool(nxt and nxt.overdue), "waiting": len(waiting)})
    return rows


def draft_view(session: Session, incident_id: str, kind: str, lang: str, *, version: int | None,
               old: int | None) -> DraftView:
    """One notice: its versions with states and reviews, the chosen one as blocks, a diff with an older one."""
    if kind not in KINDS or lang not in LANGS:
        raise InputError(f"no such notice: {kind} ({lang})")
    state = session.state(incident_id)
    iid = state.incident.id
    versions = sorted((r for r in review_rows(session, iid) if (r["kind"], r["lang"]) == (kind, lang)),
                      key=lambda r: r["version"])
    if not versions:
        raise InputError(f"{iid} has no {kind} ({lang}) draft")
    chosen = next((r for r in versions if r["version"] == version), versions[-1])
    row = find_draft(session, iid, kind, lang, chosen["version"])
    # An approved (or sent) version is shown as approved: the rendition to send, without the
    # DRAFT marker (the text whose hash the approval recorded as final_sha256).
    approved = bool(chosen["approved_sha256"]) and chosen["approved_sha256"] == row["sha256"]
    text = without_draft_marker(row["text"], lang) if approved else row["text"]
    blocks: list[Block] = [{"kind": b.kind, "level": min(max(b.level, 1), 6), "lines": [runs(line) for line in b.lines]}
              for b in parse(text)]
    drafter = next((d.by for d in state.drafts if (d.kind, d.lang, d.version) == (kind, lang, chosen["version"])), "")
    earlier = [r["version"] for r in versions if r["version"] < chosen["version"]]
    compare = old if old in earlier else (earlier[-1] if earlier else None)
    lines: list[DiffLine] = []
    if compare is not None:
        text = diff(session, iid, kind, lang=lang, old=compare, new=chosen["version"])
        lines = [{"text": line, "cls": "add" if line.startswith("+") and not line.startswith("+++") else
                  "del" if line.startswith("-") and not line.startswith("---") else ""}
                 for line in text.splitlines()]
    return {"incident": {"id": iid, "title": state.incident.title}, "kind": kind, "lang": lang,
            "path": f"/incidents/{iid}/drafts/{kind}/{lang}",
            "versions": [{**r, "approved_by": r["approved_by"] or "",
                          "reviews": [{**rv, "comment": rv["comment"] or "", "at": clock.show(rv["at"], session.zone)}
                                      for rv in r["reviews"]]} for r in versions],
            "chosen": {**chosen, "approved_by": chosen["approved_by"] or ""}, "blocks": blocks,
            "compare": compare or 0, "diff": lines, "missing": list(row["missing"]), "approved_text": approved,
            "drafted_by": drafter, "four_eyes": session.org.four_eyes}


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None
