"""Notices: draft, store, review, approve, and guard what is sent.

A draft takes a straight path: this module reads what a version is made from (the incident
folded once, its obligations, the versions stored, the templates: the data folder's first,
then the shipped ones), breach.core.notice.compose_draft makes the version from it, and
breach.adapters.draft_versions stores it (text, sha256, version, template, time) in the
database and under the incident's folder. Every review act is recorded on the timeline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from breach.adapters.draft_versions import write_draft
from breach.adapters.evidence import edited_copies, keep_if_edited
from breach.adapters.files import write_private
from breach.adapters.resources import search_path
from breach.adapters.rules import load_directory, load_us_laws
from breach.adapters.store_sql import sha256_text
from breach.adapters.templates import catalogue, draft_marker, templates
from breach.core.authorities import Concerned, concerned
from breach.core.drafting import LANGS, PHASES, missing_translations
from breach.core.notice import DraftAsked, DraftResult, DraftSources, compose_draft, draft_result
from breach.core.paths import draft_file
from breach.core.review import (
    NOTICE_FOR,
    DraftVersion,
    approved_for,
    draft_states,
    four_eyes_refusal,
    same_person,
    unified_diff,
)
from breach.core.sent_letters import letters_sent
from breach.core.state import IncidentState
from breach.core.states import DraftState, EventKind, ReviewDecision
from breach.core.us_letter import is_us_letter
from breach.errors import ApprovalError, ChainError, InputError, NotFoundError
from breach.services.incidents import get_incident, incident_dict
from breach.services.obligations import obligations_of
from breach.services.session import Session


def resolve_authority(session: Session, code: str) -> Concerned:
    """`--authority NL` (a member state), or `DE-BY` (one German Land's authority, chosen by counsel)."""
    code = code.strip().upper()
    if "-" in code:
        chosen = load_directory().get(code)
        return Concerned(country=chosen.country, candidates=(chosen,), determined=True, why="chosen with --authority")
    return concerned(code, session.org, directory=load_directory())


def incident_dir(session: Session, incident_id: str) -> Path:
    return session.home / incident_id


def create_draft(session: Session, incident_id: str, kind: str, *, lang: str | None = "en", fmt: str = "md",
                 strict: bool = False, now: datetime, authority: str | None = None,
                 phase: str | None = None, country: str | None = None) -> DraftResult:
    """Render a new version of a notice, store it and write it to the incident's folder.

    `authority` (a member state code, or DE-XX for a German Land) addresses an sa-notification to that
    authority; the default language is then one it accepts. `phase` (sa-notification only, Art. 33(4)):
    initial, complete or supplementary; default initial while any Art. 33(3) content is unknown, else
    complete. `country` (NL, US-CA): the country of the people a letter is for, whose words it uses for
    national identifiers (default: US-CA for a us-ca-letter, else the lead authority's country); recorded with
    the version. A supplementary notice cites the first notice's reference (the DBN number at the Belgian DPA).
    `fmt` html: the version stored is the markdown text, and `html_path` its HTML rendition, so asking for
    another format of unchanged text makes no new version. `path` is always absolute; `path_in_home` is
    relative to the data folder (what the database keeps).

    A straight path: everything is read first (the incident folded once, its obligations evaluated once,
    the versions stored, the templates), the pure core makes the version from it
    (breach.core.notice.compose_draft), and what it made is written down (breach.adapters.draft_versions).
    """
    state = session.state(incident_id)  # folded once
    asked = _asked(session, kind, lang=lang, fmt=fmt, strict=strict, authority=authority, phase=phase,
                   country=country)
    dirs = tuple(search_path("templates", session.resource_home()))
    sources = DraftSources(  # every read before the pure work; the facts built once, each rule evaluated once
        state=state, incident=incident_dict(state.incident), found=obligations_of(session, state, now=now),
        stored=session.store.draft_rows(state.incident.id), org=session.org,
        us_laws=load_us_laws() if is_us_letter(asked.kind) else {},
        labels=catalogue("en")["fields"], templates=templates(dirs), shipped=templates(),
        home=str(session.home.absolute()))
    new = compose_draft(sources, asked, now=now)
    for warning in new.warnings:
        session.warn(warning)
    version = write_draft(session.store, session.home, new, author=session.author, now=now)
    return draft_result(new, version)


def draft_json(result: DraftResult) -> dict[str, object]:
    """`breach draft --json`: the version, its files, its template and what it still lacks."""
    return {k: result[k] for k in ("kind", "lang", "version", "sha256", "path", "path_in_home",
                                   "html_path", "missing", "template", "template_origin", "phase", "unchanged",
                                   "country") if k in result}


def _asked(session: Session, kind: str, *, lang: str | None, fmt: str, strict: bool, authority: str | None,
           phase: str | None, country: str | None) -> DraftAsked:
    """The draft asked for, checked: its addressee and language, its phase and the people's country."""
    html, fmt = fmt == "html", ("md" if fmt == "html" else fmt)  # html: a rendition of the markdown stored
    chosen, lang = _addressee(session, kind, authority, lang)
    _check_phase(kind, phase)
    return DraftAsked(kind=kind, lang=lang, fmt=fmt, html=html, strict=strict, phase=phase,
                      country=_country(kind, country), authority=chosen)


def _addressee(session: Session, kind: str, authority: str | None, lang: str | None) -> tuple[Concerned | None, str]:
    """The authority a notice is addressed to (`--authority`), and its language (by default one it accepts)."""
    if not authority:
        return None, lang or "en"
    if kind not in {"sa-notification", "followup"}:
        raise InputError("--authority is for sa-notification and followup drafts")
    chosen = resolve_authority(session, authority)
    lang = lang or _authority_language(chosen)
    if lang not in chosen.languages:
        session.warn(f"Warning: {chosen.recipient} accepts notices in {', '.join(chosen.languages)}, "
                     f"not {lang!r} (breach/resources/authorities.yaml, {chosen.status})")
    if not chosen.determined:
        session.warn(f"Warning: {chosen.why}; draft for one authority with --authority DE-XX once counsel "
                     "has decided")
    return chosen, lang


def _country(kind: str, country: str | None) -> str | None:
    """`--country NL` (or US-CA): the people the draft is for; a us-ca-letter is for Californians."""
    if country is None:
        return "US-CA" if kind == "us-ca-letter" else "US" if kind == "us-letter" else None
    code = country.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{1,3})?", code):
        raise InputError(f"--country must be a country code like NL or US-CA, not {country!r}")
    return code


