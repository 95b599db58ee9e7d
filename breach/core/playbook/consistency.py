"""Facts that cannot all be true: answers that each fit their question but not each other.

Pure: the answers, `now`, the incident's times and the profile's languages come in; a list of
problems (one line each, naming the key and the fix) goes out. The rules are the CLI's: no time
in the future, offsets within -14:00 to +14:00, the end of a breach after it occurred; the people
per jurisdiction (with those of unknown location) add up to `subjects_count` (GDPR Art. 33(3)(a));
free text only in the languages the notices are written in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from breach.core.drafting import LANGS
from breach.core.jurisdictions import UNLOCATED
from breach.core.playbook.model import Playbook
from breach.core.time import MAX_OFFSET


def answer_problems(playbook: Playbook, answers: dict[str, Any], *, now: datetime,
                    occurred_at: datetime | None = None, languages: Iterable[str] = ("en",)) -> list[str]:
    """Problems that make the answers impossible together; empty when they can all be true."""
    kinds = {s.id: s.type for s in playbook.steps}
    problems = count_problems(answers)
    for key, value in answers.items():
        if kinds.get(key) == "datetime":
            problems += time_problems(key, value, now=now, occurred_at=occurred_at)
        elif kinds.get(key) == "text":
            problems += language_problems(key, value, languages)
    return problems


def count_problems(answers: dict[str, Any]) -> list[str]:
    """The people per jurisdiction plus those of unknown location are the people affected."""
    where, total = answers.get("jurisdictions"), answers.get("subjects_count")
    if not isinstance(where, dict) or not where or not _count(total):
        return []
    counts = list(where.values())
    if not all(_count(n) for n in counts):
        return []  # a wrong type: check_answers says so
    located = sum(n for code, n in where.items() if code != UNLOCATED)
    unlocated = where.get(UNLOCATED, 0)
    if located + unlocated == total:
        return []
    return [f"jurisdictions: the people per jurisdiction add up to {located + unlocated:,} "
            f"({located:,} located + {unlocated:,} unlocated) but subjects_count is {total:,}; "
            "make them agree: correct the counts, or put the people whose location is unknown under "
            "`unlocated` (GDPR Art. 33(3)(a))"]


def time_problems(key: str, value: Any, *, now: datetime, occurred_at: datetime | None) -> list[str]:
    """A time answer: a real offset, not in the future, not before the breach occurred."""
    when = _time(value)
    if when is None:
        return []  # not a time with an offset: check_answers says so
    offset = when.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        return [f"{key}: the offset of {value} is outside -14:00 to +14:00 (no place on Earth uses it); "
                "give the time with its real offset, e.g. +01:00"]
    if when > now:
        return [f"{key}: {when.isoformat()} is in the future (now is {now.astimezone(when.tzinfo).isoformat()}); "
                "give the time it happened, or leave it out until it has"]
    if occurred_at is not None and when < occurred_at:
        return [f"{key}: {when.isoformat()} is before the breach occurred "
                f"({occurred_at.astimezone(when.tzinfo).isoformat()}); correct the time, or correct when "
                "the breach occurred with `breach edit ID --occurred-at`"]
    return []


def language_problems(key: str, value: Any, languages: Iterable[str]) -> list[str]:
    """Free text per language: only languages notices are written in (the profile's, or another breach drafts)."""
    if not isinstance(value, dict):
        return []
    used = list(languages)
    unknown = [str(lang) for lang in value if lang not in used and lang not in LANGS]
    if not unknown:
        return []
    others = [lang for lang in LANGS if lang not in used]
    also = f"; breach can also draft in {', '.join(others)}" if others else ""
    verb = "is not a language" if len(unknown) == 1 else "are not languages"
    return [f"{key}: {', '.join(map(repr, unknown))} {verb}"
            f" notices are written in: this profile uses {', '.join(used)}{also}; give the text under one of those "
            "language codes (a text under an unknown key would never reach a notice)"]


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _time(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        return None
    return value
