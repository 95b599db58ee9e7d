"""Issue 24, "letters by state": US residents get the letter of their state's rules. The compatible states share
one `us-letter` (the longest offer any of them requires, times in each state's zone, the date range, no GDPR
text); a state that prescribes its own form (California's "Notice of Data Breach") has its own letter; the
letters run gives each CSV row the approved letter drafted for its state and rejects, with the line, a row no
approved letter is for.

The law facts come from a fixture law file (the shipped us-state-laws.yaml is being checked against the
statutes by others): California as shipped, Texas, Illinois and DC with the offers and zones set here."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Cli
from test_cli_filing_language import translated_answers

from breach.adapters import rules
from breach.core import us_letter

OFFER = "Experian IdentityWorks: enrol at experianidwks.com/credit with code ABC123 by 31 March 2027"
GDPR_WORDS = ("GDPR", "Art. 3", "Art.", "data protection authority", "lodge a complaint", "supervisory authority")


@pytest.fixture
def laws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    """California as shipped (zone pinned); Texas offers 24 months, DC 18, Illinois none, for an SSN."""
    shipped = rules.load_us_laws()
    chosen = {code: json.loads(json.dumps(shipped[code])) for code in ("US-CA", "US-TX", "US-IL", "US-DC")}
    chosen["US-CA"]["zone"] = "America/Los_Angeles"
    for code, zone, offer in (("US-TX", "America/Chicago", 24), ("US-IL", "America/Chicago", None),
                              ("US-DC", "America/New_York", 18)):
        chosen[code].update(zone=zone, content={"items": [f"{code} item"]})
        chosen[code]["personal_information"] = {"combinations": [["name", "ssn"]]}
        chosen[code]["safe_harbour"] = {"encryption": True, "redaction": True, "key_compromised_defeats": True}
        if offer:
            chosen[code]["content"]["identity_theft_offer"] = {"when_any": ["ssn"], "months": offer}
    path = tmp_path / "us-state-laws.yaml"
    path.write_text(yaml.safe_dump({"laws": list(chosen.values())}, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(rules, "US_LAWS", path)
    return chosen


def ssn_breach(cli: Cli, tmp_path: Path, *scope: str, **changes: Any) -> str:
    """Names and SSNs taken on 9 March 10:00 Brussels time; the breach ended on 30 March 18:00."""
    answers = {**translated_answers(), "data_items": ["name", "national_id"], "breach_ongoing": False,
               "breach_ended_at": "2026-03-30T18:00:00+02:00", **changes}
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
    iid = cli.open("ssn", "--aware-at", "2026-04-02 10:00", "--occurred-at", "2026-03-09 10:00")
    result = cli("assess", iid, "--answers", str(path))
    assert result.exit_code == 0, result.output
    assert cli("scope", iid, *(a for code in scope for a in ("-j", code))).exit_code == 0
    return iid


def draft(cli: Cli, iid: str, kind: str, lang: str = "en") -> dict[str, Any]:
    result = cli.json("draft", iid, kind, "--lang", lang)
    result["text"] = Path(result["path"]).read_text(encoding="utf-8").replace("**", "")
    return result


def approve(cli: Cli, iid: str, kind: str, version: int, lang: str = "en"):
    return cli("review", "approve", iid, kind, "--lang", lang, "--version", str(version), "--as", "legal")


def no_gdpr(text: str) -> None:
    for word in GDPR_WORDS:
        assert word not in text, word


def test_california_and_texas_get_their_own_letters_in_their_own_zones(cli: Cli, tmp_path: Path, laws) -> None:
    iid = ssn_breach(cli, tmp_path, "US-CA=800", "US-TX=300")
    ca, tx = draft(cli, iid, "us-ca-letter"), draft(cli, iid, "us-letter")
    months = laws["US-CA"]["content"]["identity_theft_offer"]["months"]
    # California's form, Pacific times (9 March 10:00 Brussels is 02:00 PDT), its own offer
    assert ca["text"].splitlines()[0].endswith("] Notice of Data Breach")
    assert "All times are Pacific time." in ca["text"]
    assert "from March 9, 2026, 02:00 (UTC-07:00) to March 30, 2026, 09:00 (UTC-07:00)" in ca["text"]
    assert f"at no cost to you for {months} months" in ca["text"]
    # Texas: the shared letter, Central times (04:00 CDT), Texas's 24 months, its statute, nothing Californian
    assert "All times are Central time (America/Chicago)." in tx["text"]
    assert "Date range of the breach: from March 9, 2026, 04:00 (UTC-05:00) to March 30, 2026, 11:00 (UTC-05:00)" \
        in tx["text"]
    assert "Date we learned of it: April 2, 2026, 03:00 (UTC-05:00)" in tx["text"]
    assert "at no cost to you for 24 months" in tx["text"]
    assert f"This notice is given under {laws['US-TX']['statute']}." in tx["text"]
    assert "America/Los_Angeles" not in tx["text"] and "Cal. Civ. Code" not in tx["text"]
    assert "Notice of Data Breach\n" not in tx["text"]
    for text in (ca["text"], tx["text"]):
        no_gdpr(text)
        assert "+01:00" not in text and "+02:00" not in text


def test_the_offer_placeholder_blocks_approval_until_filled(cli: Cli, tmp_path: Path, laws) -> None:
    iid = ssn_breach(cli, tmp_path, "US-TX=300")
    drafted = draft(cli, iid, "us-letter")
    assert drafted["missing"] == ["assessment.answers.identity_theft_offer"]
    assert "[MISSING: identity theft protection offer" in drafted["text"]
    assert f"— {laws['US-TX']['statute']}]" in drafted["text"]  # the statute requiring it, not California's
    refused = approve(cli, iid, "us-letter", drafted["version"])
    assert refused.exit_code == 1 and "identity_theft_offer" in refused.output
    iid = ssn_breach(cli, tmp_path, "US-TX=300", identity_theft_offer=OFFER)
    drafted = draft(cli, iid, "us-letter")
    assert drafted["missing"] == [] and f"To take up this offer: {OFFER}" in drafted["text"]
    assert approve(cli, iid, "us-letter", drafted["version"]).exit_code == 0


def test_compatible_states_share_one_letter_with_the_longest_offer_and_each_zone(cli: Cli, tmp_path: Path,
                                                                                  laws) -> None:
    text = draft(cli, ssn_breach(cli, tmp_path, "US-TX=300", "US-IL=40", "US-DC=12"), "us-letter")["text"]
    assert "at no cost to you for 24 months" in text and "18 months" not in text  # Texas's, the longest
    assert "Each time is given in the time zone of your state." in text
    assert "For residents of District of Columbia (Eastern time, America/New_York):" in text
    assert "For residents of Illinois, Texas (Central time, America/Chicago):" in text
    assert "from March 9, 2026, 05:00 (UTC-04:00)" in text and "from March 9, 2026, 04:00 (UTC-05:00)" in text
    for code in ("US-TX", "US-IL", "US-DC"):
        assert laws[code]["statute"] in text
    no_gdpr(text)


def test_no_offer_where_no_covered_state_requires_one(cli: Cli, tmp_path: Path, laws) -> None:
    drafted = draft(cli, ssn_breach(cli, tmp_path, "US-IL=40"), "us-letter")
    assert "identity theft prevention" not in drafted["text"] and drafted["missing"] == []


def test_a_shared_letter_when_only_california_is_owed_is_for_no_one(cli: Cli, tmp_path: Path, laws) -> None:
    iid = ssn_breach(cli, tmp_path, "US-CA=800", "BE=10")
    result = cli("draft", iid, "us-letter", "--json")
    assert result.exit_code == 0 and "this draft is for no one" in result.stderr
    assert "letters owed: us-ca-letter (US-CA)" in result.stderr
    text = Path(json.loads(result.stdout)["path"]).read_text(encoding="utf-8")
    assert "This notice is given under" not in text and "Cal. Civ. Code" not in text


PEOPLE = [("ca@example.org", "en", "US-CA"), ("tx@example.org", "en", "us-tx"), ("be@example.org", "fr", "BE"),
          ("nv@example.org", "en", "US-NV"), ("us@example.org", "en", "US"), ("zz@example.org", "en", "ZZ"),
          ("none@example.org", "fr", "")]


def people(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["email", "name", "lang", "data", "jurisdiction"])
        for address, lang, where in PEOPLE:
            w.writerow([address, address.split("@")[0].upper(), lang, "name;national_id", where])
    return path


def letters_run(cli: Cli, tmp_path: Path, *, texas: bool) -> tuple[dict[str, Any], dict[str, str], dict[int, str]]:
    """CA, TX and BE people; subject letters in en and fr, the California letter and (if `texas`) the us-letter
    approved; the letters written as md. Returns the run, each letter by its recipient, rejections by line."""
    iid = ssn_breach(cli, tmp_path, "BE=1200", "US-CA=800", "US-TX=300", identity_theft_offer=OFFER)
    kinds = [("subject-letter", "en"), ("subject-letter", "fr"), ("us-ca-letter", "en")]
    for kind, lang in kinds + ([("us-letter", "en")] if texas else []):
        assert approve(cli, iid, kind, draft(cli, iid, kind, lang)["version"], lang).exit_code == 0
    out = tmp_path / "out"
    run = cli.json("letters", iid, "--subjects", str(people(tmp_path / "people.csv")), "--out", str(out),
                   "--format", "md")
    letters = {PEOPLE[int(file.stem) - 1][0]: file.read_text(encoding="utf-8")  # named by the row's number
               for file in (out / "letters").glob("*.md")}
    with (out / "rejected.csv").open(encoding="utf-8") as fh:
        rejected = {int(r["line"]): r["reason"] for r in csv.DictReader(fh)}
    return run, letters, rejected


def test_the_letters_run_gives_each_row_its_states_letter(cli: Cli, tmp_path: Path, laws) -> None:
    run, letters, rejected = letters_run(cli, tmp_path, texas=True)
    assert "Notice of Data Breach" in letters["ca@example.org"] and "Pacific time" in letters["ca@example.org"]
    assert "Central time (America/Chicago)" in letters["tx@example.org"]
    assert laws["US-TX"]["statute"] in letters["tx@example.org"]
    for address in ("ca@example.org", "tx@example.org"):
        no_gdpr(letters[address])
    for address in ("be@example.org", "none@example.org"):  # Belgian, or no jurisdiction: the letter in French
        assert "Incident de sécurité concernant vos données personnelles" in letters[address]
    assert set(letters) == {"ca@example.org", "tx@example.org", "be@example.org", "none@example.org"}
    assert sorted(rejected) == [5, 6, 7]  # NV (not in scope), US without its state, ZZ
    assert "US-NV is not in the incident's scope" in rejected[5]
    assert "needs the state" in rejected[6] and "unknown jurisdiction 'ZZ'" in rejected[7]
    sent = {(r["kind"], r["lang"]): r["count"] for r in run["sent"]}
    assert sent == {("us-ca-letter", "en"): 1, ("us-letter", "en"): 1, ("subject-letter", "fr"): 2}
    assert run["written"] == 4 and run["rejected"] == 3


def test_a_state_owed_a_letter_none_was_approved_for_is_rejected_with_its_line(cli: Cli, tmp_path: Path,
                                                                                 laws) -> None:
    run, letters, rejected = letters_run(cli, tmp_path, texas=False)
    assert "tx@example.org" not in letters
    assert rejected[3].startswith("no approved letter for Texas residents")
    assert "breach draft" in rejected[3] and "us-letter" in rejected[3]
    assert run["written"] == 3


def test_conflict_is_a_prescribed_form_the_other_state_does_not_share(laws) -> None:
    ca, tx, il = laws["US-CA"], laws["US-TX"], laws["US-IL"]
    assert us_letter.prescribed_form(ca) and us_letter.prescribed_form(tx) is None
    assert us_letter.conflicts(ca, tx) and not us_letter.conflicts(tx, il)
    assert not us_letter.conflicts(ca, copy.deepcopy(ca))  # the very same form can be shared
    assert us_letter.letter_plan(laws, ["US-CA", "US-IL", "US-TX"]) == {"us-ca-letter": ["US-CA"],
                                                                       "us-letter": ["US-IL", "US-TX"]}
    offer = us_letter.strictest_offer([tx, laws["US-DC"], il], {"data_items": ["name", "national_id"]})
    assert offer is not None and offer["months"] == 24 and len(offer["sources"]) == 2


def test_a_shared_us_letter_is_counted_under_each_states_residents_duty(cli: Cli, tmp_path: Path, laws) -> None:
    """The register, `show` and the report list a shared us-letter under the duty to the residents of the state
    each copy went to (Tex. Bus. & Com. Code § 521.053: `us-tx-residents`), not under no duty at all."""
    run, _, _ = letters_run(cli, tmp_path, texas=True)
    assert {"kind": "us-letter", "lang": "en", "version": 1, "count": 1, "state": "US-TX"} in run["sent"]
    iid = run["incident"]
    shown = cli.json("show", iid)["letters"]
    assert {"obligation": "us-tx-residents", "kind": "us-letter", "lang": "en", "version": 1, "count": 1,
            "state": "US-TX"} in shown
    assert {r["obligation"] for r in shown} == {"gdpr-art34-subjects", "us-ca-residents", "us-tx-residents"}
    register = cli("register", "--format", "md").stdout
    assert "us-letter en v1 (US-TX): 1" in register