def _check_phase(kind: str, phase: str | None) -> None:
    if phase is not None and kind != "sa-notification":
        raise InputError("--phase applies to sa-notification only (GDPR Art. 33(4))")
    if phase is not None and phase not in PHASES:
        raise InputError(f"--phase must be one of {', '.join(PHASES)}, not {phase!r}")


def _authority_language(authority: Concerned) -> str:
    for lang in authority.languages:
        if lang in LANGS:
            return lang
    raise InputError(f"{authority.recipient} accepts notices in {', '.join(authority.languages)}; there are "
                     f"templates in {', '.join(LANGS)} only: translate one, or draft a working copy with --lang en")


def _write_file(path: Path, text: str) -> None:
    write_private(path, text)


class DraftRow(TypedDict):
    """A stored version as this data folder reads it: `missing` parsed, `path` where its file lives here."""

    incident_id: str
    kind: str
    lang: str
    version: int
    format: str | None
    text: str
    sha256: str
    template: str | None
    created_at: str | None
    path: str | None
    missing: list[str]


class DraftSummary(TypedDict):
    """A version as `breach show` lists it under drafts."""

    kind: str
    lang: str
    version: int
    state: str
    sha256: str


class SentDraft(TypedDict):
    """The approved version a recorded notice sends."""

    kind: str
    lang: str
    version: int
    sha256: str


