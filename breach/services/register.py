"""The GDPR Art. 33(5) register and the incident export bundle.

Art. 33(5): "The controller shall document any personal data breaches, comprising the
facts relating to the personal data breach, its effects and the remedial action taken."
One row per incident, notified or not, with every obligation's state and why.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import zipfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict

from breach.adapters.files import write_private
from breach.adapters.resources import shipped
from breach.adapters.store_sql import sha256_text
from breach.core import time as clock
from breach.core.customers import PREFIX as CUSTOMER_PREFIX
from breach.core.models import Notification, ObligationState, TaskState
from breach.core.sent_letters import describe as describe_letters
from breach.core.sent_letters import for_obligation, letters_sent
from breach.core.state import IncidentState
from breach.core.textsafe import csv_cell, for_terminal, md_text, one_line
from breach.core.wording import human_reason, key_words, words
from breach.errors import InputError
from breach.services.incidents import event_dict, incident_dict, list_incidents
from breach.services.integrity import verify
from breach.services.notices import review_rows
from breach.services.obligations import incident_advisories, incident_obligations, incident_record_duties
from breach.services.session import Session

#: The CSV header, documented in docs/register.md.
COLUMNS = [
    "id", "status", "title", "occurred_at", "detected_at", "aware_at", "closed_at", "nature",
    "breach_types", "data_categories", "subjects_count", "records_count", "risk", "computed_risk",
    "risk_override", "risk_override_reason", "risk_override_by", "override_confirmed_by", "to_confirm",
    "enisa_level",
    "enisa_severity", "rationale", "exemption", "notify_sa", "notify_subjects", "obligations",
    "not_notified_reason", "decided_by", "decided_at", "sent_without_approval", "remedial_action",
    "corrections", "retracted",
    "advisories", "record_keeping",
]


class RegisterRow(TypedDict):
    """One incident's register entry (GDPR Art. 33(5)); the CSV's columns (COLUMNS), JSON as is."""

    id: str
    status: str
    title: str
    occurred_at: str | None
    detected_at: str | None
    aware_at: str | None
    closed_at: str | None
    nature: Any
    breach_types: list[Any]
    data_categories: list[Any]
    subjects_count: Any
    records_count: Any
    risk: str | None
    computed_risk: str | None
    risk_override: str | None
    risk_override_reason: str | None
    risk_override_by: str | None
    override_confirmed_by: str | None
    to_confirm: list[str]
    enisa_level: str | None
    enisa_severity: Any
    rationale: list[str]
    exemption: str | None
    notify_sa: bool | None
    notify_subjects: bool | None
    obligations: list[dict[str, Any]]
    not_notified_reason: str | None
    decided_by: str | None
    decided_at: str | None
    sent_without_approval: list[str]
    corrections: list[str]
    retracted: list[str]
    remedial_action: str | None
    advisories: list[dict[str, Any]]
    record_keeping: list[dict[str, Any]]


class ExportResult(TypedDict):
    """`breach export`: the bundle written, its file count and the hash of its manifest."""

    incident: str
    path: str
    files: int
    manifest_sha256: str
    events: int


UNLIKELY = "not notified because unlikely to result in a risk (GDPR Art. 33(1)); recorded under Art. 33(5)"


def register_rows(session: Session, *, now: datetime, since: datetime | None = None) -> list[RegisterRow]:
    """The GDPR Art. 33(5) register: one row per incident (made aware of since `since`, when given)."""
    rows = []
    for listed in list_incidents(session, include_closed=True):
        state = session.state(listed.id)
        if since and state.incident.aware_at < since:
            continue
        rows.append(register_row(session, state, now=now))
    return rows


def register_row(session: Session, state: IncidentState, *, now: datetime) -> RegisterRow:
    """One incident's entry: its facts, the assessment, what was notified and how, what was decided."""
    incident = state.incident
    a = state.assessment
    result, answers = (a.result, a.answers) if a else ({}, {})
    tasks_done = [t.text for t in state.tasks.values() if t.state == TaskState.DONE and t.text]
    return {
        "id": incident.id, "status": incident.status, "title": incident.title,
        "occurred_at": clock.iso(incident.occurred_at), "detected_at": clock.iso(incident.detected_at),
        "aware_at": clock.iso(incident.aware_at), "closed_at": clock.iso(incident.closed_at),
        "nature": _one_language(answers.get("nature_summary")), "breach_types": answers.get("breach_types") or [],
        "data_categories": answers.get("data_categories") or [],
        "subjects_count": answers.get("subjects_count"), "records_count": answers.get("records_count"),
        "risk": result.get("risk"), "computed_risk": result.get("computed_risk", result.get("risk")),
        "risk_override": result.get("risk_override"), "risk_override_reason": result.get("risk_override_reason"),
        # GDPR Art. 5(2): who lowered the risk and who confirmed it (pending: not in effect yet)
        "risk_override_by": result.get("risk_override_by"),
        "override_confirmed_by": result.get("override_confirmed_by")
        or ("PENDING: breach confirm-override" if result.get("override_pending") else None),
        "to_confirm": [f"{c['question'].replace('_', ' ')} ({c['reading']})" for c in result.get("to_confirm") or []],
        "enisa_level": result.get("level"),
        "enisa_severity": result.get("severity"), "rationale": result.get("rationale") or [],
        "exemption": result.get("exemption"), "notify_sa": result.get("notify_sa"),
        "notify_subjects": result.get("notify_subjects"), "obligations": _obligation_rows(session, state, now=now),
        "not_notified_reason": _not_notified(result), "decided_by": a.by if a else None,
        "decided_at": clock.iso(a.at) if a else None,
        "sent_without_approval": sorted({ob for ob, ns in state.notifications.items()
                                         for n in ns if n.without_approval}),
        "corrections": [f"{c.field}: {_plain(c.old)} -> {_plain(c.new)} by {c.by} at {clock.iso(c.at)}"
                        + (f" ({c.note})" if c.note else "") for c in state.corrections],
        "retracted": [f"{r.notification.obligation} notice at {clock.iso(r.notification.at)}"
                      + (f" ref {r.notification.reference}" if r.notification.reference else "")
                      + f" retracted by {r.by} at {clock.iso(r.at)}: {r.reason}" for r in state.retractions],
        "remedial_action": _remedial(_one_language(answers.get("measures_taken")), tasks_done),
        "advisories": _advisory_rows(session, state),
        # Register duties: how long this entry must be kept (PIPEDA s 10.3: 24 months).
        "record_keeping": [d.to_dict() for d in incident_record_duties(session, incident.id, state=state)],
    }


