"""The EU/EEA supervisory authority directory and who is concerned (breach.core.authorities)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import Cli
from typer.testing import CliRunner

from breach.adapters.resources import shipped
from breach.adapters.rules import load_directory, validate_directory
from breach.adapters.yamlfiles import load_yaml
from breach.cli import app
from breach.core import authorities
from breach.core.authorities import (
    EEA,
    establishment,
    member_state,
)
from breach.core.profile import Profile
from breach.errors import NotFoundError, ValidationError

REPO = Path(__file__).resolve().parent.parent
SAMPLE = load_yaml(REPO / "incidents" / "organization.yaml")
#: Written out here, not imported: the test must fail if the code's list loses a state.
EU_EEA = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
          "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"]
LANDER = ["DE-BW", "DE-BY", "DE-BE", "DE-BB", "DE-HB", "DE-HH", "DE-HE", "DE-MV", "DE-NI", "DE-NW", "DE-RP",
          "DE-SL", "DE-SN", "DE-ST", "DE-SH", "DE-TH"]


def concerned(country: str, org: dict | None = None) -> authorities.Concerned:
    return authorities.concerned(country, Profile.of(org) if org is not None else None, directory=load_directory())


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
    # regimes.md section 5: only AT and BE are confirmed; BG, LU, MT partial. Issue 24 re-checked
    # Lower Saxony (DE-NI) in secondary sources: partial, with the sentence it rests on.
    assert {a.id for a in directory.authorities if a.status == "confirmed"} == {"AT", "BE"}
    assert {a.id for a in directory.authorities if a.status == "partial"} == {"BG", "LU", "MT", "DE-NI"}
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
    shape = establishment(Profile.of(SAMPLE))
    assert shape.lead_country == "BE"
    assert shape.without == ("Sparkcentral Inc.",)


def test_establishment__art27_profile_has_none() -> None:
    org = {"entities": [{"name": "Sparkcentral Inc.", "country": "US", "main_establishment": False,
                         "roles": ["controller"]},
                        {"name": "Sparkcentral Europe NV", "country": "BE", "roles": ["art27_representative"]}]}
    shape = establishment(Profile.of(org))
    assert not shape.one_stop_shop
    assert shape.without == ("Sparkcentral Inc.",)


# --- through the CLI: the sample organization (one-stop-shop) and an Art. 27 profile -------

HIGH_RISK = REPO / "tests" / "data" / "wp250" / "example06.yaml"  # usernames and passwords published


def by_obligation(rows: list[dict]) -> dict[str, dict]:
    return {r["obligation"]: r for r in rows}


def high_risk_incident(cli: Cli, scope: str) -> str:
    iid = cli.json("open", "--title", "DB", "--aware-at", "2026-11-28 09:00")["id"]
    result = cli("assess", iid, "--answers", str(HIGH_RISK))
    assert result.exit_code == 0, result.output
    # after the assessment: its answers carry a scope of their own, which this one replaces
    result = cli("scope", iid, "--replace", "-j", scope)
    assert result.exit_code == 0, result.output
    return iid


def test_sample_org__other_authorities_in_scope_are_advisories_in_status_json(cli: Cli) -> None:
    iid = high_risk_incident(cli, "BE=1200,NL=200,FR=60")
    rows = by_obligation(cli.json("status", iid))
    # GDPR Art. 56: the notice itself goes to the lead authority only
    assert "Gegevensbeschermingsautoriteit" in rows["gdpr-art33-sa"]["recipient"]
    assert rows["gdpr-art33-sa"]["state"] == "pending"
    nl, fr = rows["gdpr-art33-sa:NL"], rows["gdpr-art33-sa:FR"]
    assert "Autoriteit Persoonsgegevens" in nl["recipient"]
    assert "CNIL" in fr["recipient"] and "Commission nationale de l'informatique et des libertés" in fr["recipient"]
    for advisory in (nl, fr):
        assert advisory["state"] == "advisory" and advisory["advisory"] is True
        assert advisory["decision"] == "needs a legal decision"
        assert "EDPB Guidelines 9/2022" in advisory["source"] and "para 73" in advisory["source"]
        assert advisory["due_at"] is None and advisory["overdue"] is False
        assert "Sparkcentral Inc." in advisory["reason"]
        assert advisory["action"] == f"breach scope {iid} --notify-authority {advisory['jurisdiction']}"
    assert "gdpr-art33-sa:BE" not in rows  # the lead authority's member state is no advisory
    # the text view says so too
    text = cli("status", iid).stdout
    assert "ADVISORY, needs a legal decision" in text and "Autoriteit Persoonsgegevens" in text
    # and --pending keeps them: they wait for a decision
    assert "gdpr-art33-sa:NL" in by_obligation(cli.json("status", "--pending"))


def test_sample_org__undecided_advisories_block_close_and_stay_in_the_register(cli: Cli) -> None:
    iid = high_risk_incident(cli, "BE=1200,NL=200,FR=60")
    for row in cli.json("status", iid, "--pending"):
        if row["state"] == "pending":
            result = cli("notified", iid, row["obligation"], "--without-approval", "--reason", "test")
            assert result.exit_code == 0, result.output
    refused = cli("close", iid, "--summary", "done")  # issue 20: closing checks the advisories too
    assert refused.exit_code == 1 and "gdpr-art33-sa:NL" in refused.stderr and "gdpr-art33-sa:FR" in refused.stderr
    result = cli("close", iid, "--summary", "done", "--force", "--reason", "legal decides later")
    assert result.exit_code == 0, result.output  # the NL and FR advisories are still open
    row = next(r for r in cli.json("register") if r["id"] == iid)
    assert {a["advisory"] for a in row["advisories"]} == {"gdpr-art33-sa:NL", "gdpr-art33-sa:FR"}
    assert all(a["decision"] == "needs a legal decision" and "EDPB" in a["source"] for a in row["advisories"])
    assert "gdpr-art33-sa:NL" in cli("register", "--format", "md").stdout


def test_sample_org__notify_authority_turns_the_advisory_into_a_clocked_obligation(cli: Cli) -> None:
    iid = high_risk_incident(cli, "BE=1200,NL=200,FR=60")
    refused = cli("notified", iid, "gdpr-art33-sa:NL", "--without-approval", "--reason", "test")
    assert refused.exit_code == 1 and "advisory" in refused.stderr and "--notify-authority NL" in refused.stderr
    result = cli("scope", iid, "--notify-authority", "NL")
    assert result.exit_code == 0, result.output
    rows = by_obligation(cli.json("status", iid))
    nl = rows["gdpr-art33-sa:NL"]
    assert nl["state"] == "pending" and nl["recipient"] == "Autoriteit Persoonsgegevens (AP)"
    assert nl["due_at"] == "2026-12-01T09:00:00+01:00"  # Art. 33(1): 72 h from awareness, as the lead's
    assert rows["gdpr-art33-sa:FR"]["state"] == "advisory"
    assert rows["gdpr-art33-sa"]["state"] == "pending"
    # the authority's languages gate the approval (Dutch for the AP)
    refused = cli("notified", iid, "gdpr-art33-sa:NL")
    assert refused.exit_code == 1 and "in nl" in refused.stderr
    result = cli("notified", iid, "gdpr-art33-sa:NL", "--without-approval", "--reason", "test", "--phase", "initial")
    assert result.exit_code == 0, result.output
    rows = by_obligation(cli.json("status", iid))
    assert rows["gdpr-art33-sa:NL"]["state"] == "met"
    assert rows["gdpr-art33-sa:NL"]["recipient"] == "Autoriteit Persoonsgegevens (AP)"
    # a phased notice to that authority opens its own follow-up (Art. 33(4))
    assert rows["gdpr-art33-followup:NL"]["state"] == "pending"
    assert "gdpr-art33-followup" not in rows


@pytest.mark.parametrize(("code", "message"), [
    ("BE", "lead authority"),
    ("IT", "no affected people in IT"),
    ("US", "EU/EEA member state"),
    ("DE-BY", "EU/EEA member state"),
])
def test_sample_org__notify_authority_refusals(cli: Cli, code: str, message: str) -> None:
    iid = high_risk_incident(cli, "BE=1200,NL=200")
    result = cli("scope", iid, "--notify-authority", code)
    assert result.exit_code == 1
    assert message in result.stderr


def test_sample_org__single_eu_controller_has_no_advisories(tmp_path: Path) -> None:
    text = (REPO / "incidents" / "organization.yaml").read_text()
    start = text.index("  - id: sparkcentral-us")
    end = text.index("joint_controllers:")
    profile = tmp_path / "org.yaml"
    profile.write_text(text[:start] + "\n" + text[end:])
    home = tmp_path / "h"
    assert CliRunner().invoke(app, ["init", "--home", str(home), "--org", str(profile)]).exit_code == 0
    cli = Cli(home)
    iid = high_risk_incident(cli, "BE=1200,NL=200,FR=60")
    assert not [r for r in cli.json("status", iid) if r["state"] == "advisory"]


# --- the Art. 27 case: no EU main establishment -------------------------------------------


def art27_profile(folder: Path) -> Path:
    """The sample organization as if Sparkcentral Inc. (US) were the only controller, with
    Sparkcentral Europe NV only its Art. 27 representative."""
    text = (REPO / "incidents" / "organization.yaml").read_text()
    text = text.replace("    main_establishment: true\n    roles: [controller, art27_representative]",
                        "    main_establishment: false\n    roles: [art27_representative]")
    start = text.index("lead_authority:")
    end = text.index("\n\n", start)
    text = text[:start] + text[end + 2:]
    path = folder / "art27.yaml"
    path.write_text(text)
    return path


@pytest.fixture
def art27(tmp_path: Path) -> Cli:
    home = tmp_path / "art27"
    result = CliRunner().invoke(app, ["init", "--home", str(home), "--org", str(art27_profile(tmp_path))])
    assert result.exit_code == 0, result.output
    return Cli(home)


def test_art27__one_clocked_obligation_per_member_state_with_its_authority(art27: Cli) -> None:
    iid = high_risk_incident(art27, "NL=5,FR=5")
    rows = by_obligation(art27.json("status", iid))
    assert "gdpr-art33-sa" not in rows  # no lead authority
    nl, fr = rows["gdpr-art33-sa:NL"], rows["gdpr-art33-sa:FR"]
    assert nl["recipient"] == "Autoriteit Persoonsgegevens (AP)"
    assert fr["recipient"] == "Commission nationale de l'informatique et des libertés (CNIL)"
    for row in (nl, fr):
        assert row["state"] == "pending" and row["due_at"] == "2026-12-01T09:00:00+01:00"
        assert row["regime"] == "gdpr" and row["source"].startswith("GDPR Art. 33(1)")
        assert row["remaining_seconds"] == (66 * 60 + 55) * 60
    assert "languages accepted nl" in nl["note"] and "unconfirmed" in nl["note"]
    assert not [r for r in rows.values() if r["state"] == "advisory"]


def test_art27__notified_works_on_one_authority(art27: Cli) -> None:
    iid = high_risk_incident(art27, "NL=5,FR=5")
    refused = art27("notified", iid, "gdpr-art33-sa:NL")
    assert refused.exit_code == 1 and "in nl" in refused.stderr  # Dutch: the AP's language
    result = art27.json("notified", iid, "gdpr-art33-sa:NL", "--at", "2026-11-28 12:00", "--reference", "AP-1",
                        "--without-approval", "--reason", "test")
    assert result["recipient"] == "Autoriteit Persoonsgegevens (AP)" and result["late"] is False
    rows = by_obligation(art27.json("status", iid))
    assert rows["gdpr-art33-sa:NL"]["state"] == "met"
    assert rows["gdpr-art33-sa:FR"]["state"] == "pending"
    unknown = art27("notified", iid, "gdpr-art33-sa:IT", "--without-approval", "--reason", "test")
    assert unknown.exit_code == 1 and "does not apply" in unknown.stderr


def test_art27__draft_for_an_authority_in_its_language_and_notify_with_approval(art27: Cli) -> None:
    iid = high_risk_incident(art27, "NL=5,FR=5")
    draft = art27.json("draft", iid, "sa-notification", "--authority", "FR")
    assert draft["lang"] == "fr"  # the CNIL's language, not the default English
    text = Path(draft["path"]).read_text()
    assert "Commission nationale de l'informatique et des libertés" in text
    assert "Gegevensbeschermingsautoriteit" not in text
    approve = art27("review", "approve", iid, "sa-notification", "--lang", "fr", "--version", "1", "--as", "Legal",
                    "--allow-missing")
    assert approve.exit_code == 0, approve.output
    result = art27.json("notified", iid, "gdpr-art33-sa:FR")
    assert result["draft"]["lang"] == "fr"
    assert by_obligation(art27.json("status", iid))["gdpr-art33-sa:FR"]["state"] == "met"
    nl = art27.json("draft", iid, "sa-notification", "--authority", "NL")
    assert nl["lang"] == "nl" and "Autoriteit Persoonsgegevens" in Path(nl["path"]).read_text()


def test_art27__no_scope_yet_is_an_advisory_not_silence(art27: Cli) -> None:
    iid = art27.json("open", "--title", "DB", "--aware-at", "2026-11-28 09:00")["id"]
    rows = by_obligation(art27.json("status", iid))
    assert rows["gdpr-art33-sa:scope"]["state"] == "advisory"
    assert "--jurisdiction" in rows["gdpr-art33-sa:scope"]["action"]


def test_art27__germany_lists_every_authority_and_says_it_does_not_know_which(art27: Cli) -> None:
    iid = high_risk_incident(art27, "DE-BY=3")
    de = by_obligation(art27.json("status", iid))["gdpr-art33-sa:DE"]
    assert de["state"] == "pending"
    assert "not determined" in de["recipient"] and "needs a legal decision" in de["recipient"]
    assert "BfDI" in de["recipient"] and "BayLDA" in de["recipient"] and "ULD" in de["recipient"]
    assert "does not guess" in de["note"]
    draft = art27("draft", iid, "sa-notification", "--authority", "DE")
    assert draft.exit_code == 0 and "does not guess" in draft.stderr
    chosen = art27.json("draft", iid, "sa-notification", "--authority", "DE-BY")
    assert chosen["lang"] == "de" and "Bayerisches Landesamt" in Path(chosen["path"]).read_text()


def test_art27__notify_authority_is_refused_every_state_already_has_one(art27: Cli) -> None:
    iid = high_risk_incident(art27, "NL=5")
    result = art27("scope", iid, "--notify-authority", "NL")
    assert result.exit_code == 1 and "no EU main establishment" in result.stderr


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("    country: US\n    subdivision: US-CA\n    main_establishment: false",
                         "    country: US\n    subdivision: US-CA\n    main_establishment: true"),
     "EU/EEA member state"),
    (lambda t: t.replace("lead_authority:\n  country: BE", "lead_authority:\n  country: NL"),
     "lead_authority is the authority of the main establishment's member state (BE)"),
    (lambda t: t.replace("    main_establishment: true\n", "    main_establishment: false\n"),
     "no entity is the main establishment"),
])
def test_profile__establishment_is_validated(tmp_path: Path, edit, message: str) -> None:
    profile = tmp_path / "org.yaml"
    profile.write_text(edit((REPO / "incidents" / "organization.yaml").read_text()))
    result = CliRunner().invoke(app, ["init", "--home", str(tmp_path / "h"), "--org", str(profile)])
    assert result.exit_code == 1
    assert message in result.stderr


def test_drill__user_database_stolen_closes_with_nl_and_fr_as_advisories(tmp_path: Path) -> None:
    from breach.services.drill import run_drill

    scenario = REPO / "playbooks" / "drills" / "user-database-stolen.yaml"
    result = run_drill(scenario, home=tmp_path / "drill", speed=0, say=lambda _line: None)
    row = result["register"]
    assert row["status"] == "closed"
    advisories = {a["advisory"]: a for a in row["advisories"]}
    assert "Autoriteit Persoonsgegevens" in advisories["gdpr-art33-sa:NL"]["recipient"]
    assert "CNIL" in advisories["gdpr-art33-sa:FR"]["recipient"]
    assert "not determined" in advisories["gdpr-art33-sa:DE"]["recipient"]


def test_show_lists_the_advisories_too(cli: Cli, assessed: str) -> None:
    assert cli("scope", assessed, "--replace", "-j", "BE=10", "-j", "NL=5").exit_code == 0
    view = cli.json("show", assessed)
    assert [a["obligation"] for a in view["advisories"]] == ["gdpr-art33-sa:NL"]
    shown = cli("show", assessed).stdout
    assert "gdpr-art33-sa:NL" in shown and "advisory" in shown and "Autoriteit Persoonsgegevens" in shown


def test_directory__lower_saxony_names_the_man_in_office_with_its_source_quote() -> None:
    # Issue 24: "Der Landesbeauftragte" (a man has held the office since 15 September 2023).
    data = yaml.safe_load(shipped("authorities.yaml").read_text(encoding="utf-8"))
    raw = next(e for e in data["authorities"] if e["id"] == "DE-NI")
    assert load_directory().get("DE-NI").name == "Der Landesbeauftragte für den Datenschutz Niedersachsen"
    assert "seit 15. September 2023 Landesbeauftragter" in raw["source_quote"]


def test_saxony_anhalt_is_headed_by_a_woman_so_the_name_is_landesbeauftragte() -> None:
    # datenschutz.sachsen-anhalt.de, press release of 5 August 2025: "die Landesbeauftragte für den Datenschutz
    # in Sachsen-Anhalt und Beauftragte für die Informationsfreiheit Maria Christina Rost" (read 2026-12-05).
    st = load_directory().get("DE-ST")
    assert st.name == "Landesbeauftragte für den Datenschutz Sachsen-Anhalt"
    assert st.checked is not None and "Maria Christina Rost" in st.checked.quote
    assert st.checked.url.startswith("https://datenschutz.sachsen-anhalt.de/")
