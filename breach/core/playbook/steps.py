"""Step types: a plain registry of how each kind of answer is parsed and checked."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from breach.core.jurisdictions import MAX_COUNT, UNLOCATED, check_count, check_jurisdiction
from breach.core.playbook.model import JURISDICTION, Step
from breach.errors import InputError

# --- step types: a plain registry ------------------------------------------------------


@dataclass(frozen=True)
class StepType:
    """How a `type:` parses terminal input and checks a value from an answers file."""

    parse: Callable[[Step, str, str, datetime | None], Any]  # (step, non-empty text, default_zone, now) -> value
    check: Callable[[Step, Any], str | None]  # value -> problem text, or None
    asked: bool = True
    takes_choices: bool = False
    takes_range: bool = False
    collection: bool = False  # the answer is a list or dict: `contains` applies


_YES = {"y", "yes", "true"}
_NO = {"n", "no", "false"}


def _parse_yes_no(step: Step, text: str, zone: str, now: datetime | None = None) -> bool:
    word = text.strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise InputError(f"{step.id}: answer yes or no (y/n), not {text!r}")


def _check_bool(step: Step, value: Any) -> str | None:
    return None if isinstance(value, bool) else f"expected yes/no (true/false), got {value!r}"


def _match_choice(step: Step, word: str) -> str:
    word = word.strip()
    if word.isdigit() and 1 <= int(word) <= len(step.choices):
        return step.choices[int(word) - 1].value  # terminals: pick by number
    for choice in step.choices:
        if word.lower() in (choice.value.lower(), choice.label.lower()):
            return choice.value
    # A unique prefix is enough: "max" for maximum, "contr" for controller.
    prefixed = [c.value for c in step.choices
                if word and (c.value.lower().startswith(word.lower()) or c.label.lower().startswith(word.lower()))]
    if len(prefixed) == 1:
        return prefixed[0]
    if len(prefixed) > 1:
        raise InputError(f"{step.id}: {word!r} could be {', '.join(prefixed)}; type more letters")
    raise InputError(
        f"{step.id}: {word!r} is not a choice; answer one of {', '.join(step.choice_values)} (or its number)"
    )


def _parse_choice(step: Step, text: str, zone: str, now: datetime | None = None) -> str:
    return _match_choice(step, text)


def _check_choice(step: Step, value: Any) -> str | None:
    if value in step.choice_values:
        return None
    return f"{value!r} is not one of {', '.join(step.choice_values)}"


def _parse_multi(step: Step, text: str, zone: str, now: datetime | None = None) -> list[str]:
    words = [w for w in re.split(r"[,;]", text) if w.strip()]
    if not words:
        raise InputError(f"{step.id}: give one or more of {', '.join(step.choice_values)}, separated by commas")
    return list(dict.fromkeys(_match_choice(step, w) for w in words))


def _check_multi(step: Step, value: Any) -> str | None:
    if not isinstance(value, list):
        return f"expected a list of {', '.join(step.choice_values)}, got {value!r}"
    bad = [v for v in value if v not in step.choice_values]
    if bad:
        return f"{', '.join(map(repr, bad))} not among {', '.join(step.choice_values)}"
    return None


def _range_problem(step: Step, number: int) -> str | None:
    if step.min is not None and number < step.min:
        return f"{number} is below the minimum {step.min}"
    if step.max is not None and number > step.max:
        return f"{number} is above the maximum {step.max}"
    if number > MAX_COUNT:  # no count of people or records exceeds this: a typo
        return f"{number} is above the maximum {MAX_COUNT:,}"
    return None


#: A whole number as people write it: 12400, 12,400, 12 400, 12_400, 12'400, 12.400 (groups of three).
_GROUPED = re.compile(r"\d{1,3}(?:([,.'_])\d{3})(?:\1\d{3})*")


def read_count(text: str) -> int | None:
    """A count of people or records typed by a person; None if it is not a whole number.

    Art. 33(4) and EDPB 9/2022 para 52: approximate numbers are fine ("~1200", "about 12,400").
    """
    raw = re.sub(r"\s", "", text).lstrip("~")  # spaces, no-break and thin spaces group digits too
    sign = -1 if raw.startswith("-") else 1  # read, so that the range check can say "below the minimum"
    raw = raw.removeprefix("-")
    if raw.isascii() and raw.isdigit():
        return sign * int(raw)
    if raw.isascii() and _GROUPED.fullmatch(raw):
        return sign * int(re.sub(r"\D", "", raw))
    return None


def _parse_integer(step: Step, text: str, zone: str, now: datetime | None = None) -> int:
    number = read_count(text)
    if number is None:
        raise InputError(f"{step.id}: give a whole number (an estimate is fine, e.g. 12,400), not {text!r}")
    problem = _range_problem(step, number)
    if problem:
        raise InputError(f"{step.id}: {problem}")
    return number


def check_integer(step: Step, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"expected a whole number, got {value!r}"
    return _range_problem(step, value)


def _parse_datetime(step: Step, text: str, zone: str, now: datetime | None = None) -> str:
    from breach.core import time as clock

    return clock.iso(clock.parse_when(text, default_zone=zone, now=now))


def _check_datetime(step: Step, value: Any) -> str | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return f"expected an ISO 8601 time with offset, got {value!r}"
    if not isinstance(value, datetime):
        return f"expected an ISO 8601 time with offset, got {value!r}"
    if value.tzinfo is None:
        return f"the time {value.isoformat()} has no offset (e.g. +01:00)"
    return None


def _parse_text(step: Step, text: str, zone: str, now: datetime | None = None) -> str:
    return text.strip()


def _check_text(step: Step, value: Any) -> str | None:
    """Text, or the same text per language ({en: ..., fr: ...}) for notices in several languages."""
    if isinstance(value, dict) and value:
        bad = [k for k, v in value.items()
               if not (isinstance(k, str) and len(k) == 2 and isinstance(v, str) and v.strip())]
        return f"per-language text needs two-letter language codes and text, not {bad!r}" if bad else None
    return None if isinstance(value, str) and value.strip() else f"expected text, got {value!r}"


def _parse_task(step: Step, text: str, zone: str, now: datetime | None = None) -> bool:
    """A task's 'answer' is whether it is done."""
    return _parse_yes_no(step, text, zone)


