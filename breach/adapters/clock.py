"""What time it is: the one place that reads the clock.

`BREACH_NOW` (ISO 8601 with offset) overrides the wall clock, so tests, drills and
reproductions are deterministic. The core never asks: every `now` it sees was passed in
(breach.adapters.config.Config.now, resolved once when a command or `open_session` starts).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime

from breach.errors import InputError

NOW_ENV = "BREACH_NOW"


def fixed_now(environ: Mapping[str, str] = os.environ) -> datetime | None:
    """The instant `BREACH_NOW` pins, or None when the wall clock runs."""
    fixed = environ.get(NOW_ENV)
    if not fixed:
        return None
    try:
        value = datetime.fromisoformat(fixed.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"BREACH_NOW is not an ISO 8601 time: {fixed!r}") from None
    if value.tzinfo is None:
        raise InputError(f"BREACH_NOW needs an offset, e.g. 2026-11-28T14:05:00+01:00: {fixed!r}")
    return value


def wall_clock() -> datetime:
    """The machine's clock, in UTC."""
    return datetime.now(UTC)


def now(environ: Mapping[str, str] = os.environ) -> datetime:
    """Return the current instant, tz-aware; `BREACH_NOW` overrides the wall clock."""
    return fixed_now(environ) or wall_clock()
