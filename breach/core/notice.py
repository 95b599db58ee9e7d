"""A notice's pure parts: the context its template sees, its phase, the record of a version, its HTML.

The context is built from one incident's fold and its obligations, evaluated once by the caller;
the organization profile and `now` are passed in. Times are ISO 8601 in the organization's zone
(templates show them in the document's language).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from breach.core import time as clock
from breach.core.authorities import Concerned, establishment
from breach.core.drafting import DEFERRABLE, Rendered, missing_fields
from breach.core.mdblocks import parse, to_html
from breach.core.models import ObligationState, Phase
from breach.core.regimes import Obligation
from breach.core.state import IncidentState
from breach.core.wording import AWAITING_ASSESSMENT

#: Fields of the incident shown in the organization's zone.
INCIDENT_TIMES = ("aware_at", "occurred_at", "detected_at", "opened_at", "closed_at")


def sa_obligation_id(org: dict[str, Any], authority: Concerned | None) -> str:
    """gdpr-art33-sa for the lead authority, gdpr-art33-sa:CC for another member state's."""
    if authority is None or authority.country == establishment(org).lead_country:
        return "gdpr-art33-sa"
    return f"gdpr-art33-sa:{authority.country}"


def notice_context(state: IncidentState, incident: Mapping[str, Any], found: Sequence[Obligation], *,
                   org: dict[str, Any], now: datetime, authority: Concerned | None = None,
                   notice: dict[str, Any] | None = None, country: str | None = None) -> dict[str, Any]:
    """Everything a template may use. `incident` is the incident's fields (breach.services.incidents.incident_dict),
    `found` its obligations at `now`.

    `country` (NL, US-CA): the country of the people it is for, whose words it uses for national
    identifiers (breach.core.national_words); default the lead authority's country.
    With `authority`, the notice is addressed to that authority (it stands in for
    `org.lead_authority`, which the templates read) and follows its obligation.
    """
    zone = org.get("timezone", "UTC")
    inc = {**incident, **{key: _local(getattr(state.incident, key), zone) for key in INCIDENT_TIMES}}
    assessment, answers = _assessment(state)
    if answers.get("awareness_note"):  # the per-language answer wins over the one-line note at `open`
        inc["awareness_note"] = answers["awareness_note"]
    sa_id = sa_obligation_id(org, authority)
    ctx_notice = _sa_notice(state, found, sa_id, answers, zone=zone, now=now)
    ctx_notice.update(authorities_of(state, found, sa_id, org=org, zone=zone))
    ctx_notice.update(notice or {})
    ctx_notice["supplementary"] = ctx_notice.get("phase") == Phase.SUPPLEMENTARY
    return {"incident": inc, "org": addressed_org(org, authority), "assessment": assessment,
            "obligations": [_obligation_row(o, state, zone) for o in found],
            "notice": ctx_notice, "generated_at": _local(now, zone),
            "authority": authority.to_dict() if authority else None, "sa_obligation": sa_id,
            "country": country or establishment(org).lead_country}


def authorities_of(state: IncidentState, found: Sequence[Obligation], sa_id: str, *, org: dict[str, Any],
                   zone: str) -> dict[str, Any]:
    """Who the notice is to, and who else (GDPR Art. 56 and 60), from the record.

    `role`: lead (the lead authority), concerned (another member state's authority, the lead being
    `lead`, with the reference it gave when notified) or national (no main establishment in the EU/EEA:
    each authority is notified on its own, EDPB Guidelines 9/2022 para 73). `others`: every other
    supervisory authority notified or being notified (met, late or pending), with its reference.
    """
    lead_country = establishment(org).lead_country
    lead = None
    if lead_country:
        profile = org.get("lead_authority") or {}
        first = next(iter(state.notifications.get("gdpr-art33-sa", ())), None)
        lead = {"country": lead_country, "name": profile.get("name"), "short": profile.get("short"),
                "reference": first.reference if first else None}
    role = "national" if not lead_country else ("lead" if sa_id == "gdpr-art33-sa" else "concerned")
    others = [_other_authority(o, state, lead_country, zone) for o in found
              if o.rule_id != sa_id and _SA_RULE.match(o.rule_id) and o.state != ObligationState.NOT_APPLICABLE]
    return {"role": role, "lead": lead, "others": others}


#: The Art. 33 notice to the lead authority, or to one member state's (gdpr-art33-sa:NL).
_SA_RULE = re.compile(r"^gdpr-art33-sa(?::([A-Z]{2}(?:-[A-Z]{2,3})?))?$")


def _other_authority(o: Obligation, state: IncidentState, lead_country: str | None, zone: str) -> dict[str, Any]:
    match = _SA_RULE.match(o.rule_id)
    country = (match.group(1) if match else None) or lead_country
    first = next(iter(state.notifications.get(o.rule_id, ())), None)
    return {"obligation": o.rule_id, "country": (country or "").split("-")[0], "name": o.recipient,
            "lead": o.rule_id == "gdpr-art33-sa", "notified": o.met_at is not None,
            "notified_at": _local(o.met_at, zone), "reference": first.reference if first else None}


