"""The EDPB layer: from the ENISA severity and the facts to the GDPR risk, never below ENISA.

Pure: no I/O, no clock. `breach/core/risk.py` scores severity with the ENISA 2013 method;
this module turns the score and the facts the score cannot see (which data items,
which people, how many, a ransomware attack whose exfiltration is not ruled out, a
hospital's outage) into Art. 33 "risk" and Art. 34 "high risk", following the factors
of EDPB Guidelines 9/2022 (section on assessing risk) and the lessons of EDPB
Guidelines 01/2021 (examples of breach notification).

One rule holds the design together: a combination of facts can only RAISE the risk
above what the ENISA level gives. Only a named mitigating fact (data unintelligible
with the key safe, a trusted recipient who deleted it, data already public, a backup
that restored the data quickly, exfiltration ruled out with evidence, passwords under
a strong hash) can keep a loss from counting, and the rationale names it. Answers that
cannot be judged (no breach type, contradictions) are refused rather than guessed.
Every threshold is explained in playbooks/README.md.

The decision reads as a list of named rules (`Rule`: name, source, the function that
applies it), folded in order by `decide`: NOTE_RULES (what the rationale must say about
the data), CONTAINMENT_RULES (the named mitigating facts), FACTOR_RULES (the EDPB
factors that make the risk high). `RULES` lists them all; the duties that follow are
breach.core.duties.DUTY_RULES, the ENISA steps breach.core.risk.ENISA_STEPS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from breach.core import mitigations
from breach.core.mitigations import EVIDENCE, Override, apply_override, check_evidence, text, upgrade_answers, yes
from breach.errors import InputError

__all__ = ["EVIDENCE", "Override", "apply_override", "check_evidence", "text", "upgrade_answers", "yes"]

RISKS = mitigations.RISKS
RISK_RANK = mitigations.RISK_RANK

#: Answer keys of `data_items`. The first seven are the historical names: answers files
#: in the wild use them, so they stay.
DATA_ITEMS = (
    "name", "email", "password", "account", "ip_address", "cookies",
    "national_id", "passport", "date_of_birth", "address", "phone", "bank_account", "payment_card",
    "health", "location", "communications", "security_questions", "session_tokens",
    "drivers_license", "health_insurance", "biometric", "financial_account_with_code",  # US state laws (issue 24)
    "other",
)
SUBJECT_CATEGORIES = (
    "registered_users", "users", "customers", "prospects", "website_visitors",
    "employees", "children", "patients", "vulnerable_groups",
)
PASSWORD_STORAGE = ("plaintext", "weak_hash", "strong_hash", "not_applicable")

# EDPB 9/2022 para 52 and Recital 85: identity theft and fraud are the damage the
# guidelines name first; these items are what a fraudster needs to open accounts,
# borrow, or pay in someone's name. Date of birth or address alone is not enough;
# together (with the name that nearly every breach holds) they are.
IDENTITY_FRAUD_ITEMS = ("national_id", "passport", "payment_card", "bank_account", "drivers_license",
                        "financial_account_with_code")
IDENTITY_FRAUD_PAIR = ("date_of_birth", "address")
# EDPB 01/2021 cases 06-07: credentials usable by an attacker lead to account takeover
# here and, through reuse, elsewhere (credential stuffing).
CREDENTIAL_ITEMS = ("security_questions", "session_tokens")
# Location and communications content show a person's life in detail (ENISA Table 1,
# behavioural; EDPB 9/2022, nature and sensitivity of the data).
INTIMATE_ITEMS = ("location", "communications")
# ENISA Table 1: the category an item belongs to, whatever category was answered.
ITEM_CATEGORIES = {
    "health": "sensitive",
    "payment_card": "financial",
    "bank_account": "financial",
    "financial_account_with_code": "financial",
    "location": "behavioural",
    "communications": "behavioural",
}
# ENISA Annex 1 contextual factor and EDPB 9/2022 "special characteristics of the
# individual": minors, patients, groups with special needs.
VULNERABLE_CATEGORIES = ("children", "patients", "vulnerable_groups")
# WP29 Guidelines on DPIA (WP248 rev.01, endorsed by the EDPB), criterion 7: employees are
# vulnerable data subjects because of the power imbalance with their employer.
DEPENDENT_CATEGORIES = ("employees",)
# EDPB 9/2022 "special characteristics of the controller" (a medical organisation) and
# WP250 example 8: for a health service the outage itself harms people.
CRITICAL_CATEGORIES = ("patients",)

#: Scale (EDPB 9/2022 factor "number of affected individuals"). ENISA flags >100 people
#: (section 3.3). From LARGE_SCALE people a medium-severity breach whose data is in
#: unknown hands is high risk: among a thousand people some will be the ones phished,
#: defrauded or harassed. From VERY_LARGE_SCALE people any medium-severity loss that is
#: not contained is high risk. Below 1,000 the ENISA level decides on its own.
LARGE_SCALE = 1_000
VERY_LARGE_SCALE = 10_000

CONFIDENTIALITY_ORDER = ("none", "exposed", "known_recipients", "unknown_recipients")
#: Answer keys this layer reads, beside the ENISA ones read by breach/core/risk.py.
ANSWER_KEYS = (
    "data_items", "subject_categories", "subjects_count", "vulnerable_subjects", "special_categories",
    "password_storage", "malware", "exfiltration_ruled_out", "exfiltration_evidence", "critical_service",
    "data_already_public", "recipient", "recipient_deleted", "risk_override", "risk_override_reason", "cause",
)

#: Who received the data (EDPB Guidelines 9/2022 para 75 on a "trusted" recipient; ICO guidance).
RECIPIENTS = ("internal_staff", "bound_by_confidentiality", "external_known", "unknown")
#: Recipients under the controller's rules or a legal duty of secrecy: their confirmed deletion counts.
TRUSTED_RECIPIENTS = ("internal_staff", "bound_by_confidentiality")
#: Causes that are an unauthorised party's access to the systems (GDPR Art. 4(12) "unauthorised ... access").
INTRUSION_CAUSES = ("hacking", "malware", "phishing")
#: Causes where no one reached the systems: a lost or stolen thing, a mistake in sending or publishing.
NO_ACCESS_CAUSES = ("lost_device", "stolen_device", "misdirected", "publication_error", "disposal")



@dataclass(frozen=True)
class Facts:
    """What the answers say beyond the ENISA scales, validated and derived once."""

    items: tuple[str, ...]
    subject_categories: tuple[str, ...]
    subjects: int | None
    special: bool
    vulnerable: tuple[str, ...]  # why the people are vulnerable: categories or "vulnerable_subjects"
    dependent: bool
    critical: tuple[str, ...]  # why the service is critical: "patients" or "critical_service"
    password_storage: str | None
    malware: bool
    exfiltration_ruled_out: bool
    exfiltration_evidence: str
    data_already_public: bool
    access: tuple[str, ...] = ()  # why an unauthorised party reached the systems (malware, intrusion, malice)
    items_known: bool = True  # data_items answered
    subjects_known: bool = True  # subject_categories answered
    recipient: str | None = None
    recipient_deleted: bool = False

    @property
    def identity_fraud(self) -> tuple[str, ...]:
        found = [i for i in IDENTITY_FRAUD_ITEMS if i in self.items]
        if all(i in self.items for i in IDENTITY_FRAUD_PAIR):
            found.append("+".join(IDENTITY_FRAUD_PAIR))
        return tuple(found)

    @property
    def credentials(self) -> tuple[str, ...]:
        """Credentials an attacker can use; passwords unless stored under a strong hash."""
        found = []
        if "password" in self.items and self.password_storage not in ("strong_hash", "not_applicable"):
            found.append(f"password ({self.password_storage or 'storage not answered, assumed usable'})")
        found += [i for i in CREDENTIAL_ITEMS if i in self.items]
        return tuple(found)

    @property
    def intimate(self) -> tuple[str, ...]:
        return tuple(i for i in INTIMATE_ITEMS if i in self.items)


# --- reading the answers ---------------------------------------------------------------------


def _list(answers: dict[str, Any], key: str, *, allowed: tuple[str, ...]) -> tuple[str, ...]:
    value = answers.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise InputError(f"{key}: expected a list of {', '.join(allowed)}, got {value!r}")
    unknown = [v for v in value if v not in allowed]
    if unknown:
        raise InputError(f"{key}: unknown {', '.join(map(repr, unknown))} (one of {', '.join(allowed)})")
    return tuple(dict.fromkeys(value))


def read_facts(answers: dict[str, Any]) -> Facts:
    """Validate and derive the facts the EDPB factors use; raise InputError on a bad value."""
    items = _list(answers, "data_items", allowed=DATA_ITEMS)
    categories = _list(answers, "subject_categories", allowed=SUBJECT_CATEGORIES)
    subjects = answers.get("subjects_count")
    if subjects is not None and (isinstance(subjects, bool) or not isinstance(subjects, int) or subjects < 0):
        raise InputError(f"subjects_count: expected a whole number of people, got {subjects!r}")
    storage = answers.get("password_storage")
    if storage is not None and storage not in PASSWORD_STORAGE:
        raise InputError(f"password_storage: {storage!r} is not one of {', '.join(PASSWORD_STORAGE)}")
    vulnerable = [c for c in categories if c in VULNERABLE_CATEGORIES]
    if yes(answers, "vulnerable_subjects"):
        vulnerable.append("vulnerable_subjects")
    critical = [c for c in categories if c in CRITICAL_CATEGORIES]
    if yes(answers, "critical_service"):
        critical.append("critical_service")
    recipient = answers.get("recipient")
    if recipient is not None and recipient not in RECIPIENTS:
        raise InputError(f"recipient: {recipient!r} is not one of {', '.join(RECIPIENTS)}")
    return Facts(
        items=items,
        subject_categories=categories,
        subjects=subjects,
        special=yes(answers, "special_categories") or "health" in items,
        vulnerable=tuple(vulnerable),
        dependent=any(c in DEPENDENT_CATEGORIES for c in categories),
        critical=tuple(critical),
        password_storage=storage,
        malware=yes(answers, "malware") or answers.get("cause") == "malware",
        exfiltration_ruled_out=yes(answers, "exfiltration_ruled_out"),
        exfiltration_evidence=text(answers, "exfiltration_evidence"),
        data_already_public=yes(answers, "data_already_public"),
        access=unauthorised_access(answers),
        items_known=answers.get("data_items") is not None,
        subjects_known=answers.get("subject_categories") is not None,
        recipient=recipient,
        recipient_deleted=yes(answers, "recipient_deleted"),
    )


def unauthorised_access(answers: dict[str, Any]) -> tuple[str, ...]:
    """Why an unauthorised party had access to the systems holding the data: malware, an intrusion
    cause, or a malicious act that is not the theft or loss of a thing (insider misuse counts)."""
    cause = answers.get("cause")
    why = []
    if yes(answers, "malware") or cause == "malware":
        why.append("malware")
    if cause in ("hacking", "phishing"):
        why.append(f"cause {cause}")
    if yes(answers, "malicious") and cause not in NO_ACCESS_CAUSES and not why:
        why.append("a malicious act (intrusion or insider misuse)")
    return tuple(why)


def check_judgeable(answers: dict[str, Any]) -> None:
    """Refuse answers that cannot be judged: no breach type, or answers that contradict.

    A guess here is how a breach ends up not notified, so the responder is asked to
    correct the answers instead. Defensive about types: it runs before type checks.
    """
    types = answers.get("breach_types")
    if types is not None:
        if isinstance(types, str):
            types = [types]
        if not isinstance(types, list | tuple) or not types:
            raise InputError(
                "breach_types is empty: say which kinds of loss happened (confidentiality, integrity, "
                "availability); a breach without one cannot be assessed (EDPB 9/2022, types of breach)"
            )
        unknown = [t for t in types if t not in ("confidentiality", "integrity", "availability")]
        if unknown:
            raise InputError(f"breach_types: unknown {', '.join(map(repr, unknown))} "
                             "(one of confidentiality, integrity, availability)")
        for element, meaning in (("confidentiality", "no disclosure"), ("availability", "no loss")):
            if element in types and answers.get(element) == "none":
                raise InputError(
                    f"contradictory answers: {element} is 'none' ({meaning}) but breach_types includes "
                    f"{element}; remove {element} from breach_types, or say how far the loss went"
                )
    if (yes(answers, "exfiltration_ruled_out") and unauthorised_access(answers)
            and answers.get("confidentiality") == "unknown_recipients"):
        raise InputError(
            "contradictory answers: exfiltration_ruled_out is yes but confidentiality is "
            "unknown_recipients; if data left, exfiltration is not ruled out"
        )
    check_evidence(answers)
    if text(answers, "risk_override_reason") and answers.get("risk_override") is None:
        raise InputError("risk_override_reason given without risk_override: say which risk you decide")


# --- the ENISA inputs the facts change -------------------------------------------------------


def implied_categories(facts: Facts) -> dict[str, str]:
    """ENISA Table 1 categories the data items belong to: {item: category}."""
    return {item: ITEM_CATEGORIES[item] for item in facts.items if item in ITEM_CATEGORIES}


def presume_confidentiality(facts: Facts, confidentiality: str) -> tuple[str, str | None]:
    """An unauthorised party's access (malware, intrusion, insider misuse): a confidentiality breach with
    unknown recipients until exfiltration is ruled out with evidence. Returns (confidentiality, line or None)."""
    if not facts.access:
        return confidentiality, None
    why = ", ".join(facts.access)
    if facts.exfiltration_ruled_out:
        return confidentiality, (
            f"Unauthorised access ({why}): exfiltration ruled out; evidence: {facts.exfiltration_evidence} "
            "(EDPB 01/2021 cases 01 and 03: encryption only, no exfiltration, shown by the investigation)"
        )
    if CONFIDENTIALITY_ORDER.index(confidentiality) >= CONFIDENTIALITY_ORDER.index("unknown_recipients"):
        return confidentiality, (f"Unauthorised access ({why}): exfiltration not ruled out; confidentiality already "
                                 "unknown recipients (EDPB 01/2021 case 04)")
    return "unknown_recipients", (
        f"Unauthorised access ({why}): whoever could reach the data could read it -> treated as a confidentiality "
        f"breach with unknown recipients (answered: {confidentiality}) until exfiltration_ruled_out with "
        "exfiltration_evidence says otherwise (GDPR Art. 4(12) 'unauthorised ... access'; EDPB 01/2021 cases 01-04, "
        "whether data was exfiltrated decides the confidentiality risk)"
    )


def to_confirm(answers: dict[str, Any], facts: Facts, kinds: dict[str, str]) -> list[dict[str, str]]:
    """Decisive questions left unanswered, each with the cautious reading taken in its place."""
    out = []

    def add(question: str, reading: str) -> None:
        out.append({"question": question, "reading": reading})

    if not facts.items_known:
        add("data_items", "read as including data that enables identity theft, fraud or account takeover")
    if not facts.subjects_known:
        add("subject_categories", "read as possibly including employees or other dependent people")
    if (facts.access and answers.get("exfiltration_ruled_out") is None
            and answers.get("confidentiality") != "unknown_recipients"):  # data known to have left: nothing to rule out
        add("exfiltration_ruled_out", "read as not ruled out: a confidentiality breach with unknown recipients")
    if facts.access and answers.get("malware") is None and "malware" not in facts.access:
        add("malware", "read as possible: the access counts as an intrusion")
    if "password" in facts.items and facts.password_storage is None:
        add("password_storage", "read as usable passwords (plaintext or crackable)")
    if kinds.get("confidentiality") == "known_recipients" and facts.recipient is None:
        add("recipient", "read as an outside recipient: an assurance of deletion lowers nothing")
    if facts.recipient in TRUSTED_RECIPIENTS and answers.get("recipient_deleted") is None:
        add("recipient_deleted", "read as not deleted")
    return out


# --- the rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One rule of the decision: a short name, the text it comes from, the function that applies it.

    `applies` returns None when the rule does not fire, else what it decides. `about` names the
    loss a containment rule is about: the first containment rule that fires for a loss decides it.
    """

    name: str
    source: str
    applies: Callable[..., Any]
    about: str = ""


