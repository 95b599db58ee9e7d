"""The configuration of one command or one Python session, resolved once at the entry.

`Config.from_env()` reads the environment (and the command's options, which win) once:
the data folder, the team database's URL, the responder's zone, who acts, the chain's
HMAC key, the pinned clock (`BREACH_NOW`) and the Slack settings. Everything below the
entry (the CLI root callback, `breach.api.open_session`) receives this frozen object
instead of reading the environment itself; the core receives only the values it needs.

    BREACH_HOME            data folder (default ./incidents)
    BREACH_DATABASE_URL    a team's PostgreSQL instead of the data folder's breach.db
    BREACH_TZ              the responder's zone for display (default: the organization's)
    BREACH_USER            who acts (default: the login name)
    BREACH_CHAIN_KEY       HMAC key for the chains' heads
    BREACH_NOW             pins the clock (ISO 8601 with offset)
    SLACK_BOT_TOKEN, BREACH_SLACK_*, BREACH_QUIET_HOURS   Slack (breach.slack.config)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from breach.adapters.clock import fixed_now, wall_clock

if TYPE_CHECKING:
    from breach.slack.config import SlackConfig

HOME_ENV = "BREACH_HOME"
URL_ENV = "BREACH_DATABASE_URL"
ZONE_ENV = "BREACH_TZ"
USER_ENV = "BREACH_USER"
CHAIN_KEY_ENV = "BREACH_CHAIN_KEY"
#: The login name, where each system keeps it.
LOGIN_ENVS = ("LOGNAME", "USER", "LNAME", "USERNAME")
_SLACK_ENVS = ("SLACK_BOT_TOKEN", "BREACH_SLACK_CHANNEL", "BREACH_SLACK_API_URL", "BREACH_SLACK_WEBHOOK_URL",
               "BREACH_QUIET_HOURS")


@dataclass(frozen=True)
class Config:
    """Everything a command needs to know about where it runs; built once, never changed."""

    home: Path = Path("incidents")
    database_url: str | None = None
    #: The responder's zone (BREACH_TZ); None: the organization's.
    zone: str | None = None
    author: str | None = None
    chain_key: bytes | None = field(default=None, repr=False)
    #: BREACH_NOW: every `now` of this configuration is this instant; None: the wall clock.
    pinned_now: datetime | None = None
    #: The Slack variables as found at the entry; parsed on first use (`slack`).
    slack_env: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, home: Path | str | None = None,
                 database_url: str | None = None, author: str | None = None) -> Config:
        """Resolve the configuration: the options given win over the environment."""
        env = os.environ if environ is None else environ
        return cls(
            home=Path(home) if home is not None else Path(env.get(HOME_ENV) or "incidents"),
            database_url=(database_url or env.get(URL_ENV) or "").strip() or None,
            zone=(env.get(ZONE_ENV) or "").strip() or None,
            author=(author or "").strip() or default_author(env),
            chain_key=(env.get(CHAIN_KEY_ENV) or "").encode("utf-8") or None,
            pinned_now=fixed_now(env),
            slack_env=tuple((k, env[k]) for k in _SLACK_ENVS if k in env),
        )

    def with_options(self, *, home: Path | str | None = None, author: str | None = None) -> Config:
        """This configuration with a command's --home and --as (when given)."""
        changes: dict[str, Any] = {}
        if home is not None:
            changes["home"] = Path(home)
        if (author or "").strip():
            changes["author"] = (author or "").strip()
        return replace(self, **changes) if changes else self

    def now(self) -> datetime:
        """The current instant: BREACH_NOW when set, else the wall clock."""
        return self.pinned_now or wall_clock()

    def zone_or(self, org_zone: str) -> str:
        """The responder's zone: BREACH_TZ, else the organization's."""
        return self.zone or org_zone

    @cached_property
    def slack(self) -> SlackConfig | None:
        """The Slack settings, or None when Slack is not configured (breach.slack.config)."""
        from breach.slack.config import config_from_env

        return config_from_env(dict(self.slack_env))


def default_author(environ: Mapping[str, str] | None = None) -> str | None:
    """Who acts when nobody said: BREACH_USER, else the login name; None if neither is known."""
    env = os.environ if environ is None else environ
    named = (env.get(USER_ENV) or "").strip()
    if named:
        return named
    for variable in LOGIN_ENVS:
        if (env.get(variable) or "").strip():
            return env[variable].strip()
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name or None
    except (KeyError, ImportError, OSError):
        return None
