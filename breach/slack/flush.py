"""Sending the Slack outbox: strictly in order, idempotent, nothing lost on an outage.

`flush` sends queued rows once the command's transactions have committed (the Session's
`OutboxNotifier.after_commit` calls `flush_after_command` at the end of every write
session). Idempotency: before a row is sent it is marked `sending` (attempts + 1,
committed); a row found in `sending` was interrupted between send and mark, so it is
looked up in Slack first (`client.find_posted`, `client.find_scheduled`, by its key:
breach.slack.outbox) and only sent again when Slack has not got it. Webhook posts cannot
be looked up: after a crash at exactly that point they may be posted twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from breach.core import time as clock
from breach.errors import BreachError, InputError
from breach.slack import client as slack
from breach.slack.config import SlackConfig, config_from_env, describe_setup
from breach.slack.outbox import UNSENT, OutboxState, StateKey
from breach.slack.policy import SCHEDULE_MARGIN_SECONDS, backoff, is_quiet

#: Unavailable answers that prove Slack did not take the message: such a row goes back
#: to `queued` and is not looked up before the next attempt.
NOT_DELIVERED = frozenset({"ratelimited", "no_bot", *slack.AUTH_ERRORS, *slack.CHANNEL_ERRORS})


def _utc(value: datetime) -> str:
    return clock.encode(value)[0]


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
    #: The settings are wrong (token, channel): nothing goes out until this is fixed.
    setup_error: str | None = None
    #: Automatic attempts wait until then after a failure (UTC ISO), unless `breach slack flush`.
    next_attempt_at: str | None = None
    #: Another flush (another process or machine) holds the outbox and sends what waits.
    busy: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "failed": self.failed, "skipped": self.skipped, "held": self.held,
                "queued": self.queued, "error": self.error, "setup_error": self.setup_error,
                "next_attempt_at": self.next_attempt_at, "busy": self.busy}

    def notices(self) -> list[str]:
        """What a responder should read on stderr after a command."""
        lines = [f"Slack refused {f['key']} ({f['error']}); marked failed, it will not be retried "
                 "(`breach slack status` lists it)."
                 for f in self.failed]
        if self.busy:
            lines.append(f"Slack: another flush (on this or another machine) is sending the outbox; it sends the "
                         f"{self.queued} message(s) waiting.")
            return lines
        if self.setup_error:
            lines.append(f"Slack settings need a fix: {self.setup_error}. Nothing was lost: "
                         f"{self.queued} message(s) queued; run `breach slack flush` once fixed.")
            return lines
        if self.held:
            lines.append(f"Slack: {self.held} status message(s) held back for quiet hours ({self.quiet_hours}); "
                         "they go out with the first command after.")
        waiting = self.queued - self.held
        if waiting > 0:
            reason = f" ({self.error})" if self.error else ""
            later = (f"later commands retry from {self.next_attempt_at}" if self.next_attempt_at
                     else "so does every later command")
            lines.append(f"Slack: {waiting} message(s) queued{reason}. `breach slack flush` retries now "
                         f"({later}); `breach slack status` shows what waits.")
        return lines


def outbox_status(session: Any) -> dict[str, Any]:
    """`breach slack status`: what waits (counts by state, the oldest, the last error), what was refused.

    Also says whether the Slack settings are usable, without contacting Slack.
    """
    rows = session.store.outbox_rows()
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["state"]] = counts.get(r["state"], 0) + 1
    waiting = [r for r in rows if r["state"] in UNSENT]
    tried = [r for r in waiting if r["last_error"]]

    def brief(r: dict[str, Any]) -> dict[str, Any]:
        return {"key": r["key"], "incident": r["incident_id"], "state": r["state"], "statutory": bool(r["statutory"]),
                "created_at": r["created_at"], "attempts": r["attempts"] or 0, "last_error": r["last_error"],
                "next_attempt_at": r["next_attempt_at"]}

    try:
        config = config_from_env()
        settings = "not configured" if config is None else ("bot" if config.has_bot else "webhook only")
        settings_error = None
    except BreachError as exc:
        settings, settings_error = "not usable", str(exc)
    return {
        "settings": settings, "settings_error": settings_error,
        "counts": {state: counts.get(state, 0) for state in OutboxState},
        "waiting": len(waiting), "statutory_waiting": sum(1 for r in waiting if r["statutory"]),
        "oldest": brief(waiting[0]) if waiting else None,
        "last_error": tried[-1]["last_error"] if tried else None,
        "next_attempt_at": waiting[0]["next_attempt_at"] if waiting else None,
        "refused": [{"key": r["key"], "incident": r["incident_id"], "reason": r["last_error"],
                     "created_at": r["created_at"]} for r in rows if r["state"] == OutboxState.FAILED],
    }


def _count_unsent(store: Any) -> int:
    return sum(1 for r in store.outbox_rows() if r["state"] in UNSENT)


def _waiting_until(store: Any, now: datetime) -> str | None:
    """The back-off time of the first unsent row, if it is still in the future."""
    first = next((r for r in store.outbox_rows() if r["state"] in UNSENT), None)
    if first is None or not first.get("next_attempt_at"):
        return None
    return first["next_attempt_at"] if first["next_attempt_at"] > _utc(now) else None


def flush(session: Any, *, now: datetime | None = None, config: SlackConfig | None = None,
          respect_backoff: bool = False) -> FlushReport:
    """Send queued outbox rows in order; stop at the first SlackUnavailable.

    Anything that is not a definite refusal of one message (an outage, a proxy's answer,
    a timeout, a setting to fix) keeps the row queued with its attempts, last error and
    next attempt time. A refused message (SlackRejectedError) is marked `failed` with
    the reason and the flush goes on. During quiet hours status messages wait; reminders
    do not. With `respect_backoff` (the automatic flush after a command) nothing is tried
    before the first queued row's next attempt time.
    """
    now = now or session.now()
    config = config or config_from_env()
    store = session.store
    session.slack_flushed = True  # the end of the command need not try again (a declared Session field)
    report = FlushReport(quiet_hours=config.quiet_hours if config else None)
    if config is None:
        report.queued = _count_unsent(store)
        report.error = "Slack is not configured"
        return report
    if respect_backoff:
        report.next_attempt_at = _waiting_until(store, now)
        if report.next_attempt_at:
            first = next(r for r in store.outbox_rows() if r["state"] in UNSENT)
            report.queued = _count_unsent(store)
            report.error = f"{first['last_error']}; next attempt after {report.next_attempt_at}"
            return report
    quiet = is_quiet(now, config.quiet_hours, session.org_zone)
    sender = Sender(session, config, now)
    seen: set[int] = set()
    # One flusher at a time (a file lock in a data folder, a row lock in a team's database):
    # messages go out in order, and no row is sent by two processes.
    with store.claim_outbox() as claimed:
        if not claimed:
            report.busy = True
            report.queued = _count_unsent(store)
            return report
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
                tried = row["attempts"] or 0
                try:
                    outcome = _deliver(sender, row)
                except slack.SlackUnavailable as exc:
                    # Not a refusal of this message: it stays queued (or `sending`, so the next
                    # attempt looks it up in Slack first and never posts it twice).
                    report.error = str(exc)
                    if isinstance(exc, slack.SlackSetupError):
                        report.setup_error = str(exc)
                    attempts = max(row["attempts"] or 0, tried + 1)  # the claim counted it, or not yet
                    # A rate limit beyond BREACH_SLACK_MAX_WAIT: the message waits at least its Retry-After.
                    retry_at = _utc(now + max(backoff(attempts), timedelta(seconds=exc.retry_after or 0)))
                    fields: dict[str, Any] = {"last_error": str(exc), "attempts": attempts,
                                              "next_attempt_at": retry_at}
                    if row["state"] == OutboxState.QUEUED and exc.error in NOT_DELIVERED:
                        fields["state"] = OutboxState.QUEUED  # Slack did not act: no look-up needed next time
                    store.update_outbox(row["key"], fields)
                    report.next_attempt_at = retry_at
                    stop = True
                    break
                except (slack.SlackRejectedError, InputError) as exc:
                    error = getattr(exc, "error", None) or str(exc)
                    store.update_outbox(row["key"], {"state": OutboxState.FAILED, "last_error": str(exc)})
                    report.failed.append({"key": row["key"], "error": error})
                    continue
                if outcome == OutboxState.SENT:
                    report.sent += 1
                else:
                    report.skipped.append({"key": row["key"], "reason": sender.note or outcome})
    report.queued = _count_unsent(store)
    return report


def _deliver(sender: Sender, row: dict[str, Any]) -> str:
    """Deliver one row; after a dropped connection, look it up once before sending it again.

    slack_sdk never repeats a post or a schedule after a connection error (Slack may have taken
    the call before the socket closed): the row is in `sending`, so the second `deliver` first
    looks for it in Slack by its key and only sends it when Slack does not have it.
    """
    try:
        return sender.deliver(row)
    except slack.SlackUnavailable as exc:
        if exc.error != "connection" or not sender.config.has_bot:
            raise
        fresh = next((r for r in sender.store.outbox_rows() if r["key"] == row["key"]), None)
        if fresh is None or fresh["state"] != OutboxState.SENDING:
            raise
        row.update(fresh)
        return sender.deliver(row)


class Sender:
    """Carries out one outbox row at a time through breach.slack.client."""

    def __init__(self, session: Any, config: SlackConfig, now: datetime):
        self.session = session
        self.store = session.store
        self.config = config
        self.now = now
        self._client: Any = None
        self._channel: str | None = None
        self.note: str | None = None
        # The store's identity goes with every message, so two data folders sharing a channel
        # never take each other's messages for their own (`posted`).
        store_id = getattr(self.store, "store_id", None)
        self.store_id: str | None = store_id() if callable(store_id) else None

    # --- helpers -------------------------------------------------------------------

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = slack.build_client(self.config)
        return self._client

    @property
    def _channel_key(self) -> str:
        return StateKey.channel(self.config.channel)

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
            raise slack.SlackSetupError(
                f"{what} need SLACK_BOT_TOKEN and BREACH_SLACK_CHANNEL (a webhook cannot do them)",
                error="no_bot")

    def claim(self, row: dict[str, Any]) -> None:
        self.store.update_outbox(row["key"], {"state": OutboxState.SENDING, "attempts": (row["attempts"] or 0) + 1})
        row["attempts"] = (row["attempts"] or 0) + 1

    def mark(self, row: dict[str, Any], state: str, *, result: dict | None = None, error: str | None = None,
             slack_state: Mapping[str, str | None] | None = None) -> str:
        self.note = error
        slack_state = dict(slack_state or {})
        channel = (result or {}).get("channel")
        if channel and self.config.channel and channel != self.config.channel:
            slack_state.setdefault(self._channel_key, channel)  # '#name' -> ID, for later look-ups
        with self.store.transaction():
            fields: dict[str, Any] = {"state": state, "last_error": error, "next_attempt_at": None}
            if result is not None:
                fields["result"] = json.dumps(result, sort_keys=True)
            if state == OutboxState.SENT:
                fields["sent_at"] = _utc(self.now)
            self.store.update_outbox(row["key"], fields)
            for key, value in slack_state.items():
                self.store.set_state(key, value)
        return state

    def parent(self, iid: str) -> dict[str, Any] | None:
        raw = self.store.get_state(StateKey.parent(iid))
        return json.loads(raw) if raw else None

    def posted(self, row: dict[str, Any], thread_ts: str | None, channel: str | None = None) -> str | None:
        """After a crash between send and mark: the ts of the earlier post, if Slack has it."""
        if row["state"] != OutboxState.SENDING:
            return None
        return slack.find_posted(self.client, self.config, row["key"], thread_ts, channel=channel or self.channel(),
                                 store=self.store_id)

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
        return {"op": op, "key": row["key"], "text": payload.get("text"), "blocks": payload.get("blocks"),
                "witness": payload.get("witness"), "store": self.store_id, **extra}

    def _status(self, row: dict[str, Any], payload: dict[str, Any]) -> str:
        """A parent message, or a reply in its thread (webhook: both flattened to plain posts)."""
        iid = payload["incident"]
        if not self.config.has_bot:
            self.claim(row)
            self.send(self._message(row, payload, "webhook"))
            return self.mark(row, OutboxState.SENT, result={"webhook": True})
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
        state = {StateKey.parent(iid): json.dumps({"ts": ts, "channel": channel})} if becomes_parent else None
        return self.mark(row, OutboxState.SENT, result={"ts": ts, "channel": channel, "thread_ts": thread_ts},
                         slack_state=state)

    def _update(self, row: dict[str, Any], payload: dict[str, Any]) -> str:
        if not self.config.has_bot:
            return self.mark(row, OutboxState.SKIPPED, error="a webhook cannot edit messages")
        parent = self.parent(payload["incident"])
        if parent is None:
            return self.mark(row, OutboxState.SKIPPED, error="no parent message in Slack to update")
        self.claim(row)
        result = self.send(self._message(row, payload, "update", ts=parent["ts"], channel=parent["channel"]))
        return self.mark(row, OutboxState.SENT, result={"ts": result["ts"], "channel": result["channel"]})

    def _add_scheduled(self, payload: dict[str, Any], row: dict[str, Any], scheduled_id: str,
                       channel: str) -> dict[str, str]:
        key = StateKey.scheduled(payload["incident"], payload["obligation"])
        current = json.loads(self.store.get_state(key) or "null") or {"items": []}
        items = [i for i in current.get("items", []) if i.get("key") != row["key"]]
        items.append({"label": payload["label"], "post_at": payload["post_at"],
                      "scheduled_message_id": scheduled_id, "key": row["key"]})
        value = {"due_at": payload["due_at"], "channel": channel, "items": items}
        return {key: json.dumps(value, sort_keys=True)}

    def _reminder(self, row: dict[str, Any], payload: dict[str, Any]) -> str:
        self.need_bot("deadline reminders")
        post_at = int(payload["post_at"])
        if row["state"] == OutboxState.SENDING:
            channel = self.channel()
            scheduled_id = slack.find_scheduled(self.client, self.config, post_at=post_at, text=payload["text"],
                                                channel=channel)
            if scheduled_id:
                return self.mark(row, OutboxState.SENT,
                                 result={"scheduled_message_id": scheduled_id, "channel": channel},
                                 slack_state=self._add_scheduled(payload, row, scheduled_id, channel))
            ts = self.posted(row, None)
            if ts:
                return self.mark(row, OutboxState.SENT, result={"ts": ts, "channel": channel})
        now_ts = self.now.timestamp()
        if post_at <= now_ts + SCHEDULE_MARGIN_SECONDS:
            # Queued while Slack was unavailable and its time has come: post it now, unless
            # a later reminder has taken over (`breach slack remind` posts that one).
            if now_ts >= int(payload.get("until") or 0):
                return self.mark(row, OutboxState.SKIPPED, error="its time passed while it was queued")
            self.claim(row)
            result = self.send(self._message(row, payload, "post"))
            return self.mark(row, OutboxState.SENT,
                             result={"ts": result["ts"], "channel": result["channel"], "late": True})
        self.claim(row)
        result = self.send(self._message(row, payload, "schedule", post_at=post_at))
        channel = result["channel"] or self.channel()
        return self.mark(row, OutboxState.SENT, result={"scheduled_message_id": result["scheduled_message_id"],
                                              "channel": channel},
                         slack_state=self._add_scheduled(payload, row, result["scheduled_message_id"], channel))

    def _unschedule(self, row: dict[str, Any], payload: dict[str, Any]) -> str:
        """Delete the obligation's scheduled reminders that Slack has not posted yet."""
        self.need_bot("deadline reminders")
        key = StateKey.scheduled(payload["incident"], payload["obligation"])
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
        return self.mark(row, OutboxState.SENT, result={"deleted": deleted}, slack_state={key: None})

    def _alert(self, row: dict[str, Any], payload: dict[str, Any]) -> str:
        """An OVERDUE alert or a reminder posted late: a plain channel post."""
        self.need_bot("deadline reminders")
        ts = self.posted(row, None)
        channel = None
        if ts is None:
            self.claim(row)
            result = self.send(self._message(row, payload, "post"))
            ts, channel = result["ts"], result["channel"]
        return self.mark(row, OutboxState.SENT, result={"ts": ts, "channel": channel or self.channel()})


# --- the end of every write command ---------------------------------------------------


def flush_after_command(session: Any) -> list[str]:
    """Send what the command queued; return the lines to print on stderr.

    Never raises a BreachError: the command's own work is already recorded. Says once per
    data folder how to turn Slack on (and, with a webhook only, that reminders are off).
    """
    warnings: list[str] = []
    if session.slack_flushed:
        return warnings
    store = session.store
    try:
        config = config_from_env()
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
        return lines + flush(session, config=config, respect_backoff=True).notices()
    except BreachError as exc:
        return [*warnings, f"Slack: {exc}"]


def _hints(store: Any, config: SlackConfig | None) -> list[str]:
    if config is None:
        if store.get_state(StateKey.SETUP_HINT):
            return []
        store.set_state(StateKey.SETUP_HINT, "1")
        return [describe_setup()]
    if not config.has_bot and not store.get_state(StateKey.WEBHOOK_HINT):
        store.set_state(StateKey.WEBHOOK_HINT, "1")
        return [WEBHOOK_HINT]
    return []


WEBHOOK_HINT = (
    "Slack: webhook only, so status updates are posted but deadline reminders are not scheduled; "
    "set SLACK_BOT_TOKEN and BREACH_SLACK_CHANNEL for reminders."
)


