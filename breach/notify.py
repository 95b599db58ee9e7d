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
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from . import clock, slack
from .errors import BreachError, InputError

#: Statutory reminders are never held back by quiet hours; status chatter may be.
STATUS_KINDS = ("parent", "reply", "update")
#: An OVERDUE alert goes out at most once per window per obligation.
OVERDUE_WINDOW = timedelta(hours=12)
#: A "DEADLINE now" reminder that could not be scheduled is still worth posting this late.
DEADLINE_GRACE = timedelta(hours=1)
#: Slack refuses to schedule a message for (almost) now; post those directly instead.
SCHEDULE_MARGIN_SECONDS = 60
UNSENT = ("queued", "sending")
#: Unavailable answers that prove Slack did not take the message: such a row goes back
#: to `queued` and is not looked up before the next attempt.
NOT_DELIVERED = frozenset({"ratelimited", "no_bot", *slack._AUTH, *slack._CHANNEL})
PARENT_EVENT = "Incident status"

_CATEGORY = re.compile(r"^[a-z0-9_-]{1,40}$")


# --- called inside the transaction of a state change ------------------------------


def on_change(session: Any, incident: Any, what: str, *, now: datetime) -> None:
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
        _queue_change(session, incident, what, now=now, config=config)
    except BreachError as exc:
        # The record comes first: a Slack problem must never roll back the event.
        _warn(session, f"Slack: nothing queued for {incident.id} ({what}): {exc}")


def on_clock_change(session: Any, incident: Any, *, now: datetime) -> None:
    """A correction or a new start event may move deadlines: reschedule reminders, post no status."""
    from .clocks import incident_obligations

    try:
        config = slack.config_from_env()
    except BreachError:
        return
    if config is None or not config.has_bot:
        return
    try:
        _sync_plans(session, incident, incident_obligations(session, incident, now=now), now=now)
    except BreachError as exc:
        _warn(session, f"Slack: reminders for {incident.id} not rescheduled: {exc}")


def _warn(session: Any, line: str) -> None:
    """A line for stderr at the end of the command (see flush_after_command)."""
    warnings = getattr(session, "slack_warnings", None)
    if warnings is None:
        warnings = session.slack_warnings = []
    warnings.append(line)


def post_status(session: Any, incident_id: str, *, now: datetime) -> dict[str, Any]:
    """Queue a status update on demand (a thread reply and an update of the parent)."""
    from .flows import get_incident

    config = slack.config_from_env()
    if config is None:
        raise InputError(slack.describe_setup())
    incident = get_incident(session, incident_id)
    with session.store.transaction():
        keys = _queue_change(session, incident, "requested", now=now, config=config, fresh=True)
    return {"incident": incident.id, "queued": keys}


def _queue_change(session: Any, incident: Any, what: str, *, now: datetime, config: slack.SlackConfig,
                  fresh: bool = False) -> list[str]:
    from .clocks import incident_obligations
    from .state import fold

    store = session.store
    state = fold(store.events(incident.id))
    obligations = incident_obligations(session, incident, now=now, state=state)
    keys = _queue_status(session, incident, state, obligations, what=what, now=now, config=config, fresh=fresh)
    if config.has_bot:
        keys += _sync_plans(session, incident, obligations, now=now)
    return keys


def _queue_status(session: Any, incident: Any, state: Any, obligations: list, *, what: str, now: datetime,
                  config: slack.SlackConfig, fresh: bool) -> list[str]:
    store = session.store
    iid = incident.id
    op = "post" if config.has_bot else "webhook"

    def message(event: str) -> dict[str, Any]:
        return slack.status_message(status_summary(session, incident, state, obligations, event=event))

    # The first message about an incident is its parent, whatever the change: an incident
    # opened before Slack was set up gets its parent with the first later change.
    parent_key = f"{iid}:parent"
    if store.enqueue(key=parent_key, incident_id=iid, op=op, created_at=now,
                     payload={"kind": "parent", "incident": iid, **message(PARENT_EVENT)}):
        return [parent_key]
    seq = store.incident_row(iid)["event_count"]
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
        risk = ((state.assessment or {}).get("result") or {}).get("risk")
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
    assessment = state.assessment or {}
    result = assessment.get("result") or {}
    answers = assessment.get("answers") or {}
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


