"""breach.core.chart: the report's deadline chart as geometry (pure; `now` and the zone passed in)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from breach.core.chart import PLOT_LEFT, PLOT_RIGHT, bar_state, deadline_chart

NOW = datetime(2026, 11, 28, 13, 5, tzinfo=UTC)


def ob(name: str, *, state: str = "pending", start: float | None = -5, due: float | None = 67,
       met: float | None = None, overdue: bool = False) -> dict:
    def at(hours: float | None) -> datetime | None:
        return None if hours is None else NOW + timedelta(hours=hours)

    return {"obligation": name, "recipient": "SA", "state": state, "overdue": overdue, "started_at": at(start),
            "due_at": at(due), "met_at": at(met)}


def test_one_bar_per_obligation__dated_first_by_due_then_the_undated_band() -> None:
    chart = deadline_chart([ob("subjects", due=None), ob("late-one", due=10), ob("sa", due=67)],
                           now=NOW, zone="Europe/Brussels")
    assert [(b.obligation, b.dated) for b in chart.bars] == [("late-one", True), ("sa", True), ("subjects", False)]
    assert chart.undated_y is not None and chart.undated_y > chart.bars[1].y
    undated = chart.bars[2]
    assert undated.x + undated.width == pytest.approx(PLOT_RIGHT)  # no end: runs to the edge
    assert undated.due == "no fixed deadline"


def test_bars_run_from_start_to_due_and_now_lies_between() -> None:
    chart = deadline_chart([ob("sa", start=-5, due=67)], now=NOW, zone="Europe/Brussels")
    bar = chart.bars[0]
    assert PLOT_LEFT <= bar.x < chart.now_x < bar.x + bar.width <= PLOT_RIGHT
    fraction = (chart.now_x - bar.x) / bar.width
    assert fraction == pytest.approx(5 / 72, abs=0.01)
    assert chart.now_label == "now 28 Nov 14:05"  # 13:05 UTC in Brussels (CET)
    assert bar.due == "2026-12-01 09:05 CET" and bar.due_short == "Tue 01 Dec 09:05"


@pytest.mark.parametrize(("kwargs", "state"), [
    ({}, "pending"),
    ({"overdue": True, "due": -1}, "overdue"),
    ({"state": "met", "met": 2}, "met"),
    ({"state": "late", "met": 70}, "late"),
    ({"state": "not_applicable", "due": None}, "not_applicable"),
    ({"start": None, "due": None}, "not_started"),
])
def test_bar_state__met_overdue_pending_colours(kwargs: dict, state: str) -> None:
    assert bar_state(ob("x", **kwargs)) == state
    chart = deadline_chart([ob("x", **kwargs)], now=NOW, zone="UTC")
    assert chart.bars[0].state == state


def test_a_met_bar_marks_when_the_notice_was_made() -> None:
    chart = deadline_chart([ob("sa", state="met", met=2)], now=NOW, zone="UTC")
    bar = chart.bars[0]
    assert bar.met_x is not None and bar.x < bar.met_x < bar.x + bar.width
    assert "notified 2026-11-28 15:05 UTC" in bar.title


def test_ticks_are_local_midnights_in_the_responders_zone() -> None:
    chart = deadline_chart([ob("sa", start=-5, due=24 * 6)], now=NOW, zone="America/New_York")
    labels = [label for _, label in chart.ticks]
    assert labels and all(len(label.split()) == 3 for label in labels)  # "Sun 29 Nov": day ticks
    assert labels[:2] == ["Sat 28 Nov", "Sun 29 Nov"]
    bar = chart.bars[0]
    per_hour = bar.width / (24 * 6 + 5)
    midnight_ny = NOW - timedelta(hours=5) - timedelta(hours=3, minutes=5)  # 2026-11-28 00:00 EST = 05:00 UTC
    assert midnight_ny.hour == 5
    assert chart.ticks[0][0] == pytest.approx(bar.x - per_hour * (3 + 5 / 60), abs=0.2)
    xs = [x for x, _ in chart.ticks]
    assert xs == sorted(xs) and all(PLOT_LEFT <= x <= chart.width for x in xs)


def test_no_obligation_still_draws_the_now_line() -> None:
    chart = deadline_chart([], now=NOW, zone="UTC")
    assert chart.bars == () and PLOT_LEFT <= chart.now_x <= PLOT_RIGHT
