"""What a state change tells the Slack channel, queued in the change's own transaction.

Every state change (open, assess, notified, close) calls `on_change` INSIDE its
transaction (through the Session's notifiers: `OutboxNotifier`). It writes the Slack
messages the change causes to the `outbox` table, and the reminder plan to `slack_state`,
in that same transaction: a message exists if and only if the event that caused it was
recorded. breach.slack.flush sends queued rows once the command's transactions have
committed; `remind` (cron) posts reminders that are due but were not delivered and the
OVERDUE alerts. Keys: breach.slack.outbox.

Privacy: messages carry ids, states, counts, categories, risk levels and deadlines only
(breach.slack.policy.status_summary). Titles go out only for incidents opened with
--public; notes, summaries, free-text answers and references never do. Tokens and
webhook URLs are read from the environment at send time and never written to the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from breach.adapters.resources import search_path
from breach.core import time as clock
from breach.core.models import EventKind, Incident, IncidentStatus, ObligationState
from breach.core.regimes import Obligation
from breach.core.state import IncidentState
from breach.errors import BreachError, InputError
from breach.services.incidents import get_incident, list_incidents
from breach.services.obligations import incident_obligations
from breach.services.session import Session
from breach.slack import messages, policy
from breach.slack.config import SlackConfig, config_from_env, describe_setup
from breach.slack.flush import FlushReport, flush, flush_after_command
from breach.slack.outbox import UNSENT, OutboxKey, OutboxState, StateKey

__all__ = ["FlushReport", "OutboxNotifier", "RemindReport", "drill_preview", "flush", "post_status", "remind"]


def _utc(value: datetime) -> str:
    return clock.encode(value)[0]


def _templates(session: Session) -> tuple[Path, ...]:
    """The data folder's own templates/ first (templates/slack/*.j2 win file by file), then the shipped ones."""
    return tuple(search_path("templates", session.resource_home()))


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
        config = config_from_env()
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
        config = config_from_env()
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
    config = config_from_env()
    if config is None:
        raise InputError(describe_setup())
    incident = get_incident(session, incident_id)
    with session.store.transaction():
        keys = _queue_change(session, incident.id, "requested", now=now, config=config, fresh=True)
    return {"incident": incident.id, "queued": keys}


def _queue_change(session: Session, incident_id: str, what: str, *, now: datetime, config: SlackConfig,
                  fresh: bool = False) -> list[str]:
    state = session.state(incident_id)
    incident = state.incident
    obligations = incident_obligations(session, incident.id, now=now, state=state)
    keys = _queue_status(session, incident, state, obligations, what=what, now=now, config=config, fresh=fresh)
    if config.has_bot:
        keys += _sync_plans(session, incident, _as_slack_sees(session, obligations), now=now)
    return keys


def _as_slack_sees(session: Session, obligations: list[Obligation]) -> list[Obligation]:
    """Every customer's contract window folded into one reminder series (breach.slack.policy); the
    customers' names only when the profile says `slack: {customer_names: true}`."""
    return policy.fold_customer_windows(obligations, names=session.org.slack.customer_names)


