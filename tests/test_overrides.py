"""An organization's own templates and playbooks in its data folder win over the shipped ones, file by file."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import REPO, Cli

SHIPPED_LETTER = REPO / "templates" / "subject-letter" / "en.md.j2"
LETTERHEAD = "ACME Privacy Office · Rue de la Loi 1 · Brussels"


def own_letter(home: Path, text: str | None = None) -> Path:
    path = home / "templates" / "subject-letter" / "en.md.j2"
    path.parent.mkdir(parents=True)
    source = SHIPPED_LETTER.read_text()
    path.write_text(text if text is not None else source.replace("{% block body %}",
                                                                 "{% block body %}\n" + LETTERHEAD + "\n", 1))
    return path


def test_the_data_folders_letter_template_is_the_one_used(cli: Cli, assessed: str) -> None:
    assert "{% block body %}" in SHIPPED_LETTER.read_text()
    path = own_letter(cli.home)
    draft = cli.json("draft", assessed, "subject-letter", "--lang", "en")
    assert draft["template"] == str(path) and draft["template_origin"] == "data folder"
    assert LETTERHEAD in Path(draft["path"]).read_text()
    # The other languages still come from the shipped templates.
    fr = cli.json("draft", assessed, "subject-letter", "--lang", "fr")
    assert fr["template"] == "templates/subject-letter/fr.md.j2" and fr["template_origin"] == "shipped"
    assert LETTERHEAD not in Path(fr["path"]).read_text()


def test_an_own_template_goes_through_the_same_sandbox(cli: Cli, assessed: str) -> None:
    own_letter(cli.home, "{% extends '_base.j2' %}{% block subject %}x{% endblock %}"
                         "{% block body %}{{ ''.__class__.__mro__ }}{% endblock %}")
    result = cli("draft", assessed, "subject-letter", "--lang", "en")
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "Traceback" not in result.output + result.stderr
    assert "subject-letter/en.md.j2" in result.stderr


def test_own_playbooks_are_listed_with_their_source_and_win_by_name(cli: Cli) -> None:
    folder = cli.home / "playbooks"
    folder.mkdir()
    gdpr = (REPO / "playbooks" / "gdpr.yaml").read_text()
    (folder / "gdpr.yaml").write_text(gdpr.replace("\ntitle: ", "\ntitle: ACME wording of ", 1))
    shutil.copy(REPO / "playbooks" / "gdpr.yaml", folder / "extra.yaml")
    (folder / "extra.yaml").write_text((folder / "extra.yaml").read_text().replace("name: gdpr", "name: extra", 1))
    books = {b["name"]: b for b in cli.json("playbook", "list")}
    assert books["gdpr"]["source"] == "data folder" and books["gdpr"]["title"].startswith("ACME wording of ")
    assert books["extra"]["source"] == "data folder"
    shown = cli.json("playbook", "show", "gdpr")
    assert shown["title"].startswith("ACME wording of ")


def test_without_own_files_everything_is_shipped(cli: Cli) -> None:
    books = cli.json("playbook", "list")
    assert [b["source"] for b in books] == ["shipped"] * len(books) and books


def test_an_invalid_own_playbook_is_refused_with_file_and_line(cli: Cli) -> None:
    folder = cli.home / "playbooks"
    folder.mkdir()
    (folder / "gdpr.yaml").write_text("name: gdpr\ntitle: broken\nsteps:\n  - id: x\n    type: nonsense\n")
    result = cli("playbook", "show", "gdpr")
    assert result.exit_code == 1
    assert f"{folder / 'gdpr.yaml'}:5" in result.stderr
