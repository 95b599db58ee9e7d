"""US state breach-notification laws as data: load, validate and evaluate (pure).

The data lives in ``breach/resources/regimes/us-state-laws.yaml`` (its header documents the
keys). This module takes the already-loaded mapping (no file I/O), checks it and answers the
first legal question for one state: does its duty to notify residents arise for these data
elements, given encryption, the key and redaction? ``covered`` says which element
combination triggered, which safe harbour applied, or that no covered combination is present.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: The data-element vocabulary of the combinations (issue 24).
ELEMENTS = frozenset({
    "name", "ssn", "drivers_license", "state_id", "passport", "military_id", "tax_id",
    "financial_account", "financial_account_with_code", "payment_card_with_code", "medical",
    "health_insurance", "biometric", "username_or_email", "password", "security_questions",
    "date_of_birth", "mothers_maiden_name", "digital_signature", "dna", "email_with_password",
})
STATUSES = ("confirmed", "confirmed-secondary", "unconfirmed")
OPS = (">", ">=")
REQUIRED = ("id", "name", "zone", "statute", "url", "status", "personal_information", "safe_harbour",
            "risk_of_harm", "residents", "regulator", "cra", "content", "sources")
OPTIONAL = ("note", "reference")
#: An element that, when present, also counts as these (a card with its code is a financial account).
IMPLIES = {"financial_account_with_code": {"financial_account"}, "payment_card_with_code": {"financial_account"},
           "email_with_password": {"username_or_email", "password"}}
_ID = re.compile(r"^US-[A-Z]{2}$")
_ZONE = re.compile(r"^[A-Za-z_]+/[A-Za-z_/]+$")
_SAFE_KEYS = {"encryption", "redaction", "key_compromised_defeats", "quote"}
_ROH_KEYS = {"exception", "documented", "send_to_ag", "quote"}
_RES_KEYS = {"deadline_days", "start", "wording", "quote"}
_REG_KEYS = {"recipient", "threshold", "op", "deadline_days", "start", "quote"}
_CRA_KEYS = {"threshold", "op", "quote"}
_CONTENT_KEYS = {"items", "identity_theft_offer", "quote"}
_OFFER_KEYS = {"when_any", "months"}
_SOURCE_KEYS = {"what", "url", "quote", "read"}


class LawDataError(ValueError):
    """The data file is malformed; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Finding:
    """Whether a state's duty to notify residents arises, and why."""
    state: str
    applies: bool
    reason: str
    combination: tuple[str, ...] | None = None
    safe_harbour: str | None = None
    risk_of_harm_exception: bool = False
    source: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"state": self.state, "applies": self.applies, "reason": self.reason,
                "combination": list(self.combination) if self.combination else None,
                "safe_harbour": self.safe_harbour, "risk_of_harm_exception": self.risk_of_harm_exception,
                "source": self.source}


def load_laws(data: Any) -> dict[str, dict[str, Any]]:
    """The laws by id (``US-CA``), after validation; raises LawDataError listing every problem."""
    problems = validate(data)
    if problems:
        raise LawDataError(problems)
    return {law["id"]: law for law in data["laws"]}


def validate(data: Any) -> list[str]:
    """Every problem in the loaded mapping, as ``<id>: message`` lines (empty when valid)."""
    if not isinstance(data, dict) or not isinstance(data.get("laws"), list):
        return ["the file must be a mapping with a list under 'laws'"]
    problems: list[str] = []
    seen: set[str] = set()
    for index, law in enumerate(data["laws"]):
        if not isinstance(law, dict):
            problems.append(f"entry {index + 1}: must be a mapping")
            continue
        where = str(law.get("id", f"entry {index + 1}"))
        if where in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(where)
        problems.extend(f"{where}: {p}" for p in _law_problems(law))
    return problems


def _law_problems(law: dict[str, Any]) -> list[str]:
    bad: list[str] = []
    bad += [f"unknown key {k!r}" for k in law if k not in REQUIRED + OPTIONAL]
    bad += [f"missing the key {k!r}" for k in REQUIRED if k not in law]
    if bad:
        return bad
    if not _ID.match(str(law["id"])):
        bad.append(f"id {law['id']!r} must be an ISO 3166-2 code like US-CA")
    if not _ZONE.match(str(law["zone"])):
        bad.append(f"zone {law['zone']!r} must be an IANA zone like America/Los_Angeles")
    if law["status"] not in STATUSES:
        bad.append(f"status must be one of {', '.join(STATUSES)}")
    for key in ("name", "statute", "url"):
        if not isinstance(law[key], str) or not law[key].strip():
            bad.append(f"{key} must be non-empty text")
    bad += _definition_problems(law["personal_information"])
    bad += _mapping_problems(law["safe_harbour"], _SAFE_KEYS, ("encryption", "redaction", "key_compromised_defeats"),
                             "safe_harbour")
    bad += _mapping_problems(law["risk_of_harm"], _ROH_KEYS, ("exception",), "risk_of_harm")
    bad += _mapping_problems(law["residents"], _RES_KEYS, ("deadline_days",), "residents")
    bad += _threshold_problems(law["regulator"], _REG_KEYS, ("recipient", "threshold", "op"), "regulator")
    bad += _threshold_problems(law["cra"], _CRA_KEYS, ("threshold", "op"), "cra")
    bad += _content_problems(law["content"])
    bad += _source_problems(law["sources"], law["status"])
    return bad