def _obligation_rows(session: Session, state: IncidentState, *, now: datetime) -> list[dict[str, Any]]:
    sent = letters_sent(state.letters)
    obligations = []
    for o in incident_obligations(session, state.incident.id, now=now, state=state):
        # Met by letters (Art. 34, Cal. Civ. Code 1798.82): each (kind, language, version) written, with its count.
        letters = for_obligation(sent, o.rule_id)
        how = "; ".join(_notice_line(n, letters=bool(letters)) for n in state.notifications.get(o.rule_id, ()))
        if letters:
            how = "; ".join(filter(None, [how, f"letters {describe_letters(letters)}"]))
        obligations.append({
            "obligation": o.rule_id, "recipient": o.recipient, "state": o.state,
            "due_at": clock.iso(o.due_at), "met_at": clock.iso(o.met_at), "how": how or None,
            "reason": o.reason, "source": o.source, "letters": letters,
            # met, then the scope changed so that it no longer applies: kept on record
            "no_longer_triggered": o.scope_changed_at is not None,
            "scope_changed_at": clock.iso(o.scope_changed_at),
        })
    return obligations


def _notice_line(n: Notification, *, letters: bool) -> str:
    """How one notice was made: phase, time, reference, the draft sent, approval, reasons for delay, corrections."""
    return (f"{n.phase} notice at {clock.iso(n.at)}"
            + (f" ref {n.reference}" if n.reference else "")
            + (f", draft {n.draft.kind} {n.draft.lang} v{n.draft.version}" if n.draft and not letters else "")
            + (" WITHOUT LEGAL APPROVAL: " + (n.reason or "") if n.without_approval else "")
            + (f"; reasons for delay: {_one_language(n.reasons_for_delay)}" if n.reasons_for_delay else "")
            + (" (given at `breach notified`: notice made outside the tool)" if n.reasons_outside_tool else "")
            + (f" (record corrected by {n.by} at {clock.iso(n.recorded_at)}: {n.correction_reason}; first "
               f"recorded as at {clock.iso(n.corrected.at)}"
               + (f" ref {n.corrected.reference}" if n.corrected.reference else "") + ")" if n.corrected else ""))


