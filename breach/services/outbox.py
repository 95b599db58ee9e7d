"""Slack orchestration: what to tell the channel and when, through the outbox.

Every state change (open, assess, notified, close) calls `on_change` INSIDE its
transaction (see breach.flows._after_change). It writes the Slack messages the change
causes to the `outbox` table, and the reminder plan to `slack_state`, in that same
transaction: a message exists if and only if the event that caused it was recorded.
`flush` sends queued rows strictly in outbox order once the command's transactions
have committed (the CLI calls `flush_after_command` at the end of every write
session); `remind` (cron) posts reminders that are due but were not delivered and the
OVERDUE alerts.

Idempotency: each row has a unique key (below). Before a row is sent it is marked
`sending` (attempts + 1, committed); a row found in `sending` was interrupted between
send and mark, so it is looked up in Slack first (`slack.find_posted`,
`slack.find_scheduled`) and only sent again when Slack has not got it. Webhook posts
cannot be looked up: after a crash at exactly that point they may be posted twice.

Outbox keys (unique; <iid> is the incident id, <obl> an obligation id):
    <iid>:parent                          the incident's parent message (post or webhook)
    <iid>:status:<seq>:<what>[:<n>]       a thread reply for the change recorded as event <seq>
    <iid>:update:<seq>:<what>[:<n>]       the matching chat.update of the parent message
    <iid>:remind:<obl>:<gen>:<label>      one scheduled reminder (label t-48h ... deadline)
    <iid>:remind:<obl>:<gen>:<label>:now  the same reminder posted by `remind` (catch-up)
    <iid>:unschedule:<obl>:<gen>          delete the scheduled reminders of generation gen-1
    <iid>:overdue:<obl>:<due epoch>:<w>   OVERDUE alert, once per 12-hour window w after due
slack_state keys:
    setup_hint_shown, webhook_hint_shown  "1" once the hint was printed (per data folder)
    parent:<iid>                          {"ts", "channel"} of the parent message
    plan:<iid>:<obl>                      due time (UTC ISO) reminders are planned for;
                                          written when they are queued
    plans:<iid>                           the obligations that have a plan (JSON list)
    sched:<iid>:<obl>                     {"due_at", "channel", "items": [{"label", "post_at",
                                          "scheduled_message_id", "key"}]} once Slack has them
    channel:<BREACH_SLACK_CHANNEL>        the channel ID a '#name' resolved to

Privacy: messages carry ids, states, counts, categories, risk levels and deadlines only.
Titles go out only for incidents opened with --public; notes, summaries, free-text
answers and references never do. Tokens and webhook URLs are read from the environment
at send time and never written to the database.

Nothing here imports slack_sdk: breach.slack is the adapter.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from breach.adapters import slack
from breach.core import time as clock
from breach.core.models import Incident
from breach.core.regimes import Obligation
from breach.core.state import IncidentState
from breach.errors import BreachError, InputError
from breach.services.incidents import get_incident, list_incidents
from breach.services.obligations import incident_obligations
from breach.services.outbox_send import DEADLINE_GRACE, UNSENT, FlushReport, _utc, flush, flush_after_command
from breach.services.session import Session

__all__ = ["FlushReport", "OutboxNotifier", "drill_preview", "flush", "post_status", "remind", "status_summary"]

#: An OVERDUE alert goes out at most once per window per obligation.
OVERDUE_WINDOW = timedelta(hours=12)
PARENT_EVENT = "Incident status"

_CATEGORY = re.compile(r"^[a-z0-9_-]{1,40}$")


# --- called inside the transaction of a state change ------------------------------


class OutboxNotifier:
    """The Session's notifier: queues Slack messages inside the change's transaction, sends after commit."""

    def changed(self, session: Session, incident_id: str, what: str, *, now: datetime) -> None:
        on_change(session, incident_id, what, now=now)

    def clock_moved(self, session: Session, incident_id: str, *, now: datetime) -> None:
        on_clock_change(session, incident_id, now=now)

    def after_commit(self, session: Session) -> list[str]:
        return flush_after_command(session)


def on_change(session: Session, incident_id: str, what: str, *, now: datetime) -> None:
    """Queue the Slack messages a state change causes (same transaction as the event).

    what: "opened", "assessed", "closed" or "notified:<obligation id>". Without Slack
    settings nothing is queued; unusable settings never block the record (the end of
    the command says what is wrong).
    """
    try:
        config = slack.config_from_env()
    except BreachError:
        return
    if config is None:
        return
    try:
        _queue_change(session, incident_id, what, now=now, config=config)
    except BreachError as exc:
        # The record comes first: a Slack problem must never roll back the event.
        session.warn(f"Slack: nothing queued for {incident_id} ({what}): {exc}")


def on_clock_change(session: Session, incident_id: str, *, now: datetime) -> None:
    """A correction or a new start event may move deadlines: reschedule reminders, post no status."""
    try:
        config = slack.config_from_env()
    except BreachError:
        return
    if config is None or not config.has_bot:
        return
    try:
        incident = get_incident(session, incident_id)
        _sync_plans(session, incident, incident_obligations(session, incident.id, now=now), now=now)
    except BreachError as exc:
        session.warn(f"Slack: reminders for {incident_id} not rescheduled: {exc}")


def post_status(session: Session, incident_id: str, *, now: datetime) -> dict[str, Any]:
    """Queue a status update on demand (a thread reply and an update of the parent)."""
    config = slack.config_from_env()
    if config is None:
        raise InputError(slack.describe_setup())
    incident = get_incident(session, incident_id)
    with session.store.transaction():
        keys = _queue_change(session, incident.id, "requested", now=now, config=config, fresh=True)
    return {"incident": incident.id, "queued": keys}


def _queue_change(session: Session, incident_id: str, what: str, *, now: datetime, config: slack.SlackConfig,
                  fresh: bool = False) -> list[str]:
    state = session.state(incident_id)
    incident = state.incident
    obligations = incident_obligations(session, incident.id, now=now, state=state)
    keys = _queue_status(session, incident, state, obligations, what=what, now=now, config=config, fresh=fresh)
    if config.has_bot:
        keys += _sync_plans(session, incident, obligations, now=now)
    return keys


def _queue_status(session: Session, incident: Incident, state: IncidentState, obligations: list[Obligation], *,
                  what: str, now: datetime, config: slack.SlackConfig, fresh: bool) -> list[str]:
    store = session.store
    iid = incident.id
    op = "post" if config.has_bot else "webhook"

    row = store.incident_row(iid)
    # The chain's head goes with every status message (ids and hashes only), so an edited
    # database disagrees with the channel: `breach verify --against-slack`.
    witness = {"incident": iid, "seq": row["event_count"], "head": row["head_hash"]}

    def message(event: str) -> dict[str, Any]:
        built = slack.status_message(status_summary(session, incident, state, obligations, event=event))
        return {**built, "blocks": [*built["blocks"], slack.witness_block(witness)], "witness": witness}

    # The first message about an incident is its parent, whatever the change: an incident
    # opened before Slack was set up gets its parent with the first later change.
    parent_key = f"{iid}:parent"
    if store.enqueue(key=parent_key, incident_id=iid, op=op, created_at=now,
                     payload={"kind": "parent", "incident": iid, **message(PARENT_EVENT)}):
        return [parent_key]
    seq = row["event_count"]
    base = f"{seq}:{what}"
    reply = {"kind": "reply", "incident": iid, **message(event_label(what, state))}
    for n in range(1, 1000):
        suffix = "" if n == 1 else f":{n}"
        reply_key = f"{iid}:status:{base}{suffix}"
        if store.enqueue(key=reply_key, incident_id=iid, op=op, payload=reply, created_at=now):
            break
        if not fresh:
            return []  # this change was queued already
    else:  # pragma: no cover - a thousand status requests for one event
        raise InputError(f"too many status updates queued for {iid}; run `breach slack flush`")
    keys = [reply_key]
    if config.has_bot:
        update_key = f"{iid}:update:{base}{suffix}"
        store.enqueue(key=update_key, incident_id=iid, op="update", created_at=now,
                      payload={"kind": "update", "incident": iid, **message(PARENT_EVENT)})
        keys.append(update_key)
    return keys


def event_label(what: str, state: Any) -> str:
    """The header of a status reply: what changed, without any free text."""
    if what == "opened":
        return "Incident opened"
    if what == "assessed":
        risk = state.assessment.risk if state.assessment else None
        return f"Assessed: {risk} risk" if risk else "Assessed"
    if what.startswith("notified:"):
        return f"Notified: {what.partition(':')[2]}"
    if what == "closed":
        return "Incident closed"
    if what == "requested":
        return "Status update"
    return what


def status_summary(session: Any, incident: Any, state: Any, obligations: list, *, event: str) -> dict[str, Any]:
    """Sanitized data for slack.status_message: ids, counts, categories, risk, deadline.

    The title only when the incident was opened with --public; never notes, summaries,
    free-text answers or references.
    """
    assessment = state.assessment
    result = assessment.result if assessment else {}
    answers = assessment.answers if assessment else {}
    if incident.status == "closed":
        word = "closed"
    elif state.notifications:
        word = "notified"
    elif state.assessments:
        word = "assessed"
    else:
        word = "open"
    return {
        "incident": incident.id,
        "event": event,
        "state": word,
        "risk": _word(result.get("risk")),
        "level": _word(result.get("level")),
        "subjects_count": _int(answers.get("subjects_count")),
        "records_count": _int(answers.get("records_count")),
        "categories": _categories(answers.get("data_categories")) if assessment else None,
        "next_deadline": _next_deadline(session, obligations),
        "title": incident.title if incident.public else None,
    }


def _word(value: Any) -> str | None:
    return value if isinstance(value, str) and _CATEGORY.match(value) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _categories(value: Any) -> list[str] | None:
    if not isinstance(value, list):
        return None
    # Choice ids only: anything that is not a short identifier could be free text.
    return [v for v in value if isinstance(v, str) and _CATEGORY.match(v)]


def _next_deadline(session: Any, obligations: list) -> dict[str, Any] | None:
    dated = [o for o in obligations if o.state == "pending" and o.due_at is not None]
    if not dated:
        return None
    o = min(dated, key=lambda o: o.due_at)
    overdue = o.remaining is not None and o.remaining < timedelta(0)
    return {
        "obligation": f"{o.rule_id} (OVERDUE)" if overdue else o.rule_id,
        "recipient": o.recipient,
        "due_at": clock.iso(clock.in_zone(o.due_at, session.org_zone)),
        "remaining": None if overdue or o.remaining is None else clock.humanize(o.remaining),
    }


# --- reminder plans ------------------------------------------------------------------


def _slug(label: str) -> str:
    return label.lower().replace(" ", "")


def _generation(store: Any, iid: str, rule_id: str) -> int:
    """How many times this obligation's reminders were unscheduled: part of their keys."""
    prefix = f"{iid}:unschedule:{rule_id}:"
    return sum(1 for r in store.outbox_rows() if r["key"].startswith(prefix))


