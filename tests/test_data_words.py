"""The words a notice uses for what leaked (breach.core.data_words) and what a US state's letter needs
(breach.core.us_letter): pure functions, checked directly."""

from __future__ import annotations

from datetime import UTC, datetime

from breach.core import data_words, us_letter

LAW = {"id": "US-CA", "statute": "Cal. Civ. Code § 1798.82", "zone": "America/Los_Angeles",
       "content": {"identity_theft_offer": {"when_any": ["ssn", "drivers_license", "state_id"], "months": 12}}}
NOW = datetime(2026, 11, 28, 13, 5, tzinfo=UTC)


def test_health_alone_is_health_data_and_nothing_else() -> None:
    assert data_words.data_kinds(["health"]) == ["health"]


def test_a_bank_account_is_financial_and_an_email_is_contact() -> None:
    kinds = data_words.data_kinds(["bank_account", "email", "name"])
    assert "financial" in kinds and "contact" in kinds and "health" not in kinds


def test_unknown_items_count_as_other_and_nothing_is_invented() -> None:
    assert data_words.data_kinds(["something new"]) == ["other"]
    assert data_words.data_kinds(None) == []


def test_a_ssn_breach_letter_owes_the_12_month_offer_in_pacific_time() -> None:
    facts = us_letter.letter_facts(LAW, {"data_items": ["name", "national_id"]},
                                   {"occurred_at": datetime(2026, 3, 9, 17, 0, tzinfo=UTC), "aware_at": NOW}, now=NOW)
    assert facts["offer"] == {"months": 12, "source": "Cal. Civ. Code § 1798.82(d)(2)(G)"}
    assert facts["occurred_at"].startswith("2026-03-09T10:00:00-07:00")  # Pacific daylight time


def test_an_email_and_password_letter_owes_no_offer() -> None:
    facts = us_letter.letter_facts(LAW, {"data_items": ["email", "password"]}, {"aware_at": NOW}, now=NOW)
    assert facts["offer"] is None


def test_no_state_law_no_letter_facts() -> None:
    assert us_letter.state_law_context(None, object(), now=NOW) == {}
