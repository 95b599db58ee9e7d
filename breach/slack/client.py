"""The Slack adapter: the only module that imports slack_sdk.

A thin sender posts, updates, schedules and deletes the messages breach.slack.messages
built, and looks earlier ones up (idempotency). slack_sdk is imported inside functions so
that commands which never talk to Slack start fast. Tokens come only from the environment
(breach.slack.config) and never appear in a return value, a repr or an error message.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from breach.errors import BreachError, InputError
from breach.slack.config import SlackConfig
from breach.slack.messages import scrub, scrub_all

if TYPE_CHECKING:
    from slack_sdk import WebClient

#: Slack message metadata event type that carries our idempotency key.
EVENT_TYPE = "breach_message"
TIMEOUT_SECONDS = 10
#: Bounds for paging through channel history, replies and scheduled messages.
PAGE_LIMIT = 200
MAX_PAGES = 10

OPS = ("post", "update", "schedule", "delete_scheduled", "webhook")


class SlackUnavailable(BreachError):  # name fixed by the outbox contract, hence no "Error"
    """Slack cannot take the message now: down, token rejected, rate limited, channel
    unusable. The caller keeps the message queued and retries later."""

    def __init__(self, message: str, *, error: str, retry_after: int | None = None):
        self.error = error
        #: Seconds Slack asked breach to wait (a rate limit beyond BREACH_SLACK_MAX_WAIT), if it said.
        self.retry_after = retry_after
        super().__init__(message)


class SlackSetupError(SlackUnavailable):
    """The settings are wrong (token rejected, channel unknown or not resolvable): the
    messages stay queued, and nothing goes out until a responder makes the fix named."""


class SlackRejectedError(BreachError):
    """Slack refused this particular message (bad blocks, too long, time in the past,
    message gone). Retrying the same message will not help."""

    def __init__(self, message: str, *, error: str):
        self.error = error
        super().__init__(message)


# --- sending --------------------------------------------------------------------


#: Web API methods that create a message: sending one twice makes two. slack_sdk never retries
#: them after a connection error (Slack may have taken the call before the socket closed); the
#: outbox looks the message up by its key instead (breach.slack.flush).
NON_IDEMPOTENT = ("chat.postMessage", "chat.scheduleMessage")

#: The pause before a rate-limited call is repeated; tests replace it (no test waits on the wall clock).
sleep = time.sleep


def retry_handlers(config: SlackConfig, *, connection_retries: bool = True) -> list:
    """slack_sdk retry handlers: connection errors once (idempotent calls only), rate limits
    twice, each waiting Slack's Retry-After only while the total stays within config.max_wait."""
    from slack_sdk.http_retry.builtin_handlers import (
        ConnectionErrorRetryHandler,
        RateLimitErrorRetryHandler,
    )
    from slack_sdk.http_retry.builtin_interval_calculators import (
        FixedValueRetryIntervalCalculator,
    )

    class IdempotentConnectionRetry(ConnectionErrorRetryHandler):
        def _can_retry(self, *, state: Any, request: Any, response: Any = None, error: Any = None) -> bool:
            path = urlsplit(str(getattr(request, "url", ""))).path
            if path.rstrip("/").endswith(NON_IDEMPOTENT):
                return False
            return super()._can_retry(state=state, request=request, response=response, error=error)

    class CappedRateLimitRetry(RateLimitErrorRetryHandler):
        """Honours Retry-After up to the cap; beyond it the call fails (the message waits in the outbox)."""

        def _can_retry(self, *, state: Any, request: Any, response: Any = None, error: Any = None) -> bool:
            if response is None or response.status_code != 429:
                return False
            return _waited(state) + retry_after(response.headers) <= config.max_wait

        def prepare_for_next_attempt(self, *, state: Any, request: Any, response: Any = None,
                                     error: Any = None) -> None:
            if response is None:
                raise error  # type: ignore[misc]
            seconds = retry_after(response.headers)
            state.custom_values = {**(state.custom_values or {}), "waited": _waited(state) + seconds}
            state.next_attempt_requested = True
            sleep(seconds)
            state.increment_current_attempt()

    handlers: list = [CappedRateLimitRetry(max_retry_count=2)]
    if connection_retries:
        handlers.insert(0, IdempotentConnectionRetry(
            max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0.5)))
    return handlers