def _advisory_rows(session: Session, state: IncidentState) -> list[dict[str, Any]]:
    """Authorities that may be concerned and regimes not modelled: each needs a legal decision.
    `breach decide --not-notify`: the decision, its reason, who decided and when."""
    return [{"advisory": a.id, "recipient": a.recipient, "decision": a.decision, "reason": a.reason,
             "source": a.source, "status": a.status,
             "decided": {"notify": a.decided.notify, "reason": a.decided.reason, "by": a.decided.by,
                         "at": clock.iso(a.decided.at)} if a.decided else None}
            for a in incident_advisories(session, state.incident.id, state=state)]


def _not_notified(result: dict[str, Any]) -> str | None:
    if result.get("risk") == "unlikely":
        return UNLIKELY
    if result.get("exemption"):
        return f"data subjects not told: exemption {result['exemption']} (GDPR Art. 34(3))"
    return None


def _remedial(measures: Any, tasks_done: list[str]) -> str | None:
    """The measures as written, then the playbook tasks done: 'Logs preserved. Tasks done: Reset passwords.'"""
    parts = []
    if measures:
        text = str(measures).strip()
        parts.append(text if text.endswith((".", "!", "?")) else text + ".")
    if tasks_done:
        parts.append("Tasks done: " + "; ".join(t.strip().rstrip(".") for t in tasks_done) + ".")
    return " ".join(parts) or None


def _plain(value: Any) -> str:
    return (clock.iso(value) or "-") if isinstance(value, datetime) else ("-" if value is None else str(value))


def _one_language(value: Any, lang: str = "en") -> Any:
    """A per-language answer ({en: ..., fr: ...}) in one language for the register."""
    if isinstance(value, dict):
        return value.get(lang) or next(iter(value.values()), None)
    return value


def _flat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        if value and isinstance(value[0], dict) and "advisory" in value[0]:
            return " | ".join(f"{a['advisory']}: {a['decision']}"
                              + (f", decided by {a['decided']['by']} at {a['decided']['at']}"
                                 if a.get("decided") else "")
                              + f" ({a['recipient']}; {a['source']})" for a in value)
        if value and isinstance(value[0], dict) and "duty" in value[0]:
            return " | ".join(f"{d['duty']}: keep until {d['keep_until'] or 'no fixed date'} ({d['source']}, "
                              f"{d['status']})" for d in value)
        if value and isinstance(value[0], dict):
            return " | ".join(
                f"{o['obligation']}: {o['state']}"
                + (f", due {o['due_at']}" if o.get("due_at") else ", no fixed deadline")
                + (f", met {o['met_at']}" if o.get("met_at") else "")
                + (f" ({o['how']})" if o.get("how") else "")
                + (f"; no longer triggered by the scope (changed at {o['scope_changed_at']})"
                   if o.get("no_longer_triggered") else "")
                + (f" [{human_reason(o['reason'])}]" if o.get("reason") else "")
                for o in value)
        return "; ".join(words(v) if isinstance(v, bool) else str(v) for v in value)
    return words(value) if isinstance(value, bool) else str(value)  # yes/no, never True/False


def _roles_line(obligations: list[dict[str, Any]]) -> str | None:
    """Both roles side by side: the customers' notices (GDPR Art. 33(2), each contract's window) counted,
    beside the controller's 72-hour clock (Art. 33(1)); None when no customer is affected."""
    customers = [o for o in obligations if str(o["obligation"]).startswith(CUSTOMER_PREFIX)]
    if not customers:
        return None
    late = sum(1 for o in customers if o["state"] == ObligationState.LATE)
    met = sum(1 for o in customers if o["state"] == ObligationState.MET)
    line = (f"{len(customers):,} customers (GDPR Art. 33(2), contract windows): {met:,} notified within their "
            f"window, {late:,} late, {len(customers) - met - late:,} not yet notified")
    sa = next((o for o in obligations if str(o["obligation"]).split(":")[0] == "gdpr-art33-sa"
               and o["state"] != ObligationState.NOT_APPLICABLE), None)
    if sa is not None:
        line += (f"; controller's 72-hour clock (GDPR Art. 33(1)) {sa['obligation']}: {sa['state']}, due "
                 f"{sa['due_at']}" + (f", met {sa['met_at']}" if sa.get("met_at") else ""))
    return line


