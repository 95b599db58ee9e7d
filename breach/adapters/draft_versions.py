"""A notice's new version written down: its row, its `drafted` event and its file, in one transaction.

The version is made by breach.core.notice.compose_draft from what was read before; this adapter only
writes what it is handed (and the HTML rendition, when one was asked for).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from breach.adapters.files import write_private
from breach.adapters.store_protocol import IncidentLog
from breach.core import time as clock
from breach.core.notice import NewDraft, draft_file_name
from breach.core.states import EventKind


def write_draft(store: IncidentLog, home: Path, new: NewDraft, *, author: str, now: datetime) -> int:
    """Store `new` unless it is unchanged, write its HTML rendition if any; returns the version's number."""
    version = new.version if new.unchanged else _store_version(store, home, new, author=author, now=now)
    if new.html is not None:
        name = draft_file_name(new, version, "html", approved=new.approved)
        write_private(home / new.incident_id / "drafts" / name, new.html)
    return version


def _store_version(store: IncidentLog, home: Path, new: NewDraft, *, author: str, now: datetime) -> int:
    """The row, the `drafted` event and the file of a new version, in one transaction."""
    iid, kind, lang, fmt = new.incident_id, new.asked.kind, new.asked.lang, new.asked.fmt
    rendered = new.rendered
    with store.transaction():
        version = store.next_draft_version(iid, kind, lang)
        in_home = str(Path(iid, "drafts", draft_file_name(new, version, fmt)))
        store.insert_draft({"incident_id": iid, "kind": kind, "lang": lang, "version": version, "format": fmt,
                            "text": rendered.text, "sha256": new.sha256, "template": rendered.template,
                            "created_at": clock.iso(now), "path": in_home, "missing": json.dumps(rendered.missing)})
        store.append_event(iid, kind=EventKind.DRAFTED, at=now, author=author, data={**new.event, "version": version})
        write_private(home / in_home, rendered.text)
    return version
