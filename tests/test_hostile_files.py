"""Issue 23, input and files: paths derived not trusted, --out onto special files, limits, one Error line."""

from __future__ import annotations

import os
import socket
import sqlite3
import stat
from pathlib import Path

import pytest
from conftest import Cli


def one_error_line(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


# --- paths are derived, never trusted --------------------------------------------------------


@pytest.mark.parametrize("stored", ["{tmp}/x.sh", "../../x.sh"])
def test_a_stored_draft_path_never_decides_where_verify_writes(cli: Cli, home: Path, assessed: str,
                                                                tmp_path: Path, stored: str) -> None:
    drafted = cli.json("draft", assessed, "subject-letter")
    real = Path(drafted["path"])
    target = stored.format(tmp=tmp_path)
    conn = sqlite3.connect(home / "breach.db")
    with conn:
        conn.execute("UPDATE drafts SET path = ?", [target])
    conn.close()
    real.unlink()
    result = cli("verify", assessed)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "x.sh").exists() and not (home / target).resolve().exists()
    assert real.is_file() and "rendered again" in result.stdout  # where the draft lives, derived


def test_a_draft_row_with_a_language_edited_to_a_path_is_refused(cli: Cli, home: Path, assessed: str,
                                                                  tmp_path: Path) -> None:
    cli.json("draft", assessed, "subject-letter")
    conn = sqlite3.connect(home / "breach.db")
    with conn:
        conn.execute("UPDATE drafts SET lang = '../../../x'")
    conn.close()
    result = cli("verify", assessed)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert not list(tmp_path.rglob("x.*.md"))


# --- --out: a regular file or a new name, nothing else --------------------------------------


def _fifo(tmp_path: Path) -> Path:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    return fifo


def _device(tmp_path: Path) -> Path:
    """A character device to aim --out at: as root, a private one (a broken build must never replace the
    machine's /dev/full); otherwise /dev/full itself, which only root could replace."""
    if os.geteuid() != 0:
        return Path("/dev/full")
    device = tmp_path / "full"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    return device


@pytest.mark.parametrize("special", ["device", "fifo", "socket", "folder"])
@pytest.mark.parametrize("command", ["report", "calendar", "export", "register"])
def test_out_onto_a_special_file_is_refused(cli: Cli, assessed: str, tmp_path: Path, special: str,
                                           command: str) -> None:
    if special == "fifo":
        target = _fifo(tmp_path)
    elif special == "socket":
        target = tmp_path / "s.sock"
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(target))
    elif special == "folder":
        target = tmp_path / "dir"
        target.mkdir()
    else:
        target = _device(tmp_path)
    before = os.lstat(target).st_mode
    args = {"report": ["report", assessed], "calendar": ["calendar"], "export": ["export", assessed],
            "register": ["register"]}[command]
    line = one_error_line(cli(*args, "--out", str(target)))
    assert str(target) in line
    assert os.lstat(target).st_mode == before  # the device, pipe or socket is still there
    assert stat.S_ISCHR(before) or not stat.S_ISREG(os.lstat(target).st_mode)


@pytest.mark.parametrize("command", ["report", "calendar", "export", "register"])
def test_out_empty_is_one_error_line(cli: Cli, assessed: str, command: str) -> None:
    args = {"report": ["report", assessed], "calendar": ["calendar"], "export": ["export", assessed],
            "register": ["register"]}[command]
    line = one_error_line(cli(*args, "--out", ""))
    assert "file name" in line


def test_out_onto_a_regular_file_or_a_new_name_still_works(cli: Cli, assessed: str, tmp_path: Path) -> None:
    existing = tmp_path / "r.html"
    existing.write_text("old")
    assert cli("report", assessed, "--out", str(existing)).exit_code == 0
    assert existing.read_text() != "old"
    assert cli("calendar", "--out", str(tmp_path / "new" / "c.ics")).exit_code == 0


# --- 0600 whatever the umask ----------------------------------------------------------------


def test_every_file_breach_writes_is_0600_under_umask_000(tmp_path: Path) -> None:
    from conftest import Cli as Runner
    from typer.testing import CliRunner

    from breach.cli.app import app

    old = os.umask(0)
    try:
        home = tmp_path / "incidents"
        assert CliRunner().invoke(app, ["init", "--home", str(home)]).exit_code == 0
        cli = Runner(home)
        iid = cli.open("Umask")
        drafted = cli.json("draft", iid, "subject-letter")
        assert cli("report", iid, "--out", str(tmp_path / "r.html")).exit_code == 0
        assert cli("register", "--out", str(tmp_path / "reg.md")).exit_code == 0
        files = [home / "organization.yaml", Path(drafted["path"]), tmp_path / "r.html", tmp_path / "reg.md"]
        assert {f.name: oct(stat.S_IMODE(f.stat().st_mode)) for f in files} == {f.name: "0o600" for f in files}
    finally:
        os.umask(old)


