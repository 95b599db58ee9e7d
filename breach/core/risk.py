"""Answers -> ENISA severity, GDPR risk level and notification duties, with reasons.

Pure: no I/O, no clock. The ENISA 2013 method scores severity (SE = DPC x EI + CB);
it sets no GDPR threshold, so the mapping onto Art. 33 "risk" and Art. 34 "high
risk" below is ours. It follows the EDPB's reasoning (Guidelines 9/2022, WP250
Annex B examples) rather than the score alone, and is explained in
playbooks/README.md. Every conclusion comes with a rationale line a responder can
paste into the Art. 33(5) register.

The score is ENISA_STEPS, named steps each citing its section of the ENISA method; the
risk is breach.core.edpb.decide (edpb.RULES), the duties breach.core.duties.decide
(DUTY_RULES). `RiskResult.rules` names the rules that fired, in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

from breach.core import duties, edpb
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
MANY_PEOPLE = 100  # ENISA section 3.3 flag: "more than 100 individuals"


class RiskJson(TypedDict):
    """`RiskResult.to_dict()`: what `assess --json` prints and the `assessed` event stores as `result`."""

    role: str
    dpc: int
    dpc_basic: int
    ei: float
    cb: float
    cb_elements: dict[str, float]
    severity: float
    level: str
    flags: list[str]
    risk: str
    notify_sa: bool
    notify_subjects: bool
    notify_controller: bool
    public_communication: bool
    document: bool
    exemption: str | None
    factors: list[str]
    computed_risk: str
    risk_override: str | None
    risk_override_reason: str | None
    rationale: list[str]
    to_confirm: list[dict[str, Any]]
    override_pending: bool
    override_confirmed_by: str | None
    evidence: dict[str, Any]
    #: Who decided a risk override (set by breach.services.assessment when there is one).
    risk_override_by: NotRequired[str | None]


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
    rules: tuple[str, ...] = ()  # rules that fired, in order (ENISA_STEPS, edpb.RULES, duties.DUTY_RULES)
    to_confirm: tuple[dict[str, Any], ...] = ()  # decisive questions unanswered, each with the cautious reading taken
    override_pending: bool = False  # a lowering override waiting for a second person
    override_confirmed_by: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)  # mitigating answer -> its evidence, as given (per language)

    def to_dict(self) -> RiskJson:
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
            "to_confirm": [dict(item) for item in self.to_confirm],
            "override_pending": self.override_pending,
            "override_confirmed_by": self.override_confirmed_by,
            "evidence": dict(self.evidence),
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


def _choice(answers: dict[str, Any], key: str, allowed: dict[str, Any] | tuple[Any, ...], default: str) -> str:
    value = answers.get(key)
    if value is None:
        return default
    if value not in allowed:
        raise InputError(f"{key}: {value!r} is not one of {', '.join(allowed)}")
    return str(value)  # equal to one of the allowed names


#: One reading of yes/no answers for the ENISA score and the EDPB layer.
_flag = edpb.yes


@dataclass
class Scoring:
    """The ENISA score as the steps build it: each step sets its part and adds its rationale lines."""

    answers: dict[str, Any]
    facts: edpb.Facts
    kinds: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    dpc: int = 1
    dpc_basic: int = 1
    ei: float = 1.0
    malicious: bool = False
    cb_elements: dict[str, float] = field(default_factory=dict)
    cb: float = 0.0
    severity: float = 0.0
    level: str = "low"
    flags: list[str] = field(default_factory=list)
    unintelligible: bool = False


def answered_kinds(answers: dict[str, Any]) -> dict[str, str]:
    """The loss of each breach element as answered: only the breach types answered count (an
    integrity answer without an integrity breach is stale); without breach_types, as given."""
    types = answers.get("breach_types")
    kinds: dict[str, str] = {}
    for element in BREACH_TYPES:
        if types is not None and element not in types:
            kinds[element] = "none"
        else:
            kinds[element] = _choice(answers, element, CB_POINTS[element], "none")
    return kinds


def _categories(answers: dict[str, Any]) -> list[str]:
    """The ENISA data categories answered, validated, in order, once each."""
    categories = answers.get("data_categories") or []
    if isinstance(categories, str):
        categories = [categories]
    unknown = [c for c in categories if c not in DPC_BASIC]
    if unknown:
        raise InputError(f"data_categories: unknown {', '.join(map(str, unknown))} (one of {', '.join(DPC_BASIC)})")
    return list(dict.fromkeys(categories))


def dpc_basic(s: Scoring) -> str:
    """DPC basic score: the highest category, counting Art. 9/10 data as sensitive and each data
    item at least as the category ENISA Table 1 gives it."""
    facts = s.facts
    categories = _categories(s.answers)
    if facts.special and "sensitive" not in categories:
        # Art. 9/10 data is ENISA's "sensitive" category (basic 4); EDPB 9/2022 para 103:
        # damage "should be considered likely to occur".
        categories.append("sensitive")
    implied = {item: cat for item, cat in edpb.implied_categories(facts).items() if cat not in categories}
    for category in dict.fromkeys(implied.values()):
        categories.append(category)
    if not categories:
        s.dpc = s.dpc_basic = 1
        return "DPC 1: no data category answered yet; assumed simple (ENISA Table 1)"
    basic = max(DPC_BASIC[c] for c in categories)
    why = f"data categories {', '.join(categories)}"
    if facts.special:
        why += " (Art. 9/10 data counted as sensitive" + ("; health is an Art. 9 item" if "health" in facts.items
                                                          else "") + ")"
    if implied:
        # ENISA Table 1 names the category of these items; an item cannot score below it.
        why += " (from data items: " + ", ".join(f"{i} is {c}" for i, c in implied.items()) + ")"
    s.dpc = s.dpc_basic = basic
    return f"DPC {basic}: {why} -> highest basic score {basic} (ENISA Annex 1, Table 1)"


def dpc_vulnerable(s: Scoring) -> str | None:
    """Vulnerable people raise the DPC by one level (ENISA contextual factor)."""
    if not (s.facts.vulnerable and s.dpc < 4):
        return None
    # ENISA A2 contextual factor "special characteristics of the individuals" raises the
    # score; we raise by one level. Table 1 allows simple -> 4 when the data is critical
    # to the safety of vulnerable people: that judgement is left to dpc_score.
    s.dpc += 1
    return (
        f"DPC raised {s.dpc - 1} -> {s.dpc}: vulnerable people ({', '.join(s.facts.vulnerable)}) "
        "(ENISA contextual factor, Annex 1; use dpc_score 4 if the data is critical "
        "to their safety)"
    )


def dpc_override(s: Scoring) -> str | None:
    """The responder's DPC, which must be explained."""
    override = s.answers.get("dpc_score")
    if override is None:
        return None
    if isinstance(override, bool) or not isinstance(override, int) or not 1 <= override <= 4:
        raise InputError(f"dpc_score: expected a whole number from 1 to 4, got {override!r}")
    reason = (s.answers.get("dpc_reason") or "").strip()
    if not reason:
        # ENISA A2 step 5 and section 4: any change from the basic score is explained.
        raise InputError(
            "dpc_score given without dpc_reason: ENISA requires the change from the basic score to be explained"
        )
    line = (f"DPC {override}: overrides the computed {s.dpc}; reason: {reason} "
            "(ENISA section 4: a changed DPC is explained in free text)")
    s.dpc = override
    return line