def _queue_status(session: Session, incident: Incident, state: IncidentState, obligations: list[Obligation], *,
                  what: str, now: datetime, config: SlackConfig, fresh: bool) -> list[str]:
    store = session.store
    iid = incident.id
    op = "post" if config.has_bot else "webhook"

    row = store.incident_row(iid)
    # The chain's head goes with every status message (ids and hashes only), so an edited
    # database disagrees with the channel: `breach verify --against-slack`.
    witness = {"incident": iid, "seq": row["event_count"], "head": row["head_hash"]}

    dirs = _templates(session)
    next_due = next((o.rule_id for o in policy.fold_customer_windows(obligations)
                     if o.state == ObligationState.PENDING and o.due_at is not None), None)
    if next_due == policy.CUSTOMER_WINDOWS:
        next_due = None  # one notice per customer: recorded with `breach notified`, not from one button

    def message(event: str) -> dict[str, Any]:
        summary = policy.status_summary(incident, state, obligations, event=event, zone=session.org_zone, now=now)
        built = messages.status_message(summary, template_dirs=dirs)
        # Buttons (breach slack listen) need the bot: a webhook post cannot be acted on.
        buttons = [messages.action_buttons(iid, next_due, template_dirs=dirs)] if config.has_bot else []
        return {**built, "blocks": [*built["blocks"], *buttons, messages.witness_block(witness, template_dirs=dirs)],
                "witness": witness}

    # The first message about an incident is its parent, whatever the change: an incident
    # opened before Slack was set up gets its parent with the first later change.
    parent_key = str(OutboxKey.parent(iid))
    if store.enqueue(key=parent_key, incident_id=iid, op=op, created_at=now,
                     payload={"kind": "parent", "incident": iid, **message(policy.PARENT_EVENT)}):
        return [parent_key]
    seq = row["event_count"]
    reply = {"kind": "reply", "incident": iid, **message(policy.event_label(what, state))}
    for n in range(1, 1000):
        reply_key = str(OutboxKey.reply(iid, seq, what, n))
        if store.enqueue(key=reply_key, incident_id=iid, op=op, payload=reply, created_at=now):
            break
        if not fresh:
            return []  # this change was queued already
    else:  # pragma: no cover - a thousand status requests for one event
        raise InputError(f"too many status updates queued for {iid}; run `breach slack flush`")
    keys = [reply_key]
    if config.has_bot:
        update_key = str(OutboxKey.update(iid, seq, what, n))
        store.enqueue(key=update_key, incident_id=iid, op="update", created_at=now,
                      payload={"kind": "update", "incident": iid, **message(policy.PARENT_EVENT)})
        keys.append(update_key)
    return keys


# --- reminder plans ------------------------------------------------------------------


def _generation(store: Any, iid: str, rule_id: str) -> int:
    """How many times this obligation's reminders were unscheduled: part of their keys."""
    return sum(1 for r in store.outbox_rows() if _is_unschedule(r["key"], iid, rule_id))


def _is_unschedule(text: str, iid: str, rule_id: str) -> bool:
    try:
        key = OutboxKey.parse(text)
    except InputError:
        return False
    return key.kind == "unschedule" and key.incident == iid and key.obligation == rule_id


def _wanted_due(incident: Any, o: Any) -> str | None:
    """The due time reminders should run for, or None (met, late, not applicable, closed)."""
    if o is None or o.due_at is None or o.state != ObligationState.PENDING or incident.status == IncidentStatus.CLOSED:
        return None
    return _utc(o.due_at)


