"""The drill steps of a processor's first day (playbooks/drills/platform-breach.yaml): the customer list,
the customers affected, one notice per customer, the run recorded, the register and the report written.

Each step goes through the services responders use (`breach scope --customers`, `breach customers notify`,
`breach notified ID 'contract-notice:*' --from-run DIR`, `breach register`, `breach report`); the drill
only says, in a few lines, what 1,200 customers would otherwise print one by one (GDPR Art. 33(2) and
each customer's contract window).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from breach.adapters import customers_file as files
from breach.adapters.files import write_private
from breach.core import customer_sample
from breach.core import customers as cust
from breach.core import time as clock
from breach.core.states import ObligationState
from breach.errors import InputError
from breach.services.customers import clocks_of, notify, record_affected, record_run
from breach.services.register import format_register, register_rows
from breach.services.report import write_report
from breach.services.session import Session

Say = Callable[[str], None]
#: How many customers the drill names in a list (the earliest, the late ones); the rest are counted.
SHOWN = 5


def write_customer_list(session: Session, spec: Mapping[str, Any], *, base: Path, say: Say) -> Path:
    """The scenario's `customers:`: `generate: N` (with `seed`, `languages`, `windows_hours`, `from_detected`)
    writes a made-up list, `file:` copies one (relative to the scenario); either becomes customers.csv."""
    target = session.home / "customers.csv"
    if spec.get("file"):
        source = base / str(spec["file"])
        customers = files.read_customers(source)
    else:
        try:
            customers = customer_sample.generate(
                int(spec.get("generate", 0)), seed=int(spec.get("seed", 0)),
                languages=tuple(spec.get("languages") or ("en", "fr", "nl", "de")),
                windows=tuple(int(h) for h in spec.get("windows_hours") or (24, 36, 48, 72)),
                detected_share=float(spec.get("from_detected", 0)))
        except ValueError as exc:
            raise InputError(f"the scenario's customers: {exc}") from None
    write_private(target, customer_sample.to_csv(customers))
    files.read_customers(target)  # what scope will read: checked as `breach customers validate` would
    windows = Counter(f"{c.window_hours} h" + (" from detection" if c.window_from == "detected" else "")
                      for c in customers)
    langs = Counter(c.lang for c in customers)
    say(f"   customer list: {len(customers):,} customers -> {target}")
    say("     windows: " + ", ".join(f"{k}: {v:,}" for k, v in sorted(windows.items(), key=_window_order)))
    say("     languages: " + ", ".join(f"{k} {v:,}" for k, v in sorted(langs.items())))
    return target


def _window_order(item: tuple[str, int]) -> tuple[int, str]:
    return int(item[0].split()[0]), item[0]


def scope_customers(session: Session, incident_id: str, spec: str, *, now: datetime, say: Say) -> None:
    """`breach scope ID --customers SPEC`: each customer affected gets its contract-notice clock."""
    result = record_affected(session, incident_id, spec, now=now)
    say(f"   customers affected: {result['customers']:,} ({result['end_users']:,} of their end users), each with "
        f"its contract-notice clock ({cust.ART_33_2})")
    say_customers(session, incident_id, now=now, say=say)


def say_customers(session: Session, incident_id: str, *, now: datetime, say: Say, head: bool = True) -> None:
    """The first-day line ('3 of 1,240 customers due in 5h; 1,180 notified'; without `head` when status said
    it already), the earliest windows, the late ones."""
    state = session.state(incident_id)
    found = clocks_of(state)
    if not found:
        return
    if head:
        line = cust.summary_line(cust.summary(found, now=now), now=now)
        say(f"   customers: {line} ({cust.ART_33_2}, contracts)")
    pending = [k for k in found if k.state == ObligationState.PENDING]
    for k in pending[:SHOWN]:
        say(f"     next: {k.obligation:<24} due {clock.show(k.due_at, session.zone)} "
            f"({k.customer.window_hours} h from {k.customer.window_from})")
    late = [k for k in found if k.state == ObligationState.LATE]
    for k in late[:SHOWN]:
        say(f"     LATE: {k.obligation:<24} due {clock.show(k.due_at, session.zone)}, notified "
            f"{clock.show(k.met_at, session.zone)} ({cust.late_reason(k)})")
    if len(late) > SHOWN:
        say(f"     ... and {len(late) - SHOWN:,} more late: breach register lists each")


def notify_customers(session: Session, incident_id: str, out: str, *, limit: int | None, now: datetime,
                     say: Say) -> None:
    """`breach customers notify ID --out DIR`: one message per customer, soonest window first; `limit`
    stops a batch (the next step resumes it)."""
    result = notify(session, incident_id, session.home / out, now=now, stop_after=limit)
    langs = ", ".join(f"{k} {v:,}" for k, v in sorted(result["by_lang"].items()))
    resumed = f"; resumed, {result['skipped']:,} already written" if result["resumed"] else ""
    say(f"   {result['written']:,} customer notices written ({langs}){resumed} -> {result['out']}")


def record_customer_run(session: Session, incident_id: str, out: str, *, now: datetime, say: Say) -> None:
    """`breach notified ID 'contract-notice:*' --from-run DIR`: each message at its own time (its sent
    time, else the time it was written); those recorded by an earlier step of the same run are counted."""
    run_dir = session.home / out
    result = record_run(session, incident_id, run_dir, now=now)
    already = f" ({result.get('already', 0):,} already recorded)" if result.get("already") else ""
    say(f"   contract-notice:* {result['recorded']:,} customer notices recorded from {run_dir}, "
        f"{result['late']:,} late{already}")
    for c in (result.get("conflicts") or [])[:SHOWN]:
        say(f"     CONFLICT: {c['obligation']} {c['why']} (recorded {c['recorded_at']}, the run says {c['run_at']})")


def write_register(session: Session, incident_id: str, *, now: datetime, say: Say) -> None:
    """`breach register --format md --out register.md`: every customer's notice time against its window."""
    rows = [r for r in register_rows(session, now=now) if r["id"] == incident_id]
    path = write_private(session.home / "register.md", format_register(rows, "md"))
    customers = [o for o in rows[0]["obligations"] if o["obligation"].startswith(cust.PREFIX)]
    late = sum(1 for o in customers if o["state"] == ObligationState.LATE)
    say(f"   register (GDPR Art. 33(5)) -> {path}: {len(rows[0]['obligations']):,} obligations, "
        f"{len(customers):,} of them customers' notices against their windows ({late:,} late)")


def write_incident_report(session: Session, incident_id: str, *, now: datetime, say: Say) -> None:
    """`breach report ID --out report.html`: the customers' windows beside the controller's 72-hour clock."""
    result = write_report(session, incident_id, out=session.home / "report.html", now=now)
    say(f"   report -> {result['path']} (sha256 {result['sha256'][:12]}; chain "
        f"{'verified' if result['verified'] else 'NOT VERIFIED'})")