def ease_of_identification(s: Scoring) -> str:
    """EI: how easily the data points to a person; maximum when unanswered."""
    if s.answers.get("ease_of_identification") is None:
        s.ei = 1.0
        return "EI 1: ease of identification not answered; assumed maximum (ENISA Annex 2)"
    ei_name = _choice(s.answers, "ease_of_identification", EI_VALUES, "maximum")
    s.ei = EI_VALUES[ei_name]
    return f"EI {_fmt(s.ei)}: identification {ei_name} (ENISA section 3.1.2, Annex 2)"


def access_presumes_exfiltration(s: Scoring) -> str | None:
    """Unauthorised access: a confidentiality breach with unknown recipients until evidence rules exfiltration
    out."""
    s.kinds["confidentiality"], presumed = edpb.presume_confidentiality(s.facts, s.kinds["confidentiality"])
    return presumed


def intrusion_is_malicious(s: Scoring) -> str | None:
    """Malware or an intrusion is an intentional act against the controller or the people."""
    s.malicious = _flag(s.answers, "malicious")
    intrusion = [why for why in s.facts.access if why == "malware" or why.startswith("cause ")]
    if not intrusion or s.malicious:
        return None
    s.malicious = True
    return f"Malicious: {', '.join(intrusion)} is an intentional act (ENISA Annex 3, +0.5)"


