"""US state breach laws as data (issue 24): one row per state, DC and Puerto Rico.

Each row names the statute its facts come from; the test reads the row's sources from the
data and checks they name that statute. Every state's duty arises for a name with an SSN, not
for a name with an e-mail address alone, not for encrypted data whose key is safe, and again
when the key is compromised; the AG/regulator and CRA thresholds are as listed here.
"""
from __future__ import annotations

import pytest
import yaml

from breach.adapters.resources import shipped
from breach.core.us_state_laws import ELEMENTS, LawDataError, covered, load_laws, meets, validate

LAWS = load_laws(yaml.safe_load((shipped("regimes") / "us-state-laws.yaml").read_text(encoding="utf-8")))

# (id, statute cited, regulator (op, threshold) or None, CRA (op, threshold) or None)
ROWS = [
    ("US-AL", "Ala. Code § 8-38-1", ('>', 1000), ('>', 1000)),
    ("US-AK", "Alaska Stat. § 45.48.010", None, ('>', 1000)),
    ("US-AZ", "A.R.S. §§ 18-551", ('>', 1000), ('>', 1000)),
    ("US-AR", "Ark. Code § 4-110-101", ('>', 1000), None),
    ("US-CA", "Cal. Civ. Code § 1798.82", ('>', 500), None),
    ("US-CO", "C.R.S. § 6-1-716", ('>=', 500), ('>', 1000)),
    ("US-CT", "Conn. Gen. Stat. § 36a-701b", ('>', 0), None),
    ("US-DE", "6 Del. C. § 12B-101", ('>', 500), None),
    ("US-DC", "D.C. Code § 28-3851", ('>=', 50), ('>', 1000)),
    ("US-FL", "Fla. Stat. § 501.171", ('>=', 500), ('>', 1000)),
    ("US-GA", "O.C.G.A. § 10-1-910", None, ('>', 10000)),
    ("US-HI", "Haw. Rev. Stat. § 487N-1", ('>', 1000), ('>', 1000)),
    ("US-ID", "Idaho Code § 28-51-104", None, None),
    ("US-IL", "815 ILCS 530/1", ('>', 500), None),
    ("US-IN", "Ind. Code § 24-4.9", ('>', 0), ('>', 1000)),
    ("US-IA", "Iowa Code § 715C.1", ('>', 500), None),
    ("US-KS", "K.S.A. 50-7a01", None, ('>', 1000)),
    ("US-KY", "KRS 365.732", None, ('>', 1000)),
    ("US-LA", "La. R.S. 51:3071", ('>', 0), None),
    ("US-ME", "10 M.R.S. § 1346", ('>', 0), ('>', 1000)),
    ("US-MD", "Md. Code", ('>', 0), ('>', 1000)),
    ("US-MA", "M.G.L. c. 93H", ('>', 0), None),
    ("US-MI", "MCL 445.72", None, ('>', 1000)),
    ("US-MN", "Minn. Stat. § 325E.61", None, ('>', 500)),
    ("US-MS", "Miss. Code § 75-24-29", None, None),
    ("US-MO", "Mo. Rev. Stat. § 407.1500", ('>', 1000), ('>', 1000)),
    ("US-MT", "Mont. Code § 30-14-1704", ('>', 0), None),
    ("US-NE", "Neb. Rev. Stat. § 87-801", ('>', 0), None),
    ("US-NV", "NRS 603A.040", None, ('>', 1000)),
    ("US-NH", "RSA 359-C:19", ('>', 0), ('>', 1000)),
    ("US-NJ", "N.J.S.A. 56:8-161", ('>', 0), ('>', 1000)),
    ("US-NM", "N.M. Stat. § 57-12C-1", ('>', 1000), ('>', 1000)),
    ("US-NY", "N.Y. Gen. Bus. Law § 899-aa", ('>', 0), ('>', 5000)),
    ("US-NC", "N.C. Gen. Stat. § 75-61", ('>', 0), ('>', 1000)),
    ("US-ND", "N.D. Cent. Code § 51-30-01", ('>', 250), None),
    ("US-OH", "Ohio Rev. Code § 1349.19", None, ('>', 1000)),
    ("US-OK", "24 O.S. § 161", ('>=', 500), None),  # SB 626 (2026): AG if 500 or more (Inside Privacy, HIPAA Journal)
    ("US-OR", "ORS 646A.600", ('>', 250), ('>', 1000)),
    ("US-PA", "73 P.S. § 2301", ('>', 500), ('>', 500)),  # 2024 amendment: CRAs from 1,000 to 500 (WBK note)
    ("US-PR", "10 L.P.R.A. § 4051", ('>', 0), None),
    ("US-RI", "R.I. Gen. Laws § 11-49.3-1", ('>', 500), ('>', 500)),
    ("US-SC", "S.C. Code § 39-1-90", ('>', 1000), ('>', 1000)),
    ("US-SD", "SDCL § 22-40-19", ('>', 250), ('>', 0)),
    ("US-TN", "Tenn. Code § 47-18-2107", None, ('>', 1000)),
    ("US-TX", "Tex. Bus. & Com. Code § 521.053", ('>=', 250), ('>', 10000)),
    ("US-UT", "Utah Code § 13-44-202", ('>=', 500), ('>=', 1000)),  # CRAs if 1,000 or more (Perkins Coie chart)
    ("US-VT", "9 V.S.A. §§ 2430", ('>', 0), ('>', 1000)),
    ("US-VA", "Va. Code § 18.2-186.6", ('>', 0), ('>', 1000)),
    ("US-WA", "RCW 19.255.005", ('>', 500), None),
    ("US-WV", "W. Va. Code § 46A-2A-101", None, ('>', 1000)),
    ("US-WI", "Wis. Stat. § 134.98", None, ('>=', 1000)),  # "1,000 or more" (Coulee Tech; CSRPS says more than 1,000)
    ("US-WY", "Wyo. Stat. § 40-12-501", None, None),
]