def _waited(state: Any) -> float:
    return float((state.custom_values or {}).get("waited") or 0)


def retry_after(headers: Mapping[str, Any] | None) -> int:
    """Slack's Retry-After in seconds (1 when absent or unreadable, as slack_sdk assumes)."""
    for name, value in (headers or {}).items():
        if str(name).lower() == "retry-after":
            text = str(value[0] if isinstance(value, list | tuple) and value else value).strip()
            return max(0, int(text)) if text.isdigit() else 1
    return 1


def build_client(config: SlackConfig) -> WebClient:
    """A WebClient that retries idempotent calls once on a connection error, and rate limits
    twice within BREACH_SLACK_MAX_WAIT."""
    from slack_sdk import WebClient

    if not config.token:
        raise InputError("Slack bot calls need SLACK_BOT_TOKEN and BREACH_SLACK_CHANNEL")
    return WebClient(
        token=config.token,
        base_url=config.api_url,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=retry_handlers(config),
    )


# Slack error codes that mean "not now" or "fix the setup", rather than "bad message".
DOWN_ERRORS = {"fatal_error", "internal_error", "service_unavailable", "request_timeout", "ratelimited"}
AUTH_ERRORS = {
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "no_permission",
    "missing_scope",
    "not_allowed_token_type",
    "team_access_not_granted",
    "ekm_access_denied",
    "org_login_required",
    "invalid_token",
    "no_service",
    "action_prohibited",
}
CHANNEL_ERRORS = {"channel_not_found", "not_in_channel", "is_archived", "channel_is_archived"}
GONE_ERRORS = {"message_not_found", "invalid_scheduled_message_id"}


#: A Slack error code; anything else (an HTML page, a sentence) did not come from Slack.
_ERROR_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: HTTP statuses Slack itself uses for a refusal: 200 + ok:false (Web API), 400/404/410 (webhooks).
_REFUSAL_STATUSES = frozenset({200, 400, 404, 410})


def _classify(error: str, status: int, headers: Mapping[str, Any] | None = None) -> BreachError:
    """Turn an answer into an actionable error, without echoing request data.

    Only a Slack error code, with a status Slack uses for refusals, is a definite refusal
    of this one message. Anything else (a proxy's HTML 403, a 5xx, a body that is not
    JSON) says nothing about the message: it stays queued and is retried.
    """
    if status == 429 or error == "ratelimited":
        wait = retry_after(headers)
        return SlackUnavailable(f"Slack is rate limiting breach (Retry-After {wait} s); the message stays queued",
                                error="ratelimited", retry_after=wait)
    if error in AUTH_ERRORS:
        return SlackSetupError(
            f"Slack rejected the credentials ({error}): check SLACK_BOT_TOKEN or "
            "BREACH_SLACK_WEBHOOK_URL and the app's scopes",
            error=error,
        )
    if error in CHANNEL_ERRORS:
        return SlackSetupError(
            f"Slack cannot use the channel ({error}): check BREACH_SLACK_CHANNEL and invite the app",
            error=error,
        )
    code = error if _ERROR_CODE.match(error or "") else ""
    if status >= 500 or code in DOWN_ERRORS:
        return SlackUnavailable(
            f"Slack is unavailable (HTTP {status}{', ' + code if code else ''}); the message stays queued",
            error=code or f"http_{status}",
        )
    if not code or status not in _REFUSAL_STATUSES:
        # A proxy, a captive portal or a load balancer answered, not Slack.
        what = f"error {code}" if code else "not a Slack answer"
        return SlackUnavailable(
            f"Slack could not be reached properly (HTTP {status}, {what}: a proxy or firewall in the way?); "
            "the message stays queued and is retried",
            error=f"http_{status}",
        )
    return SlackRejectedError(f"Slack refused the message ({code})", error=code)


_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _metadata(key: str | None, witness: Mapping[str, Any] | None = None, store: str | None = None) -> dict:
    """The idempotency key with the sending store's identity (two data folders sharing a channel
    never match each other's messages), and the chain head a status message witnesses (ids and hashes only)."""
    payload: dict[str, Any] = {"key": key}
    if store:
        payload["store"] = str(store)
    if witness:
        payload["witness"] = {"incident": str(witness["incident"]), "seq": int(witness["seq"]),
                              "head": str(witness["head"])}
    return {"event_type": EVENT_TYPE, "event_payload": payload}