def _wanted_due(incident: Any, o: Any) -> str | None:
    """The due time reminders should run for, or None (met, late, not applicable, closed)."""
    if o is None or o.due_at is None or o.state != "pending" or incident.status == "closed":
        return None
    return _utc(o.due_at)


def _sync_plans(session: Any, incident: Any, obligations: list, *, now: datetime) -> list[str]:
    """Queue reminders for new deadlines; unschedule those met, late, not applicable or moved."""
    store = session.store
    iid = incident.id
    index_key = f"plans:{iid}"
    planned_ids = json.loads(store.get_state(index_key) or "[]")
    by_id = {o.rule_id: o for o in obligations}
    order = [o.rule_id for o in obligations] + [r for r in planned_ids if r not in by_id]
    keys: list[str] = []
    for rule_id in order:
        o = by_id.get(rule_id)
        plan_key = f"plan:{iid}:{rule_id}"
        planned = store.get_state(plan_key)
        wanted = _wanted_due(incident, o)
        if planned == wanted:
            continue
        gen = _generation(store, iid, rule_id)
        if planned is not None:
            gen += 1
            key = f"{iid}:unschedule:{rule_id}:{gen}"
            reason = ("incident closed" if incident.status == "closed" else
                      "obligation gone" if o is None else
                      "due time changed" if wanted else o.state)
            store.enqueue(key=key, incident_id=iid, op="unschedule", created_at=now, statutory=True,
                          payload={"kind": "unschedule", "incident": iid, "obligation": rule_id,
                                   "due_at": planned, "reason": reason})
            keys.append(key)
        if wanted is not None:
            keys += _queue_schedules(session, incident, o, gen=gen, now=now)
        store.set_state(plan_key, wanted)
        planned_ids = [r for r in planned_ids if r != rule_id] + ([rule_id] if wanted else [])
    store.set_state(index_key, json.dumps(planned_ids) if planned_ids else None)
    return keys