def circumstances(s: Scoring) -> str:
    """CB: the points of each breach element and of a malicious act add up."""
    s.cb_elements = {element: CB_POINTS[element][s.kinds[element]] for element in BREACH_TYPES}
    s.cb_elements["malicious"] = MALICIOUS_POINTS if s.malicious else 0.0
    s.cb = sum(s.cb_elements.values())
    parts = ", ".join(f"{element} {s.kinds[element]} +{_fmt(s.cb_elements[element])}" for element in BREACH_TYPES)
    parts += f", malicious {'yes' if s.malicious else 'no'} +{_fmt(s.cb_elements['malicious'])}"
    return f"CB {_fmt(s.cb)}: {parts} (ENISA section 3.1.3, Annex 3; points add up)"


def severity(s: Scoring) -> str:
    """SE = DPC x EI + CB, and its level."""
    s.severity = round(s.dpc * s.ei + s.cb, 2)
    s.level = severity_level(s.severity)
    return (
        f"SE {_fmt(s.severity)} = DPC {s.dpc} x EI {_fmt(s.ei)} + CB {_fmt(s.cb)} -> {s.level.replace('_', ' ')}"
        " (ENISA section 3.2: <2 low, <3 medium, <4 high, >=4 very high)"
    )


def flags(s: Scoring) -> str:
    """Flags reported with the level: many people, data unintelligible."""
    subjects = s.facts.subjects
    if subjects is not None and subjects > MANY_PEOPLE:
        s.flags.append("more_than_100_people")
    s.unintelligible = _flag(s.answers, "unintelligible")
    if s.unintelligible:
        s.flags.append("data_unintelligible")
    if not s.flags:
        return "Flags: none (ENISA section 3.3)"
    return f"Flags: {', '.join(s.flags)} (ENISA section 3.3; reported with the level, they do not change the score)"


#: The ENISA 2013 method, step by step (ENISA, "Recommendations for a methodology of the
#: assessment of severity of personal data breaches", 2013): SE = DPC x EI + CB.
#: First the data: how critical it is (DPC) and how easily it points to a person (EI).
DATA_STEPS: tuple[edpb.Rule, ...] = (
    edpb.Rule("dpc_basic", "ENISA 2013 Annex 1, Assessment Table 1 (highest category); Art. 9/10 data as "
              "sensitive: EDPB Guidelines 9/2022 para 103", dpc_basic),
    edpb.Rule("dpc_vulnerable", "ENISA 2013 Annex 1, contextual factor: special characteristics of the "
              "individuals", dpc_vulnerable),
    edpb.Rule("dpc_override", "ENISA 2013 Annex 1 step 5 and section 4: a changed DPC is explained", dpc_override),
    edpb.Rule("ease_of_identification", "ENISA 2013 section 3.1.2 and Annex 2", ease_of_identification),
)
#: Then the breach: its circumstances (CB), the severity they give, and the flags.
BREACH_STEPS: tuple[edpb.Rule, ...] = (
    edpb.Rule("access_presumes_exfiltration", "GDPR Art. 4(12) (unauthorised access); EDPB Guidelines 01/2021 "
              "ransomware cases 01-04; ENISA 2013 Annex 3", access_presumes_exfiltration),
    edpb.Rule("intrusion_is_malicious", "ENISA 2013 Annex 3 (malicious intent +0.5)", intrusion_is_malicious),
    edpb.Rule("circumstances", "ENISA 2013 section 3.1.3 and Annex 3 (the points add up)", circumstances),
    edpb.Rule("severity", "ENISA 2013 section 3.2 (SE = DPC x EI + CB; levels <2, <3, <4, >=4)", severity),
    edpb.Rule("flags", "ENISA 2013 section 3.3 (flags reported with the level)", flags),
)
ENISA_STEPS: tuple[edpb.Rule, ...] = DATA_STEPS + BREACH_STEPS


