"""Issue 22, "say what happened, no more": notices name the data items involved (the ENISA category only in
the severity section), a public notice only where Art. 34(3)(c) was found, and what is still to confirm
appears in status and in the notice to the authority (GDPR Art. 33(4))."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import HIGH_RISK_ANSWERS, Cli

from breach.adapters.yamlfiles import load_yaml

SILENT = Path(__file__).parent / "data" / "silent"
#: The other Art. 9 categories, and contact data, in each language's words (any of them is too much; the
#: authority's form field "special categories or criminal data: yes" is its own question, not a category named).
NOT_HEALTH = {
    "fr": ("convictions", "condamnations pénales", "coordonnées"),
    "nl": ("overtuigingen", "strafrechtelijke veroordelingen", "contactgegevens"),
    "de": ("Überzeugungen", "strafrechtliche Verurteilungen", "Kontaktdaten"),
    "en": ("beliefs", "criminal records", "contact details"),
}
HEALTH = {"fr": "données de santé", "nl": "gezondheidsgegevens", "de": "Gesundheitsdaten", "en": "health data"}


def assessed_with(cli: Cli, tmp_path: Path, answers: dict) -> str:
    iid = cli.json("open", "--title", "T", "--aware-at", "2026-11-28 09:00", "--occurred-at", "2026-11-27 22:00",
                   "--detected-at", "2026-11-28 08:00")["id"]
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))  # JSON is YAML
    result = cli("assess", iid, "--answers", str(path))
    assert result.exit_code == 0, result.output
    return iid


def silent(name: str, **changes) -> dict:
    return {**load_yaml(SILENT / "common.yaml"), **load_yaml(SILENT / name), **changes}


def draft_text(cli: Cli, iid: str, kind: str, lang: str) -> str:
    return Path(cli.json("draft", iid, kind, "--lang", lang)["path"]).read_text()


@pytest.mark.parametrize("lang", ["fr", "nl", "de", "en"])
def test_health_only_notice_names_health_data_and_no_other_art9_category(cli: Cli, tmp_path: Path,
                                                                          lang: str) -> None:
    iid = assessed_with(cli, tmp_path, silent("1-access-without-malware.yaml"))  # items: name, health
    for kind in ("sa-notification", "register-entry"):
        text = draft_text(cli, iid, kind, lang)
        assert HEALTH[lang] in text, kind
        words = NOT_HEALTH[lang] if kind == "sa-notification" else NOT_HEALTH[lang][:-1]  # a factor may say "beyond
        for word in words:                                                                 # contact details"
            assert word not in text, (kind, word)


@pytest.mark.parametrize(("lang", "financial"), [("en", "financial data"), ("fr", "données financières"),
                                                 ("nl", "financiële gegevens"), ("de", "Finanzdaten")])
def test_a_bank_account_breach_names_financial_data(cli: Cli, tmp_path: Path, lang: str, financial: str) -> None:
    answers = silent("1-access-without-malware.yaml", data_items=["name", "bank_account"], data_categories=["simple"],
                     special_categories=False)
    iid = assessed_with(cli, tmp_path, answers)
    text = draft_text(cli, iid, "sa-notification", lang)
    section = text.split("### 7.", 1)[1].split("### 8.", 1)[0]  # personal data concerned (not severity)
    assert financial in section


def test_the_enisa_category_shows_only_in_the_severity_section(cli: Cli, tmp_path: Path) -> None:
    iid = assessed_with(cli, tmp_path, silent("1-access-without-malware.yaml"))
    text = draft_text(cli, iid, "sa-notification", "en")
    data, severity = text.split("### 7.", 1)[1].split("### 8.", 1)[0], text.split("### 9.", 1)[1]
    assert "sensitive data" not in data and "Categories of personal data:** identity, health data" in data
    assert "Data category under the ENISA method (2013):** sensitive data" in severity


# --- the public notice --------------------------------------------------------------------


def test_a_public_notice_is_refused_without_disproportionate_effort(cli: Cli, home: Path) -> None:
    iid = cli.json("open", "--title", "DB", "--aware-at", "2026-11-28 09:00")["id"]
    assert cli("assess", iid, "--answers", str(HIGH_RISK_ANSWERS)).exit_code == 0  # disproportionate_effort: false
    result = cli("draft", iid, "public-notice", "--lang", "en")
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "disproportionate effort" in result.stderr
    assert "Art. 34(3)(c)" in result.stderr and "subject-letter" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("lang", "why"), [
    ("en", "because contacting each person concerned individually would involve disproportionate effort: "),
    ("fr", "parce qu'une communication individuelle"),
    ("nl", "omdat elke betrokkene afzonderlijk"),
    ("de", "weil eine Einzelbenachrichtigung"),
])
def test_a_public_notice_with_art34_3_c_says_why_and_carries_no_article(cli: Cli, tmp_path: Path, lang: str,
                                                                          why: str) -> None:
    answers = {**load_yaml(HIGH_RISK_ANSWERS), "data_items": ["name", "password", "account"],
               "disproportionate_effort": True,
               "disproportionate_effort_evidence": "Only user names are held: no address to write to."}
    iid = assessed_with(cli, tmp_path, answers)
    text = draft_text(cli, iid, "public-notice", lang)
    assert why in text
    assert "Only user names are held" in text  # the reason found, as it was given
    for cite in ("Art.", "article ", "artikel ", "GDPR", "RGPD", "AVG", "DSGVO"):
        assert cite not in text, cite


# --- to confirm ---------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "question"), [
    ("en", "whether the data left the systems"), ("fr", "si les données sont sorties des systèmes"),
    ("nl", "of de gegevens de systemen hebben verlaten"), ("de", "ob die Daten die Systeme verlassen haben")])
def test_what_is_to_confirm_is_information_to_follow_in_the_sa_notice(cli: Cli, tmp_path: Path, lang: str,
                                                                     question: str) -> None:
    iid = assessed_with(cli, tmp_path, silent("1-access-without-malware.yaml"))
    text = draft_text(cli, iid, "sa-notification", lang)
    assert f"- {question}" in text  # listed as information to follow
    settled = assessed_with(cli, tmp_path, load_yaml(HIGH_RISK_ANSWERS))
    assert question not in draft_text(cli, settled, "sa-notification", lang)


def test_status_lists_what_is_to_confirm_per_incident(cli: Cli, tmp_path: Path) -> None:
    iid = assessed_with(cli, tmp_path, silent("1-access-without-malware.yaml"))
    out = cli("status").stdout
    assert f"To confirm for {iid}: exfiltration ruled out" in out
    settled = assessed_with(cli, tmp_path, {**load_yaml(HIGH_RISK_ANSWERS), "malware": True})
    assert f"To confirm for {settled}" not in cli("status").stdout
