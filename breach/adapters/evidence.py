"""Files that were edited by hand are evidence: kept beside their rendition, never overwritten.

When breach is about to write a file (say, the approved rendition on a re-approval) and
the file there holds other bytes than breach would write, those bytes are moved aside to
`<name>.edited-<sha256 prefix>` first; `edited_copies` lists them for `breach verify`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from breach.errors import InputError

MARK = ".edited-"


def keep_if_edited(path: Path, data: bytes) -> Path | None:
    """Move the file at `path` aside if it differs from `data`; the kept copy's path, or None."""
    try:
        current = path.read_bytes() if path.is_file() and not path.is_symlink() else None
    except OSError:
        current = None
    if current is None or current == data:
        return None
    kept = path.with_name(f"{path.name}{MARK}{hashlib.sha256(current).hexdigest()[:12]}")
    try:
        os.replace(path, kept)
    except OSError as exc:
        raise InputError(f"cannot keep the edited {path} aside: {exc.strerror or exc}") from None
    return kept


def edited_copies(folder: Path) -> list[Path]:
    """The edited files kept as evidence in `folder`, by name."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if MARK in p.name and p.is_file())
