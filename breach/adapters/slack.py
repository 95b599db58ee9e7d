"""The Slack adapter: the only module that imports slack_sdk.

Pure builders turn sanitized incident data (ids, states, counts, deadlines) into Block
Kit messages; a thin sender posts, updates, schedules and deletes them. Names, e-mail
addresses and free text about data subjects never go to Slack: builders take counts
only, and `scrub` removes any e-mail address from every outgoing string as a last line
of defence.

slack_sdk is imported inside functions so that commands which never talk to Slack
start fast. Tokens come only from the environment and never appear in a return value,
a repr or an error message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from breach.core.time import in_zone
from breach.errors import BreachError, InputError

if TYPE_CHECKING:
    from slack_sdk import WebClient

DEFAULT_API_URL = "https://slack.com/api/"
#: Slack message metadata event type that carries our idempotency key.
EVENT_TYPE = "breach_message"
TIMEOUT_SECONDS = 10
#: Bounds for paging through channel history, replies and scheduled messages.
PAGE_LIMIT = 200
MAX_PAGES = 10

OPS = ("post", "update", "schedule", "delete_scheduled", "webhook")

#: Reminder offsets before a deadline; the deadline itself is "DEADLINE".
REMINDER_OFFSETS = (
    ("T-48 h", timedelta(hours=48)),
    ("T-24 h", timedelta(hours=24)),
    ("T-12 h", timedelta(hours=12)),
    ("T-6 h", timedelta(hours=6)),
    ("T-1 h", timedelta(hours=1)),
    ("DEADLINE", timedelta(0)),
)


class SlackUnavailable(BreachError):  # name fixed by the outbox contract, hence no "Error"
    """Slack cannot take the message now: down, token rejected, rate limited, channel
    unusable. The caller keeps the message queued and retries later."""

    def __init__(self, message: str, *, error: str):
        self.error = error
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


# --- configuration -----------------------------------------------------------------


@dataclass(frozen=True)
class SlackConfig:
    """Where and how to talk to Slack. Secrets are kept out of repr; never serialize this."""

    token: str | None = field(default=None, repr=False)
    channel: str | None = None
    api_url: str = DEFAULT_API_URL
    webhook_url: str | None = field(default=None, repr=False)
    quiet_hours: str | None = None

    @property
    def has_bot(self) -> bool:
        """A bot token and channel: posts, threads, updates and scheduled reminders."""
        return bool(self.token and self.channel)


def config_from_env(environ: Mapping[str, str] = os.environ) -> SlackConfig | None:
    """Read Slack settings from the environment; None when Slack is not configured.

    SLACK_BOT_TOKEN + BREACH_SLACK_CHANNEL enable the bot (BREACH_SLACK_API_URL
    overrides https://slack.com/api/); BREACH_SLACK_WEBHOOK_URL alone enables status
    posts through an incoming webhook; BREACH_QUIET_HOURS ("22:00-07:00") is optional.
    """
    token = (environ.get("SLACK_BOT_TOKEN") or "").strip() or None
    channel = (environ.get("BREACH_SLACK_CHANNEL") or "").strip() or None
    api_url = (environ.get("BREACH_SLACK_API_URL") or "").strip() or DEFAULT_API_URL
    webhook_url = (environ.get("BREACH_SLACK_WEBHOOK_URL") or "").strip() or None
    quiet_hours = (environ.get("BREACH_QUIET_HOURS") or "").strip() or None

    if channel and not token and not webhook_url:
        raise InputError("BREACH_SLACK_CHANNEL is set but SLACK_BOT_TOKEN is not; set both")
    if not channel:
        # A bot token alone may belong to another tool; without a channel we have nowhere to post.
        token = None
    if not token and not webhook_url:
        return None
    if token and not token.startswith("xox"):
        raise InputError("SLACK_BOT_TOKEN does not look like a Slack bot token (xoxb-...)")
    if not re.match(r"^https?://", api_url):
        raise InputError(f"BREACH_SLACK_API_URL must be an http(s) URL: {api_url!r}")
    if not api_url.endswith("/"):
        api_url += "/"
    if webhook_url and not re.match(r"^https?://", webhook_url):
        # The webhook URL is a secret: do not echo it.
        raise InputError("BREACH_SLACK_WEBHOOK_URL must be an http(s) URL")
    if quiet_hours:
        parse_quiet_hours(quiet_hours)
    return SlackConfig(
        token=token,
        channel=channel,
        api_url=api_url,
        webhook_url=webhook_url,
        quiet_hours=quiet_hours,
    )


def describe_setup() -> str:
    """One line on how to turn Slack on."""
    return (
        "Slack is off: set SLACK_BOT_TOKEN and BREACH_SLACK_CHANNEL (a channel ID such as "
        "C0123456789) for status posts and deadline reminders, or BREACH_SLACK_WEBHOOK_URL "
        "for status posts only; BREACH_QUIET_HOURS=22:00-07:00 holds back status chatter at night."
    )


_QUIET = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_quiet_hours(text: str) -> tuple[time, time]:
    """'22:00-07:00' -> (22:00, 07:00); the range may wrap past midnight."""
    m = _QUIET.match(text or "")
    if not m:
        raise InputError(f"quiet hours must look like 22:00-07:00: {text!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise InputError(f"quiet hours must look like 22:00-07:00: {text!r}")
    start, end = time(h1, m1), time(h2, m2)
    if start == end:
        raise InputError(f"quiet hours start and end at the same time: {text!r}")
    return start, end


def is_quiet(now: datetime, quiet_hours: str | None, zone_name: str) -> bool:
    """True when `now` falls in the quiet hours, read on the organization's local clock.

    Quiet hours hold back status chatter only; statutory reminders always go out.
    """
    if not quiet_hours:
        return False
    if now.tzinfo is None:
        raise InputError("refusing a time without a zone")
    start, end = parse_quiet_hours(quiet_hours)
    local = in_zone(now, zone_name).time().replace(tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end


# --- scrubbing and escaping ----------------------------------------------------------

# Deliberately broad: over-matching something that merely looks like an address is fine.
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
EMAIL_PLACEHOLDER = "[e-mail removed]"


def scrub(text: str) -> str:
    """Remove e-mail addresses from a text: the last line of defence before Slack."""
    return _EMAIL.sub(EMAIL_PLACEHOLDER, text)


def _scrub_all(value: Any) -> Any:
    """Scrub every string inside a Block Kit structure."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {k: _scrub_all(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_all(v) for v in value]
    return value


def _esc(text: object) -> str:
    """Escape Slack mrkdwn control characters, so '<!channel>' or a link cannot be injected."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- pure builders ---------------------------------------------------------------

_STATE_EMOJI = {
    "open": ":rotating_light:",
    "assessed": ":mag:",
    "notified": ":envelope:",
    "closed": ":white_check_mark:",
}


def _count(value: int | None) -> str:
    return "unknown" if value is None else f"{int(value):,}"


def _slack_date(iso_text: str) -> str:
    """Slack renders `<!date^...>` in each reader's own zone; the ISO text is the fallback."""
    try:
        value = datetime.fromisoformat(iso_text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return _esc(iso_text)
    if value.tzinfo is None:
        return _esc(iso_text)
    epoch = int(value.timestamp())
    return f"<!date^{epoch}^{{date_short_pretty}} {{time}}|{_esc(iso_text)}>"


def status_message(summary: Mapping[str, Any]) -> dict:
    """A status post for an incident: ids, state, risk, counts and the next deadline.

    `summary` holds sanitized data only (see module docstring); `title` is None unless
    the responder marked it public.
    """
    incident = summary.get("incident")
    if not incident:
        raise InputError("a status message needs an incident id")
    event = summary.get("event") or "Status"
    state = summary.get("state") or "open"
    risk = summary.get("risk")
    level = summary.get("level")
    categories = summary.get("categories")
    deadline = summary.get("next_deadline")

    header = _cut(f"{incident} · {event}", 150)
    fields = [
        f"*State*\n{' '.join(filter(None, [_STATE_EMOJI.get(state), _esc(state)]))}",
        f"*Risk*\n{_esc(risk) if risk else 'not assessed'}",
        f"*Level*\n{_esc(level) if level not in (None, '') else '-'}",
        f"*Data subjects*\n{_count(summary.get('subjects_count'))}",
        f"*Records*\n{_count(summary.get('records_count'))}",
        "*Categories*\n"
        + ("unknown" if categories is None else (_esc(", ".join(str(c) for c in categories)) or "none recorded")),
    ]
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": header}}]
    title = summary.get("title")
    if title:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _cut(f"*{_esc(title)}*", 3000)}})
    blocks.append({"type": "section", "fields": [{"type": "mrkdwn", "text": _cut(f, 2000)} for f in fields]})
    text = f"{incident}: {event} (state {state}"
    text += f", risk {risk})" if risk else ")"
    if deadline:
        due_iso = str(deadline.get("due_at") or "")
        remaining = deadline.get("remaining")
        line = (
            f"*Next deadline:* {_esc(deadline.get('obligation'))} → {_esc(deadline.get('recipient'))}"
            f", due {_slack_date(due_iso)}"
        )
        if remaining:
            line += f" ({_esc(remaining)} left)"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _cut(line, 3000)}})
        text += f"; next: {deadline.get('obligation')} due {due_iso}"
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "breach · counts only; details stay in the incident log"}],
        }
    )
    return {"text": scrub(_esc(_cut(text, 3000))), "blocks": _scrub_all(blocks)}