def test_every_state_dc_and_puerto_rico_has_a_row() -> None:
    assert len(LAWS) == 52 and {row[0] for row in ROWS} == set(LAWS)
    assert {"US-DC", "US-PR", "US-CA", "US-WY"} <= set(LAWS)


@pytest.mark.parametrize(("state", "statute", "regulator", "cra"), ROWS, ids=[row[0] for row in ROWS])
def test_state_row(state: str, statute: str, regulator: tuple | None, cra: tuple | None) -> None:
    law = LAWS[state]
    # The row's source, read from the data: non-empty and naming the statute.
    assert statute in law["statute"]
    assert law["sources"] and all(s["url"] for s in law["sources"])
    assert any(statute in s["what"] for s in law["sources"]), law["sources"]
    assert law["status"] == "unconfirmed" or any(s["read"] and s["quote"] for s in law["sources"])
    # Its triggering combination triggers; name + e-mail alone does not.
    hit = covered(law, data_items={"name", "ssn"})
    assert hit.applies and hit.combination == ("name", "ssn") and statute in hit.reason
    alone = covered(law, data_items={"name", "username_or_email"})
    assert not alone.applies and alone.combination is None and "no element combination" in alone.reason
    # Encryption safe harbour: the key safe, no duty; the key compromised, the duty.
    if law["safe_harbour"]["encryption"]:
        safe = covered(law, data_items={"name", "ssn"}, encrypted=True)
        assert not safe.applies and safe.safe_harbour == "encryption"
    lost = covered(law, data_items={"name", "ssn"}, encrypted=True, key_compromised=True)
    assert lost.applies == law["safe_harbour"]["key_compromised_defeats"] or not law["safe_harbour"]["encryption"]
    # Thresholds for the AG / regulator and the consumer reporting agencies.
    for spec, expected in ((law["regulator"], regulator), (law["cra"], cra)):
        if expected is None:
            assert spec is None and not meets(spec, 1_000_000)
            continue
        op, threshold = expected
        assert (spec["op"], spec["threshold"]) == (op, threshold)
        assert meets(spec, threshold + 1) and not meets(spec, threshold - 1 if threshold else 0)
        assert meets(spec, threshold) == (op == ">=")


def test_california_precisely() -> None:
    ca = LAWS["US-CA"]
    assert ca["zone"] == "America/Los_Angeles" and ca["residents"]["deadline_days"] == 30
    assert ca["regulator"]["deadline_days"] == 15 and ca["regulator"]["start"] == "residents_notice"
    assert ca["content"]["identity_theft_offer"] == {"when_any": ["ssn", "drivers_license", "state_id"], "months": 12}
    assert "30 calendar days of discovery" in ca["residents"]["quote"]
    assert "encryption key or security credential" in ca["safe_harbour"]["quote"]
    # Issue 24 "done when": encrypted laptop, key safe -> no duty; key compromised -> duty.
    laptop = covered(ca, data_items={"name", "ssn", "drivers_license"}, encrypted=True, key_compromised=False)
    assert not laptop.applies and "encryption safe harbour applies" in laptop.reason
    assert covered(ca, data_items={"name", "ssn"}, encrypted=True, key_compromised=True).applies
    # Names and e-mail addresses only: no duty; e-mail plus password: duty.
    assert not covered(ca, data_items={"name", "username_or_email"}).applies
    creds = covered(ca, data_items={"username_or_email", "password"})
    assert creds.applies and creds.combination == ("username_or_email", "password")
    # No redaction safe harbour in 1798.82; redacted but unencrypted data still count.
    assert covered(ca, data_items={"name", "medical"}, redacted=True).applies


