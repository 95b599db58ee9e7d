"""Each country's words for a national identifier, in the language of the document (issue 24).

A letter or notice is for the people of one country (its recipients' jurisdiction): a Dutch
resident has a BSN, a French one a NIR, a Californian a Social Security number. Pure: the table
below, overridden by the profile's `words: {national_id: {NL: {nl: BSN}}}`; when neither knows
the country, the catalogue's generic words (templates/i18n/<lang>.yaml `items.national_id`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from breach.core.profile import Profile

#: The national identification number by country (ISO 3166-1; US-CA style codes use their country),
#: named in each language. Sources: the issuing authorities' own names for them.
NATIONAL_ID: dict[str, dict[str, str]] = {
    "BE": {"nl": "rijksregisternummer", "fr": "numéro de registre national", "de": "Nationalregisternummer",
           "en": "national register number"},
    "NL": {"nl": "burgerservicenummer (BSN)", "en": "citizen service number (BSN)", "fr": "numéro BSN",
           "de": "Bürgerservicenummer (BSN)"},
    "FR": {"fr": "numéro de sécurité sociale (NIR)", "en": "social security number (NIR)",
           "nl": "socialezekerheidsnummer (NIR)", "de": "Sozialversicherungsnummer (NIR)"},
    "DE": {"de": "Steueridentifikationsnummer oder Personalausweisnummer",
           "en": "tax identification number or identity card number",
           "fr": "numéro d'identification fiscale ou numéro de carte d'identité",
           "nl": "fiscaal identificatienummer of identiteitskaartnummer"},
    "LU": {"fr": "numéro d'identification national (matricule)", "de": "nationale Identifikationsnummer",
           "en": "national identification number (matricule)", "nl": "nationaal identificatienummer"},
    "US": {"en": "Social Security number", "fr": "numéro de sécurité sociale (Social Security number)",
           "nl": "socialezekerheidsnummer (Social Security number)", "de": "Sozialversicherungsnummer"},
    "CA": {"en": "Social Insurance Number (SIN)", "fr": "numéro d'assurance sociale (NAS)",
           "nl": "Social Insurance Number (SIN)", "de": "Sozialversicherungsnummer (SIN)"},
    "AU": {"en": "Tax File Number (TFN)", "fr": "numéro fiscal (Tax File Number)",
           "nl": "fiscaal nummer (Tax File Number)", "de": "Steuernummer (Tax File Number)"},
    "GB": {"en": "National Insurance number", "fr": "numéro d'assurance nationale (National Insurance number)",
           "nl": "National Insurance-nummer", "de": "Sozialversicherungsnummer (National Insurance number)"},
}


def country_of(code: str | None) -> str | None:
    """US-CA -> US; NL -> NL."""
    return code.strip().upper().split("-")[0] if code and code.strip() else None


def national_id_word(code: str | None, lang: str, org: Profile | None = None) -> str | None:
    """The national identifier of the people of `code` in `lang`: the profile's word first (for the
    subdivision, then its country), then the table; None when neither knows it."""
    return word_for(code, lang, org.national_id_words if org else {})


def word_for(code: str | None, lang: str, words: Mapping[str, Mapping[str, str]]) -> str | None:
    """As national_id_word, with the profile's words (`words.national_id`: {country: {language: word}})."""
    for key in (code.strip().upper() if code else None, country_of(code)):
        found = words.get(key) if key else None
        if isinstance(found, Mapping) and found.get(lang):
            return str(found[lang])
    return NATIONAL_ID.get(country_of(code) or "", {}).get(lang)