class ApprovalCheck(TypedDict, total=False):
    """What `require_approved` found: no key when the obligation sends no notice; `draft` None when recorded
    `--without-approval`, else the approved version sent."""

    draft: SentDraft | None


class ReviewActResult(TypedDict):
    """A review act as recorded (`breach review approve|request-changes --json`): the version, the decision and
    who gave it; once approved, the final rendition's hash and file (and an edited copy kept as evidence)."""

    incident: str
    kind: str
    lang: str
    version: int
    sha256: str
    decision: str
    by: str
    comment: str | None
    via: NotRequired[str]
    started_by: NotRequired[str]
    final_sha256: NotRequired[str]
    final_path: NotRequired[str]
    kept_edited: NotRequired[str]


def draft_path(session: Session, row: DraftRow, *, approved: bool = False) -> Path:
    """Where a draft row's file lives in this data folder, from its identity (the stored path is not used)."""
    return _draft_file(session, row, approved=approved)


def _draft_file(session: Session, row: Mapping[str, Any], *, approved: bool = False) -> Path:
    return session.home / draft_file(row["incident_id"], row["kind"], row["lang"], row["version"],
                                     row.get("format") or "md", approved=approved)


def _draft_row(session: Session, raw: Mapping[str, Any]) -> DraftRow:
    """A stored row read: `missing` parsed; `path` where this machine keeps the rendition (derived from the
    version's identity, never the stored path)."""
    row: DraftRow = {
        "incident_id": raw["incident_id"], "kind": raw["kind"], "lang": raw["lang"], "version": raw["version"],
        "format": raw.get("format"), "text": raw["text"], "sha256": raw["sha256"], "template": raw.get("template"),
        "created_at": raw.get("created_at"), "path": raw.get("path"), "missing": json.loads(raw["missing"] or "[]")}
    if row["path"]:
        row["path"] = str(draft_path(session, row).absolute())
    return row


def _draft_rows(session: Session, incident_id: str) -> list[DraftRow]:
    return [_draft_row(session, raw) for raw in session.store.draft_rows(incident_id)]


def review_rows(session: Session, incident_id: str) -> list[DraftVersion]:
    state = session.state(incident_id)
    return draft_states(_draft_rows(session, state.incident.id), state.reviews, state.notifications,
                        letters_sent(state.letters))


def find_draft(session: Session, incident_id: str, kind: str, lang: str, version: int) -> DraftRow:
    for row in _draft_rows(session, incident_id):
        if (row["kind"], row["lang"], row["version"]) == (kind, lang, version):
            return row
    raise NotFoundError(f"{incident_id} has no {kind} draft in {lang!r} version {version} (see `breach review "
                        f"{incident_id}`)")


def check_intact(row: DraftRow) -> None:
    actual = sha256_text(row["text"])
    if actual != row["sha256"]:
        raise ApprovalError(
            f"{row['kind']} ({row['lang']}) v{row['version']} was changed after it was drafted: its text hashes to "
            f"{actual[:12]}…, not the recorded {row['sha256'][:12]}… (hash mismatch)")