def _prepared(message: Mapping[str, Any]) -> tuple[str | None, list | None]:
    text = message.get("text")
    blocks = message.get("blocks")
    return (
        scrub(text) if text is not None else None,
        scrub_all(blocks) if blocks is not None else None,
    )


def send(client: WebClient | None, config: SlackConfig, message: Mapping[str, Any]) -> dict:
    """Carry out one outbox message; return {"ts", "channel", "scheduled_message_id"}.

    message["op"] is "post", "update", "schedule", "delete_scheduled" or "webhook". Posts
    and scheduled messages carry the idempotency `key` as Slack metadata (see
    `find_posted`). Raises SlackUnavailable when Slack cannot take it now (queue and
    retry), SlackRejectedError when this message will never go through as it is.
    """
    op = message.get("op")
    if op not in OPS:
        raise InputError(f"unknown Slack operation {op!r} (one of {', '.join(OPS)})")
    key = message.get("key")
    if op in {"post", "schedule", "webhook"} and not key:
        raise InputError(f"a Slack {op} needs an idempotency key")
    text, blocks = _prepared(message)
    if op in {"post", "update", "schedule", "webhook"} and not text:
        raise InputError(f"a Slack {op} needs a fallback text")

    use_webhook = op == "webhook" or (
        op == "post" and not config.has_bot and config.webhook_url and not message.get("thread_ts")
    )
    if use_webhook:
        return _send_webhook(config, text=text, blocks=blocks, key=key, witness=message.get("witness"),
                             store=message.get("store"))

    if client is None:
        if not config.has_bot:
            raise InputError(f"a Slack {op} needs SLACK_BOT_TOKEN and BREACH_SLACK_CHANNEL")
        client = build_client(config)
    result: dict = {"ts": None, "channel": None, "scheduled_message_id": None}
    with _translated(gone_ok=op == "delete_scheduled"):
        # What a post and a scheduled post share: channel, content, thread, idempotency key.
        new_message: dict[str, Any] = {
            "channel": message.get("channel") or config.channel, "text": text, "blocks": blocks,
            "thread_ts": message.get("thread_ts"),
            "metadata": _metadata(key, message.get("witness"), message.get("store")),
            "unfurl_links": False, "unfurl_media": False,
        }
        if op == "post":
            resp = client.chat_postMessage(**new_message)
            result.update(ts=resp.get("ts"), channel=resp.get("channel"))
        elif op == "update":
            if not message.get("ts"):
                raise InputError("a Slack update needs the ts of the message")
            # No metadata here: the original post keeps its key, so find_posted still finds it.
            resp = client.chat_update(
                channel=message.get("channel") or channel_id(client, config),
                ts=message["ts"],
                text=text,
                blocks=blocks,
            )
            result.update(ts=resp.get("ts"), channel=resp.get("channel"))
        elif op == "schedule":
            post_at = message.get("post_at")
            if not isinstance(post_at, int):
                raise InputError("a scheduled Slack message needs post_at as epoch seconds")
            resp = client.chat_scheduleMessage(post_at=post_at, **new_message)
            result.update(channel=resp.get("channel"), scheduled_message_id=resp.get("scheduled_message_id"))
        elif op == "delete_scheduled":
            scheduled_id = message.get("scheduled_message_id")
            if not scheduled_id:
                raise InputError("deleting a scheduled Slack message needs its id")
            channel = message.get("channel") or channel_id(client, config)
            # Set first: an "already gone" answer is suppressed below and still means done.
            result.update(channel=channel, scheduled_message_id=scheduled_id)
            client.chat_deleteScheduledMessage(channel=channel, scheduled_message_id=scheduled_id)
    return result


class _translated:
    """Context manager: slack_sdk and network errors -> SlackUnavailable / SlackRejectedError.

    With gone_ok, "message not found" answers count as done (deletes are idempotent).
    Errors are re-raised `from None` so the request (with its Authorization header) is
    not chained into tracebacks.
    """

    def __init__(self, *, gone_ok: bool = False):
        self.gone_ok = gone_ok

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None:
            return False
        from http.client import HTTPException

        from slack_sdk.errors import SlackApiError, SlackClientError

        if isinstance(exc, SlackApiError):
            response = exc.response
            data = response.data if isinstance(response.data, dict) else {}
            error = str(data.get("error") or "")
            if self.gone_ok and error in GONE_ERRORS:
                return True
            raise _classify(error, int(response.status_code or 0), response.headers) from None
        if isinstance(exc, OSError | HTTPException | SlackClientError):
            raise SlackUnavailable(
                f"cannot reach Slack ({type(exc).__name__}); the message stays queued",
                error="connection",
            ) from None
        return False


