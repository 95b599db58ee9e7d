"""`breach report`: one self-contained HTML file; everything a responder typed is escaped."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import Cli
from test_cli_assess import answers_file

HOSTILE = 'Laptop <script>alert(1)</script><img src="https://evil.example/x.png"> {{ 7*7 }}'


class Links(HTMLParser):
    """Every tag and every src/href/xlink:href/action attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.refs += [v or "" for k, v in attrs if k in {"src", "href", "xlink:href", "action", "srcset"}]


def write(cli: Cli, iid: str, tmp_path: Path) -> str:
    out = tmp_path / "report.html"
    result = cli("report", iid, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "print" in result.stdout.lower() and "pdf" in result.stdout.lower()  # says how to print to PDF
    return out.read_text()


def test_report_has_an_inline_svg_chart_with_a_bar_per_obligation_and_every_id(cli: Cli, assessed: str,
                                                                                  tmp_path: Path) -> None:
    html = write(cli, assessed, tmp_path)
    obligations = [o["obligation"] for o in cli.json("show", assessed)["obligations"]]
    assert len(obligations) >= 3
    svg = re.search(r"<svg class=\"deadlines\".*?</svg>", html, re.S).group(0)
    bars = re.findall(r'<rect id="bar-([\w-]+)"', svg)
    assert sorted(bars) == sorted(obligations) and len(re.findall(r"<rect\b", svg)) == len(obligations)
    for o in obligations:
        assert o in html
    assert 'class="now"' in svg and "now 28 Nov 14:05" in svg  # the now line, in the responder's zone (CET)
    assert "Without a fixed deadline" in svg  # Art. 34(1) "without undue delay" is shown apart
    assert 'data-state="pending"' in svg and 'data-state="not_applicable"' in svg


def test_report_is_self_contained_and_escapes_what_a_responder_typed(cli: Cli, tmp_path: Path) -> None:
    iid = cli.json("open", "--title", HOSTILE, "--aware-at", "2026-11-28 09:00")["id"]
    assert cli("log", iid, "<b>bold</b> & <a href='https://evil.example'>link</a>").exit_code == 0
    html = write(cli, iid, tmp_path)
    page = Links()
    page.feed(html)
    assert page.refs == []  # no src, href or action at all: nothing fetched, nothing linked
    assert "script" not in page.tags and "img" not in page.tags and "a" not in page.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "{{ 7*7 }}" in html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp;" in html
    assert "url(" not in html and "@import" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert "@page { size: A4" in html  # prints on A4


def test_report_shows_the_risk_decision_with_enisa_factors_override_and_rationale(cli: Cli, tmp_path: Path) -> None:
    iid = cli.open()
    path = answers_file(tmp_path, risk_override="risk",
                        risk_override_reason="passwords were bcrypt-hashed & all reset")
    assert cli("assess", iid, "--answers", str(path), "--by", "DPO Jane").exit_code == 0
    assert cli("confirm-override", iid, "--as", "CISO Max").exit_code == 0  # issue 22: a second person
    html = write(cli, iid, tmp_path)
    enisa = re.search(r'<table class="enisa">.*?</table>', html, re.S).group(0)
    for factor in ("DPC", "EI", "CB", "SE"):
        assert f"<b>{factor}</b>" in enisa
    assert "3.0 → high" in enisa
    assert "Override by the responder:</b> risk (computed high); reason: passwords were bcrypt-hashed &amp; all" in html
    rationale = re.findall(r"<li>(.*?)</li>", re.search(r'<ol class="rationale">(.*?)</ol>', html, re.S).group(1))
    assessed = cli.json("show", iid)["assessment"]
    assert len(rationale) == len(assessed["rationale"]) and any("LOWERED" in line for line in rationale)
    assert "decided by CISO Max" in html or "DPO Jane" in html


def test_report_marks_corrected_times_and_shows_sources_drafts_timeline_and_verify(cli: Cli, assessed: str,
                                                                                    tmp_path: Path) -> None:
    assert cli("mark", assessed, "aware", "--at", "2026-11-28 08:30").exit_code == 0
    assert cli("draft", assessed, "sa-notification", "--lang", "fr").exit_code == 0
    sha = cli.json("review", assessed)[0]["sha256"]
    assert cli("review", "approve", assessed, "sa-notification", "--lang", "fr", "--version", "1",
               "--as", "M. Dupont").exit_code == 0
    html = write(cli, assessed, tmp_path)
    assert "2026-11-28 08:30 CET" in html and "corrected; first recorded 2026-11-28 09:00 CET" in html
    for o in cli.json("show", assessed)["obligations"]:
        assert o["source"].replace('"', "&#34;") in html
    drafts = re.search(r'<table class="drafts">.*?</table>', html, re.S).group(0)
    assert sha in drafts and "M. Dupont" in drafts and ">approved<" in drafts and "v1" in drafts
    timeline = re.search(r'<table class="timeline">.*?</table>', html, re.S).group(0)
    assert timeline.count("<tr>") == cli.json("show", assessed)["events"] + 1  # + the header row
    assert "sa-notification (fr) v1 approved by M. Dupont" in timeline
    assert "clock event aware at 2026-11-28 08:30 CET" in timeline  # times in the responder's zone
    head = cli.json("show", assessed)["head_hash"]
    assert "Verified:" in html and head in html


def test_report_says_when_the_chain_does_not_verify(cli: Cli, assessed: str, tmp_path: Path) -> None:
    import sqlite3

    db = sqlite3.connect(cli.home / "breach.db")
    db.execute("UPDATE events SET data = replace(data, 'DB', 'XX') WHERE seq = 1")
    db.commit()
    db.close()
    html = write(cli, assessed, tmp_path)
    assert "Verification FAILED:" in html and "NOT VERIFIED" in html


def test_report_of_an_unknown_incident_is_an_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("report", "BR-2026-0404", "--out", str(tmp_path / "r.html"))
    assert result.exit_code == 1 and result.stderr.startswith("Error: ")
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("module", ["breach.cli.report", "breach.cli.notices", "breach.cli.app"])
def test_the_web_and_word_libraries_load_only_when_used(module: str) -> None:
    code = (f"import sys, {module}; heavy = ('starlette', 'uvicorn', 'docx', 'jinja2', 'playwright', 'lxml');"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_report_times_are_in_the_responders_zone(cli: Cli, assessed: str, tmp_path: Path) -> None:
    out = tmp_path / "ny.html"
    result = cli("report", assessed, "--out", str(out), env={"BREACH_TZ": "America/New_York"})
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "times in America/New_York" in html and "2026-11-28 03:00 EST" in html  # aware 09:00 CET
    assert "now 28 Nov 08:05" in html and "Tue 01 Dec 03:00" in html  # the chart too
