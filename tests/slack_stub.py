"""A small stand-in for the Slack Web API and an incoming webhook, over real HTTP.

Start it with `start_stub()` (or the `slack_stub` pytest fixture) and point the real
slack_sdk WebClient at `stub.url`. It binds 127.0.0.1 only, on a free port, records
every request in order, and stops itself after `max_lifetime` seconds even when a test
forgets to.

Like Slack, it wants a channel ID (not '#name') for history, replies, updates and
deletes, answers `ok: false` with an error code for API errors, and checks the bearer
token. Failure modes: `fail_all_with(500)`, `rate_limit(times=2, retry_after=1)`,
`invalid_auth()`, `proxy_refuses(403)` (a proxy's HTML page instead of Slack),
`refuse_next("msg_too_long")` (Slack refuses the next post), `drop_after_accept("chat.postMessage")`
(Slack takes the call, then the connection closes before the answer), `recover()`.

Its clock is frozen: `post_at` is checked against `stub.now` (epoch seconds), which the
fixture sets from `BREACH_NOW`, never against the wall clock, so that the tests pass on
any calendar day. A test that moves breach's clock moves `stub.now` with it.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

TOKEN = "xoxb-test-0000"
APP_TOKEN = "xapp-test-0000"
CHANNEL_NAME = "breach-test"
CHANNEL_ID = "C0BREACHTST"
MAX_BODY = 1_000_000
MAX_RECORDED = 10_000
MAX_PAGE = 1000
#: What a corporate proxy answers instead of Slack (slack_sdk: "Received a response in a non-JSON format").
PROXY_PAGE = ("<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head>\n<body><h1>Access denied</h1>"
              "<p>The request was blocked by the proxy policy.</p></body></html>")
TS_BASE = 1_700_000_000_000_100  # microseconds: the first ts is "1700000000.000100"


@dataclass(frozen=True)
class Request:
    """One recorded HTTP request."""

    method: str  # Slack API method ("chat.postMessage"), or "webhook"
    params: dict  # query + form or JSON body, with JSON-looking form values decoded
    headers: dict
    path: str


@dataclass
class SlackStub:
    token: str = field(default=TOKEN, repr=False)
    max_lifetime: float = 120.0
    requests: list[Request] = field(default_factory=list, repr=False)
    messages: list[dict] = field(default_factory=list)
    scheduled: list[dict] = field(default_factory=list)
    channels: dict[str, str] = field(default_factory=lambda: {CHANNEL_ID: CHANNEL_NAME})
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _server: ThreadingHTTPServer | None = field(default=None, repr=False)
    _timer: threading.Timer | None = field(default=None, repr=False)
    _port: int = 0
    _ts_counter: int = 0
    _sched_counter: int = 0
    _fail_status: int | None = None
    _rate_limit_left: int = 0
    _retry_after: int = 1
    _invalid_auth: bool = False
    _proxy_status: int | None = None
    _refuse_next: list[str] = field(default_factory=list)
    _drop_after_accept: dict[str, int] = field(default_factory=dict)
    #: The stand-in's frozen "now" (epoch seconds), as Slack's servers would see it.
    now: float = 0.0
    #: Socket Mode (tests/slack_socket_stub.py): the app-level token and the ws:// URL
    #: apps.connections.open hands out; what views.open, chat.postEphemeral and response_url got.
    app_token: str = field(default=APP_TOKEN, repr=False)
    socket_url: str | None = None
    views: list[dict] = field(default_factory=list)
    ephemeral: list[dict] = field(default_factory=list)

    # --- lifecycle ---------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    def stop(self) -> None:
        server, self._server = self._server, None
        if self._timer is not None:
            self._timer.cancel()
        if server is not None:
            server.shutdown()
            server.server_close()

    # --- failure modes -------------------------------------------------------------

    def fail_all_with(self, status: int = 500) -> None:
        with self._lock:
            self._fail_status = status

    def rate_limit(self, times: int = 2, retry_after: int = 1) -> None:
        with self._lock:
            self._rate_limit_left = times
            self._retry_after = retry_after

    def invalid_auth(self) -> None:
        with self._lock:
            self._invalid_auth = True

    def proxy_refuses(self, status: int = 403) -> None:
        """A corporate proxy in the way: every request gets its HTML error page."""
        with self._lock:
            self._proxy_status = status

    def refuse_next(self, error: str = "msg_too_long", times: int = 1) -> None:
        """Slack refuses the next post(s) for good, with this error code."""
        with self._lock:
            self._refuse_next.extend([error] * times)

    def drop_after_accept(self, method: str = "chat.postMessage", times: int = 1) -> None:
        """The next `times` calls of `method` are carried out and recorded, then the socket is
        closed without an answer: the caller cannot tell whether Slack took the call."""
        with self._lock:
            self._drop_after_accept[method] = self._drop_after_accept.get(method, 0) + times

    def _drops(self, method: str) -> bool:
        """Whether this call's answer is lost (the lock is held)."""
        left = self._drop_after_accept.get(method, 0)
        if left <= 0:
            return False
        self._drop_after_accept[method] = left - 1
        return True

    def recover(self) -> None:
        with self._lock:
            self._proxy_status = None
            self._fail_status = None
            self._rate_limit_left = 0
            self._invalid_auth = False

    # --- helpers for tests ---------------------------------------------------------

    def add_channel(self, name: str) -> str:
        with self._lock:
            cid = f"C0STUB{len(self.channels):05d}"
            self.channels[cid] = name
            return cid

    def calls(self, method: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.method == method]

    def deliver_due(self, now: float | None = None) -> list[dict]:
        """Post the scheduled messages whose time has come, as Slack would."""
        now = self.now if now is None else now
        with self._lock:
            due = [s for s in self.scheduled if s["post_at"] <= now]
            self.scheduled = [s for s in self.scheduled if s["post_at"] > now]
            return [
                self._store_message(
                    channel=s["channel"],
                    text=s["text"],
                    blocks=s["blocks"],
                    thread_ts=s["thread_ts"],
                    metadata=s["metadata"],
                )
                for s in due
            ]

    # --- behaviour (called by the handler, under the lock) ----------------------------

    def _next_ts(self) -> str:
        self._ts_counter += 1
        value = TS_BASE + (self._ts_counter - 1) * 100
        return f"{value // 1_000_000}.{value % 1_000_000:06d}"

    def _store_message(self, *, channel, text, blocks, thread_ts, metadata) -> dict:
        msg = {
            "type": "message",
            "channel": channel,
            "ts": self._next_ts(),
            "text": text or "",
            "blocks": blocks,
            "thread_ts": thread_ts,
            "metadata": metadata,
        }
        self.messages.append(msg)
        return msg

    def _channel(self, value: Any, *, allow_name: bool) -> str | None:
        if not isinstance(value, str) or not value:
            return None
        if value in self.channels:
            return value
        if allow_name:
            name = value.lstrip("#")
            for cid, cname in self.channels.items():
                if cname == name:
                    return cid
        return None

    def _answer(self, method: str, params: dict, headers: dict) -> tuple[int, dict, Any]:
        """Return (status, extra headers, body) for one request; the lock is held."""
        if self._proxy_status is not None:
            return self._proxy_status, {}, PROXY_PAGE
        if self._fail_status is not None:
            return self._fail_status, {}, "<html>stub failure</html>"
        if self._rate_limit_left > 0:
            self._rate_limit_left -= 1
            body = "rate_limited" if method == "webhook" else {"ok": False, "error": "ratelimited"}
            return 429, {"Retry-After": str(self._retry_after)}, body
        if method == "response":  # a response_url: ephemeral answers to one person
            self.ephemeral.append({"via": "response_url", **params})
            return 200, {}, "ok"
        if method == "webhook":
            if self._invalid_auth:
                return 403, {}, "invalid_token"
            if not params.get("text") and not params.get("blocks"):
                return 400, {}, "no_text"
            self._store_message(
                channel=next(iter(self.channels)),
                text=params.get("text"),
                blocks=params.get("blocks"),
                thread_ts=None,
                metadata=params.get("metadata"),
            )
            return 200, {}, "ok"
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return 200, {}, {"ok": False, "error": "not_authed"}
        wanted = self.app_token if method == "apps.connections.open" else self.token
        if self._invalid_auth or auth.removeprefix("Bearer ") != wanted:
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        if method in {"chat.postMessage", "chat.scheduleMessage"} and self._refuse_next:
            return 200, {}, {"ok": False, "error": self._refuse_next.pop(0)}
        handler = _METHODS.get(method)
        if handler is None:
            return 200, {}, {"ok": False, "error": "unknown_method"}
        return 200, {}, handler(self, params)

    # --- Slack methods -----------------------------------------------------------

    def _auth_test(self, params: dict) -> dict:
        return {"ok": True, "url": "https://stub.slack.test/", "team": "Stub", "user_id": "UBOT"}

    def _post_message(self, params: dict) -> dict:
        channel = self._channel(params.get("channel"), allow_name=True)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("text") and not params.get("blocks"):
            return {"ok": False, "error": "no_text"}
        thread_ts = params.get("thread_ts")
        if thread_ts and not any(m["ts"] == thread_ts for m in self.messages):
            return {"ok": False, "error": "thread_not_found"}
        msg = self._store_message(
            channel=channel,
            text=params.get("text"),
            blocks=params.get("blocks"),
            thread_ts=thread_ts,
            metadata=params.get("metadata"),
        )
        return {"ok": True, "channel": channel, "ts": msg["ts"], "message": _public(msg, True)}

    def _update(self, params: dict) -> dict:
        channel = self._channel(params.get("channel"), allow_name=False)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        for msg in self.messages:
            if msg["channel"] == channel and msg["ts"] == params.get("ts"):
                if "text" in params:
                    msg["text"] = params["text"]
                if "blocks" in params:
                    msg["blocks"] = params["blocks"]
                if params.get("metadata"):
                    msg["metadata"] = params["metadata"]
                msg["edited"] = True
                return {"ok": True, "channel": channel, "ts": msg["ts"], "text": msg["text"]}
        return {"ok": False, "error": "message_not_found"}

    def _schedule(self, params: dict) -> dict:
        channel = self._channel(params.get("channel"), allow_name=True)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        try:
            post_at = int(params.get("post_at"))
        except (TypeError, ValueError):
            return {"ok": False, "error": "invalid_time"}
        if post_at <= self.now:
            return {"ok": False, "error": "time_in_past"}
        if post_at > self.now + 120 * 86400:
            return {"ok": False, "error": "time_too_far"}
        self._sched_counter += 1
        item = {
            "id": f"Q{self._sched_counter:08d}",
            "channel": channel,
            "post_at": post_at,
            "date_created": int(self.now),
            "text": params.get("text") or "",
            "blocks": params.get("blocks"),
            "thread_ts": params.get("thread_ts"),
            "metadata": params.get("metadata"),
        }
        self.scheduled.append(item)
        return {
            "ok": True,
            "channel": channel,
            "scheduled_message_id": item["id"],
            "post_at": post_at,
            "message": {"type": "message", "text": item["text"], "bot_id": "BSTUB"},
        }

    def _delete_scheduled(self, params: dict) -> dict:
        channel = self._channel(params.get("channel"), allow_name=False)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        wanted = params.get("scheduled_message_id")
        for item in self.scheduled:
            if item["id"] == wanted and item["channel"] == channel:
                self.scheduled.remove(item)
                return {"ok": True}
        return {"ok": False, "error": "invalid_scheduled_message_id"}

    def _scheduled_list(self, params: dict) -> dict:
        channel = params.get("channel")
        items = [
            {
                "id": s["id"],
                "channel_id": s["channel"],
                "post_at": s["post_at"],
                "date_created": s["date_created"],
                "text": s["text"],
            }
            for s in self.scheduled
            if not channel or s["channel"] == channel
        ]
        page, cursor = _page(items, params)
        return {
            "ok": True,
            "scheduled_messages": page,
            "response_metadata": {"next_cursor": cursor},
        }

    def _history(self, params: dict) -> dict:
        channel = self._channel(params.get("channel"), allow_name=False)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        meta = _truthy(params.get("include_all_metadata"))
        top = [
            m
            for m in reversed(self.messages)  # newest first, as Slack does
            if m["channel"] == channel and (not m["thread_ts"] or m["thread_ts"] == m["ts"])
        ]
        page, cursor = _page([_public(m, meta) for m in top], params)
        return {
            "ok": True,
            "messages": page,
            "has_more": bool(cursor),
            "response_metadata": {"next_cursor": cursor},
        }

    def _replies(self, params: dict) -> dict:
        channel = self._channel(params.get("channel"), allow_name=False)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        parent_ts = params.get("ts")
        thread = [
            m
            for m in self.messages
            if m["channel"] == channel and (m["ts"] == parent_ts or m["thread_ts"] == parent_ts)
        ]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        meta = _truthy(params.get("include_all_metadata"))
        page, cursor = _page([_public(m, meta) for m in thread], params)
        return {
            "ok": True,
            "messages": page,
            "has_more": bool(cursor),
            "response_metadata": {"next_cursor": cursor},
        }

    def _conversations_list(self, params: dict) -> dict:
        items = [
            {"id": cid, "name": name, "is_channel": True, "is_archived": False} for cid, name in self.channels.items()
        ]
        page, cursor = _page(items, params)
        return {"ok": True, "channels": page, "response_metadata": {"next_cursor": cursor}}


