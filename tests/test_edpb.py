"""The EDPB layer over the ENISA score: factors that raise, named facts that mitigate, refusals.

Each table row is a breach a reviewer would try; the expected duties are the EDPB's
(Guidelines 9/2022, 01/2021, WP250 Annex B). A property-based test shows that adding
an aggravating fact never lowers the risk or the duties.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_risk import assess, with_evidence  # one helper: each mitigating yes with its evidence

from breach.adapters import playbooks
from breach.core import edpb, playbook
from breach.core.risk import RISKS
from breach.errors import InputError

GDPR = playbooks.PLAYBOOK_DIR / "gdpr.yaml"


def rank(risk: str) -> int:
    return RISKS.index(risk)


def answers(**overrides) -> dict:
    """A controller's confidentiality breach of simple data, EI maximum, not malicious: SE 1 + CB."""
    base = {
        "role": "controller",
        "breach_types": ["confidentiality"],
        "data_categories": ["simple"],
        "ease_of_identification": "maximum",
        "confidentiality": "known_recipients",
        "malicious": False,
        # answered: these tests are not about the cautious reading of a missing answer
        "data_items": ["name", "email"],
        "subject_categories": ["customers"],
    }
    base.update(overrides)
    return with_evidence(base)





def duties(result) -> tuple[str, bool, bool]:
    return result.risk, result.notify_sa, result.notify_subjects


# --- the cases --------------------------------------------------------------------


RANSOMWARE_ON_PATIENTS = {
    "role": "controller",
    "breach_types": ["availability"],
    "data_categories": ["simple", "sensitive"],
    "data_items": ["name", "date_of_birth", "health"],
    "subject_categories": ["patients"],
    "special_categories": True,
    "ease_of_identification": "maximum",
    "availability": "recoverable",  # restored from backup
    "malicious": True,
    "malware": True,
    "exfiltration_ruled_out": False,
    "subjects_count": 5000,
}


def test_ransomware_on_patients_restored_from_backup__authority_and_patients_told() -> None:
    result = assess(RANSOMWARE_ON_PATIENTS)
    assert duties(result) == ("high", True, True), result.rationale
    # the backup restored the data, not its confidentiality: the presumed exfiltration counts
    assert result.cb_elements["confidentiality"] == 0.5
    assert any(line.startswith("Unauthorised access (malware): whoever could reach the data")
               for line in result.rationale)
    assert {"special_categories", "vulnerable_people"} <= set(result.factors)


def test_ransomware_on_patients__exfiltration_ruled_out_still_counts_the_outage() -> None:
    """A hospital's restored outage is not 'unlikely' (EDPB 9/2022 on availability; 01/2021 case 03)."""
    ruled_out = {**RANSOMWARE_ON_PATIENTS, "special_categories": False, "data_categories": ["simple"],
                 "data_items": ["name"], "exfiltration_ruled_out": True,
                 "exfiltration_evidence": "forensic report: encryption only, no egress"}
    result = assess(ruled_out)
    assert result.cb_elements["confidentiality"] == 0
    assert result.risk != "unlikely" and result.notify_sa is True
    not_critical = assess({**ruled_out, "subject_categories": ["customers"]})
    assert duties(not_critical) == ("unlikely", False, False)  # EDPB 01/2021 case 01


def test_published_email_and_password__people_told() -> None:
    result = assess(answers(data_items=["email", "password"], confidentiality="unknown_recipients",
                            malicious=True, subjects_count=50_000))
    assert duties(result) == ("high", True, True), result.rationale
    assert "credentials" in result.factors
    assert result.level == "medium"  # ENISA alone would say 'risk': the EDPB layer raised it


def test_national_ids_emailed_to_the_wrong_list__people_told() -> None:
    result = assess(answers(data_items=["name", "national_id"], confidentiality="known_recipients",
                            recipient_trusted_and_deleted=False, subjects_count=40_000))
    assert result.level == "low"
    assert duties(result) == ("high", True, True), result.rationale
    assert "identity_fraud" in result.factors


def test_children_raise_the_severity_and_the_risk_over_adults() -> None:
    adults = assess(answers(subject_categories=["customers"], subjects_count=300))
    children = assess(answers(subject_categories=["children"], subjects_count=300))
    assert children.severity > adults.severity
    assert rank(children.risk) > rank(adults.risk)
    assert (adults.risk, children.risk) == ("risk", "high")
    assert children.notify_subjects and not adults.notify_subjects


