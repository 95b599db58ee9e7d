"""`breach status` for people: the next deadline first, one line per obligation, at the terminal's width.

Pure presentation over the rows breach.services.status gives (Obligation.to_dict plus the
incident id); tested at 80 columns. JSON output does not come through here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from breach.core import time as clock
from breach.core.states import SETTLED, ObligationState
from breach.core.wording import AWAITING_ASSESSMENT, human_note, human_reason, short_source

if TYPE_CHECKING:
    from breach.core.duty_rows import StatusRow

DONE = SETTLED
LABEL: dict[str, str] = {ObligationState.MET: "met", ObligationState.LATE: "met late",
                         ObligationState.NOT_APPLICABLE: "not applicable", ObligationState.DECIDED: "decided"}
#: No clock: something counsel must decide (another authority concerned, a regime not modelled).
ADVISORY = ObligationState.ADVISORY
#: An advisory legal decided on (`breach decide ID OBLIGATION --not-notify --reason ...`).
DECIDED = ObligationState.DECIDED


def _cut(text: str, width: int) -> str:
    if width <= 1:
        return ""
    return text if len(text) <= width else text[: width - 1] + "…"


def _due(row: StatusRow, zone: str) -> str:
    if row["state"] in (ADVISORY, DECIDED):
        return "no clock"
    if not (due := row["due_at"]):
        return "no fixed period"
    return clock.in_zone(datetime.fromisoformat(due), zone).strftime("%a %d %b %H:%M %Z")


def _left(row: StatusRow) -> str:
    if row["state"] == ADVISORY:
        return "DECIDE"
    if row["state"] in DONE:
        return LABEL[row["state"]]
    if row["remaining_seconds"] is None:
        return "DUE NOW"
    seconds = row["remaining_seconds"]
    if seconds < 0:
        return "OVERDUE " + clock.humanize(timedelta(seconds=-seconds))
    return clock.humanize(timedelta(seconds=seconds))


def order(rows: list[StatusRow]) -> list[StatusRow]:
    """Pending first: duties "without undue delay" are due now and lead, then dated ones by due time;
    what is met or does not apply comes after."""

    def key(r: StatusRow) -> tuple:
        done = r["state"] in DONE
        due = datetime.fromisoformat(utc).timestamp() if (utc := r.get("due_at_utc")) else None
        return (done, r["state"] == ADVISORY, r["state"] in (ObligationState.NOT_APPLICABLE, DECIDED),
                due is not None if not done else due is None, due or 0.0, r["incident"], r["obligation"])

    return sorted(rows, key=key)


def render_status(rows: list[StatusRow], *, zone: str, width: int = 80, show_all: bool = False,
                  explain: bool = False, single: bool = False) -> list[str]:
    """Lines for the terminal, none wider than `width`."""
    width = max(width, 60)
    rows = order(rows)
    pending = [r for r in rows if r["state"] not in DONE and r["state"] != ADVISORY]
    advisories = [r for r in rows if r["state"] == ADVISORY]
    done = [r for r in rows if r["state"] in DONE]
    lines = [_headline(pending, zone, single)]
    shown = rows if show_all else pending + advisories
    if not shown:
        lines.append("Nothing pending.")
    else:
        obl = max(len("OBLIGATION"), *(len(r["obligation"]) for r in shown))
        obl = min(obl, 22)
        due_w = max(len("DUE"), *(len(_due(r, zone)) for r in shown))
        left_w = max(len("LEFT"), *(len(_left(r)) for r in shown))
        inc_w = 0 if single else 12
        fixed = (inc_w + 2 if inc_w else 0) + obl + 2 + due_w + 2 + left_w + 2
        to_w = max(width - fixed, 8)

        def line(incident: str, ob: str, due: str, left: str, to: str) -> str:
            head = f"{incident:<{inc_w}}  " if inc_w else ""
            return f"{head}{_cut(ob, obl):<{obl}}  {due:<{due_w}}  {left:<{left_w}}  {_cut(to, to_w)}".rstrip()

        lines.append(line("INCIDENT", "OBLIGATION", "DUE", "LEFT", "TO"))
        for r in shown:
            lines.append(line(r["incident"], r["obligation"], _due(r, zone), _left(r), r["recipient"] or ""))
            if explain or r["state"] == ADVISORY:
                lines += _explain(r, zone, width) if explain else _advice(r, width)
            elif r["state"] == DECIDED or r.get("no_longer_triggered"):
                lines += _wrap(["    " + mark(r, zone)], width)
    if done and not show_all:
        met = sum(1 for r in done if r["state"] in (ObligationState.MET, ObligationState.LATE))
        decided = sum(1 for r in done if r["state"] == DECIDED)
        na = len(done) - met - decided
        parts = [f"{met} met"] if met else []
        parts += [f"{decided} decided"] if decided else []
        parts += [f"{na} not applicable"] if na else []
        lines.append(f"+ {', '.join(parts)} (--all shows them; --explain says why)")
    return [_cut(x, width) for x in lines]


def _awaiting(row: StatusRow) -> bool:
    """A duty that depends on the assessment's outcome while there is none (Art. 34 before a high risk)."""
    return (row.get("reason") or "").startswith(AWAITING_ASSESSMENT)


