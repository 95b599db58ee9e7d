"""Issue 25, "both roles in one incident": the controller's assessment of its own data and, beside it,
the processor's assessment of its customers' data (`breach assess ID --for-customers`), each with what
it moves. GDPR Art. 33(1) for the controller's own data, Art. 33(2) for the data it processes for others.
"""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from conftest import HIGH_RISK_ANSWERS
from test_customers import approve_notices, write_list

CUSTOMERS_NATURE = "An attacker read the conversations your end users held on our messaging platform."


def customers_answers(tmp_path: Path, role: str = "processor") -> Path:
    text = HIGH_RISK_ANSWERS.read_text()
    own = ("  en: An attacker took usernames, passwords and purchase history from the marketplace and published "
           "them online.")
    assert own in text
    text = text.replace(own, f"  en: {CUSTOMERS_NATURE}").replace("role: controller", f"role: {role}")
    text = text.replace("subjects_count: 80000", "subjects_count: 5000").replace(
        "records_count: 80000", "records_count: 5000").replace(
        "jurisdictions: {BE: 30000, FR: 30000, DE: 20000}", "jurisdictions: {BE: 3000, NL: 2000}")
    path = tmp_path / f"customers-{role}.yaml"
    path.write_text(text)
    return path


def test_the_customers_data_is_assessed_beside_the_incidents_own(cli, home: Path, assessed: str,
                                                                 tmp_path: Path) -> None:
    write_list(home / "customers.csv", 4)
    cli.json("scope", assessed, "--customers", "all")
    before = cli.json("show", assessed)
    due_before = {r["obligation"]: r["due_at"] for r in cli.json("status", assessed)}
    result = cli.json("assess", assessed, "--for-customers", "--answers", str(customers_answers(tmp_path)))
    assert result["for_customers"] is True and result["risk"] == "high"
    after = cli.json("show", assessed)
    # the incident's own assessment, scope and clocks stay as they were
    assert after["assessment"]["at"] == before["assessment"]["at"] and after["scope"] == before["scope"]
    assert {r["obligation"]: r["due_at"] for r in cli.json("status", assessed)} == due_before
    assert after["customers_assessment"]["answers"]["role"] == "processor"
    assert after["customers_assessment"]["answers"]["subjects_count"] == 5000
    assert "customers' data (processor, GDPR Art. 33(2)): risk high" in cli("show", assessed).stdout
    # the notice to the customers says what the assessment of their data found, the SA notice the incident's own
    controller_notice = Path(cli.json("draft", assessed, "controller-notice", "--lang", "en")["path"]).read_text()
    assert CUSTOMERS_NATURE in controller_notice and "marketplace" not in controller_notice
    sa_notice = Path(cli.json("draft", assessed, "sa-notification", "--lang", "en")["path"]).read_text()
    assert CUSTOMERS_NATURE not in sa_notice and "marketplace" in sa_notice
    approve_notices(cli, assessed, langs=("en", "fr", "nl", "de"))
    run = tmp_path / "run"
    cli.json("customers", "notify", assessed, "--out", str(run))
    message = email.message_from_bytes((run / "c0000.eml").read_bytes(), policy=email.policy.default)
    assert CUSTOMERS_NATURE in message.get_body(("plain",)).get_content()  # c0000 reads English


def test_for_customers_needs_customers_and_the_processor_role(cli, home: Path, assessed: str,
                                                             tmp_path: Path) -> None:
    refused = cli("assess", assessed, "--for-customers", "--answers", str(customers_answers(tmp_path)))
    assert refused.exit_code == 1 and "has no customers recorded" in refused.stderr
    write_list(home / "customers.csv", 2)
    cli.json("scope", assessed, "--customers", "all")
    controller = cli("assess", assessed, "--for-customers", "--answers",
                     str(customers_answers(tmp_path, role="controller")))
    assert controller.exit_code == 1 and "answer role: processor" in controller.stderr
    no_file = cli("assess", assessed, "--for-customers")
    assert no_file.exit_code == 1 and "--answers FILE" in no_file.stderr
    # a processor's answers given for the incident's own role say where they belong
    mixed = cli("assess", assessed, "--answers", str(customers_answers(tmp_path)))
    assert mixed.exit_code == 1 and "--for-customers" in mixed.stderr