def _utc(value: datetime) -> str:
    return clock.encode(value)[0]


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
    from .clocks import incident_obligations
    from .flows import list_incidents

    if not config.has_bot:
        raise InputError("deadline reminders need SLACK_BOT_TOKEN and BREACH_SLACK_CHANNEL "
                         "(a webhook can only post status updates)")
    store = session.store
    report = RemindReport()
    with store.transaction():
        for incident in list_incidents(session, include_closed=False):
            report.incidents += 1
            obligations = incident_obligations(session, incident, now=now)
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


# --- sending -------------------------------------------------------------------------


@dataclass
class FlushReport:
    sent: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    held: int = 0
    queued: int = 0
    error: str | None = None
    quiet_hours: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "failed": self.failed, "skipped": self.skipped, "held": self.held,
                "queued": self.queued, "error": self.error}

    def notices(self) -> list[str]:
        """What a responder should read on stderr after a command."""
        lines = [f"Slack refused {f['key']} ({f['error']}); marked failed, it will not be retried."
                 for f in self.failed]
        if self.held:
            lines.append(f"Slack: {self.held} status message(s) held back for quiet hours ({self.quiet_hours}); "
                         "they go out with the first command after.")
        waiting = self.queued - self.held
        if waiting > 0:
            reason = f" ({self.error})" if self.error else ""
            lines.append(f"Slack: {waiting} message(s) queued{reason}. `breach slack flush` retries "
                         "(and so does every later command).")
        return lines


def _count_unsent(store: Any) -> int:
    return sum(1 for r in store.outbox_rows() if r["state"] in UNSENT)


def flush(session: Any, *, now: datetime | None = None, config: slack.SlackConfig | None = None) -> FlushReport:
    """Send queued outbox rows in order; stop at the first SlackUnavailable.

    A refused message (SlackRejectedError) is marked `failed` with the error and the
    flush goes on. During quiet hours status messages wait; reminders do not.
    """
    now = now or clock.now()
    config = config or slack.config_from_env()
    store = session.store
    session.slack_flushed = True  # the end of the command need not try again
    report = FlushReport(quiet_hours=config.quiet_hours if config else None)
    if config is None:
        report.queued = _count_unsent(store)
        report.error = "Slack is not configured"
        return report
    quiet = slack.is_quiet(now, config.quiet_hours, session.org_zone)
    sender = _Sender(session, config, now)
    seen: set[int] = set()
    with _flush_lock(session.home):
        stop = False
        while not stop:
            # Re-read after each pass: another process may have queued more meanwhile.
            rows = [r for r in store.outbox_rows() if r["state"] in UNSENT and r["id"] not in seen]
            if not rows:
                break
            for row in rows:
                seen.add(row["id"])
                if quiet and not row["statutory"]:
                    report.held += 1
                    continue
                try:
                    outcome = sender.deliver(row)
                except slack.SlackUnavailable as exc:
                    report.error = str(exc)
                    fields: dict[str, Any] = {"last_error": str(exc)}
                    if row["state"] == "queued" and exc.error in NOT_DELIVERED:
                        fields["state"] = "queued"  # Slack did not act: no look-up needed next time
                    store.update_outbox(row["key"], fields)
                    stop = True
                    break
                except (slack.SlackRejectedError, InputError) as exc:
                    error = getattr(exc, "error", None) or str(exc)
                    store.update_outbox(row["key"], {"state": "failed", "last_error": str(exc)})
                    report.failed.append({"key": row["key"], "error": error})
                    continue
                if outcome == "sent":
                    report.sent += 1
                else:
                    report.skipped.append({"key": row["key"], "reason": sender.note or outcome})
    report.queued = _count_unsent(store)
    return report