def reminder_times(due_at: datetime) -> list[tuple[str, datetime, datetime]]:
    """(label, post time, until) for every reminder of a deadline; until = when it is stale."""
    times = [(label, due_at - offset) for label, offset in slack.REMINDER_OFFSETS]
    out = []
    for i, (label, at) in enumerate(times):
        until = times[i + 1][1] if i + 1 < len(times) else due_at + DEADLINE_GRACE
        out.append((label, at, until))
    return out


def _reminder_payload(session: Any, incident: Any, o: Any, label: str, post_at: datetime,
                      until: datetime) -> dict[str, Any]:
    return {
        "kind": "reminder", "incident": incident.id, "obligation": o.rule_id, "label": label,
        "due_at": _utc(o.due_at), "post_at": int(post_at.timestamp()), "until": int(until.timestamp()),
        **slack.reminder_message(incident=incident.id, obligation=o.rule_id, recipient=o.recipient,
                                 due_at_iso=clock.iso(clock.in_zone(o.due_at, session.org_zone)), label=label),
    }


def _queue_schedules(session: Any, incident: Any, o: Any, *, gen: int, now: datetime) -> list[str]:
    future = {label for label, _ in slack.reminder_schedule(o.due_at, now)}
    keys = []
    for label, post_at, until in reminder_times(o.due_at):
        if label not in future:
            continue
        key = f"{incident.id}:remind:{o.rule_id}:{gen}:{_slug(label)}"
        if session.store.enqueue(key=key, incident_id=incident.id, op="schedule", created_at=now, statutory=True,
                                 payload=_reminder_payload(session, incident, o, label, post_at, until)):
            keys.append(key)
    return keys