def test_redaction_harbour_and_implied_elements() -> None:
    # Wyo. Stat. § 40-12-501: only data elements "not redacted" count (DWT; Norton Rose Fulbright).
    wy = LAWS["US-WY"]
    assert covered(wy, data_items={"name", "ssn"}, redacted=True).safe_harbour == "redaction"
    # GBL § 899-aa(1)(b) speaks of encryption only (lexace.ai reproduction): redacted data still count in NY.
    ny = LAWS["US-NY"]
    assert covered(ny, data_items={"name", "ssn"}, redacted=True).applies
    ma = LAWS["US-MA"]  # a financial account number counts without its code in Massachusetts
    assert covered(ma, data_items={"name", "financial_account_with_code"}).applies
    assert covered(LAWS["US-CA"], data_items={"email_with_password"}).applies


def test_validation_reports_every_problem_clearly() -> None:
    law = dict(LAWS["US-CA"], id="CA", status="sure", zone="PST")
    law["personal_information"] = {"combinations": [["name", "shoe_size"]]}
    law["sources"] = [{"what": "x", "url": "u", "quote": "", "read": True}]
    problems = validate({"laws": [law, dict(LAWS["US-CA"]), dict(LAWS["US-CA"])]})
    text = "\n".join(problems)
    assert "CA: id 'CA' must be an ISO 3166-2 code" in text
    assert "zone 'PST' must be an IANA zone" in text and "status must be one of" in text
    assert "unknown element 'shoe_size'" in text and "marked read but quotes nothing" in text
    assert "US-CA: duplicate id" in text
    with pytest.raises(LawDataError) as err:
        load_laws({"laws": [{"id": "US-XX"}]})
    assert "US-XX: missing the key 'statute'" in err.value.problems
    assert validate([]) == ["the file must be a mapping with a list under 'laws'"]


def test_every_combination_uses_the_vocabulary() -> None:
    used = {e for law in LAWS.values() for combo in law["personal_information"]["combinations"] for e in combo}
    assert used <= ELEMENTS and {"name", "ssn", "username_or_email", "password"} <= used


# What the statutes read for US-AK .. US-MT changed from the from-memory rows (each row's sources cite where).
READ_CHANGES = [
    ("US-GA", {"name", "password"}, True),  # O.C.G.A. § 10-1-911: account passwords or PINs with the name
    ("US-IN", {"ssn"}, True),  # IC 24-4.9-2-10: a Social Security number without the name
    ("US-KS", {"name", "financial_account"}, True),  # K.S.A. 50-7a01: an account number "alone or in combination"
    ("US-IL", {"name", "financial_account"}, True),  # 815 ILCS 530/5: an account or card number without its code
    ("US-CO", {"financial_account_with_code"}, True),  # C.R.S. § 6-1-716: account with its code, no name needed
    ("US-MD", {"financial_account_with_code"}, True),  # Md. Com. Law § 14-3501: same
    ("US-KY", {"name", "state_id"}, False),  # KRS 365.732(1)(c): a driver's licence number only
]


@pytest.mark.parametrize(("state", "items", "applies"), READ_CHANGES, ids=[row[0] for row in READ_CHANGES])
def test_element_combinations_read_in_the_statutes(state: str, items: set[str], applies: bool) -> None:
    law = LAWS[state]
    assert law["status"] == "confirmed-secondary" and any(s["read"] and s["quote"] for s in law["sources"])
    assert covered(law, data_items=items).applies is applies


@pytest.mark.parametrize("state", ["US-DE", "US-ID", "US-MA", "US-MN", "US-MT"])
def test_encryption_only_harbours_do_not_cover_redacted_data(state: str) -> None:
    # Their definitions (as read) name encryption only: redacted but unencrypted data still count.
    assert LAWS[state]["safe_harbour"]["redaction"] is False
    assert covered(LAWS[state], data_items={"name", "ssn"}, redacted=True).applies


def test_rows_regimes_md_marks_unconfirmed_or_partial_keep_that_mark() -> None:
    marked = {"US-AK": "partial", "US-AR": "unconfirmed", "US-CO": "partial", "US-DC": "partial", "US-GA": "partial",
              "US-ID": "partial", "US-IL": "partial", "US-KY": "unconfirmed", "US-LA": "partial",
              "US-MI": "unconfirmed", "US-MN": "unconfirmed", "US-MS": "unconfirmed", "US-MO": "unconfirmed",
              "US-MT": "unconfirmed"}
    assert {state: LAWS[state].get("reference") for state in marked} == {
        state: f"regimes.md: {mark}" for state, mark in marked.items()}
    assert "unknown key 'reference'" not in "\n".join(validate({"laws": [LAWS["US-AK"]]}))
