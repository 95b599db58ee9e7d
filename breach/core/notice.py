"""A notice's pure parts: the context its template sees, its phase, the record of a version, its HTML.

The context is built from one incident's fold and its obligations, evaluated once by the caller;
the organization profile and `now` are passed in. Times are ISO 8601 in the organization's zone
(templates show them in the document's language).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Any, NotRequired, TypedDict

from breach.core import time as clock
from breach.core.authorities import Concerned, establishment
from breach.core.drafting import DEFERRABLE, Rendered, TemplateSet, draft_marker, missing_fields, render
from breach.core.mdblocks import parse, to_html
from breach.core.profile import Authority, Profile, template_org
from breach.core.regimes import Obligation
from breach.core.review import draft_states
from breach.core.sent_letters import letters_sent
from breach.core.state import IncidentState
from breach.core.states import DraftState, ObligationState, Phase
from breach.core.us_letter import drafted_for, laws_for_kind, nobody_warning, state_law_context
from breach.core.wording import AWAITING_ASSESSMENT
from breach.errors import ApprovalError, InputError

#: Fields of the incident shown in the organization's zone.
INCIDENT_TIMES = ("aware_at", "occurred_at", "detected_at", "opened_at", "closed_at")


def sa_obligation_id(org: Profile, authority: Concerned | None) -> str:
    """gdpr-art33-sa for the lead authority, gdpr-art33-sa:CC for another member state's."""
    if authority is None or authority.country == establishment(org).lead_country:
        return "gdpr-art33-sa"
    return f"gdpr-art33-sa:{authority.country}"


def notice_context(state: IncidentState, incident: Mapping[str, Any], found: Sequence[Obligation], *,
                   org: Profile, now: datetime, authority: Concerned | None = None,
                   notice: dict[str, Any] | None = None, country: str | None = None,
                   kind: str | None = None) -> dict[str, Any]:
    """Everything a template may use. `incident` is the incident's fields (breach.services.incidents.incident_dict),
    `found` its obligations at `now`. The notice to the customers (`controller-notice`) says what the
    assessment of their data found (`assess --for-customers`), when there is one.

    `country` (NL, US-CA): the country of the people it is for, whose words it uses for national
    identifiers (breach.core.national_words); default the lead authority's country.
    With `authority`, the notice is addressed to that authority (it stands in for
    `org.lead_authority`, which the templates read) and follows its obligation.
    """
    zone = org.timezone
    inc = {**incident, **{key: _local(getattr(state.incident, key), zone) for key in INCIDENT_TIMES}}
    assessment, answers = (_customers_assessment(state) if kind == "controller-notice" and state.customers_assessment
                           else _assessment(state))
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