def default_phase(context: dict[str, Any], *, labels: Mapping[str, Any]) -> str:
    """Art. 33(4): initial while any Art. 33(3) content is still unknown or any decisive answer is still
    to confirm (the decision rests on a cautious reading), else complete."""
    probe = {**context, "notice": {**(context.get("notice") or {}), "phase": Phase.COMPLETE}}
    unknown = {f.key for f in missing_fields("sa-notification", probe, labels=labels)}
    to_confirm = (context.get("assessment") or {}).get("to_confirm")  # decided on a cautious reading
    return Phase.INITIAL if unknown & DEFERRABLE or to_confirm else Phase.COMPLETE


def with_phase(context: dict[str, Any], kind: str, phase: str | None, *,
               labels: Mapping[str, Any]) -> str | None:
    """The phase of an sa-notification (GDPR Art. 33(4)), the one asked for or the default, put in the
    context its template reads; other kinds have none."""
    if kind != "sa-notification":
        return phase
    phase = phase or default_phase(context, labels=labels)
    context["notice"].update(phase=phase, supplementary=phase == Phase.SUPPLEMENTARY)
    return phase


def drafted_data(context: dict[str, Any], rendered: Rendered, *, kind: str, lang: str, version: int, fmt: str,
                 sha256: str, phase: str | None) -> dict[str, Any]:
    """What the `drafted` event records of a new version; of an sa-notification also its phase and whether
    it was drafted late (after the Art. 33(1) deadline), with the reasons for the delay it gives."""
    data: dict[str, Any] = {"kind": kind, "lang": lang, "version": version, "format": fmt, "sha256": sha256,
                            "template": rendered.template, "missing": rendered.missing}
    if kind == "sa-notification":
        late = bool(context["notice"]["late"])
        data.update(phase=phase, late=late, reasons_for_delay=context["notice"]["reasons_for_delay"] if late else None)
    return data


def html_page(text: str, lang: str, *, approved: bool, fallback_title: str, marker: str) -> str:
    """A stored version's HTML rendition; once approved without the DRAFT marker (`marker`, localized)."""
    if approved:
        text = text.replace(f"[{marker}] ", "")
    first = next((line for line in text.splitlines() if line.strip()), fallback_title)
    return to_html(parse(text), lang=lang, title=first.lstrip("# ").strip())


def addressed_org(org: dict[str, Any], authority: Concerned | None) -> dict[str, Any]:
    """The profile as the templates read it: the chosen authority stands in for the lead authority."""
    if authority is None:
        return org
    chosen = authority.authority
    return {**org, "lead_authority": {
        **{k: v for k, v in org.get("lead_authority", {}).items() if k == "languages_mandatory"},
        "country": authority.country, "name": chosen.label if chosen else authority.recipient,
        "short": chosen.short if chosen else None, "languages": list(authority.languages),
        "source": chosen.source if chosen else "breach/resources/authorities.yaml"}}


def _local(value: datetime | None, zone: str) -> str | None:
    return clock.iso(clock.in_zone(value, zone)) if value else None


def _assessment(state: IncidentState) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The latest assessment with its answers; the number of people is the latest count recorded."""
    if not state.assessment:
        return None, {}
    answers = dict(state.assessment.answers)
    assessment = {**state.assessment.result, "answers": answers}
    if state.people:
        # The whole number, the people of unknown location included (`breach scope --unlocated`):
        # whichever was recorded last, the assessment's count or the scope, is the latest count.
        if state.scope_seq > state.assessment.seq or not isinstance(answers.get("subjects_count"), int):
            answers["subjects_count"] = state.people
            answers["jurisdictions"] = dict(state.scope)
        if state.unlocated:
            answers["subjects_unlocated"] = state.unlocated
    return assessment, answers


def _obligation_row(o: Obligation, state: IncidentState, zone: str) -> dict[str, Any]:
    notices = state.notifications.get(o.rule_id, ())
    code = None
    if o.reason:
        code = o.state.value if o.state in (ObligationState.LATE, ObligationState.NOT_APPLICABLE) else "other"
        if o.reason.startswith(AWAITING_ASSESSMENT):
            code = "awaiting"
    return {"obligation": o.rule_id, "recipient": o.recipient, "due_at": _local(o.due_at, zone),
            "met_at": _local(o.met_at, zone), "state": o.state, "reason": o.reason, "reason_code": code,
            "source": o.source,
            "reasons_for_delay": next((n.reasons_for_delay for n in notices if n.reasons_for_delay), None)}


def _sa_notice(state: IncidentState, found: Sequence[Obligation], sa_id: str, answers: dict[str, Any], *,
               zone: str, now: datetime) -> dict[str, Any]:
    """The notice to the authority: late or not, the reasons for the delay, the earlier notices."""
    sa = next((o for o in found if o.rule_id == sa_id), None)
    sa_notices = state.notifications.get(sa_id, ())
    # Art. 33(1): late when the notice was made after 72 h, or when it is drafted after them.
    late = bool(sa and (sa.state == ObligationState.LATE
                        or (sa.state == ObligationState.PENDING and sa.due_at and now > sa.due_at)))
    first = sa_notices[0] if sa_notices else None
    last = sa_notices[-1] if sa_notices else None
    reasons = answers.get("reasons_for_delay") or (last.reasons_for_delay if last else None)
    return {"late": late, "reasons_for_delay": reasons,
            "reference": first.reference if first else None,
            "previous_reference": first.reference if first else None,
            "previous_at": _local(first.at, zone) if first else None,
            "phase_number": len(sa_notices) + 1 if sa_notices else None}