# --- one sanitizer for people, Markdown that user text cannot structure ---------------------

EVIL = "Evil\x1b]0;pwned\x07\x1b[2J\x00title\n## BR-2026-9999: forged\n- item"


@pytest.mark.parametrize("fmt", ["md", "csv"])
def test_register_shows_no_escape_and_no_forged_heading(cli: Cli, fmt: str) -> None:
    cli.open("placeholder")
    assert cli("edit", "BR-2026-0001", "--title", EVIL).exit_code == 0
    out = cli("register", "--format", fmt).stdout
    assert "\x1b" not in out and "\x00" not in out and "\x07" not in out
    if fmt == "md":
        assert [line for line in out.splitlines() if line.startswith("## ")] == [
            next(line for line in out.splitlines() if line.startswith("## BR-2026-0001"))]
        assert "\n- item" not in out


def test_register_md_written_to_a_file_has_no_forged_heading(cli: Cli, tmp_path: Path) -> None:
    cli.open(EVIL)
    assert cli("register", "--out", str(tmp_path / "r.md")).exit_code == 0
    text = (tmp_path / "r.md").read_text()
    assert sum(line.startswith("## ") for line in text.splitlines()) == 1 and "\x1b" not in text


def test_edit_title_confirmation_has_no_escape(cli: Cli) -> None:
    iid = cli.open("plain")
    result = cli("edit", iid, "--title", "x\x1b[2Jy\x07")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "x[2Jy" not in result.stdout


def test_home_error_has_no_escape(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from breach.cli.app import app

    result = CliRunner().invoke(app, ["status", "--home", str(tmp_path / "no\x1b]0;x\x07where")])
    line = one_error_line(result)
    assert "\x1b" not in line and "\x07" not in line


def test_review_diff_of_an_imported_md_has_no_escape(cli: Cli, assessed: str, tmp_path: Path) -> None:
    drafted = cli.json("draft", assessed, "subject-letter")
    edited = tmp_path / "edited.md"
    edited.write_text(Path(drafted["path"]).read_text() + "\nInjected \x1b]0;owned\x07 \x1b[31mred\n")
    imported = cli("draft", assessed, "subject-letter", "--from", str(edited))
    assert imported.exit_code == 0, imported.output
    out = cli("review", "diff", assessed, "subject-letter").stdout
    assert "Injected" in out and "\x1b" not in out and "\x07" not in out


# --- the database URL: one Error line, never the password ------------------------------------


@pytest.mark.parametrize("url", [
    "host=db.example.org password=KvSECRET dbname=breach",
    "host=db.example.org password='KvSECRET x' dbname=breach",
    "postgresql://u:KvSECRET@db.example.org:99999/breach",
    "postgresql://u:KvSECRET@[::1/breach",
    "postgresql://u:Kv/SECRET@db.example.org/breach",
    "postgresql://u:Kv#SECRET@db.example.org/breach",
    "postgresql://u:Kv?SECRET@db.example.org/breach",
    "postgresql://u:KvSECRET@db.example.org:port/breach",
])
def test_a_bad_database_url_is_one_error_line_without_the_password(home: Path, url: str) -> None:
    from typer.testing import CliRunner

    from breach.cli.app import app

    result = CliRunner().invoke(app, ["--database-url", url, "list", "--home", str(home)])
    line = one_error_line(result)
    assert "SECRET" not in result.output and "KvS" not in result.output, line


def test_mask_url_never_shows_a_password_in_any_form() -> None:
    from breach.adapters.dburl import mask_url

    for url in ["host=h password=KvSECRET dbname=d", "postgresql://u:KvSECRET@h/d", "postgresql://u:Kv/SECRET@h/d",
                "postgresql://u:Kv@SECRET@h/d", "postgresql://u:KvSECRET@[::1/d", "postgresql://h/d?password=KvSECRET"]:
        assert "SECRET" not in mask_url(url), url
    assert mask_url("postgresql://u:pw@db.example.org:5433/breach") == "postgresql://u:***@db.example.org:5433/breach"


# --- an impossible unquoted YAML date: one Error line everywhere -----------------------------

REPO = Path(__file__).resolve().parents[1]


def _with_bad_date(source: Path, target: Path, after: str) -> Path:
    """`source` with an unquoted impossible date added right after the first line starting with `after`."""
    lines = source.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(after))
    lines.insert(at + 1, "reviewed_on: 2026-13-45")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


@pytest.mark.parametrize("command", [["status"], ["list"], ["show", "BR-2026-0001"], ["log", "BR-2026-0001", "x"]])
def test_profile_with_an_impossible_date(cli: Cli, home: Path, command: list[str]) -> None:
    cli.open("before the edit")
    profile = home / "organization.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + "reviewed_on: 2026-13-45\n", encoding="utf-8")
    assert "2026-13-45" in one_error_line(cli(*command))


