"""Drafting and legal review through the CLI: versions, approvals bound to hashes, guards."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import REPO, Cli

HIGH = REPO / "tests/data/wp250/example06.yaml"


def draft(cli: Cli, iid: str, kind: str, *args: str) -> dict:
    return cli.json("draft", iid, kind, *args)


def test_draft_is_stored_versioned_and_written(cli: Cli, assessed: str, home: Path) -> None:
    first = draft(cli, assessed, "sa-notification", "--lang", "fr")
    again = draft(cli, assessed, "sa-notification", "--lang", "fr")
    assert (again["version"], again["unchanged"], again["sha256"]) == (1, True, first["sha256"])  # nothing new
    assert cli("scope", assessed, "-j", "BE=30001", "-j", "FR=30000", "-j", "DE=20000").exit_code == 0
    second = draft(cli, assessed, "sa-notification", "--lang", "fr")
    other = draft(cli, assessed, "sa-notification", "--lang", "nl")
    assert (first["version"], second["version"], other["version"]) == (1, 2, 1)
    for d in (first, second, other):
        assert set(d) >= {"kind", "lang", "version", "sha256", "path", "missing"}
        path = Path(d["path"])
        assert path.is_file() and path.is_relative_to(home / assessed)
        import hashlib

        assert hashlib.sha256(path.read_bytes()).hexdigest() == d["sha256"]
    assert not any("subjects_count" in m for m in first["missing"])


def test_missing_number_of_subjects_is_listed_and_strict_fails(cli: Cli) -> None:
    iid = cli.open("not assessed yet")
    result = draft(cli, iid, "sa-notification", "--lang", "fr", "--phase", "complete")
    assert any("subjects_count" in m for m in result["missing"])
    text = Path(result["path"]).read_text()
    assert "MANQUANT" in text  # a visible placeholder
    strict = cli("draft", iid, "sa-notification", "--lang", "fr", "--phase", "complete", "--strict")
    assert strict.exit_code == 1 and "subjects_count" in strict.stderr


def test_responder_text_never_runs_as_template_and_html_is_escaped(cli: Cli) -> None:
    iid = cli.json("open", "--title", "{{ 7*7 }} <script>alert(1)</script>")["id"]
    assert cli("assess", iid, "--answers", str(HIGH)).exit_code == 0
    md = Path(draft(cli, iid, "register-entry")["path"]).read_text()
    assert "{{ 7*7 }}" in md and "49" not in md
    html = Path(draft(cli, iid, "register-entry", "--format", "html")["html_path"]).read_text()
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_review_states_and_diff(cli: Cli, assessed: str, tmp_path: Path) -> None:
    draft(cli, assessed, "subject-letter")
    draft(cli, assessed, "sa-notification", "--lang", "fr")
    assert cli("log", assessed, "More people affected", "--kind", "evidence").exit_code == 0
    assert cli("review", "request-changes", assessed, "subject-letter", "--version", "1", "--as", "legal",
               "--comment", "Mention the helpline").exit_code == 0
    states = {(r["kind"], r["version"]): r["state"] for r in cli.json("review", assessed)}
    assert states[("subject-letter", 1)] == "changes requested"
    # a second version after a reassessment with a different count
    answers = HIGH.read_text().replace("subjects_count: 80000", "subjects_count: 91234").replace(
        "DE: 20000}", "DE: 31234}").replace(  # the people per country add up to the count (issue 23)
        "and what people bought.", "and what 91,234 people bought.")  # the letter shows the plain summary
    changed = tmp_path / "answers.yaml"
    changed.write_text(answers)
    assert cli("assess", assessed, "--answers", str(changed)).exit_code == 0
    draft(cli, assessed, "subject-letter")
    draft(cli, assessed, "sa-notification", "--lang", "fr")
    rows = {(r["kind"], r["version"]): r for r in cli.json("review", "list", assessed)}
    assert rows[("subject-letter", 1)]["state"] == "superseded"
    assert rows[("subject-letter", 2)]["state"] == "draft"
    diff = cli("review", "diff", assessed, "sa-notification", "--lang", "fr", "--from", "1", "--to", "2").stdout
    changed_lines = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    # the count, and the people per country that add up to it (DE 20,000 -> 31,234; issue 23)
    assert changed_lines and all("91" in line or "80" in line or "Allemagne" in line for line in changed_lines)
    assert all(not line.startswith(" ") for line in diff.splitlines())  # changed lines only, no context
    assert cli("review", "approve", assessed, "subject-letter", "--version", "2", "--as", "legal").exit_code == 0
    rows = {(r["kind"], r["lang"], r["version"]): r for r in cli.json("review", assessed)}
    assert rows[("subject-letter", "en", 2)]["state"] == "approved"


def test_notified_needs_an_approved_draft_in_the_authoritys_language(cli: Cli, assessed: str) -> None:
    draft(cli, assessed, "sa-notification")  # English: the Belgian DPA does not accept it
    cli("review", "approve", assessed, "sa-notification", "--version", "1", "--as", "legal")
    refused = cli("notified", assessed, "gdpr-art33-sa")
    assert refused.exit_code == 1 and "fr, nl, de" in refused.stderr
    draft(cli, assessed, "sa-notification", "--lang", "fr")
    assert cli("review", "approve", assessed, "sa-notification", "--lang", "fr", "--version", "1", "--as",
               "legal").exit_code == 0
    sent = cli.json("notified", assessed, "gdpr-art33-sa", "--reference", "DBN-42")
    assert sent["draft"]["lang"] == "fr" and sent["draft"]["version"] == 1
    states = {(r["kind"], r["lang"], r["version"]): r["state"] for r in cli.json("review", assessed)}
    assert states[("sa-notification", "fr", 1)] == "sent"


def test_edited_after_approval_is_refused_and_verify_reports_it(cli: Cli, assessed: str, home: Path) -> None:
    draft(cli, assessed, "sa-notification", "--lang", "fr")
    assert cli("review", "approve", assessed, "sa-notification", "--lang", "fr", "--version", "1", "--as",
               "legal").exit_code == 0
    subprocess.run(["sqlite3", str(home / "breach.db"),
                    "UPDATE drafts SET text = replace(text, '80', '8') WHERE kind = 'sa-notification'"], check=True)
    refused = cli("notified", assessed, "gdpr-art33-sa")
    assert refused.exit_code == 1 and "hash mismatch" in refused.stderr
    verify = cli("verify", assessed)
    assert verify.exit_code == 1 and "sa-notification" in verify.stderr and "hash mismatch" in verify.stderr


def test_without_approval_is_allowed_with_a_reason_and_flagged(cli: Cli, assessed: str) -> None:
    assert cli("notified", assessed, "gdpr-art33-sa", "--without-approval").exit_code == 1
    sent = cli.json("notified", assessed, "gdpr-art33-sa", "--without-approval", "--reason", "legal unreachable")
    assert sent["without_approval"] is True
    row = cli.json("register")[0]
    assert row["sent_without_approval"] == ["gdpr-art33-sa"]


def test_approval_needs_a_name_and_an_existing_version(cli: Cli, assessed: str) -> None:
    draft(cli, assessed, "subject-letter")
    missing = cli("review", "approve", assessed, "subject-letter", "--version", "7", "--as", "legal")
    assert missing.exit_code == 1 and "version 7" in missing.stderr
    nobody = cli("review", "approve", assessed, "subject-letter", "--version", "1", "--as", " ")
    assert nobody.exit_code == 1 and "--as NAME" in nobody.stderr
    assert all(r["state"] == "draft" for r in cli.json("review", assessed))
    unknown = cli("draft", assessed, "love-letter")
    assert unknown.exit_code == 1 and "Traceback" not in unknown.output
