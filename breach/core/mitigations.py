"""Mitigating answers and the responder's override: each needs its evidence or its reason.

Pure: no I/O, no clock. A mitigating yes (Art. 34(3)(a)-(c), exfiltration ruled out, deletion by
the recipient, data already public) is refused without its evidence answer; a lowering override
needs a reason of at least a sentence and a second person (GDPR Art. 5(2), 33(5)). Old answer keys
are read in the current model, with a deprecation note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from breach.errors import InputError

RISKS = ("unlikely", "risk", "high")
RISK_RANK = {name: rank for rank, name in enumerate(RISKS)}

#: Every mitigating answer and the answer that carries its evidence (what, who confirmed, when).
EVIDENCE = {
    "mitigated_high_risk": "mitigated_high_risk_evidence",
    "disproportionate_effort": "disproportionate_effort_evidence",
    "exfiltration_ruled_out": "exfiltration_evidence",
    "unintelligible": "unintelligible_evidence",
    "recipient_deleted": "recipient_deleted_evidence",
    "data_already_public": "data_already_public_evidence",
}
#: Contact channels the controller keeps: while one is among the data items, contacting people is possible
#: (Art. 34(3)(c)), unless the evidence says why it cannot be used. Words that name each channel.
CONTACT_ITEMS = {
    "email": ("mail", "courriel"),
    "address": ("address", "adresse", "adres", "anschrift", "post"),
    "phone": ("phone", "téléphone", "telephone", "telefoon", "telefon", "numéro", "nummer"),
}
#: A lowering override's reason: at least a sentence (this many words).
REASON_WORDS = 6
DEPRECATED = {"recipient_trusted_and_deleted": "recipient and recipient_deleted"}


def yes(answers: dict[str, Any], key: str) -> bool:
    """A yes/no answer; unanswered is no; anything else is refused (a typo must not read as no)."""
    value = answers.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InputError(f"{key}: expected yes or no, got {value!r}")
    return value


def text(answers: dict[str, Any], key: str) -> str:
    value = answers.get(key)
    if isinstance(value, dict):  # per-language text
        value = next((v for v in value.values() if isinstance(v, str) and v.strip()), "")
    return value.strip() if isinstance(value, str) else ""


def upgrade_answers(answers: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Old answer keys read in the current model, with a deprecation note each.

    recipient_trusted_and_deleted (one yes/no for "trusted and deleted") becomes recipient
    bound_by_confidentiality and, with recipient_deleted_evidence, recipient_deleted: yes;
    without evidence the deletion stays to confirm (an assurance alone lowers nothing).
    """
    if "recipient_trusted_and_deleted" not in answers:
        return answers, []
    out = dict(answers)
    old = out.pop("recipient_trusted_and_deleted")
    note = "recipient_trusted_and_deleted is deprecated: answer recipient and recipient_deleted"
    if old is True:
        out.setdefault("recipient", "bound_by_confidentiality")
        if text(out, "recipient_deleted_evidence"):
            out.setdefault("recipient_deleted", True)
            note += "; read as recipient bound_by_confidentiality, recipient_deleted yes"
        else:
            note += ("; read as recipient bound_by_confidentiality, deletion to confirm "
                     "(recipient_deleted needs recipient_deleted_evidence)")
    else:
        note += "; 'no' read as no confirmed deletion"
    return out, [note]

#: What each mitigating answer's evidence should say (the fix in the refusal).
_EVIDENCE_EXAMPLES = {
    "mitigated_high_risk": "which measure, since when, who checked that the high risk is no longer likely",
    "disproportionate_effort": "why each person cannot be contacted, who established it, when",
    "exfiltration_ruled_out": "the forensic report or egress logs, who concluded, when (EDPB 01/2021 case 01)",
    "unintelligible": "the algorithm, where the key was and that it was not reached, who checked, when",
    "recipient_deleted": "who deleted it, how it was confirmed (written confirmation), when, that it was not used",
    "data_already_public": "where each item was public before the breach, who checked, when",
}