@pytest.mark.parametrize("category", ["children", "patients", "vulnerable_groups"])
def test_subject_categories_count_without_the_vulnerable_yes_no(category: str) -> None:
    result = assess(answers(subject_categories=[category], vulnerable_subjects=False))
    assert result.dpc == 2 and "vulnerable_people" in result.factors


# --- data items --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "risk"),
    [
        (["name", "email"], "risk"),
        (["name", "national_id"], "high"),
        (["name", "passport"], "high"),
        (["name", "payment_card"], "high"),
        (["name", "bank_account"], "high"),
        (["name", "date_of_birth", "address"], "high"),  # together they open accounts in someone's name
        (["name", "date_of_birth"], "risk"),
        (["name", "address"], "risk"),
        (["email", "security_questions"], "high"),
        (["email", "session_tokens"], "high"),
        (["name", "health"], "high"),  # Art. 9 data, whatever special_categories says
    ],
)
def test_data_items__identity_fraud_credentials_health(items: list[str], risk: str) -> None:
    result = assess(answers(data_items=items))
    assert result.risk == risk, result.rationale


@pytest.mark.parametrize(
    ("storage", "risk"),
    [(None, "high"), ("plaintext", "high"), ("weak_hash", "high"), ("strong_hash", "risk"),
     ("not_applicable", "risk")],
)
def test_passwords__usable_unless_strongly_hashed(storage: str | None, risk: str) -> None:
    result = assess(answers(data_items=["email", "password"], password_storage=storage))
    assert result.risk == risk, result.rationale
    if storage is None:  # unanswered: the conservative assumption is said out loud
        assert any("assumed usable" in line for line in result.rationale)


@pytest.mark.parametrize(
    ("item", "confidentiality", "malicious", "risk"),
    [
        ("location", "unknown_recipients", False, "high"),
        ("communications", "unknown_recipients", False, "high"),
        ("location", "exposed", True, "high"),
        ("location", "known_recipients", False, "risk"),
        ("communications", "known_recipients", False, "risk"),
    ],
)
def test_location_and_communications_in_unknown_hands(item, confidentiality, malicious, risk) -> None:
    result = assess(answers(data_items=[item], confidentiality=confidentiality, malicious=malicious,
                            data_categories=["simple"], ease_of_identification="negligible"))
    assert result.risk == risk, result.rationale


@pytest.mark.parametrize(
    ("item", "dpc"), [("health", 4), ("payment_card", 3), ("bank_account", 3), ("location", 2), ("name", 1)]
)
def test_data_items_imply_their_enisa_category(item: str, dpc: int) -> None:
    result = assess(answers(data_items=[item], data_categories=["simple"]))
    assert result.dpc == dpc
    dpc_line = next(line for line in result.rationale if line.startswith("DPC"))
    if dpc > 1:
        assert item in dpc_line and ("from data items" in dpc_line or "Art. 9" in dpc_line), dpc_line


# --- scale -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("confidentiality", "people", "risk"),
    [
        # medium severity (behavioural 2 + 0.25), recipients known: only very large scale raises it
        ("known_recipients", 9_999, "risk"),
        ("known_recipients", edpb.VERY_LARGE_SCALE, "high"),
        # medium severity (2 + 0.5), recipients unknown: large scale raises it
        ("unknown_recipients", 999, "risk"),
        ("unknown_recipients", edpb.LARGE_SCALE, "high"),
    ],
)
def test_scale__thresholds(confidentiality: str, people: int, risk: str) -> None:
    result = assess(answers(data_categories=["behavioural"], confidentiality=confidentiality, subjects_count=people))
    assert result.level == "medium"
    assert result.risk == risk, result.rationale


def test_scale__never_makes_a_low_severity_breach_high() -> None:
    result = assess(answers(confidentiality="known_recipients", subjects_count=1_000_000))
    assert (result.level, result.risk) == ("low", "risk")


# --- availability and critical services -------------------------------------------------


def test_availability_recoverable_does_not_cancel_a_confidentiality_loss() -> None:
    result = assess(answers(breach_types=["confidentiality", "availability"], confidentiality="unknown_recipients",
                            availability="recoverable"))
    assert result.risk == "risk" and result.notify_sa is True


