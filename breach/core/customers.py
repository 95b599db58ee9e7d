"""Customers of a processor: who they are, which are affected, and their contractual notice windows.

Pure: the list comes in as rows (from breach.adapters.customers_file), the clocks as times.
A processor notifies each controller "without undue delay" (GDPR Art. 33(2)); the data
processing agreement usually fixes a window (24, 36, 48 h ...) from the processor's
awareness (or detection). Each affected customer gets the obligation `contract-notice:<id>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from breach.core import time as clock
from breach.core.models import Notification, ObligationState
from breach.errors import InputError

COLUMNS = ("id", "name", "lang", "email", "window_hours", "window_from", "workspaces")
REQUIRED = ("id", "name", "email", "window_hours")
OPTIONAL = ("channel", "form", "end_users")
WINDOW_FROM = ("aware", "detected")
PREFIX = "contract-notice:"
ART_33_2 = "GDPR Art. 33(2)"
#: A window longer than this is a typo (hours, not days).
MAX_WINDOW_HOURS = 24 * 30
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
LANG = re.compile(r"^[a-z]{2}$")
EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
MAX_ERRORS = 20


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    lang: str
    emails: tuple[str, ...]
    window_hours: int
    window_from: str = "aware"
    workspaces: tuple[str, ...] = ()
    channel: str | None = None
    form: str | None = None
    end_users: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "lang": self.lang, "emails": list(self.emails),
                "window_hours": self.window_hours, "window_from": self.window_from,
                "workspaces": list(self.workspaces), "channel": self.channel, "form": self.form,
                "end_users": self.end_users}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Customer:
        return cls(id=d["id"], name=d["name"], lang=d.get("lang") or "en", emails=tuple(d.get("emails") or ()),
                   window_hours=int(d["window_hours"]), window_from=d.get("window_from") or "aware",
                   workspaces=tuple(d.get("workspaces") or ()), channel=d.get("channel"), form=d.get("form"),
                   end_users=d.get("end_users"))


def check_header(header: list[str], where: str) -> dict[str, int]:
    """Column name -> index; the required columns must be there, none twice, none unknown."""
    names = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise InputError(f"{where}:1: the header lacks the column(s) {', '.join(missing)} "
                         f"(expected {','.join(COLUMNS)})")
    dupes = sorted({n for n in names if n and names.count(n) > 1})
    if dupes:
        raise InputError(f"{where}:1: the header repeats the column(s) {', '.join(dupes)}")
    unknown = [n for n in names if n not in COLUMNS + OPTIONAL]
    if unknown:
        raise InputError(f"{where}:1: unknown column(s) {', '.join(unknown)} (known: {', '.join(COLUMNS + OPTIONAL)})")
    return {n: i for i, n in enumerate(names)}


def _split(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(";") if p.strip())


def _window(value: str) -> int:
    text = value.strip().lower().removesuffix("h").strip()
    if not text.isdigit() or not 0 < int(text) <= MAX_WINDOW_HOURS:
        raise ValueError(f"window_hours must be a whole number of hours from 1 to {MAX_WINDOW_HOURS}, not {value!r}")
    return int(text)


def customer_from(fields: Mapping[str, str]) -> Customer:
    """One customer from its named fields; ValueError says what is wrong."""
    cid = (fields.get("id") or "").strip()
    if not ID.match(cid):
        raise ValueError(f"id must be letters, digits, '.', '_' or '-' (up to 64), not {cid!r}")
    name = (fields.get("name") or "").strip()
    if not name:
        raise ValueError("name is empty")
    lang = (fields.get("lang") or "").strip().lower() or "en"
    if not LANG.match(lang):
        raise ValueError(f"lang must be a two-letter code such as en or fr, not {lang!r}")
    emails = _split(fields.get("email") or "")
    bad = [e for e in emails if not EMAIL.match(e)]
    if not emails or bad:
        raise ValueError(f"email must be one or more addresses separated by ';', not {fields.get('email')!r}")
    start = (fields.get("window_from") or "").strip().lower() or "aware"
    if start not in WINDOW_FROM:
        raise ValueError(f"window_from must be aware or detected, not {start!r}")
    users = (fields.get("end_users") or "").strip()
    if users and not users.isdigit():
        raise ValueError(f"end_users must be a whole number, not {users!r}")
    return Customer(id=cid, name=name, lang=lang, emails=emails, window_hours=_window(fields.get("window_hours") or ""),
                    window_from=start, workspaces=_split(fields.get("workspaces") or ""),
                    channel=(fields.get("channel") or "").strip() or None,
                    form=(fields.get("form") or "").strip() or None, end_users=int(users) if users else None)


def parse_rows(columns: dict[str, int], rows: Iterable[tuple[int, list[str] | None, str]],
               where: str) -> list[Customer]:
    """Customers from (line, fields or None, problem) rows; any bad row refuses the whole list, naming its line."""
    out: list[Customer] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    width = max(columns.values()) + 1
    for line, fields, problem in rows:
        if fields is None or len(fields) != width:
            errors.append(f"{where}:{line}: {problem or f'{len(fields or [])} fields, the header has {width}'}")
            continue
        try:
            customer = customer_from({name: fields[i] for name, i in columns.items()})
        except ValueError as exc:
            errors.append(f"{where}:{line}: {exc}")
            continue
        if customer.id in seen:
            errors.append(f"{where}:{line}: customer id {customer.id!r} is already on line {seen[customer.id]}")
            continue
        seen[customer.id] = line
        out.append(customer)
    _refuse(errors)
    return out


def _refuse(errors: list[str]) -> None:
    if errors:
        more = f"\n... and {len(errors) - MAX_ERRORS} more" if len(errors) > MAX_ERRORS else ""
        raise InputError(f"the customer list has {len(errors)} bad row(s); nothing was used:\n"
                         + "\n".join(errors[:MAX_ERRORS]) + more)


def parse_mappings(items: Any, where: str) -> list[Customer]:
    """Customers from a YAML list of mappings (`customers:` or the list itself)."""
    if isinstance(items, Mapping):
        items = items.get("customers")
    if not isinstance(items, list):
        raise InputError(f"{where}: expected a list of customers (or `customers:` with a list)")
    rows: list[tuple[int, list[str] | None, str]] = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, Mapping):
            rows.append((i, None, "each customer is a mapping"))
            continue
        fields = {k: ";".join(map(str, v)) if isinstance(v, list) else "" if v is None else str(v)
                  for k, v in item.items()}
        if fields.keys() - set(COLUMNS + OPTIONAL + ("emails",)):
            rows.append((i, None, f"unknown key(s) {', '.join(sorted(fields.keys() - set(COLUMNS + OPTIONAL)))}"))
            continue
        fields.setdefault("email", fields.pop("emails", ""))
        rows.append((i, [fields.get(c, "") for c in COLUMNS + OPTIONAL], ""))
    return parse_rows({c: i for i, c in enumerate(COLUMNS + OPTIONAL)}, rows, f"{where} item")


def select(customers: list[Customer], spec: str) -> list[Customer]:
    """`all`, or ids and workspace ids separated by commas; an unknown one is refused."""
    if spec.strip().lower() == "all":
        return list(customers)
    wanted = [p.strip() for p in spec.split(",") if p.strip()]
    if not wanted:
        raise InputError("--customers takes a file, `all`, or customer/workspace ids separated by commas")
    by_id = {c.id: c for c in customers}
    by_workspace = {w: c for c in customers for w in c.workspaces}
    unknown = [w for w in wanted if w not in by_id and w not in by_workspace]
    if unknown:
        shown = ", ".join(unknown[:10]) + (" ..." if len(unknown) > 10 else "")
        raise InputError(f"not in the customer list (neither a customer nor a workspace id): {shown}")
    chosen = {(by_id.get(w) or by_workspace[w]).id for w in wanted}
    return [c for c in customers if c.id in chosen]


# --- the clocks -------------------------------------------------------------------------


def due_at(customer: Customer, *, aware: datetime, detected: datetime | None) -> datetime:
    """Start event (awareness, or detection when the contract says so) + the window."""
    start = detected if customer.window_from == "detected" and detected is not None else aware
    return start + timedelta(hours=customer.window_hours)


@dataclass(frozen=True)
class CustomerClock:
    customer: Customer
    started_at: datetime
    due_at: datetime
    state: ObligationState  # pending | met | late
    met_at: datetime | None

    @property
    def obligation(self) -> str:
        return PREFIX + self.customer.id


def clocks(customers: Iterable[Customer], *, aware: datetime, detected: datetime | None,
           notifications: Mapping[str, tuple[Notification, ...]]) -> list[CustomerClock]:
    """Each affected customer's window, met (or late) by its first recorded notice; soonest due first."""
    out = []
    for c in customers:
        start = detected if c.window_from == "detected" and detected is not None else aware
        due = start + timedelta(hours=c.window_hours)
        notices = notifications.get(PREFIX + c.id) or ()
        met = notices[0].at if notices else None
        state = ObligationState.PENDING if met is None else ObligationState.MET if met <= due else ObligationState.LATE
        out.append(CustomerClock(customer=c, started_at=start, due_at=due, state=state, met_at=met))
    out.sort(key=lambda k: (k.due_at, k.customer.id))
    return out


