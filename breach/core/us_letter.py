"""Letters to US residents, state by state (pure): which states' letters an incident needs, which
states can share one letter, and what each letter needs from their laws.

**Which states.** A state's letter is owed when the incident's scope counts people there and its
law covers the assessed data (``us_duties.finding``: an element combination, no safe harbour; an
unanswered data_items keeps the duty, cautiously).

**Compatible or in conflict.** Most state laws list what a notice must contain (the
``content.items`` of us-state-laws.yaml) without prescribing its form: one letter can carry the
union of their items and the strictest of their offers (the longest identity-theft-protection
offer any covered state requires for the data involved). Two states *conflict* when either
prescribes the notice's own title and headings (an item ``Title "..."; headings ...``) and the
other does not prescribe the very same form: Cal. Civ. Code § 1798.82(d)(1) requires the title
"Notice of Data Breach" and the headings "What Happened", "What Information Was Involved", "What
We Are Doing", "What You Can Do" and "For More Information", and a letter in that form written to
§ 1798.82(d)(2) (its credit-reporting-agency lines, its offer) is not another state's notice. A
state in conflict gets a letter of its own, of kind ``us-<state>-letter`` (California:
us-ca-letter); the compatible states share one ``us-letter``.

**Times.** Every time is given in the zone of the residents it is for (the law's ``zone``): a letter
for one zone states its times there; a letter shared by states in several zones gives each time in
each of their zones, naming the states.

Built for the template as context ``us_law`` (breach.services.notices adds it to a US letter).
"""
from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from breach.core import time as clock
from breach.core import us_duties
from breach.core.jurisdictions import check_jurisdiction
from breach.errors import InputError

#: The playbook answer holding the offer's enrolment details (provider, how to enrol, code, deadline).
OFFER_ANSWER = "identity_theft_offer"
#: The letter shared by the US states whose content rules are compatible.
SHARED_KIND = "us-letter"
#: A content item prescribing the notice's title and headings (Cal. Civ. Code § 1798.82(d)(1)).
_FORM = re.compile(r'^\s*Title\s+"[^"]+"')
_OWN_KIND = re.compile(r"^us-([a-z]{2})-letter$")
#: What residents call their zone, for the sentence saying which time a letter gives.
ZONE_NAMES = {
    "America/Los_Angeles": "Pacific time", "America/Denver": "Mountain time", "America/Boise": "Mountain time",
    "America/Phoenix": "Mountain Standard time (Arizona)", "America/Chicago": "Central time",
    "America/New_York": "Eastern time", "America/Detroit": "Eastern time",
    "America/Indiana/Indianapolis": "Eastern time", "America/Anchorage": "Alaska time",
    "Pacific/Honolulu": "Hawaii-Aleutian time", "America/Puerto_Rico": "Atlantic time",
}


def prescribed_form(law: Mapping[str, Any]) -> str | None:
    """The title and headings the state's law prescribes for its notice, or None (content only)."""
    items = (law.get("content") or {}).get("items") or []
    return next((str(item) for item in items if _FORM.match(str(item))), None)