# --- remind (cron) --------------------------------------------------------------------


@dataclass
class RemindReport:
    incidents: int = 0
    overdue: list[str] = field(default_factory=list)
    reminders: list[str] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)
    flush: FlushReport | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"incidents": self.incidents, "overdue": self.overdue, "reminders": self.reminders,
                "planned": self.planned, "flush": self.flush.to_dict() if self.flush else None}


def remind(session: Any, *, now: datetime, config: slack.SlackConfig) -> RemindReport:
    """Bring reminders up to date for every open incident, then send (idempotent).

    Plans reminders for deadlines that have none (or moved), posts the latest reminder
    that is due but was not delivered (an earlier one would understate the urgency), and
    an OVERDUE alert per overdue obligation once per 12-hour window after its deadline.
    """
    if not config.has_bot:
        raise InputError("deadline reminders need SLACK_BOT_TOKEN and BREACH_SLACK_CHANNEL "
                         "(a webhook can only post status updates)")
    store = session.store
    report = RemindReport()
    with store.transaction():
        for incident in list_incidents(session, include_closed=False):
            report.incidents += 1
            obligations = incident_obligations(session, incident.id, now=now)
            report.planned += _sync_plans(session, incident, obligations, now=now)
            rows = {r["key"]: r for r in store.outbox_rows()}
            for o in obligations:
                if o.state != "pending" or o.due_at is None:
                    continue
                if o.overdue:
                    key = _queue_overdue(session, incident, o, now=now)
                    if key:
                        report.overdue.append(key)
                    continue
                key = _queue_catch_up(session, incident, o, rows=rows, now=now)
                if key:
                    report.reminders.append(key)
    report.flush = flush(session, now=now, config=config)
    return report


