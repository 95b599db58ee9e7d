"""The reasons of a risk decision that every language keeps: mitigating facts with their evidence, and
what is still to confirm (GDPR Art. 33(5): the register records the reasons for not notifying).

Pure: no I/O. The evidence is printed as the responder gave it; when it is not in the document's
language, it is marked with the language it was given in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _evidence_text(value: Any, lang: str) -> tuple[str, str | None]:
    """(text, language marker or None): the evidence in `lang`, else as given (English first), marked."""
    if isinstance(value, dict):
        if isinstance(value.get(lang), str) and value[lang].strip():
            return value[lang].strip(), None
        for given in ("en", *value):
            if isinstance(value.get(given), str) and value[given].strip():
                return value[given].strip(), given
        return "", None
    return (str(value).strip(), None if lang == "en" else "en") if value else ("", None)


def evidence_in(value: Any, lang: str, t: Mapping[str, Any]) -> str:
    """The evidence for a fact in `lang`, else as given, marked with its language; "" when none."""
    text, given = _evidence_text(value, lang)
    if not text:
        return ""
    return text + (t["rationale"]["given_in"].format(lang=given) if given else "")


def reason_lines(assessment: Mapping[str, Any], lang: str, t: Mapping[str, Any]) -> list[str]:
    """The mitigating facts with their evidence and the questions to confirm, in `lang`."""
    r = t["rationale"]
    facts = t.get("mitigating_facts") or {}
    out = []
    for key, value in (assessment.get("evidence") or {}).items():
        text, given = _evidence_text(value, lang)
        if not text:
            continue
        marker = r["given_in"].format(lang=given) if given else ""
        out.append(r["evidence"].format(fact=facts.get(key, key.replace("_", " ")), evidence=text, marker=marker))
    for item in assessment.get("to_confirm") or []:
        question = (t.get("questions_to_confirm") or {}).get(item.get("question"), item.get("question", ""))
        out.append(r["to_confirm"].format(question=str(question).replace("_", " ")))
    return out


#: The kind of data each data item is, for the "categories of personal data" a notice names (GDPR Art.
#: 33(3)(a)): only the kinds of the items involved, so a health-only breach names health data and no other
#: Art. 9 category, contact data appears only with a contact item, financial data with a financial one.
KIND_OF_ITEM: dict[str, str] = {
    "name": "identity", "national_id": "identity", "passport": "identity", "date_of_birth": "identity",
    "email": "contact", "address": "contact", "phone": "contact",
    "bank_account": "financial", "payment_card": "financial",
    "health": "health",
    "location": "location",
    "communications": "communications",
    "password": "credentials", "security_questions": "credentials", "session_tokens": "credentials",
    "account": "account",
    "ip_address": "online", "cookies": "online",
    "other": "other",
}


def data_kinds(items: Any) -> list[str]:
    """The kinds of data among `items`, in the order of KIND_OF_ITEM (unknown items count as "other")."""
    given = {KIND_OF_ITEM.get(i, "other") for i in items or [] if isinstance(i, str)}
    return [kind for kind in dict.fromkeys(KIND_OF_ITEM.values()) if kind in given]
