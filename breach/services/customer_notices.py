"""The words of each customer's notice: legal's approved controller notice, with the customer's own facts.

GDPR Art. 33(2): the processor tells each controller (customer) of the breach. The text is the
`controller-notice` draft of the customer's language, approved once per version (breach review approve);
`breach customers notify` sends its newest approved version, unchanged since the approval (sha256), with
the DRAFT marker removed as on every approved rendition, and puts in each customer's own facts (its
workspaces, how many of its end users, its contact at the processor) from
templates/controller-notice/customer-facts.<lang>.md.j2 (the data folder's own first).
A language without an approved version refuses the whole run before anything is written, unless the
run is an emergency (`--without-approval --reason TEXT`): then its newest draft is sent, and flagged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

from breach.adapters.store_sql import sha256_text
from breach.adapters.templates import template_dirs, templates
from breach.core import customers as cust
from breach.core.drafting import kind_langs
from breach.core.review import DraftVersion, approved_for
from breach.core.state import IncidentState
from breach.core.states import DraftState
from breach.errors import ApprovalError, InputError
from breach.services.notices import review_rows, without_draft_marker
from breach.services.session import Session

KIND = "controller-notice"
#: The customer's own facts, per language (inside templates/).
FACTS = "controller-notice/customer-facts.{lang}.md.j2"
#: The languages a customer can be told in (those the controller notice is written in).
NOTICE_LANGS = kind_langs(KIND)


class NoticeDraft(TypedDict):
    """The draft a language's messages are rendered from (recorded in run.json and in each manifest entry);
    `approved` False only in an emergency run (`--without-approval`)."""

    kind: str
    lang: str
    version: int
    sha256: str
    approved: bool
    facts_sha256: str


@dataclass(frozen=True)
class NoticeSource:
    """One language's notice: the approved subject and body, and the customer-facts template."""

    draft: NoticeDraft
    subject: str
    body: str
    facts: Any  # a compiled jinja2 template

    def message(self, customer: cust.Customer, *, contact: str) -> tuple[str, str]:
        """(subject, Markdown body) of the notice to one customer, with its own facts."""
        try:
            facts = self.facts.render(**cust.facts_of(customer, contact=contact))
        except Exception as exc:  # a template error (the data folder's own template): say which, no traceback
            raise InputError(f"templates/{FACTS.format(lang=self.draft['lang'])}: {exc}") from None
        return self.subject, cust.with_facts(self.body, facts)


def notice_sources(session: Session, state: IncidentState, langs: Iterable[str], *,
                   without_approval: bool = False) -> dict[str, NoticeSource]:
    """lang -> the notice the customers of that language get: the newest approved, intact `controller-notice`.

    Refused, naming each language and the commands that fix it, when a language has no approved version
    (without `without_approval`), no draft at all, or a newer version legal has not approved."""
    iid = state.incident.id
    rows = [r for r in review_rows(session, iid) if r["kind"] == KIND]
    chosen: dict[str, DraftVersion] = {}
    missing: list[tuple[str, int | None]] = []
    newer: list[str] = []
    for lang in sorted(set(langs)):
        mine = [r for r in rows if r["lang"] == lang]
        approved = approved_for(mine, KIND, [lang])
        newest = max((r for r in mine), key=lambda r: r["version"], default=None)
        if newest is None or (approved is None and not without_approval):
            missing.append((lang, newest["version"] if newest else None))
        elif approved is None:
            chosen[lang] = newest
        elif newest["version"] > approved["version"] and approved["state"] != DraftState.SENT:
            newer.append(f"{KIND} ({lang}) v{newest['version']} is newer than the approved v{approved['version']}: "
                         f"have legal approve v{newest['version']} (breach review approve {iid} {KIND} --lang {lang} "
                         f"--version {newest['version']} --as NAME), or request changes")
        else:
            chosen[lang] = approved
    _refuse(iid, missing, newer, without_approval=without_approval)
    texts = {(d["lang"], d["version"]): str(d["text"]) for d in session.store.draft_rows(iid) if d["kind"] == KIND}
    return {lang: _source(session, row, texts[(lang, row["version"])]) for lang, row in chosen.items()}


