"""Legal review, pure: approvals are bound to a draft version's sha256.

A draft's state comes from the review events and the notices recorded: approved or
changes requested (the latest review act counts), superseded by a later version of
the same kind and language, or sent.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypedDict

from breach.core.models import DraftState, Notification, Review, ReviewDecision

#: Which notice kind an obligation sends (GDPR Art. 33(1) and Art. 34(1)).
NOTICE_FOR = {"gdpr-art33-sa": "sa-notification", "gdpr-art34-subjects": "subject-letter"}


class ReviewEntry(TypedDict):
    """One review act on a version, as `breach review` lists it."""

    decision: str
    by: str
    comment: str | None
    sha256: str
    at: datetime
    via: str | None
    started_by: str | None
    who: str


class DraftVersion(TypedDict):
    """A stored version with its state (draft, changes requested, approved, superseded, sent), its review
    history and its approval."""

    kind: str
    lang: str
    version: int
    state: str
    sha256: str
    format: str | None
    path: str | None
    missing: list[str]
    created_at: str | None
    approved_by: str | None
    approved_sha256: str | None
    reviews: list[ReviewEntry]


def draft_states(drafts: Sequence[Mapping[str, Any]], reviews: Sequence[Review],
                 notifications: Mapping[str, Sequence[Notification]],
                 letters: Sequence[Mapping[str, Any]] = ()) -> list[DraftVersion]:
    """One row per stored version with its state, review history and approval.

    Sent: the draft of a recorded notice, or a letter version `breach letters` wrote
    (`letters`: rows of breach.core.sent_letters.letters_sent).
    """
    latest: dict[tuple[str, str], int] = {}
    for d in drafts:
        key = (d["kind"], d["lang"])
        latest[key] = max(latest.get(key, 0), d["version"])
    sent = {(n.draft.kind, n.draft.lang, n.draft.version)
            for notices in notifications.values() for n in notices if n.draft}
    sent |= {(r["kind"], r["lang"], r["version"]) for r in letters if r.get("count")}
    rows: list[DraftVersion] = []
    for d in drafts:
        ident = (d["kind"], d["lang"], d["version"])
        history = [r for r in reviews if (r.kind, r.lang, r.version) == ident]
        last = history[-1] if history else None
        if ident in sent:
            state = DraftState.SENT
        elif last and last.decision == ReviewDecision.APPROVED:
            state = DraftState.APPROVED
        elif last and last.decision == ReviewDecision.CHANGES_REQUESTED:
            state = DraftState.CHANGES_REQUESTED
        else:
            state = DraftState.DRAFT
        if state in {DraftState.DRAFT, DraftState.CHANGES_REQUESTED} and d["version"] < latest[(d["kind"], d["lang"])]:
            state = DraftState.SUPERSEDED
        approval = last if last and last.decision == ReviewDecision.APPROVED else None
        rows.append({
            "kind": d["kind"], "lang": d["lang"], "version": d["version"], "state": state,
            "sha256": d["sha256"], "format": d.get("format"), "path": d.get("path"),
            "missing": d.get("missing") or [], "created_at": d.get("created_at"),
            "approved_by": approval.by if approval else None,
            "approved_sha256": approval.sha256 if approval else None,
            "reviews": [{"decision": r.decision, "by": r.by, "comment": r.comment,
                         "sha256": r.sha256, "at": r.at, "via": r.via, "started_by": r.started_by,
                         "who": who_reviewed(r.by, via=r.via, started_by=r.started_by)} for r in history],
        })
    return rows


def who_reviewed(by: str, *, via: str | None = None, started_by: str | None = None) -> str:
    """"Claire (Legal) via the review page started by jdoe": the name given, then where and as whom."""
    line = by
    if via:
        line += f" via the {via}"
        if started_by:
            line += f" started by {started_by}"
    return line


def approved_for(rows: Sequence[DraftVersion], kind: str, langs: list[str] | None = None) -> DraftVersion | None:
    """The newest approved (or already sent) version of `kind`, in one of `langs` if given."""
    candidates = [r for r in rows if r["kind"] == kind and r["approved_sha256"]
                  and (not langs or r["lang"] in langs)]
    return max(candidates, key=lambda r: (r["version"], r["lang"])) if candidates else None


def unified_diff(old: str, new: str, *, old_label: str, new_label: str) -> str:
    """Changed lines only (no context), so legal sees exactly what moved."""
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), fromfile=old_label,
                                 tofile=new_label, lineterm="", n=0)
    return "\n".join(lines)


#: The profile key that asks for four eyes, as the refusal names it.
FOUR_EYES_KEY = "review.four_eyes in organization.yaml"


def same_person(a: str | None, b: str | None) -> bool:
    """Two recorded names are the same person: case and runs of whitespace do not count."""
    def norm(name: str | None) -> str:
        return " ".join((name or "").split()).casefold()

    return bool(norm(a)) and norm(a) == norm(b)


def four_eyes_refusal(*, drafter: str | None, approvers: Sequence[str | None], version: int) -> str | None:
    """Why the four-eyes rule refuses this approval (None when it allows it).

    `drafter` is who recorded the version (the `drafted` event's author: `draft`, or `draft --from`
    for an imported edit); `approvers` every name the approval carries (the name given, and who
    the session acts as, e.g. the identity `breach serve --as` was started for).
    """
    if not drafter or not any(same_person(drafter, name) for name in approvers):
        return None
    return (f"four-eyes rule ({FOUR_EYES_KEY}): {drafter} drafted version {version}; "
            "another person must approve it")