def check_evidence(answers: dict[str, Any]) -> None:
    """Refuse a mitigating yes without its evidence answer, and disproportionate effort while a contact
    channel is held (GDPR Art. 5(2), 33(5): the controller must be able to show the fact)."""
    for key, evidence in EVIDENCE.items():
        if yes(answers, key) and not text(answers, evidence):
            raise InputError(
                f"{key}: yes needs {evidence} ({_EVIDENCE_EXAMPLES[key]}): a mitigating fact is recorded with "
                f"its evidence (GDPR Art. 5(2), 33(5)); add {evidence} to the answers, or answer {key}: no"
            )
    if yes(answers, "disproportionate_effort"):
        items = answers.get("data_items") or ()
        said = text(answers, "disproportionate_effort_evidence").lower()
        held = [item for item in CONTACT_ITEMS if item in items]
        unexplained = [item for item in held if not any(word in said for word in CONTACT_ITEMS[item])]
        if unexplained:
            raise InputError(
                f"disproportionate_effort: yes while data_items holds {', '.join(unexplained)}: people can be "
                "contacted (GDPR Art. 34(3)(c)); say in disproportionate_effort_evidence why those "
                "details cannot be used (name the "
                f"{' and '.join(unexplained)}), or answer disproportionate_effort: no"
            )


@dataclass(frozen=True)
class Override:
    """The responder's decision on the risk, and whether it is in effect."""

    risk: str  # the risk that drives the duties and clocks
    override: str | None = None
    reason: str | None = None
    line: str | None = None
    pending: bool = False  # a lowering waiting for a second person (breach confirm-override)
    confirmed_by: str | None = None


def apply_override(answers: dict[str, Any], *, computed: str, confirmed_by: str | None = None) -> Override:
    """The responder's decision on the risk.

    Raising needs no reason (the cautious side) and applies at once. Lowering needs a reason of at
    least a sentence naming the fact (Art. 5(2), 33(5)) and takes effect only when a second person
    confirms it (`confirmed_by`); until then the computed risk drives every duty and clock.
    """
    override = answers.get("risk_override")
    if override is None:
        return Override(computed)
    if override not in RISKS:
        raise InputError(f"risk_override: {override!r} is not one of {', '.join(RISKS)}")
    reason = text(answers, "risk_override_reason") or None
    lowers = RISK_RANK[override] < RISK_RANK[computed]
    if lowers and len((reason or "").split()) < REASON_WORDS:
        raise InputError(
            f"risk_override '{override}' lowers the computed risk '{computed}'"
            + (f" and risk_override_reason {reason!r} is not a reason" if reason else " without a reason")
            + f": write at least a sentence ({REASON_WORDS} words or more) naming the fact that makes the risk "
            "lower, e.g. 'the only recipient is our own DPO, who deleted the file within the hour' (it goes in "
            "the GDPR Art. 33(5) register, and a second person confirms it: breach confirm-override ID --as NAME)"
        )
    source = " (GDPR Art. 5(2) accountability, Art. 33(5) record; the SA may decide otherwise, Art. 34(4))"
    tail = f"; reason: {reason}" if reason else "; no reason given"
    if override == computed:
        return Override(computed, override, reason, f"Risk override: '{override}' confirms the computed risk{tail}"
                        + source)
    if not lowers:
        return Override(override, override, reason, f"Risk override: raised from the computed '{computed}' to "
                        f"'{override}' by the responder{tail}" + source)
    if not confirmed_by:
        return Override(computed, override, reason, (
            f"Risk override: lowering from the computed '{computed}' to '{override}' is PENDING{tail}; it takes "
            "effect when a second person confirms it (breach confirm-override ID --as NAME); until then the "
            f"computed risk '{computed}' drives every duty and clock" + source), pending=True)
    return Override(override, override, reason, (
        f"Risk override: LOWERED from the computed '{computed}' to '{override}'{tail}; confirmed by {confirmed_by}"
        + source), confirmed_by=confirmed_by)