def authorities_of(state: IncidentState, found: Sequence[Obligation], sa_id: str, *, org: Profile,
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
        profile = org.lead_authority or Authority()
        first = next(iter(state.notifications.get("gdpr-art33-sa", ())), None)
        lead = {"country": lead_country, "name": profile.name, "short": profile.short,
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


def addressed_org(org: Profile, authority: Concerned | None) -> dict[str, Any]:
    """The profile as the templates read it (breach.core.profile.template_org): the chosen authority stands in
    for the lead authority."""
    mapping = template_org(org)
    if authority is None:
        return mapping
    chosen = authority.authority
    return {**mapping, "lead_authority": {
        **{k: v for k, v in mapping.get("lead_authority", {}).items() if k == "languages_mandatory"},
        "country": authority.country, "name": chosen.label if chosen else authority.recipient,
        "short": chosen.short if chosen else None, "languages": list(authority.languages),
        "source": chosen.source if chosen else "breach/resources/authorities.yaml"}}


def _local(value: datetime | None, zone: str) -> str | None:
    return clock.iso(clock.in_zone(value, zone)) if value else None


def _customers_assessment(state: IncidentState) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The processor's assessment of the customers' data, as its answers say (its own counts)."""
    a = state.customers_assessment
    if a is None:
        return None, {}
    answers = dict(a.answers)
    return {**a.result, "answers": answers}, answers


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


# --- a new version of a notice, made from what was read before --------------------------------------------


@dataclass(frozen=True)
class DraftAsked:
    """What `breach draft` asks for, checked: the document, its language, the format stored (md or txt; an
    html draft is a rendition of the markdown, `html`), the phase, the people's country and the addressee."""

    kind: str
    lang: str
    fmt: str
    html: bool = False
    strict: bool = False
    phase: str | None = None
    country: str | None = None
    authority: Concerned | None = None


@dataclass(frozen=True)
class DraftSources:
    """Everything a new version is made from, all read before the pure work: the incident's fold, its fields
    and obligations (evaluated once), the versions stored, the US state laws (loaded for a US letter only),
    the profile, the field labels, the templates, and the shipped catalogue the DRAFT marker comes from."""

    state: IncidentState
    incident: Mapping[str, Any]
    found: Sequence[Obligation]
    stored: Sequence[Mapping[str, Any]]
    us_laws: Mapping[str, dict[str, Any]]  # us-state-laws.yaml by state id; empty unless a US letter is drafted
    org: Profile
    labels: Mapping[str, Any]
    templates: TemplateSet
    shipped: TemplateSet
    home: str  # the data folder, absolute: where the result says the files are


@dataclass(frozen=True)
class NewDraft:
    """A rendered version: new (to be stored), or `unchanged` (the newest stored one, `version`). `event`
    is what its `drafted` event records; `html` the page of its HTML rendition (without the DRAFT marker once
    approved), when one was asked for."""

    incident_id: str
    asked: DraftAsked
    rendered: Rendered
    sha256: str
    phase: str | None
    country: str | None
    unchanged: bool
    version: int
    event: dict[str, Any]
    html: str | None
    approved: bool
    home: str
    warnings: tuple[str, ...] = ()  # for the person drafting (a shared US letter that goes to no one)


class DraftWritten(TypedDict):
    """A notice version stored and written: which one, the sha256 its approval binds, its file, what is missing."""

    incident: str
    kind: str
    lang: str
    version: int
    format: str
    sha256: str
    path: str
    missing: list[str]
    template: str
    template_origin: str


class DraftResult(DraftWritten):
    """What `create_draft` returns: the version (new or unchanged), its files and what it still lacks."""

    path_in_home: str
    subject: str
    phase: str | None
    unchanged: bool
    country: str | None
    html_path: NotRequired[str]


def compose_draft(sources: DraftSources, asked: DraftAsked, *, now: datetime) -> NewDraft:
    """Render the notice from its sources; unchanged when the newest stored version has the same text."""
    state = sources.state
    iid = state.incident.id
    context = notice_context(state, sources.incident, sources.found, org=sources.org, now=now,
                             authority=asked.authority, country=asked.country, kind=asked.kind)
    answers = state.assessment.answers if state.assessment else None
    law = laws_for_kind(sources.us_laws, asked.kind, state.scope, answers) if sources.us_laws else None
    context.update(state_law_context(law, state, now=now))
    check_public_notice(asked.kind, context, iid)
    phase = with_phase(context, asked.kind, asked.phase, labels=sources.labels)
    rendered = render(asked.kind, asked.lang, asked.fmt, context, templates=sources.templates)
    kind, lang, fmt = asked.kind, asked.lang, asked.fmt
    if asked.strict and rendered.missing:
        raise InputError(f"{kind} ({lang}) is missing content the law requires: " + ", ".join(rendered.missing))
    digest = sha256_hex(rendered.text)
    same = [r for r in sources.stored if (r["kind"], r["lang"], r["format"]) == (kind, lang, fmt)]
    unchanged = bool(same) and same[-1]["sha256"] == digest
    version = int(same[-1]["version"]) if unchanged else 0
    if unchanged and asked.html and sha256_hex(same[-1]["text"]) != digest:  # the rendition is of the stored text
        raise ApprovalError(f"{kind} ({lang}) v{version} was changed after it was drafted: its text does not hash "
                            f"to the recorded {digest[:12]}… (hash mismatch)")
    event: dict[str, Any] = {}
    if not unchanged:  # else nothing changed since the newest version: no new version for legal to review again
        event = drafted_data(context, rendered, kind=kind, lang=lang, version=0, fmt=fmt, sha256=digest, phase=phase)
        event.update({"country": asked.country} if asked.country else {})
        event.update(drafted_for(context))  # a US letter: the states it was drafted for
    approved = unchanged and asked.html and _approved(sources, kind, lang, version)
    page = None
    if asked.html:  # a rendition of the stored text, never a new version; without the DRAFT marker once approved
        page = html_page(rendered.text, lang, approved=approved, fallback_title=kind,
                         marker=draft_marker(sources.shipped.catalogue(lang)))
    warnings = (nobody_warning(sources.us_laws, state.scope, answers),) if law == [] else ()
    return NewDraft(incident_id=iid, asked=asked, rendered=rendered, sha256=digest, phase=phase,
                    country=context["country"], unchanged=unchanged, version=version, event=event, html=page,
                    approved=approved, home=sources.home, warnings=warnings)


def _approved(sources: DraftSources, kind: str, lang: str, version: int) -> bool:
    """Whether the stored version is approved (or sent): its HTML rendition then has no DRAFT marker."""
    state = sources.state
    shown = draft_states(sources.stored, state.reviews, state.notifications,
                         letters_sent(state.letters))
    done = {DraftState.APPROVED, DraftState.SENT}
    return any((r["kind"], r["lang"], r["version"]) == (kind, lang, version) and r["state"] in done for r in shown)


def draft_file_name(new: NewDraft, version: int, fmt: str, *, approved: bool = False) -> str:
    """The file name of a version (`sa-notification.fr.v2.md`; `.approved` before an approved rendition's
    format)."""
    return f"{new.asked.kind}.{new.asked.lang}.v{version}{'.approved' if approved else ''}.{fmt}"


def draft_result(new: NewDraft, version: int) -> DraftResult:
    """What `create_draft` returns, once the version is stored (or was already)."""
    asked, rendered = new.asked, new.rendered
    in_home = PurePath(new.incident_id, "drafts", draft_file_name(new, version, asked.fmt))
    result: DraftResult = {
        "incident": new.incident_id, "kind": asked.kind, "lang": asked.lang, "version": version,
        "format": asked.fmt, "sha256": new.sha256, "path": str(PurePath(new.home, in_home)),
        "path_in_home": str(in_home), "missing": rendered.missing, "template": rendered.template,
        "subject": rendered.subject, "template_origin": rendered.origin, "phase": new.phase,
        "unchanged": new.unchanged, "country": new.country}
    if new.html is not None:
        html = draft_file_name(new, version, "html", approved=new.approved)
        result["html_path"] = str(PurePath(new.home, new.incident_id, "drafts", html))
    return result


def sha256_hex(text: str) -> str:
    """The sha256 of a text (UTF-8), as the store records it."""
    import hashlib  # on first use: reads need no OpenSSL (start-up)

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_public_notice(kind: str, context: dict[str, Any], incident_id: str) -> None:
    """A public notice only where letters would take disproportionate effort (GDPR Art. 34(3)(c))."""
    if kind != "public-notice":
        return
    assessment = context.get("assessment") or {}
    if assessment.get("public_communication"):
        return
    found = "it has no assessment yet" if not assessment else (
        "its assessment did not find it (disproportionate_effort is not true)" if assessment.get("notify_subjects")
        or assessment.get("risk") == "high" else "its assessment owes no communication to the people concerned")
    raise InputError(f"{incident_id}: a public notice is drafted only where contacting each person individually would "
                     f"involve disproportionate effort (GDPR Art. 34(3)(c)), and {found}; draft subject-letter "
                     f"instead, or answer disproportionate_effort: true with disproportionate_effort_evidence "
                     f"(breach assess {incident_id} --answers FILE)")
