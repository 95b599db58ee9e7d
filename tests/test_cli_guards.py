"""Guards around the CLI's edges: bad times, folders and files, superseded drafts, edited records.

Each case once failed silently or with a traceback."""

from __future__ import annotations

import hashlib
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, Cli
from typer.testing import CliRunner

from breach.cli import app

HIGH = REPO / "tests/data/wp250/example06.yaml"


def test_read_commands_without_a_database_say_init_and_create_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "incidents"
    folder.mkdir()
    shutil.copy(REPO / "incidents" / "organization.yaml", folder)
    for command in (["list"], ["status"], ["verify"], ["register"]):
        result = CliRunner().invoke(app, [*command, "--home", str(folder)])
        assert result.exit_code == 1 and "breach init" in result.stderr, command
    assert not (folder / "breach.db").exists()


@pytest.mark.parametrize(("given", "message"), [
    ("2026-11-28 07:00 EST", "zone abbreviation"),
    ("1200", "cannot read the time"),
    ("0001-01-01T00:00:00+01:00", "cannot read the time"),
])
def test_ambiguous_or_absurd_times_are_refused(cli: Cli, given: str, message: str) -> None:
    result = cli("open", "--title", "x", "--aware-at", given)
    assert result.exit_code == 1 and message in result.stderr and "Traceback" not in result.output


def test_a_time_without_a_date_takes_todays_date_in_the_organizations_zone(cli: Cli) -> None:
    assert cli.json("open", "--title", "x", "--aware-at", "10:00")["aware_at"] == "2026-11-28T10:00:00+01:00"


def test_notified_refuses_an_older_approved_version_when_a_newer_draft_exists(cli: Cli, assessed: str) -> None:
    cli.json("draft", assessed, "sa-notification", "--lang", "fr")
    assert cli("review", "approve", assessed, "sa-notification", "--lang", "fr", "--version", "1", "--as",
               "legal").exit_code == 0
    assert cli("scope", assessed, "-j", "BE=30001", "-j", "FR=30000", "-j", "DE=20000").exit_code == 0
    assert cli.json("draft", assessed, "sa-notification", "--lang", "fr")["version"] == 2
    refused = cli("notified", assessed, "gdpr-art33-sa")
    assert refused.exit_code == 1 and "v2 is newer than the approved v1" in refused.stderr


def test_approval_writes_the_rendition_to_send_without_the_draft_marker(cli: Cli, assessed: str) -> None:
    drafted = cli.json("draft", assessed, "sa-notification", "--lang", "fr")
    assert "PROJET" in Path(drafted["path"]).read_text()
    approved = cli.json("review", "approve", assessed, "sa-notification", "--lang", "fr", "--version", "1", "--as",
                        "legal")
    final = Path(approved["final_path"])
    text = final.read_text()
    assert "PROJET" not in text and "non approuvé" not in text
    assert hashlib.sha256(final.read_bytes()).hexdigest() == approved["final_sha256"]
    assert stat.S_IMODE(final.stat().st_mode) == 0o600


def test_approval_refuses_placeholders_unless_allowed(cli: Cli) -> None:
    iid = cli.open("not assessed")
    cli.json("draft", iid, "sa-notification", "--lang", "fr", "--phase", "complete")
    refused = cli("review", "approve", iid, "sa-notification", "--lang", "fr", "--version", "1", "--as", "legal")
    assert refused.exit_code == 1 and "subjects_count" in refused.stderr
    assert cli("review", "approve", iid, "sa-notification", "--lang", "fr", "--version", "1", "--as", "legal",
               "--allow-missing").exit_code == 0


@pytest.mark.parametrize("target", ["draft file", "approved file", "draft row"])
def test_verify_catches_edited_files_and_deleted_drafts(cli: Cli, assessed: str, home: Path, target: str) -> None:
    drafted = cli.json("draft", assessed, "sa-notification", "--lang", "fr")
    approved = cli.json("review", "approve", assessed, "sa-notification", "--lang", "fr", "--version", "1",
                        "--as", "legal")
    assert cli("verify", assessed).exit_code == 0
    if target == "draft row":
        subprocess.run(["sqlite3", str(home / "breach.db"), "DELETE FROM drafts"], check=True)
        expected = "deleted"
    else:
        path = Path(drafted["path"] if target == "draft file" else approved["final_path"])
        path.write_text(path.read_text() + "\nUn ajout après coup.\n")
        expected = "was edited"
    result = cli("verify", assessed)
    assert result.exit_code == 1 and expected in result.stderr