def _connections_open(stub: SlackStub, params: dict) -> dict:
    if not stub.socket_url:
        return {"ok": False, "error": "not_allowed_token_type"}
    return {"ok": True, "url": stub.socket_url}


def _views_open(stub: SlackStub, params: dict) -> dict:
    if not params.get("trigger_id") or not isinstance(params.get("view"), dict):
        return {"ok": False, "error": "invalid_arguments"}
    stub.views.append({"trigger_id": params["trigger_id"], "view": params["view"]})
    return {"ok": True, "view": {"id": f"V{len(stub.views):08d}", **params["view"]}}


def _post_ephemeral(stub: SlackStub, params: dict) -> dict:
    if stub._channel(params.get("channel"), allow_name=True) is None:
        return {"ok": False, "error": "channel_not_found"}
    stub.ephemeral.append({"via": "chat.postEphemeral", **params})
    return {"ok": True, "message_ts": "1700000000.999999"}


_METHODS = {
    "apps.connections.open": _connections_open,
    "views.open": _views_open,
    "chat.postEphemeral": _post_ephemeral,
    "auth.test": SlackStub._auth_test,
    "chat.postMessage": SlackStub._post_message,
    "chat.update": SlackStub._update,
    "chat.scheduleMessage": SlackStub._schedule,
    "chat.deleteScheduledMessage": SlackStub._delete_scheduled,
    "chat.scheduledMessages.list": SlackStub._scheduled_list,
    "conversations.history": SlackStub._history,
    "conversations.replies": SlackStub._replies,
    "conversations.list": SlackStub._conversations_list,
}


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in {"1", "true"}


