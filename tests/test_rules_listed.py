"""The EDPB and ENISA decisions are lists of named rules, each with its source, and every rule is used.

Each rule is reached from a WP250 example (tests/data/wp250), as written or changed in
one or two answers; the assessment records the rules that fired (RiskResult.rules).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from breach.adapters import playbooks
from breach.adapters.yamlfiles import load_yaml
from breach.core import duties, edpb, mitigations, playbook, risk

WP250 = Path(__file__).parent / "data" / "wp250"
GDPR = playbooks.PLAYBOOK_DIR / "gdpr.yaml"

LISTS = {
    "risk.ENISA_STEPS": risk.ENISA_STEPS,
    "edpb.RULES": edpb.RULES,
    "duties.DUTY_RULES": duties.DUTY_RULES,
}
ALL_RULES = [rule for rules in LISTS.values() for rule in rules]
#: A source names its text and, in it, an article, paragraph, section, annex, example or case
#: (EDPB 9/2022 by a named section or risk factor where the paragraph is not known).
TEXT = re.compile(r"\b(GDPR|EDPB Guidelines (9/2022|01/2021)|ENISA 2013|WP250|WP248 rev\.01)\b")
PLACE = re.compile(r"\b(Art\. \d+(\(\d\))?(\([a-z]\))?|Recital \d+|paras? \d+|section \d(\.\d)*|Annex \d|"
                   r"Table \d|examples? \d+|cases? \d+|criterion \d|step \d|risk factor: |section on |"
                   r"Guidelines 9/2022, [a-z])")

#: rule -> (WP250 example, answers changed): an answer set where the rule fires.
#: None: the example as written.
REACHED_BY: dict[str, tuple[int, dict | None]] = {
    # ENISA
    "dpc_basic": (1, None),
    "dpc_vulnerable": (2, {"vulnerable_subjects": True}),
    "dpc_override": (10, None),
    "ease_of_identification": (1, None),
    "access_presumes_exfiltration": (4, {"exfiltration_ruled_out": None}),
    "intrusion_is_malicious": (4, {"malicious": False}),
    "circumstances": (1, None),
    "severity": (1, None),
    "flags": (1, None),
    # EDPB notes and containment
    "password_storage": (6, None),
    "data_items_missing": (3, None),
    "unintelligible_data": (1, None),
    "recipient_deleted": (5, {"recipient": "internal_staff", "recipient_deleted": True,
                              "recipient_deleted_evidence": "Confirmed in writing by the colleague on 28 Nov"}),
    "already_public": (10, {"special_categories": False, "dpc_score": None, "data_already_public": True}),
    "integrity_recovered": (3, {"breach_types": ["availability", "integrity"], "integrity": "none"}),
    "restored_from_backup": (3, None),
    # EDPB factors
    "special_categories": (8, None),
    "vulnerable_people": (8, None),
    "employees": (9, {"subject_categories": ["employees"]}),
    "permanent_loss": (4, None),
    "identity_fraud": (2, None),
    "credentials": (6, None),
    "location_or_communications": (6, {"data_items": ["name", "location"]}),
    "critical_service": (8, None),
    "very_large_scale": (6, None),
    "large_scale": (2, {"subjects_count": 5000}),
    "items_unknown": (5, None),
    # duties
    "art33_2": (7, None),
    "art33_1": (6, None),
    "art34_3_a": (1, None),
    "art34_3_b": (6, {"mitigated_high_risk": True}),
    "art34_3_c": (6, {"disproportionate_effort": True, "disproportionate_effort_evidence": "The attacker changed "
                      "every account's e-mail address before the dump; the old addresses were not kept (DPO, 28 Nov)"}),
    "art34_1": (6, None),
    "art33_5": (7, None),
}


def example(number: int, changes: dict | None) -> dict:
    data = dict(load_yaml(WP250 / f"example{number:02d}.yaml"))
    data.pop("expected")
    data.pop("source")
    data.update(changes or {})
    for key, evidence in mitigations.EVIDENCE.items():  # issue 22: a mitigating yes carries its evidence
        if data.get(key) is True and not data.get(evidence):
            data[evidence] = f"{key}: confirmed in writing by the DPO on 28 Nov 2026 (report R-1 on file)"
    answers = {key: value for key, value in data.items() if value is not None}
    return playbook.relevant_answers(playbooks.load_playbook(GDPR), answers)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.name)
def test_every_rule_has_a_name_and_a_source_naming_where_the_law_says_it(rule: edpb.Rule) -> None:
    assert re.fullmatch(r"[a-z][a-z0-9_]*", rule.name), rule.name
    assert rule.source.strip(), f"{rule.name}: no source"
    assert TEXT.search(rule.source), f"{rule.name}: {rule.source!r} names no GDPR, EDPB, WP or ENISA text"
    assert PLACE.search(rule.source), f"{rule.name}: {rule.source!r} names no article, paragraph or section"
    assert callable(rule.applies)


def test_rule_names_are_unique_and_each_has_an_example() -> None:
    names = [rule.name for rule in ALL_RULES]
    assert len(names) == len(set(names))
    assert sorted(names) == sorted(REACHED_BY)


def test_the_exemption_recorded_is_the_rule_that_fired() -> None:
    exemptions = {rule.name for rule in duties.DUTY_RULES if rule.name.startswith("art34_3_")}
    assert exemptions == {"art34_3_a", "art34_3_b", "art34_3_c"}
    for name in exemptions:
        result = risk.assess(example(*REACHED_BY[name]))
        assert result.exemption == name
        assert [r for r in result.rules if r in exemptions] == [name]


@pytest.mark.parametrize("name", sorted(REACHED_BY))
def test_every_rule_is_reached_and_folded_in_order(name: str) -> None:
    result = risk.assess(example(*REACHED_BY[name]))
    assert name in result.rules, f"{name} did not fire: {result.rules}"
    # the rules fired follow the order of the lists (decide folds them in order)
    order = [rule.name for rule in ALL_RULES]
    positions = [order.index(r) for r in result.rules]
    assert positions == sorted(positions), result.rules


@pytest.mark.parametrize("name", [rule.name for rule in edpb.FACTOR_RULES])
def test_each_edpb_factor_that_fires_is_a_factor_of_the_result(name: str) -> None:
    result = risk.assess(example(*REACHED_BY[name]))
    assert name in result.factors
    assert result.risk == "high"


def test_a_rule_that_fires_writes_the_line_that_cites_it() -> None:
    result = risk.assess(example(6, {"mitigated_high_risk": True}))
    assert any(line.startswith("Art. 34(3)(b):") for line in result.rationale)
    assert not any(line.startswith("Art. 34(1):") for line in result.rationale)
    assert result.notify_subjects is False
