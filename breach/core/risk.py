"""Answers -> ENISA severity, GDPR risk level and notification duties, with reasons.

Pure: no I/O, no clock. The ENISA 2013 method scores severity (SE = DPC x EI + CB);
it sets no GDPR threshold, so the mapping onto Art. 33 "risk" and Art. 34 "high
risk" below is ours. It follows the EDPB's reasoning (Guidelines 9/2022, WP250
Annex B examples) rather than the score alone, and is explained in
playbooks/README.md. Every conclusion comes with a rationale line a responder can
paste into the Art. 33(5) register.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from breach.core import edpb
from breach.errors import InputError

# ENISA Annex 1, Assessment Table 1: basic DPC score per data category.
DPC_BASIC: dict[str, int] = {"simple": 1, "behavioural": 2, "financial": 3, "sensitive": 4}

# ENISA section 3.1.2 and Annex 2: ease of identification.
EI_VALUES: dict[str, float] = {
    "negligible": 0.25,
    "limited": 0.5,
    "significant": 0.75,
    "maximum": 1.0,
}

# ENISA section 3.1.3 and Annex 3: circumstances of the breach; the elements add up.
CB_POINTS: dict[str, dict[str, float]] = {
    "confidentiality": {"none": 0.0, "exposed": 0.0, "known_recipients": 0.25, "unknown_recipients": 0.5},
    "integrity": {"none": 0.0, "recoverable": 0.25, "unrecoverable": 0.5},
    "availability": {"none": 0.0, "recoverable": 0.0, "temporary": 0.25, "permanent": 0.5},
}
MALICIOUS_POINTS = 0.5  # ENISA Annex 3: +0.5 for an intentional act; no value for non-malicious

BREACH_TYPES = ("confidentiality", "integrity", "availability")
LEVELS = ("low", "medium", "high", "very_high")
RISKS = edpb.RISKS
EXEMPTIONS = ("art34_3_a", "art34_3_b", "art34_3_c")
MANY_PEOPLE = 100  # ENISA section 3.3 flag: "more than 100 individuals"


@dataclass(frozen=True)
class RiskResult:
    """The outcome of `assess`: ENISA score, GDPR risk, duties and why."""

    dpc: int
    dpc_basic: int
    ei: float
    cb: float
    cb_elements: dict[str, float]
    severity: float
    level: str
    flags: tuple[str, ...]
    risk: str
    notify_sa: bool
    notify_subjects: bool
    notify_controller: bool
    public_communication: bool
    exemption: str | None
    rationale: tuple[str, ...]
    document: bool = True  # Art. 33(5): every breach is documented, whatever the risk
    role: str = "controller"
    factors: tuple[str, ...] = ()  # the EDPB factors that raised the risk above the ENISA baseline
    computed_risk: str | None = None  # before the responder's override; equals risk without one
    risk_override: str | None = None
    risk_override_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (copies, so callers cannot change the result)."""
        return {
            "role": self.role,
            "dpc": self.dpc,
            "dpc_basic": self.dpc_basic,
            "ei": self.ei,
            "cb": self.cb,
            "cb_elements": dict(self.cb_elements),
            "severity": self.severity,
            "level": self.level,
            "flags": list(self.flags),
            "risk": self.risk,
            "notify_sa": self.notify_sa,
            "notify_subjects": self.notify_subjects,
            "notify_controller": self.notify_controller,
            "public_communication": self.public_communication,
            "document": self.document,
            "exemption": self.exemption,
            "factors": list(self.factors),
            "computed_risk": self.computed_risk if self.computed_risk is not None else self.risk,
            "risk_override": self.risk_override,
            "risk_override_reason": self.risk_override_reason,
            "rationale": list(self.rationale),
        }


def severity_level(se: float) -> str:
    """ENISA section 3.2 bands, verbatim: <2 low, <3 medium, <4 high, else very high."""
    if se < 2:
        return "low"
    if se < 3:
        return "medium"
    if se < 4:
        return "high"
    return "very_high"


def _fmt(x: float) -> str:
    """0.25 -> '0.25', 1.0 -> '1'; for rationale lines."""
    return f"{x:g}"


def _choice(answers: dict, key: str, allowed: dict | tuple, default: str) -> str:
    value = answers.get(key)
    if value is None:
        return default
    if value not in allowed:
        raise InputError(f"{key}: {value!r} is not one of {', '.join(allowed)}")
    return value


#: One reading of yes/no answers for the ENISA score and the EDPB layer.
_flag = edpb.yes