def _public(msg: dict, with_metadata: bool) -> dict:
    out = {k: v for k, v in msg.items() if k not in {"channel", "metadata"} and v is not None}
    if with_metadata and msg.get("metadata"):
        out["metadata"] = msg["metadata"]
    return out


def _page(items: list, params: dict) -> tuple[list, str]:
    """Cursor pagination: the cursor is an offset; the page size is bounded."""
    try:
        limit = max(1, min(int(params.get("limit") or 100), MAX_PAGE))
        start = max(0, int(params.get("cursor") or 0))
    except ValueError:
        return [], ""
    end = start + limit
    return items[start:end], (str(end) if end < len(items) else "")


def _decode_json_values(params: dict) -> dict:
    """Form posts carry blocks/metadata as JSON strings; decode them like Slack does."""
    out = dict(params)
    for name in ("blocks", "metadata", "attachments", "view"):
        value = out.get(name)
        if isinstance(value, str):
            try:
                out[name] = json.loads(value)
            except ValueError:
                pass
    return out


class _Handler(BaseHTTPRequestHandler):
    server_version = "SlackStub/1"
    stub: SlackStub  # set on the subclass built in start_stub

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        params: dict[str, Any] = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(413, {}, "too large")
            return
        raw = self.rfile.read(length) if length else b""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if raw:
            if ctype == "application/json":
                try:
                    body = json.loads(raw.decode("utf-8"))
                except ValueError:
                    self._send(400, {}, {"ok": False, "error": "invalid_json"})
                    return
                if isinstance(body, dict):
                    params.update(body)
            else:
                params.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        params = _decode_json_values(params)
        if parts.path == "/webhook":
            method = "webhook"
        elif parts.path.startswith("/response/"):
            method = "response"
        elif parts.path.startswith("/api/"):
            method = parts.path.removeprefix("/api/")
        else:
            self._send(404, {}, "not found")
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        stub = self.stub
        with stub._lock:
            if len(stub.requests) < MAX_RECORDED:
                stub.requests.append(Request(method=method, params=params, headers=headers, path=parts.path))
            status, extra, body = stub._answer(method, params, headers)
            dropped = status == 200 and stub._drops(method)
        if dropped:
            # Slack did the work; the answer never arrives (the connection closes first).
            self.close_connection = True
            return
        self._send(status, extra, body)

    def _send(self, status: int, extra: dict, body: Any) -> None:
        if isinstance(body, dict):
            data = json.dumps(body).encode("utf-8")
            ctype = "application/json; charset=utf-8"
        else:
            data = str(body).encode("utf-8")
            ctype = "text/html; charset=utf-8" if str(body).startswith("<") else "text/plain"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def frozen_now() -> float:
    """`BREACH_NOW` as epoch seconds: the one clock the stand-in and breach share in a test."""
    value = os.environ.get("BREACH_NOW")
    if not value:
        raise RuntimeError("the Slack stand-in needs BREACH_NOW: tests never read the wall clock")
    return datetime.fromisoformat(value).timestamp()