def late_reason(k: CustomerClock) -> str | None:
    if k.state != ObligationState.LATE or k.met_at is None:
        return None
    return f"notified {clock.humanize(k.met_at - k.due_at)} after the contract's window"


def summary(found: list[CustomerClock], *, now: datetime) -> dict[str, Any]:
    """The first-day line: the earliest pending window and the counts."""
    pending = [k for k in found if k.state == ObligationState.PENDING]
    first = pending[0] if pending else None
    due_soon = [k for k in pending if first and k.due_at == first.due_at]
    return {
        "customers": len(found),
        "notified": sum(1 for k in found if k.state in (ObligationState.MET, ObligationState.LATE)),
        "late": sum(1 for k in found if k.state == ObligationState.LATE),
        "overdue": sum(1 for k in pending if k.due_at < now),
        "pending": len(pending),
        "earliest_due_at": first.due_at if first else None,
        "due_at_earliest": len(due_soon),
    }


def summary_line(s: dict[str, Any], *, now: datetime) -> str:
    """'3 of 1,240 customers due in 5h; 1,180 notified' (GDPR Art. 33(2) and the contracts)."""
    head = f"{s['notified']:,} of {s['customers']:,} customers notified"
    if s["earliest_due_at"] is None:
        return head + (f" ({s['late']:,} late)" if s["late"] else "")
    left = s["earliest_due_at"] - now
    when = f"overdue by {clock.humanize(-left)}" if left < timedelta(0) else f"due in {clock.humanize(left)}"
    line = f"{s['due_at_earliest']:,} of {s['customers']:,} customers {when}; {s['notified']:,} notified"
    if s["overdue"]:
        line += f", {s['overdue']:,} overdue"
    return line + (f", {s['late']:,} late" if s["late"] else "")