def headline_row(pending: list[StatusRow]) -> StatusRow | None:
    """The earliest statutory deadline still pending: an overdue one, else a duty "without undue
    delay" the assessment triggered (due now), else the next dated one. A duty that awaits the
    assessment is due only once the assessment says so; deadlines in law come before guidance."""
    law = [r for r in pending if r.get("binding", "law") == "law"] or pending
    due = [r for r in law if not _awaiting(r)]
    dated = sorted((r for r in due if r["remaining_seconds"] is not None),
                   key=lambda r: (r["remaining_seconds"], r["incident"], r["obligation"]))
    now = [r for r in due if r["remaining_seconds"] is None]
    if dated and (dated[0]["remaining_seconds"] or 0) < 0:
        return dated[0]
    first = now or dated
    return first[0] if first else None


def _headline(pending: list[StatusRow], zone: str, single: bool) -> str:
    if not pending:
        return "No deadline pending."
    first = headline_row(pending)
    if first is None:
        waiting = pending[0]
        where = "" if single else f" ({waiting['incident']})"
        return f"Awaiting the risk assessment: {waiting['obligation']}{where}"
    where = "" if single else f" ({first['incident']})"
    # The time and what is left come first: a narrow terminal cuts only the name at the end.
    if first["remaining_seconds"] is None:
        return f"Due now, without undue delay: {first['obligation']}{where}"
    left = _left(first)
    due = clock.in_zone(datetime.fromisoformat(str(first["due_at"])), zone).strftime("%d %b %H:%M %Z")
    if left.startswith("OVERDUE"):
        return f"OVERDUE by {left[8:]} (was due {due}): {first['obligation']}{where}"
    return f"Next deadline: {due}, in {left}: {first['obligation']}{where}"


def mark(r: StatusRow, zone: str) -> str:
    """What a done row carries besides its state: legal's decision (reason, who, when), or that the
    scope no longer triggers an obligation that was met; times in the reader's zone."""
    if r["state"] == DECIDED and (d := r.get("decided")):
        at = clock.show(datetime.fromisoformat(d["at"]), zone)
        what = "notify" if d["notify"] else "not notified"
        return f"decided: {what} ({'; '.join(filter(None, [d.get('reason'), d['by'], at]))})"
    if r.get("no_longer_triggered"):
        at = clock.show(datetime.fromisoformat(changed), zone) if (changed := r.get("scope_changed_at")) else "-"
        return f"{LABEL.get(r['state'], r['state'])}; no longer triggered by the scope (changed at {at})"
    return ""


def _advice(r: StatusRow, width: int) -> list[str]:
    """Under an advisory row: it needs a legal decision, and the command that acts on it."""
    out = [f"    ADVISORY, {r.get('decision') or 'needs a legal decision'}: {r['recipient']}"]
    if r.get("action"):
        out.append(f"    to notify: {r['action']}")
    return [_cut(x, width) for x in out]


def _explain(r: StatusRow, zone: str, width: int) -> list[str]:
    out = [f"    {r['title']}"]
    if r["state"] == ADVISORY:
        out += _advice(r, 10_000)
    if mark(r, zone):
        out.append(f"    {mark(r, zone)}")
    if started := r.get("started_at"):
        start = clock.show(datetime.fromisoformat(started), zone)
        taken = f" (from {r['start_taken_from']})" if r.get("start_taken_from") else ""
        out.append(f"    clock started {start}: {str(r['start_event']).replace('_', ' ')}{taken}")
    if r.get("basis"):
        out.append(f"    applies: {r['basis']}")
    if r.get("reason"):
        out.append(f"    why: {human_reason(r['reason'])}")
    out.append(f"    source: {short_source(r['source'])} ({r['status']}, {r['binding']})")
    if r.get("note"):
        if note := human_note(r["note"]):  # without the rules file's notes on its own research
            out.append(f"    note: {short_source(note)}")
    return _wrap(out, width)


def _wrap(out: list[str], width: int) -> list[str]:
    """Lines at most `width` long, cut at spaces, continuations indented."""
    wrapped: list[str] = []
    for text in out:
        while len(text) > width:
            cut = text.rfind(" ", 0, width)
            cut = cut if cut > 8 else width
            wrapped.append(text[:cut])
            text = "      " + text[cut:].lstrip()
        wrapped.append(text)
    return wrapped