def _queue_overdue(session: Any, incident: Any, o: Any, *, now: datetime) -> str | None:
    window = int((now - o.due_at) / OVERDUE_WINDOW)
    key = f"{incident.id}:overdue:{o.rule_id}:{int(o.due_at.timestamp())}:{window}"
    message = slack.reminder_message(incident=incident.id, obligation=o.rule_id, recipient=o.recipient,
                                     due_at_iso=clock.iso(clock.in_zone(o.due_at, session.org_zone)),
                                     label="OVERDUE")
    payload = {"kind": "alert", "incident": incident.id, "obligation": o.rule_id, "label": "OVERDUE",
               "due_at": _utc(o.due_at), **message}
    if session.store.enqueue(key=key, incident_id=incident.id, op="post", payload=payload, created_at=now,
                             statutory=True):
        return key
    return None


def _queue_catch_up(session: Any, incident: Any, o: Any, *, rows: dict[str, dict], now: datetime) -> str | None:
    """Post the latest due reminder now if Slack does not have it (never scheduled, refused)."""
    due = [(label, at, until) for label, at, until in reminder_times(o.due_at) if at <= now < until]
    if not due:
        return None
    label, post_at, until = due[-1]
    gen = _generation(session.store, incident.id, o.rule_id)
    scheduled = rows.get(f"{incident.id}:remind:{o.rule_id}:{gen}:{_slug(label)}")
    if scheduled and scheduled["state"] in ("sent", *UNSENT):
        return None  # Slack posts it (or the flush posts it late): delivered or on its way
    key = f"{incident.id}:remind:{o.rule_id}:{gen}:{_slug(label)}:now"
    payload = {**_reminder_payload(session, incident, o, label, post_at, until), "kind": "alert"}
    if session.store.enqueue(key=key, incident_id=incident.id, op="post", payload=payload, created_at=now,
                             statutory=True):
        return key
    return None


# --- drills ------------------------------------------------------------------------------


def drill_preview(session: Any, incident_id: str, *, now: datetime) -> list[str]:
    """For `breach drill`: deliver what is queued if Slack is configured, else show what would be posted."""
    try:
        config = slack.config_from_env()
    except BreachError as exc:
        return [f"settings not usable: {exc}"]
    if config is not None:
        report = flush(session, now=now, config=config)
        return report.notices() or ["delivered to the channel"]
    state = session.state(incident_id)
    incident = state.incident
    obligations = incident_obligations(session, incident.id, now=now, state=state)
    events = [e for e in session.store.events(incident.id) if e.kind in {"opened", "assessed", "notified", "closed"}]
    what = events[-1].kind if events else "opened"
    if what == "notified":
        what = f"notified:{events[-1].data.get('obligation')}"
    message = slack.status_message(status_summary(session, incident, state, obligations,
                                                  event=event_label(what, state)))
    return ["(not configured) would post: " + message["text"]]
