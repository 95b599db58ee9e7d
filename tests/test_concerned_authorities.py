"""Issue 24: a notice to a concerned authority names it as concerned and the lead as lead (GDPR Art. 56),
every SA notice lists the other authorities notified or being notified, and the report shows every
advisory and decision about authorities."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from conftest import Cli
from test_authorities import art27, high_risk_incident  # noqa: F401 (art27 is a fixture)


def drafted(cli: Cli, *args: str) -> str:
    return Path(cli.json("draft", *args)["path"]).read_text()


def test_nl_concerned_notice_names_the_belgian_lead_and_the_ap_as_concerned(cli: Cli) -> None:
    iid = high_risk_incident(cli, "BE=1200,NL=200,FR=60")
    assert cli("decide", iid, "gdpr-art33-sa:NL", "--notify", "--as", "DPO Jane").exit_code == 0
    result = cli("notified", iid, "gdpr-art33-sa", "--without-approval", "--reason", "test", "--reference",
                 "DBN-2026-77", "--phase", "initial")
    assert result.exit_code == 0, result.output
    nl = drafted(cli, iid, "sa-notification", "--authority", "NL")
    to = next(line for line in nl.splitlines() if line.startswith("Aan:"))
    assert to.startswith("Aan: Autoriteit Persoonsgegevens (AP), betrokken toezichthoudende autoriteit")
    assert "de leidende toezichthoudende autoriteit is Gegevensbeschermingsautoriteit" in to
    assert "DBN-2026-77" in to  # the lead's reference, recorded by `breach notified --reference`
    assert "Leidende toezichthoudende autoriteit:** Autoriteit Persoonsgegevens" not in nl
    lead = "**Leidende toezichthoudende autoriteit:** Gegevensbeschermingsautoriteit (GBA), referentie DBN-2026-77"
    assert lead in nl
    assert "**Betrokken toezichthoudende autoriteit (artikel 4, punt 22, AVG):** Autoriteit Persoonsgegevens (AP)" in nl
    others = next(line for line in nl.splitlines() if "Andere toezichthoudende autoriteiten" in line)
    assert "Gegevensbeschermingsautoriteit (GBA) (leidende autoriteit, gemeld op" in others and "DBN-2026-77" in others
    assert "Autoriteit Persoonsgegevens" not in others and "CNIL" not in others  # FR is still only an advisory
    # the lead's notice lists the concerned authority being notified
    be = drafted(cli, iid, "sa-notification", "--lang", "en")
    assert "lead supervisory authority (GDPR Art. 56)" in be.splitlines()[2]
    others = next(line for line in be.splitlines() if "Other supervisory authorities notified" in line)
    assert others.endswith("Autoriteit Persoonsgegevens (AP) (being notified)")


def test_both_notices_list_each_other_once_notified(cli: Cli) -> None:
    iid = high_risk_incident(cli, "BE=1200,NL=200,FR=60")
    assert cli("scope", iid, "--notify-authority", "NL").exit_code == 0
    for obligation, ref in (("gdpr-art33-sa", "DBN-1"), ("gdpr-art33-sa:NL", "AP-9")):
        result = cli("notified", iid, obligation, "--without-approval", "--reason", "t", "--reference", ref,
                     "--phase", "initial")
        assert result.exit_code == 0, result.output
    be = drafted(cli, iid, "sa-notification", "--lang", "fr")
    assert "Autoriteit Persoonsgegevens (AP) (notifiée le" in be and "référence AP-9" in be
    assert "autorité de contrôle chef de file (article 56 du RGPD)" in be
    nl = drafted(cli, iid, "sa-notification", "--authority", "NL")
    assert "Gegevensbeschermingsautoriteit (GBA) (leidende autoriteit, gemeld op" in nl and "referentie DBN-1" in nl


def test_without_main_establishment_no_authority_is_called_lead(art27: Cli) -> None:  # noqa: F811
    iid = high_risk_incident(art27, "NL=5,FR=5")
    fr = drafted(art27, iid, "sa-notification", "--authority", "FR")
    assert "chef de file (article 56" not in fr.splitlines()[2]
    assert "pas d'établissement principal dans l'UE/EEE" in fr
    assert "Autoriteit Persoonsgegevens (AP) (en cours de notification)" in fr


def test_report_lists_undecided_and_decided_authority_advisories(cli: Cli, tmp_path: Path) -> None:
    iid = high_risk_incident(cli, "BE=1200,NL=200,FR=60,DE=5")
    assert cli("decide", iid, "gdpr-art33-sa:NL", "--notify", "--as", "DPO Jane").exit_code == 0
    result = cli("decide", iid, "gdpr-art33-sa:FR", "--not-notify", "--reason", "lead handles it", "--as", "DPO Jane")
    assert result.exit_code == 0, result.output
    out = tmp_path / "r.html"
    assert cli("report", iid, "--out", str(out)).exit_code == 0
    page = html.unescape(out.read_text())
    rows = {row.split('"')[0]: row for row in page.split('<tr id="obligation-')[1:]}
    assert "advisory" in rows["gdpr-art33-sa:DE"] and "needs a legal decision" in rows["gdpr-art33-sa:DE"]
    assert f"breach scope {iid} --notify-authority DE" in rows["gdpr-art33-sa:DE"]
    assert "decided: not notified (lead handles it; DPO Jane;" in rows["gdpr-art33-sa:FR"]
    assert "decided: notify (DPO Jane;" in rows["gdpr-art33-sa:NL"] and "pending" in rows["gdpr-art33-sa:NL"]


# --- Korea's rule has a jurisdiction filter (issue 24) -------------------------------------------

@pytest.mark.parametrize(("scope", "applies"), [
    ({"BE": 5000, "US-CA": 2000}, False),  # switched on, but nobody in Korea: no PIPA duty at all
    ({"KR": 1000}, True),
    ({"KR": 10, "BE": 5000}, False),  # the 1,000 threshold counts people in Korea only
])
def test_korea_applies_only_with_people_in_korea(scope: dict[str, int], applies: bool) -> None:
    from test_regimes import T0, by_id, make_facts, obligations

    found = by_id(obligations(make_facts(regimes_=["kr-pipa"], scope=scope), now=T0))
    assert ("kr-pipa-pipc" in found and found["kr-pipa-pipc"].state == "pending") is applies
    assert ("kr-pipa-subjects" in found) is (applies or "KR" in scope)


# --- each country's words for a national identifier (issue 24) ------------------------------------

def id_incident(cli: Cli, tmp_path: Path) -> str:
    from test_cli_assess import answers_file

    iid = cli.json("open", "--title", "IDs", "--aware-at", "2026-11-28 09:00")["id"]
    answers = answers_file(tmp_path, data_items=["name", "email", "national_id"])
    result = cli("assess", iid, "--answers", str(answers))
    assert result.exit_code == 0, result.output
    return iid


def test_a_dutch_residents_letter_says_bsn_a_californians_social_security_number(cli: Cli, tmp_path: Path) -> None:
    iid = id_incident(cli, tmp_path)
    nl = cli.json("draft", iid, "subject-letter", "--lang", "nl", "--country", "NL")
    text = Path(nl["path"]).read_text()
    assert nl["country"] == "NL" and "burgerservicenummer (BSN)" in text and "rijksregisternummer" not in text
    ca = Path(cli.json("draft", iid, "subject-letter", "--lang", "en", "--country", "US-CA")["path"]).read_text()
    assert "Social Security number" in ca and "national register" not in ca
    fr = Path(cli.json("draft", iid, "subject-letter", "--lang", "fr", "--country", "FR")["path"]).read_text()
    assert "numéro de sécurité sociale (NIR)" in fr and "registre national" not in fr
    # without --country: the lead authority's country (Belgium) keeps its word
    be = Path(cli.json("draft", iid, "subject-letter", "--lang", "nl")["path"]).read_text()
    assert "rijksregisternummer" in be
    bad = cli("draft", iid, "subject-letter", "--country", "Netherlands")
    assert bad.exit_code == 1 and bad.stderr.startswith("Error: --country")


def test_the_profile_overrides_a_countrys_word_and_is_validated(tmp_path: Path) -> None:
    from breach.core.national_words import national_id_word
    from breach.core.organization import validate_org
    from breach.core.profile import Profile
    from breach.core.yamlio import loads_yaml

    org = Profile.of({"words": {"national_id": {"NL": {"nl": "BSN"}}}})
    assert national_id_word("NL", "nl", org) == "BSN"
    assert national_id_word("NL", "en", org) == "citizen service number (BSN)"  # the table where no override
    assert national_id_word("US-CA", "en") == "Social Security number"
    assert national_id_word("ZZ", "en") is None  # unknown: the catalogue's generic words
    sample = (Path(__file__).resolve().parent.parent / "incidents" / "organization.yaml").read_text()
    good = loads_yaml(sample + "\nwords:\n  national_id:\n    NL: {nl: BSN}\n", path="org.yaml")
    assert validate_org(good, "org.yaml") == []
    bad = loads_yaml(sample + "\nwords:\n  national_id:\n    Holland: {xx: ''}\n  slang: {}\n", path="org.yaml")
    problems = " ".join(p.message for p in validate_org(bad, "org.yaml"))
    assert "'Holland' is not a country code" in problems and "unknown key 'slang' in words" in problems


def test_regimes_list_unconfirmed_lists_rules_and_directory_entries_to_check() -> None:
    import json

    from typer.testing import CliRunner

    from breach.cli import app

    result = CliRunner().invoke(app, ["regimes", "list", "--unconfirmed", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows and all(not str(r["status"]).startswith("confirmed") for r in rows)
    ids = {r["id"] for r in rows}
    # authority:PL was checked on the UODO page (2026-12-05); IE is still to read on its own site.
    assert "authority:IT" in ids and "us-co-residents" in ids  # directory entries and rules alike
    assert "gdpr-art33-sa" not in ids  # confirmed rules are left out
    text = CliRunner().invoke(app, ["regimes", "list", "--unconfirmed"]).stdout
    assert f"{len(rows)} unconfirmed: read each source" in text