@contextmanager
def _flush_lock(home: Any) -> Iterator[None]:
    """One flusher per data folder at a time, so two processes never send the same row."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: flushes are not serialized
        yield
        return
    fd = os.open(os.path.join(home, ".slack-flush.lock"), os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class _Sender:
    """Carries out one outbox row at a time through breach.slack."""

    def __init__(self, session: Any, config: slack.SlackConfig, now: datetime):
        self.session = session
        self.store = session.store
        self.config = config
        self.now = now
        self._client = None
        self._channel: str | None = None
        self.note: str | None = None

    # --- helpers -------------------------------------------------------------------

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = slack.build_client(self.config)
        return self._client

    @property
    def _channel_key(self) -> str:
        return f"channel:{self.config.channel}"

    def channel(self) -> str:
        """The channel ID (look-ups need it); a '#name' resolved once is remembered."""
        if self._channel is None:
            self._channel = self.store.get_state(self._channel_key) or slack.channel_id(self.client, self.config)
        return self._channel

    def send(self, message: dict[str, Any]) -> dict[str, Any]:
        client = self.client if self.config.has_bot and message["op"] != "webhook" else None
        return slack.send(client, self.config, message)

    def need_bot(self, what: str) -> None:
        if not self.config.has_bot:
            raise slack.SlackUnavailable(
                f"{what} need SLACK_BOT_TOKEN and BREACH_SLACK_CHANNEL (a webhook cannot do them)",
                error="no_bot")

    def claim(self, row: dict[str, Any]) -> None:
        self.store.update_outbox(row["key"], {"state": "sending", "attempts": (row["attempts"] or 0) + 1})
        row["attempts"] = (row["attempts"] or 0) + 1

    def mark(self, row: dict[str, Any], state: str, *, result: dict | None = None, error: str | None = None,
             slack_state: dict[str, str | None] | None = None) -> str:
        self.note = error
        slack_state = dict(slack_state or {})
        channel = (result or {}).get("channel")
        if channel and self.config.channel and channel != self.config.channel:
            slack_state.setdefault(self._channel_key, channel)  # '#name' -> ID, for later look-ups
        with self.store.transaction():
            fields: dict[str, Any] = {"state": state, "last_error": error}
            if result is not None:
                fields["result"] = json.dumps(result, sort_keys=True)
            if state == "sent":
                fields["sent_at"] = _utc(self.now)
            self.store.update_outbox(row["key"], fields)
            for key, value in slack_state.items():
                self.store.set_state(key, value)
        return state

    def parent(self, iid: str) -> dict[str, Any] | None:
        raw = self.store.get_state(f"parent:{iid}")
        return json.loads(raw) if raw else None

    def posted(self, row: dict[str, Any], thread_ts: str | None, channel: str | None = None) -> str | None:
        """After a crash between send and mark: the ts of the earlier post, if Slack has it."""
        if row["state"] != "sending":
            return None
        return slack.find_posted(self.client, self.config, row["key"], thread_ts, channel=channel or self.channel())

    # --- one row -------------------------------------------------------------------

    def deliver(self, row: dict[str, Any]) -> str:
        self.note = None
        payload = json.loads(row["payload"])
        handler = {
            "parent": self._status,
            "reply": self._status,
            "update": self._update,
            "reminder": self._reminder,
            "unschedule": self._unschedule,
            "alert": self._alert,
        }.get(payload.get("kind"))
        if handler is None:
            raise InputError(f"unknown outbox message kind {payload.get('kind')!r}")
        return handler(row, payload)

    def _message(self, row: dict[str, Any], payload: dict[str, Any], op: str, **extra: Any) -> dict[str, Any]:
        return {"op": op, "key": row["key"], "text": payload.get("text"), "blocks": payload.get("blocks"), **extra}

    def _status(self, row: dict[str, Any], payload: dict[str, Any]) -> str:
        """A parent message, or a reply in its thread (webhook: both flattened to plain posts)."""
        iid = payload["incident"]
        if not self.config.has_bot:
            self.claim(row)
            self.send(self._message(row, payload, "webhook"))
            return self.mark(row, "sent", result={"webhook": True})
        parent = self.parent(iid) if payload["kind"] == "reply" else None
        thread_ts = parent["ts"] if parent else None
        ts = self.posted(row, thread_ts, parent["channel"] if parent else None)
        channel = parent["channel"] if parent else None
        if ts is None:
            self.claim(row)
            result = self.send(self._message(row, payload, "post", thread_ts=thread_ts))
            ts, channel = result["ts"], result["channel"]
        channel = channel or self.channel()
        # A reply whose parent never made it to Slack becomes the parent.
        becomes_parent = payload["kind"] == "parent" or parent is None
        state = {f"parent:{iid}": json.dumps({"ts": ts, "channel": channel})} if becomes_parent else None
        return self.mark(row, "sent", result={"ts": ts, "channel": channel, "thread_ts": thread_ts},
                         slack_state=state)

    def _update(self, row: dict[str, Any], payload: dict[str, Any]) -> str:
        if not self.config.has_bot:
            return self.mark(row, "skipped", error="a webhook cannot edit messages")
        parent = self.parent(payload["incident"])
        if parent is None:
            return self.mark(row, "skipped", error="no parent message in Slack to update")
        self.claim(row)
        result = self.send(self._message(row, payload, "update", ts=parent["ts"], channel=parent["channel"]))
        return self.mark(row, "sent", result={"ts": result["ts"], "channel": result["channel"]})

    def _add_scheduled(self, payload: dict[str, Any], row: dict[str, Any], scheduled_id: str,
                       channel: str) -> dict[str, str]:
        key = f"sched:{payload['incident']}:{payload['obligation']}"
        current = json.loads(self.store.get_state(key) or "null") or {"items": []}
        items = [i for i in current.get("items", []) if i.get("key") != row["key"]]
        items.append({"label": payload["label"], "post_at": payload["post_at"],
                      "scheduled_message_id": scheduled_id, "key": row["key"]})
        value = {"due_at": payload["due_at"], "channel": channel, "items": items}
        return {key: json.dumps(value, sort_keys=True)}

    def _reminder(self, row: dict[str, Any], payload: dict[str, Any]) -> str:
        self.need_bot("deadline reminders")
        post_at = int(payload["post_at"])
        if row["state"] == "sending":
            channel = self.channel()
            scheduled_id = slack.find_scheduled(self.client, self.config, post_at=post_at, text=payload["text"],
                                                channel=channel)
            if scheduled_id:
                return self.mark(row, "sent", result={"scheduled_message_id": scheduled_id, "channel": channel},
                                 slack_state=self._add_scheduled(payload, row, scheduled_id, channel))
            ts = self.posted(row, None)
            if ts:
                return self.mark(row, "sent", result={"ts": ts, "channel": channel})
        now_ts = self.now.timestamp()
        if post_at <= now_ts + SCHEDULE_MARGIN_SECONDS:
            # Queued while Slack was unavailable and its time has come: post it now, unless
            # a later reminder has taken over (`breach slack remind` posts that one).
            if now_ts >= int(payload.get("until") or 0):
                return self.mark(row, "skipped", error="its time passed while it was queued")
            self.claim(row)
            result = self.send(self._message(row, payload, "post"))
            return self.mark(row, "sent", result={"ts": result["ts"], "channel": result["channel"], "late": True})
        self.claim(row)
        result = self.send(self._message(row, payload, "schedule", post_at=post_at))
        channel = result["channel"] or self.channel()
        return self.mark(row, "sent", result={"scheduled_message_id": result["scheduled_message_id"],
                                              "channel": channel},
                         slack_state=self._add_scheduled(payload, row, result["scheduled_message_id"], channel))

    def _unschedule(self, row: dict[str, Any], payload: dict[str, Any]) -> str:
        """Delete the obligation's scheduled reminders that Slack has not posted yet."""
        self.need_bot("deadline reminders")
        key = f"sched:{payload['incident']}:{payload['obligation']}"
        current = json.loads(self.store.get_state(key) or "null")
        deleted = 0
        if current and current.get("items"):
            self.claim(row)
            items = list(current["items"])
            channel = current.get("channel")
            while items:
                item = items[0]
                if item.get("scheduled_message_id") and int(item.get("post_at") or 0) > self.now.timestamp():
                    self.send({"op": "delete_scheduled", "scheduled_message_id": item["scheduled_message_id"],
                               "channel": channel})
                    deleted += 1
                items.pop(0)
                # Keep what is left, so a crash here resumes with the next id.
                self.store.set_state(key, json.dumps({**current, "items": items}, sort_keys=True))
        return self.mark(row, "sent", result={"deleted": deleted}, slack_state={key: None})

    def _alert(self, row: dict[str, Any], payload: dict[str, Any]) -> str:
        """An OVERDUE alert or a reminder posted late: a plain channel post."""
        self.need_bot("deadline reminders")
        ts = self.posted(row, None)
        channel = None
        if ts is None:
            self.claim(row)
            result = self.send(self._message(row, payload, "post"))
            ts, channel = result["ts"], result["channel"]
        return self.mark(row, "sent", result={"ts": ts, "channel": channel or self.channel()})