@pytest.mark.parametrize(
    ("availability", "critical", "risk"),
    [
        ("recoverable", False, "unlikely"),  # WP250 example 3: a power cut of minutes at a call centre
        ("recoverable", True, "risk"),  # a hospital: the outage itself counts
        ("temporary", False, "risk"),
        ("temporary", True, "high"),  # WP250 example 8 with simple data
    ],
)
def test_critical_service__the_outage_itself_weighs(availability: str, critical: bool, risk: str) -> None:
    result = assess(answers(breach_types=["availability"], availability=availability, critical_service=critical))
    assert result.risk == risk, result.rationale


def test_employees__data_beyond_contact_details_at_medium_severity_is_high() -> None:
    staff = assess(answers(data_categories=["behavioural"], subject_categories=["employees"]))
    customers = assess(answers(data_categories=["behavioural"], subject_categories=["customers"]))
    assert (customers.risk, staff.risk) == ("risk", "high")
    contacts = assess(answers(data_categories=["simple"], subject_categories=["employees"], malicious=True,
                              confidentiality="unknown_recipients"))
    assert contacts.level == "medium" and contacts.risk == "risk"  # work contact details only


# --- named mitigating facts --------------------------------------------------------------


def test_mitigations__unintelligible_data_contains_even_identity_numbers() -> None:
    result = assess(answers(data_items=["national_id"], confidentiality="exposed", unintelligible=True))
    assert duties(result) == ("unlikely", False, False)
    assert result.exemption == "art34_3_a"  # encryption is what spares the letters


def test_mitigations__already_public_data_only_for_what_can_be_public() -> None:
    public = assess(answers(data_items=["name", "email"], data_already_public=True))
    assert public.risk == "unlikely"
    assert any("already lawfully public" in line for line in public.rationale)
    ids = assess(answers(data_items=["name", "national_id"], data_already_public=True))
    assert ids.risk == "high"
    assert any("does not contain this disclosure" in line for line in ids.rationale)


