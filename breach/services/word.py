"""Notices as Word documents for legal, and legal's edited text back as the next draft version.

A .docx is a rendition of one stored version (breach.adapters.word lays it out): the
DRAFT marker sits in its page header until that version is approved, and the footer
names the version and the sha256 its approval binds. An edited .docx (or .md) comes
back through `import_draft` as a new version of the same notice, under the same gates
as a drafted one: placeholders still in it count as missing content (approving it
then needs --allow-missing), and it must be approved like any other version.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import cast

from breach.adapters import word
from breach.adapters.files import write_private
from breach.adapters.store_sql import sha256_text
from breach.adapters.templates import draft_marker, placeholders_in
from breach.core import time as clock
from breach.core.drafting import LANGS
from breach.core.mdblocks import parse, to_markdown
from breach.core.notice import DraftResult, DraftWritten
from breach.core.states import DraftState, EventKind
from breach.core.textsafe import MAX_LOG_TEXT, check_length
from breach.errors import InputError
from breach.services.notices import (
    check_intact,
    create_draft,
    draft_path,
    find_draft,
    incident_dir,
    review_rows,
    without_draft_marker,
)
from breach.services.session import Session


class DocxDraft(DraftResult):
    """`breach draft --format docx --json`: the version drafted (breach.services.notices.create_draft) and its
    Word rendition (`docx_path`); `unchanged` when the text was the newest version's (no new version)."""

    docx_path: str


class ImportedDraft(DraftWritten):
    """`breach draft --from FILE --json`: legal's edited text recorded as the next version, and the version
    it was edited from (`based_on`)."""

    based_on: int


def create_docx_draft(session: Session, incident_id: str, kind: str, *, lang: str = "en", strict: bool = False,
                      now: datetime) -> DocxDraft:
    """`breach draft ... --format docx`: store a new version (markdown) and write its Word rendition."""
    result = create_draft(session, incident_id, kind, lang=lang, fmt="md", strict=strict, now=now)
    docx = docx_rendition(session, result["incident"], kind, lang=lang, version=result["version"])
    return cast(DocxDraft, {**result, "docx_path": str(docx)})


def docx_rendition(session: Session, incident_id: str, kind: str, *, lang: str, version: int | None = None,
                   out: Path | None = None) -> Path:
    """Write one stored version (default: the latest) as .docx; without the DRAFT marker once approved."""
    state = session.state(incident_id)
    rows = [r for r in review_rows(session, state.incident.id) if r["kind"] == kind and r["lang"] == lang]
    if not rows:
        raise InputError(f"{state.incident.id} has no {kind} ({lang}) draft yet: breach draft {state.incident.id} "
                         f"{kind} --lang {lang}")
    version = version or max(r["version"] for r in rows)
    row = find_draft(session, state.incident.id, kind, lang, version)
    check_intact(row)
    shown = next(r for r in rows if r["version"] == version)
    approved = shown["state"] in {DraftState.APPROVED, DraftState.SENT}
    text = without_draft_marker(row["text"], lang) if approved else row["text"]
    footer = f"{state.incident.id} · {kind} ({lang}) v{version} · sha256 {row['sha256']}"
    if approved:
        footer += f" · approved by {shown['approved_by']}"
    drafted = draft_path(session, row)
    name = f"{kind}.{lang}.v{version}.approved.docx" if approved else f"{kind}.{lang}.v{version}.docx"
    target = out or drafted.with_name(name)
    first = next((line for line in text.splitlines() if line.strip()), kind)
    return word.write_docx(target, parse(text), title=first.lstrip("# ").strip(),
                           marker=None if approved else draft_marker(lang), footer=footer, lang=lang,
                           keywords_=word.keywords(incident=state.incident.id, kind=kind, lang=lang,
                                                   version=version, sha256=row["sha256"]))


#: An edited notice in Markdown: a few pages, far under 1 MB (the text is capped again when recorded).
MAX_MD_BYTES = 1_000_000


