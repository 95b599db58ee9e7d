"""The report states the computed risk and the responder's override apart: level, reason, who (issue 20)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import yaml
from conftest import REPO, Cli

#: WP250 example 7 (an authorisation flaw showed account details to other users), as the controller: risk.
EXAMPLE7 = REPO / "tests" / "data" / "wp250" / "example07.yaml"


def report(cli: Cli, iid: str, tmp_path: Path) -> str:
    out = tmp_path / "report.html"
    assert cli("report", iid, "--out", str(out)).exit_code == 0
    return out.read_text()


def text_of(page: str, pattern: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", re.search(pattern, page, re.S).group(0))).split())


def test_an_override_to_high_over_a_computed_risk_shows_both_with_reason_and_who(cli: Cli, tmp_path: Path) -> None:
    answers = {k: v for k, v in yaml.safe_load(EXAMPLE7.read_text()).items() if k not in {"source", "expected"}}
    answers.update(role="controller", mitigated_high_risk=False, disproportionate_effort=False,
                   subject_categories=["customers"], data_items=["name", "email"],
                   risk_override="high", risk_override_reason={"en": "the customers are journalists",
                                                               "fr": "les clients sont des journalistes"})
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers, allow_unicode=True))
    iid = cli.open()
    done = cli("assess", iid, "--answers", str(path), "--as", "DPO Jane")
    assert done.exit_code == 0, done.output
    assessed = cli.json("show", iid)["assessment"]
    assert (assessed["computed_risk"], assessed["risk"]) == ("risk", "high")
    page = report(cli, iid, tmp_path)
    header = text_of(page, r'<div class="sub">.*?</div>')
    assert "risk high , an override by DPO Jane of the computed risk risk" in header
    computed = text_of(page, r'<p id="risk-computed">.*?</p>')
    assert computed.startswith("Computed GDPR risk risk (ENISA severity")
    assert "Override: high , by DPO Jane on 2026-11-28 14:05 CET; reason: the customers are journalists." in computed
    assert "{'" not in page and "None" not in computed
    timeline = text_of(page, r'<table class="timeline">.*?</table>')
    assert "assessed: risk high (override by DPO Jane of the computed risk: the customers are journalists)" in timeline


def test_without_an_override_the_report_says_the_computed_risk_stands(cli: Cli, assessed: str,
                                                                       tmp_path: Path) -> None:
    page = report(cli, assessed, tmp_path)
    assert "risk high as computed" in text_of(page, r'<div class="sub">.*?</div>')
    computed = text_of(page, r'<p id="risk-computed">.*?</p>')
    assert "Computed GDPR risk high" in computed and "No override: the computed risk stands." in computed
    assert 'id="risk-override"' not in page