# --- the end of every write command ---------------------------------------------------


def flush_after_command(session: Any) -> list[str]:
    """Send what the command queued; return the lines to print on stderr.

    Never raises a BreachError: the command's own work is already recorded. Says once per
    data folder how to turn Slack on (and, with a webhook only, that reminders are off).
    """
    warnings = list(getattr(session, "slack_warnings", None) or [])
    if getattr(session, "slack_flushed", False):
        return warnings
    store = session.store
    try:
        config = slack.config_from_env()
    except BreachError as exc:
        return [*warnings, f"Slack settings are not usable: {exc}. Nothing was sent."]
    try:
        lines = warnings + _hints(store, config)
        if config is None:
            waiting = _count_unsent(store)
            if waiting:
                lines.append(f"Slack: {waiting} message(s) queued but Slack is not configured in this "
                             "environment; `breach slack flush` sends them once it is.")
            return lines
        if not any(r["state"] in UNSENT for r in store.outbox_rows()):
            return lines
        return lines + flush(session, config=config).notices()
    except BreachError as exc:
        return [*warnings, f"Slack: {exc}"]


def _hints(store: Any, config: slack.SlackConfig | None) -> list[str]:
    if config is None:
        if store.get_state("setup_hint_shown"):
            return []
        store.set_state("setup_hint_shown", "1")
        return [slack.describe_setup()]
    if not config.has_bot and not store.get_state("webhook_hint_shown"):
        store.set_state("webhook_hint_shown", "1")
        return [WEBHOOK_HINT]
    return []


