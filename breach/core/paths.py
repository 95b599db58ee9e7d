"""Where files rendered from the log live: computed, never read from the database.

A draft's file is `<incident>/drafts/<kind>.<lang>.v<version>[.approved].<format>`
inside the data folder, from the draft's identity alone. The `drafts.path` column
(and an approval's `final_path`) is at most a check: a row edited to say
`/tmp/x.sh` or `../../x` cannot make breach read or write anywhere else.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from breach.errors import ChainError

#: An incident id, a notice kind, a language tag, a format: letters, digits, - and _, no dots or slashes.
_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def _part(value: object, what: str) -> str:
    text = str(value)
    if not _PART.fullmatch(text):
        raise ChainError(f"a draft's {what} {text[:40]!r} is not a name breach writes: the database was edited")
    return text


def draft_file(incident_id: str, kind: str, lang: str, version: int, fmt: str = "md", *,
               approved: bool = False) -> PurePosixPath:
    """The draft's file, relative to the data folder (the approved rendition with `approved`)."""
    if type(version) is not int or version < 1:
        raise ChainError(f"a draft's version {str(version)[:20]!r} is not a version breach writes: "
                         "the database was edited")
    name = f"{_part(kind, 'kind')}.{_part(lang, 'language')}.v{version}{'.approved' if approved else ''}"
    return PurePosixPath(_part(incident_id, "incident"), "drafts", f"{name}.{_part(fmt, 'format')}")