@dataclass(frozen=True)
class Case:
    """What the EDPB rules see: the answers, their facts and the ENISA outcome."""

    answers: dict[str, Any]
    facts: Facts
    kinds: dict[str, str]
    level: str
    dpc_basic: int
    malicious: bool
    unintelligible: bool

    @property
    def conf(self) -> str:
        return self.kinds["confidentiality"]

    @property
    def integ(self) -> str:
        return self.kinds["integrity"]

    @property
    def avail(self) -> str:
        return self.kinds["availability"]

    @property
    def medium_up(self) -> bool:
        return self.level != "low"

    @property
    def enisa_high(self) -> bool:
        return self.level in ("high", "very_high")

    @property
    def severity(self) -> str:
        return self.level.replace("_", " ")

    @property
    def people(self) -> int:
        return self.facts.subjects or 0


@dataclass(frozen=True)
class Losses:
    """Which losses reach people (count) after the mitigating facts."""

    confidentiality: bool
    integrity: bool
    availability: bool

    @property
    def any(self) -> bool:
        return self.confidentiality or self.integrity or self.availability

    @property
    def touched(self) -> list[str]:
        return [n for n in ("confidentiality", "integrity", "availability") if getattr(self, n)]


@dataclass(frozen=True)
class Containment:
    """What a containment rule says about one loss: whether it still counts, and why (one line)."""

    loss: str
    counts: bool
    line: str


