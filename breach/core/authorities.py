"""The EU/EEA supervisory authorities (breach/resources/authorities.yaml) and who is concerned.

Pure: the directory is data, validated on load (every problem at once, with its line);
the functions below answer, from the organization profile and a member state, which
authority an Art. 33 notice goes to, and say so when the tool cannot tell (Germany's
Länder), never guessing.

One-stop-shop (GDPR Art. 56): a controller with its main establishment in the EU/EEA
notifies its lead authority. A controller without one (an Art. 27 representative does
not count) notifies every authority of a member state where affected people live
(EDPB Guidelines 9/2022 v2.0, para 73).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from breach.core.profile import Profile
from breach.core.sources import Checked, checked_of, validate_checked
from breach.core.yamlio import Bad, LineDict, LineList
from breach.errors import NotFoundError, Problem

#: EU member states and the EEA EFTA states (ISO 3166-1; Greece is GR).
EU = ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
      "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE")
EEA = (*EU, "IS", "LI", "NO")
#: Codes used for a member state besides ISO 3166 (the EU writes Greece EL).
ALIASES = {"EL": "GR"}
STATUSES = ("confirmed", "partial", "unconfirmed")
LEVELS = ("national", "federal", "land")
#: Why a representative does not help: cited wherever the tool says "every authority".
EDPB_REPRESENTATIVE = "EDPB Guidelines 9/2022 v2.0, para 73 (a representative does not bring the one-stop-shop)"
NEEDS_DECISION = "needs a legal decision"

_KEYS = {"id", "country", "level", "name", "name_en", "short", "languages", "portal", "website", "competence",
         "source", "source_quote", "status", "note", "checked"}
_REQUIRED = ("id", "country", "name", "languages", "source", "status")
_PORTAL_KEYS = {"url", "status", "source"}
_ID = re.compile(r"^[A-Z]{2}(?:-[A-Z]{2,3})?$")
_LANG = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class Authority:
    id: str
    country: str
    name: str
    languages: tuple[str, ...]
    source: str
    status: str
    level: str = "national"
    name_en: str | None = None
    short: str | None = None
    website: str | None = None
    portal: dict[str, str] | None = None
    competence: str | None = None
    note: str | None = None
    #: Our own reading of the official page; `status` stays regimes.md's mark (breach.core.sources).
    checked: Checked | None = None

    @property
    def label(self) -> str:
        """Name in its own language, with the abbreviation: "Autoriteit Persoonsgegevens (AP)"."""
        return f"{self.name} ({self.short})" if self.short else self.name

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "country": self.country, "level": self.level, "name": self.name,
                "name_en": self.name_en, "short": self.short, "languages": list(self.languages),
                "portal": dict(self.portal) if self.portal else None, "website": self.website,
                "competence": self.competence, "source": self.source, "status": self.status, "note": self.note,
                "checked": self.checked.to_dict() if self.checked else None}


@dataclass(frozen=True)
class Concerned:
    """The authority (or, when undetermined, the candidates) for one member state."""

    country: str
    candidates: tuple[Authority, ...]
    determined: bool
    why: str | None = None  # how it was chosen, or why it could not be

    @property
    def authority(self) -> Authority | None:
        return self.candidates[0] if self.determined else None

    @property
    def recipient(self) -> str:
        if self.determined:
            return self.candidates[0].label
        return (f"{self.country}: competent supervisory authority not determined ({NEEDS_DECISION}), one of "
                + ", ".join(a.short or a.name for a in self.candidates))

    @property
    def languages(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for a in self.candidates:
            seen.update(dict.fromkeys(a.languages))
        return tuple(seen)

    @property
    def status(self) -> str:
        """The weakest status of the candidates' data."""
        return max((a.status for a in self.candidates), key=STATUSES.index)

    def to_dict(self) -> dict[str, Any]:
        return {"country": self.country, "determined": self.determined, "why": self.why,
                "recipient": self.recipient, "languages": list(self.languages), "status": self.status,
                "authorities": [a.to_dict() for a in self.candidates]}


