"""Read-side views: everything known about an incident, as data and as text."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, NotRequired, TypedDict, cast

from breach.core import time as clock
from breach.core.duty_rows import ObligationRow
from breach.core.models import Assessment
from breach.core.sent_letters import letters_sent
from breach.core.textsafe import for_terminal_block
from breach.services.assessment import TaskRow, task_row
from breach.services.incidents import incident_dict
from breach.services.notices import drafts_section
from breach.services.obligations import advisories_section, obligations_section
from breach.services.session import Session


class AssessmentView(TypedDict):
    """The latest assessment: who made it when, with which playbook, its result (the keys of
    breach.core.risk.RiskResult.to_dict: a result stored by an earlier release may lack some) and the answers."""

    at: str
    by: str
    playbook: str | None
    role: NotRequired[str]
    dpc: NotRequired[int]
    dpc_basic: NotRequired[int]
    ei: NotRequired[float]
    cb: NotRequired[float]
    cb_elements: NotRequired[dict[str, float]]
    severity: NotRequired[float]
    level: NotRequired[str]
    flags: NotRequired[list[str]]
    risk: NotRequired[str]
    notify_sa: NotRequired[bool]
    notify_subjects: NotRequired[bool]
    notify_controller: NotRequired[bool]
    public_communication: NotRequired[bool]
    document: NotRequired[bool]
    exemption: NotRequired[str | None]
    factors: NotRequired[list[str]]
    computed_risk: NotRequired[str | None]
    risk_override: NotRequired[str | None]
    risk_override_reason: NotRequired[str | None]
    rationale: NotRequired[list[str]]
    to_confirm: NotRequired[list[dict[str, Any]]]
    override_pending: NotRequired[bool]
    override_confirmed_by: NotRequired[str | None]
    evidence: NotRequired[dict[str, Any]]
    answers: dict[str, Any]


class CorrectionRow(TypedDict):
    """A corrected fact of the incident: the field, its old and new value (times in ISO 8601), who, when, why."""

    field: str
    old: Any
    new: Any
    by: str
    at: str
    note: str | None


class RetractedRow(TypedDict):
    """A notice recorded by mistake and retracted: which obligation, the notice's time, who, when and why."""

    obligation: str
    notice_at: str
    by: str
    at: str
    reason: str


class IncidentView(TypedDict):
    """`breach show --json`: everything known about one incident. The incident's facts, its drafts and the
    letters written are shaped by breach.services.incidents, breach.services.notices and breach.core.sent_letters."""

    incident: Mapping[str, Any]
    events: int
    head_hash: str | None
    assessment: AssessmentView | None
    customers_assessment: NotRequired[AssessmentView]  # the customers' data, assessed as their processor
    assessments: int
    assessment_in_progress: list[str]
    scope: dict[str, int]
    unlocated: int
    people: int
    tasks: list[TaskRow]
    corrections: list[CorrectionRow]
    retracted: list[RetractedRow]
    obligations: list[ObligationRow]
    advisories: list[ObligationRow]
    drafts: Sequence[Mapping[str, Any]]
    letters: Sequence[Mapping[str, Any]]


def incident_view(session: Session, incident_id: str, *, now: datetime) -> IncidentView:
    state = session.state(incident_id)
    assessment = state.assessment
    view: IncidentView = {
        "incident": incident_dict(state.incident),
        "events": state.event_count,
        "head_hash": state.head_hash,
        "assessment": assessment_dict(assessment) if assessment else None,
        "assessments": len(state.assessments),
        "assessment_in_progress": sorted(state.answers) if state.answers else [],
        "scope": state.scope,
        "unlocated": state.unlocated,
        "people": state.people,
        "tasks": [task_row(t) for t in sorted(state.tasks.values(), key=lambda t: t.n)],
        "corrections": [{"field": c.field, "old": _iso(c.old), "new": _iso(c.new), "by": c.by,
                         "at": clock.iso(c.at), "note": c.note} for c in state.corrections],
        "retracted": [{"obligation": r.notification.obligation, "notice_at": clock.iso(r.notification.at),
                       "by": r.by, "at": clock.iso(r.at), "reason": r.reason} for r in state.retractions],
        "obligations": obligations_section(session, state, now),
        "advisories": advisories_section(session, state),
        "drafts": drafts_section(session, state),
        # Each (kind, language, version) `breach letters` wrote, its count and the obligation it serves.
        "letters": letters_sent(state.letters),
    }
    if state.customers_assessment:  # both roles: the customers' data, assessed as their processor
        view["customers_assessment"] = assessment_dict(state.customers_assessment)
    return view


def _yes(value: Any) -> str:
    return "yes" if value is True else "no" if value is False else "-"


def _iso(value: Any) -> Any:
    return clock.iso(value) if isinstance(value, datetime) else value


def assessment_dict(a: Assessment) -> AssessmentView:
    return cast(AssessmentView, {"at": clock.iso(a.at), "by": a.by, "playbook": a.playbook, **a.result,
                                 "answers": a.answers})


