"""The incident report: one self-contained HTML file a crisis meeting, legal or a regulator can read.

`report_data` gathers what the other services know (the fold, the obligations, the
drafts and their reviews, the timeline, `verify`), with every time shown in the
responder's zone; `render_report` draws it with templates/report/ in the same jinja2
sandbox as the notices (autoescaped: every text a responder typed is escaped). The
file has inline CSS and an inline SVG deadline chart (breach.core.chart), no script
and no external URL, and prints on A4: open it in a browser and print to PDF, or
`chromium --headless --print-to-pdf=report.pdf report.html`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict, cast

from breach import __version__
from breach.adapters.files import write_private
from breach.adapters.resources import search_path
from breach.adapters.templates import make_environment
from breach.core import time as clock
from breach.core.chart import deadline_chart
from breach.core.event_words import describe_event
from breach.core.models import Incident, ObligationState
from breach.core.regimes import Obligation
from breach.core.sent_letters import for_obligation, letters_sent
from breach.core.state import IncidentState
from breach.core.wording import human_note, human_reason, words
from breach.errors import InputError
from breach.services.integrity import verify
from breach.services.notices import review_rows
from breach.services.obligations import incident_advisories, incident_obligations
from breach.services.report_customers import CustomersSection, chart_items, customers_section, is_customer
from breach.services.session import Session

TEMPLATE = "report/report.html.j2"
PRINT_HINT = ("To print as PDF: open the file in a browser and print it to PDF (A4), or run "
              "chromium --headless --print-to-pdf=report.pdf report.html")

#: ENISA (2013) severity elements, in the order the method adds them up.
ENISA_ROWS = (
    ("DPC", "Data processing context (ENISA Annex 1)"),
    ("EI", "Ease of identification (ENISA section 3.1.2, Annex 2)"),
    ("CB", "Circumstances of the breach (ENISA section 3.1.3, Annex 3)"),
    ("SE", "Severity SE = DPC x EI + CB (ENISA section 3.2)"),
)


class ReportData(TypedDict):
    """What templates/report/report.html.j2 draws (every time already shown in the responder's zone)."""

    incident: dict[str, str]
    times: list[dict[str, str]]
    risk: dict[str, Any] | None
    chart: Any  # breach.core.chart.Chart
    customers: CustomersSection | None  # a processor's customers, beside the controller's 72-hour clock
    obligations: list[dict[str, Any]]  # every obligation but the customers' (listed in `customers`)
    customer_obligations: list[str]  # the customers' obligation ids (contract-notice:<id>)
    drafts: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    verify: dict[str, Any]
    head_hash: str
    zone: str
    generated_at: str
    version: str
    print_hint: str


class ReportFile(TypedDict):
    """`breach report ID --out FILE.html`: the file written, its sha256 and what it lists."""

    incident: str
    path: str
    sha256: str
    obligations: list[str]
    customers: int
    verified: bool
    print: str


def report_data(session: Session, incident_id: str, *, now: datetime) -> ReportData:
    """Everything the report shows, as display-ready data (strings in the responder's zone)."""
    state = session.state(incident_id)
    incident = state.incident
    zone = session.zone

    def when(value: datetime | None) -> str:
        return clock.show(value, zone) if value else "-"

    found = incident_obligations(session, incident.id, now=now, state=state)
    chart = deadline_chart(cast(list[dict[str, Any]], chart_items(state, found, now=now)), now=now, zone=zone)
    obligations = _obligation_rows(session, state, [o for o in found if not is_customer(o.rule_id)], when)
    times = _times(incident, when)
    checked = verify(session, incident.id)[0]
    drafts = [{**r, "approved_by": r["approved_by"] or "", "reviews": [
        {**rv, "at": when(rv["at"]), "comment": rv["comment"] or "", "decision": rv["decision"].replace("_", " ")}
        for rv in r["reviews"]]} for r in review_rows(session, incident.id)]
    return {
        "incident": {"id": incident.id, "title": incident.title, "status": incident.status,
                     "role": incident.role.value, "summary": incident.summary or "",
                     "awareness_note": incident.awareness_note or ""},
        "times": times,
        "risk": _risk(state.assessment, when),
        "chart": chart,
        "customers": customers_section(state, found, now=now, when=when),
        "obligations": obligations,
        "customer_obligations": [o.rule_id for o in found if is_customer(o.rule_id)],
        "drafts": drafts,
        "timeline": [{"seq": e.seq, "at": when(e.at), "kind": str(e.kind), "author": e.author,
                      "text": describe_event(e, zone=zone)} for e in session.store.events(incident.id)],
        "verify": {"ok": bool(checked["ok"]), "events": checked["events"] or state.event_count,
                   "problem": checked["problem"] or ""},
        "head_hash": state.head_hash or "",
        "zone": zone,
        "generated_at": when(now),
        "version": __version__,
        "print_hint": PRINT_HINT,
    }


def _obligation_rows(session: Session, state: IncidentState, found: list[Obligation],
                     when: Callable[[datetime | None], str]) -> list[dict[str, Any]]:
    """The obligations as the report shows them, then the advisories legal decided on."""
    sent = letters_sent(state.letters)
    obligations = [{
        "id": o.rule_id, "title": o.title, "recipient": o.recipient, "regime": o.regime,
        "state": "overdue" if o.overdue else o.state, "due": when(o.due_at) if o.due_at else "no fixed deadline",
        "started": when(o.started_at), "met": when(o.met_at) if o.met_at else "", "reason": human_reason(o.reason),
        "source": o.source, "status": o.status, "binding": o.binding, "note": human_note(o.note),
        "remaining": _remaining(o.remaining) if o.state == ObligationState.PENDING and o.remaining is not None else "",
        "letters": for_obligation(sent, o.rule_id),  # met by letters: each (kind, language, version) and its count
    } for o in found]
    for row, o in zip(obligations, found, strict=True):  # met, then the scope changed: kept, marked
        if o.scope_changed_at is not None:
            row["reason"] = (f"{o.state}; no longer triggered by the scope (changed at {when(o.scope_changed_at)})"
                             + (f"; {o.reason}" if o.reason else ""))
    for row, o in zip(obligations, found, strict=True):  # decided to notify (`breach decide --notify`): who, when
        decision = state.decisions.get(o.rule_id)
        if decision is not None and decision.notify:
            row["reason"] = "; ".join(str(x) for x in (row["reason"], _decided(decision, when)) if x)
    return obligations + [_advisory_row(a, state.incident.id, when)
                          for a in incident_advisories(session, state.incident.id, state=state)]


def _decided(decision: Any, when: Callable[[datetime | None], str]) -> str:
    what = "notify" if decision.notify else "not notified"
    why = f"{decision.reason}; " if decision.reason else ""
    return f"decided: {what} ({why}{decision.by}; {when(decision.at)})"


def _advisory_row(a: Any, incident_id: str, when: Callable[[datetime | None], str]) -> dict[str, Any]:
    """Every advisory about authorities and regimes: undecided ones say what legal must decide and the command;
    decided ones (`breach decide --not-notify`) the decision, its reason, who and when."""
    row = a.to_dict(incident_id)
    reason = (_decided(a.decided, when) if a.decided is not None
              else f"{a.decision}: {a.reason}" + (f" (to notify: {row['action']})" if row["action"] else ""))
    return {"id": a.id, "title": a.title, "recipient": a.recipient, "regime": a.regime,
            "state": ObligationState.DECIDED if a.decided is not None else ObligationState.ADVISORY,
            "due": "no clock", "started": "-",
            "met": "", "source": a.source, "status": a.status, "binding": "advisory", "note": human_note(a.note),
            "remaining": "", "letters": [], "reason": reason}


def _times(incident: Incident, when: Callable[[datetime | None], str]) -> list[dict[str, str]]:
    """The incident's times, each with its first recorded value when corrected."""
    times = []
    for key, label in (("occurred_at", "Occurred"), ("detected_at", "Detected"), ("aware_at", "Aware"),
                       ("opened_at", "Opened"), ("closed_at", "Closed")):
        value = getattr(incident, key)
        if value is None and key == "closed_at":
            continue
        first = incident.first_recorded.get(key, False)
        corrected = "" if first is False else f"corrected; first recorded {when(first)}"
        times.append({"label": label, "value": when(value), "corrected": corrected})
    return times


def render_report(data: Mapping[str, object], *, template_dirs: tuple[Path, ...],
                  site: Mapping[str, object] | None = None, template: str = TEMPLATE) -> str:
    """The report (or a review-site page, `template`) as HTML; `site` adds the review site's links and forms."""
    from jinja2 import TemplateError

    env = make_environment("html", template_dirs)
    try:
        site_data = {"nav": [], "links": False, "base": "", **(site or {})}
        return str(env.get_template(template).render(**data, site=site_data))
    except TemplateError as exc:  # a data folder's own report template that is broken: no traceback
        raise InputError(f"template {template} cannot be rendered: {exc.__class__.__name__}: {exc}") from None


def write_report(session: Session, incident_id: str, *, out: Path, now: datetime) -> ReportFile:
    """`breach report ID --out FILE.html`: write the report (0600); its path, sha256 and obligation ids."""
    data = report_data(session, incident_id, now=now)
    html = render_report(data, template_dirs=tuple(search_path("templates", session.resource_home())))
    path = write_private(out, html)
    return {"incident": data["incident"]["id"], "path": str(path),
            "sha256": hashlib.sha256(html.encode("utf-8")).hexdigest(),
            "obligations": [o["id"] for o in data["obligations"]] + data["customer_obligations"],
            "customers": len(data["customer_obligations"]), "verified": data["verify"]["ok"], "print": PRINT_HINT}


def _remaining(delta: Any) -> str:
    seconds = int(delta.total_seconds())
    sign, seconds = ("overdue by " if seconds < 0 else ""), abs(seconds)
    hours, minutes = divmod(seconds // 60, 60)
    return f"{sign}{hours} h {minutes:02d} min" + ("" if sign else " left")


def _risk(assessment: Any, when: Any) -> dict[str, Any] | None:
    """ENISA factors as rows, the EDPB factors, the override and every rationale line."""
    if assessment is None:
        return None
    r = assessment.result
    cb = r.get("cb_elements") or {}
    values = {
        "DPC": f"{r.get('dpc')}" + (f" (basic {r.get('dpc_basic')})" if r.get("dpc_basic") != r.get("dpc") else ""),
        "EI": f"{r.get('ei')}",
        "CB": f"{r.get('cb')} (" + ", ".join(f"{k} {v}" for k, v in cb.items()) + ")" if cb else f"{r.get('cb')}",
        "SE": f"{r.get('severity')} → {r.get('level')}",
    }
    return {
        "risk": str(r.get("risk") or "-"), "computed": str(r.get("computed_risk") or r.get("risk") or "-"),
        "level": str(r.get("level") or "-"), "severity": str(r.get("severity")),
        "enisa": [{"name": name, "what": what, "value": values[name]} for name, what in ENISA_ROWS],
        "factors": [words(f) for f in r.get("factors") or []],
        "flags": [words(f) for f in r.get("flags") or []],
        "override": str(r.get("risk_override") or ""),
        "override_reason": words(r.get("risk_override_reason"), "en", none="") if r.get("risk_override") else "",
        "notify_sa": _yes(r.get("notify_sa")), "notify_subjects": _yes(r.get("notify_subjects")),
        "rationale": [str(line) for line in r.get("rationale") or []],
        "by": assessment.by, "at": when(assessment.at), "playbook": str(assessment.playbook or "-"),
    }


def _yes(value: Any) -> str:
    return "yes" if value is True else "no" if value is False else "-"