def _dpc(answers: dict, reasons: list[str], *, facts: edpb.Facts) -> tuple[int, int]:
    """Return (final DPC, basic DPC) and append the DPC rationale line(s)."""
    categories = answers.get("data_categories") or []
    if isinstance(categories, str):
        categories = [categories]
    unknown = [c for c in categories if c not in DPC_BASIC]
    if unknown:
        raise InputError(f"data_categories: unknown {', '.join(map(str, unknown))} (one of {', '.join(DPC_BASIC)})")
    categories = list(dict.fromkeys(categories))
    special = facts.special
    if special and "sensitive" not in categories:
        # Art. 9/10 data is ENISA's "sensitive" category (basic 4); EDPB 9/2022 para 103:
        # damage "should be considered likely to occur".
        categories.append("sensitive")
    implied = {item: cat for item, cat in edpb.implied_categories(facts).items() if cat not in categories}
    for category in dict.fromkeys(implied.values()):
        categories.append(category)
    if categories:
        basic = max(DPC_BASIC[c] for c in categories)
        why = f"data categories {', '.join(categories)}"
        if special:
            why += " (Art. 9/10 data counted as sensitive" + ("; health is an Art. 9 item" if "health" in facts.items
                                                              else "") + ")"
        if implied:
            # ENISA Table 1 names the category of these items; an item cannot score below it.
            why += " (from data items: " + ", ".join(f"{i} is {c}" for i, c in implied.items()) + ")"
        reasons.append(f"DPC {basic}: {why} -> highest basic score {basic} (ENISA Annex 1, Table 1)")
    else:
        basic = 1
        reasons.append("DPC 1: no data category answered yet; assumed simple (ENISA Table 1)")
    dpc = basic

    if facts.vulnerable and dpc < 4:
        # ENISA A2 contextual factor "special characteristics of the individuals" raises the
        # score; we raise by one level. Table 1 allows simple -> 4 when the data is critical
        # to the safety of vulnerable people: that judgement is left to dpc_score.
        reasons.append(
            f"DPC raised {dpc} -> {dpc + 1}: vulnerable people ({', '.join(facts.vulnerable)}) "
            "(ENISA contextual factor, Annex 1; use dpc_score 4 if the data is critical "
            "to their safety)"
        )
        dpc += 1

    override = answers.get("dpc_score")
    if override is not None:
        if isinstance(override, bool) or not isinstance(override, int) or not 1 <= override <= 4:
            raise InputError(f"dpc_score: expected a whole number from 1 to 4, got {override!r}")
        reason = (answers.get("dpc_reason") or "").strip()
        if not reason:
            # ENISA A2 step 5 and section 4: any change from the basic score is explained.
            raise InputError(
                "dpc_score given without dpc_reason: ENISA requires the change from the basic score to be explained"
            )
        reasons.append(
            f"DPC {override}: overrides the computed {dpc}; reason: {reason} "
            "(ENISA section 4: a changed DPC is explained in free text)"
        )
        dpc = override
    return dpc, basic


check_judgeable = edpb.check_judgeable