def reminder_message(*, incident: str, obligation: str, recipient: str, due_at_iso: str, label: str) -> dict:
    """A deadline reminder ("T-48 h" ... "T-1 h", "DEADLINE", "OVERDUE")."""
    if label == "OVERDUE":
        lead = ":red_circle: OVERDUE"
    elif label == "DEADLINE":
        lead = ":rotating_light: DEADLINE now"
    else:
        lead = f":alarm_clock: {label}"
    body = f"{lead} · *{_esc(incident)}*: {_esc(obligation)} → {_esc(recipient)}, due {_slack_date(due_at_iso)}"
    text = f"{label} · {incident}: {obligation} → {recipient}, due {due_at_iso}"
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": _cut(body, 3000)}},
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"`breach status {_esc(incident)}` shows what is left to do",
                }
            ],
        },
    ]
    return {"text": scrub(_esc(_cut(text, 3000))), "blocks": _scrub_all(blocks)}


def reminder_schedule(due_at: datetime, now: datetime) -> list[tuple[str, datetime]]:
    """Reminder times before a deadline, strictly after `now`, earliest first."""
    if due_at.tzinfo is None or now.tzinfo is None:
        raise InputError("refusing a time without a zone")
    return [(label, due_at - offset) for label, offset in REMINDER_OFFSETS if due_at - offset > now]