def _parse_jurisdictions(step: Step, text: str, zone: str, now: datetime | None = None) -> dict[str, int]:
    out: dict[str, int] = {}
    # A comma before three digits groups thousands (BE=12,400); elsewhere it separates pairs.
    for part in (p.strip() for p in re.split(r";|,(?!\d{3}(?!\d))", text)):
        if not part:
            continue
        code, sep, count = part.partition("=")
        if not sep:
            code, sep, count = part.partition(":")
        code = code.strip().upper()
        if code.lower() == UNLOCATED and sep:
            code = UNLOCATED
        elif not sep or not JURISDICTION.match(code):
            raise InputError(
                f"{step.id}: write CODE=PEOPLE pairs with ISO 3166 codes, e.g. 'BE=1200, US-CA=800' (not {part!r})"
            )
        people = read_count(count)
        if people is None:
            raise InputError(f"{step.id}: {count.strip()!r} for {code} is not a whole number")
        if people < 0:
            raise InputError(f"{step.id}: negative count for {code}")
        if code in out:
            raise InputError(f"{step.id}: {code} given twice")
        if code != UNLOCATED:
            check_jurisdiction(code)
        check_count(people, what=f"{step.id}: {code}")
        out[code] = people
    if not out:
        raise InputError(f"{step.id}: give CODE=PEOPLE pairs, e.g. 'BE=1200, US-CA=800'")
    return out


def _check_jurisdictions(step: Step, value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"expected a mapping such as {{BE: 1200, US-CA: 800}}, got {value!r}"
    for code, people in value.items():
        if code == UNLOCATED:
            if isinstance(people, bool) or not isinstance(people, int) or people < 0:
                return f"unlocated: expected a number of people, got {people!r}"
            continue
        if not isinstance(code, str) or not JURISDICTION.match(code):
            return (f"{code!r} is not an ISO 3166 code such as BE or US-CA (or `unlocated` for people of unknown "
                    "location)")
        if isinstance(people, bool) or not isinstance(people, int) or people < 0:
            return f"{code}: expected a number of people, got {people!r}"
        try:
            check_jurisdiction(code)
            check_count(people, what=code)
        except InputError as exc:
            return str(exc)
    return None


STEP_TYPES: dict[str, StepType] = {
    "yes_no": StepType(_parse_yes_no, _check_bool),
    "choice": StepType(_parse_choice, _check_choice, takes_choices=True),
    "multi_choice": StepType(_parse_multi, _check_multi, takes_choices=True, collection=True),
    "integer": StepType(_parse_integer, check_integer, takes_range=True),
    "datetime": StepType(_parse_datetime, _check_datetime),
    "text": StepType(_parse_text, _check_text),
    "task": StepType(_parse_task, _check_bool, asked=False),
    "jurisdictions": StepType(_parse_jurisdictions, _check_jurisdictions, collection=True),
}


