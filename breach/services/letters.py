"""Art. 34 letters: only approved, unchanged subject letters are merged.

The streaming engine is breach.adapters.letters_engine; this module picks, for each language, the
newest approved `subject-letter` version whose text still matches its approval hash,
and records a summary (counts, sizes, template hashes; never a person) on the timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NotRequired, TypedDict, cast

from breach.adapters import letters_engine as engine
from breach.adapters.letters_engine import ApprovedLetter
from breach.adapters.resources import search_path
from breach.adapters.rules import load_us_laws
from breach.adapters.store_sql import sha256_text
from breach.adapters.subjects_csv import count_rows
from breach.adapters.yamlfiles import load_yaml
from breach.core import us_letter
from breach.core.states import EventKind
from breach.errors import ApprovalError
from breach.services.incidents import get_incident
from breach.services.notices import review_rows, without_draft_marker
from breach.services.session import Session

__all__ = ["approved_letters", "count_rows", "data_labels", "us_routes", "write_letters"]


class Approval(TypedDict):
    """The approval a run's letter rests on."""
    version: int
    approved_sha256: str
    approved_by: str | None


class SentRow(TypedDict):
    """One (kind, language, version) a run wrote, with its count; a shared US letter's rows are per state."""
    kind: str
    lang: str
    version: int | str
    count: int
    state: NotRequired[str]  # us-letter: the residents' state (US-TX), whose `us-tx-residents` duty it meets


def sent_row(kind: str, key: str, lang: str, version: int | str, count: int) -> SentRow:
    """A run's row; a shared US letter (one text for several states) keeps the state it went to."""
    row: SentRow = {"kind": kind, "lang": lang, "version": version, "count": count}
    if kind == "us-letter":
        row["state"] = key
    return row


class LettersRun(TypedDict):
    """What `breach letters` recorded (counts and hashes, never a person) and returns."""
    incident: str
    written: int
    rejected: int
    rows: int
    by_lang: dict[str, int]
    out_bytes: int
    template_sha256: dict[str, str]
    template_versions: dict[str, int | str]
    duration_seconds: float
    fmt: str
    resumed: bool
    approvals: dict[str, Approval]
    format: str
    out_dir: str
    sent: list[SentRow]


def approved_letters(session: Session, incident_id: str, kind: str = "subject-letter",
                     ) -> tuple[dict[str, ApprovedLetter], dict[str, Approval]]:
    """lang -> ApprovedLetter for the newest approved, intact letter of `kind` in each language, and the approvals."""
    rows = [r for r in review_rows(session, incident_id) if r["kind"] == kind and r["approved_sha256"]]
    texts = {(d["lang"], d["version"]): d for d in session.store.draft_rows(incident_id) if d["kind"] == kind}
    letters: dict[str, ApprovedLetter] = {}
    approvals: dict[str, Approval] = {}
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


@dataclass(frozen=True)
class UsRoutes:
    """Which US residents get which approved letter (by state code), and whose rows are rejected, why."""
    letters: dict[str, ApprovedLetter]
    kinds: dict[str, str]
    approvals: dict[str, Approval]
    refused: dict[str, str]


def us_routes(session: Session, incident_id: str) -> UsRoutes:
    """The approved US letters by the states they were drafted for (us-ca-letter: California; us-letter: the
    states its `drafted` event records), and the rows to reject: a state owed a letter none covers, a state
    outside the scope (its duty undecided), a US row without its state. A state in scope whose law does not
    cover the data gets the letter in the row's language (GDPR Art. 34 still applies to the controller)."""
    state = session.state(incident_id)
    laws = load_us_laws()
    assessment = {"answers": dict(state.assessment.answers)} if state.assessment else None
    owed = us_letter.owed_states(laws, state.scope, assessment)
    covers = _drafted_states(session, state.incident.id)
    letters: dict[str, ApprovedLetter] = {}
    kinds: dict[str, str] = {}
    approvals: dict[str, Approval] = {}
    for kind in sorted({us_letter.SHARED_KIND, *us_letter.letter_plan(laws, owed)}):
        approved, approved_by = approved_letters(session, state.incident.id, kind)
        if "en" not in approved:
            continue
        letter, own = approved["en"], us_letter.states_of_kind(kind)
        approvals[kind] = approved_by["en"]
        for code in [own] if own else covers.get((kind, letter.version), []):
            letters[code], kinds[code] = letter, kind
    refused = {code: "" for code in state.scope if code.upper().startswith("US-")}
    for code in owed:
        if code not in letters:
            law, kind = laws[code], us_letter.kind_for(laws[code])
            refused[code] = (f"no approved letter for {law['name']} residents ({law['statute']}): draft it "
                             f"(breach draft {state.incident.id} {kind}), have legal approve it, then run letters")
    refused["US"] = "a US resident's row needs the state (jurisdiction US-XX) to choose the state's letter"
    refused["US-*"] = (f"{{code}} is not in the incident's scope, so its state's duty is undecided: add it "
                       f"(breach scope {state.incident.id} -j {{code}}=N), then run letters again")
    return UsRoutes(letters, kinds, approvals, refused)


def _drafted_states(session: Session, incident_id: str) -> dict[tuple[str, int | str], list[str]]:
    """(kind, version) -> the US states a US letter version was drafted for (its `drafted` event)."""
    return {(e.data["kind"], e.data["version"]): list(e.data["us_states"])
            for e in session.store.events(incident_id)
            if e.kind == EventKind.DRAFTED and e.data.get("us_states") and e.data.get("lang") == "en"}


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
                  multiline: bool = False) -> LettersRun:
    """Merge the approved letters for every row: the letter in the row's language, or for a US resident
    (jurisdiction US-XX) the approved letter drafted for that state (`us_routes`); rows without an approved
    letter are rejected with their line."""
    incident = get_incident(session, incident_id)
    approved, approvals = approved_letters(session, incident.id)
    if not approved:
        raise ApprovalError(f"no approved subject-letter for {incident.id}: draft it (breach draft {incident.id} "
                            "subject-letter --lang L), have legal approve it, then run breach letters")
    routes = us_routes(session, incident.id)
    regional = routes.letters
    langs = sorted(set(approved) | {v.lang for v in regional.values()})
    sender = from_address or session.org.contact.privacy_email or str(session.org.contact.email)
    summary = engine.write_letters(
        letters=approved, subjects_csv=Path(subjects_csv), out_dir=Path(out_dir), fmt=fmt, lang_column=lang_column,
        default_lang=default_lang or ("en" if "en" in approved else sorted(approved)[0]), from_address=sender,
        resume=resume, progress=progress, data_labels=data_labels(langs, session.resource_home()), now=now,
        by_jurisdiction=regional, multiline=multiline, refused=routes.refused)
    # Per (kind, language, version): what the register, `show` and the report list under the obligation.
    letters_of = {**approved, **regional}
    sent: list[SentRow] = [sent_row(routes.kinds.get(key, "subject-letter"), key, letters_of[key].lang,
                                    letters_of[key].version, count) for key, count in summary.by_lang.items()]
    record: dict[str, Any] = {**summary.to_dict(), "approvals": {**approvals, **routes.approvals}, "format": fmt,
                              "out_dir": str(out_dir), "resumed": resume, "sent": sent}
    session.store.append_event(incident.id, kind=EventKind.LETTERS, at=now, author=session.author, data=record)
    return cast(LettersRun, {"incident": incident.id, **record})
