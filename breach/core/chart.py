"""The deadline chart of an incident report, as geometry: pure, `now` and the zone passed in.

One bar per obligation from its clock's start to its due time, coloured by state (met,
met late, overdue, pending, not applicable), a "now" line, and day or hour ticks in the
responder's zone. Duties without a fixed deadline ("without undue delay", Art. 34(1))
have no end to draw: they get their own band below the dated ones, a bar from their
start to the chart's right edge. The template (templates/report/) only draws these numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from breach.core import time as clock
from breach.core.states import ObligationState

WIDTH = 1000
LABEL_WIDTH = 330  # obligation id and recipient, left of the bars
PLOT_LEFT = LABEL_WIDTH + 10
PLOT_RIGHT = WIDTH - 20
TOP = 34  # room for the tick labels
ROW = 26
BAR = 16
BAND_GAP = 30  # between the dated bars and the undated ones (with their caption)

#: Tick spacing candidates, smallest first; the first giving at most MAX_TICKS ticks wins.
STEPS = [timedelta(hours=h) for h in (1, 3, 6, 12)] + [timedelta(days=d) for d in (1, 2, 7, 14, 30, 91)]
MAX_TICKS = 8


@dataclass(frozen=True)
class Bar:
    obligation: str
    label: str
    recipient: str
    state: str  # pending | overdue | met | late | not_applicable | not_started
    dated: bool
    x: float
    y: float
    width: float
    height: float
    text_y: float
    start: str  # shown in the responder's zone, "-" when the clock has not started
    due: str
    due_short: str  # in the label column: "Tue 01 Dec 09:00", or "undue delay"
    met_x: float | None  # where the notice was made, on a met bar
    title: str  # the bar's tooltip


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[float, str], ...]
    now_x: float
    now_label: str
    undated_y: float | None  # caption of the undated band
    plot_left: int
    plot_right: int
    top: int
    zone: str


def bar_state(ob: dict[str, Any]) -> str:
    """The colour class of one obligation (Obligation.to_dict or the same keys)."""
    if ob["state"] == ObligationState.PENDING and ob.get("overdue"):
        return "overdue"
    if ob["state"] == ObligationState.PENDING and not ob.get("started_at"):
        return "not_started"
    return str(ob["state"])


def deadline_chart(obligations: list[dict[str, Any]], *, now: datetime, zone: str) -> Chart:
    """Lay out the bars; `obligations` carry datetimes at started_at, due_at and met_at (or None)."""
    dated = sorted((o for o in obligations if o.get("due_at")), key=lambda o: (o["due_at"], o["obligation"]))
    undated = [o for o in obligations if not o.get("due_at")]
    times: list[datetime] = [now] + [o[k] for o in obligations for k in ("started_at", "due_at", "met_at") if o.get(k)]
    lo, hi = min(times), max(times)
    span = max(hi - lo, timedelta(hours=12))
    lo, hi = lo - span * 0.04, hi + span * 0.06
    scale = (PLOT_RIGHT - PLOT_LEFT) / (hi - lo).total_seconds()

    def x(t: datetime) -> float:
        return round(PLOT_LEFT + (t - lo).total_seconds() * scale, 1)

    bars: list[Bar] = []
    y = TOP
    for ob in dated:
        start = ob.get("started_at") or ob["due_at"]
        bars.append(_bar(ob, x0=x(start), x1=x(ob["due_at"]), y=y, dated=True, zone=zone,
                         met_x=x(ob["met_at"]) if ob.get("met_at") else None))
        y += ROW
    undated_y = None
    if undated:
        y += BAND_GAP if dated else 14
        undated_y = y - 10
        for ob in undated:
            start = ob.get("started_at")
            bars.append(_bar(ob, x0=x(start) if start else PLOT_LEFT, x1=PLOT_RIGHT, y=y, dated=False, zone=zone,
                             met_x=x(ob["met_at"]) if ob.get("met_at") else None))
            y += ROW
    return Chart(width=WIDTH, height=int(y + 8), bars=tuple(bars), ticks=tuple(_ticks(lo, hi, x, zone)),
                 now_x=x(now), now_label="now " + clock.in_zone(now, zone).strftime("%d %b %H:%M"),
                 undated_y=undated_y, plot_left=PLOT_LEFT, plot_right=PLOT_RIGHT, top=TOP, zone=zone)


def _bar(ob: dict[str, Any], *, x0: float, x1: float, y: float, dated: bool, zone: str,
         met_x: float | None) -> Bar:
    state = bar_state(ob)
    start = clock.show(ob["started_at"], zone) if ob.get("started_at") else "-"
    due = clock.show(ob["due_at"], zone) if ob.get("due_at") else "no fixed deadline"
    tip = f"{ob['obligation']}: {state.replace('_', ' ')}; start {start}; due {due}"
    if ob.get("met_at"):
        tip += f"; notified {clock.show(ob['met_at'], zone)}"
    return Bar(obligation=ob["obligation"], label=ob["obligation"], recipient=str(ob.get("recipient") or ""),
               due_short=clock.in_zone(ob["due_at"], zone).strftime("%a %d %b %H:%M") if ob.get("due_at")
               else ("not applicable" if state == ObligationState.NOT_APPLICABLE else "no fixed deadline"),
               state=state, dated=dated, x=x0, y=y, width=max(round(x1 - x0, 1), 3.0), height=BAR,
               text_y=y + BAR - 4, start=start, due=due, met_x=met_x, title=tip)


def _ticks(lo: datetime, hi: datetime, x: Any, zone: str) -> list[tuple[float, str]]:
    span = hi - lo
    step = next((s for s in STEPS if span / s <= MAX_TICKS), STEPS[-1])
    local = clock.in_zone(lo, zone)
    if step >= timedelta(days=1):
        first = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        fmt = "%a %d %b"
    else:
        hours = int(step.total_seconds() // 3600)
        first = local.replace(minute=0, second=0, microsecond=0)
        first += timedelta(hours=hours - first.hour % hours)
        fmt = "%d %b %H:%M"
    ticks = []
    t = first
    # wall-clock steps in the zone: a day tick stays at midnight across a DST change
    while t <= hi and x(t) <= WIDTH - 40:
        ticks.append((x(t), t.strftime(fmt)))
        t = _add_local(t, step, zone)
    return ticks


def _add_local(t: datetime, step: timedelta, zone: str) -> datetime:
    """`t` plus `step` in wall-clock terms of `zone` (midnight stays midnight over DST)."""
    tz = clock.zone(zone)
    naive = t.replace(tzinfo=None) + step
    return naive.replace(tzinfo=tz)
