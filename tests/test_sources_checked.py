"""Sources you can check (issue 24): `checked` marks and `breach regimes list --unconfirmed`.

The reference's mark (`status`, from regimes.md) stays as it is; what we read ourselves is
`checked: {url, quote, date}`. The listing shows both and leaves out what either confirmed.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from breach.adapters.rules import load_directory, load_rules, load_us_laws
from breach.cli import app
from breach.core.authorities import check_directory
from breach.core.regime_rules import check_regime_file
from breach.core.sources import is_to_check, marks, us_law_rows
from breach.core.yamlio import loads_yaml


def listing(*args: str) -> list[dict]:
    result = CliRunner().invoke(app, ["regimes", "list", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- the US state laws are listed -------------------------------------------------------


def test_unconfirmed__lists_every_us_state_law_whose_statute_was_not_read() -> None:
    laws = load_us_laws()
    rows = {r["id"]: r for r in listing("--unconfirmed") if r["regime"] == "us-state-laws"}
    expected = {f"us-law:{ident}" for ident, law in laws.items()
                if law["status"] not in ("confirmed", "confirmed-secondary")}
    assert set(rows) == expected  # every state has been read now: none listed (see the next test for one)
    assert "us-law:US-CA" not in rows  # California was read (confirmed-secondary)
    if "us-law:US-AL" in rows:
        assert rows["us-law:US-AL"]["source"].startswith("Ala. Code § 8-38-1")
        assert rows["us-law:US-AL"]["jurisdiction"] == "US-AL"
    for row in rows.values():
        assert row["status"] == laws[row["jurisdiction"]]["status"]
        assert laws[row["jurisdiction"]]["statute"] in row["source"]


def test_unconfirmed__a_us_state_law_not_read_is_listed_with_its_statute() -> None:
    laws = {ident: dict(law) for ident, law in load_us_laws().items()}
    laws["US-AL"]["status"] = "unconfirmed"
    rows = {r["id"]: r for r in us_law_rows(laws, unconfirmed=True)}
    assert set(rows) == {"us-law:US-AL"}
    assert rows["us-law:US-AL"]["source"].startswith("Ala. Code § 8-38-1")
    assert rows["us-law:US-AL"]["jurisdiction"] == "US-AL" and rows["us-law:US-AL"]["status"] == "unconfirmed"


def test_unconfirmed__text_counts_every_row_and_names_the_regimes() -> None:
    rows = listing("--unconfirmed")
    text = CliRunner().invoke(app, ["regimes", "list", "--unconfirmed"]).stdout
    us = sum(r["regime"] == "us-state-laws" for r in rows)
    assert f"{len(rows)} unconfirmed: read each source" in text
    assert (f"{us} us-state-laws" in text) if us else ("us-state-laws" not in text)
    assert sum(line.startswith("us-law:US-") for line in text.splitlines()) == us


# --- checked: our reading, beside the reference's mark ------------------------------------


def test_checked_entries__leave_the_unconfirmed_list_and_keep_the_reference_status() -> None:
    checked = [a for a in load_directory().authorities if a.checked]
    assert checked, "at least one directory entry was checked on its official page"
    listed = {r["id"] for r in listing("--unconfirmed")}
    everything = {r["id"]: r for r in listing("--all")}
    for authority in checked:
        assert f"authority:{authority.id}" not in listed
        row = everything[f"authority:{authority.id}"]
        assert row["status"] == authority.status  # regimes.md's mark is untouched
        assert row["checked"]["url"].startswith(("https://", "http://")) and row["checked"]["quote"]
        assert f"checked {authority.checked.date}: {authority.checked.url}" in row["marks"]
    unchecked = [a for a in load_directory().authorities if not a.checked and a.status == "unconfirmed"]
    assert all(f"authority:{a.id}" in listed for a in unchecked)


def test_checked_rules__leave_the_unconfirmed_list_and_show_both_marks() -> None:
    listed = {r["id"] for r in listing("--unconfirmed")}
    text = CliRunner().invoke(app, ["regimes", "list"]).stdout
    for rule in load_rules():
        if rule.checked:
            assert rule.id not in listed
            assert f"[{rule.status} in regimes.md; checked {rule.checked.date}: {rule.checked.url}]" in text
        elif not rule.status.startswith("confirmed"):
            assert rule.id in listed


def test_marks__show_both_and_only_unread_unconfirmed_rows_are_to_check() -> None:
    from breach.core.sources import Checked

    read = Checked("https://www.uoou.cz/", "Úřad pro ochranu osobních údajů", "2026-12-05")
    assert marks("unconfirmed", read) == "unconfirmed in regimes.md; checked 2026-12-05: https://www.uoou.cz/"
    assert marks("partial", None) == "partial in regimes.md"
    assert is_to_check("unconfirmed", None) and is_to_check("partial", None)
    assert not is_to_check("unconfirmed", read) and not is_to_check("confirmed-primary", None)


# --- the schema -----------------------------------------------------------------------------

ENTRY = ("authorities:\n  - {id: NL, country: NL, name: AP, languages: [nl], source: x, status: unconfirmed,\n"
         "     checked: %s}\n")


@pytest.mark.parametrize(("checked", "problem"), [
    ("{url: 'https://autoriteitpersoonsgegevens.nl', date: 2026-12-05}", "missing the key 'quote'"),
    ("{quote: 'Autoriteit Persoonsgegevens', date: 2026-12-05}", "missing the key 'url'"),
    ("{url: 'x.nl', quote: q, date: 2026-12-05}", "checked url must be the web address read"),
    ("{url: 'https://x.nl', quote: '', date: 2026-12-05}", "checked quote must be the sentence read"),
    ("{url: 'https://x.nl', quote: q, date: last week}", "checked date must be the day it was read"),
    ("{url: 'https://x.nl', quote: q, date: 2026-12-05, by: me}", "unknown key 'by' in checked"),
    ("yes", "checked in authority 'NL' is a mapping"),
    ("{url: 'https://x.nl', quote: '%s', date: 2026-12-05}" % ("x" * 401), "checked quote must be short"),
])
def test_checked__schema_names_the_problem_in_the_directory(checked: str, problem: str) -> None:
    problems, _ = check_directory(loads_yaml(ENTRY % checked, path="a.yaml"), "a.yaml")
    assert any(problem in p.message for p in problems), [p.message for p in problems]


def test_checked__a_valid_mark_loads_with_its_quote() -> None:
    text = ENTRY % "{url: 'https://www.autoriteitpersoonsgegevens.nl', quote: 'Meld een datalek', date: 2026-12-05}"
    _, directory = check_directory(loads_yaml(text, path="a.yaml"), "a.yaml")
    nl = directory.get("NL")
    assert nl.status == "unconfirmed"
    assert nl.checked is not None and nl.checked.quote == "Meld een datalek" and nl.checked.date == "2026-12-05"
    assert nl.to_dict()["checked"] == {"url": "https://www.autoriteitpersoonsgegevens.nl",
                                       "quote": "Meld een datalek", "date": "2026-12-05"}


RULE = """regime: x
title: X
rules:
  - id: x-sa
    title: X
    recipient: X
    source: X s 1
    status: unconfirmed
    binding: law
    start: aware
    period: {amount: 3, unit: calendar_days}
    checked: %s