def _definition_problems(node: Any) -> list[str]:
    bad = _mapping_problems(node, {"quote", "combinations"}, ("combinations",), "personal_information")
    if bad:
        return bad
    combos = node["combinations"]
    if not isinstance(combos, list) or not combos:
        return ["personal_information.combinations must be a non-empty list of element lists"]
    for combo in combos:
        if not isinstance(combo, list) or not combo:
            bad.append(f"combination {combo!r} must be a non-empty list of elements")
            continue
        bad += [f"unknown element {e!r} (allowed: {', '.join(sorted(ELEMENTS))})" for e in combo if e not in ELEMENTS]
    return bad


def _mapping_problems(node: Any, allowed: set[str], required: tuple[str, ...], what: str) -> list[str]:
    if not isinstance(node, dict):
        return [f"{what} must be a mapping"]
    bad = [f"unknown key {k!r} in {what}" for k in node if k not in allowed]
    return bad + [f"{what} is missing the key {k!r}" for k in required if k not in node]


def _threshold_problems(node: Any, allowed: set[str], required: tuple[str, ...], what: str) -> list[str]:
    if node is None:
        return []
    bad = _mapping_problems(node, allowed, required, what)
    if bad:
        return bad
    if not isinstance(node["threshold"], int) or node["threshold"] < 0:
        bad.append(f"{what}.threshold must be a whole number (0 with '>' means any resident)")
    if node["op"] not in OPS:
        bad.append(f"{what}.op must be one of {', '.join(OPS)}")
    return bad


def _content_problems(node: Any) -> list[str]:
    bad = _mapping_problems(node, _CONTENT_KEYS, ("items",), "content")
    offer = node.get("identity_theft_offer") if isinstance(node, dict) else None
    if not bad and offer is not None:
        bad += _mapping_problems(offer, _OFFER_KEYS, ("when_any", "months"), "identity_theft_offer")
        if not bad:
            bad += [f"unknown element {e!r} in identity_theft_offer" for e in offer["when_any"] if e not in ELEMENTS]
    return bad


def _source_problems(sources: Any, status: str) -> list[str]:
    if not isinstance(sources, list) or not sources:
        return ["sources must be a non-empty list"]
    bad: list[str] = []
    for source in sources:
        bad += _mapping_problems(source, _SOURCE_KEYS, ("what", "url", "quote", "read"), "a source")
    if bad:
        return bad
    bad += [f"source {s['what']!r} is marked read but quotes nothing" for s in sources
            if s["read"] and not str(s["quote"]).strip()]
    if str(status).startswith("confirmed") and not any(s["read"] for s in sources):
        bad.append(f"status {status} needs a source marked read: true with its quote")
    return bad


def meets(threshold: dict[str, Any] | None, residents: int) -> bool:
    """Whether ``residents`` reaches a regulator or CRA threshold (None: no such duty)."""
    if threshold is None:
        return False
    limit = threshold["threshold"]
    return bool(residents > limit if threshold["op"] == ">" else residents >= limit)


def triggering_combination(law: dict[str, Any], data_items: Iterable[str]) -> tuple[str, ...] | None:
    """The first of the law's element combinations all present in ``data_items``."""
    present = set(data_items)
    for item in list(present):
        present |= IMPLIES.get(item, set())
    for combo in law["personal_information"]["combinations"]:
        if set(combo) <= present:
            return tuple(combo)
    return None


def covered(law: dict[str, Any], *, data_items: Iterable[str], encrypted: bool = False, key_compromised: bool = False,
            redacted: bool = False) -> Finding:
    """Does this state's duty to notify residents arise? Says which combination or safe harbour decided."""
    state, source = law["id"], law["statute"]
    combo = triggering_combination(law, data_items)
    roh = bool(law["risk_of_harm"].get("exception"))
    if combo is None:
        return Finding(state, False, f"no element combination covered by {source} is present", None, None, roh, source)
    names = " + ".join(combo)
    harbour = law["safe_harbour"]
    if encrypted and harbour["encryption"]:
        if key_compromised and harbour["key_compromised_defeats"]:
            return Finding(state, True, f"{names} is covered by {source}; the data were encrypted but the key was "
                           "compromised, which defeats the encryption safe harbour", combo, None, roh, source)
        return Finding(state, False, f"{names} would be covered by {source}, but the encryption safe harbour "
                       "applies (the key is not known to be compromised)", combo, "encryption", roh, source)
    if redacted and harbour["redaction"]:
        return Finding(state, False, f"{names} would be covered by {source}, but the redaction safe harbour "
                       "applies", combo, "redaction", roh, source)
    return Finding(state, True, f"{names} is covered by {source}", combo, None, roh, source)