# --- the notice to each customer ----------------------------------------------------------
#
# The words are legal's: the approved `controller-notice` of the customer's language (GDPR Art. 33(2)),
# with the customer's own facts (templates/controller-notice/customer-facts.<lang>.md.j2) put in before
# the notice's first section. Nothing here is wording.


def notice_lang(c: Customer, langs: Iterable[str]) -> str:
    """The language a customer is told in: its own when a controller notice is written in it, else English."""
    return c.lang if c.lang in set(langs) else "en"


def facts_of(c: Customer, *, contact: str) -> dict[str, Any]:
    """What the customer-facts section is rendered from: the customer's own facts and its contact."""
    return {"name": c.name, "id": c.id, "workspaces": ", ".join(c.workspaces) or "-",
            "users": f"{c.end_users:,}" if c.end_users is not None else "", "window_hours": c.window_hours,
            "window_from": c.window_from, "contact": contact}


def split_notice(text: str) -> tuple[str, str]:
    """An approved notice (Markdown, DRAFT marker removed) as (subject, body): line 1 is `# <subject>`."""
    head, _, body = text.partition("\n")
    if not head.startswith("# ") or not head[2:].strip():
        raise ValueError("the approved notice must start with '# <subject line>' (draft it as Markdown)")
    return head[2:].strip(), body.lstrip("\n")


def with_facts(body: str, facts: str) -> str:
    """The approved body with the customer's facts section before its first `## ` section (else at the end)."""
    lines = body.split("\n")
    at = next((i for i, line in enumerate(lines) if line.startswith("## ")), len(lines))
    before = "\n".join(lines[:at]).rstrip("\n")
    after = "\n".join(lines[at:])
    section = facts.strip("\n")
    return (before + "\n\n" if before else "") + section + ("\n\n" + after if after.strip() else "\n")
