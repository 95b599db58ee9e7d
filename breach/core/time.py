"""Parsing of human times and period arithmetic; pure: `now` is always passed in.

What time it is comes from breach.adapters.clock (where `BREACH_NOW` overrides the wall
clock). Instants are stored as UTC plus the offset as entered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import overload

from breach.errors import InputError

UNITS = ("hours", "calendar_days", "business_days", "months", "none")


def zone(name: str) -> tzinfo:
    """Resolve an IANA zone name, with a clear error."""
    from zoneinfo import ZoneInfoNotFoundError  # imported on first use: most reads show no local time

    try:
        return _zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a tzdata folder such as America/Argentina
        raise InputError(f"unknown time zone {name!r} (use an IANA name such as Europe/Brussels)") from None


@lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


class _Pattern:
    """A regular expression compiled on first use: reading times (`breach status`) parses none, so
    start-up pays for none of them."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern, self.flags = pattern, flags
        self.compiled: re.Pattern[str] | None = None

    def _get(self) -> re.Pattern[str]:
        if self.compiled is None:
            self.compiled = re.compile(self.pattern, self.flags)
        return self.compiled

    def match(self, text: str) -> re.Match[str] | None:
        return self._get().match(text)

    def search(self, text: str) -> re.Match[str] | None:
        return self._get().search(text)


_TRAILING_ZONE = _Pattern(r"^(?P<when>.+?)\s+(?P<zone>[A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)+|UTC)$")
_TRAILING_ABBREVIATION = _Pattern(r"^.+?\s+[A-Z]{2,6}$")

#: ISO 8601 extended format, date first; the only shapes accepted. ASCII digits only.
_ISO = _Pattern(
    r"^(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})"
    r"(?:[Tt ](?P<h>[0-9]{2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:[.,](?P<f>[0-9]{1,6}))?)?"
    r"\s*(?P<off>[Zz]|[+\-][0-9]{2}(?::?[0-9]{2})?)?)?$"
)
_TIME_ONLY = _Pattern(r"^(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2}))?$")
_DAY_MONTH = _Pattern(r"^[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-][0-9]{2,4}\b")
_NUMBER = _Pattern(r"^[+\-]?[0-9]+(?:[.,][0-9]+)?$")
_RELATIVE = _Pattern(
    r"\b(now|today|tonight|yesterday|tomorrow|ago|last|next|this|noon|midnight|am|pm|hours?|days?|weeks?)\b",
    re.IGNORECASE,
)

#: Earlier instants are typing mistakes ("1200" read as a year), not breaches.
EARLIEST_YEAR = 1970
#: Leaves room for offset and period arithmetic without overflowing datetime.
LATEST_YEAR = 9990
#: Real UTC offsets run from -12:00 (Baker Island) to +14:00 (Kiribati).
MAX_OFFSET = timedelta(hours=14)

_HOW = ("use ISO 8601 with offset (2026-11-28T14:05:00+01:00) "
        "or a local time and zone (2026-11-28 14:05 Europe/Brussels)")