def read_edited(source: Path, *, incident_id: str, kind: str, lang: str) -> tuple[str, int | None, int]:
    """Legal's edited file as markdown text, the version it says it was made from, its comment count."""
    source = Path(source)
    suffix = source.suffix.lower()
    if suffix == ".docx":
        blocks, origin, comments = word.read_docx(source)
        if origin and (origin.incident, origin.kind, origin.lang) != (incident_id, kind, lang):
            raise InputError(f"{source} is {origin.incident}'s {origin.kind} ({origin.lang}) v{origin.version}, "
                             f"not {incident_id}'s {kind} ({lang})")
        return to_markdown(blocks), origin.version if origin else None, comments
    if suffix in {".md", ".txt"}:
        try:
            with source.open("rb") as fh:
                data = fh.read(MAX_MD_BYTES + 1)
            if len(data) > MAX_MD_BYTES:
                raise InputError(f"{source} is larger than {MAX_MD_BYTES:,} bytes; a notice is far smaller")
            raw = data.decode("utf-8")
            if raw.count("\n") > word.MAX_PARAGRAPHS * 2:
                raise InputError(f"{source} has more than {word.MAX_PARAGRAPHS * 2:,} lines; a notice has far fewer")
        except FileNotFoundError:
            raise InputError(f"no such file: {source}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {source} as UTF-8 text: {exc}") from None
        return "\n".join(line.rstrip() for line in raw.splitlines()).strip("\n") + "\n", None, 0
    raise InputError(f"--from takes a .docx or .md file, not {source.name!r}")


def import_draft(session: Session, incident_id: str, kind: str, *, lang: str, source: Path, now: datetime,
                 strict: bool = False) -> ImportedDraft:
    """`breach draft ID KIND --lang L --from FILE`: record legal's edited text as the next version."""
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r} (choose from: {', '.join(LANGS)})")
    state = session.state(incident_id)
    incident = state.incident
    text, based_on, comments = read_edited(source, incident_id=incident.id, kind=kind, lang=lang)
    if not text.strip():
        raise InputError(f"{source} holds no text")
    check_length(text, what="the edited notice", limit=MAX_LOG_TEXT)
    versions = {r["version"]: r for r in review_rows(session, incident.id) if (r["kind"], r["lang"]) == (kind, lang)}
    if not versions:
        raise InputError(f"{incident.id} has no {kind} ({lang}) draft to edit: breach draft {incident.id} {kind} "
                         f"--lang {lang} first")
    text = _with_marker(text, lang)
    latest = find_draft(session, incident.id, kind, lang, max(versions))
    if sha256_text(text) == latest["sha256"]:
        raise InputError(f"{source} is the same text as {kind} ({lang}) v{latest['version']}: nothing to record")
    missing = placeholders_in(text, lang)
    if strict and missing:
        raise InputError(f"{kind} ({lang}) is missing content the law requires: " + ", ".join(missing))
    based_on = based_on if based_on is not None and based_on in versions else max(versions)
    digest = sha256_text(text)
    folder = incident_dir(session, incident.id) / "drafts"
    template = f"edited by legal ({Path(source).name})"
    store = session.store
    with store.transaction():
        version = store.next_draft_version(incident.id, kind, lang)
        path = folder / f"{kind}.{lang}.v{version}.md"
        store.insert_draft({"incident_id": incident.id, "kind": kind, "lang": lang, "version": version,
                            "format": "md", "text": text, "sha256": digest, "template": template,
                            "created_at": clock.iso(now), "path": str(path), "missing": json.dumps(missing)})
        store.append_event(incident.id, kind=EventKind.DRAFTED, at=now, author=session.author, data={
            "kind": kind, "lang": lang, "version": version, "format": "md", "sha256": digest,
            "template": template, "missing": missing, "edited_from": Path(source).name, "based_on": based_on})
        write_private(path, text)
    if comments:
        session.warn(f"{Path(source).name}: {comments} Word comment(s) are not part of the notice and were not "
                     "recorded; answer them in the document or in a review comment")
    return {"incident": incident.id, "kind": kind, "lang": lang, "version": version, "format": "md",
            "sha256": digest, "path": str(path), "missing": missing, "template": template,
            "template_origin": "edited", "based_on": based_on}


def _with_marker(text: str, lang: str) -> str:
    """An edited version is a draft until approved: put the DRAFT marker back if the edit dropped it."""
    mark = f"[{draft_marker(lang)}] "
    if mark in text:
        return text
    lines = text.splitlines()
    n = next((i for i, line in enumerate(lines) if line.startswith("# ")), None)
    if n is None:
        n = next(i for i, line in enumerate(lines) if line.strip())
        lines[n] = mark + lines[n]
    else:
        lines[n] = f"# {mark}{lines[n][2:]}"
    return "\n".join(lines) + "\n"