def _in_hostile_hands(case: Case, losses: Losses) -> bool:
    """The disclosed data is with unknown recipients or an attacker."""
    return losses.confidentiality and (case.conf == "unknown_recipients" or case.malicious)


# --- notes read before the weighing (EDPB 9/2022, nature of the data) -------------------------


def note_password_storage(case: Case) -> str | None:
    """How the passwords were stored decides whether they are usable credentials."""
    if "password" not in case.facts.items:
        return None
    storage = case.facts.password_storage or "not answered: assumed usable (plaintext or crackable)"
    return f"Passwords stored as {storage} (EDPB 9/2022 para 77 on keyed hashes; EDPB 01/2021 case 06)"


def note_items_missing(case: Case) -> str | None:
    """Without data items the item factors cannot be weighed: say so."""
    if case.facts.items:
        return None
    return ("Data items not answered: cautious reading, the disclosure may include data enabling identity theft, "
            "fraud or account takeover (EDPB 9/2022 para 52; GDPR Art. 33(3)(a)); to confirm")


NOTE_RULES: tuple[Rule, ...] = (
    Rule("password_storage", "EDPB Guidelines 9/2022 para 77; EDPB Guidelines 01/2021 case 06",
         note_password_storage),
    Rule("data_items_missing", "EDPB Guidelines 9/2022, section on the nature of the data; GDPR Art. 33(3)(a)",
         note_items_missing),
)


