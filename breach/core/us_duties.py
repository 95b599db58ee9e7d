"""Which US state duties an assessment starts: its answers in the laws' element vocabulary (pure).

The assessment answers `data_items` in the playbook's words (name, email, national_id, ...)
and the encryption state; each US state law (breach/resources/regimes/us-state-laws.yaml,
read by breach.adapters.rules.load_us_laws) covers only some element combinations, unencrypted
or with the key compromised. ``finding`` answers for one state, ``reason`` and ``basis`` say it
as `status --explain` shows it.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from breach.core.us_state_laws import Finding, covered

#: The playbook's data items as the US laws' elements, for a US resident (a national identifier is
#: the Social Security number; a username or account number is the login the laws name).
ITEM_ELEMENTS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "email": ("username_or_email",),
    "account": ("username_or_email",),
    "password": ("password",),
    "national_id": ("ssn",),
    "passport": ("passport",),
    "date_of_birth": ("date_of_birth",),
    "bank_account": ("financial_account",),
    "payment_card": ("financial_account",),
    "financial_account_with_code": ("financial_account_with_code",),
    "health": ("medical",),
    "health_insurance": ("health_insurance",),
    "drivers_license": ("drivers_license",),
    "biometric": ("biometric",),
    "security_questions": ("security_questions",),
}
#: encryption_state answers that mean the data were encrypted.
ENCRYPTED = ("encrypted_key_safe", "encrypted_key_compromised")


def elements(data_items: Iterable[str]) -> list[str]:
    """The laws' elements for the playbook's data items, in order, without repeats."""
    found: dict[str, None] = {}
    for item in data_items:
        found.update(dict.fromkeys(ITEM_ELEMENTS.get(item, ())))
    return list(found)


def encryption(answers: Mapping[str, Any]) -> tuple[bool, bool]:
    """(encrypted, key compromised) from the answers: `key_compromised` when answered, else the
    encryption state ("Encrypted, key possibly compromised" counts as compromised)."""
    state = answers.get("encryption_state")
    encrypted = state in ENCRYPTED or answers.get("unintelligible") is True
    key = answers.get("key_compromised")
    return encrypted, key if isinstance(key, bool) else state == "encrypted_key_compromised"


def finding(law: dict[str, Any], assessment: Mapping[str, Any] | None) -> Finding | None:
    """Whether the state's duty arises for the latest assessment; None while its data items are not
    known (no assessment, or data_items unanswered): the duty is then kept, cautiously."""
    answers = (assessment or {}).get("answers") or {}
    items = answers.get("data_items")
    if not isinstance(items, list | tuple):
        return None
    encrypted, key_compromised = encryption(answers)
    return covered(law, data_items=elements(items), encrypted=encrypted, key_compromised=key_compromised)


def reason(law: dict[str, Any], found: Finding, data_items: Iterable[str]) -> str:
    """Why the duty does not arise, citing the statute."""
    if found.safe_harbour == "encryption":
        return (f"{law['statute']}: encryption safe harbour: the data were encrypted and the key was not "
                f"compromised ({' + '.join(found.combination or ())} would otherwise be covered)")
    if found.safe_harbour:
        return f"{law['statute']}: {found.safe_harbour} safe harbour: {found.reason}"
    present = " + ".join(elements(data_items)) or "none of its elements"
    return f"{law['statute']}: no covered element combination: {present}"


def basis(law: dict[str, Any], found: Finding) -> str:
    """Why the duty arises: the element combination that triggered it, and the key when encrypted."""
    text = f"{law['statute']} covers {' + '.join(found.combination or ())}"
    if "key was compromised" in found.reason:
        text += " (encrypted, but the key was compromised: no safe harbour)"
    return text