WEBHOOK_HINT = (
    "Slack: webhook only, so status updates are posted but deadline reminders are not scheduled; "
    "set SLACK_BOT_TOKEN and BREACH_SLACK_CHANNEL for reminders."
)


# --- drills ------------------------------------------------------------------------------


def drill_preview(session: Any, incident_id: str, *, now: datetime) -> list[str]:
    """For `breach drill`: deliver what is queued if Slack is configured, else show what would be posted."""
    from .clocks import incident_obligations
    from .flows import get_incident
    from .state import fold

    try:
        config = slack.config_from_env()
    except BreachError as exc:
        return [f"settings not usable: {exc}"]
    if config is not None:
        report = flush(session, now=now, config=config)
        return report.notices() or ["delivered to the channel"]
    incident = get_incident(session, incident_id)
    state = fold(session.store.events(incident.id))
    obligations = incident_obligations(session, incident, now=now, state=state)
    events = [e for e in session.store.events(incident.id) if e.kind in {"opened", "assessed", "notified", "closed"}]
    what = events[-1].kind if events else "opened"
    if what == "notified":
        what = f"notified:{events[-1].data.get('obligation')}"
    message = slack.status_message(status_summary(session, incident, state, obligations,
                                                  event=event_label(what, state)))
    return ["(not configured) would post: " + message["text"]]