def review_act(session: Session, incident_id: str, kind: str, *, lang: str, version: int, by: str,
               decision: str, comment: str | None, now: datetime, allow_missing: bool = False,
               expect_sha256: str | None = None, via: str | None = None) -> ReviewActResult:
    """Approve a version, or request changes; bound to the version's sha256, recorded as an event.

    `expect_sha256`: the hash of the text the reviewer saw (the review page submits it), so an
    act can only bind the version on screen. `via`: where it was given, e.g. "review page".
    """
    incident = get_incident(session, incident_id)
    if not by.strip():
        raise InputError("--as NAME is required: an approval names the person who gives it")
    if decision == ReviewDecision.CHANGES_REQUESTED and not (comment or "").strip():
        raise InputError("request-changes needs --comment saying what to change")
    row = find_draft(session, incident.id, kind, lang, version)
    newest = max(r["version"] for r in _draft_rows(session, incident.id) if (r["kind"], r["lang"]) == (kind, lang))
    if decision == ReviewDecision.APPROVED and version < newest:
        raise ApprovalError(f"{kind} ({lang}) v{version} is superseded by v{newest}: review v{newest} "
                            f"(breach review diff {incident.id} {kind} --lang {lang}) and approve that one")
    check_intact(row)
    if expect_sha256 is not None and expect_sha256 != row["sha256"]:
        raise ApprovalError(f"{kind} ({lang}) v{version} is not the text that was reviewed: it hashes to "
                            f"{row['sha256'][:12]}…, the page showed {expect_sha256[:12]}…; reload and review again")
    if decision == ReviewDecision.APPROVED:
        _four_eyes(session, incident.id, row, by=by)
        _approval_gate(session, incident.id, row, allow_missing=allow_missing)
    data: dict[str, Any] = {"kind": kind, "lang": lang, "version": version, "sha256": row["sha256"],
                            "decision": decision, "by": by, "comment": comment}
    if via:
        # Two names, two facts: who the reviewer said they are, and who the channel acts as
        # (the identity `breach serve --as` started the review page for).
        data["via"] = via
        data["started_by"] = session.author
    final_path = None
    if decision == ReviewDecision.APPROVED:
        # Approved means no longer a draft: the rendition to send drops the DRAFT marker, and
        # its own hash is recorded with the approval.
        final = without_draft_marker(row["text"], lang)
        final_path = draft_path(session, row, approved=True)
        # Relative to the data folder: the approval is honoured on every machine of a team.
        data.update(final_sha256=sha256_text(final), final_path=session.relative(final_path))
    with session.store.transaction():
        session.store.append_event(incident.id, kind=EventKind.REVIEWED, at=now, author=session.author, data=data)
        if final_path is not None:
            kept = keep_if_edited(final_path, final.encode("utf-8"))  # evidence: never overwritten
            _write_file(final_path, final)
    result: ReviewActResult = {"incident": incident.id, "kind": kind, "lang": lang, "version": version,
                               "sha256": row["sha256"], "decision": decision, "by": by, "comment": comment}
    if via:
        result["via"], result["started_by"] = via, session.author
    if final_path is not None:
        result["final_sha256"], result["final_path"] = data["final_sha256"], str(final_path)
        if kept is not None:
            session.warn(f"{final_path.name} had been edited; the edited file is kept as evidence: {kept}")
            result["kept_edited"] = str(kept)
    return result


def _four_eyes(session: Session, incident_id: str, row: DraftRow, *, by: str) -> None:
    """With `review: {four_eyes: true}` in the profile, whoever recorded a version (drafted it, or
    imported legal's edit with `draft --from`) cannot approve it: neither under the name given nor
    as the session's identity (the one `breach serve --as` started the review page for)."""
    if not session.org.four_eyes:
        return
    drafted = next((d for d in session.state(incident_id).drafts
                    if (d.kind, d.lang, d.version) == (row["kind"], row["lang"], row["version"])), None)
    drafter = drafted.by if drafted else None
    refusal = four_eyes_refusal(drafter=drafter, approvers=(by, session.author), version=row["version"])
    if refusal and not same_person(by, drafter):
        refusal += (f" (the name given is {by}, but this session acts as {session.author}: the review page "
                    "must be started for someone else, `breach serve --as NAME`)")
    if refusal:
        raise ApprovalError(refusal)


def _approval_gate(session: Session, incident_id: str, row: DraftRow, *, allow_missing: bool) -> None:
    """What legal cannot approve: missing content (unless --allow-missing); for an authority
    whose languages are mandatory, a missing translation; a late SA notice without reasons."""
    kind, lang, version, missing = row["kind"], row["lang"], row["version"], row["missing"]
    what = f"{kind} ({lang}) v{version}"
    if kind == "sa-notification":
        delay = [m for m in missing if m.startswith("notice.reasons_for_delay")]
        if delay:
            # Art. 33(1): a notification after 72 h "shall be accompanied by reasons for the delay".
            raise ApprovalError(f"{what} is late and lacks the reasons for the delay (GDPR Art. 33(1)): answer "
                                f"reasons_for_delay (per language), draft again, then approve; --allow-missing "
                                "cannot waive them")
        authority = session.org.lead_authority
        untranslated = missing_translations(missing)
        if untranslated and authority and authority.languages_mandatory and lang in authority.languages:
            raise ApprovalError(f"{what} lacks text in {lang} ({', '.join(untranslated)}); the lead authority "
                                f"accepts only {', '.join(authority.languages)}, so --allow-missing cannot "
                                "waive a missing translation")
    if missing and not allow_missing:
        raise ApprovalError(f"{what} still lacks content the law requires: "
                            f"{', '.join(missing)}; draft it again once known, or approve with --allow-missing")


