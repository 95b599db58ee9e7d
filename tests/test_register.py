"""The Art. 33(5) register, the export bundle, and drills."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, Cli

from breach.services.register import COLUMNS

HIGH = REPO / "tests/data/wp250/example06.yaml"
UNLIKELY = REPO / "tests/data/wp250/example01.yaml"


@pytest.fixture
def three(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A notified incident, a not-notified one, and a late one."""
    ids = {}
    ids["notified"] = cli.json("open", "--title", "notified", "--aware-at", "2026-11-20 09:00",
                               "--occurred-at", "2026-11-19 22:00", "--detected-at", "2026-11-20 08:00")["id"]
    ids["unlikely"] = cli.json("open", "--title", "unlikely", "--aware-at", "2026-11-20 10:00")["id"]
    ids["late"] = cli.json("open", "--title", "late", "--aware-at", "2026-11-20 11:00")["id"]
    for key in ("notified", "late"):
        assert cli("assess", ids[key], "--answers", str(HIGH)).exit_code == 0
    assert cli("assess", ids["unlikely"], "--answers", str(UNLIKELY)).exit_code == 0
    ok = cli("notified", ids["notified"], "gdpr-art33-sa", "--at", "2026-11-21 09:00", "--reference", "DBN-1",
             "--without-approval", "--reason", "test fixture")
    assert ok.exit_code == 0, ok.output
    late = cli("notified", ids["late"], "gdpr-art33-sa", "--at", "2026-11-25 09:00", "--reasons-for-delay",
               "forensics", "--without-approval", "--reason", "test fixture")
    assert late.exit_code == 0, late.output
    return ids


def test_register_has_three_rows_with_the_right_obligation_states(cli: Cli, three: dict[str, str]) -> None:
    rows = {r["id"]: r for r in cli.json("register")}
    assert set(rows) == set(three.values())

    def sa(key: str) -> dict:
        return next(o for o in rows[three[key]]["obligations"] if o["obligation"] == "gdpr-art33-sa")

    assert sa("notified")["state"] == "met" and "DBN-1" in sa("notified")["how"]
    assert sa("late")["state"] == "late" and "forensics" in sa("late")["how"]
    assert sa("unlikely")["state"] == "not_applicable"
    assert "unlikely to result in a risk" in rows[three["unlikely"]]["not_notified_reason"]
    assert rows[three["notified"]]["sent_without_approval"] == ["gdpr-art33-sa"]
    assert rows[three["notified"]]["rationale"] and rows[three["notified"]]["decided_by"] == "tester"


def test_register_csv_opens_with_the_documented_header(cli: Cli, three: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "register.csv"
    assert cli("register", "--format", "csv", "--out", str(out)).exit_code == 0
    reader = csv.DictReader(io.StringIO(out.read_text()))
    assert reader.fieldnames == COLUMNS
    rows = {r["id"]: r for r in reader}
    assert "gdpr-art33-sa: late" in rows[three["late"]]["obligations"]
    assert "gdpr-art33-sa: met" in rows[three["notified"]]["obligations"]
    documented = (REPO / "docs" / "register.md").read_text()
    assert all(f"`{c}`" in documented for c in COLUMNS)


def test_register_markdown_and_since(cli: Cli, three: dict[str, str]) -> None:
    text = cli("register", "--format", "md").stdout
    assert all(i in text for i in three.values())
    assert cli.json("register", "--since", "2026-11-25") == []
    since = {r["id"] for r in cli.json("register", "--since", "2026-11-20 09:30")}
    assert since == {three["unlikely"], three["late"]}  # aware at 10:00 and 11:00, not 09:00


def test_export_passes_sha256sum_and_the_stdlib_chain_check(cli: Cli, three: dict[str, str], tmp_path: Path) -> None:
    iid = three["notified"]
    assert cli("draft", iid, "sa-notification", "--lang", "fr").exit_code == 0
    assert cli("review", "approve", iid, "sa-notification", "--lang", "fr", "--version", "1", "--as", "legal"
               ).exit_code == 0
    out = tmp_path / "export.zip"
    assert cli("export", iid, "--out", str(out)).exit_code == 0
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        zf.extractall(folder)
    assert "MANIFEST.sha256" in names and "timeline.json" in names
    assert any(n.startswith("drafts/sa-notification.fr.v1") for n in names)
    manifest = (folder / "MANIFEST.sha256").read_text().splitlines()
    assert len(manifest) == len(names) - 1  # every other file
    check = subprocess.run([shutil.which("sha256sum") or "sha256sum", "-c", "MANIFEST.sha256"], cwd=folder,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    chain = subprocess.run([sys.executable, "-I", "verify_chain.py", "timeline.json"], cwd=folder,
                           capture_output=True, text=True)
    assert chain.returncode == 0 and chain.stdout.startswith("OK"), chain.stdout + chain.stderr
    # a tampered copy fails both checks
    timeline = folder / "timeline.json"
    timeline.write_text(timeline.read_text().replace("DBN-1", "DBN-2"))
    assert subprocess.run(["sha256sum", "-c", "MANIFEST.sha256"], cwd=folder, capture_output=True).returncode != 0
    chain = subprocess.run([sys.executable, "-I", "verify_chain.py", "timeline.json"], cwd=folder,
                           capture_output=True, text=True)
    assert chain.returncode == 1 and "BROKEN" in chain.stdout


DRILLS = sorted((REPO / "playbooks" / "drills").glob("*.yaml"))


@pytest.mark.parametrize("scenario", DRILLS, ids=[p.stem for p in DRILLS])
def test_drill_runs_each_scenario(scenario: Path, tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "breach", "drill", str(scenario), "--speed", "0",
                             "--home", str(tmp_path / "drill")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "clocks:" in out and "gdpr-art33-sa" in out  # the clocks
    assert "draft " in out  # the drafts
    assert "== Register row" in out and "## BR-" in out  # the register row
    assert "Traceback" not in result.stderr


def test_drill_waits_on_the_simulated_clock(tmp_path: Path) -> None:
    from breach.services.drill import run_drill

    slept: list[float] = []
    run_drill(DRILLS[0], home=tmp_path / "d", speed=3600, say=lambda _line: None, sleep=slept.append)
    # at 3600x, one simulated hour takes one real second: the sleeps add up to the scenario's span in hours
    from breach.services.drill import load_scenario

    span = max(s.get("at_h", 0) for s in load_scenario(DRILLS[0])["timeline"])
    assert sum(slept) == pytest.approx(span)


def test_drill_refuses_a_non_empty_folder(cli: Cli, home: Path) -> None:
    result = cli("drill", str(DRILLS[0]), "--speed", "0")
    assert result.exit_code == 1 and "not an empty folder" in result.stderr


def test_drill_notices_carry_the_responders_text_in_the_notices_language(tmp_path: Path) -> None:
    from breach.services.drill import run_drill

    home = tmp_path / "d"
    run_drill(REPO / "playbooks/drills/user-database-stolen.yaml", home=home, speed=0, say=lambda _line: None)
    french = next(home.glob("BR-*/drafts/sa-notification.fr.v1.md")).read_text()
    assert "Un attaquant a utilisé une clé d'API" in french
    assert "An attacker used" not in french
    dutch_letter = next(home.glob("BR-*/drafts/subject-letter.nl.v1.md")).read_text()
    assert "Wijzig uw wachtwoord" in dutch_letter and "Change your password" not in dutch_letter