def conflicts(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two states' residents cannot get the same letter: either prescribes a form of its own
    (title and headings) that the other does not prescribe word for word."""
    form_a, form_b = prescribed_form(a), prescribed_form(b)
    return (form_a is not None or form_b is not None) and form_a != form_b


def kind_for(law: Mapping[str, Any]) -> str:
    """The letter kind a state's residents get: its own (us-ca-letter) when its form is prescribed."""
    if prescribed_form(law) is None:
        return SHARED_KIND
    return f"us-{str(law['id']).split('-')[1].lower()}-letter"


def is_us_letter(kind: str) -> bool:
    """A letter to US residents: a state's own (us-ca-letter) or the shared one (us-letter)."""
    return kind == "us-letter" or states_of_kind(kind) is not None


def states_of_kind(kind: str) -> str | None:
    """us-ca-letter -> US-CA (a state's own letter); us-letter and other kinds -> None."""
    match = _OWN_KIND.match(kind)
    return f"US-{match.group(1).upper()}" if match else None


def owed_states(laws: Mapping[str, Mapping[str, Any]], scope: Mapping[str, Any],
                assessment: Mapping[str, Any] | None) -> list[str]:
    """The US states, in code order, whose residents are in scope and whose law covers the assessed data."""
    owed = []
    for code in sorted(c.upper() for c in scope):
        law = laws.get(code)
        count = scope.get(code, scope.get(code.lower()))
        if law is None or not count:
            continue
        found = us_duties.finding(dict(law), assessment)
        if found is None or found.applies:
            owed.append(code)
    return owed


def letter_plan(laws: Mapping[str, Mapping[str, Any]], states: Iterable[str]) -> dict[str, list[str]]:
    """The letters the owed `states` need: kind -> the states it is for (one shared letter for the
    compatible states, one letter of its own for each state in conflict with them)."""
    plan: dict[str, list[str]] = {}
    for code in states:
        plan.setdefault(kind_for(laws[code]), []).append(code)
    return plan


def laws_for_kind(laws: Mapping[str, dict[str, Any]], kind: str, scope: Mapping[str, Any],
                  answers: Mapping[str, Any] | None) -> list[dict[str, Any]] | None:
    """The laws a US letter of `kind` follows (None: not a US letter): a state's own letter its state's law;
    the shared us-letter the laws of the owed states without a form of their own ([] when none is owed)."""
    own = states_of_kind(kind)
    if own is not None:
        return [laws[own]] if own in laws else None
    if kind != SHARED_KIND:
        return None
    assessment = {"answers": dict(answers)} if answers is not None else None
    return [laws[code] for code in letter_plan(laws, owed_states(laws, scope, assessment)).get(SHARED_KIND, [])]


def nobody_warning(laws: Mapping[str, Mapping[str, Any]], scope: Mapping[str, Any],
                   answers: Mapping[str, Any] | None) -> str:
    """Why a shared us-letter drafted now is for no one (the letters run sends it to no state's residents)."""
    assessment = {"answers": dict(answers)} if answers is not None else None
    plan = letter_plan(laws, owed_states(laws, scope, assessment))
    owed = ", ".join(f"{k} ({', '.join(v)})" for k, v in plan.items()) or "none"
    return (f"Warning: no US state whose notice rules a shared us-letter follows is owed a letter (the scope must "
            f"count its residents and its law cover the assessed data; letters owed: {owed}): this draft is for "
            "no one, and breach letters sends it to no state's residents")


def group_facts(laws: list[Mapping[str, Any]], answers: Mapping[str, Any], times: Mapping[str, datetime | None], *,
                now: datetime) -> dict[str, Any]:
    """What the letter for these states' residents says of their laws: the states and statutes, the times
    in each zone (the first zone's also at the top level), and the strictest offer owed, if any."""
    zones: dict[str, list[Mapping[str, Any]]] = {}
    for law in laws:
        zones.setdefault(str(law["zone"]), []).append(law)
    by_zone = [{"zone": zone, "zone_name": ZONE_NAMES.get(zone, zone), "states": [str(w.get("name", w["id"]))
                                                                                   for w in members],
                **_times_in(zone, answers, times, now)} for zone, members in zones.items()]
    items: dict[str, None] = {}
    for law in laws:
        items.update(dict.fromkeys(str(i) for i in (law.get("content") or {}).get("items") or []))
    first = laws[0]
    return {"state": first["id"], "statute": first["statute"], "zone": first["zone"], **by_zone[0],
            "states": [{"id": w["id"], "name": w.get("name", w["id"]), "statute": w["statute"]} for w in laws],
            "zones": by_zone, "items": list(items), "offer": strictest_offer(laws, answers)}


def _times_in(zone: str, answers: Mapping[str, Any], times: Mapping[str, datetime | None],
              now: datetime) -> dict[str, str | None]:
    def local(value: Any) -> str | None:
        at = value if isinstance(value, datetime) else _parsed(value)
        return clock.iso(clock.in_zone(at, zone)) if at is not None else None

    return {"occurred_at": local(times.get("occurred_at")), "ended_at": local(answers.get("breach_ended_at")),
            "aware_at": local(times.get("aware_at")), "notice_date": local(now)}


def strictest_offer(laws: Iterable[Mapping[str, Any]], answers: Mapping[str, Any]) -> dict[str, Any] | None:
    """The longest identity-theft-protection offer any of the laws requires for the data involved, with the
    statutes requiring one (`source`: the first of the longest; `sources`: each with its months)."""
    items = set(us_duties.elements(answers.get("data_items") or []))
    owed = []
    for law in laws:
        offer = (law.get("content") or {}).get("identity_theft_offer")
        if offer and items & set(offer["when_any"]):
            where = f"{law['statute']}(d)(2)(G)" if law["id"] == "US-CA" else str(law["statute"])
            owed.append({"months": int(offer["months"]), "source": where, "state": law["id"]})
    if not owed:
        return None
    longest = max(owed, key=lambda o: o["months"])
    if len(owed) == 1:
        return {"months": longest["months"], "source": longest["source"]}
    return {"months": longest["months"], "source": longest["source"], "sources": owed}


def letter_facts(law: dict[str, Any], answers: Mapping[str, Any], times: Mapping[str, datetime | None], *,
                 now: datetime) -> dict[str, Any]:
    """One state's letter (`times`: the incident's occurred_at and aware_at; `answers`: the latest
    assessment's answers)."""
    facts = group_facts([law], answers, times, now=now)
    return {k: facts[k] for k in ("state", "statute", "zone", "occurred_at", "ended_at", "aware_at",
                                  "notice_date", "offer")}


def _parsed(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def state_law_context(law: dict[str, Any] | list[dict[str, Any]] | None, state: Any, *,
                      now: datetime) -> dict[str, Any]:
    """For a letter to US residents: `us_law`, what the law of the state (or states, for a shared letter)
    asks of it."""
    laws = law if isinstance(law, list) else [law] if law is not None else []
    if not laws:
        return {}
    answers = dict(state.assessment.answers) if state.assessment else {}
    times = {"occurred_at": state.incident.occurred_at, "aware_at": state.incident.aware_at}
    return {"us_law": group_facts(list(laws), answers, times, now=now)}


def drafted_for(context: Mapping[str, Any]) -> dict[str, list[str]]:
    """What a US letter's `drafted` event records: `us_states`, the states it was drafted for (the letters
    run sends it to those states' residents only)."""
    law = context.get("us_law")
    return {"us_states": [str(s["id"]) for s in law["states"]]} if law else {}


def route(raw: str, covered: Collection[str], refused: Mapping[str, str]) -> tuple[str | None, str]:
    """One subjects-CSV row's jurisdiction cell: (the US state whose letter it gets, or None for the letter
    in the row's language; the reason the row is rejected, or ""). `refused`: reasons by code, "US-*" for
    any other US state (``{code}`` in it is replaced by the row's)."""
    value = raw.strip().upper()
    if not value:
        return None, ""
    try:
        code = check_jurisdiction(value)
    except InputError as exc:
        return None, str(exc)
    if code in covered:
        return code, ""
    if code in refused:
        return None, refused[code]
    if code.startswith("US-") and "US-*" in refused:
        return None, refused["US-*"].replace("{code}", code)
    return None, ""