def assess(answers: dict) -> RiskResult:
    """Score the breach (ENISA 2013), weigh it (EDPB) and derive GDPR duties (Arts. 33, 34) with reasons.

    `answers` are the gdpr playbook's answers; pass only those relevant to the
    breach (playbook.relevant_answers). Unanswered factors take conservative
    defaults (EI maximum, no circumstance points, passwords usable) and say so in the
    rationale. Raises InputError on an answer outside the method's scales and on
    answers that cannot be judged (no breach type, contradictions, an unexplained
    lowering override): guessing there is how a breach goes unnotified.
    """
    edpb.check_judgeable(answers)
    reasons: list[str] = []
    role = _choice(answers, "role", ("controller", "processor"), "controller")
    facts = edpb.read_facts(answers)

    dpc, dpc_basic = _dpc(answers, reasons, facts=facts)

    ei_answer = answers.get("ease_of_identification")
    if ei_answer is None:
        ei = 1.0
        reasons.append("EI 1: ease of identification not answered; assumed maximum (ENISA Annex 2)")
    else:
        ei_name = _choice(answers, "ease_of_identification", EI_VALUES, "maximum")
        ei = EI_VALUES[ei_name]
        reasons.append(f"EI {_fmt(ei)}: identification {ei_name} (ENISA section 3.1.2, Annex 2)")

    # Only the breach types answered count (an integrity answer without an integrity
    # breach is stale). Without breach_types, take the element answers as given.
    types = answers.get("breach_types")
    kinds: dict[str, str] = {}
    for element in BREACH_TYPES:
        if types is not None and element not in types:
            kinds[element] = "none"
        else:
            kinds[element] = _choice(answers, element, CB_POINTS[element], "none")
    kinds["confidentiality"], presumed = edpb.presume_confidentiality(facts, kinds["confidentiality"])
    if presumed:
        reasons.append(presumed)
    malicious = _flag(answers, "malicious")
    if facts.malware and not malicious:
        # ENISA Annex 3: malware is an intentional act against the controller or the people.
        malicious = True
        reasons.append("Malicious: malware is an intentional act (ENISA Annex 3, +0.5)")
    cb_elements = {element: CB_POINTS[element][kinds[element]] for element in BREACH_TYPES}
    cb_elements["malicious"] = MALICIOUS_POINTS if malicious else 0.0
    cb = sum(cb_elements.values())
    parts = ", ".join(f"{element} {kinds[element]} +{_fmt(cb_elements[element])}" for element in BREACH_TYPES)
    parts += f", malicious {'yes' if malicious else 'no'} +{_fmt(cb_elements['malicious'])}"
    reasons.append(f"CB {_fmt(cb)}: {parts} (ENISA section 3.1.3, Annex 3; points add up)")

    severity = round(dpc * ei + cb, 2)
    level = severity_level(severity)
    reasons.append(
        f"SE {_fmt(severity)} = DPC {dpc} x EI {_fmt(ei)} + CB {_fmt(cb)} -> {level.replace('_', ' ')}"
        " (ENISA section 3.2: <2 low, <3 medium, <4 high, >=4 very high)"
    )

    flags: list[str] = []
    subjects = facts.subjects
    if subjects is not None and subjects > MANY_PEOPLE:
        flags.append("more_than_100_people")
    unintelligible = _flag(answers, "unintelligible")
    if unintelligible:
        flags.append("data_unintelligible")
    if flags:
        reasons.append(
            f"Flags: {', '.join(flags)} (ENISA section 3.3; reported with the level, they do not change the score)"
        )
    else:
        reasons.append("Flags: none (ENISA section 3.3)")
    if "password" in facts.items:
        storage = facts.password_storage or "not answered: assumed usable (plaintext or crackable)"
        reasons.append(f"Passwords stored as {storage} (EDPB 9/2022 para 77 on keyed hashes; EDPB 01/2021 case 06)")
    if not facts.items:
        reasons.append("Data items not answered: the item factors (identity, credentials, location...) "
                       "could not be weighed (EDPB 9/2022, nature of the data)")

    decision = edpb.decide(
        answers,
        facts=facts,
        kinds=kinds,
        level=level,
        dpc_basic=dpc_basic,
        malicious=malicious,
        unintelligible=unintelligible,
    )
    reasons.extend(decision.reasons)
    computed = decision.risk
    risk, override, override_reason, override_line = edpb.apply_override(answers, computed=computed)
    if override_line:
        reasons.append(override_line)
    would_be_high = decision.would_be_high

    exemption: str | None = None
    notify_controller = role == "processor"
    if role == "processor":
        # Art. 33(2): the processor tells the controller without undue delay; it does not
        # assess the risk first (EDPB 9/2022, processor obligations). The controller notifies.
        notify_sa = notify_subjects = public = False
        reasons.append(
            "Art. 33(2): as processor, notify the controller without undue delay; "
            "no risk assessment is required of you (EDPB 9/2022). The score above is "
            "for the controller's information"
        )
    else:
        notify_sa = risk in ("risk", "high")
        reasons.append(
            "Art. 33(1): notify the supervisory authority within 72 h"
            if notify_sa
            else "Art. 33(1): no notification to the supervisory authority (breach unlikely to "
            "result in a risk); record the reasons"
        )
        notify_subjects = risk == "high"
        public = False
        if risk == "unlikely" and computed == "unlikely" and would_be_high and unintelligible:
            exemption = "art34_3_a"
            reasons.append(
                "Art. 34(3)(a): the data is unintelligible to anyone without the key "
                "(state-of-the-art encryption, key not compromised); no communication "
                "to data subjects"
            )
        elif notify_subjects and _flag(answers, "mitigated_high_risk"):
            exemption = "art34_3_b"
            notify_subjects = False
            reasons.append(
                "Art. 34(3)(b): subsequent measures mean the high risk is no longer "
                "likely to materialise; no communication to data subjects (the SA may "
                "still require it, Art. 34(4))"
            )
        elif notify_subjects and _flag(answers, "disproportionate_effort"):
            exemption = "art34_3_c"
            notify_subjects = False
            public = True
            reasons.append(
                "Art. 34(3)(c): contacting each person would involve disproportionate "
                "effort; make a public communication or equally effective measure "
                "instead"
            )
        else:
            reasons.append(
                "Art. 34(1): communicate the breach to the data subjects without undue delay"
                if notify_subjects
                else "Art. 34(1): no communication to data subjects (no high risk)"
            )
    reasons.append(
        "Art. 33(5): document the breach, its effects and the remedial action "
        "in the breach register, whatever the outcome"
    )

    return RiskResult(
        role=role,
        dpc=dpc,
        dpc_basic=dpc_basic,
        ei=ei,
        cb=cb,
        cb_elements=cb_elements,
        severity=severity,
        level=level,
        flags=tuple(flags),
        risk=risk,
        notify_sa=notify_sa,
        notify_subjects=notify_subjects,
        notify_controller=notify_controller,
        public_communication=public,
        exemption=exemption,
        rationale=tuple(reasons),
        factors=decision.factors,
        computed_risk=computed,
        risk_override=override,
        risk_override_reason=override_reason,
    )
