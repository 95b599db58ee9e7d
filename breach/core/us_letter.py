"""What a letter to a US state's residents needs from that state's law (pure): its zone, the
breach's date range, and the identity-theft-protection offer where the law requires one.

Built for the template as context `us_law` (breach.services.notices adds it for a state's letter,
e.g. us-ca-letter for US-CA); times are ISO 8601 in the state's zone (Cal. Civ. Code 1798.82 has
California residents read Pacific times, the law's `zone` in us-state-laws.yaml).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from breach.core import time as clock
from breach.core import us_duties

#: The playbook answer holding the offer's enrolment details (provider, how to enrol, code, deadline).
OFFER_ANSWER = "identity_theft_offer"


def letter_facts(law: dict[str, Any], answers: Mapping[str, Any], times: Mapping[str, datetime | None], *,
                 now: datetime) -> dict[str, Any]:
    """`times`: the incident's occurred_at and aware_at; `answers`: the latest assessment's answers."""
    zone = law["zone"]

    def local(value: Any) -> str | None:
        at = value if isinstance(value, datetime) else _parsed(value)
        return clock.iso(clock.in_zone(at, zone)) if at is not None else None

    offer = law["content"].get("identity_theft_offer")
    items = set(us_duties.elements(answers.get("data_items") or []))
    offer_due = bool(offer) and bool(items & set(offer["when_any"]))
    return {
        "state": law["id"], "statute": law["statute"], "zone": zone,
        "occurred_at": local(times.get("occurred_at")), "ended_at": local(answers.get("breach_ended_at")),
        "aware_at": local(times.get("aware_at")), "notice_date": local(now),
        "offer": {"months": offer["months"], "source": f"{law['statute']}(d)(2)(G)"} if offer_due else None,
    }


def _parsed(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def state_law_context(law: dict[str, Any] | None, state: Any, *, now: datetime) -> dict[str, Any]:
    """For a letter to a US state's residents (us-ca-letter): `us_law`, what that state's law asks of it."""
    if law is None:
        return {}
    answers = dict(state.assessment.answers) if state.assessment else {}
    times = {"occurred_at": state.incident.occurred_at, "aware_at": state.incident.aware_at}
    return {"us_law": letter_facts(law, answers, times, now=now)}