"""


def test_checked__schema_applies_to_rules_too() -> None:
    problems, rules = check_regime_file(loads_yaml(RULE % "{url: 'https://x', date: 2026-12-05}", path="x.yaml"),
                                        "x.yaml", "x")
    assert any("checked in rule 'x-sa' is missing the key 'quote'" in p.message for p in problems)
    assert rules == []
    good = RULE % "{url: 'https://law.example/x', quote: 'within 3 days', date: 2026-12-05}"
    problems, rules = check_regime_file(loads_yaml(good, path="x.yaml"), "x.yaml", "x")
    assert problems == [] and rules[0].checked is not None and rules[0].checked.quote == "within 3 days"
    assert rules[0].status == "unconfirmed"



def test_oregon_attorney_general_notice__45_days_from_discovery_as_ors_646a604_3a_reads() -> None:
    # ORS 646A.604(1)(b) and (3)(a), read 2026-12-05 on oregonlaws.org: "A covered entity shall give
    # notice of a breach of security [...] not later than 45 days after discovering or receiving
    # notification of the breach of security." The notice of (1) goes to consumers and, over 250, the AG.
    from breach.core import regimes

    rule = regimes.find_rule("us-or-ag", load_rules(), directory=load_directory())
    assert (rule.period_amount, rule.period_unit, rule.start) == (45, "calendar_days", "discovered")
    assert rule.checked is not None and "not later than 45 days" in rule.checked.quote
    assert rule.status == "partial"  # regimes.md's mark stays


def test_directory__names_corrected_from_the_authorities_own_pages() -> None:
    directory = load_directory()
    bw = "Der Landesbeauftragte für Datenschutz und Informationsfreiheit Baden-Württemberg"
    assert directory.get("DE-BW").name == bw
    assert directory.get("LI").name == "Datenschutzstelle Fürstentum Liechtenstein"
    pl = directory.get("PL")
    assert pl.status == "unconfirmed" and pl.checked is not None
    assert "Prezes Urzędu Ochrony Danych Osobowych" in pl.checked.quote


def test_unconfirmed__fewer_rows_than_the_from_memory_entries_of_the_day_issue_24_was_filed() -> None:
    """Issue 24: 55 rows were "from memory" when it was filed (11 rules + 44 directory entries), before the
    51 US state laws were listed too; reading the sources brought the listing below that, and it stays so."""
    rows = listing("--unconfirmed")
    assert len(rows) < 55
    assert all(r["regime"] != "us-state-laws" for r in rows)  # every US state law was read in its source
