"""Read-side views: everything known about an incident, as data and as text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import clock
from .flows import Session, corrected, get_incident, incident_dict
from .state import fold
from .textsafe import for_terminal_block


def incident_view(session: Session, incident_id: str, *, now: datetime) -> dict[str, Any]:
    events = session.store.events(get_incident(session, incident_id).id)
    state = fold(events)
    incident = corrected(get_incident(session, incident_id), state.clock_events)
    assessment = state.assessment
    view: dict[str, Any] = {
        "incident": incident_dict(incident),
        "events": len(events),
        "head_hash": events[-1].hash if events else None,
        "assessment": _assessment_dict(assessment) if assessment else None,
        "assessments": len(state.assessments),
        "assessment_in_progress": sorted(state.answers) if state.answers else [],
        "scope": state.scope,
        "tasks": [_task_dict(t) for t in sorted(state.tasks.values(), key=lambda t: t["n"])],
    }
    from .clocks import obligations_section
    from .notices import drafts_section

    view["obligations"] = obligations_section(session, incident, state, now)
    view["drafts"] = drafts_section(session, incident, state, now)
    return view


def _assessment_dict(a: dict[str, Any]) -> dict[str, Any]:
    return {"at": clock.iso(a["at"]), "by": a["by"], "playbook": a.get("playbook"),
            **(a.get("result") or {}), "answers": a.get("answers")}


def _task_dict(t: dict[str, Any]) -> dict[str, Any]:
    return {"n": t["n"], "text": t["text"], "state": t["state"], "note": t.get("note"),
            "source": t.get("source"), "step": t.get("step")}


def render_view(view: dict[str, Any], zone: str = "UTC") -> str:
    """The view for people: times in the responder's zone."""
    from datetime import datetime

    def when(value: str | None) -> str:
        return clock.show(datetime.fromisoformat(value), zone) if value else "-"

    def text(value: Any) -> str:  # responder text: no escape sequences, continuation lines indented
        return for_terminal_block(value, "      ")

    i = view["incident"]
    lines = [
        f"{i['id']}  {text(i['title'])}",
        f"  status {i['status']}, role {i['role']}",
        f"  occurred {when(i['occurred_at'])}  detected {when(i['detected_at'])}  aware {when(i['aware_at'])}",
    ]
    if i.get("awareness_note"):
        lines.append(f"  awareness: {text(i['awareness_note'])}")
    if i.get("closed_at"):
        lines.append(f"  closed {when(i['closed_at'])}: {text(i['summary'])}")
    a = view.get("assessment")
    if a:
        lines.append(f"  risk {a.get('risk')} (ENISA {a.get('level')}, SE {a.get('severity')}); "
                     f"notify SA: {a.get('notify_sa')}, notify subjects: {a.get('notify_subjects')}")
    elif view.get("assessment_in_progress"):
        lines.append(f"  assessment in progress ({len(view['assessment_in_progress'])} answers)")
    else:
        lines.append("  not assessed yet: breach assess " + i["id"])
    if view.get("scope"):
        lines.append("  people by jurisdiction: " + text(", ".join(f"{k}={v}" for k, v in view["scope"].items())))
    for t in view.get("tasks", []):
        lines.append(f"  task {t['n']} [{t['state']}] {text(t['text'])}")
    for o in view.get("obligations") or []:
        due = when(o.get("due_at")) if o.get("due_at") else "without undue delay"
        lines.append(f"  {o['obligation']:<22} {o['state']:<14} due {due}")
    for d in view.get("drafts") or []:
        lines.append(f"  draft {d['kind']} {d['lang']} v{d['version']} [{d['state']}]")
    lines.append(f"  {view['events']} events, head {str(view['head_hash'])[:12]}")
    return "\n".join(lines)
