"""Issue 25, the drill: playbooks/drills/platform-breach.yaml runs end to end at --speed 0 (as CI runs it).

A platform breach on the sample organization: 1,200 generated (seeded) customers in en/fr/nl/de with
24/36/48/72 h windows, some from detection; the organization is controller for its own users'
accounts and processor for the customers' conversations. The second batch of notices goes out at
T+46 h, so exactly the 48 h contracts counted from detection (due T+45 h) are late.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, Cli
from typer.testing import CliRunner

from breach.cli.app import app
from breach.core.customer_sample import generate, to_csv

SCENARIO = REPO / "playbooks" / "drills" / "platform-breach.yaml"


@pytest.fixture(scope="module")
def drilled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The drill's data folder and what it printed (run once for the module: 1,200 customers)."""
    home = tmp_path_factory.mktemp("platform") / "drill"
    result = CliRunner().invoke(app, ["drill", str(SCENARIO), "--speed", "0", "--home", str(home)])
    assert result.exit_code == 0, result.output
    return home, result.stdout


def test_the_generated_list_is_seeded_mixed_and_valid(drilled: tuple[Path, str]) -> None:
    home, _ = drilled
    rows = list(csv.DictReader((home / "customers.csv").open(encoding="utf-8")))
    assert len(rows) == 1200
    assert Counter(r["lang"] for r in rows) == {"en": 300, "fr": 300, "nl": 300, "de": 300}
    assert Counter(r["window_hours"] for r in rows) == {"24": 300, "36": 300, "48": 300, "72": 300}
    assert 0 < sum(r["window_from"] == "detected" for r in rows) < 1200
    # the same seed gives the very same file; another seed another list
    assert (home / "customers.csv").read_text(encoding="utf-8") == to_csv(
        generate(1200, seed=25, windows=(24, 36, 48, 72), detected_share=0.1))
    assert generate(50, seed=25) != generate(50, seed=26)
    runner = Cli(home)
    checked = runner.json("customers", "validate", str(home / "customers.csv"))
    assert checked["customers"] == 1200


def test_every_customer_is_told_in_its_language_and_recorded_at_its_time(drilled: tuple[Path, str]) -> None:
    home, out = drilled
    run = home / "customer-notices"
    entries = [json.loads(line) for line in (run / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(entries) == 1200 and len(list(run.glob("*.eml"))) == 1200
    langs = {r["id"]: r["lang"] for r in csv.DictReader((home / "customers.csv").open(encoding="utf-8"))}
    assert all(e["lang"] == langs[e["customer"]] for e in entries)
    assert "600 customer notices written" in out and "resumed, 600 already written" in out


def test_1200_contract_notices_all_met_the_late_ones_flagged(drilled: tuple[Path, str]) -> None:
    home, out = drilled
    rows = list(csv.DictReader((home / "customers.csv").open(encoding="utf-8")))
    expected_late = {f"contract-notice:{r['id']}" for r in rows
                     if r["window_hours"] == "48" and r["window_from"] == "detected"}
    register = Cli(home).json("register", "--format", "json")
    obligations = {o["obligation"]: o for o in register[0]["obligations"]}
    customers = {k: o for k, o in obligations.items() if k.startswith("contract-notice:")}
    assert len(customers) == 1200
    assert all(o["state"] in ("met", "late") and o["met_at"] for o in customers.values())
    assert {k for k, o in customers.items() if o["state"] == "late"} == expected_late
    assert f"1,200 of 1,200 customers notified ({len(expected_late)} late)" in out
    assert "LATE: contract-notice:" in out
    # the controller's own duty, met in the same incident
    assert obligations["gdpr-art33-sa"]["state"] == "met"


def test_both_roles_side_by_side_in_status_the_register_and_the_report(drilled: tuple[Path, str]) -> None:
    home, out = drilled
    status = [line for line in out.splitlines() if "customers due in" in line]
    assert status and "controller's 72-hour clock (GDPR Art. 33(1)): pending" in " ".join(out.split())
    register = (home / "register.md").read_text(encoding="utf-8")
    assert "gdpr-art33-sa: met" in register and register.count("contract-notice:c") == 1200
    report = (home / "report.html").read_text(encoding="utf-8")
    assert 'id="customers"' in report and "GDPR Art. 33(1)" in report
    assert report.count('class="customer-row') == 1200


def test_the_register_puts_the_controllers_clock_beside_the_customers(drilled: tuple[Path, str]) -> None:
    home, _ = drilled
    rows = list(csv.DictReader((home / "customers.csv").open(encoding="utf-8")))
    late = sum(1 for r in rows if r["window_hours"] == "48" and r["window_from"] == "detected")
    register = (home / "register.md").read_text(encoding="utf-8")
    lead = next(line for line in register.splitlines() if line.startswith("- **customers and the controller's"))
    assert f"1,200 customers (GDPR Art. 33(2), contract windows): {1200 - late:,} notified within their window, " \
           f"{late} late, 0 not yet notified" in lead
    assert "controller's 72-hour clock (GDPR Art. 33(1)) gdpr-art33-sa: met, due " in lead
    # each customer's notice time against its window
    c = next(line for line in register.splitlines() if "contract-notice:c0001:" in line)
    assert ", due " in c and ", met " in c


def test_the_report_leads_with_the_customers_and_lists_each(drilled: tuple[Path, str]) -> None:
    home, _ = drilled
    report = (home / "report.html").read_text(encoding="utf-8")
    lead, deadlines = report.index('id="customers"'), report.index('id="deadlines"')
    assert lead < deadlines  # the first day leads
    first = report[lead:deadlines]
    assert "1,200 of 1,200 customers notified" in first and 'id="controller-duty"' in first
    assert "gdpr-art33-sa" in first and "48 h from detection" in first and "late</span>" in first
    full = report[report.index('id="customer-notices"'):report.index('id="drafts"')]
    assert full.count('class="customer-row') == 1200 and "LATE: " in full
    # one chart bar per window, not one per customer; the obligations table without the 1,200
    assert report.count('class="row" data-obligation="contract-notice:') == 8
    assert 'id="obligation-contract-notice:' not in report