@pytest.mark.parametrize(("statement", "field"), [
    ("UPDATE incidents SET status = 'closed'", "status"),
    # Since schema 2 the incident's facts live only in its events: editing them breaks the chain.
    ("UPDATE events SET data = json_set(data, '$.public', 1) WHERE seq = 1", "#1"),
    ("UPDATE events SET data = json_set(data, '$.awareness_note', 'later') WHERE seq = 1", "#1"),
])
def test_verify_catches_edited_incident_fields(cli: Cli, home: Path, statement: str, field: str) -> None:
    iid = cli.open()
    subprocess.run(["sqlite3", str(home / "breach.db"), statement], check=True)
    result = cli("verify", iid)
    assert result.exit_code == 1 and field in result.stderr


def test_notified_before_awareness_is_refused(cli: Cli, assessed: str) -> None:
    result = cli("notified", assessed, "gdpr-art33-sa", "--at", "2026-11-01 10:00", "--without-approval",
                 "--reason", "x")
    assert result.exit_code == 1 and "before the incident was known" in result.stderr


def test_corrected_awareness_is_used_by_show_status_and_register(cli: Cli, assessed: str) -> None:
    result = cli.json("mark", assessed, "aware", "--at", "2026-11-27 09:00")
    assert result["at"] == "2026-11-27T09:00:00+01:00"
    assert cli.json("show", assessed)["incident"]["aware_at"] == "2026-11-27T09:00:00+01:00"
    sa = next(r for r in cli.json("status", assessed) if r["obligation"] == "gdpr-art33-sa")
    assert sa["due_at"] == "2026-11-30T09:00:00+01:00"
    assert cli.json("register")[0]["aware_at"] == "2026-11-27T09:00:00+01:00"
    assert cli.json("timeline", assessed)[-1]["kind"] == "clock"  # a correction is a new event


def test_init_with_another_profile_does_not_pretend_to_replace_it(home: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text((REPO / "incidents" / "organization.yaml").read_text().replace("name: Sparkcentral\n",
                                                                                   "name: OtherCorp\n", 1))
    result = CliRunner().invoke(app, ["init", "--home", str(home), "--org", str(other)])
    assert result.exit_code == 1 and "not replaced" in result.stderr and "Sparkcentral" in result.stderr


@pytest.mark.parametrize("args", [
    ["review", "diff", "{iid}", "sa-notification", "--lang", "fr", "--to", "1"],
    ["review", "diff", "{iid}", "sa-notification", "--lang", "fr", "--from", "2", "--to", "1"],
])
def test_bad_diff_ranges_are_clear_errors(cli: Cli, assessed: str, args: list[str]) -> None:
    cli.json("draft", assessed, "sa-notification", "--lang", "fr")
    cli.json("draft", assessed, "sa-notification", "--lang", "fr")
    result = cli(*[a.format(iid=assessed) for a in args])
    assert result.exit_code == 1 and result.stderr.startswith("Error: ") and "Traceback" not in result.output


def test_answers_file_that_is_not_a_mapping(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "a.yaml"
    bad.write_text("answers: [1, 2]\n")
    result = cli("assess", cli.open(), "--answers", str(bad))
    assert result.exit_code == 1 and "mapping" in result.stderr


def test_a_file_where_a_folder_should_be(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    for command in (["init", "--home", str(afile)], ["drill", "--speed", "0", "--home", str(afile)],
                    ["drill", "--speed", "-1", "--home", str(tmp_path / "new")]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 1 and result.stderr.startswith("Error: "), command


def test_exports_and_reports_are_private_files(cli: Cli, assessed: str, tmp_path: Path) -> None:
    outputs = {"zip": tmp_path / "sub" / "x.zip", "csv": tmp_path / "r.csv", "ics": tmp_path / "d.ics"}
    assert cli("export", assessed, "--out", str(outputs["zip"])).exit_code == 0
    assert cli("register", "--format", "csv", "--out", str(outputs["csv"])).exit_code == 0
    assert cli("calendar", assessed, "--out", str(outputs["ics"])).exit_code == 0
    for path in outputs.values():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE((tmp_path / "sub").stat().st_mode) == 0o700
    busy = tmp_path / "busy.zip"
    busy.mkdir()  # a folder in the way: error, and no leftover temporary file
    result = cli("export", assessed, "--out", str(busy))
    assert result.exit_code == 1 and not (tmp_path / "busy.zip.tmp").exists()


def test_approving_a_superseded_version_says_so(cli: Cli, assessed: str) -> None:
    cli.json("draft", assessed, "sa-notification", "--lang", "fr")
    assert cli("scope", assessed, "-j", "BE=30001", "-j", "FR=30000", "-j", "DE=20000").exit_code == 0
    assert cli.json("draft", assessed, "sa-notification", "--lang", "fr")["version"] == 2
    result = cli("review", "approve", assessed, "sa-notification", "--lang", "fr", "--version", "1", "--as", "legal")
    assert result.exit_code == 1 and "v1 is superseded by v2" in result.stderr