def parse_when(text: str, *, default_zone: str, now: datetime | None = None) -> datetime:
    """Parse a responder's time: ISO 8601 with offset, or a local time plus an IANA zone.

    "2026-11-28T14:05:00+01:00", "2026-11-28 14:05 Europe/Brussels"; a time with no
    zone is read in `default_zone` (the organization's); a time of day alone ("10:00")
    takes the date of `now` there. Refused, because a wrong guess moves a statutory
    clock: zone abbreviations ("EST"), day/month forms ("01/02/2026"), bare numbers,
    relative words, offsets beyond +/-14:00, and local times that do not exist (the
    spring-forward gap) or exist twice (the fall-back hour: give an offset). The
    result keeps the offset as entered (or the zone's offset at that moment).
    """
    raw = (text or "").strip()
    if not raw:
        raise InputError("empty time")
    if len(raw) > 100:
        raise InputError(f"cannot read the time {raw[:40]!r}...: too long; {_HOW}")

    def garbled(reason: str = "") -> InputError:
        return InputError(f"cannot read the time {text!r}: {reason + '; ' if reason else ''}{_HOW}")

    zone_name = None
    m = _TRAILING_ZONE.match(raw)
    if m:
        raw, zone_name = m.group("when").strip(), m.group("zone")
    elif _TRAILING_ABBREVIATION.match(raw):
        raise InputError(
            f"the time {text!r} names a zone abbreviation; give an offset (+01:00) or an IANA zone "
            "name (Europe/Brussels, America/New_York)"
        )
    if _DAY_MONTH.match(raw):
        raise garbled("day/month or month/day is ambiguous, write the date as YYYY-MM-DD")
    if _NUMBER.match(raw):
        raise garbled("a bare number is not a time")
    iso_match = _ISO.match(raw)
    time_match = None if iso_match else _TIME_ONLY.match(raw)
    if time_match:
        return _time_today(time_match, text, zone_name or default_zone, now, garbled)
    if not iso_match:
        raise garbled("relative words are not read, give the date" if _RELATIVE.search(raw) else "")
    g = iso_match.groupdict()
    try:
        naive = datetime(int(g["y"]), int(g["mo"]), int(g["d"]), int(g["h"] or 0), int(g["mi"] or 0),
                         int(g["s"] or 0), int((g["f"] or "0").ljust(6, "0")))
    except ValueError as exc:
        raise garbled(str(exc)) from None
    if not EARLIEST_YEAR <= naive.year <= LATEST_YEAR:
        raise garbled(f"the year must be between {EARLIEST_YEAR} and {LATEST_YEAR}")
    if g["off"] is not None:
        if zone_name:
            raise InputError(f"the time {text!r} has both an offset and a zone name; give one")
        offset = _read_offset(g["off"], text)
        return naive.replace(tzinfo=timezone(offset))
    return _localize(naive, zone(zone_name or default_zone), text)


def _time_today(match: re.Match[str], text: str, zone_name: str, now: datetime | None,
                garbled: Callable[[str], InputError]) -> datetime:
    """A time of day alone ("10:00"): today's date in `zone_name`, today taken from `now`."""
    local_zone = zone(zone_name)
    if now is None:
        raise InputError(f"the time {text!r} has no date: give the date too (YYYY-MM-DD HH:MM)")
    today = in_zone(now, zone_name).date()
    try:
        naive = datetime(today.year, today.month, today.day, int(match["h"]), int(match["mi"]), int(match["s"] or 0))
    except ValueError as exc:
        raise garbled(str(exc)) from None
    return _localize(naive, local_zone, text)


def _read_offset(text: str, original: str) -> timedelta:
    """'Z', '+01:00', '+0100', '+01' as a timedelta within +/-14:00."""
    if text in ("Z", "z"):
        return timedelta(0)
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if minutes >= 60:
        raise InputError(f"the offset in {original!r} has {minutes} minutes; write it as +HH:MM")
    offset = (-1 if text[0] == "-" else 1) * timedelta(hours=hours, minutes=minutes)
    if abs(offset) > MAX_OFFSET:
        raise InputError(f"the offset {text} in {original!r} is outside -14:00 to +14:00; no place on Earth uses it")
    return offset