def test_enisa_high_is_lowered_only_by_a_named_fact() -> None:
    high = answers(data_categories=["financial"], confidentiality="unknown_recipients")
    assert assess(high).risk == "high"
    contained = assess({**high, "unintelligible": True})
    assert contained.risk == "unlikely"
    assert any("contained: the data is unintelligible" in line for line in contained.rationale)


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"breach_types": []}, "breach_types is empty"),
        ({"breach_types": ["theft"]}, "breach_types: unknown"),
        ({"confidentiality": "none"}, "contradictory answers: confidentiality"),
        ({"breach_types": ["availability"], "availability": "none"}, "contradictory answers: availability"),
        ({"malware": True, "exfiltration_ruled_out": True, "exfiltration_evidence": " "}, "exfiltration_evidence"),
        ({"malware": True, "exfiltration_ruled_out": True, "exfiltration_evidence": "logs",
          "confidentiality": "unknown_recipients"}, "contradictory answers: exfiltration_ruled_out"),
        ({"data_items": ["pasport"]}, "data_items: unknown 'pasport'"),
        ({"subject_categories": ["kids"]}, "subject_categories: unknown 'kids'"),
        ({"password_storage": "md5"}, "password_storage"),
        ({"subjects_count": -1}, "subjects_count"),
        ({"risk_override": "unlikely"}, "without a reason"),
        ({"risk_override": "unlikely", "risk_override_reason": "  "}, "without a reason"),
        ({"risk_override": "low", "risk_override_reason": "x"}, "risk_override: 'low'"),
        ({"risk_override_reason": "because"}, "without risk_override"),
    ],
)
def test_refuses_what_cannot_be_judged(overrides: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        assess(answers(**overrides))


# --- override ----------------------------------------------------------------------------


def test_override__lowering_with_a_reason_is_recorded_and_the_duties_follow() -> None:
    computed = assess(answers(data_items=["national_id"]))
    assert computed.risk == "high"
    result = assess(answers(data_items=["national_id"], risk_override="risk",
                            risk_override_reason="numbers were already void: the registry reissued them"))
    # issue 22: pending until a second person confirms; the computed risk keeps driving the duties
    assert duties(result) == ("high", True, True)
    assert result.override_pending
    confirmed = assess(answers(data_items=["national_id"], risk_override="risk",
                               risk_override_reason="numbers were already void: the registry reissued them"),
                       override_confirmed_by="M. Dupont")
    assert duties(confirmed) == ("risk", True, False)
    data = confirmed.to_dict()
    assert (data["computed_risk"], data["risk_override"]) == ("high", "risk")
    assert data["risk_override_reason"].startswith("numbers were already void")
    assert any("LOWERED" in line and "already void" in line and "M. Dupont" in line for line in confirmed.rationale)


def test_override__raising_needs_no_reason() -> None:
    result = assess(answers(risk_override="high"))
    assert duties(result) == ("high", True, True)
    assert (result.computed_risk, result.risk_override, result.risk_override_reason) == ("risk", "high", None)


def test_override__none_given_records_the_computed_risk() -> None:
    data = assess(answers()).to_dict()
    assert (data["computed_risk"], data["risk_override"], data["risk_override_reason"]) == ("risk", None, None)


# --- the playbook asks what the core reads -----------------------------------------------


def test_playbook_asks_every_key_the_edpb_layer_reads() -> None:
    gdpr = playbooks.load_playbook(GDPR)
    ids = {s.id for s in gdpr.steps}
    assert set(edpb.ANSWER_KEYS) <= ids
    asked = [s.id for s in gdpr.steps if s.asked]
    assert asked[-2:] == ["risk_override", "risk_override_reason"]  # the last questions


def test_unknown_answer_keys_are_named_with_a_suggestion() -> None:
    gdpr = playbooks.load_playbook(GDPR)
    problems = playbook.unknown_answers(gdpr, {"subject_categorie": ["children"], "role": "controller"})
    assert problems == ["subject_categorie: not a question of playbook 'gdpr' (did you mean 'subject_categories'?)"]


@pytest.mark.parametrize("prefix", ["EDPB factor -> high:", "Unauthorised access", "Risk override:"])
def test_rationale__every_edpb_line_cites_its_source(prefix: str) -> None:
    result = assess({**RANSOMWARE_ON_PATIENTS, "data_items": ["national_id", "password", "health"],
                     "risk_override": "high"})
    lines = [line for line in result.rationale if line.startswith(prefix)]
    assert lines
    for line in lines:
        assert any(src in line for src in ("EDPB", "WP250", "WP248", "ENISA", "Art.")), line


# --- properties --------------------------------------------------------------------------

TYPES = ("confidentiality", "integrity", "availability")
SCALES = {
    "confidentiality": ("exposed", "known_recipients", "unknown_recipients"),
    "integrity": ("none", "recoverable", "unrecoverable"),
    "availability": ("recoverable", "temporary", "permanent"),
}
EI_ORDER = ("negligible", "limited", "significant", "maximum")
STORAGE_ORDER = ("strong_hash", "not_applicable", "weak_hash", "plaintext")  # last two usable
MITIGATIONS = ("unintelligible", "recipient_trusted_and_deleted", "data_already_public", "mitigated_high_risk",
               "disproportionate_effort")


@st.composite
def breaches(draw) -> dict:
    """Controller answers that can be judged (no contradiction), with mitigating facts sometimes."""
    types = draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=3, unique=True))
    a: dict = {"role": "controller", "breach_types": types}
    for element in types:
        a[element] = draw(st.sampled_from(SCALES[element]))
    a["data_categories"] = draw(st.lists(st.sampled_from(("simple", "behavioural", "financial", "sensitive")),
                                         max_size=2, unique=True))
    a["data_items"] = draw(st.lists(st.sampled_from(edpb.DATA_ITEMS), max_size=3, unique=True))
    a["subject_categories"] = draw(st.lists(st.sampled_from(edpb.SUBJECT_CATEGORIES), max_size=2, unique=True))
    a["subjects_count"] = draw(st.sampled_from((5, 100, 101, 999, 1_000, 9_999, 10_000, 50_000)))
    a["ease_of_identification"] = draw(st.sampled_from(EI_ORDER))
    for flag in ("special_categories", "vulnerable_subjects", "malicious", "critical_service", "malware",
                 "mitigated_high_risk", "disproportionate_effort"):
        a[flag] = draw(st.booleans())
    if "password" in a["data_items"]:
        a["password_storage"] = draw(st.sampled_from((None, *STORAGE_ORDER)))
    if "confidentiality" in types:
        a["unintelligible"] = draw(st.booleans())
        a["data_already_public"] = draw(st.booleans())
        if a["confidentiality"] == "known_recipients":
            a["recipient_trusted_and_deleted"] = draw(st.booleans())
    if a["malware"] and a.get("confidentiality") != "unknown_recipients" and draw(st.booleans()):
        a["exfiltration_ruled_out"] = True
        a["exfiltration_evidence"] = "forensic report"
    return a


