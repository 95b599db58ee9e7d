"""Issue 24: the California letter follows Cal. Civ. Code 1798.82(d): the 12-month identity theft offer for an
SSN breach (a placeholder blocking approval until its enrolment details are given), the breach's date range,
Pacific times, and no GDPR wording."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import REPO, Cli

from breach.adapters.yamlfiles import load_yaml
from breach.core.yamlio import plain

DRILL = REPO / "playbooks" / "drills" / "user-database-stolen.yaml"
OFFER = "Experian IdentityWorks: enrol at experianidwks.com/credit with code ABC123 by 31 March 2027"


def ssn_breach(cli: Cli, tmp_path: Path, **changes: Any) -> str:
    """Names and SSNs of 800 Californians taken on 9 March; the breach ended on 30 March (Brussels times given)."""
    answers = {**plain(load_yaml(DRILL)["answers"]), "data_items": ["name", "national_id"],
               "breach_ongoing": False, "breach_ended_at": "2026-03-30T18:00:00+02:00", **changes}
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
    iid = cli.open("ssn", "--aware-at", "2026-04-02 10:00", "--occurred-at", "2026-03-09 10:00")
    result = cli("assess", iid, "--answers", str(path))
    assert result.exit_code == 0, result.output
    assert cli("scope", iid, "-j", "US-CA=800").exit_code == 0
    return iid


def letter(cli: Cli, iid: str) -> dict[str, Any]:
    result = cli.json("draft", iid, "us-ca-letter", "--lang", "en")
    result["text"] = Path(result["path"]).read_text(encoding="utf-8")
    return result


def approve(cli: Cli, iid: str, version: int):
    return cli("review", "approve", iid, "us-ca-letter", "--lang", "en", "--version", str(version), "--as", "legal")


def test_the_12_month_offer_blocks_approval_until_its_enrolment_details_are_given(cli: Cli, tmp_path: Path) -> None:
    iid = ssn_breach(cli, tmp_path)
    drafted = letter(cli, iid)
    assert "identity theft prevention and mitigation services at no cost to you for 12 months" in drafted["text"]
    assert drafted["missing"] == ["assessment.answers.identity_theft_offer"]
    assert "[MISSING: identity theft protection offer" in drafted["text"]
    refused = approve(cli, iid, drafted["version"])
    assert refused.exit_code == 1 and "identity_theft_offer" in refused.output


def test_with_the_enrolment_details_the_letter_carries_them_and_can_be_approved(cli: Cli, tmp_path: Path) -> None:
    iid = ssn_breach(cli, tmp_path, identity_theft_offer=OFFER)
    drafted = letter(cli, iid)
    assert drafted["missing"] == []
    assert f"To take up this offer: {OFFER}" in drafted["text"]
    assert approve(cli, iid, drafted["version"]).exit_code == 0


def test_the_letter_gives_the_date_range_in_pacific_time_and_no_gdpr_text(cli: Cli, tmp_path: Path) -> None:
    text = letter(cli, ssn_breach(cli, tmp_path, identity_theft_offer=OFFER))["text"]
    # 9 March 10:00 Brussels (UTC+01:00) is 02:00 Pacific daylight time (from 8 March in the US, UTC-07:00);
    # 30 March 18:00 (UTC+02:00) is 09:00 (UTC-07:00)
    assert "Date range of the breach: from March 9, 2026, 02:00 (UTC-07:00) to March 30, 2026, 09:00 (UTC-07:00)" \
        in text.replace("**", "")
    assert "Date we learned of it: April 2, 2026, 01:00 (UTC-07:00)" in text.replace("**", "")
    assert "All times are Pacific time." in text
    assert "+01:00" not in text and "+02:00" not in text
    for word in ("GDPR", "Art.", "data protection authority", "lodge a complaint"):
        assert word not in text, word


def test_an_unknown_end_gives_the_estimated_date(cli: Cli, tmp_path: Path) -> None:
    text = letter(cli, ssn_breach(cli, tmp_path, breach_ended_at=None, identity_theft_offer=OFFER))["text"]
    assert "Date of the breach: on or about March 9, 2026, 02:00 (UTC-07:00) (estimated)" in text.replace("**", "")


def test_no_offer_without_ssn_or_licence_numbers(cli: Cli, tmp_path: Path) -> None:
    iid = ssn_breach(cli, tmp_path, data_items=["email", "password"])
    drafted = letter(cli, iid)
    assert "identity theft prevention" not in drafted["text"] and drafted["missing"] == []