def _localize(naive: datetime, local_zone: tzinfo, original: str) -> datetime:
    """Attach a zone to a wall-clock time, refusing times the zone skips or repeats."""
    first, second = naive.replace(tzinfo=local_zone, fold=0), naive.replace(tzinfo=local_zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        back = first.astimezone(UTC).astimezone(local_zone).replace(tzinfo=None)
        if back != naive:
            raise InputError(
                f"the local time {original!r} does not exist: the clocks skip it (daylight saving time "
                "starts); check the time, or give an offset"
            )
        raise InputError(
            f"the local time {original!r} happens twice (daylight saving time ends); give the offset, "
            f"e.g. {first.isoformat(timespec='minutes')} or {second.isoformat(timespec='minutes')}"
        )
    # Freeze the offset as entered so it survives storage and display.
    offset = first.utcoffset()
    return naive.replace(tzinfo=timezone(offset)) if offset is not None else first


def encode(value: datetime) -> tuple[str, str]:
    """Split an aware instant into (UTC ISO string, offset as entered, e.g. '+01:00')."""
    if value.tzinfo is None:
        raise InputError("refusing a time without a zone")
    utc = value.astimezone(UTC).isoformat(timespec="seconds")
    return utc, format_offset(value.utcoffset() or timedelta(0))


def decode(utc: str | None, offset: str | None) -> datetime | None:
    """Rebuild the instant in the offset it was entered with."""
    if not utc:
        return None
    value = datetime.fromisoformat(utc)
    if offset:
        value = value.astimezone(timezone(parse_offset(offset)))
    return value


def instant(utc: str, offset: str | None = None) -> datetime:
    """decode() for a time an event always records (its `at`): a missing one is a damaged event."""
    value = decode(utc, offset)
    if value is None:
        raise ValueError(f"an event time is missing ({utc!r})")
    return value


def format_offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def parse_offset(text: str) -> timedelta:
    sign = -1 if text.startswith("-") else 1
    hours, minutes = text.lstrip("+-").split(":")
    return sign * timedelta(hours=int(hours), minutes=int(minutes))


@overload
def iso(value: datetime) -> str: ...
@overload
def iso(value: None) -> None: ...
@overload
def iso(value: datetime | None) -> str | None: ...
def iso(value: datetime | None) -> str | None:
    """ISO 8601 with offset, seconds precision; None stays None."""
    return value.isoformat(timespec="seconds") if value is not None else None


def in_zone(value: datetime, zone_name: str) -> datetime:
    return value.astimezone(zone(zone_name))


def show(value: datetime | None, zone_name: str) -> str:
    """A time as a responder reads it: local time with zone abbreviation."""
    if value is None:
        return "-"
    local = in_zone(value, zone_name)
    return local.strftime("%Y-%m-%d %H:%M %Z")


def humanize(delta: timedelta) -> str:
    """'2d 03h 10m', or 'overdue by 5h 02m' for negative values."""
    seconds = int(delta.total_seconds())
    prefix = "overdue by " if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    text = f"{days}d {hours:02d}h {minutes:02d}m" if days else f"{hours}h {minutes:02d}m"
    return prefix + text


# --- period arithmetic (pure) -------------------------------------------------------


@lru_cache(maxsize=64)
def _holidays(calendar: str, year: int) -> frozenset[date]:
    """Holidays of a named calendar: 'BR', 'US', 'US-CA' (country-subdivision), 'NYSE'."""
    import holidays

    country, _, subdiv = calendar.partition("-")
    try:
        if country in {"NYSE", "XNYS"}:
            cal = holidays.financial_holidays("NYSE", years=year)
        else:
            cal = holidays.country_holidays(country, subdiv=subdiv or None, years=year)
    except NotImplementedError:
        raise InputError(f"unknown holiday calendar {calendar!r}") from None
    return frozenset(cal.keys())


def is_business_day(day: date, calendar: str) -> bool:
    return day.weekday() < 5 and day not in _holidays(calendar, day.year)


def add_business_days(start: datetime, days: int, *, calendar: str, zone_name: str) -> datetime:
    """Count `days` business days after the start's local date (the start day not counted).

    The due time keeps the start's local clock time, a conservative reading (earlier
    than "end of the last day").
    """
    local = in_zone(start, zone_name)
    day = local.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_business_day(day, calendar):
            counted += 1
    return _same_local_time(local, day, zone_name)


def add_calendar_days(start: datetime, days: int, *, zone_name: str) -> datetime:
    local = in_zone(start, zone_name)
    return _same_local_time(local, local.date() + timedelta(days=days), zone_name)


def add_months(start: datetime, months: int, *, zone_name: str) -> datetime:
    """'One month' = the same date next month, or that month's last day (Reg. 1182/71)."""
    from dateutil.relativedelta import relativedelta

    local = in_zone(start, zone_name)
    target = local.date() + relativedelta(months=months)
    return _same_local_time(local, target, zone_name)


def _same_local_time(local: datetime, day: date, zone_name: str) -> datetime:
    naive = datetime.combine(day, local.time().replace(tzinfo=None))
    return naive.replace(tzinfo=zone(zone_name), fold=local.fold)


def add_period(
    start: datetime,
    *,
    amount: int,
    unit: str,
    zone_name: str = "UTC",
    calendar: str | None = None,
) -> datetime | None:
    """Due time of a period from `start`; None for 'none' (without undue delay).

    Hours are elapsed hours (72 h across a DST change is still 72 real hours); day and
    month periods are counted on the local calendar of `zone_name`.
    """
    if unit == "hours":
        return start + timedelta(hours=amount)
    if unit == "calendar_days":
        return add_calendar_days(start, amount, zone_name=zone_name)
    if unit == "business_days":
        if not calendar:
            raise InputError("a business-day period needs a holiday calendar")
        return add_business_days(start, amount, calendar=calendar, zone_name=zone_name)
    if unit == "months":
        return add_months(start, amount, zone_name=zone_name)
    if unit == "none":
        return None
    raise InputError(f"unknown period unit {unit!r} (one of {', '.join(UNITS)})")
