"""Parsing a responder's time: accepted shapes, refused shapes, and a property test."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from conftest import Cli
from hypothesis import given, settings
from hypothesis import strategies as st

from breach.adapters import clock as wall
from breach.core import time as clock
from breach.errors import InputError

NOW = datetime.fromisoformat("2026-11-28T14:05:00+01:00")
ZONE = "Europe/Brussels"


def parse(text: str) -> datetime:
    return clock.parse_when(text, default_zone=ZONE, now=NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-28T14:05:00+01:00", "2026-11-28T14:05:00+01:00"),
        ("2026-11-28T14:05+0530", "2026-11-28T14:05:00+05:30"),
        ("2026-11-28T12:00:00Z", "2026-11-28T12:00:00+00:00"),
        ("2026-11-28 14:05", "2026-11-28T14:05:00+01:00"),  # the organization's zone
        ("2026-07-01 10:00", "2026-07-01T10:00:00+02:00"),  # ... in summer
        ("2026-11-28 07:00 America/New_York", "2026-11-28T07:00:00-05:00"),
        ("2026-11-28 07:00 UTC", "2026-11-28T07:00:00+00:00"),
        ("2026-11-25", "2026-11-25T00:00:00+01:00"),  # a date alone: midnight there
        ("10:00", "2026-11-28T10:00:00+01:00"),  # a time of day alone: today in the organization's zone
        ("10:00 America/New_York", "2026-11-28T10:00:00-05:00"),
        ("2026-10-25T02:30:00+01:00", "2026-10-25T02:30:00+01:00"),  # the fall-back hour with its offset
        ("2026-11-28T14:05:00-12:00", "2026-11-28T14:05:00-12:00"),
        ("2026-11-28T14:05:00+14:00", "2026-11-28T14:05:00+14:00"),
    ],
)
def test_accepted_times_keep_their_offset(text: str, expected: str) -> None:
    assert clock.iso(parse(text)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("01/02/2026", "ambiguous"),  # 1 February or 2 January?
        ("1.2.2026", "ambiguous"),
        ("12", "bare number"),
        ("-1", "bare number"),
        ("1200", "bare number"),
        ("yesterday", "relative words"),
        ("now", "relative words"),
        ("2 days ago", "relative words"),
        ("Nov 28 2026", "cannot read the time"),
        ("2026-03-29 02:30 Europe/Brussels", "does not exist"),  # spring-forward gap
        ("2026-03-29 02:30", "does not exist"),  # ... in the organization's zone
        ("2026-10-25 02:30 Europe/Brussels", "happens twice"),  # fall-back hour
        ("2026-11-28T14:05:00+24:00", "outside -14:00 to"),
        ("2026-11-28T14:05:00-14:30", "outside -14:00 to"),
        ("2026-11-28T14:05:00+01:75", "minutes"),
        ("2026-11-28 07:00 EST", "zone abbreviation"),
        ("2026-11-28T10:00+01:00 Europe/Brussels", "both an offset and a zone"),
        ("2026-11-28 10:00 America/Argentina", "unknown time zone"),  # a tzdata folder, not a zone
        ("2026-02-30", "day is out of range"),
        ("0001-01-01T00:00:00+01:00", "the year must be between"),
        ("9999-12-31T23:59:59-12:00", "the year must be between"),
        ("", "empty time"),
        ("2026-11-28 " + "9" * 5000, "too long"),
    ],
)
def test_refused_times_name_the_reason(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse(text)


def test_the_fall_back_hour_suggests_both_offsets() -> None:
    with pytest.raises(InputError) as caught:
        parse("2026-10-25 02:30")
    assert "2026-10-25T02:30+02:00" in str(caught.value) and "2026-10-25T02:30+01:00" in str(caught.value)


def test_a_time_of_day_without_now_uses_breach_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREACH_NOW", "2026-03-01T23:30:00+00:00")  # already 2 March in Brussels
    assert clock.iso(clock.parse_when("09:00", default_zone=ZONE, now=wall.now())) == "2026-03-02T09:00:00+01:00"


@pytest.mark.parametrize(
    ("given_time", "message"),
    [
        ("01/02/2026", "ambiguous"),
        ("12", "bare number"),
        ("-1", "bare number"),
        ("2026-11-28T10:00:00+24:00", "outside -14:00 to"),
        ("2026-03-29 02:30 Europe/Brussels", "does not exist"),
        ("2026-10-25 02:30 Europe/Brussels", "happens twice"),
    ],
)
def test_open_refuses_the_time_with_one_error_line(cli: Cli, given_time: str, message: str) -> None:
    result = cli("open", "--title", "x", "--aware-at", given_time)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert "Traceback" not in result.output
    assert cli.json("list") == []  # nothing was opened


def test_mark_and_notified_use_the_same_parser(cli: Cli) -> None:
    iid = cli.open("x", "--aware-at", "2026-11-28 09:00")
    result = cli("mark", iid, "determined", "--at", "01/02/2026")
    assert result.exit_code == 1 and "ambiguous" in result.stderr and "Traceback" not in result.output


# --- property: any text gives a datetime or InputError, never another exception --------------------

_TIMEISH = st.text(alphabet="0123456789-:/.+ TZtzEuropeBrusl_Ameica/NwYkUC", max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=40), _TIMEISH))
def test_any_text_parses_or_raises_input_error(text: str) -> None:
    """A refusal is one line (it is shown as `Error: ...`); a time read is zoned and reads back as itself."""
    try:
        value = parse(text)
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc), str(exc)
        return
    assert value.tzinfo is not None and abs(value.utcoffset()) <= timedelta(hours=14)
    again = parse(value.isoformat())
    assert again == value and again.utcoffset() == value.utcoffset()


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9000, 1, 1)),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_iso_with_offset_round_trips(naive: datetime, minutes: int) -> None:
    sign = "-" if minutes < 0 else "+"
    text = f"{naive.isoformat(timespec='seconds')}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    value = parse(text)
    assert value.replace(tzinfo=None) == naive.replace(microsecond=0)
    assert value.utcoffset() == timedelta(minutes=minutes)