def _send_webhook(config: SlackConfig, *, text: str | None, blocks: list | None, key: str | None,
                  witness: Mapping[str, Any] | None = None, store: str | None = None) -> dict:
    from slack_sdk.webhook import WebhookClient

    if not config.webhook_url:
        raise InputError("a Slack webhook post needs BREACH_SLACK_WEBHOOK_URL")
    # A webhook post cannot be looked up: never repeated after a connection error.
    hook = WebhookClient(url=config.webhook_url, timeout=TIMEOUT_SECONDS,
                         retry_handlers=retry_handlers(config, connection_retries=False))
    with _translated():
        resp = hook.send(
            text=text,
            blocks=blocks,
            metadata=_metadata(key, witness, store),
            unfurl_links=False,
            unfurl_media=False,
        )
    if resp.status_code != 200:
        # Webhooks answer plain-text error codes ("invalid_token", "no_service", ...).
        body = resp.body.strip() if isinstance(resp.body, str) else ""
        error = body if re.fullmatch(r"[a-z_]{1,64}", body) else ""
        raise _classify(error, resp.status_code, resp.headers)
    return {"ts": None, "channel": None, "scheduled_message_id": None}


# --- idempotency look-ups ---------------------------------------------------------

_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{8,}$")


def channel_id(client: WebClient | None, config: SlackConfig) -> str:
    """The channel's ID (history, updates and deletes need an ID, not '#name').

    BREACH_SLACK_CHANNEL is used as is when it is already an ID; a name is looked up
    with conversations.list (needs the channels:read / groups:read scopes).
    """
    if not config.channel:
        raise InputError("BREACH_SLACK_CHANNEL is not set")
    if _CHANNEL_ID.match(config.channel):
        return config.channel
    name = config.channel.lstrip("#")
    client = client or build_client(config)
    cursor = None
    with _translated():
        for _ in range(MAX_PAGES):
            resp = client.conversations_list(
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=PAGE_LIMIT,
                cursor=cursor,
            )
            for channel in resp.get("channels") or []:
                if channel.get("name") == name:
                    return channel["id"]
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    raise SlackSetupError(
        f"no Slack channel named #{name} visible to the app: set BREACH_SLACK_CHANNEL to the "
        "channel ID or invite the app",
        error="channel_not_found",
    )


def find_posted(
    client: WebClient | None,
    config: SlackConfig,
    key: str,
    thread_ts: str | None = None,
    *,
    channel: str | None = None,
    max_pages: int = MAX_PAGES,
    store: str | None = None,
) -> str | None:
    """The ts of an earlier post carrying idempotency `key` (from `store`, when given), or None.

    Looks through recent channel history (or the replies of `thread_ts`), a bounded
    number of pages, so a sender that crashed between send and mark can check first.
    With `store`, a post that carries another store's identity is another data folder's
    message and never counts; one without any (posted before messages carried it) counts
    only when no post of this store has the key.
    """
    client = client or build_client(config)
    channel = channel or channel_id(client, config)
    cursor = None
    legacy: str | None = None
    with _translated():
        for _ in range(max_pages):
            if thread_ts:
                resp = client.conversations_replies(
                    channel=channel,
                    ts=thread_ts,
                    include_all_metadata=True,
                    limit=PAGE_LIMIT,
                    cursor=cursor,
                )
            else:
                resp = client.conversations_history(
                    channel=channel, include_all_metadata=True, limit=PAGE_LIMIT, cursor=cursor
                )
            for msg in resp.get("messages") or []:
                meta = msg.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") != EVENT_TYPE or payload.get("key") != key:
                    continue
                if store is None or payload.get("store") == store:
                    return msg.get("ts")
                if "store" not in payload:
                    legacy = legacy or msg.get("ts")
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    return legacy