def _worse(order: tuple[str, ...], value: str) -> str:
    return order[min(order.index(value) + 1, len(order) - 1)]


def aggravate(a: dict, how: str, pick: int) -> dict:
    """Add one aggravating fact (or take away one mitigating fact)."""
    b = {**a, "data_items": list(a["data_items"]), "subject_categories": list(a["subject_categories"])}
    if how == "item":
        b["data_items"] = list(dict.fromkeys([*b["data_items"], edpb.DATA_ITEMS[pick % len(edpb.DATA_ITEMS)]]))
    elif how == "people":
        cat = edpb.SUBJECT_CATEGORIES[pick % len(edpb.SUBJECT_CATEGORIES)]
        b["subject_categories"] = list(dict.fromkeys([*b["subject_categories"], cat]))
    elif how == "scale":
        b["subjects_count"] = b["subjects_count"] * (2 + pick % 100)
    elif how in ("special_categories", "vulnerable_subjects", "malicious", "critical_service"):
        b[how] = True
    elif how == "malware" and not a["malware"]:
        b["malware"] = True
    elif how == "exfiltration_not_ruled_out":
        b.pop("exfiltration_ruled_out", None), b.pop("exfiltration_evidence", None)
    elif how in TYPES and how in b:
        b[how] = _worse(SCALES[how], b[how])
        if b.get("confidentiality") == "unknown_recipients":  # data left: exfiltration is not ruled out
            b.pop("exfiltration_ruled_out", None), b.pop("exfiltration_evidence", None)
    elif how == "new_type":
        missing = [t for t in TYPES if t not in b["breach_types"]]
        if missing:
            element = missing[pick % len(missing)]
            b["breach_types"] = [*b["breach_types"], element]
            b[element] = SCALES[element][0]
    elif how == "identification":
        b["ease_of_identification"] = _worse(EI_ORDER, b["ease_of_identification"])
    elif how == "category":
        cat = ("simple", "behavioural", "financial", "sensitive")[pick % 4]
        b["data_categories"] = list(dict.fromkeys([*b["data_categories"], cat]))
    elif how == "password_storage" and b.get("password_storage") is not None:
        b["password_storage"] = _worse(STORAGE_ORDER, b["password_storage"])
    elif how in MITIGATIONS:
        b[how] = False
    return b


AGGRAVATIONS = ("item", "people", "scale", "special_categories", "vulnerable_subjects", "malicious",
                "critical_service", "malware", "exfiltration_not_ruled_out", *TYPES, "new_type", "identification",
                "category", "password_storage", *MITIGATIONS)


@settings(max_examples=200, deadline=None)
@given(breaches(), st.sampled_from(AGGRAVATIONS), st.integers(min_value=0, max_value=1000))
def test_property__an_aggravating_fact_never_lowers_the_risk_or_the_duties(a: dict, how: str, pick: int) -> None:
    before = assess(a)
    after = assess(aggravate(a, how, pick))
    assert rank(after.risk) >= rank(before.risk), (how, before.rationale, after.rationale)
    assert after.notify_sa >= before.notify_sa, how
    assert after.notify_subjects >= before.notify_subjects, how
    assert after.severity >= before.severity, how


@settings(max_examples=200, deadline=None)
@given(breaches())
def test_property__never_below_enisa_without_a_named_mitigating_fact(a: dict) -> None:
    result = assess(a)
    if result.level in ("high", "very_high") and result.risk != "high":
        assert any("contained:" in line for line in result.rationale), result.rationale
    if result.risk == "unlikely":
        assert any("contained" in line for line in result.rationale), result.rationale
    raised = [line for line in result.rationale if line.startswith("EDPB factor -> high:")]
    assert bool(raised) == bool(result.factors)
    if result.factors:
        assert result.risk == "high"


def test_guided_session_warns_when_an_override_lowers_the_risk() -> None:
    gdpr = playbooks.load_playbook(GDPR)
    step = gdpr.step("risk_override")
    so_far = answers(data_items=["national_id"])
    assert playbook.describe_effect(step, "risk", so_far) == (
        "Computed risk: high; lowering it to risk needs a reason (next question)")
    assert playbook.describe_effect(step, "high", so_far) == "Computed risk: high; your decision: high"
