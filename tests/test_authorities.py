"""The EU/EEA supervisory authority directory and who is concerned (breach.core.authorities)."""

from __future__ import annotations

from pathlib import Path

import pytest

from breach.core.authorities import (
    EEA,
    concerned,
    establishment,
    load_directory,
    member_state,
    validate_directory,
)
from breach.core.yamlio import load_yaml
from breach.errors import NotFoundError, ValidationError

REPO = Path(__file__).resolve().parent.parent
SAMPLE = load_yaml(REPO / "incidents" / "organization.yaml")
#: Written out here, not imported: the test must fail if the code's list loses a state.
EU_EEA = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
          "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"]
LANDER = ["DE-BW", "DE-BY", "DE-BE", "DE-BB", "DE-HB", "DE-HH", "DE-HE", "DE-MV", "DE-NI", "DE-NW", "DE-RP",
          "DE-SL", "DE-SN", "DE-ST", "DE-SH", "DE-TH"]


def test_directory__shipped_file_is_valid() -> None:
    assert validate_directory() == []


def test_directory__every_eu_eea_state_has_an_authority_with_languages_and_a_source() -> None:
    directory = load_directory()
    assert sorted(EEA) == sorted(EU_EEA)
    for country in EU_EEA:
        found = directory.of_country(country)
        assert found, country
        for authority in found:
            assert authority.languages, authority.id
            assert authority.source.strip(), authority.id
            # the authority's own site is cited
            assert "https://" in authority.source, authority.id
            assert authority.status in {"confirmed", "partial", "unconfirmed"}


def test_directory__germany_lists_the_federal_and_all_sixteen_lander_authorities() -> None:
    directory = load_directory()
    german = {a.id: a for a in directory.of_country("DE")}
    assert german["DE"].short == "BfDI" and german["DE"].level == "federal"
    assert sorted(k for k in german if k != "DE") == sorted(LANDER)
    assert all(german[code].level == "land" for code in LANDER)


@pytest.mark.parametrize(("code", "name", "languages"), [
    ("NL", "Autoriteit Persoonsgegevens", ("nl",)),
    ("FR", "Commission nationale de l'informatique et des libertés", ("fr",)),
    ("BE", "Gegevensbeschermingsautoriteit / Autorité de protection des données / Datenschutzbehörde",
     ("fr", "nl", "de")),
    ("NO", "Datatilsynet", ("no",)),
])
def test_directory__names_in_their_own_language(code: str, name: str, languages: tuple[str, ...]) -> None:
    authority = load_directory().get(code)
    assert authority.name == name
    assert authority.languages == languages


def test_directory__unconfirmed_rows_of_regimes_md_stay_unconfirmed() -> None:
    directory = load_directory()
    # regimes.md section 5: only AT and BE are confirmed; BG, LU, MT partial.
    assert {a.id for a in directory.authorities if a.status == "confirmed"} == {"AT", "BE"}
    assert {a.id for a in directory.authorities if a.status == "partial"} == {"BG", "LU", "MT"}
    cnil = directory.get("FR")
    assert cnil.portal is not None and cnil.portal["status"] == "unconfirmed"
    assert directory.get("NL").portal is None


@pytest.mark.parametrize(("text", "problem"), [
    ("authorities:\n  - {id: NL, country: NL, name: AP, source: x, status: unconfirmed}\n",
     "missing the key 'languages'"),
    ("authorities:\n  - {id: NL, country: NL, name: AP, languages: [nl], status: unconfirmed}\n",
     "missing the key 'source'"),
    ("authorities:\n  - {id: NL, country: NL, name: AP, languages: [nl], source: x, status: sure}\n",
     "status must be one of"),
    ("authorities:\n  - {id: NL, country: NL, name: AP, languages: [nl], source: x, status: partial, fax: 1}\n",
     "unknown key 'fax'"),
    ("authorities:\n  - {id: NL, country: NL, name: AP, languages: [nl], source: x, status: partial,\n"
     "     portal: {url: 'https://x'}}\n", "portal is missing the key 'status'"),
])
def test_directory__validation_names_the_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "authorities.yaml"
    path.write_text(text)
    problems = validate_directory(path)
    assert any(problem in p.message for p in problems), problems
    # a partial directory is reported as such: every missing member state is named
    assert any("no authority for FR" in p.message for p in problems)
    with pytest.raises(ValidationError):
        load_directory(path)


@pytest.mark.parametrize(("code", "state"), [("NL", "NL"), ("DE-BY", "DE"), ("EL", "GR"), ("US-CA", None),
                                             ("GB", None), ("CH", None), ("NO", "NO")])
def test_member_state(code: str, state: str | None) -> None:
    assert member_state(code) == state


def test_concerned__germany_without_a_known_land_lists_them_all_and_says_so() -> None:
    found = concerned("DE", SAMPLE)
    assert not found.determined
    assert len(found.candidates) == 17
    assert "not determined" in found.recipient and "needs a legal decision" in found.recipient
    assert "BfDI" in found.recipient and "BayLDA" in found.recipient
    assert "does not guess" in found.why


def test_concerned__germany_with_an_establishment_in_a_land() -> None:
    org = {"entities": [{"name": "X GmbH", "country": "DE", "subdivision": "DE-BY", "roles": ["controller"]}]}
    found = concerned("DE", org)
    assert found.determined and found.authority.short == "BayLDA"


def test_concerned__unknown_country() -> None:
    with pytest.raises(NotFoundError):
        concerned("US")


def test_establishment__sample_profile_has_its_main_establishment_in_belgium() -> None:
    shape = establishment(SAMPLE)
    assert shape.lead_country == "BE"
    assert shape.without == ("Sparkcentral Inc.",)


def test_establishment__art27_profile_has_none() -> None:
    org = {"entities": [{"name": "Sparkcentral Inc.", "country": "US", "main_establishment": False,
                         "roles": ["controller"]},
                        {"name": "Sparkcentral Europe NV", "country": "BE", "roles": ["art27_representative"]}]}
    shape = establishment(org)
    assert not shape.one_stop_shop
    assert shape.without == ("Sparkcentral Inc.",)
