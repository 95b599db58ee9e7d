"""breach: the first hours and days after a personal data breach.

The supported Python API, loaded lazily so `import breach` stays light (docs/api.md):

    import breach
    with breach.open_session() as s:   # the data folder: BREACH_HOME, else ./incidents
        incident = breach.open_incident(s, title="Laptop stolen", now=breach.now())
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

#: name -> module that defines it. Everything here is supported; the rest may move.
_API = {
    "open_session": "breach.api",
    "init_home": "breach.services.session",
    "Session": "breach.services.session",
    "now": "breach.adapters.clock",
    "open_incident": "breach.services.incidents",
    "get_incident": "breach.services.incidents",
    "list_incidents": "breach.services.incidents",
    "log_event": "breach.services.incidents",
    "timeline": "breach.services.incidents",
    "close_incident": "breach.services.closure",
    "assess": "breach.services.assessment",
    "Interview": "breach.core.interview",
    "Question": "breach.core.interview",
    "IncidentFacts": "breach.core.interview",
    "start_interview": "breach.api",
    "set_scope": "breach.services.obligations",
    "mark": "breach.services.obligations",
    "incident_obligations": "breach.services.obligations",
    "status_rows": "breach.services.status",
    "record_notification": "breach.services.notifications",
    "create_draft": "breach.services.notices",
    "review_act": "breach.services.notices",
    "review_rows": "breach.services.notices",
    "register_rows": "breach.services.register",
    "export_incident": "breach.services.register",
    "verify": "breach.services.integrity",
    "run_drill": "breach.services.drill",
    "incident_view": "breach.services.views",
    "BreachError": "breach.errors",
    "InputError": "breach.errors",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'breach' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