def _refuse(iid: str, missing: list[tuple[str, int | None]], newer: list[str], *, without_approval: bool) -> None:
    """Nothing is written while a customer's language lacks its approved notice: say which, and how to fix it."""
    if not missing and not newer:
        return
    lines = []
    if missing:
        approve = "breach review approve {iid} {kind} --lang {lang} --version {v} --as NAME"
        steps = "; ".join(approve.format(iid=iid, kind=KIND, lang=lang, v=v) if v is not None
                          else f"breach draft {iid} {KIND} --lang {lang}, then "
                          + approve.format(iid=iid, kind=KIND, lang=lang, v=1) for lang, v in missing)
        what = "no draft" if without_approval else "no approved version"
        lines.append(f"the controller notice ({KIND}) has {what} in {', '.join(lang for lang, _ in missing)} (the "
                     "customers' "
                     f"language(s), GDPR Art. 33(2)): {steps}")
        if not without_approval:
            lines.append("in an emergency: breach customers notify ... --without-approval --reason TEXT")
    lines += newer
    raise ApprovalError("; ".join(lines) + "; nothing was written")


def _source(session: Session, row: DraftVersion, text: str) -> NoticeSource:
    lang, version = row["lang"], row["version"]
    what = f"{KIND} ({lang}) v{version}"
    actual = sha256_text(text)
    expected = row["approved_sha256"] or row["sha256"]
    if actual != expected:
        raise ApprovalError(f"{what} changed after {'approval' if row['approved_sha256'] else 'it was drafted'}: "
                            f"hash mismatch (recorded {str(expected)[:12]}…, now {actual[:12]}…); draft and approve "
                            "it again; nothing was written")
    try:
        subject, body = cust.split_notice(without_draft_marker(text, lang))
    except ValueError as exc:
        raise ApprovalError(f"{what}: {exc}") from None
    env = templates(template_dirs(session.resource_home())).environment("md")
    name = FACTS.format(lang=lang)
    try:
        source = env.loader.get_source(env, name)[0]
        facts = env.get_template(name)
    except Exception as exc:  # not found, or a syntax error in the data folder's own copy
        raise InputError(f"templates/{name}: {exc or 'not found'}") from None
    draft = NoticeDraft(kind=KIND, lang=lang, version=version, sha256=actual,
                        approved=bool(row["approved_sha256"]), facts_sha256=sha256_text(source))
    return NoticeSource(draft=draft, subject=subject, body=body, facts=facts)


def check_resume(kept: Mapping[str, Any], sources: Mapping[str, NoticeSource], out_dir: Path) -> None:
    """A resumed run writes what its first start would have: refused when a language's notice (or its
    customer-facts template) is not the one the run started from."""
    before = kept.get("drafts")
    if not isinstance(before, Mapping):
        raise ApprovalError(f"{out_dir} holds a run that did not record the notices it was written from: write to "
                            "another folder (--out)")
    changed = []
    for lang, source in sorted(sources.items()):
        old = before.get(lang)
        new = source.draft
        if not isinstance(old, Mapping):
            continue  # a language the run had no customer in yet: its messages are new
        if (old.get("version"), old.get("sha256")) != (new["version"], new["sha256"]):
            changed.append(f"{KIND} ({lang}): started from v{old.get('version')} (sha256 "
                           f"{str(old.get('sha256'))[:12]}…), now v{new['version']} (sha256 {new['sha256'][:12]}…)")
        elif old.get("facts_sha256") != new["facts_sha256"]:
            changed.append(f"templates/{FACTS.format(lang=lang)} changed")
    if changed:
        raise ApprovalError(f"the run in {out_dir} started {kept.get('started_at')} from other words than those "
                            f"approved now: {'; '.join(changed)}. Its messages would differ: finish with a new run "
                            "in another folder (--out), and record each run with breach notified ... --from-run")
