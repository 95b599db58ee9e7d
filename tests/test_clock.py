"""One clock, time parsing, and period arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from breach.adapters import clock as wall
from breach.core import time as clock
from breach.errors import InputError


def test_breach_now_overrides_the_wall_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREACH_NOW", "2026-03-29T01:30:00+01:00")
    assert wall.now() == datetime.fromisoformat("2026-03-29T00:30:00+00:00")
    assert wall.now().utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize("bad", ["soon", "2026-03-29T01:30:00"])
def test_breach_now_must_be_iso_with_offset(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    monkeypatch.setenv("BREACH_NOW", bad)
    with pytest.raises(InputError):
        wall.now()


def test_wall_clock_without_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without BREACH_NOW the machine's clock answers (stood in for here: no test reads the wall clock)."""
    machine = datetime(2031, 7, 4, 9, 30, tzinfo=UTC)
    monkeypatch.setattr(wall, "wall_clock", lambda: machine)
    monkeypatch.delenv("BREACH_NOW")
    assert wall.now() == machine
    monkeypatch.setenv("BREACH_NOW", "2026-11-28T14:05:00+01:00")
    assert wall.now() != machine


def test_encode_decode_keeps_utc_and_offset() -> None:
    value = clock.parse_when("2026-11-28 14:05 Europe/Brussels", default_zone="UTC")
    utc, offset = clock.encode(value)
    assert (utc, offset) == ("2026-11-28T13:05:00+00:00", "+01:00")
    assert clock.iso(clock.decode(utc, offset)) == "2026-11-28T14:05:00+01:00"


@pytest.mark.parametrize(
    ("start", "amount", "unit", "extra", "due"),
    [
        # 72 elapsed hours across the spring DST change in Brussels (29 March 2026)
        ("2026-03-28T10:00:00+01:00", 72, "hours", {}, "2026-03-31T11:00:00+02:00"),
        # 3 Brazilian working days across Tiradentes (Tue 21 April 2026)
        ("2026-04-17T10:00:00-03:00", 3, "business_days",
         {"calendar": "BR", "zone_name": "America/Sao_Paulo"}, "2026-04-23T10:00:00-03:00"),
        # 4 US federal business days across Thanksgiving (Thu 26 November 2026)
        ("2026-11-24T09:00:00-05:00", 4, "business_days",
         {"calendar": "US", "zone_name": "America/New_York"}, "2026-12-01T09:00:00-05:00"),
        # one month from 31 January: the last day of February
        ("2026-01-31T10:00:00+01:00", 1, "months", {"zone_name": "Europe/Brussels"}, "2026-02-28T10:00:00+01:00"),
        ("2026-11-28T14:05:00+01:00", 30, "calendar_days", {"zone_name": "Europe/Brussels"},
         "2026-12-28T14:05:00+01:00"),
    ],
)
def test_add_period(start: str, amount: int, unit: str, extra: dict, due: str) -> None:
    result = clock.add_period(datetime.fromisoformat(start), amount=amount, unit=unit, **extra)
    assert result == datetime.fromisoformat(due)


def test_without_undue_delay_has_no_due_time() -> None:
    assert clock.add_period(datetime.fromisoformat("2026-01-01T00:00:00+00:00"), amount=0, unit="none") is None