# --- containment: a named mitigating fact keeps a loss from counting --------------------------


def unintelligible_data(case: Case) -> Containment | None:
    """Data unintelligible with the key safe: the disclosure reaches no one."""
    if case.conf == "none" or not case.unintelligible:
        return None
    return Containment("confidentiality", False,
                       "confidentiality contained: the data is unintelligible and the key is safe "
                       "(EDPB 9/2022 on Art. 34(3)(a); WP250 example 1)")


def recipient_deleted(case: Case) -> Containment | None:
    """Known recipients who deleted the data: internal staff or a recipient bound to secrecy, deletion
    confirmed with evidence, nothing used, contains it; an outsider's assurance lowers nothing."""
    facts = case.facts
    if case.conf != "known_recipients" or not facts.recipient_deleted:
        return None
    if facts.recipient not in TRUSTED_RECIPIENTS:
        return Containment("confidentiality", True,
                           f"Deletion by an outside recipient ({facts.recipient or 'recipient not answered'}) is an "
                           "assurance the controller cannot check: the disclosure still counts (UODO DKN.5131.7.2020, "
                           "fined for relying on an outside recipient's declaration of deletion)")
    kept = [*facts.identity_fraud, *facts.credentials] + ([] if facts.items_known else ["data items not answered"])
    if case.malicious or kept:
        why = "a malicious act" if case.malicious else f"{', '.join(kept)} can be misused once read"
        return Containment("confidentiality", True,
                           f"Deletion by {facts.recipient} does not contain this disclosure: {why} "
                           "(UODO DKN.5131.1.2024: a recipient bound by secrecy who returned the documents)")
    return Containment("confidentiality", False,
                       f"confidentiality contained: the recipient is {facts.recipient.replace('_', ' ')} and deleted "
                       f"the data without using it; evidence: {text(case.answers, 'recipient_deleted_evidence')} "
                       "(EDPB 9/2022, assessing risk: a trusted recipient; ICO breach examples, case study 2)")


