"""The duties that follow from the risk (GDPR Arts. 33 and 34), as named rules folded in order.

Pure: no I/O, no clock. `breach.core.edpb.decide` sets the risk; these rules say who must
be told (the supervisory authority, the people, the controller), which Art. 34(3)
exemption is relied on, and why, one rationale line per rule that fires.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from breach.core.edpb import Rule, yes


@dataclass(frozen=True)
class Standing:
    """What the duty rules see: the role, the final and computed risk, and the answers."""

    answers: dict[str, Any]
    role: str
    risk: str
    computed: str
    would_be_high: bool
    unintelligible: bool

    @property
    def controller(self) -> bool:
        return self.role != "processor"


@dataclass(frozen=True)
class Duties:
    """Who must be told, the Art. 34(3) exemption relied on, and why (one line per rule fired)."""

    notify_sa: bool = False
    notify_subjects: bool = False
    notify_controller: bool = False
    public_communication: bool = False
    exemption: str | None = None
    reasons: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()


def processor_tells_controller(s: Standing, d: Duties) -> tuple[Duties, str] | None:
    """A processor tells the controller without undue delay; it does not assess the risk first."""
    if s.controller:
        return None
    return replace(d, notify_controller=True), (
        "Art. 33(2): as processor, notify the controller without undue delay; "
        "no risk assessment is required of you (EDPB 9/2022). The score above is "
        "for the controller's information"
    )


def notify_authority(s: Standing, d: Duties) -> tuple[Duties, str] | None:
    """Notify the SA within 72 h unless the breach is unlikely to result in a risk."""
    if not s.controller:
        return None
    if s.risk in ("risk", "high"):
        return replace(d, notify_sa=True), "Art. 33(1): notify the supervisory authority within 72 h"
    return d, ("Art. 33(1): no notification to the supervisory authority (breach unlikely to "
               "result in a risk); record the reasons")


def unintelligible_no_letters(s: Standing, d: Duties) -> tuple[Duties, str] | None:
    """Encryption is what keeps a breach that would be high from any risk: no letters."""
    if not (s.controller and s.risk == "unlikely" and s.computed == "unlikely" and s.would_be_high
            and s.unintelligible):
        return None
    return replace(d, exemption="art34_3_a"), (
        "Art. 34(3)(a): the data is unintelligible to anyone without the key "
        "(state-of-the-art encryption, key not compromised); no communication "
        "to data subjects"
    )


def mitigated_high_risk(s: Standing, d: Duties) -> tuple[Duties, str] | None:
    """Measures taken since mean the high risk is no longer likely to materialise: no letters."""
    if not (s.controller and s.risk == "high" and d.exemption is None and yes(s.answers, "mitigated_high_risk")):
        return None
    return replace(d, exemption="art34_3_b"), (
        "Art. 34(3)(b): subsequent measures mean the high risk is no longer "
        "likely to materialise; no communication to data subjects (the SA may "
        "still require it, Art. 34(4))"
    )


def disproportionate_effort(s: Standing, d: Duties) -> tuple[Duties, str] | None:
    """Letters would take disproportionate effort: a public communication instead."""
    if not (s.controller and s.risk == "high" and d.exemption is None
            and yes(s.answers, "disproportionate_effort")):
        return None
    return replace(d, exemption="art34_3_c", public_communication=True), (
        "Art. 34(3)(c): contacting each person would involve disproportionate "
        "effort; make a public communication or equally effective measure "
        "instead"
    )


def communicate_to_subjects(s: Standing, d: Duties) -> tuple[Duties, str] | None:
    """Tell the people of a high risk without undue delay, unless an Art. 34(3) exemption applies."""
    if not s.controller or d.exemption is not None:
        return None
    if s.risk == "high":
        return replace(d, notify_subjects=True), (
            "Art. 34(1): communicate the breach to the data subjects without undue delay")
    return d, "Art. 34(1): no communication to data subjects (no high risk)"


def document_breach(s: Standing, d: Duties) -> tuple[Duties, str] | None:
    """Every breach goes in the register, whatever the risk."""
    return d, ("Art. 33(5): document the breach, its effects and the remedial action "
               "in the breach register, whatever the outcome")


DUTY_RULES: tuple[Rule, ...] = (
    Rule("art33_2", "GDPR Art. 33(2); EDPB Guidelines 9/2022, processor obligations; WP250 example 7",
         processor_tells_controller),
    Rule("art33_1", "GDPR Art. 33(1)", notify_authority),
    Rule("art34_3_a", "GDPR Art. 34(3)(a); WP250 example 1", unintelligible_no_letters),
    Rule("art34_3_b", "GDPR Art. 34(3)(b); GDPR Art. 34(4)", mitigated_high_risk),
    Rule("art34_3_c", "GDPR Art. 34(3)(c)", disproportionate_effort),
    Rule("art34_1", "GDPR Art. 34(1)", communicate_to_subjects),
    Rule("art33_5", "GDPR Art. 33(5)", document_breach),
)


def decide(answers: dict[str, Any], *, role: str, risk: str, computed: str, would_be_high: bool,
           unintelligible: bool) -> Duties:
    """Fold DUTY_RULES in order: who is told (Arts. 33, 34), the exemption relied on, and why."""
    standing = Standing(answers, role, risk, computed, would_be_high, unintelligible)
    result = Duties()
    for rule in DUTY_RULES:
        found = rule.applies(standing, result)
        if found is not None:
            updated, line = found
            result = replace(updated, reasons=(*updated.reasons, line), rules=(*updated.rules, rule.name))
    return result
