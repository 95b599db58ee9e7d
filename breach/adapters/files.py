"""Writing files that hold facts about a breach: owner-only, whole or not at all."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from breach.errors import InputError


def write_private(path: Path | str, data: bytes | str) -> Path:
    """Write `data` to `path` with mode 0600 via a temporary file (no half-written file, ever).

    Folders created on the way get mode 0700. Errors become one clear InputError.
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(path.name + ".tmp")
    try:
        for folder in reversed([path.parent, *path.parent.parents]):
            if not folder.exists():
                folder.mkdir(mode=0o700)
        fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