@dataclass(frozen=True)
class Directory:
    authorities: tuple[Authority, ...]
    by_id: dict[str, Authority] = field(default_factory=dict, compare=False)

    def get(self, authority_id: str) -> Authority:
        key = authority_id.strip().upper()
        key = ALIASES.get(key, key)
        if key not in self.by_id:
            raise NotFoundError(f"no supervisory authority {authority_id!r} in the directory "
                                f"(EU/EEA country codes such as NL, or DE-BY for a German Land)")
        return self.by_id[key]

    def of_country(self, country: str) -> tuple[Authority, ...]:
        return tuple(a for a in self.authorities if a.country == country)


# --- loading and validation -----------------------------------------------------------


def check_directory(data: Any, path: str) -> tuple[tuple[Problem, ...], Directory]:
    """Every problem in a parsed directory file `path`, and the directory (breach.adapters.rules reads it)."""
    problems: list[Problem] = []

    def bad(line: int | None, message: str) -> None:
        problems.append(Problem(path, line, message))

    items = data.get("authorities") if isinstance(data, LineDict) else None
    if not isinstance(items, LineList) or not items:
        bad(getattr(data, "line", 1), "the directory is a mapping with a non-empty list `authorities`")
        return tuple(problems), Directory(())
    for key in data:
        if key != "authorities":
            bad(data.line_of(key), f"unknown key {key!r} (the file holds `authorities`)")
    found: list[Authority] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(items):
        if not isinstance(raw, LineDict):
            bad(items.line_of(i), "each authority is a mapping")
            continue
        before = len(problems)
        _validate_entry(raw, bad)
        ident = raw.get("id")
        if isinstance(ident, str):
            if ident in seen:
                bad(raw.line_of("id"), f"duplicate authority id {ident!r} (first at line {seen[ident]})")
            seen.setdefault(ident, raw.line_of("id"))
        if len(problems) == before:
            found.append(_to_authority(raw))
    countries = {a.country for a in found}
    for country in EEA:
        if country not in countries and country not in {raw.get("country") for raw in items if isinstance(raw, dict)}:
            bad(data.line_of("authorities"), f"no authority for {country} (every EU/EEA member state needs one)")
    directory = Directory(tuple(found), {a.id: a for a in found})
    return tuple(sorted(problems, key=lambda p: p.line or 0)), directory


