"""Issue 24: a US state's duty arises only for the data its law covers, unencrypted or with the key taken.

The assessment's data items, encryption state and key status are read against the state's element
combinations and safe harbour (breach/resources/regimes/us-state-laws.yaml, Cal. Civ. Code 1798.82(a), (h)).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from conftest import REPO, Cli

from breach.adapters.rules import load_rules, load_us_laws
from breach.adapters.yamlfiles import load_yaml
from breach.core import us_duties
from breach.core.profile import Profile
from breach.core.regimes import Facts, obligations

LAPTOP = REPO / "tests" / "data" / "wp250" / "example01.yaml"  # stolen encrypted backup, key kept apart
T0 = datetime.fromisoformat("2026-11-28T09:00:00+01:00")


def assess(cli: Cli, tmp_path: Path, **changes) -> str:
    """A stolen laptop with 400 California residents on it, assessed with these answers changed."""
    data = {**load_yaml(LAPTOP), "jurisdictions": {"US-CA": 400}, "subjects_count": 400, **changes}
    path = tmp_path / "answers.yaml"
    path.write_text(json.dumps(data))  # JSON is YAML
    iid = cli.json("open", "--title", "Laptop", "--aware-at", "2026-11-28 09:00")["id"]
    result = cli("assess", iid, "--answers", str(path))
    assert result.exit_code == 0, result.output
    return iid


def explained(cli: Cli, iid: str) -> str:
    """`status --all --explain` with its wrapped lines joined again."""
    return " ".join(cli("status", iid, "--all", "--explain").output.split())


def california(cli: Cli, iid: str) -> dict:
    return {r["obligation"]: r for r in cli.json("status", iid, "--all")}["us-ca-residents"]


def test_encrypted_laptop_with_the_key_safe_starts_no_california_duty_and_explain_says_why(
        cli: Cli, tmp_path: Path) -> None:
    iid = assess(cli, tmp_path, data_items=["name", "national_id"], encryption_state="encrypted_key_safe",
                 key_compromised=False)
    row = california(cli, iid)
    assert row["state"] == "not_applicable"
    assert "encryption safe harbour" in row["reason"] and "1798.82" in row["reason"]
    text = explained(cli, iid)
    assert "encryption safe harbour: the data were encrypted and the key was not compromised" in text


def test_the_same_laptop_with_the_key_compromised_starts_the_california_duty(cli: Cli, tmp_path: Path) -> None:
    iid = assess(cli, tmp_path, data_items=["name", "national_id"], encryption_state="encrypted_key_safe",
                 unintelligible=False, unintelligible_evidence=None, key_compromised=True)
    row = california(cli, iid)
    assert row["state"] == "pending" and row["due_at"]
    assert row["basis"] == "Cal. Civ. Code § 1798.82 covers name + ssn (encrypted, but the key was compromised: " \
                           "no safe harbour)"
    assert "applies: Cal. Civ. Code § 1798.82 covers name + ssn" in explained(cli, iid)


def test_names_and_email_addresses_alone_start_no_california_duty(cli: Cli, tmp_path: Path) -> None:
    iid = assess(cli, tmp_path, data_items=["name", "email"], unintelligible=False, unintelligible_evidence=None)
    row = california(cli, iid)
    assert row["state"] == "not_applicable"
    assert row["reason"] == "Cal. Civ. Code § 1798.82: no covered element combination: name + username_or_email"
    assert "no covered element combination: name + username_or_email" in explained(cli, iid)


def test_email_with_password_starts_the_california_duty(cli: Cli, tmp_path: Path) -> None:
    iid = assess(cli, tmp_path, data_items=["email", "password"], unintelligible=False, unintelligible_evidence=None)
    row = california(cli, iid)
    assert row["state"] == "pending"
    assert row["basis"] == "Cal. Civ. Code § 1798.82 covers username_or_email + password"


def facts(answers: dict | None, residents: int = 800) -> Facts:
    assessment = None if answers is None else {"answers": answers, "at": T0}
    return Facts(role="controller", aware_at=T0, assessment=assessment, scope={"US-CA": residents},
                 events={"submitted:us-ca-residents": T0}, org=Profile.of({"regimes": ["us-states"]}),
                 us_laws=load_us_laws())


@pytest.mark.parametrize(("answers", "state"), [
    (None, "pending"),  # not assessed yet: the duty is kept
    ({"breach_types": ["confidentiality"]}, "pending"),  # data items unanswered: kept, cautiously
    ({"data_items": ["name", "email"]}, "not_applicable"),
    ({"data_items": ["name", "drivers_license"]}, "pending"),
    ({"data_items": ["name", "payment_card"]}, "not_applicable"),  # a card number without its code
    ({"data_items": ["name", "financial_account_with_code"]}, "pending"),
    ({"data_items": ["name", "health_insurance"]}, "pending"),
    ({"data_items": ["name", "biometric"]}, "pending"),
    ({"data_items": ["name", "national_id"], "encryption_state": "encrypted_key_compromised"}, "pending"),
    ({"data_items": ["name", "national_id"], "unintelligible": True}, "not_applicable"),
])
def test_the_attorney_general_copy_follows_the_residents_duty(answers: dict | None, state: str) -> None:
    found = {o.rule_id: o for o in obligations(facts(answers), now=T0, rules=load_rules())}
    assert found["us-ca-residents"].state == state
    assert found["us-ca-ag"].state == state  # more than 500 residents: the sample copy goes with the notice


def test_without_the_laws_table_the_rules_are_as_before() -> None:
    plain = Facts(role="controller", aware_at=T0, assessment={"answers": {"data_items": ["name"]}, "at": T0},
                  scope={"US-CA": 10}, org=Profile.of({"regimes": ["us-states"]}))
    found = {o.rule_id: o for o in obligations(plain, now=T0, rules=load_rules())}
    assert found["us-ca-residents"].state == "pending" and found["us-ca-residents"].basis is None


def test_data_items_become_the_laws_elements_for_a_us_resident() -> None:
    assert us_duties.elements(["name", "national_id", "email", "account", "other"]) == [
        "name", "ssn", "username_or_email"]
    assert us_duties.encryption({"encryption_state": "encrypted_key_compromised"}) == (True, True)
    assert us_duties.encryption({"encryption_state": "encrypted_key_compromised", "key_compromised": False}) == (
        True, False)
    assert us_duties.encryption({"encryption_state": "not_encrypted", "unintelligible": False}) == (False, False)
