"""Writing files that hold facts about a breach: owner-only, whole or not at all, never onto a device.

`write_private` is the one way breach writes a file (drafts, approved renditions, reports,
calendars, registers, exports, .docx, organization.yaml): the target must be a regular
file or a new name (a device such as /dev/full, a FIFO, a socket, a folder or a symbolic
link is refused before anything is written), and the file is 0600 whatever the umask.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from breach.errors import InputError

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
          (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link"))


def check_target(path: Path | str) -> Path:
    """`path` if breach may write a file there: a regular file or a new name; InputError otherwise."""
    raw = str(path)
    path = Path(path)
    if not raw.strip() or not path.name or path.name in {".", ".."}:
        raise InputError(f"{raw!r} is not a file name: give the file to write, e.g. report.html")
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        raise InputError(f"{path} is {kind}; breach writes only a regular file or a new name: give another path")
    return path


def write_private(path: Path | str, data: bytes | str) -> Path:
    """Write `data` to `path` with mode 0600 via a temporary file (no half-written file, ever).

    Folders created on the way get mode 0700. Errors become one clear InputError.
    """
    path = check_target(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(path.name + ".tmp")
    try:
        for folder in reversed([path.parent, *path.parent.parents]):
            if not folder.exists():
                folder.mkdir(mode=0o700)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)  # a leftover (or planted) .tmp: never written through
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.fchmod(fd, 0o600)  # whatever the umask
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
