"""Placeholder until Slack lands: state changes queue nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def on_change(session: Any, incident: Any, what: str, *, now: datetime) -> None:
    return None
