"""Scope: jurisdiction codes from the known list, counts bounded."""

from __future__ import annotations

import pytest
from conftest import HIGH_RISK_ANSWERS

from breach.core.jurisdictions import COUNTRIES, MAX_COUNT, check_count, check_jurisdiction
from breach.errors import InputError


@pytest.mark.parametrize("code", ["BE", "be", "FR", "US", "US-CA", "us-ny", "US-DC", "CA-ON", "CA-QC", "AU-NSW",
                                  "GB", "DE"])
def test_known_codes(code: str) -> None:
    assert check_jurisdiction(code) == code.upper()


@pytest.mark.parametrize(("code", "hint"), [
    ("ZZ", "ISO 3166-1"), ("ZZ-99", "ISO 3166-1"), ("US-ZZ", "not a subdivision of US"),
    ("CA-XX", "not a subdivision of CA"), ("BE-VLG", "no regime distinguishes"), ("UK", "GB"), ("EL", "GR"),
    ("", "ISO 3166-1"),
])
def test_unknown_codes_are_refused_with_a_hint(code: str, hint: str) -> None:
    with pytest.raises(InputError, match=hint):
        check_jurisdiction(code)


def test_the_country_list_is_iso_3166_1() -> None:
    assert len(COUNTRIES) == 249 and all(len(c) == 2 and c.isupper() for c in COUNTRIES)


@pytest.mark.parametrize(("value", "ok"), [(0, True), (MAX_COUNT, True), (MAX_COUNT + 1, False), (10**29, False),
                                           (-1, False), (True, False), ("5", False)])
def test_counts_are_bounded(value, ok: bool) -> None:
    if ok:
        assert check_count(value, what="x") == value
    else:
        with pytest.raises(InputError):
            check_count(value, what="x")


@pytest.mark.parametrize(("arg", "message"), [
    ("ZZ-99=5", "unknown jurisdiction 'ZZ-99'"),
    ("US-CA=100000000000000000000000000000", "whole number from 0 to 10,000,000,000"),
    ("BE=" + "9" * 5000, "whole number from 0 to 10,000,000,000"),
    ("UK=5", "GB"),
])
def test_scope_refuses_unknown_codes_and_huge_counts(cli, arg: str, message: str) -> None:
    iid = cli.open("Scope")
    result = cli("scope", iid, "-j", arg)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert "Traceback" not in result.output


def test_scope_accepts_known_subdivisions(cli) -> None:
    iid = cli.open("Scope")
    result = cli("scope", iid, "-j", "US-CA=5,CA-ON=3", "-j", "BE=1200")
    assert result.exit_code == 0, result.output


def test_huge_subjects_count_in_answers_is_refused(cli, tmp_path) -> None:
    iid = cli.open("Huge")
    text = HIGH_RISK_ANSWERS.read_text()
    lines = [f"subjects_count: {10**29}" if line.startswith("subjects_count:") else line
             for line in text.splitlines()]
    assert any(line.startswith("subjects_count:") for line in lines)
    answers = tmp_path / "answers.yaml"
    answers.write_text("\n".join(lines) + "\n")
    result = cli("assess", iid, "--answers", str(answers))
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "above the maximum 10,000,000,000" in result.stderr


def test_unknown_jurisdiction_in_answers_is_refused(cli, tmp_path) -> None:
    iid = cli.open("Answers")
    text = HIGH_RISK_ANSWERS.read_text().replace("{BE: 30000, FR: 30000, DE: 20000}", "{BE: 30000, ZZ: 5}")
    answers = tmp_path / "answers.yaml"
    answers.write_text(text)
    result = cli("assess", iid, "--answers", str(answers))
    assert result.exit_code == 1 and "unknown jurisdiction 'ZZ'" in result.stderr