def test_answers_with_an_impossible_date(cli: Cli, tmp_path: Path) -> None:
    iid = cli.open("answers")
    answers = tmp_path / "a.yaml"
    answers.write_text("breach_ended_at: 2026-13-45\n")
    assert "2026-13-45" in one_error_line(cli("assess", iid, "--answers", str(answers)))


def test_playbook_regimes_and_drill_with_an_impossible_date(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from breach.cli.app import app

    playbook = _with_bad_date(REPO / "playbooks" / "gdpr.yaml", tmp_path / "p.yaml", "name")
    result = CliRunner().invoke(app, ["playbook", "validate", str(playbook)])
    assert result.exit_code == 1 and "Traceback" not in result.output and "2026-13-45" in result.stderr
    regimes = tmp_path / "regimes"
    regimes.mkdir()
    _with_bad_date(REPO / "breach" / "resources" / "regimes" / "au-ndb.yaml", regimes / "au-ndb.yaml", "regime")
    result = CliRunner().invoke(app, ["regimes", "validate", str(regimes)])
    assert result.exit_code == 1 and "Traceback" not in result.output and "2026-13-45" in result.stderr
    drill = _with_bad_date(REPO / "playbooks" / "drills" / "misdirected-email.yaml", tmp_path / "d.yaml", "name")
    result = CliRunner().invoke(app, ["drill", str(drill), "--speed", "0", "--home", str(tmp_path / "drill")])
    assert "2026-13-45" in one_error_line(result)


def test_serve_on_port_70000_is_one_error_line(home: Path) -> None:
    from typer.testing import CliRunner

    from breach.cli.app import app

    assert "70000" in one_error_line(CliRunner().invoke(app, ["serve", "--port", "70000", "--home", str(home)]))


def test_verify_chain_script_without_an_argument_is_one_error_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = REPO / "docs" / "verify_chain.py"
    result = subprocess.run([sys.executable, "-I", str(script)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1
    missing = subprocess.run([sys.executable, "-I", str(script), "nothing.json"], capture_output=True, text=True,
                             cwd=tmp_path)
    assert missing.returncode == 1 and missing.stderr.startswith("Error: ") and "Traceback" not in missing.stderr


# --- imports capped before parsing -------------------------------------------------------------


def _docx_with_empty_paragraphs(source: Path, target: Path, empty: int) -> Path:
    """`source` (a real .docx) with `empty` empty paragraphs added to its body."""
    import zipfile

    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + b"<w:p/>" * empty, 1)
            zout.writestr(info, data)
    return target


@pytest.mark.parametrize("empty", [20_000, 5_000_000])
def test_a_docx_with_masses_of_empty_paragraphs_is_refused_before_parsing(cli: Cli, assessed: str, tmp_path: Path,
                                                                         empty: int) -> None:
    cli.json("draft", assessed, "subject-letter")
    exported = cli.json("draft", assessed, "subject-letter", "--format", "docx")
    docx = _docx_with_empty_paragraphs(Path(exported["docx_path"]), tmp_path / "edited.docx", empty)
    assert docx.stat().st_size < 200_000
    line = one_error_line(cli("draft", assessed, "subject-letter", "--from", str(docx)))
    assert "paragraphs" in line or "unpacks to" in line
    assert [r["version"] for r in cli.json("review", assessed)] == [1]  # nothing recorded


def test_a_huge_md_import_is_refused(cli: Cli, assessed: str, tmp_path: Path) -> None:
    cli.json("draft", assessed, "subject-letter")
    md = tmp_path / "edited.md"
    md.write_text("# Notice\n" + "\n" * 2_000_000)
    assert "larger than" in one_error_line(cli("draft", assessed, "subject-letter", "--from", str(md)))


# --- evidence is kept -----------------------------------------------------------------------------


def test_a_re_approval_keeps_the_edited_approved_file_and_verify_names_it(cli: Cli, assessed: str) -> None:
    assert cli("draft", assessed, "sa-notification", "--lang", "fr").exit_code == 0
    first = cli.json("review", "approve", assessed, "sa-notification", "--lang", "fr", "--version", "1",
                     "--as", "legal")
    path = Path(first["final_path"])
    original = path.read_text()
    path.write_text(original + "\nP.S. nothing happened.\n")
    again = cli("review", "approve", assessed, "sa-notification", "--lang", "fr", "--version", "1", "--as", "legal")
    assert again.exit_code == 0, again.output
    kept = [p for p in path.parent.iterdir() if p.name.startswith(path.name + ".edited-")]
    assert len(kept) == 1 and kept[0].read_text().endswith("P.S. nothing happened.\n")
    assert path.read_text() == original
    result = cli("verify", assessed)
    assert kept[0].name in result.stdout
