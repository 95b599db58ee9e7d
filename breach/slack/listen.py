"""`breach slack listen`: the Socket Mode loop that carries out what breach.slack.actions decides.

No public endpoint: slack_sdk's socket-mode client opens an outbound websocket with the app-level
token (breach.slack.client.socket_client), acknowledges every envelope before any work, and
reconnects when the connection drops or Slack asks it to. Envelopes Slack delivers twice (it
retries when an ack comes late or a connection drops) are handled once: by envelope id here, and
by each action's key in the timeline (breach.slack.actions).
"""

from __future__ import annotations

import sys
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from breach.errors import BreachError
from breach.slack import client as slack
from breach.slack.actions import Actions, Outcome, StatusText
from breach.slack.config import SlackConfig

#: How many envelope ids are remembered to drop a redelivery.
SEEN = 10_000


class Listener:
    """Dispatches envelopes to the actions and answers in Slack; one piece of work at a time."""

    def __init__(self, home: Path | None, *, config: SlackConfig, status_text: StatusText,
                 review_url: str | None = None, log: Callable[[str], None] | None = None):
        self.config = config
        self.actions = Actions(home, status_text=status_text, review_url=review_url)
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self._seen: deque[str] = deque(maxlen=SEEN)
        self._seen_lock = threading.Lock()
        self._work = threading.Lock()

    def first_time(self, envelope_id: str | None) -> bool:
        with self._seen_lock:
            if envelope_id and envelope_id in self._seen:
                return False
            if envelope_id:
                self._seen.append(envelope_id)
            return True

    def handle(self, kind: str, payload: dict[str, Any], envelope_id: str | None = None) -> Outcome | None:
        """One envelope (already acknowledged): do the work, then answer."""
        if not self.first_time(envelope_id):
            return None
        with self._work:
            outcome = self._dispatch(kind, payload)
            if outcome is not None:
                try:
                    self._answer(outcome, payload)
                except BreachError as exc:
                    self.log(f"Slack: could not answer ({exc})")
        return outcome

    def _dispatch(self, kind: str, payload: dict[str, Any]) -> Outcome | None:
        if kind == "slash_commands":
            return self.actions.slash(payload)
        if kind == "interactive" and payload.get("type") == "block_actions":
            return self.actions.button(payload)
        if kind == "interactive" and payload.get("type") == "view_submission":
            return self.actions.submission(payload)
        return None

    def _answer(self, outcome: Outcome, payload: dict[str, Any]) -> None:
        import json

        meta = json.loads((payload.get("view") or {}).get("private_metadata") or "{}")
        message = payload.get("message") or {}
        channel = (payload.get("channel") or {}).get("id") or payload.get("channel_id") or meta.get("channel")
        thread_ts = message.get("thread_ts") or message.get("ts") or meta.get("thread_ts")
        user = (payload.get("user") or {}).get("id") or payload.get("user_id")
        if outcome.modal is not None:
            slack.open_view(self.config, trigger_id=str(payload.get("trigger_id")), view=outcome.modal)
        if outcome.ephemeral:
            if payload.get("response_url"):
                slack.respond(payload["response_url"], outcome.ephemeral, blocks=outcome.blocks)
            elif channel and user:
                slack.post_ephemeral(self.config, channel=channel, user=user, text=outcome.ephemeral)
        if outcome.thread and channel:
            slack.post_reply(self.config, channel=channel, thread_ts=thread_ts, text=outcome.thread)


def run(listener: Listener, app_token: str, *, stop: threading.Event, retry_seconds: float = 5.0) -> None:
    """Keep a Socket Mode connection until `stop` is set; reconnect after a drop or a failed open."""

    def on_request(kind: str, payload: dict[str, Any], envelope_id: str) -> None:
        try:
            listener.handle(kind, payload, envelope_id)
        except Exception as exc:  # noqa: BLE001 - one bad envelope must not stop the listener
            listener.log(f"Slack: envelope {envelope_id} failed: {type(exc).__name__}: {exc}")

    client = slack.socket_client(app_token, listener.config, on_request)
    try:
        while not stop.is_set():
            try:
                client.connect()
                listener.log("Slack: connected (Socket Mode); listening")
                break
            except Exception as exc:  # noqa: BLE001 - Slack down, a proxy, a refused token: retry
                listener.log(f"Slack: cannot connect ({type(exc).__name__}); retrying in {retry_seconds:g} s")
                client.wss_uri = None
                stop.wait(retry_seconds)
        stop.wait()
    finally:
        client.close()