def format_register(rows: list[RegisterRow], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS)
        writer.writeheader()
        for r in rows:
            cells: Mapping[str, object] = r
            writer.writerow({k: csv_cell(for_terminal(_flat(cells[k]))) for k in COLUMNS})  # no formulas, no escapes
        return buf.getvalue()
    if fmt == "md":
        out = ["# Register of personal data breaches (GDPR Art. 33(5))", ""]
        for r in rows:
            out.append(f"## {r['id']}: {md_text(one_line(r['title']))}")  # user text makes no heading
            roles = _roles_line(r["obligations"])
            if roles:
                out.append(f"- **customers and the controller's clock**: {roles}")
            entry: Mapping[str, object] = r
            for key in COLUMNS[1:]:
                if key in {"title", "obligations", "rationale"}:
                    continue
                # words, not the CSV column id
                out.append(f"- **{key_words(key)}**: {one_line(_flat(entry[key])) or '-'}")
            out.append("- **rationale**:")
            out += [f"  - {one_line(line)}" for line in r["rationale"]] or ["  - -"]
            out.append("- **obligations**:")
            for o in r["obligations"]:
                out.append(f"  - {one_line(_flat([o]))}")
            out.append("")
        return "\n".join(out)
    raise InputError(f"format must be csv, json or md, not {fmt!r}")


# --- export -----------------------------------------------------------------------------

#: The stdlib-only chain verifier that travels in every export bundle.
VERIFY_SCRIPT = shipped("verify_chain.py")


def export_incident(session: Session, incident_id: str, *, out: Path, now: datetime) -> ExportResult:
    """Write a zip a third party can check without this tool (MANIFEST.sha256 + verify_chain.py)."""
    state = session.state(incident_id)
    incident = state.incident
    events = session.store.events(incident.id)
    files: dict[str, bytes] = {}

    def put(name: str, data: Any) -> None:
        text = data if isinstance(data, str) else json.dumps(data, indent=2, ensure_ascii=False, default=str)
        files[name] = text.encode("utf-8")

    put("incident.json", incident_dict(incident))
    put("timeline.json", [event_dict(e) for e in events])
    put("assessments.json", [record_dict(a) for a in state.assessments])
    put("notifications.json", {k: [record_dict(n) for n in v] for k, v in state.notifications.items()})
    reviews = review_rows(session, incident.id)
    put("drafts.json", reviews)
    for row in session.store.draft_rows(incident.id):
        files[f"drafts/{row['kind']}.{row['lang']}.v{row['version']}.{row['format']}"] = row["text"].encode("utf-8")
    put("verify.json", verify(session, incident.id))
    put("register-row.json", [r for r in register_rows(session, now=now) if r["id"] == incident.id])
    put("README.txt", _export_readme(incident.id))
    files["verify_chain.py"] = VERIFY_SCRIPT.read_bytes()
    manifest = "".join(f"{hashlib_hex(data)}  {name}\n" for name, data in sorted(files.items()))

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(files.items()):
            zf.writestr(name, data)
        zf.writestr("MANIFEST.sha256", manifest)
    write_private(out, buffer.getvalue())
    return {"incident": incident.id, "path": str(out), "files": len(files) + 1,
            "manifest_sha256": sha256_text(manifest), "events": len(events)}


def record_dict(record: Any) -> dict[str, object]:
    """A frozen record (breach.core.models) as JSON-ready data, times in ISO 8601 with offset."""
    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return clock.iso(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    data: dict[str, object] = plain(dataclasses.asdict(record))
    return data


def hashlib_hex(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _export_readme(incident_id: str) -> str:
    return (
        f"Export of incident {incident_id} from breach.\n\n"
        "Check the files:        sha256sum -c MANIFEST.sha256\n"
        "Check the event chain:  python3 verify_chain.py timeline.json\n\n"
        "timeline.json holds every event with its hash and the previous event's hash;\n"
        "each hash is SHA-256 over canonical JSON (sorted keys, no spaces, UTF-8) of\n"
        "{incident, seq, kind, at, at_offset, author, data, prev_hash}.\n"
    )