def _fold(s: Scoring, steps: tuple[edpb.Rule, ...]) -> None:
    for step in steps:
        line = step.applies(s)
        if line:
            s.reasons.append(line)
            s.rules.append(step.name)


def score(answers: dict[str, Any], facts: edpb.Facts) -> Scoring:
    """Fold ENISA_STEPS in order: the ENISA severity with one rationale line per step that fires.

    The breach elements (answered_kinds) are read between the data steps and the breach steps."""
    s = Scoring(answers, facts)
    _fold(s, DATA_STEPS)
    s.kinds = answered_kinds(answers)
    _fold(s, BREACH_STEPS)
    return s


check_judgeable = edpb.check_judgeable


def assess(answers: dict[str, Any], *, override_confirmed_by: str | None = None) -> RiskResult:
    """Score the breach (ENISA 2013), weigh it (EDPB) and derive GDPR duties (Arts. 33, 34) with reasons.

    `answers` are the gdpr playbook's answers; pass only those relevant to the
    breach (playbook.relevant_answers). Unanswered factors take conservative
    defaults (EI maximum, no circumstance points, passwords usable) and say so in the
    rationale. Raises InputError on an answer outside the method's scales and on
    answers that cannot be judged (no breach type, contradictions, an unexplained
    lowering override): guessing there is how a breach goes unnotified.
    """
    answers, deprecated = edpb.upgrade_answers(answers)
    edpb.check_judgeable(answers)
    role = _choice(answers, "role", ("controller", "processor"), "controller")
    facts = edpb.read_facts(answers)
    s = score(answers, facts)
    decision = edpb.decide(answers, facts=facts, kinds=s.kinds, level=s.level, dpc_basic=s.dpc_basic,
                           malicious=s.malicious, unintelligible=s.unintelligible)
    decided = edpb.apply_override(answers, computed=decision.risk, confirmed_by=override_confirmed_by)
    risk, override_line = decided.risk, decided.line
    confirm = edpb.to_confirm(answers, facts, s.kinds)
    cautious = [f"To confirm: {c['question'].replace('_', ' ')} not answered; {c['reading']} "
                "(playbooks/README.md, the cautious reading)" for c in confirm]
    owed = duties.decide(answers, role=role, risk=risk, computed=decision.risk,
                         would_be_high=decision.would_be_high, unintelligible=s.unintelligible)
    return RiskResult(
        role=role,
        dpc=s.dpc,
        dpc_basic=s.dpc_basic,
        ei=s.ei,
        cb=s.cb,
        cb_elements=s.cb_elements,
        severity=s.severity,
        level=s.level,
        flags=tuple(s.flags),
        risk=risk,
        notify_sa=owed.notify_sa,
        notify_subjects=owed.notify_subjects,
        notify_controller=owed.notify_controller,
        public_communication=owed.public_communication,
        exemption=owed.exemption,
        rationale=(*deprecated, *s.reasons, *decision.reasons, *cautious, *([override_line] if override_line else []),
                   *owed.reasons),
        factors=decision.factors,
        computed_risk=decision.risk,
        risk_override=decided.override,
        risk_override_reason=decided.reason,
        rules=(*s.rules, *decision.rules, *owed.rules),
        to_confirm=tuple(confirm),
        override_pending=decided.pending,
        override_confirmed_by=decided.confirmed_by,
        evidence={key: answers[ev] for key, ev in edpb.EVIDENCE.items() if edpb.yes(answers, key) and answers.get(ev)},
    )
