"""`breach draft --json` gives the same answer for the same text: an absolute `path` (and `path_in_home`),
and html and docx are renditions of the stored version, never a new version of unchanged text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import Cli


def test_path_is_absolute_and_the_same_for_a_new_and_an_unchanged_draft(cli: Cli, assessed: str, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the data folder given relative to where breach runs
    relative = Cli(Path(os.path.relpath(cli.home, tmp_path)))
    first = relative.json("draft", assessed, "subject-letter")
    again = relative.json("draft", assessed, "subject-letter")
    assert first["unchanged"] is False and again["unchanged"] is True
    assert Path(first["path"]).is_absolute() and first["path"] == again["path"]
    assert Path(first["path"]) == (cli.home / assessed / "drafts" / "subject-letter.en.v1.md").absolute()
    assert first["path_in_home"] == again["path_in_home"] == f"{assessed}/drafts/subject-letter.en.v1.md"
    assert Path(first["path"]).read_text().startswith("# [DRAFT")


def test_html_and_docx_are_renditions_of_the_stored_version(cli: Cli, assessed: str) -> None:
    md = cli.json("draft", assessed, "sa-notification", "--lang", "fr")
    html = cli.json("draft", assessed, "sa-notification", "--lang", "fr", "--format", "html")
    docx = cli.json("draft", assessed, "sa-notification", "--lang", "fr", "--format", "docx")
    assert [md["version"], html["version"], docx["version"]] == [1, 1, 1]
    assert html["unchanged"] is True and html["path"] == md["path"] and html["sha256"] == md["sha256"]
    assert docx["path"] == md["path"] and docx["sha256"] == md["sha256"]
    assert [r["version"] for r in cli.json("review", assessed)] == [1]  # no v2 for legal to review again
    assert Path(html["html_path"]).name == "sa-notification.fr.v1.html" and Path(html["html_path"]).is_absolute()
    assert Path(docx["docx_path"]).name == "sa-notification.fr.v1.docx"
    page = Path(html["html_path"]).read_text()
    assert page.startswith("<!DOCTYPE html>") and '<html lang="fr">' in page
    assert "<h1>[PROJET" in page and "**" not in page  # the stored markdown, as HTML
    # A first draft asked for as html is stored as markdown, so md afterwards is the same version.
    first = cli.json("draft", assessed, "subject-letter", "--format", "html")
    assert first["unchanged"] is False and first["path"].endswith("subject-letter.en.v1.md")
    assert cli.json("draft", assessed, "subject-letter")["unchanged"] is True


def test_the_html_rendition_of_an_approved_version_has_no_draft_marker(cli: Cli, assessed: str) -> None:
    cli.json("draft", assessed, "subject-letter")
    assert cli("review", "approve", assessed, "subject-letter", "--version", "1", "--as", "Legal",
               "--allow-missing").exit_code == 0
    html = cli.json("draft", assessed, "subject-letter", "--format", "html")
    assert Path(html["html_path"]).name == "subject-letter.en.v1.approved.html"
    assert "DRAFT" not in Path(html["html_path"]).read_text()