def render_view(view: IncidentView, zone: str = "UTC") -> str:
    """The view for people: times in the responder's zone."""
    from datetime import datetime

    def when(value: str | None) -> str:
        return clock.show(datetime.fromisoformat(value), zone) if value else "-"

    lines = [*_incident_lines(view, when), _assessment_line(view)]
    if c := view.get("customers_assessment"):  # both roles: the customers' data, assessed as their processor
        lines.append(f"  customers' data (processor, GDPR Art. 33(2)): risk {c.get('risk')} (ENISA {c.get('level')}, "
                     f"SE {c.get('severity')})")
    if view.get("scope") or view.get("unlocated"):
        known = ", ".join(f"{k}={v:,}" for k, v in view["scope"].items())
        unknown = f"{view['unlocated']:,} of unknown location" if view.get("unlocated") else ""
        lines.append(f"  people affected: {view['people']:,} ({_text('; '.join(filter(None, [known, unknown])))})")
    for t in view.get("tasks", []):
        lines.append(f"  task {t['n']} [{t['state']}] {_text(t['text'])}")
    lines += _duty_lines(view, when)
    for d in view.get("drafts") or []:
        lines.append(f"  draft {d['kind']} {d['lang']} v{d['version']} [{d['state']}]")
    for r in view.get("letters") or []:
        lines.append(f"  letters {r['kind']} {r['lang']} v{r['version']}: {r['count']:,} written"
                     + (f" ({r['obligation']})" if r.get("obligation") else ""))
    lines.append(f"  {view['events']} events, head {str(view['head_hash'])[:12]}")
    return "\n".join(lines)


def _text(value: Any) -> str:
    """Responder text: no escape sequences, continuation lines indented."""
    return for_terminal_block(value, "      ")


def _incident_lines(view: IncidentView, when: Callable[[str | None], str]) -> list[str]:
    """The incident's facts, its corrections and retracted notices."""
    i = view["incident"]
    lines = [
        f"{i['id']}  {_text(i['title'])}",
        f"  status {i['status']}, role {i['role']}",
        f"  occurred {when(i['occurred_at'])}  detected {when(i['detected_at'])}  aware {when(i['aware_at'])}",
    ]
    if i.get("awareness_note"):
        lines.append(f"  awareness: {_text(i['awareness_note'])}")
    if i.get("closed_at"):
        lines.append(f"  closed {when(i['closed_at'])}: {_text(i['summary'])}")
    for c in view.get("corrections") or []:
        old, new = (when(v) if c["field"].endswith("_at") and v else _text(str(v)) if v else "-"
                    for v in (c["old"], c["new"]))
        why = f" ({_text(c['note'])})" if c.get("note") else ""
        lines.append(f"  corrected {c['field']}: {old} -> {new}, by {_text(c['by'])} {when(c['at'])}{why}")
    for r in view.get("retracted") or []:
        lines.append(f"  retracted {r['obligation']} notice of {when(r['notice_at'])}, by {_text(r['by'])} "
                     f"{when(r['at'])}: {_text(r['reason'])}")
    return lines


def _assessment_line(view: IncidentView) -> str:
    a = view.get("assessment")
    if a:
        return (f"  risk {a.get('risk')} (ENISA {a.get('level')}, SE {a.get('severity')}); "
                f"notify the authority: {_yes(a.get('notify_sa'))}, "
                f"tell the people: {_yes(a.get('notify_subjects'))}")
    if view.get("assessment_in_progress"):
        n = len(view["assessment_in_progress"])
        return f"  assessment in progress ({n} answer{'' if n == 1 else 's'})"
    return "  not assessed yet: breach assess " + str(view["incident"]["id"])


def _duty_lines(view: IncidentView, when: Callable[[str | None], str]) -> list[str]:
    """Each obligation with its deadline, then each advisory with legal's decision (breach decide)."""
    lines = []
    for o in view.get("obligations") or []:
        due = when(o.get("due_at")) if o.get("due_at") else "without undue delay"
        lines.append(f"  {o['obligation']:<22} {o['state']:<14} due {due}")
        if o.get("no_longer_triggered"):
            changed = when(o["scope_changed_at"])
            lines.append(f"    {o['state']}; no longer triggered by the scope (changed at {changed})")
    for a in view.get("advisories") or []:
        d = a.get("decided")
        if d:  # legal decided (breach decide): the decision, its reason, who and when
            what = "notify" if d["notify"] else "not notified"
            lines.append(f"  {a['obligation']:<22} decided: {what} ({_text(d.get('reason') or '-')}; "
                         f"{_text(d['by'])}; {when(d['at'])}): {_text(a['recipient'])}")
            continue
        lines.append(f"  {a['obligation']:<22} advisory       {_text(a.get('decision') or 'needs a legal decision')}: "
                     f"{_text(a['recipient'])}")
    return lines