def find_scheduled(
    client: WebClient | None,
    config: SlackConfig,
    *,
    post_at: int,
    text: str,
    channel: str | None = None,
) -> str | None:
    """The id of a pending scheduled message with this post time and text, or None.

    chat.scheduledMessages.list does not return metadata, so a scheduled reminder is
    recognized by (channel, post_at, text) before it is scheduled again.
    """
    client = client or build_client(config)
    channel = channel or channel_id(client, config)
    wanted = scrub(text)
    cursor = None
    with _translated():
        for _ in range(MAX_PAGES):
            resp = client.chat_scheduledMessages_list(channel=channel, limit=PAGE_LIMIT, cursor=cursor)
            for item in resp.get("scheduled_messages") or []:
                if int(item.get("post_at") or 0) == int(post_at) and item.get("text") == wanted:
                    return item.get("id")
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    return None


def thread_witnesses(client: WebClient | None, config: SlackConfig, *, channel: str, thread_ts: str) -> list[dict]:
    """The chain heads breach posted in an incident's thread: [{"incident", "seq", "head", "ts"}]."""
    client = client or build_client(config)
    found: list[dict] = []
    cursor = None
    with _translated():
        for _ in range(MAX_PAGES):
            resp = client.conversations_replies(channel=channel, ts=thread_ts, include_all_metadata=True,
                                                limit=PAGE_LIMIT, cursor=cursor)
            for msg in resp.get("messages") or []:
                meta = msg.get("metadata") or {}
                witness = (meta.get("event_payload") or {}).get("witness") if meta.get("event_type") == EVENT_TYPE \
                    else None
                if isinstance(witness, dict) and _HEX64.match(str(witness.get("head"))) and \
                        isinstance(witness.get("seq"), int):
                    found.append({"incident": str(witness.get("incident")), "seq": witness["seq"],
                                  "head": witness["head"], "ts": msg.get("ts")})
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    return found


# --- interactivity: Socket Mode (breach slack listen) --------------------------------------


def socket_client(app_token: str, config: SlackConfig, on_request: Any, *, ping_interval: float = 2.0) -> Any:
    """slack_sdk's built-in Socket Mode client (no extra dependency), reconnecting on its own.

    Every envelope is acknowledged first, then handed to `on_request(type, payload, envelope_id)`
    on one of the client's worker threads: Slack gets its ack well within its 3 seconds whatever
    the work costs. The app token (xapp-...) only opens connections; it is never stored or logged.
    """
    from slack_sdk import WebClient
    from slack_sdk.socket_mode.builtin import SocketModeClient
    from slack_sdk.socket_mode.response import SocketModeResponse

    client = SocketModeClient(app_token=app_token, web_client=WebClient(base_url=config.api_url,
                                                                        timeout=TIMEOUT_SECONDS),
                              auto_reconnect_enabled=True, ping_interval=ping_interval)

    def listener(socket: Any, request: Any) -> None:
        socket.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        on_request(request.type, request.payload or {}, request.envelope_id)

    client.socket_mode_request_listeners.append(listener)
    return client


def respond(response_url: str, text: str, *, blocks: list | None = None) -> None:
    """An ephemeral answer through the payload's response_url (slash commands, buttons)."""
    from slack_sdk.webhook import WebhookClient

    with _translated():
        WebhookClient(url=response_url, timeout=TIMEOUT_SECONDS).send(
            text=scrub(text), blocks=scrub_all(blocks) if blocks else None, response_type="ephemeral",
            replace_original=False)


def post_ephemeral(config: SlackConfig, *, channel: str, user: str, text: str) -> None:
    """An answer only `user` sees in `channel` (after a modal: it has no response_url)."""
    with _translated():
        build_client(config).chat_postEphemeral(channel=channel, user=user, text=scrub(text))


def open_view(config: SlackConfig, *, trigger_id: str, view: dict) -> None:
    with _translated():
        build_client(config).views_open(trigger_id=trigger_id, view=view)


def post_reply(config: SlackConfig, *, channel: str, thread_ts: str | None, text: str) -> None:
    """Say in the thread what was done from Slack (who, what; no personal data)."""
    with _translated():
        build_client(config).chat_postMessage(channel=channel, thread_ts=thread_ts, text=scrub(text),
                                              unfurl_links=False, unfurl_media=False)