def already_public(case: Case) -> Containment | None:
    """Data lawfully public before the breach: contained, unless what leaked cannot be public."""
    facts = case.facts
    if case.conf == "none" or not facts.data_already_public:
        return None
    blocking = [*facts.credentials, *facts.identity_fraud, *facts.intimate] + (["Art. 9/10 data"] if facts.special
                                                                                else [])
    if not facts.items_known:
        blocking.append("data items not answered (cautious reading)")
    if blocking:
        return Containment("confidentiality", True,
                           f"Data already public does not contain this disclosure: {', '.join(blocking)} is not "
                           "public data (ENISA Annex 1, public availability lowers only what was public)")
    return Containment("confidentiality", False,
                       "confidentiality contained: the data was already lawfully public before the breach "
                       "(ENISA Annex 1 contextual factor, public availability; EDPB 9/2022, likelihood of harm)")


def integrity_recovered(case: Case) -> Containment | None:
    """An integrity breach whose original was recovered before any use."""
    if not ("integrity" in (case.answers.get("breach_types") or ()) and case.integ == "none"):
        return None
    return Containment("integrity", False,
                       "integrity contained: the original was recovered before any use (ENISA Annex 3)")


def restored_from_backup(case: Case) -> Containment | None:
    """Availability restored quickly: contained, unless the service is critical to health or safety."""
    if case.avail != "recoverable":
        return None
    if case.facts.critical:
        return Containment("availability", True,
                           f"Availability restored from backup, but the service is critical to health or safety "
                           f"({', '.join(case.facts.critical)}): the outage itself counts (EDPB 9/2022 on "
                           "availability breaches: a hospital's temporary loss may be a risk; EDPB 01/2021 case 03)")
    return Containment("availability", False,
                       "availability contained: restored quickly without difficulty (WP250 examples 3, 4; "
                       "it contains only the availability loss, never a confidentiality one)")


