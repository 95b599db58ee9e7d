"""The report's first-day section for a processor: its customers' windows beside the controller's 72-hour clock.

A platform breach may touch thousands of customers (GDPR Art. 33(2): each controller told without undue
delay; the data processing agreement fixes the window). The report leads with them: the counts ("3 of
1,240 customers due in 5h; 1,180 notified"), a summary table by window, then every customer's notice time
against its window, earliest window first, late ones flagged; the deadline chart gets one bar per window
instead of one per customer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypedDict

from breach.core import customers as cust
from breach.core.regimes import Obligation
from breach.core.state import IncidentState
from breach.core.states import ObligationState
from breach.services.customers import clocks_of

When = Callable[[datetime | None], str]


class ControllerClock(TypedDict):
    """The organization's own duty as controller (GDPR Art. 33(1), 72 hours), shown beside the customers."""

    obligation: str
    recipient: str
    due: str
    state: str
    met: str
    source: str


class WindowRow(TypedDict):
    """One line of the summary table: the customers sharing a window (hours and start event)."""

    window: str
    due: str
    customers: int
    notified: int
    late: int
    pending: int
    overdue: int


class CustomerRow(TypedDict):
    """One customer's notice time against its window."""

    id: str
    name: str
    window: str
    due: str
    notified: str
    state: str  # pending | overdue | met | late
    late_by: str


class CustomersSection(TypedDict):
    """What the report's customers section shows (None in the report data when no customer is affected)."""

    line: str
    customers: int
    notified: int
    late: int
    pending: int
    overdue: int
    source: str
    controller: ControllerClock | None
    windows: list[WindowRow]
    rows: list[CustomerRow]


class ChartItem(TypedDict):
    """An obligation (or a window of customers) as breach.core.chart.deadline_chart draws it."""

    obligation: str
    recipient: str
    state: str
    overdue: bool
    started_at: datetime | None
    due_at: datetime | None
    met_at: datetime | None


def is_customer(rule_id: str) -> bool:
    return rule_id.startswith(cust.PREFIX)


def _window(k: cust.CustomerClock) -> str:
    c = k.customer
    return f"{c.window_hours} h from {'detection' if c.window_from == 'detected' else 'awareness'}"


def customers_section(state: IncidentState, found: list[Obligation], *, now: datetime,
                      when: When) -> CustomersSection | None:
    """The counts, the table by window and every customer, earliest window first; None without customers."""
    clocks = clocks_of(state)
    if not clocks:
        return None
    s = cust.summary(clocks, now=now)
    rows: list[CustomerRow] = []
    windows: dict[str, WindowRow] = {}
    for k in clocks:
        overdue = k.state == ObligationState.PENDING and k.due_at < now
        shown = "overdue" if overdue else k.state
        late = k.met_at - k.due_at if k.state == ObligationState.LATE and k.met_at else None
        rows.append({"id": k.customer.id, "name": k.customer.name, "window": _window(k), "due": when(k.due_at),
                     "notified": when(k.met_at) if k.met_at else "", "state": shown,
                     "late_by": f"{late.total_seconds() / 3600:.1f} h after the window" if late else ""})
        w = windows.setdefault(_window(k), {"window": _window(k), "due": when(k.due_at), "customers": 0,
                                            "notified": 0, "late": 0, "pending": 0, "overdue": 0})
        w["customers"] += 1
        w["notified"] += k.state != ObligationState.PENDING
        w["late"] += k.state == ObligationState.LATE
        w["pending"] += k.state == ObligationState.PENDING
        w["overdue"] += overdue
    return {"line": cust.summary_line(s, now=now), "customers": s["customers"], "notified": s["notified"],
            "late": s["late"], "pending": s["pending"], "overdue": s["overdue"],
            "source": f"{cust.ART_33_2}; each customer's data processing agreement",
            "controller": _controller(found, when), "windows": list(windows.values()), "rows": rows}


def _controller(found: list[Obligation], when: When) -> ControllerClock | None:
    o = next((o for o in found if (o.rule_id == "gdpr-art33-sa" or o.rule_id.startswith("gdpr-art33-sa:"))
              and o.state != ObligationState.NOT_APPLICABLE), None)
    if o is None:
        return None
    return {"obligation": o.rule_id, "recipient": o.recipient, "due": when(o.due_at) if o.due_at else "-",
            "state": "overdue" if o.overdue else o.state, "met": when(o.met_at) if o.met_at else "",
            "source": o.source}


def chart_items(state: IncidentState, found: list[Obligation], *, now: datetime) -> list[ChartItem]:
    """The chart's bars: each obligation but the customers', then one bar per customers' window."""
    items: list[ChartItem] = [{"obligation": o.rule_id, "recipient": o.recipient, "state": o.state,
                               "overdue": o.overdue, "started_at": o.started_at, "due_at": o.due_at,
                               "met_at": o.met_at} for o in found if not is_customer(o.rule_id)]
    groups: dict[tuple[datetime, str], list[cust.CustomerClock]] = {}
    for k in clocks_of(state):
        groups.setdefault((k.due_at, _window(k)), []).append(k)
    for (due, window), ks in groups.items():
        pending = [k for k in ks if k.state == ObligationState.PENDING]
        met = [k.met_at for k in ks if k.met_at is not None]
        group_state = (ObligationState.PENDING if pending else ObligationState.LATE
                       if any(k.state == ObligationState.LATE for k in ks) else ObligationState.MET)
        items.append({"obligation": f"{cust.PREFIX}{window.replace(' ', '-')}", "recipient": f"{len(ks):,} customers",
                      "state": group_state, "overdue": bool(pending) and due < now, "started_at": ks[0].started_at,
                      "due_at": due, "met_at": max(met) if met and not pending else None})
    return items
