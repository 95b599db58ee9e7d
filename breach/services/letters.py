"""Art. 34 letters: only approved, unchanged subject letters are merged.

The streaming engine is breach.adapters.letters_engine; this module picks, for each language, the
newest approved `subject-letter` version whose text still matches its approval hash,
and records a summary (counts, sizes, template hashes; never a person) on the timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from breach.adapters import letters_engine as engine
from breach.adapters.letters_engine import ApprovedLetter
from breach.adapters.resources import search_path
from breach.adapters.store_sql import sha256_text
from breach.adapters.subjects_csv import count_rows
from breach.adapters.yamlfiles import load_yaml
from breach.core.models import EventKind
from breach.errors import ApprovalError
from breach.services.incidents import get_incident
from breach.services.notices import review_rows, without_draft_marker
from breach.services.session import Session

__all__ = ["approved_letters", "count_rows", "data_labels", "write_letters"]


def approved_letters(session: Session, incident_id: str, kind: str = "subject-letter",
                     ) -> tuple[dict[str, Any], dict[str, Any]]:
    """lang -> ApprovedLetter for the newest approved, intact letter of `kind` in each language, and the approvals."""
    rows = [r for r in review_rows(session, incident_id) if r["kind"] == kind and r["approved_sha256"]]
    texts = {(d["lang"], d["version"]): d for d in session.store.draft_rows(incident_id) if d["kind"] == kind}
    letters: dict[str, Any] = {}
    approvals: dict[str, Any] = {}
    for row in sorted(rows, key=lambda r: r["version"]):
        draft = texts[(row["lang"], row["version"])]
        if sha256_text(draft["text"]) != row["approved_sha256"]:
            raise ApprovalError(f"{kind} ({row['lang']}) v{row['version']} changed after approval: "
                                "hash mismatch; draft and approve it again")
        # Checked against the approval above; the merge engine re-checks the text it is handed.
        text = without_draft_marker(draft["text"], row["lang"])
        letters[row["lang"]] = ApprovedLetter(lang=row["lang"], version=row["version"], sha256=sha256_text(text),
                                              text=text)
        approvals[row["lang"]] = {"version": row["version"], "approved_sha256": row["approved_sha256"],
                                  "approved_by": row["approved_by"]}
    return letters, approvals


def data_labels(langs: list[str], home: Path | None = None) -> dict[str, dict[str, str]]:
    """Localized names of the data items (templates/i18n/<lang>.yaml `items`; the data folder's own first)."""
    labels = {}
    for lang in langs:
        found = [d / "i18n" / f"{lang}.yaml" for d in search_path("templates", home)]
        path = next((f for f in found if f.exists()), None)
        if path is not None:
            data = load_yaml(path)
            labels[lang] = {**dict(data.get("items") or {}), "_default": data.get("letter_default_data")
                            or ", ".join((data.get("items") or {}).values())}
    return labels


def write_letters(session: Session, incident_id: str, *, subjects_csv: Path, out_dir: Path, fmt: str,
                  lang_column: str, default_lang: str | None, from_address: str | None, resume: bool,
                  now: datetime, progress: Callable[[int], None] | None = None,
                  multiline: bool = False) -> dict[str, Any]:
    incident = get_incident(session, incident_id)
    approved, approvals = approved_letters(session, incident.id)
    if not approved:
        raise ApprovalError(f"no approved subject-letter for {incident.id}: draft it (breach draft {incident.id} "
                            "subject-letter --lang L), have legal approve it, then run breach letters")
    # Cal. Civ. Code 1798.82(d): California residents get the "Notice of Data Breach" form,
    # for rows whose jurisdiction column says US-CA, when the incident has people there.
    regional: dict[str, Any] = {}
    if session.state(incident.id).scope.get("US-CA"):
        california, ca_approvals = approved_letters(session, incident.id, "us-ca-letter")
        if "en" in california:
            regional["US-CA"] = california["en"]
            approvals["us-ca-letter"] = ca_approvals["en"]
    langs = sorted(set(approved) | {v.lang for v in regional.values()})
    sender = from_address or session.org.contact.privacy_email or str(session.org.contact.email)
    summary = engine.write_letters(
        letters=approved, subjects_csv=Path(subjects_csv), out_dir=Path(out_dir), fmt=fmt, lang_column=lang_column,
        default_lang=default_lang or ("en" if "en" in approved else sorted(approved)[0]), from_address=sender,
        resume=resume, progress=progress, data_labels=data_labels(langs, session.resource_home()), now=now,
        by_jurisdiction=regional, multiline=multiline)
    # Per (kind, language, version): what the register, `show` and the report list under the obligation.
    kinds = dict.fromkeys(regional, "us-ca-letter")
    letters_of = {**approved, **regional}
    sent = [{"kind": kinds.get(key, "subject-letter"), "lang": letters_of[key].lang,
             "version": letters_of[key].version, "count": count} for key, count in summary.by_lang.items()]
    record = {**summary.to_dict(), "approvals": approvals, "format": fmt, "out_dir": str(out_dir), "resumed": resume,
              "sent": sent}
    session.store.append_event(incident.id, kind=EventKind.LETTERS, at=now, author=session.author, data=record)
    return {"incident": incident.id, **record}
