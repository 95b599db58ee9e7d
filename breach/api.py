"""The Python API's composition root: a Session wired to the projections and the Slack outbox.

    from breach.api import open_session
    with open_session() as s:          # BREACH_HOME, else ./incidents
        ...                            # Slack messages queued here are sent on exit

The CLI uses exactly this, so a Python caller and `breach` behave the same.
"""

from __future__ import annotations

from pathlib import Path

from breach.adapters.config import Config
from breach.services.projection import ProjectionUpdater
from breach.services.session import Session
from breach.services.session import open_session as _open
from breach.slack.notifier import OutboxNotifier


def open_session(home: Path | str | None = None, *, write: bool = True, author: str | None = None,
                 config: Config | None = None) -> Session:
    """Open a data folder (made by `init_home`); use it as a context manager.

    The configuration (data folder, database URL, zone, who acts, chain key, clock, Slack) is
    resolved here once from the environment, unless `config` is given; `home` and `author` win.
    """
    return _open(Path(home) if home is not None else None, write=write, author=author,
                 notifiers=[ProjectionUpdater(), OutboxNotifier()], config=config or Config.from_env())