def without_draft_marker(text: str, lang: str) -> str:
    """Remove the DRAFT marker (subject line, html title and heading); nothing else changes."""
    return text.replace(f"[{draft_marker(lang)}] ", "")


def diff(session: Session, incident_id: str, kind: str, *, lang: str = "en", old: int | None = None,
         new: int | None = None) -> str:
    incident = get_incident(session, incident_id)
    versions = sorted(r["version"] for r in _draft_rows(session, incident.id)
                      if r["kind"] == kind and r["lang"] == lang)
    if len(versions) < 2:
        raise InputError(f"{incident.id} has {len(versions)} {kind} ({lang}) version(s); a diff needs two")
    new = versions[-1] if new is None else new
    if old is None:
        earlier = [v for v in versions if v < new]
        if not earlier:
            raise InputError(f"there is no {kind} ({lang}) version before v{new} to compare with")
        old = earlier[-1]
    if old >= new:
        raise InputError(f"--from (v{old}) must be an older version than --to (v{new})")
    a = find_draft(session, incident.id, kind, lang, old)
    b = find_draft(session, incident.id, kind, lang, new)
    return unified_diff(a["text"], b["text"], old_label=f"{kind}.{lang}.v{old}", new_label=f"{kind}.{lang}.v{new}")


def require_approved(session: Session, state: IncidentState, obligation: str, *,
                     without_approval: bool) -> ApprovalCheck:
    """Before `breach notified`: the notice sent must be an approved, unchanged draft."""
    incident = state.incident
    base, _, country = obligation.partition(":")  # gdpr-art33-sa:NL: that member state's authority
    kind = NOTICE_FOR.get(base)
    if kind is None:
        return {}
    rows = draft_states(_draft_rows(session, incident.id), state.reviews, state.notifications,
                        letters_sent(state.letters))
    langs = None
    if obligation == "gdpr-art33-sa":
        langs = list(session.org.lead_languages) or None
    elif country:
        langs = list(concerned(country, session.org, directory=load_directory()).languages) or None
    approved = approved_for(rows, kind, langs)
    if approved is None:
        if without_approval:
            return {"draft": None}
        whose = f"the {country} authority's" if country else "the lead authority's"
        where = f" in {', '.join(langs)} ({whose} languages)" if langs else ""
        raise ApprovalError(f"no approved {kind} draft{where} for {incident.id}: draft it (breach draft "
                            f"{incident.id} {kind}), have legal approve it (breach review approve ...), or "
                            "use --without-approval --reason TEXT in an emergency")
    newest = max(r["version"] for r in rows if r["kind"] == kind and r["lang"] == approved["lang"])
    if newest > approved["version"] and approved["state"] != DraftState.SENT:
        raise ApprovalError(
            f"{kind} ({approved['lang']}) v{newest} is newer than the approved v{approved['version']}: have legal "
            f"approve v{newest} (or request changes), so the notice sent is the latest one")
    row = find_draft(session, incident.id, kind, approved["lang"], approved["version"])
    current = sha256_text(row["text"])
    if current != approved["approved_sha256"]:
        raise ApprovalError(
            f"{kind} ({row['lang']}) v{row['version']} changed after approval: hash mismatch (approved "
            f"{str(approved['approved_sha256'])[:12]}…, now {current[:12]}…); draft and approve it again")
    review = next((r for r in reversed(state.reviews) if r.final_path and (r.kind, r.lang, r.version) ==
                   (kind, row["lang"], row["version"])), None)
    if review is not None:
        try:
            notes = _check_file(f"the approved {kind} ({row['lang']}) v{row['version']}",
                                draft_path(session, row, approved=True),
                                review.final_sha256, text=without_draft_marker(row["text"], row["lang"]))
        except ChainError as exc:
            raise ApprovalError(f"{exc}. The notice sent must be the approved text: nothing was recorded") from None
        for note in notes:
            session.warn(note)
    return {"draft": {"kind": kind, "lang": row["lang"], "version": row["version"], "sha256": current}}


