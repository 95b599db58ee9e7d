"""The organization profile as the code reads it: one typed object, made once after validation.

breach.core.organization validates `organization.yaml`; `Profile.of` turns the validated mapping into
typed fields (who the organization is, its lead authority, DPO, contact, regimes, languages, zone,
Slack users, four-eyes review, national words). The templates read the profile as a mapping
(`org.name`, `org.contact.email`, ...): `template_org` gives it, the document as validated, so a draft
renders byte for byte as before. Pure: no file is read here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: What a Slack user mapped in `slack.users` may do: read (viewer), act on deadlines (responder),
#: and approve notices too (legal).
SLACK_ROLES = ("responder", "legal", "viewer")


def _text(value: Any) -> str | None:
    """A scalar as text (a phone number written as a number too); None when absent or empty."""
    return str(value) if value is not None and value != "" and not isinstance(value, dict | list) else None


def _section(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()


@dataclass(frozen=True)
class Contact:
    """`contact`: who the authority and the people write to (GDPR Art. 33(3)(b))."""

    name: str | None = None
    email: str | None = None
    privacy_email: str | None = None
    phone: str | None = None

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Contact:
        return cls(name=_text(data.get("name")), email=_text(data.get("email")),
                   privacy_email=_text(data.get("privacy_email")), phone=_text(data.get("phone")))


@dataclass(frozen=True)
class Authority:
    """`lead_authority`: the authority of the main establishment (GDPR Art. 56)."""

    country: str | None = None
    name: str | None = None
    short: str | None = None
    languages: tuple[str, ...] = ()
    languages_mandatory: bool = False

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Authority:
        return cls(country=_text(data.get("country")), name=_text(data.get("name")), short=_text(data.get("short")),
                   languages=_strings(data.get("languages")),
                   languages_mandatory=data.get("languages_mandatory") is True)


@dataclass(frozen=True)
class Dpo:
    """`dpo`: the data protection officer (GDPR Art. 37), or its absence (`designated: false`)."""

    designated: bool = False
    name: str | None = None
    email: str | None = None
    phone: str | None = None

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Dpo:
        return cls(designated=data.get("designated") is True, name=_text(data.get("name")),
                   email=_text(data.get("email")), phone=_text(data.get("phone")))


@dataclass(frozen=True)
class Entity:
    """One legal entity of `entities`. `main_establishment` is None when the entity does not say."""

    name: str | None = None
    id: str | None = None
    country: str = ""
    subdivision: str | None = None
    main_establishment: bool | None = None
    roles: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return str(self.name or self.id)

    @property
    def controller(self) -> bool:
        """A controller unless its roles say otherwise (roles default to controller)."""
        return "controller" in (self.roles or ("controller",))

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Entity:
        main = data.get("main_establishment")
        return cls(name=_text(data.get("name")), id=_text(data.get("id")), country=str(data.get("country") or ""),
                   subdivision=_text(data.get("subdivision")),
                   main_establishment=main if isinstance(main, bool) else None, roles=_strings(data.get("roles")))


@dataclass(frozen=True)
class SlackPerson:
    """A person behind a Slack user id (`slack.users`), with the role that sets what they may do."""

    name: str
    role: str


@dataclass(frozen=True)
class SlackSettings:
    """`slack`: who may act from Slack, and whether reminders may name the processor's customers."""

    users: Mapping[str, SlackPerson] = field(default_factory=dict)
    customer_names: bool = False

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> SlackSettings:
        users = data.get("users")
        mapped = {str(k): SlackPerson(name=str(v["name"]), role=str(v["role"]))
                  for k, v in (users.items() if isinstance(users, Mapping) else ())
                  if isinstance(v, Mapping) and v.get("name") and v.get("role") in SLACK_ROLES}
        return cls(users=mapped, customer_names=data.get("customer_names") is True)


@dataclass(frozen=True)
class Profile:
    """The organization profile (`organization.yaml`, or the version pushed to a shared log), typed.

    `document` is the validated mapping the templates read (`template_org`); the code reads the fields.
    """

    name: str = ""
    timezone: str = "UTC"
    languages: tuple[str, ...] = ()
    regimes: tuple[str, ...] = ()
    entities: tuple[Entity, ...] = ()
    contact: Contact = Contact()
    lead_authority: Authority | None = None
    dpo: Dpo | None = None
    four_eyes: bool = False  # `review: {four_eyes: true}`: who drafted a version may not approve it
    national_id_words: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # words.national_id
    slack: SlackSettings = SlackSettings()
    document: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Profile:
        """The typed profile of a mapping (validated by breach.core.organization; a partial one reads as far
        as it goes, absent parts empty)."""
        lead, dpo = data.get("lead_authority"), data.get("dpo")
        return cls(
            name=str(data.get("name") or ""), timezone=str(data.get("timezone") or "UTC"),
            languages=_strings(data.get("languages")), regimes=_strings(data.get("regimes")),
            entities=tuple(Entity.of(e) for e in data.get("entities") or () if isinstance(e, Mapping)),
            contact=Contact.of(_section(data, "contact")),
            lead_authority=Authority.of(lead) if isinstance(lead, Mapping) else None,
            dpo=Dpo.of(dpo) if isinstance(dpo, Mapping) else None,
            four_eyes=_section(data, "review").get("four_eyes") is True,
            national_id_words=_national_id_words(_section(data, "words").get("national_id")),
            slack=SlackSettings.of(_section(data, "slack")), document=data)

    @property
    def controllers(self) -> tuple[Entity, ...]:
        return tuple(e for e in self.entities if e.controller)

    @property
    def lead_languages(self) -> tuple[str, ...]:
        """The languages the lead authority accepts (none without a lead authority)."""
        return self.lead_authority.languages if self.lead_authority else ()

    def named(self, section: str) -> str | None:
        """The `name` of a section a rule names its recipient from (`recipient_from: lead_authority`)."""
        found = {"lead_authority": self.lead_authority, "contact": self.contact, "dpo": self.dpo}.get(section)
        return found.name if found is not None else None


def _national_id_words(value: Any) -> dict[str, dict[str, str]]:
    if not isinstance(value, Mapping):
        return {}
    return {str(code): {str(lang): str(word) for lang, word in by_lang.items() if isinstance(word, str)}
            for code, by_lang in value.items() if isinstance(by_lang, Mapping)}


def template_org(profile: Profile) -> dict[str, Any]:
    """The profile as the templates read it (`org.name`, `org.contact.email`, `org.sector`, ...): the validated
    document, so drafts render as they always did."""
    return dict(profile.document)