def _sync_plans(session: Any, incident: Any, obligations: list, *, now: datetime) -> list[str]:
    """Queue reminders for new deadlines; unschedule those met, late, not applicable or moved."""
    store = session.store
    iid = incident.id
    index_key = StateKey.plans(iid)
    planned_ids = json.loads(store.get_state(index_key) or "[]")
    by_id = {o.rule_id: o for o in obligations}
    order = [o.rule_id for o in obligations] + [r for r in planned_ids if r not in by_id]
    keys: list[str] = []
    for rule_id in order:
        o = by_id.get(rule_id)
        plan_key = StateKey.plan(iid, rule_id)
        planned = store.get_state(plan_key)
        wanted = _wanted_due(incident, o)
        if planned == wanted:
            continue
        gen = _generation(store, iid, rule_id)
        if planned is not None:
            gen += 1
            key = str(OutboxKey.unschedule(iid, rule_id, gen))
            reason = ("incident closed" if incident.status == IncidentStatus.CLOSED else
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


def _with_buttons(session: Any, message: dict[str, Any], incident_id: str, obligation: str,
                  label: str) -> dict[str, Any]:
    """A reminder with its buttons: Acknowledge, Record notice made, Open review (breach slack listen)."""
    # Many notices (the customers' windows) are recorded with `breach notified`, not from one button.
    acts_on = None if obligation == policy.CUSTOMER_WINDOWS else obligation
    buttons = messages.action_buttons(incident_id, acts_on, label=label, template_dirs=_templates(session))
    return {**message, "blocks": [*message["blocks"], buttons]}


def _reminder_payload(session: Any, incident: Any, o: Any, label: str, post_at: datetime,
                      until: datetime) -> dict[str, Any]:
    return {
        "kind": "reminder", "incident": incident.id, "obligation": o.rule_id, "label": label,
        "due_at": _utc(o.due_at), "post_at": int(post_at.timestamp()), "until": int(until.timestamp()),
        **_with_buttons(session, messages.reminder_message(
            incident=incident.id, obligation=o.rule_id, recipient=o.recipient,
            due_at_iso=clock.iso(clock.in_zone(o.due_at, session.org_zone)) or "", label=label,
            template_dirs=_templates(session)), incident.id, o.rule_id, label),
    }


def _queue_schedules(session: Any, incident: Any, o: Any, *, gen: int, now: datetime) -> list[str]:
    future = {label for label, _ in policy.reminder_schedule(o.due_at, now)}
    keys = []
    for label, post_at, until in policy.reminder_times(o.due_at):
        if label not in future:
            continue
        key = str(OutboxKey.reminder(incident.id, o.rule_id, gen, label))
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


def remind(session: Any, *, now: datetime, config: SlackConfig) -> RemindReport:
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
            obligations = _as_slack_sees(session, incident_obligations(session, incident.id, now=now))
            report.planned += _sync_plans(session, incident, obligations, now=now)
            rows = {r["key"]: r for r in store.outbox_rows()}
            for o in obligations:
                if o.state != ObligationState.PENDING or o.due_at is None:
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
    window = policy.overdue_window(o.due_at, now)
    key = str(OutboxKey.overdue(incident.id, o.rule_id, int(o.due_at.timestamp()), window))
    message = messages.reminder_message(incident=incident.id, obligation=o.rule_id, recipient=o.recipient,
                                        due_at_iso=clock.iso(clock.in_zone(o.due_at, session.org_zone)) or "",
                                        label=policy.OVERDUE, template_dirs=_templates(session))
    message = _with_buttons(session, message, incident.id, o.rule_id, policy.OVERDUE)
    payload = {"kind": "alert", "incident": incident.id, "obligation": o.rule_id, "label": policy.OVERDUE,
               "due_at": _utc(o.due_at), **message}
    if session.store.enqueue(key=key, incident_id=incident.id, op="post", payload=payload, created_at=now,
                             statutory=True):
        return key
    return None


def _queue_catch_up(session: Any, incident: Any, o: Any, *, rows: dict[str, dict], now: datetime) -> str | None:
    """Post the latest due reminder now if Slack does not have it (never scheduled, refused)."""
    due = policy.due_reminder(o.due_at, now)
    if due is None:
        return None
    label, post_at, until = due
    gen = _generation(session.store, incident.id, o.rule_id)
    scheduled = rows.get(str(OutboxKey.reminder(incident.id, o.rule_id, gen, label)))
    if scheduled and scheduled["state"] in (OutboxState.SENT, *UNSENT):
        return None  # Slack posts it (or the flush posts it late): delivered or on its way
    key = str(OutboxKey.reminder(incident.id, o.rule_id, gen, label, catch_up=True))
    payload = {**_reminder_payload(session, incident, o, label, post_at, until), "kind": "alert"}
    if session.store.enqueue(key=key, incident_id=incident.id, op="post", payload=payload, created_at=now,
                             statutory=True):
        return key
    return None


# --- drills ------------------------------------------------------------------------------


def drill_preview(session: Any, incident_id: str, *, now: datetime) -> list[str]:
    """For `breach drill`: deliver what is queued if Slack is configured, else show what would be posted."""
    try:
        config = config_from_env()
    except BreachError as exc:
        return [f"settings not usable: {exc}"]
    if config is not None:
        report = flush(session, now=now, config=config)
        return report.notices() or ["delivered to the channel"]
    state = session.state(incident_id)
    incident = state.incident
    obligations = incident_obligations(session, incident.id, now=now, state=state)
    events = [e for e in session.store.events(incident.id) if e.kind in policy.POSTED_KINDS]
    what = events[-1].kind if events else EventKind.OPENED
    if what == EventKind.NOTIFIED:
        what = f"notified:{events[-1].data.get('obligation')}"
    summary = policy.status_summary(incident, state, obligations, event=policy.event_label(what, state),
                                    zone=session.org_zone, now=now)
    message = messages.status_message(summary, template_dirs=_templates(session))
    return ["(not configured) would post: " + message["text"]]