def verify_drafts(session: Session, incident_id: str) -> list[str]:
    """`breach verify`: every stored draft still hashes to what its `drafted` event recorded.

    The database's text is the record; files are renditions of it. A rendition that
    differs from its recorded hash is a ChainError; a missing one is rendered again from
    the database, and the note saying so is returned.
    """
    state = session.state(incident_id)
    recorded = {(d.kind, d.lang, d.version): d.sha256 for d in state.drafts}
    rows = {(r["kind"], r["lang"], r["version"]): r for r in session.store.draft_rows(incident_id)}
    for ident in recorded:
        if ident not in rows:
            raise ChainError(f"{incident_id}: draft {ident[0]} ({ident[1]}) v{ident[2]} was deleted from the database")
    notes: list[str] = []
    for ident, row in rows.items():
        what = f"{incident_id}: draft {row['kind']} ({row['lang']}) v{row['version']}"
        actual = sha256_text(row["text"])
        if recorded.get(ident) != actual or row["sha256"] != actual:
            raise ChainError(f"{what} was edited after it was stored: hash mismatch (recorded "
                             f"{str(recorded.get(ident))[:12]}…, text hashes to {actual[:12]}…)")
        notes += _check_file(what, _draft_file(session, row) if row.get("path") else None, actual,
                             text=row["text"])
    for review in state.reviews:
        if review.final_path:
            final = rows.get((review.kind, review.lang, review.version))
            notes += _check_file(f"{incident_id}: approved {review.kind} ({review.lang}) v{review.version}",
                                 session.home / draft_file(incident_id, review.kind, review.lang, review.version,
                                                           final["format"] if final else "md", approved=True),
                                 review.final_sha256,
                                 text=without_draft_marker(final["text"], review.lang) if final else None)
    notes += [f"{incident_id}: {kept.name} is a hand-edited copy kept as evidence beside the file breach wrote"
              for kept in edited_copies(session.home / incident_id / "drafts")]
    return notes


def _check_file(what: str, path: Path | None, expected: str | None, *, text: str | None) -> list[str]:
    """The file responders send must still be the text that was stored (or approved).

    Edited: ChainError. Missing: written again from `text` (the database's record) when
    that text hashes to what was recorded, with a note.
    """
    if not path:
        return []
    file = Path(path)
    if not file.is_file():
        if text is None or sha256_text(text) != expected:
            raise ChainError(f"{what}: the file {path} is missing and the database's text does not hash to the "
                             f"recorded {str(expected)[:12]}…: it cannot be rendered again")
        _write_file(file, text)
        return [f"{what}: the file {path} was missing; rendered again from the database"]
    import hashlib

    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    if digest != expected:
        raise ChainError(f"{what}: the file {path} was edited: hash mismatch "
                         f"(recorded {str(expected)[:12]}…, file hashes to {digest[:12]}…); the database's text is "
                         "the record: move the edited file away and run `breach verify` to render it again")
    return []


def drafts_section(session: Session, state: IncidentState) -> list[DraftSummary]:
    return [DraftSummary(kind=r["kind"], lang=r["lang"], version=r["version"], state=r["state"], sha256=r["sha256"])
            for r in draft_states(_draft_rows(session, state.incident.id), state.reviews, state.notifications,
                                  letters_sent(state.letters))]