def _validate_entry(raw: LineDict, bad: Bad) -> None:
    what = f"authority {raw.get('id')!r}" if raw.get("id") else "authority"
    for key in raw:
        if key not in _KEYS:
            bad(raw.line_of(key), f"unknown key {key!r} in {what} (allowed: {', '.join(sorted(_KEYS))})")
    for key in _REQUIRED:
        if key not in raw:
            bad(raw.line, f"{what} is missing the key {key!r}")
    for key in ("name", "name_en", "short", "website", "competence", "source", "note"):
        if key in raw and (not isinstance(raw[key], str) or not raw[key].strip()):
            bad(raw.line_of(key), f"{key} must be a non-empty text")
    ident, country = raw.get("id"), raw.get("country")
    if "id" in raw and (not isinstance(ident, str) or not _ID.match(ident)):
        bad(raw.line_of("id"), f"id must be a country code (NL) or a subdivision (DE-BY), got {ident!r}")
    if "country" in raw and country not in EEA:
        bad(raw.line_of("country"), f"country must be an EU/EEA code (ISO 3166-1, e.g. NL), got {country!r}")
    elif isinstance(ident, str) and isinstance(country, str) and ident.split("-")[0] != country:
        bad(raw.line_of("id"), f"id {ident!r} does not belong to country {country!r}")
    level = raw.get("level", "national")
    if level not in LEVELS:
        bad(raw.line_of("level"), f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    elif (level == "land") != (isinstance(ident, str) and "-" in ident):
        bad(raw.line_of("level"), "a Land authority has a subdivision id (DE-BY), and only it")
    langs = raw.get("languages")
    if "languages" in raw and (not isinstance(langs, list) or not langs
                               or not all(isinstance(x, str) and _LANG.match(x) for x in langs)):
        bad(raw.line_of("languages"), f"languages must list ISO 639-1 codes such as [nl] (quote 'no'), got {langs!r}")
    if "status" in raw and raw["status"] not in STATUSES:
        bad(raw.line_of("status"), f"status must be one of {', '.join(STATUSES)}, got {raw['status']!r}")
    validate_checked(raw, bad, what)
    portal = raw.get("portal")
    if portal is not None:
        if not isinstance(portal, LineDict):
            bad(raw.line_of("portal"), "portal is null (not known) or a mapping {url, status, source}")
        else:
            for key in portal:
                if key not in _PORTAL_KEYS:
                    bad(portal.line_of(key), f"unknown key {key!r} in portal (allowed: url, status, source)")
            for key in _PORTAL_KEYS:
                if key not in portal:
                    bad(portal.line, f"portal is missing the key {key!r} (an address we are not sure of is "
                                     "status: unconfirmed)")
            if not str(portal.get("url", "")).startswith("https://"):
                bad(portal.line_of("url"), f"portal url must start with https://, got {portal.get('url')!r}")
            if portal.get("status") not in STATUSES:
                bad(portal.line_of("status"), f"portal status must be one of {', '.join(STATUSES)}")


def _to_authority(raw: LineDict) -> Authority:
    portal = raw.get("portal")
    return Authority(
        id=raw["id"], country=raw["country"], name=raw["name"], languages=tuple(raw["languages"]),
        source=raw["source"], status=raw["status"], level=raw.get("level", "national"),
        name_en=raw.get("name_en"), short=raw.get("short"), website=raw.get("website"),
        portal=dict(portal) if portal else None, competence=raw.get("competence"), note=raw.get("note"),
        checked=checked_of(raw),
    )


# --- who is concerned -----------------------------------------------------------------


def member_state(code: str) -> str | None:
    """The EU/EEA member state of a scope code (NL, DE-BY -> DE, EL -> GR), or None outside it."""
    country = code.strip().upper().split("-")[0]
    country = ALIASES.get(country, country)
    return country if country in EEA else None


def member_states_in_scope(scope: dict[str, int]) -> list[str]:
    """EU/EEA member states with affected people, in a stable order."""
    found = {ms for code, n in scope.items() if n > 0 and (ms := member_state(code))}
    return sorted(found)


@dataclass(frozen=True)
class Establishment:
    """The profile's answer to "is there an EU main establishment?" (GDPR Art. 4(16), 56)."""

    lead_country: str | None  # the main establishment's member state (one-stop-shop), or None
    without: tuple[str, ...]  # controller entities established outside the EU/EEA, no main establishment

    @property
    def one_stop_shop(self) -> bool:
        return self.lead_country is not None


def establishment(org: Profile) -> Establishment:
    """Per controller entity, `main_establishment: true|false` decides (see incidents/organization.yaml).

    A profile whose controllers do not say (older profiles) keeps its `lead_authority`.
    """
    controllers = org.controllers
    lead = next((e for e in controllers if e.main_establishment is True), None)
    lead_country = member_state(lead.country) if lead else None
    if lead is None and not any(e.main_establishment is not None for e in controllers):
        lead_country = member_state((org.lead_authority.country if org.lead_authority else None) or "")
    without = tuple(e.label for e in controllers
                    if e.main_establishment is not True and not member_state(e.country))
    return Establishment(lead_country=lead_country, without=without)


def concerned(country: str, org: Profile | None = None, *, directory: Directory | None = None) -> Concerned:
    """The authority of `country` for this organization; for Germany, the Land only when known.

    BDSG § 40: a non-public body is supervised by the authority of the Land where it is
    established; the profile says so with an entity `country: DE, subdivision: DE-XX`.
    Without one, every German authority is listed and the choice left to counsel.
    """
    if directory is None:
        raise NotFoundError("no directory of supervisory authorities was given (breach.adapters.rules.load_directory)")
    country = member_state(country) or country.upper()
    candidates = directory.of_country(country)
    if not candidates:
        raise NotFoundError(f"{country} is not an EU/EEA member state (no supervisory authority in the directory)")
    if len(candidates) == 1:
        return Concerned(country=country, candidates=candidates, determined=True)
    lands = {a.id: a for a in candidates if a.level == "land"}
    established = sorted({e.subdivision for e in (org.controllers if org else ())
                          if e.subdivision and member_state(e.country) == country and e.subdivision in lands})
    if len(established) == 1:
        chosen = lands[established[0]]
        return Concerned(country=country, candidates=(chosen,), determined=True,
                         why=f"the controller is established in {established[0]} (BDSG § 40; unconfirmed)")
    return Concerned(
        country=country, candidates=candidates, determined=False,
        why=(f"{len(candidates)} authorities share {country} and the profile names no establishment in one Land; "
             f"breach does not guess which is competent ({NEEDS_DECISION})"),
    )
