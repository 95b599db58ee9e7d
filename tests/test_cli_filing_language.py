"""Issue 13: notices legal can sign as they are (the filing language only, the Belgian
DPA's form, phases, reasons for delay) and letters people can read (plain, formal,
multipart e-mail, the California form). One test per "Done when" item, and the rules
around them."""

from __future__ import annotations

import csv
import email
import email.policy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, Cli

from breach.adapters.yamlfiles import load_yaml
from breach.core.yamlio import plain

DRILL = REPO / "playbooks" / "drills" / "user-database-stolen.yaml"
FREE_TEXT = ("nature_summary", "plain_summary", "consequences", "measures_taken", "measures_proposed",
             "advice_to_subjects", "awareness_note", "discovery_details", "other_bodies_details")
AWARE, LATER = "2026-11-28T09:00:00+01:00", "2026-12-02T10:00:00+01:00"  # LATER: past the 72 hours


def translated_answers() -> dict[str, Any]:
    """The drill's answers: every free text in en, fr, nl and de, every form field answered."""
    return plain(load_yaml(DRILL)["answers"])


def english_only(answers: dict[str, Any]) -> dict[str, Any]:
    return {k: v["en"] if isinstance(v, dict) and "en" in v else v for k, v in answers.items()}


def write(tmp_path: Path, answers: dict[str, Any], name: str = "answers.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
    return path


def incident(cli: Cli, tmp_path: Path, answers: dict[str, Any]) -> str:
    iid = cli.open("users-db", "--aware-at", AWARE, "--occurred-at", "2026-11-27 22:00",
                   "--detected-at", "2026-11-28 08:00")
    result = cli("assess", iid, "--answers", str(write(tmp_path, answers)))
    assert result.exit_code == 0, result.output
    assert cli("scope", iid, "-j", "BE=1200", "-j", "DE=40", "-j", "US-CA=800").exit_code == 0
    return iid


def draft(cli: Cli, iid: str, kind: str, *extra: str, env: dict | None = None) -> dict[str, Any]:
    result = cli.json("draft", iid, kind, *extra, env=env)
    result["text"] = Path(result["path"]).read_text(encoding="utf-8")
    return result


def approve(cli: Cli, iid: str, kind: str, lang: str, version: int, *extra: str, env: dict | None = None):
    return cli("review", "approve", iid, kind, "--lang", lang, "--version", str(version), "--as", "legal", *extra,
               env=env)


ENGLISH_WORDS = re.compile(r"\b(the|and|of|with|your|our|this|been|was|were|is|are|not|to|for|which)\b")


def english_left(text: str) -> list[str]:
    """Lines of a French text that read as English (function words), markers and e-mails aside."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"\S+@\S+|\[\[\w+\]\]|https?://\S+", "", line)
        if len(ENGLISH_WORDS.findall(line)) >= 2:
            lines.append(line)
    return lines


# --- Done when: English-only answers ------------------------------------------------------


def test_english_only_answers__the_french_sa_draft_has_none_of_them_and_lists_each(cli: Cli, tmp_path: Path) -> None:
    answers = english_only(translated_answers())
    iid = incident(cli, tmp_path, answers)
    result = draft(cli, iid, "sa-notification", "--lang", "fr", "--phase", "complete")
    for key in ("nature_summary", "consequences", "measures_taken", "measures_proposed", "awareness_note",
                "discovery_details", "other_bodies_details"):
        assert answers[key] not in result["text"], key
        prefix = "incident." if key == "awareness_note" else "assessment.answers."
        assert f"{prefix}{key} (fr)" in result["missing"], key
    assert "traduction française manquante" in result["text"]  # a placeholder in French
    # legal cannot approve it: the Belgian DPA takes fr/nl/de only, so no --allow-missing either
    refused = approve(cli, iid, "sa-notification", "fr", 1, "--allow-missing")
    assert refused.exit_code == 1 and "cannot waive a missing translation" in refused.stderr


def test_english_only_answers__an_english_letter_still_drafts_complete(cli: Cli, tmp_path: Path) -> None:
    iid = incident(cli, tmp_path, english_only(translated_answers()))
    assert draft(cli, iid, "subject-letter", "--lang", "en")["missing"] == []


# --- Done when: fully translated answers --------------------------------------------------


def test_fully_translated__french_sa_notice_and_register_entry_have_no_english(cli: Cli, tmp_path: Path) -> None:
    answers = translated_answers()
    iid = incident(cli, tmp_path, answers)
    sa = draft(cli, iid, "sa-notification", "--lang", "fr")
    register = draft(cli, iid, "register-entry", "--lang", "fr")
    for result in (sa, register):
        assert result["missing"] == [], result["missing"]
        assert english_left(result["text"]) == []
        for key in FREE_TEXT:  # only the French text of each answer
            if isinstance(answers.get(key), dict):
                assert answers[key]["en"] not in result["text"], key
        assert "Latest assessment" not in result["text"] and "ENISA baseline" not in result["text"]
    assert "Belgique" in sa["text"] and "Californie (États-Unis)" in sa["text"]
    assert "Belgium" not in sa["text"] and "United States" not in sa["text"]
    assert "novembre 2026" in sa["text"]  # dates in French
    assert "identité, coordonnées" in sa["text"]  # data categories in plain words, not "données simples"
    assert "\u202f:" in sa["text"] and "paragraphe 1, du RGPD" in sa["text"]  # French typography


# --- Done when: the Belgian DPA form --------------------------------------------------------

FORM_FIELDS_FR = [  # in the form's order (docs/be-dpa-form.md)
    "1. Déclarant", "Secteur d'activité", "2. Délégué à la protection des données",
    "aucun délégué à la protection des données n'a été désigné", "3. Type de notification",
    "4. Dates et heures", "Fin de la violation", "5. Découverte de la violation", "détection interne",
    "6. Nature de la violation", "Origine", "7. Données à caractère personnel concernées", "Chiffrement",
    "8. Personnes concernées", "9. Conséquences probables", "10. Mesures prises ou envisagées",
    "11. Mesures de sécurité en place avant la violation", "Certification ISO 27001",
    "12. Communication aux personnes concernées", "Personnes informées", "13. Aspects transfrontaliers",
    "Autres autorités de contrôle informées", "14. Autres organismes informés", "CSIRT national",
    "15. Intervention d'un sous-traitant", "16. Annexes",
]


def test_french_sa_notice__covers_the_form_fields_in_form_order(cli: Cli, tmp_path: Path) -> None:
    iid = incident(cli, tmp_path, translated_answers())
    text = draft(cli, iid, "sa-notification", "--lang", "fr")["text"]
    positions = [text.find(field) for field in FORM_FIELDS_FR]
    assert -1 not in positions, [f for f, p in zip(FORM_FIELDS_FR, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    assert "notification complète" in text  # the type of notification: initial or complete


# --- Done when: drafted after the deadline ----------------------------------------------------


def test_drafted_after_the_deadline__reasons_missing_then_given_per_language(cli: Cli, tmp_path: Path) -> None:
    answers = translated_answers()
    iid = incident(cli, tmp_path, answers)
    late = {"BREACH_NOW": LATER}
    first = draft(cli, iid, "sa-notification", "--lang", "fr", env=late)
    assert "notice.reasons_for_delay" in first["missing"]
    assert "[MANQUANT\u202f: motifs du retard" in first["text"]
    for extra in ((), ("--allow-missing",)):
        refused = approve(cli, iid, "sa-notification", "fr", 1, *extra, env=late)
        assert refused.exit_code == 1 and "reasons for the delay" in refused.stderr
    reasons = {"en": "Forensics took four days.", "fr": "L'analyse forensique a duré quatre jours.",
               "nl": "Het forensisch onderzoek duurde vier dagen.", "de": "Die Forensik dauerte vier Tage."}
    redo = cli("assess", iid, "--answers", str(write(tmp_path, {**answers, "reasons_for_delay": reasons}, "r.json")),
               env=late)
    assert redo.exit_code == 0, redo.output
    second = draft(cli, iid, "sa-notification", "--lang", "fr", env=late)
    assert second["missing"] == [] and reasons["fr"] in second["text"] and reasons["en"] not in second["text"]
    assert approve(cli, iid, "sa-notification", "fr", 2, env=late).exit_code == 0
    sent = cli.json("notified", iid, "gdpr-art33-sa", "--reference", "DBN-1", env=late)
    assert sent["late"] and sent["reasons_for_delay"] == reasons and not sent["reasons_outside_tool"]
    row = next(r for r in cli.json("register", env=late) if r["id"] == iid)
    sa = next(o for o in row["obligations"] if o["obligation"] == "gdpr-art33-sa")
    assert "Forensics took four days." in sa["how"]  # the register takes them from the approved notice


def test_approved_in_time_but_sent_late__refused_until_a_version_with_reasons(cli: Cli, tmp_path: Path) -> None:
    iid = incident(cli, tmp_path, translated_answers())
    draft(cli, iid, "sa-notification", "--lang", "fr")
    assert approve(cli, iid, "sa-notification", "fr", 1).exit_code == 0
    refused = cli("notified", iid, "gdpr-art33-sa", "--reasons-for-delay", "typed afterwards",
                  env={"BREACH_NOW": LATER})
    assert refused.exit_code == 1 and "gives no reasons for the delay" in refused.stderr


def test_notified_reasons_for_a_notice_made_outside_the_tool_are_recorded_as_such(cli: Cli, tmp_path: Path) -> None:
    iid = incident(cli, tmp_path, translated_answers())
    sent = cli.json("notified", iid, "gdpr-art33-sa", "--without-approval", "--reason", "portal only",
                    "--reasons-for-delay", "the portal was down", env={"BREACH_NOW": LATER})
    assert sent["late"] and sent["reasons_outside_tool"] and sent["reasons_for_delay"] == "the portal was down"


# --- Done when: phases ----------------------------------------------------------------------


def test_phase_initial__shows_in_the_notice_and_opens_the_followup(cli: Cli, tmp_path: Path) -> None:
    iid = incident(cli, tmp_path, translated_answers())
    result = draft(cli, iid, "sa-notification", "--lang", "fr", "--phase", "initial")
    assert result["phase"] == "initial"
    assert "notification initiale" in result["text"]
    assert approve(cli, iid, "sa-notification", "fr", 1).exit_code == 0
    sent = cli.json("notified", iid, "gdpr-art33-sa", "--reference", "DBN-2026-0042")
    assert sent["phase"] == "initial"  # taken from the approved notice
    states = {o["obligation"]: o["state"] for o in cli.json("status", iid)}
    assert states["gdpr-art33-followup"] == "pending"
    supplement = draft(cli, iid, "sa-notification", "--lang", "fr", "--phase", "supplementary")
    assert "DBN-2026-0042" in supplement["text"] and "notification complémentaire" in supplement["text"]


def test_phase__initial_by_default_while_content_is_unknown_and_it_reads_to_follow(cli: Cli, tmp_path: Path) -> None:
    iid = cli.open("just known", "--aware-at", AWARE)  # nothing assessed yet (Art. 33(4): in phases)
    result = draft(cli, iid, "sa-notification", "--lang", "fr")
    assert result["phase"] == "initial" and result["missing"] == []
    assert "pas encore connu (suivra" in result["text"] and "MANQUANT" not in result["text"]
    assert approve(cli, iid, "sa-notification", "fr", 1).exit_code == 0  # unknown content does not block it
    complete = draft(cli, iid, "sa-notification", "--lang", "fr", "--phase", "complete")
    assert "assessment.answers.consequences" in complete["missing"]


def test_notified_phase_must_match_the_approved_notice(cli: Cli, tmp_path: Path) -> None:
    iid = incident(cli, tmp_path, translated_answers())
    draft(cli, iid, "sa-notification", "--lang", "fr", "--phase", "complete")
    assert approve(cli, iid, "sa-notification", "fr", 1).exit_code == 0
    wrong = cli("notified", iid, "gdpr-art33-sa", "--phase", "initial")
    assert wrong.exit_code == 1 and "is a complete notice" in wrong.stderr


# --- Done when: letters -----------------------------------------------------------------------


def test_letters__plain_formal_no_article_numbers_subject_says_security_incident(cli: Cli, tmp_path: Path) -> None:
    iid = incident(cli, tmp_path, translated_answers())
    en = draft(cli, iid, "subject-letter", "--lang", "en")
    for word in ("Art.", "GDPR", "Article 34", "article"):
        assert word not in en["text"], word
    subject = en["text"].splitlines()[0].lower()
    assert "security incident" in subject or "breach" in subject
    answers = translated_answers()
    assert answers["plain_summary"]["en"] in en["text"] and answers["nature_summary"]["en"] not in en["text"]
    assert "anywhere" in en["text"] or "every other site" in en["text"]  # advice from the data items
    fr = draft(cli, iid, "subject-letter", "--lang", "fr")["text"]
    assert "\nMadame, Monsieur,\n" in fr and "Incident de sécurité" in fr.splitlines()[0]
    de = draft(cli, iid, "subject-letter", "--lang", "de")["text"]
    assert "\nSehr geehrte" in de and "Sicherheitsvorfall" in de.splitlines()[0]


def test_us_ca_letter__title_and_the_five_statutory_headings_in_order(cli: Cli, tmp_path: Path) -> None:
    iid = incident(cli, tmp_path, translated_answers())
    result = draft(cli, iid, "us-ca-letter", "--lang", "en")
    assert result["missing"] == []
    assert result["text"].splitlines()[0].endswith("] Notice of Data Breach")
    headings = [line[3:] for line in result["text"].splitlines() if line.startswith("## ")]
    assert headings == ["What Happened", "What Information Was Involved", "What We Are Doing", "What You Can Do",
                        "For More Information"]
    assert "GDPR" not in result["text"] and "Art." not in result["text"]
    assert cli("draft", iid, "us-ca-letter", "--lang", "fr").exit_code == 1  # the statute's English form only


def subjects_csv(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["email", "name", "lang", "data", "jurisdiction"])
        w.writerow(["zoe@example.org", "Zoë Ŋ'Ölçer", "fr", "email;password", "BE"])
        w.writerow(["ann@example.org", "Ann <b>O'Neil</b>", "en", "email", "US-CA"])
        w.writerow(["bob@example.org", "Bob", "en", "name", "DE"])
    return path


def test_eml_letters__multipart_alternative_plain_without_marks_and_california_form(cli: Cli, tmp_path: Path) -> None:
    iid = incident(cli, tmp_path, translated_answers())
    for kind, lang in (("subject-letter", "en"), ("subject-letter", "fr"), ("us-ca-letter", "en")):
        draft(cli, iid, kind, "--lang", lang)
        assert approve(cli, iid, kind, lang, 1).exit_code == 0
    out = tmp_path / "out"
    result = cli.json("letters", iid, "--subjects", str(subjects_csv(tmp_path / "s.csv")), "--out", str(out))
    assert result["by_lang"] == {"US-CA": 1, "en": 1, "fr": 1}
    letters = sorted((out / "letters").iterdir())
    msgs = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in letters]
    for msg in msgs:
        assert msg.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        text = msg.get_body(preferencelist=("plain",)).get_content()
        assert "## " not in text and "**" not in text and "[[" not in text
        page = msg.get_body(preferencelist=("html",)).get_content()
        assert 'style="' in page and "<h2" in page and "<script" not in page
    zoe, ann, bob = msgs
    assert zoe["Subject"].startswith("Incident de sécurité")
    assert "Madame, Monsieur," in zoe.get_body(("plain",)).get_content()
    assert ann["Subject"] == "Notice of Data Breach"  # California resident: the statute's form
    assert "Ann &lt;b&gt;O'Neil&lt;/b&gt;" in ann.get_body(("html",)).get_content()  # the name escaped in html
    assert bob["Subject"].startswith("Security incident")


@pytest.mark.parametrize("lang", ["fr", "nl", "de"])
def test_register_entry__obligation_reasons_and_rationale_in_the_language(cli: Cli, tmp_path: Path, lang: str) -> None:
    iid = incident(cli, tmp_path, translated_answers())
    text = draft(cli, iid, "register-entry", "--lang", lang)["text"]
    assert "latest assessment" not in text.lower() and "GDPR risk" not in text and "DPC " not in text.split("SE ")[0]
    catalogue = load_yaml(REPO / "templates" / "i18n" / f"{lang}.yaml")
    assert catalogue["rationale"]["document"] in text