def start_stub(*, token: str = TOKEN, max_lifetime: float = 120.0, now: float | None = None) -> SlackStub:
    """Start a stand-in Slack on 127.0.0.1 (free port) in a daemon thread, its clock frozen at
    `now` (default: `BREACH_NOW`)."""
    stub = SlackStub(token=token, max_lifetime=max_lifetime, now=frozen_now() if now is None else now)
    handler = type("StubHandler", (_Handler,), {"stub": stub})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    stub._server = server
    stub._port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    # Stop on its own if a test never calls stop().
    stub._timer = threading.Timer(max_lifetime, stub.stop)
    stub._timer.daemon = True
    stub._timer.start()
    return stub


@pytest.fixture
def slack_stub(monkeypatch: pytest.MonkeyPatch):
    """A running stand-in Slack, with SLACK_BOT_TOKEN, BREACH_SLACK_CHANNEL and
    BREACH_SLACK_API_URL pointing at it."""
    stub = start_stub()
    monkeypatch.setenv("SLACK_BOT_TOKEN", stub.token)
    monkeypatch.setenv("BREACH_SLACK_CHANNEL", f"#{CHANNEL_NAME}")
    monkeypatch.setenv("BREACH_SLACK_API_URL", stub.url)
    monkeypatch.delenv("BREACH_SLACK_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("BREACH_QUIET_HOURS", raising=False)
    try:
        yield stub
    finally:
        stub.stop()