CONTAINMENT_RULES: tuple[Rule, ...] = (
    Rule("unintelligible_data", "GDPR Art. 34(3)(a); EDPB Guidelines 9/2022 on Art. 34(3)(a); WP250 example 1",
         unintelligible_data, about="confidentiality"),
    Rule("recipient_deleted", "EDPB Guidelines 9/2022, section on assessing risk (a trusted recipient); ICO "
         "personal data breach examples, case study 2; UODO DKN.5131.7.2020 and DKN.5131.1.2024; GDPR Art. 33(5)",
         recipient_deleted, about="confidentiality"),
    Rule("already_public", "ENISA 2013 Annex 1 contextual factor (public availability); EDPB Guidelines 9/2022, "
         "likelihood of harm", already_public, about="confidentiality"),
    Rule("integrity_recovered", "ENISA 2013 Annex 3 (integrity: recovered)", integrity_recovered, about="integrity"),
    Rule("restored_from_backup", "WP250 examples 3 and 4; EDPB Guidelines 9/2022 on availability breaches; "
         "EDPB Guidelines 01/2021 case 03", restored_from_backup, about="availability"),
)


# --- EDPB factors: each one that holds makes the risk high -----------------------------------


def special_categories(case: Case, losses: Losses) -> str | None:
    if not case.facts.special:
        return None
    why = "Art. 9/10 data" + (" (health data item)" if "health" in case.facts.items else "")
    return f"{why}: damage should be considered likely (EDPB 9/2022 para 103)"


def vulnerable_people(case: Case, losses: Losses) -> str | None:
    if not (case.facts.vulnerable and case.medium_up):
        return None
    return (f"vulnerable people ({', '.join(case.facts.vulnerable)}) at {case.severity} severity "
            "(EDPB 9/2022 risk factor: special characteristics of the individual; ENISA Annex 1)")


def employees(case: Case, losses: Losses) -> str | None:
    dependent = case.facts.dependent or not case.facts.subjects_known
    if not (dependent and case.medium_up and case.dpc_basic >= 2):
        return None
    cautious = "" if case.facts.dependent else "subject categories not answered, cautious reading: "
    return (cautious + "employees' data beyond contact details at medium severity or above: the harm reaches their "
            "employment (WP248 rev.01 criterion 7, employees as vulnerable data subjects; ENISA 3.2 "
            "high level: loss of employment)")


def permanent_loss(case: Case, losses: Losses) -> str | None:
    if not (case.avail == "permanent" and case.medium_up):
        return None
    return "permanent loss of data of at least medium severity (WP250 example 4)"


def identity_fraud(case: Case, losses: Losses) -> str | None:
    if not (losses.confidentiality and case.facts.identity_fraud):
        return None
    return (f"data enabling identity theft or fraud disclosed ({', '.join(case.facts.identity_fraud)}) "
            "(EDPB 9/2022 paras 52 and 102, Recital 85: identity theft or fraud, financial loss)")


def credentials(case: Case, losses: Losses) -> str | None:
    if not (losses.confidentiality and case.facts.credentials):
        return None
    return (f"credentials usable by whoever holds them ({', '.join(case.facts.credentials)}): account takeover "
            "here and, through reuse, elsewhere (EDPB 01/2021 cases 06-07, credential stuffing; WP250 "
            "example 6)")


def location_or_communications(case: Case, losses: Losses) -> str | None:
    if not (_in_hostile_hands(case, losses) and case.facts.intimate):
        return None
    return (f"{' and '.join(case.facts.intimate)} in unknown or hostile hands: movements or private "
            "correspondence exposed (EDPB 9/2022, nature and sensitivity of the data; ENISA Table 1)")


