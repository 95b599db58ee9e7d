"""Word drafts: `breach draft --format docx` (a rendition of a stored version) and `--from FILE` (legal's edit back)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from conftest import Cli, high_risk_answer
from docx import Document

from breach.adapters import word
from breach.core.drafting import KINDS, PHASES, kind_langs
from breach.core.mdblocks import from_runs, parse, runs, to_markdown

#: Every (kind, language) a notice is shipped in (us-ca-letter: English only).
PAIRS = [(kind, lang) for kind in KINDS for lang in kind_langs(kind)]
FR_MARKER = "PROJET – non approuvé par le service juridique"


def docx_draft(cli: Cli, iid: str, kind: str = "sa-notification", lang: str = "fr") -> dict:
    return cli.json("draft", iid, kind, "--lang", lang, "--format", "docx")


def body_text(doc) -> str:  # noqa: ANN001
    return "\n".join(p.text for p in doc.paragraphs)


def test_draft_format_docx_writes_a_word_file_holding_the_french_notice(cli: Cli, assessed: str) -> None:
    result = docx_draft(cli, assessed)
    path = Path(result["docx_path"])
    assert path.suffix == ".docx" and path.stat().st_mode & 0o777 == 0o600
    doc = Document(str(path))
    text = body_text(doc)
    assert "Notification d'une violation de données à caractère personnel" in text
    assert "Autorité de protection des données" in text and "80\u00a0000" in text
    headings = [p for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0].style.name == "Heading 1" and {"Heading 2", "Heading 3"} <= {p.style.name for p in headings}
    assert any(p.style.name == "List Bullet" for p in doc.paragraphs)
    assert any(r.bold for p in doc.paragraphs for r in p.runs)  # "**Nom :**" kept as bold
    header = " ".join(p.text for p in doc.sections[0].header.paragraphs)
    footer = " ".join(p.text for p in doc.sections[0].footer.paragraphs)
    assert FR_MARKER in header  # the DRAFT marker as a page header until approved
    stored = cli.json("review", assessed)[0]
    assert f"v{stored['version']}" in footer and stored["sha256"] in footer
    # The approval binds the stored text, not the .docx bytes.
    assert stored["sha256"] == result["sha256"] != __import__("hashlib").sha256(path.read_bytes()).hexdigest()
    assert Path(result["path"]).read_text().startswith(f"# [{FR_MARKER}]")


def test_an_approved_version_renders_without_the_marker(cli: Cli, assessed: str) -> None:
    from breach.api import open_session
    from breach.services.word import docx_rendition

    docx_draft(cli, assessed)
    assert cli("review", "approve", assessed, "sa-notification", "--lang", "fr", "--version", "1",
               "--as", "M. Dupont").exit_code == 0
    with open_session(cli.home, write=False) as s:
        path = docx_rendition(s, assessed, "sa-notification", lang="fr", version=1)
    doc = Document(str(path))
    assert path.name.endswith(".v1.approved.docx")
    assert FR_MARKER not in " ".join(p.text for p in doc.sections[0].header.paragraphs) + body_text(doc)
    assert "approved by M. Dupont" in doc.sections[0].footer.paragraphs[0].text


def public_incident(cli: Cli, tmp_path: Path) -> str:
    """An incident whose letters would take disproportionate effort: a public notice instead (GDPR Art. 34(3)(c))."""
    import json

    from conftest import HIGH_RISK_ANSWERS

    from breach.adapters.yamlfiles import load_yaml

    answers = {**load_yaml(HIGH_RISK_ANSWERS), "data_items": ["name", "password", "account"],
               "disproportionate_effort": True, "disproportionate_effort_evidence": "Only user names are held."}
    path = tmp_path / "public.json"
    path.write_text(json.dumps(answers))
    iid = cli.open("public", "--aware-at", "2026-11-28 09:00")
    assert cli("assess", iid, "--answers", str(path)).exit_code == 0
    return iid


def test_every_shipped_notice_survives_word_and_back_unchanged(cli: Cli, assessed: str, tmp_path: Path) -> None:
    assert ("us-ca-letter", "en") in PAIRS and ("us-ca-letter", "fr") not in PAIRS
    public = public_incident(cli, tmp_path)  # a public notice only where Art. 34(3)(c) was found (issue 22)
    for kind, lang in PAIRS:
        # A notice to the authority reads differently in each phase (Art. 33(4)): each one goes to Word and back.
        for phase in PHASES if kind == "sa-notification" else (None,):
            iid = public if kind == "public-notice" else assessed
            drafted = cli.json("draft", iid, kind, "--lang", lang, *(("--phase", phase) if phase else ()))
            text = Path(drafted["path"]).read_text()
            out = word.write_docx(tmp_path / f"{kind}.{lang}.docx", parse(text), title=kind, marker="DRAFT",
                                  footer="f", keywords_="k", lang=lang)
            blocks, origin, _ = word.read_docx(out)
            assert to_markdown(parse(text)) == text, (kind, lang, phase)
            assert to_markdown(blocks) == text, (kind, lang, phase)


@pytest.mark.parametrize("line", ["**Nom :** Pieter", "*Document généré*", "a * b * c", "plain", "x **y** z",
                                  "2 * 3 = 6", "**a**b"])
def test_inline_runs_round_trip(line: str) -> None:
    assert from_runs(runs(line)) == line


def edit(path: Path, out: Path, old: str, new: str) -> Path:
    doc = Document(str(path))
    para = next(p for p in doc.paragraphs if old in p.text)
    for run in para.runs:
        run.text = run.text.replace(old, new)
    doc.save(str(out))
    return out


def measures_sentence(cli: Cli, iid: str, path: Path | None = None) -> str:
    """The measures taken as the French notice says them (the incident's answer, as drafted)."""
    sentence = high_risk_answer("measures_taken", "fr")
    path = path or Path(cli.json("review", iid)[0]["path"])
    assert sentence in path.read_text()
    return sentence


def test_legal_edit_comes_back_as_the_next_version_with_a_diff_and_the_same_gates(cli: Cli, assessed: str,
                                                                                   tmp_path: Path) -> None:
    first = docx_draft(cli, assessed)
    old = measures_sentence(cli, assessed, Path(first["path"]))
    new = "Mots de passe réinitialisés, sessions invalidées, publication retirée par l'hébergeur."
    edited = edit(Path(first["docx_path"]), tmp_path / "edited.docx", old, new)
    result = cli("draft", assessed, "sa-notification", "--lang", "fr", "--from", str(edited))
    assert result.exit_code == 0, result.output
    assert "v2 recorded from" in result.stdout and "edited from v1" in result.stdout
    rows = {r["version"]: r for r in cli.json("review", assessed)}
    assert rows[1]["state"] == "superseded" and rows[2]["state"] == "draft"
    assert new in Path(rows[2]["path"]).read_text() and old not in Path(rows[2]["path"]).read_text()
    diff = cli.json("review", "diff", assessed, "sa-notification", "--lang", "fr")["diff"]
    assert "-- **Mesures prises" in diff and "+- **Mesures prises" in diff and "publication retirée" in diff
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in {"+++", "---"}]
    assert len(changed) == 2  # exactly the line legal changed, before and after
    assert old in changed[0] and new in changed[1]
    # Same gates: a draft until approved; the approval binds the stored text's sha256.
    approved = cli.json("review", "approve", assessed, "sa-notification", "--lang", "fr", "--version", "2",
                        "--as", "M. Dupont")
    assert approved["sha256"] == rows[2]["sha256"]
    drafted = [e for e in cli.json("timeline", assessed) if e["kind"] == "drafted"][-1]
    assert drafted["data"]["edited_from"] == "edited.docx" and drafted["data"]["based_on"] == 1
    assert cli("verify", assessed).exit_code == 0
    # The same file again records nothing.
    again = cli("draft", assessed, "sa-notification", "--lang", "fr", "--from", str(edited))
    assert again.exit_code == 1 and "nothing to record" in again.stderr


