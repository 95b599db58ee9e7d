"""Issue 21, "the profile is a typed object loaded once": breach.core.profile.Profile, made by the loader after
validation; the code reads its fields, the templates read `template_org` (the document as validated)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from breach.adapters.profile import load_org, load_profile
from breach.api import open_session
from breach.core.organization import load_org_text
from breach.core.profile import Authority, Profile, SlackPerson, template_org
from breach.errors import ValidationError

SAMPLE = Path(__file__).resolve().parent.parent / "incidents" / "organization.yaml"


def test_the_sample_profile_reads_as_typed_fields() -> None:
    org = load_profile(SAMPLE)
    assert org.name == "Sparkcentral" and org.timezone == "Europe/Brussels"
    assert org.lead_authority == Authority(country="BE", name="Gegevensbeschermingsautoriteit / Autorité de "
                                           "protection des données", short="GBA/APD", languages=("fr", "nl", "de"),
                                           languages_mandatory=True)
    assert org.lead_languages == ("fr", "nl", "de") and org.languages == ("en", "fr", "nl", "de")
    assert org.regimes == ("gdpr", "us-states", "au-ndb", "ca-pipeda")
    assert org.contact.email == "pieter.l@sparkcentral.com" and org.contact.privacy_email == "privacy@sparkcentral.com"
    assert org.dpo is not None and org.dpo.designated is False and org.dpo.email is None
    assert [(e.label, e.country, e.main_establishment) for e in org.controllers] == [
        ("Sparkcentral Europe NV", "BE", True), ("Sparkcentral Inc.", "US", False)]
    assert org.named("lead_authority") == org.lead_authority.name and org.named("sector") is None
    assert org.four_eyes is False and org.slack.users == {} and org.slack.customer_names is False


def test_review_slack_and_words_are_typed_once_validated() -> None:
    text = SAMPLE.read_text() + ("\nreview: {four_eyes: true}\nwords: {national_id: {NL: {nl: BSN}}}\n"
                                 "slack:\n  customer_names: true\n  users:\n    U0123ABCD: {name: Lea, role: legal}\n")
    org = load_org_text(text, source="o.yaml")
    assert org.four_eyes is True and org.national_id_words == {"NL": {"nl": "BSN"}}
    assert org.slack.customer_names is True and org.slack.users == {"U0123ABCD": SlackPerson("Lea", "legal")}
    with pytest.raises(ValidationError, match="review.four_eyes takes true or false"):
        load_org_text(SAMPLE.read_text() + "\nreview: {four_eyes: maybe}\n", source="o.yaml")


def test_the_profile_is_frozen_and_the_templates_read_the_validated_document() -> None:
    org = load_profile(SAMPLE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        org.name = "Other"  # type: ignore[misc]
    assert template_org(org) == load_org(SAMPLE)  # `org.*` in templates/ reads what it always read
    assert template_org(Profile()) == {} and Profile().timezone == "UTC"


def test_the_session_loads_the_profile_once(home: Path) -> None:
    with open_session(home, write=False) as s:
        first = s.org
        assert isinstance(first, Profile) and s.org is first and s.org_zone == first.timezone