def critical_service(case: Case, losses: Losses) -> str | None:
    outage = case.avail in ("temporary", "permanent")
    if not (case.facts.critical and (outage or case.integ in ("recoverable", "unrecoverable"))):
        return None
    lost = "outage" if outage else "altered records"
    return (f"{lost} of a service critical to health or safety ({', '.join(case.facts.critical)}) "
            "(WP250 example 8; EDPB 01/2021 case 03; EDPB 9/2022, special characteristics of the controller)")


def items_unknown(case: Case, losses: Losses) -> str | None:
    """Cautious reading of a disclosure whose data items were not answered."""
    if not (losses.confidentiality and not case.facts.items_known):
        return None
    return ("data items not answered, cautious reading: the disclosure may include identity, payment or credential "
            "data (EDPB 9/2022 paras 52 and 102: identity theft or fraud)")


def very_large_scale(case: Case, losses: Losses) -> str | None:
    if not (case.people >= VERY_LARGE_SCALE and case.medium_up):
        return None
    return (f"{case.people} people (>= {VERY_LARGE_SCALE}) at {case.severity} severity "
            "(EDPB 9/2022 risk factor: number of affected individuals)")


def large_scale(case: Case, losses: Losses) -> str | None:
    """Below VERY_LARGE_SCALE (which decides on its own), only with the data in unknown or hostile hands."""
    if not (LARGE_SCALE <= case.people < VERY_LARGE_SCALE and case.medium_up and _in_hostile_hands(case, losses)):
        return None
    return (f"{case.people} people (>= {LARGE_SCALE}) at {case.severity} severity, the data in unknown "
            "or hostile hands (EDPB 9/2022 risk factor: number of affected individuals)")


FACTOR_RULES: tuple[Rule, ...] = (
    Rule("special_categories", "GDPR Art. 9 and 10; EDPB Guidelines 9/2022 para 103", special_categories),
    Rule("vulnerable_people", "EDPB Guidelines 9/2022, risk factor: special characteristics of the individual; "
         "ENISA 2013 Annex 1", vulnerable_people),
    Rule("employees", "WP248 rev.01 criterion 7 (employees as vulnerable data subjects); ENISA 2013 section 3.2",
         employees),
    Rule("permanent_loss", "WP250 example 4", permanent_loss),
    Rule("identity_fraud", "EDPB Guidelines 9/2022 paras 52 and 102; GDPR Recital 85", identity_fraud),
    Rule("credentials", "EDPB Guidelines 01/2021 cases 06-07; WP250 example 6", credentials),
    Rule("location_or_communications", "EDPB Guidelines 9/2022, nature and sensitivity of the data; "
         "ENISA 2013 Annex 1, Table 1", location_or_communications),
    Rule("critical_service", "WP250 example 8; EDPB Guidelines 01/2021 case 03; EDPB Guidelines 9/2022, "
         "special characteristics of the controller", critical_service),
    Rule("items_unknown", "EDPB Guidelines 9/2022 paras 52 and 102; GDPR Art. 33(3)(a)", items_unknown),
    Rule("very_large_scale", "EDPB Guidelines 9/2022, risk factor: number of affected individuals",
         very_large_scale),
    Rule("large_scale", "EDPB Guidelines 9/2022, risk factor: number of affected individuals; ENISA 2013 "
         "section 3.3", large_scale),
)


# --- the decision ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """The GDPR risk, the factors that set it, and the reasons (one line each)."""

    risk: str
    reasons: tuple[str, ...]
    factors: tuple[str, ...]
    would_be_high: bool  # high but for the encryption: Art. 34(3)(a) is what spares the letters
    rules: tuple[str, ...] = ()  # the names of the rules that fired, in order


def notes(case: Case) -> tuple[list[str], list[str]]:
    """(rationale lines, rules fired) of NOTE_RULES."""
    lines, fired = [], []
    for rule in NOTE_RULES:
        line = rule.applies(case)
        if line:
            lines.append(line)
            fired.append(rule.name)
    return lines, fired


def contain(case: Case) -> tuple[Losses, list[str], list[str], list[str]]:
    """Which losses count: (losses, reasons, mitigating facts, rules fired).

    A loss counts unless a containment rule (a named mitigating fact) contains it; the
    first rule that contains a loss decides it (a rule that finds it still counts leaves it to the next).
    """
    counts = {"confidentiality": case.conf != "none", "integrity": case.integ != "none",
              "availability": case.avail in ("temporary", "permanent")}
    reasons: list[str] = []
    contained: list[str] = []
    fired: list[str] = []
    decided: set[str] = set()
    for rule in CONTAINMENT_RULES:
        found = None if rule.about in decided else rule.applies(case)
        if found is None:
            continue
        if not found.counts:  # a rule that finds the loss still counts leaves it to the next one
            decided.add(found.loss)
        counts[found.loss] = found.counts
        (reasons if found.counts else contained).append(found.line)
        fired.append(rule.name)
    return Losses(**counts), reasons, contained, fired


