"""People whose location is unknown: counted in every total, towards no jurisdiction's threshold."""

from __future__ import annotations

from pathlib import Path

from conftest import Cli


def test_the_notice_gives_the_whole_number_and_says_how_many_are_of_unknown_location(cli: Cli, assessed: str) -> None:
    # --replace: the assessment's own scope (BE, FR, DE) gives way to this one
    result = cli("scope", assessed, "--replace", "-j", "BE=8000", "-j", "US-CA=3000", "--unlocated", "24000")
    assert result.exit_code == 0, result.output
    assert "24,000 of unknown location; 35,000 people in all" in result.stdout
    draft = cli.json("draft", assessed, "sa-notification", "--lang", "en")
    text = Path(draft["path"]).read_text()
    assert "35,000" in text and "Of whom, location unknown" in text and "24,000" in text
    view = cli.json("show", assessed)
    assert (view["people"], view["unlocated"], view["scope"]) == (35000, 24000, {"BE": 8000, "US-CA": 3000})
    assert "people affected: 35,000 (BE=8,000, US-CA=3,000; 24,000 of unknown location)" in cli("show", assessed).stdout


def test_unlocated_people_count_towards_no_states_threshold_but_status_warns(cli: Cli, assessed: str) -> None:
    result = cli("scope", assessed, "-j", "BE=8000", "-j", "US-CA=300", "--unlocated", "24000")
    assert result.exit_code == 0, result.output
    assert "us-ca-ag may apply" in result.stderr  # the warning when recorded
    rows = {r["obligation"]: r for r in cli.json("status", assessed)}
    assert "us-ca-ag" not in rows  # 300 Californians: below the AG threshold (> 500)
    advisory = rows["us-ca-ag:unlocated"]
    assert advisory["state"] == "advisory"
    assert "24000 people of unknown location could push it over" in advisory["reason"]
    assert "us-wa-ag:unlocated" not in rows  # no Washington residents known: no guess


def test_unlocated_in_the_assessments_jurisdictions_answer(cli: Cli, tmp_path: Path) -> None:
    iid = cli.open()
    answers = (Path(__file__).parent / "data" / "wp250" / "example06.yaml").read_text()
    path = tmp_path / "a.yaml"
    assert "jurisdictions: {BE: 30000, FR: 30000, DE: 20000}" in answers
    path.write_text(answers.replace("jurisdictions: {BE: 30000, FR: 30000, DE: 20000}",
                                    "jurisdictions: {BE: 30000, FR: 30000, DE: 20000, unlocated: 5000}")
                    .replace("subjects_count: 80000", "subjects_count: 85000"))  # counts that add up (issue 23)
    result = cli("assess", iid, "--answers", str(path))
    assert result.exit_code == 0, result.output
    view = cli.json("show", iid)
    assert (view["people"], view["unlocated"]) == (85000, 5000)
    assert view["scope"] == {"BE": 30000, "FR": 30000, "DE": 20000}


def test_scope_with_only_unlocated_people(cli: Cli, assessed: str) -> None:
    result = cli("scope", assessed, "--replace", "--unlocated", "500")
    assert result.exit_code == 0, result.output
    assert cli.json("show", assessed)["people"] == 500
    bad = cli("scope", assessed, "--unlocated", "99999999999")
    assert bad.exit_code == 1 and "Error:" in bad.stderr
