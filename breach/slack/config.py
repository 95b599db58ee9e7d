"""Slack settings, from the environment only: tokens and webhook URLs never reach the database.

Secrets stay out of every repr, return value and error message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from breach.errors import InputError
from breach.slack.policy import parse_quiet_hours

DEFAULT_API_URL = "https://slack.com/api/"
#: How long a command waits at most, in all, for Slack's Retry-After (BREACH_SLACK_MAX_WAIT, seconds).
DEFAULT_MAX_WAIT = 10.0
MAX_WAIT_LIMIT = 300.0


@dataclass(frozen=True)
class SlackConfig:
    """Where and how to talk to Slack. Secrets are kept out of repr; never serialize this."""

    token: str | None = field(default=None, repr=False)
    channel: str | None = None
    api_url: str = DEFAULT_API_URL
    webhook_url: str | None = field(default=None, repr=False)
    quiet_hours: str | None = None
    #: Seconds a command waits at most for a rate limit's Retry-After; beyond it the message waits in the outbox.
    max_wait: float = DEFAULT_MAX_WAIT

    @property
    def has_bot(self) -> bool:
        """A bot token and channel: posts, threads, updates and scheduled reminders."""
        return bool(self.token and self.channel)


def config_from_env(environ: Mapping[str, str] = os.environ) -> SlackConfig | None:
    """Read Slack settings from the environment; None when Slack is not configured.

    SLACK_BOT_TOKEN + BREACH_SLACK_CHANNEL enable the bot (BREACH_SLACK_API_URL
    overrides https://slack.com/api/); BREACH_SLACK_WEBHOOK_URL alone enables status
    posts through an incoming webhook; BREACH_QUIET_HOURS ("22:00-07:00") and
    BREACH_SLACK_MAX_WAIT (seconds, default 10) are optional.
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
    max_wait = _max_wait(environ.get("BREACH_SLACK_MAX_WAIT"))
    return SlackConfig(
        token=token,
        channel=channel,
        api_url=api_url,
        webhook_url=webhook_url,
        quiet_hours=quiet_hours,
        max_wait=max_wait,
    )


def _max_wait(value: str | None) -> float:
    """BREACH_SLACK_MAX_WAIT: seconds, 0 to 300 (0: never wait for a rate limit)."""
    text = (value or "").strip()
    if not text:
        return DEFAULT_MAX_WAIT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= MAX_WAIT_LIMIT:
        raise InputError(f"BREACH_SLACK_MAX_WAIT must be a number of seconds from 0 to {MAX_WAIT_LIMIT:g}, "
                         f"not {text[:20]!r}")
    return seconds


def describe_setup() -> str:
    """One line on how to turn Slack on."""
    return (
        "Slack is off: set SLACK_BOT_TOKEN and BREACH_SLACK_CHANNEL (a channel ID such as "
        "C0123456789) for status posts and deadline reminders, or BREACH_SLACK_WEBHOOK_URL "
        "for status posts only; BREACH_QUIET_HOURS=22:00-07:00 holds back status chatter at night."
    )


def app_token_from_env(environ: Mapping[str, str] = os.environ) -> str:
    """SLACK_APP_TOKEN (xapp-..., scope connections:write) for Socket Mode: from the environment only."""
    token = (environ.get("SLACK_APP_TOKEN") or "").strip()
    if not token:
        raise InputError("breach slack listen needs SLACK_APP_TOKEN: an app-level token (xapp-...) with the "
                         "connections:write scope, from the environment only (docs/slack.md)")
    if not token.startswith("xapp-"):
        raise InputError("SLACK_APP_TOKEN does not look like an app-level token (xapp-...)")
    return token
