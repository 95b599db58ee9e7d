"""ENISA arithmetic against the method's tables, and the WP250 examples end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from breach.adapters import playbooks, yamlfiles
from breach.core import playbook
from breach.core.risk import assess as assess_answers
from breach.core.risk import severity_level
from breach.errors import InputError

WP250 = sorted((Path(__file__).parent / "data" / "wp250").glob("example*.yaml"))
GDPR = playbooks.PLAYBOOK_DIR / "gdpr.yaml"


def load_example(path: Path) -> tuple[dict, dict, str]:
    data = dict(yamlfiles.load_yaml(path))
    expected = data.pop("expected")
    source = data.pop("source")
    return data, expected, source


def base(**overrides) -> dict:
    """Simple data, EI 1, no circumstances: SE = 1 before overrides.

    No breach_types: the element answers count as given (a `none` element under a
    breach type that names it would be refused as contradictory)."""
    answers = {
        "role": "controller",
        "data_categories": ["simple"],
        "ease_of_identification": "maximum",
        "confidentiality": "none",
        "integrity": "none",
        "availability": "none",
        "malicious": False,
        # answered: these tests are not about the cautious reading of a missing answer
        "data_items": ["name", "email"],
        "subject_categories": ["customers"],
    }
    answers.update(overrides)
    return with_evidence(answers)



def assess(answers: dict, **kwargs):
    """risk.assess on the answers with each mitigating yes carrying its evidence."""
    return assess_answers(with_evidence(dict(answers)), **kwargs)


def with_evidence(answers: dict) -> dict:
    """Each mitigating yes with its evidence answer (issue 22: a yes without evidence is refused)."""
    from breach.core.mitigations import EVIDENCE

    for key, evidence in EVIDENCE.items():
        if answers.get(key) is True:
            answers.setdefault(evidence, f"{key}: confirmed in writing by the DPO on 28 Nov; no e-mail, postal address "
                                          "or phone details usable (report on file)")
    return answers


# --- the ten examples ------------------------------------------------------------------


def test_wp250__all_ten_examples_present() -> None:
    assert [p.name for p in WP250] == [f"example{i:02d}.yaml" for i in range(1, 11)]


@pytest.mark.parametrize("path", WP250, ids=lambda p: p.stem)
def test_wp250__reaches_the_guidelines_conclusion(path: Path) -> None:
    answers, expected, source = load_example(path)
    assert f"example {int(path.stem.removeprefix('example'))}:" in source
    gdpr = playbooks.load_playbook(GDPR)
    result = assess(playbook.relevant_answers(gdpr, answers)).to_dict()
    for key, value in expected.items():
        assert result[key] == value, f"{path.name} {key}: {result['rationale']}"


# --- ENISA arithmetic --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("categories", "dpc"),
    [
        (["simple"], 1),
        (["behavioural"], 2),
        (["financial"], 3),
        (["sensitive"], 4),
        (["simple", "financial"], 3),  # highest category counts (Table 1, step 3)
        (["sensitive", "behavioural"], 4),
    ],
)
def test_dpc__basic_score_is_the_highest_category(categories: list[str], dpc: int) -> None:
    result = assess(base(data_categories=categories))
    assert (result.dpc_basic, result.dpc) == (dpc, dpc)
    assert result.severity == dpc  # EI 1, CB 0


def test_dpc__special_categories_count_as_sensitive() -> None:
    assert assess(base(special_categories=True)).dpc == 4


@pytest.mark.parametrize(("categories", "dpc"), [(["simple"], 2), (["financial"], 4), (["sensitive"], 4)])
def test_dpc__vulnerable_people_raise_one_level_capped_at_4(categories, dpc) -> None:
    result = assess(base(data_categories=categories, vulnerable_subjects=True))
    assert result.dpc == dpc
    assert result.dpc_basic == assess(base(data_categories=categories)).dpc_basic


def test_dpc__override_needs_a_reason_and_says_so() -> None:
    with pytest.raises(InputError, match="dpc_reason"):
        assess(base(dpc_score=3))
    result = assess(base(dpc_score=3, dpc_reason="diabetes e-pharmacy customer list"))
    assert (result.dpc_basic, result.dpc) == (1, 3)
    assert any("overrides" in line and "diabetes e-pharmacy" in line for line in result.rationale)


@pytest.mark.parametrize("score", [0, 5, "3", True])
def test_dpc__override_out_of_range_is_refused(score) -> None:
    with pytest.raises(InputError, match="dpc_score"):
        assess(base(dpc_score=score, dpc_reason="x"))


@pytest.mark.parametrize(
    ("level", "ei"),
    [("negligible", 0.25), ("limited", 0.5), ("significant", 0.75), ("maximum", 1.0)],
)
def test_ei__values(level: str, ei: float) -> None:
    result = assess(base(data_categories=["sensitive"], ease_of_identification=level))
    assert result.ei == ei
    assert result.severity == 4 * ei


@pytest.mark.parametrize(
    ("element", "answer", "points"),
    [
        ("confidentiality", "none", 0),
        ("confidentiality", "exposed", 0),
        ("confidentiality", "known_recipients", 0.25),
        ("confidentiality", "unknown_recipients", 0.5),
        ("integrity", "none", 0),
        ("integrity", "recoverable", 0.25),
        ("integrity", "unrecoverable", 0.5),
        ("availability", "none", 0),
        ("availability", "recoverable", 0),
        ("availability", "temporary", 0.25),
        ("availability", "permanent", 0.5),
    ],
)
def test_cb__element_points(element: str, answer: str, points: float) -> None:
    result = assess(base(**{element: answer}))
    assert result.cb_elements[element] == points
    assert result.cb == points
    assert result.severity == 1 + points


def test_cb__malicious_adds_half_and_elements_add_up() -> None:
    result = assess(
        base(confidentiality="unknown_recipients", integrity="unrecoverable", availability="permanent", malicious=True)
    )
    assert result.cb_elements == {"confidentiality": 0.5, "integrity": 0.5, "availability": 0.5, "malicious": 0.5}
    assert result.cb == 2.0  # ENISA maximum
    assert result.severity == 3.0


def test_cb__element_outside_breach_types_does_not_count() -> None:
    result = assess(base(breach_types=["availability"], availability="temporary", confidentiality="unknown_recipients"))
    assert result.cb_elements["confidentiality"] == 0
    assert result.cb_elements["availability"] == 0.25


@pytest.mark.parametrize(
    ("se", "level"),
    [
        (0.25, "low"),
        (1.99, "low"),
        (2, "medium"),
        (2.99, "medium"),
        (3, "high"),
        (3.99, "high"),
        (4, "very_high"),
        (6, "very_high"),
    ],
)
def test_severity_level__band_edges(se: float, level: str) -> None:
    assert severity_level(se) == level


@pytest.mark.parametrize(
    ("overrides", "se", "level"),
    [
        ({"confidentiality": "unknown_recipients", "integrity": "recoverable"}, 1.75, "low"),
        ({"data_categories": ["behavioural"]}, 2.0, "medium"),
        (
            {"data_categories": ["behavioural"], "confidentiality": "unknown_recipients", "integrity": "recoverable"},
            2.75,
            "medium",
        ),
        ({"data_categories": ["financial"]}, 3.0, "high"),
        (
            {"data_categories": ["financial"], "confidentiality": "unknown_recipients", "integrity": "recoverable"},
            3.75,
            "high",
        ),
        ({"data_categories": ["sensitive"]}, 4.0, "very_high"),
        (
            {
                "data_categories": ["sensitive"],
                "ease_of_identification": "significant",
                "confidentiality": "unknown_recipients",
                "integrity": "recoverable",
            },
            3.75,
            "high",
        ),
    ],
)
def test_severity__computed_edges(overrides: dict, se: float, level: str) -> None:
    result = assess(base(**overrides))
    assert (result.severity, result.level) == (se, level)


def test_flags() -> None:
    assert assess(base(subjects_count=100)).flags == ()
    assert assess(base(subjects_count=101)).flags == ("more_than_100_people",)
    flagged = assess(base(confidentiality="exposed", unintelligible=True))
    assert "data_unintelligible" in flagged.flags


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"data_categories": ["medical"]}, "data_categories"),
        ({"ease_of_identification": "easy"}, "ease_of_identification"),
        ({"confidentiality": "leaked"}, "confidentiality"),
        ({"malicious": "yes"}, "malicious"),
    ],
)
def test_assess__bad_values_are_input_errors(answers: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        assess(base(**answers))


# --- GDPR mapping ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "risk", "sa", "subjects"),
    [
        # Lost unencrypted USB stick of contact data: still a risk (EDPB, awareness).
        ({"confidentiality": "exposed"}, "risk", True, False),
        # Example 1 with the key compromised: encryption no longer helps.
        (
            {
                "data_categories": ["financial"],
                "confidentiality": "exposed",
                "malicious": True,
                "unintelligible": False,
            },
            "high",
            True,
            True,
        ),
        # Encrypted, but no backup: the availability loss remains.
        (
            {
                "data_categories": ["financial"],
                "confidentiality": "exposed",
                "unintelligible": True,
                "availability": "permanent",
            },
            "high",
            True,
            True,
        ),
        # Example 4 with a backup restored in good time: the intruder could read what it could reach, so
        # a confidentiality breach until exfiltration is ruled out with evidence (issue 22, silent path 1).
        ({"availability": "recoverable", "malicious": True}, "risk", True, False),
        ({"availability": "recoverable", "malicious": True, "exfiltration_ruled_out": True}, "unlikely", False, False),
        # Misdirected e-mail to a colleague who deleted it, confirmed with evidence (issue 22: the recipient model).
        ({"confidentiality": "known_recipients", "recipient": "internal_staff", "recipient_deleted": True},
         "unlikely", False, False),
        # ... but not when it was malicious.
        (
            {"confidentiality": "known_recipients", "recipient": "internal_staff", "recipient_deleted": True,
             "malicious": True},
            "risk",
            True,
            False,
        ),
        # Art. 9 data is high risk even at low ENISA severity (EDPB 9/2022 para 103).
        (
            {
                "confidentiality": "known_recipients",
                "special_categories": True,
                "dpc_score": 1,
                "dpc_reason": "already public",
            },
            "high",
            True,
            True,
        ),
        # Vulnerable people at medium severity.
        (
            {"data_categories": ["behavioural"], "confidentiality": "exposed", "vulnerable_subjects": True},
            "high",
            True,
            True,
        ),
        # Permanent loss at medium severity.
        ({"data_categories": ["behavioural"], "availability": "permanent"}, "high", True, True),
        # Nothing lost at all.
        ({}, "unlikely", False, False),
    ],
)
def test_gdpr_mapping(overrides: dict, risk: str, sa: bool, subjects: bool) -> None:
    result = assess(base(**overrides))
    assert (result.risk, result.notify_sa, result.notify_subjects) == (risk, sa, subjects), result.rationale


HIGH = {"data_categories": ["financial"], "confidentiality": "unknown_recipients"}


@pytest.mark.parametrize(
    ("extra", "exemption", "subjects", "public"),
    [
        ({}, None, True, False),
        ({"mitigated_high_risk": True}, "art34_3_b", False, False),
        ({"disproportionate_effort": True}, "art34_3_c", False, True),
        ({"mitigated_high_risk": True, "disproportionate_effort": True}, "art34_3_b", False, False),
    ],
)
def test_art34_3_exemptions(extra: dict, exemption, subjects: bool, public: bool) -> None:
    result = assess(base(**HIGH, **extra))
    assert result.risk == "high"
    assert result.notify_sa is True  # exemptions concern Art. 34 only
    assert (result.exemption, result.notify_subjects, result.public_communication) == (exemption, subjects, public)


def test_art34_3_a__encryption_that_prevents_a_high_risk() -> None:
    result = assess(base(**HIGH, unintelligible=True))
    assert (result.risk, result.exemption, result.notify_sa) == ("unlikely", "art34_3_a", False)


def test_processor__notifies_the_controller_only() -> None:
    result = assess(base(**HIGH, role="processor"))
    assert (result.notify_controller, result.notify_sa, result.notify_subjects) == (True, False, False)
    assert any("Art. 33(2)" in line for line in result.rationale)
    assert assess(base(**HIGH)).notify_controller is False


def test_document_is_always_true() -> None:
    assert assess(base()).document is True
    assert assess(base(**HIGH)).to_dict()["document"] is True


def test_to_dict__keys() -> None:
    data = assess(base(**HIGH)).to_dict()
    assert {
        "dpc",
        "dpc_basic",
        "ei",
        "cb",
        "cb_elements",
        "severity",
        "level",
        "flags",
        "risk",
        "notify_sa",
        "notify_subjects",
        "notify_controller",
        "public_communication",
        "document",
        "exemption",
        "rationale",
        "factors",
        "computed_risk",
        "risk_override",
        "risk_override_reason",
    } <= set(data)
    assert data["computed_risk"] == data["risk"] == "high" and data["risk_override"] is None
    assert isinstance(data["flags"], list) and isinstance(data["rationale"], list)


@pytest.mark.parametrize(
    "prefix",
    [
        "DPC 3: data categories simple, financial -> highest basic score 3 (ENISA Annex 1",
        "EI 0.75: identification significant",
        "CB 0.75: confidentiality unknown_recipients +0.5",
        "SE 3 = DPC 3 x EI 0.75 + CB 0.75 -> high",
        "Flags:",
        "GDPR risk 'high'",
        "Art. 33(1)",
        "Art. 34",
        "Art. 33(5)",
    ],
)
def test_rationale__one_line_per_factor(prefix: str) -> None:
    result = assess(
        base(
            data_categories=["simple", "financial"],
            ease_of_identification="significant",
            confidentiality="unknown_recipients",
            availability="temporary",
        )
    )
    assert sum(line.startswith(prefix) for line in result.rationale) == 1, result.rationale


def test_rationale__states_defaults_for_missing_answers() -> None:
    result = assess({})
    assert result.ei == 1.0
    assert any("not answered" in line for line in result.rationale)