def raising_factors(case: Case, losses: Losses) -> list[tuple[str, str]]:
    """(factor, reason) for every EDPB factor that makes the risk high; none if no loss counts."""
    if not losses.any:
        return []
    return [(rule.name, why) for rule in FACTOR_RULES if (why := rule.applies(case, losses))]


def _risk_line(case: Case, losses: Losses, raised: list[tuple[str, str]], risk: str) -> str:
    """Why the risk is what it is (Art. 33(1) risk or Art. 34(1) high risk)."""
    if risk == "high" and not case.enisa_high:
        names = ", ".join(f for f, _ in raised)
        why_risk = f"EDPB factors ({names}) raise the ENISA baseline 'risk' -> likely high risk (Art. 34(1))"
    elif risk == "high":
        why_risk = f"ENISA severity {case.severity}: significant consequences -> likely high risk (Art. 34(1))"
    else:
        why_risk = (f"loss of {', '.join(losses.touched)} at {case.level} severity, no EDPB factor raises it "
                    "-> a risk that is not high (Art. 33(1))")
    return f"GDPR risk '{risk}': {why_risk}"


def _weigh(case: Case, losses: Losses, raised: list[tuple[str, str]], contained: list[str]) -> tuple[str, list[str]]:
    """The risk when some loss counts: the ENISA baseline, raised by the EDPB factors. (risk, lines)."""
    baseline = "high" if case.enisa_high else "risk"
    lines = [
        f"ENISA baseline '{baseline}': loss of {', '.join(losses.touched)} at {case.severity} severity "
        "(ENISA sets no threshold, section 4; our mapping: high or very high -> high risk, else risk)"
    ]
    lines += [f"EDPB factor -> high: {why}" for _factor, why in raised]
    if contained:
        lines.append("Mitigating facts: " + "; ".join(contained))
    risk = "high" if raised or case.enisa_high else "risk"
    lines.append(_risk_line(case, losses, raised, risk))
    lines.append(
        "Combination rule: the EDPB factors only raise the ENISA baseline; only a named mitigating "
        "fact keeps a loss from counting (playbooks/README.md)"
    )
    return risk, lines


def decide(
    answers: dict[str, Any],
    *,
    facts: Facts,
    kinds: dict[str, str],
    level: str,
    dpc_basic: int,
    malicious: bool,
    unintelligible: bool,
) -> Decision:
    """Map the score and the facts onto Art. 33/34 by folding the rules in order.

    First the notes (NOTE_RULES), then which losses can reach people at all
    (CONTAINMENT_RULES: a loss counts unless a named mitigating fact contains it). If none
    can: unlikely. Otherwise the ENISA level gives a baseline ('high' from ENISA high, else
    'risk'), and each EDPB factor that holds (FACTOR_RULES) raises it to 'high'. Nothing
    here lowers the baseline.
    """
    case = Case(answers, facts, kinds, level, dpc_basic, malicious, unintelligible)
    reasons, fired = notes(case)
    losses, loss_reasons, contained, contained_by = contain(case)
    reasons += loss_reasons
    fired += contained_by
    raised = raising_factors(case, losses)
    fired += [name for name, _ in raised]
    # Art. 34(3)(a) is recorded when encryption is what keeps the breach from being high.
    uncontained = replace(losses, confidentiality=case.conf != "none")
    would_be_high = case.enisa_high or bool(raising_factors(case, uncontained))
    if not losses.any:
        why = "; ".join(contained) or "no confidentiality, integrity or availability loss answered"
        reasons.append(f"GDPR risk 'unlikely': {why} -> unlikely to result in a risk (Art. 33(1))")
        return Decision("unlikely", tuple(reasons), (), would_be_high, tuple(fired))
    risk, lines = _weigh(case, losses, raised, contained)
    return Decision(risk, tuple(reasons + lines), tuple(f for f, _ in raised), would_be_high, tuple(fired))


#: Every rule of the EDPB layer, in the order `decide` folds them (the duties that follow
#: are breach.core.duties.DUTY_RULES).
RULES: tuple[Rule, ...] = NOTE_RULES + CONTAINMENT_RULES + FACTOR_RULES


