"""Issue 22: no path to silence. Each silent answer combination now notifies or is refused with the fix,
every gap takes the cautious reading, a lowering override takes a second person, one role."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Cli
from hypothesis import given, settings
from hypothesis import strategies as st

from breach.adapters import playbooks
from breach.adapters.yamlfiles import load_yaml
from breach.core import edpb
from breach.core.risk import RISKS, assess
from breach.errors import InputError

SILENT = Path(__file__).parent / "data" / "silent"
GDPR = playbooks.load_playbook(playbooks.PLAYBOOK_DIR / "gdpr.yaml")


def answers_file(tmp_path: Path, name: str, **changes) -> Path:
    data = {**load_yaml(SILENT / "common.yaml"), **load_yaml(SILENT / name), **changes}
    path = tmp_path / name
    path.write_text(_yaml(data))
    return path


def _yaml(data: dict) -> str:
    import json

    return json.dumps(data)  # JSON is YAML


def opened(cli: Cli, role: str = "controller") -> str:
    return cli.json("open", "--title", "T", "--aware-at", "2026-11-28 09:00", "--role", role)["id"]


def assessed(cli: Cli, tmp_path: Path, name: str, **changes) -> dict:
    iid = opened(cli)
    return cli.json("assess", iid, "--answers", str(answers_file(tmp_path, name, **changes)), "--json")


# --- the seven silent paths ---------------------------------------------------------------


def test_1_an_intruder_without_malware_is_a_confidentiality_breach(cli: Cli, tmp_path: Path) -> None:
    result = assessed(cli, tmp_path, "1-access-without-malware.yaml")
    assert result["notify_sa"] and result["notify_subjects"]
    assert any(line.startswith("Unauthorised access (cause hacking)") for line in result["rationale"])
    assert {c["question"] for c in result["to_confirm"]} >= {"exfiltration_ruled_out"}


def test_2_a_skipped_malware_question_reads_cautiously_and_says_so(cli: Cli, tmp_path: Path) -> None:
    result = assessed(cli, tmp_path, "2-ransomware-malware-skipped.yaml")
    assert result["risk"] != "unlikely" and result["notify_sa"]
    assert any("exfiltration ruled out not answered" in line for line in result["rationale"])


def test_2b_skipped_data_items_on_national_ids_reads_cautiously(cli: Cli, tmp_path: Path) -> None:
    result = assessed(cli, tmp_path, "3-items-skipped.yaml")
    assert result["risk"] == "high" and result["notify_subjects"]
    assert "data_items" in {c["question"] for c in result["to_confirm"]}
    assert any("data items not answered, cautious reading" in line for line in result["rationale"])


def test_3_a_lowering_reason_of_one_letter_is_refused_with_the_fix(cli: Cli, tmp_path: Path) -> None:
    iid = opened(cli)
    out = cli("assess", iid, "--answers", str(answers_file(tmp_path, "4-override-x.yaml")))
    assert out.exit_code == 1
    assert "risk_override_reason 'x' is not a reason" in out.stderr and "at least a sentence" in out.stderr


@pytest.mark.parametrize(("name", "fix"), [
    ("5-mitigated-no-evidence.yaml", "mitigated_high_risk_evidence"),
    ("6-effort-with-emails.yaml", "disproportionate_effort: yes while data_items holds email"),
])
def test_4_a_mitigating_yes_without_evidence_is_refused_with_the_fix(cli: Cli, tmp_path: Path, name: str,
                                                                     fix: str) -> None:
    iid = opened(cli)
    out = cli("assess", iid, "--answers", str(answers_file(tmp_path, name)))
    assert out.exit_code == 1 and fix in out.stderr and "Traceback" not in out.stderr


def test_4b_an_old_trusted_answer_keeps_working_but_the_deletion_is_to_confirm(cli: Cli, tmp_path: Path) -> None:
    result = assessed(cli, tmp_path, "7-old-trusted-key.yaml")
    assert result["risk"] == "high" and result["notify_sa"]
    assert result["rationale"][0].startswith("recipient_trusted_and_deleted is deprecated")
    assert "recipient_deleted" in {c["question"] for c in result["to_confirm"]}


@pytest.mark.parametrize(("incident", "answered"), [("processor", "controller"), ("controller", "processor")])
def test_5_a_role_mismatch_exits_1_naming_both(cli: Cli, tmp_path: Path, incident: str, answered: str) -> None:
    iid = opened(cli, incident)
    out = cli("assess", iid, "--answers", str(answers_file(tmp_path, "3-items-skipped.yaml", role=answered)))
    assert out.exit_code == 1
    assert f"the answers say role: {answered}" in out.stderr and f"opened as {incident}" in out.stderr
    assert f"breach open --role {answered}" in out.stderr


# --- the recipient, as the authorities see it ----------------------------------------------

COLLEAGUE = {  # ICO breach examples, case study 2: a vulnerable client's debts and mental health
    "role": "controller", "breach_types": ["confidentiality"], "data_categories": ["financial", "sensitive"],
    "data_items": ["name", "address", "health", "other"], "subject_categories": ["customers"],
    "special_categories": True, "ease_of_identification": "maximum", "confidentiality": "known_recipients",
    "malicious": False, "unintelligible": False, "subjects_count": 1, "vulnerable_subjects": True,
    "recipient": "internal_staff", "recipient_deleted": True,
    "recipient_deleted_evidence": "The colleague deleted the e-mail at once and told the sender (28 Nov, 10:02).",
}


def test_the_internal_colleague_case_is_unlikely() -> None:
    assert assess(COLLEAGUE).risk == "unlikely"


def test_the_same_with_an_outside_recipient_stays_at_least_risk_and_is_notified() -> None:
    result = assess({**COLLEAGUE, "recipient": "external_known"})
    assert result.risk in ("risk", "high") and result.notify_sa
    assert any("assurance the controller cannot check" in line for line in result.rationale)


def test_deletion_without_its_evidence_is_refused() -> None:
    with pytest.raises(InputError, match="recipient_deleted: yes needs recipient_deleted_evidence"):
        assess({k: v for k, v in COLLEAGUE.items() if k != "recipient_deleted_evidence"})


# --- lowering takes a second person --------------------------------------------------------


def test_a_lowering_override_is_pending_until_a_second_person_confirms(cli: Cli, tmp_path: Path) -> None:
    reason = "The only recipient is our own DPO, who deleted the export within the hour, confirmed in writing."
    path = answers_file(tmp_path, "4-override-x.yaml", risk_override="risk", risk_override_reason=reason)
    iid = opened(cli)
    result = cli.json("assess", iid, "--answers", str(path), "--as", "A. Author", "--json")
    assert result["override_pending"] and result["risk"] == "high" and result["notify_subjects"]
    clocks = {o["obligation"] for o in cli.json("register", "--format", "json")[0]["obligations"]}
    assert "gdpr-art34-subjects" in clocks or any("34" in c for c in clocks)
    same = cli("confirm-override", iid, "--as", "A. Author")
    assert same.exit_code == 1 and "a second person must confirm it" in same.stderr
    confirmed = cli.json("confirm-override", iid, "--as", "B. Second", "--json")
    assert confirmed["risk"] == "risk" and not confirmed["notify_subjects"] and confirmed["notify_sa"]
    row = cli.json("register", "--format", "json")[0]
    after = {o["obligation"] for o in row["obligations"] if o["state"] != "not_applicable"}
    assert after != clocks or row["risk"] == "risk"
    assert row["risk"] == "risk" and row["risk_override_by"] == "A. Author"
    assert row["override_confirmed_by"] == "B. Second"


# --- property: a gap never lowers the risk -------------------------------------------------

#: Optional questions that are facts (not the responder's own decisions: dpc_score and risk_override
#: move the result by design, both ways).
FACTS = ("data_items", "password_storage", "subject_categories", "data_already_public", "malware",
         "exfiltration_ruled_out", "recipient", "recipient_deleted", "cause")
OPTIONAL = {s.id for s in GDPR.steps if s.optional}


@st.composite
def answer_sets(draw) -> dict:
    """Consistent answer sets: the categories answered cover the items (health is Art. 9 data, a bank
    account financial), children or patients are vulnerable people, a patients' service is critical,
    malware or an intrusion is malicious, malware is not a lost, stolen or misdirected thing."""
    types = draw(st.lists(st.sampled_from(["confidentiality", "integrity", "availability"]), min_size=1,
                          unique=True))
    items = draw(st.lists(st.sampled_from(edpb.DATA_ITEMS), unique=True, max_size=5))
    people = draw(st.lists(st.sampled_from(edpb.SUBJECT_CATEGORIES), unique=True, max_size=3))
    categories = sorted({draw(st.sampled_from(["simple", "behavioural", "financial", "sensitive"])),
                         *edpb.implied_categories(edpb.read_facts({"data_items": items})).values()})
    cause = draw(st.sampled_from([None, "hacking", "malware", "phishing", "misdirected", "lost_device", "other"]))
    malware = draw(st.sampled_from([None, False, True]))
    if malware and cause in edpb.NO_ACCESS_CAUSES:  # malware is an access: not a lost, stolen or misdirected thing
        cause = None
    a = {
        "role": "controller", "breach_types": types, "data_categories": categories, "data_items": items,
        "subject_categories": people, "special_categories": "health" in items or draw(st.booleans()),
        "ease_of_identification": draw(st.sampled_from(list(edpb_ei()))),
        "malicious": bool(malware) or cause in edpb.INTRUSION_CAUSES or draw(st.booleans()),
        "vulnerable_subjects": bool({"children", "patients", "vulnerable_groups"} & set(people))
        or draw(st.booleans()),
        "subjects_count": draw(st.integers(min_value=1, max_value=50_000)), "malware": malware, "cause": cause,
        "unintelligible": False, "mitigated_high_risk": False, "disproportionate_effort": False,
    }
    if "password" in items:
        a["password_storage"] = draw(st.sampled_from(edpb.PASSWORD_STORAGE))
    if "confidentiality" in types:
        a["confidentiality"] = draw(st.sampled_from(["exposed", "known_recipients", "unknown_recipients"]))
        a["data_already_public"] = draw(st.booleans())
        if a["data_already_public"]:
            a["data_already_public_evidence"] = "On the public staff page since 2024, checked by the DPO."
        if a["confidentiality"] == "known_recipients":
            a["recipient"] = draw(st.sampled_from(edpb.RECIPIENTS))
            if draw(st.booleans()):
                a["recipient_deleted"] = True
                a["recipient_deleted_evidence"] = "Deletion confirmed in writing on 28 Nov."
    if "integrity" in types:
        a["integrity"] = draw(st.sampled_from(["none", "recoverable", "unrecoverable"]))
    if "availability" in types:
        a["availability"] = draw(st.sampled_from(["recoverable", "temporary", "permanent"]))
        a["critical_service"] = "patients" in people or draw(st.booleans())
    if "patients" in people:  # a patients' service is critical (playbook: patients count as yes)
        a["critical_service"] = True
    if draw(st.booleans()) and a.get("confidentiality") != "unknown_recipients":
        a["exfiltration_ruled_out"] = True
        a["exfiltration_evidence"] = "Forensic report FR-12: egress logs show no transfer."
    return {k: v for k, v in a.items() if v is not None}


def edpb_ei() -> tuple[str, ...]:
    return ("negligible", "limited", "significant", "maximum")


@settings(max_examples=300, deadline=None)
@given(answer_sets(), st.sampled_from(FACTS))
def test_property__removing_an_optional_answer_never_lowers_the_risk_or_removes_a_duty(a: dict, key: str) -> None:
    assert key in OPTIONAL  # only optional questions are removed
    before = assess(a)
    try:
        after = assess({k: v for k, v in a.items() if k != key})
    except InputError:
        return  # refused with the fix is not silence
    assert RISKS.index(after.risk) >= RISKS.index(before.risk), (key, before.rationale, after.rationale)
    assert after.notify_sa >= before.notify_sa and after.notify_subjects >= before.notify_subjects, key
    assert after.notify_subjects or after.exemption or not before.notify_subjects, key


# --- every language keeps the reasons -------------------------------------------------------

NOT_NOTIFIED = {
    "role": "controller", "nature_summary": "Ransomware encrypted the file server; restored from backup.",
    "breach_types": ["availability"], "data_categories": ["simple"], "data_items": ["name", "email"],
    "subject_categories": ["customers"], "special_categories": False, "ease_of_identification": "maximum",
    "availability": "recoverable", "critical_service": False, "malicious": True, "malware": True,
    "exfiltration_ruled_out": True,
    "exfiltration_evidence": "EDR and firewall logs show no outbound transfer; forensic report FR-12 of 29 Nov.",
    "subjects_count": 300, "records_count": 300, "vulnerable_subjects": False,
    "consequences": "None expected.", "measures_taken": "Restored from the nightly backup.",
    "mitigated_high_risk": False, "disproportionate_effort": False,
}
MARKS = {"fr": ("preuve (telle que donnée en en)", "exfiltration exclue"),
         "nl": ("bewijs (zoals gegeven in het en)", "exfiltratie uitgesloten"),
         "de": ("Nachweis (so angegeben auf en)", "Exfiltration ausgeschlossen")}


@pytest.mark.parametrize("lang", ["fr", "nl", "de"])
def test_non_english_register_entries_carry_the_reasons_for_not_notifying(cli: Cli, tmp_path: Path,
                                                                         lang: str) -> None:
    iid = opened(cli)
    path = tmp_path / "answers.json"
    path.write_text(_yaml(NOT_NOTIFIED))
    result = cli.json("assess", iid, "--answers", str(path), "--json")
    assert result["risk"] == "unlikely" and not result["notify_sa"]
    draft = cli.json("draft", iid, "register-entry", "--lang", lang)
    text = Path(draft["path"]).read_text()
    marker, fact = MARKS[lang]
    assert fact in text and marker in text
    assert "EDR and firewall logs show no outbound transfer" in text  # the evidence as it was given


def test_the_sa_notice_defaults_to_the_initial_phase_while_anything_is_to_confirm(cli: Cli, tmp_path: Path) -> None:
    iid = opened(cli)
    answers = {**NOT_NOTIFIED, "exfiltration_ruled_out": None, "exfiltration_evidence": None}
    path = tmp_path / "answers.json"
    path.write_text(_yaml({k: v for k, v in answers.items() if v is not None}))
    result = cli.json("assess", iid, "--answers", str(path), "--json")
    assert result["notify_sa"] and [c["question"] for c in result["to_confirm"]] == ["exfiltration_ruled_out"]
    assert cli.json("draft", iid, "sa-notification", "--lang", "en")["phase"] == "initial"
