"""Letters are tracked per language and version (issue 20): after one `breach letters` run in en (v2),
fr and nl (v1) with the California letter, the register (json, csv, md), `show` and the report give each
(kind, language, version) written with its count, under the obligation it meets."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import Cli
from test_cli_filing_language import approve, incident, translated_answers, write

#: (email, lang, jurisdiction) for each person: 3 en (one in California), 2 fr, 4 nl.
PEOPLE = [("a@example.org", "en", "BE"), ("b@example.org", "en", "DE"), ("c@example.org", "en", "US-CA"),
          ("d@example.org", "fr", "BE"), ("e@example.org", "fr", "FR"),
          *((f"n{i}@example.org", "nl", "NL") for i in range(4))]
EXPECTED = [
    {"kind": "subject-letter", "lang": "en", "version": 2, "count": 2},
    {"kind": "subject-letter", "lang": "fr", "version": 1, "count": 2},
    {"kind": "subject-letter", "lang": "nl", "version": 1, "count": 4},
]
CALIFORNIA = [{"kind": "us-ca-letter", "lang": "en", "version": 1, "count": 1}]


def people_csv(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["email", "name", "lang", "data", "jurisdiction"])
        for email, lang, where in PEOPLE:
            w.writerow([email, email.split("@")[0].upper(), lang, "email;password", where])
    return path


@pytest.fixture
def sent(cli: Cli, tmp_path: Path) -> str:
    """Letters approved in en (v2; v1 was never approved), fr v1, nl v1 and the California form, then written."""
    answers = translated_answers()
    iid = incident(cli, tmp_path, answers)
    assert cli.json("draft", iid, "subject-letter", "--lang", "en")["version"] == 1
    answers["plain_summary"]["en"] += " We have since closed the gap."  # the English letter changes: v2
    assert cli("assess", iid, "--answers", str(write(tmp_path, answers, "revised.json"))).exit_code == 0
    for kind, lang in (("subject-letter", "en"), ("subject-letter", "fr"), ("subject-letter", "nl"),
                       ("us-ca-letter", "en")):
        made = cli.json("draft", iid, kind, "--lang", lang)
        assert approve(cli, iid, kind, lang, made["version"]).exit_code == 0
    result = cli.json("letters", iid, "--subjects", str(people_csv(tmp_path / "people.csv")),
                      "--out", str(tmp_path / "out"))
    assert result["written"] == len(PEOPLE)
    return iid


def obligation(cli: Cli, iid: str, rule: str) -> dict:
    row = next(r for r in cli.json("register") if r["id"] == iid)
    return next(o for o in row["obligations"] if o["obligation"] == rule)


def test_register_json_lists_each_kind_language_and_version_with_its_count(cli: Cli, sent: str) -> None:
    assert obligation(cli, sent, "gdpr-art34-subjects")["letters"] == EXPECTED
    assert obligation(cli, sent, "us-ca-residents")["letters"] == CALIFORNIA
    assert obligation(cli, sent, "gdpr-art33-sa")["letters"] == []


def test_register_after_notified_names_every_letter_not_one_draft(cli: Cli, sent: str) -> None:
    for rule in ("gdpr-art34-subjects", "us-ca-residents"):
        result = cli("notified", sent, rule)
        assert result.exit_code == 0, result.output
    how = obligation(cli, sent, "gdpr-art34-subjects")["how"]
    assert "subject-letter en v2: 2" in how and "subject-letter fr v1: 2" in how and "subject-letter nl v1: 4" in how
    assert "draft subject-letter" not in how  # not one language's draft for all of them
    assert "us-ca-letter en v1: 1" in obligation(cli, sent, "us-ca-residents")["how"]


def test_register_csv_and_md_carry_the_rows(cli: Cli, sent: str) -> None:
    table = list(csv.DictReader(cli("register", "--format", "csv").stdout.splitlines()))
    cell = next(r for r in table if r["id"] == sent)["obligations"]
    for row in EXPECTED + CALIFORNIA:
        assert f"{row['kind']} {row['lang']} v{row['version']}: {row['count']}" in cell
    md = cli("register", "--format", "md").stdout
    assert "letters subject-letter en v2: 2; subject-letter fr v1: 2; subject-letter nl v1: 4" in md


def test_show_and_drafts_say_every_written_letter_is_sent(cli: Cli, sent: str) -> None:
    view = cli.json("show", sent)
    assert [{k: r[k] for k in ("kind", "lang", "version", "count")} for r in view["letters"]] == EXPECTED + CALIFORNIA
    assert {r["obligation"] for r in view["letters"]} == {"gdpr-art34-subjects", "us-ca-residents"}
    states = {(d["kind"], d["lang"], d["version"]): d["state"] for d in view["drafts"]}
    assert states[("subject-letter", "fr", 1)] == "sent" and states[("subject-letter", "nl", 1)] == "sent"
    assert states[("subject-letter", "en", 2)] == "sent" and states[("us-ca-letter", "en", 1)] == "sent"
    assert states[("subject-letter", "en", 1)] == "superseded"  # never approved, never sent
    text = cli("show", sent).stdout
    assert "letters subject-letter nl v1: 4 written (gdpr-art34-subjects)" in text


def test_report_gives_the_letters_under_the_obligation(cli: Cli, sent: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert cli("report", sent, "--out", str(out)).exit_code == 0
    html = out.read_text(encoding="utf-8")
    section = html[html.index('id="obligation-gdpr-art34-subjects"'):]
    section = section[:section.index("</tr>")]
    assert "subject-letter (fr) v1: 2 letters" in section and "subject-letter (en) v2: 2 letters" in section


def test_a_resumed_run_replaces_the_counts_of_the_run_it_finishes() -> None:
    from breach.core.sent_letters import letters_sent

    first = {"out_dir": "o", "resumed": False, "sent": [{"kind": "subject-letter", "lang": "en", "version": 1,
                                                          "count": 5}]}
    resumed = {"out_dir": "o", "resumed": True, "sent": [{"kind": "subject-letter", "lang": "en", "version": 1,
                                                           "count": 9}]}
    other = {"out_dir": "p", "resumed": False, "by_lang": {"en": 1, "US-CA": 2},
             "template_versions": {"en": 1, "US-CA": 3}}  # a run recorded before issue 20
    rows = letters_sent([first, resumed, other])
    assert [(r["kind"], r["lang"], r["version"], r["count"]) for r in rows] == [
        ("subject-letter", "en", 1, 10), ("us-ca-letter", "en", 3, 2)]