def test_a_docx_with_unresolved_tracked_changes_is_refused(cli: Cli, assessed: str, tmp_path: Path) -> None:
    first = docx_draft(cli, assessed)
    doc = Document(first["docx_path"])
    para = next(p for p in doc.paragraphs if measures_sentence(cli, assessed) in p.text)
    ins = copy.deepcopy(para.runs[-1]._r)
    wrapper = para._p.makeelement("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}ins",
                                  {"{http://schemas.openxmlformats.org/wordprocessingml/2006/main}id": "1",
                                   "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}author": "Legal"})
    wrapper.append(ins)
    para._p.append(wrapper)
    tracked = tmp_path / "tracked.docx"
    doc.save(str(tracked))
    result = cli("draft", assessed, "sa-notification", "--lang", "fr", "--from", str(tracked))
    assert result.exit_code == 1
    assert "accept or reject the changes first" in result.stderr
    assert [r["version"] for r in cli.json("review", assessed)] == [1]


# As drafted (French typography: a narrow no-break space before the colon), or retyped by legal.
@pytest.mark.parametrize("space", ["\u202f", " ", "\u00a0"], ids=["as-drafted", "space", "no-break-space"])
def test_placeholders_left_in_an_edit_are_missing_content_and_block_approval(cli: Cli, assessed: str,
                                                                              tmp_path: Path, space: str) -> None:
    first = cli.json("draft", assessed, "sa-notification", "--lang", "fr")
    assert first["missing"] == []
    measures = measures_sentence(cli, assessed, Path(first["path"]))
    text = Path(first["path"]).read_text().replace(measures, f"[MANQUANT{space}: mesures prises — RGPD art. 33(3)(d)]")
    edited = tmp_path / "edited.md"
    edited.write_text(text)
    result = cli.json("draft", assessed, "sa-notification", "--lang", "fr", "--from", str(edited))
    assert result["missing"] == ["mesures prises — RGPD art. 33(3)(d)"]
    refused = cli("review", "approve", assessed, "sa-notification", "--lang", "fr", "--version", "2", "--as", "L")
    assert refused.exit_code == 1 and "--allow-missing" in refused.stderr
    strict = cli("draft", assessed, "sa-notification", "--lang", "fr", "--from", str(edited), "--strict")
    assert strict.exit_code == 1


