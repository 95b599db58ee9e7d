"""Small words for people: plurals, yes/no, and times in the responder's zone."""

from __future__ import annotations

from datetime import datetime

from breach.core import time as clock


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 letter', '2 letters', '1 incident', '0 rows'."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def yes_no(value: object) -> str:
    return "yes" if value is True else "no" if value is False else "-" if value is None else str(value)


def when(iso: str | None, zone: str) -> str:
    """An ISO 8601 time as the responder reads it: local time with the zone's abbreviation."""
    return clock.show(datetime.fromisoformat(iso), zone) if iso else "-"
