"""One line in words for each timeline event: what the report, the review site and `breach timeline` show.

Pure. Every value goes through breach.core.wording.words (yes/no, 'not answered', texts in
several languages, keys in words), so no Python repr and no answer key reaches a reader, and
every kind says what it recorded (a kind without its details would read "letters written: ").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from breach.core import time as clock
from breach.core.models import DraftState, Event, ReviewDecision
from breach.core.review import who_reviewed
from breach.core.wording import human_reason, key_words, words

#: Event data that is bookkeeping (hashes, paths, template files), not something a reader needs.
_QUIET = frozenset({"sha256", "final_sha256", "final_path", "template", "format", "notified_seq", "phase_number",
                    "approvals", "template_sha256", "template_versions", "out_dir", "out_bytes",
                    "duration_seconds", "clock_events", "playbook"})
LIMIT = 300


@dataclass(frozen=True)
class _Say:
    """How values are written for one reader: times in their zone, texts in their language."""

    zone: str
    lang: str | None

    def when(self, value: Any) -> str:
        try:
            return clock.show(datetime.fromisoformat(str(value)), self.zone)
        except ValueError:
            return words(value)

    def said(self, value: Any) -> str:
        return _short(words(value, self.lang))


def describe_event(event: Event, *, zone: str = "UTC", lang: str | None = None) -> str:
    """One line saying what an event recorded, e.g. "sa-notification (fr) v2 approved via review page by M. Dupont"."""
    d = event.data or {}
    kind = str(event.kind)
    describe = _DESCRIBE.get(kind)
    if describe is not None:
        return describe(d, event, _Say(zone, lang))
    if d.get("text") is not None:
        return str(d["text"])
    rest = {k: v for k, v in d.items() if k not in _QUIET and v not in (None, "", [], {})}
    return _short(words(rest)) if rest else kind


def _late(d: dict[str, Any], say: _Say) -> str:
    if not d.get("late"):
        return ""
    return "; late" + (f", reasons for the delay: {say.said(d['reasons_for_delay'])}"
                       if d.get("reasons_for_delay") else "")


def _reviewed(d: dict[str, Any], event: Event, say: _Say) -> str:
    what = DraftState.APPROVED if d.get("decision") == ReviewDecision.APPROVED else DraftState.CHANGES_REQUESTED
    who = who_reviewed(str(d.get("by") or event.author), via=d.get("via"), started_by=d.get("started_by"))
    line = f"{d.get('kind')} ({d.get('lang')}) v{d.get('version')} {what} by {who}"
    return line + (f": {say.said(d['comment'])}" if d.get("comment") else "")


def _drafted(d: dict[str, Any], event: Event, say: _Say) -> str:
    line = f"{d.get('kind')} ({d.get('lang')}) v{d.get('version')} drafted"
    if d.get("phase"):
        line += f", {d['phase']} notice"
    if d.get("edited_from"):
        line += f" from legal's edit {d['edited_from']} (of v{d.get('based_on')})"
    line += _late(d, say)
    return line + (f"; missing: {', '.join(key_words(m) for m in d['missing'])}" if d.get("missing") else "")


def _opened(d: dict[str, Any], event: Event, say: _Say) -> str:
    line = f"opened: {d.get('title', '')}"
    if d.get("aware_at"):
        line += f"; aware {say.when(d['aware_at'])}"
    return line + (f" ({say.said(d['awareness_note'])})" if d.get("awareness_note") else "")


def _closed(d: dict[str, Any], event: Event, say: _Say) -> str:
    line = f"closed: {say.said(d.get('summary') or '')}"
    pending = d.get("pending_obligations") or []
    return line + (f"; still pending when closed: {', '.join(pending)}" if pending else "")


def _answer(d: dict[str, Any], event: Event, say: _Say) -> str:
    return f"answer to {key_words(str(d.get('step')))}: {say.said(d.get('value'))}"


def _assessed_event(d: dict[str, Any], event: Event, say: _Say) -> str:
    return _assessed(d.get("result") or {}, event.author)


def _task(d: dict[str, Any], event: Event, say: _Say) -> str:
    line = f"task {d.get('n')}"
    if d.get("text"):
        return f"{line} added: {_short(str(d['text']))}"
    return f"{line} {d.get('state', '')}" + (f": {say.said(d['note'])}" if d.get("note") else "")


def _scope(d: dict[str, Any], event: Event, say: _Say) -> str:
    people = ", ".join(f"{k} {words(v)}" for k, v in (d.get("jurisdictions") or {}).items()) or "none located"
    return f"people by jurisdiction: {people}" + (f"; location unknown: {d['unlocated']}"
                                                   if d.get("unlocated") else "")


def _clock(d: dict[str, Any], event: Event, say: _Say) -> str:
    line = f"clock event {key_words(str(d.get('event')))} at {say.when(d.get('at'))}"
    return line + (f" ({say.said(d['decision'])})" if d.get("decision") else "")


def _notified(d: dict[str, Any], event: Event, say: _Say) -> str:
    line = f"{d.get('obligation')} notified at {say.when(d.get('at'))}"
    line += f", {d['phase']} notice" if d.get("phase") else ""
    line += f" (ref. {d['reference']})" if d.get("reference") else ""
    line += f" to {d['recipient']}" if d.get("recipient") else ""
    line += _late(d, say)
    return line + (f"; without approval: {say.said(d.get('reason'))}" if d.get("without_approval") else "")


def _letters(d: dict[str, Any], event: Event, say: _Say) -> str:
    line = f"letters written: {words(d.get('written', d.get('count')), none='0')}"
    line += f", set aside: {d['rejected']}" if d.get("rejected") else ""
    if d.get("by_lang"):
        line += " (" + ", ".join(f"{k} {v}" for k, v in d["by_lang"].items()) + ")"
    line += f", format {d['format']}" if d.get("format") else ""
    return line + ("; resumed" if d.get("resumed") else "")


def _edited(d: dict[str, Any], event: Event, say: _Say) -> str:
    fields = d.get("fields") or {}
    parts = [f"{key_words(k)} {say.when(v) if k.endswith('_at') else say.said(v)}" for k, v in fields.items()]
    return "corrected: " + ("; ".join(parts) or "nothing") + (f" ({say.said(d['note'])})" if d.get("note") else "")


def _retracted(d: dict[str, Any], event: Event, say: _Say) -> str:
    return f"{d.get('obligation')} notice retracted: {say.said(d.get('reason'))}"


def _customers(d: dict[str, Any], event: Event, say: _Say) -> str:
    found = d.get("customers") or []
    users = sum(c.get("end_users") or 0 for c in found)
    line = f"customers affected: {len(found):,}" + (f" ({users:,} of their end users)" if users else "")
    return line + ("; replacing those recorded" if d.get("change") == "replace" else "")


#: One line per kind; other kinds (notes, actions, evidence, decisions) show their text or their data.
_DESCRIBE: dict[str, Callable[[dict[str, Any], Event, _Say], str]] = {
    "reviewed": _reviewed, "drafted": _drafted, "opened": _opened, "closed": _closed, "answer": _answer,
    "assessed": _assessed_event, "task": _task, "scope": _scope, "clock": _clock, "notified": _notified,
    "letters": _letters, "edited": _edited, "retracted": _retracted,
    "customers": _customers,
}


def _assessed(r: dict[str, Any], author: str) -> str:
    risk, computed = r.get("risk"), r.get("computed_risk") or r.get("risk")
    line = f"assessed: risk {words(risk, none='unknown')}"
    if r.get("risk_override"):
        line += f" (override by {author} of the computed {words(computed, none='unknown')}"
        reason = r.get("risk_override_reason")
        line += f": {_short(words(reason))})" if reason else ", no reason given)"
    if r.get("level"):
        line += f"; ENISA severity {words(r.get('severity'), none='unknown')}, {r['level']}"
    if r.get("notify_sa") is not None:
        line += f"; notify the authority: {words(r.get('notify_sa'))}"
    if r.get("notify_subjects") is not None:
        line += f"; tell the people: {words(r.get('notify_subjects'))}"
    return human_reason(line)


def _short(text: str, limit: int = LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