# --- sending --------------------------------------------------------------------


def build_client(config: SlackConfig) -> WebClient:
    """A WebClient that retries connection errors once and rate limits twice."""
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import (
        ConnectionErrorRetryHandler,
        RateLimitErrorRetryHandler,
    )
    from slack_sdk.http_retry.builtin_interval_calculators import (
        FixedValueRetryIntervalCalculator,
    )

    if not config.token:
        raise InputError("Slack bot calls need SLACK_BOT_TOKEN and BREACH_SLACK_CHANNEL")
    return WebClient(
        token=config.token,
        base_url=config.api_url,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0.5)),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )


# Slack error codes that mean "not now" or "fix the setup", rather than "bad message".
_DOWN = {"fatal_error", "internal_error", "service_unavailable", "request_timeout", "ratelimited"}
_AUTH = {
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
_CHANNEL = {"channel_not_found", "not_in_channel", "is_archived", "channel_is_archived"}
_GONE = {"message_not_found", "invalid_scheduled_message_id"}


#: A Slack error code; anything else (an HTML page, a sentence) did not come from Slack.
_ERROR_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: HTTP statuses Slack itself uses for a refusal: 200 + ok:false (Web API), 400/404/410 (webhooks).
_REFUSAL_STATUSES = frozenset({200, 400, 404, 410})


def _classify(error: str, status: int) -> BreachError:
    """Turn an answer into an actionable error, without echoing request data.

    Only a Slack error code, with a status Slack uses for refusals, is a definite refusal
    of this one message. Anything else (a proxy's HTML 403, a 5xx, a body that is not
    JSON) says nothing about the message: it stays queued and is retried.
    """
    if status == 429 or error == "ratelimited":
        return SlackUnavailable("Slack is rate limiting breach; the message stays queued", error="ratelimited")
    if error in _AUTH:
        return SlackSetupError(
            f"Slack rejected the credentials ({error}): check SLACK_BOT_TOKEN or "
            "BREACH_SLACK_WEBHOOK_URL and the app's scopes",
            error=error,
        )
    if error in _CHANNEL:
        return SlackSetupError(
            f"Slack cannot use the channel ({error}): check BREACH_SLACK_CHANNEL and invite the app",
            error=error,
        )
    code = error if _ERROR_CODE.match(error or "") else ""
    if status >= 500 or code in _DOWN:
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


def _metadata(key: str, witness: Mapping[str, Any] | None = None) -> dict:
    """The idempotency key, and the chain head a status message witnesses (ids and hashes only)."""
    payload: dict[str, Any] = {"key": key}
    if witness:
        payload["witness"] = {"incident": str(witness["incident"]), "seq": int(witness["seq"]),
                              "head": str(witness["head"])}
    return {"event_type": EVENT_TYPE, "event_payload": payload}


def witness_block(witness: Mapping[str, Any]) -> dict:
    """A context line showing the chain head the message witnesses: `breach verify --against-slack`."""
    return {"type": "context", "elements": [
        {"type": "mrkdwn", "text": f"log #{int(witness['seq'])} · sha256 {str(witness['head'])[:16]}…"}]}


def _prepared(message: Mapping[str, Any]) -> tuple[str | None, list | None]:
    text = message.get("text")
    blocks = message.get("blocks")
    return (
        scrub(text) if text is not None else None,
        _scrub_all(blocks) if blocks is not None else None,
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
        return _send_webhook(config, text=text, blocks=blocks, key=key, witness=message.get("witness"))

    if client is None:
        if not config.has_bot:
            raise InputError(f"a Slack {op} needs SLACK_BOT_TOKEN and BREACH_SLACK_CHANNEL")
        client = build_client(config)
    result: dict = {"ts": None, "channel": None, "scheduled_message_id": None}
    with _translated(gone_ok=op == "delete_scheduled"):
        # What a post and a scheduled post share: channel, content, thread, idempotency key.
        new_message = {
            "channel": message.get("channel") or config.channel, "text": text, "blocks": blocks,
            "thread_ts": message.get("thread_ts"), "metadata": _metadata(key, message.get("witness")),
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
            if self.gone_ok and error in _GONE:
                return True
            raise _classify(error, int(response.status_code or 0)) from None
        if isinstance(exc, OSError | HTTPException | SlackClientError):
            raise SlackUnavailable(
                f"cannot reach Slack ({type(exc).__name__}); the message stays queued",
                error="connection",
            ) from None
        return False


def _send_webhook(config: SlackConfig, *, text: str | None, blocks: list | None, key: str,
                  witness: Mapping[str, Any] | None = None) -> dict:
    from slack_sdk.http_retry.builtin_handlers import (
        ConnectionErrorRetryHandler,
        RateLimitErrorRetryHandler,
    )
    from slack_sdk.http_retry.builtin_interval_calculators import (
        FixedValueRetryIntervalCalculator,
    )
    from slack_sdk.webhook import WebhookClient

    if not config.webhook_url:
        raise InputError("a Slack webhook post needs BREACH_SLACK_WEBHOOK_URL")
    hook = WebhookClient(
        url=config.webhook_url,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0.5)),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )
    with _translated():
        resp = hook.send(
            text=text,
            blocks=blocks,
            metadata=_metadata(key, witness),
            unfurl_links=False,
            unfurl_media=False,
        )
    if resp.status_code != 200:
        # Webhooks answer plain-text error codes ("invalid_token", "no_service", ...).
        body = resp.body.strip() if isinstance(resp.body, str) else ""
        error = body if re.fullmatch(r"[a-z_]{1,64}", body) else ""
        raise _classify(error, resp.status_code)
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
) -> str | None:
    """The ts of an earlier post carrying idempotency `key`, or None.

    Looks through recent channel history (or the replies of `thread_ts`), a bounded
    number of pages, so a sender that crashed between send and mark can check first.
    """
    client = client or build_client(config)
    channel = channel or channel_id(client, config)
    cursor = None
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
                if meta.get("event_type") == EVENT_TYPE and payload.get("key") == key:
                    return msg.get("ts")
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    return None


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