def test_an_edit_that_dropped_the_draft_marker_gets_it_back(cli: Cli, assessed: str, tmp_path: Path) -> None:
    first = cli.json("draft", assessed, "sa-notification", "--lang", "fr")
    text = Path(first["path"]).read_text().replace(f"[{FR_MARKER}] ", "").replace("80\u00a0000", "80\u00a0001")
    edited = tmp_path / "edited.md"
    edited.write_text(text)
    result = cli.json("draft", assessed, "sa-notification", "--lang", "fr", "--from", str(edited))
    assert Path(result["path"]).read_text().startswith(f"# [{FR_MARKER}] Notification")


@pytest.mark.parametrize(("name", "content", "message"), [
    ("notes.pdf", b"%PDF", "takes a .docx or .md file"),
    ("broken.docx", b"not a zip", "is not a Word document"),
    ("missing.md", None, "no such file"),
])
def test_from_refuses_files_it_cannot_read(cli: Cli, assessed: str, tmp_path: Path, name: str,
                                           content: bytes | None, message: str) -> None:
    cli("draft", assessed, "sa-notification", "--lang", "fr")
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = cli("draft", assessed, "sa-notification", "--lang", "fr", "--from", str(path))
    assert result.exit_code == 1 and message in result.stderr


def test_a_docx_of_another_notice_is_refused(cli: Cli, assessed: str) -> None:
    other = docx_draft(cli, assessed, lang="de")
    cli("draft", assessed, "sa-notification", "--lang", "fr")
    result = cli("draft", assessed, "sa-notification", "--lang", "fr", "--from", other["docx_path"])
    assert result.exit_code == 1 and "sa-notification (de)" in result.stderr


@pytest.mark.parametrize("text", [
    "# Title\n\nPara one\nline two\n- tight bullet\n- second\n\n  - indented\n1. numbered\n2. next\n\n| a | b |\n",
    "Intro without heading\n\n## Sub\n- x\n",
])
def test_other_markdown_shapes_survive_word_and_back(tmp_path: Path, text: str) -> None:
    """Templates may grow numbered lists, tables or tight paragraphs (other branches edit them)."""
    out = word.write_docx(tmp_path / "n.docx", parse(text), title="t", marker=None, footer="f", keywords_="k",
                          lang="en")
    assert to_markdown(word.read_docx(out)[0]) == text


def test_a_docx_with_a_table_is_refused_rather_than_losing_it(cli: Cli, assessed: str, tmp_path: Path) -> None:
    first = docx_draft(cli, assessed)
    doc = Document(first["docx_path"])
    doc.add_table(rows=1, cols=2).cell(0, 0).text = "added by legal"
    path = tmp_path / "table.docx"
    doc.save(str(path))
    result = cli("draft", assessed, "sa-notification", "--lang", "fr", "--from", str(path))
    assert result.exit_code == 1 and "table" in result.stderr


def test_word_comments_are_not_recorded_and_the_responder_is_told(cli: Cli, assessed: str, tmp_path: Path) -> None:
    first = docx_draft(cli, assessed)
    old = measures_sentence(cli, assessed, Path(first["path"]))
    path = edit(Path(first["docx_path"]), tmp_path / "commented.docx", old, old.replace("demandé", "obtenu"))
    doc = Document(str(path))
    assert "Autorité de protection des données" in doc.paragraphs[1].text
    doc.add_comment(doc.paragraphs[1].runs, text="Is the DPA name right?", author="Legal")
    doc.save(str(path))
    result = cli("draft", assessed, "sa-notification", "--lang", "fr", "--from", str(path))
    assert result.exit_code == 0, result.output
    assert "1 Word comment(s) are not part of the notice" in result.stderr
    recorded = {r["version"]: r for r in cli.json("review", assessed)}[2]
    text = Path(recorded["path"]).read_text()
    assert "Is the DPA name right?" not in text and old.replace("demandé", "obtenu") in text
