"""Regimes as data: shipped rules validate, clocks give hand-computed due times, states."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from breach.adapters import rules as rule_files
from breach.adapters.resources import CHECKOUT as ROOT
from breach.adapters.rules import NOT_REGIME_FILES, load_directory, load_rules
from breach.adapters.yamlfiles import load_yaml
from breach.core import regimes
from breach.core.models import Notification
from breach.core.profile import Profile
from breach.core.regimes import Facts, deadline_for
from breach.core.us_state_laws import validate as validate_us_state_laws
from breach.errors import NotFoundError, ValidationError

DATA = Path(__file__).parent / "data" / "regimes"
ORG = load_yaml(ROOT / "incidents" / "organization.yaml")
T0 = datetime.fromisoformat("2026-03-28T10:00:00+01:00")  # Saturday before the EU DST change
HIGH = {"risk": "high", "notify_sa": True, "notify_subjects": True, "public_communication": False, "exemption": None}
RISK = {"risk": "risk", "notify_sa": True, "notify_subjects": False, "public_communication": False, "exemption": None}
UNLIKELY = {"risk": "unlikely", "notify_sa": False, "notify_subjects": False, "public_communication": False}


def obligations(facts: Facts, *, now: datetime) -> list[regimes.Obligation]:
    return regimes.obligations(facts, now=now, rules=load_rules())


def find_rule(rule_id: str) -> regimes.Rule:
    return regimes.find_rule(rule_id, load_rules(), directory=load_directory())


def is_late(rule_id: str, facts: Facts, at: datetime) -> bool:
    return regimes.is_late(rule_id, facts, at, rules=load_rules())


def t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def make_facts(*, regimes_: list[str] | None = None, **kw) -> Facts:
    org = ORG if regimes_ is None else {**ORG, "regimes": regimes_}
    kw.setdefault("role", "controller")
    kw.setdefault("aware_at", T0)
    if "notifications" in kw:  # written as dicts here; the fold gives Notification records
        kw["notifications"] = {rule: tuple(notice(rule, n) for n in ns) for rule, ns in kw["notifications"].items()}
    return Facts(org=Profile.of(org), directory=load_directory(), **kw)


def notice(rule: str, n: dict) -> Notification:
    return Notification(obligation=rule, at=n["at"], recorded_at=n["at"], by="test", phase=n.get("phase") or "final",
                        reference=n.get("reference"), reasons_for_delay=n.get("reasons_for_delay"))


def by_id(obs: list[regimes.Obligation]) -> dict[str, regimes.Obligation]:
    return {o.rule_id: o for o in obs}


# --- the shipped data -------------------------------------------------------------------

REQUIRED_IDS = [
    "gdpr-art33-sa", "gdpr-art33-processor", "gdpr-art33-followup", "gdpr-art34-subjects", "uk-gdpr-ico",
    "us-ca-residents", "us-ca-ag", "nis2-early-warning", "nis2-notification", "nis2-final", "dora-initial",
    "dora-intermediate", "dora-final", "eprivacy-611-authority", "br-lgpd-anpd", "br-lgpd-subjects",
    "hipaa-individuals", "hipaa-media", "hipaa-hhs", "hipaa-hhs-annual", "sec-8k-item105", "nydfs-500-17",
    "kr-pipa-pipc", "sg-pdpa-pdpc", "us-wa-residents", "us-fl-residents", "us-tx-residents", "us-co-residents",
    "us-ny-residents",
]  # fmt: skip


def test_shipped_regimes__validate() -> None:
    assert rule_files.validate_folder(rule_files.REGIME_DIR) == []
    for path in sorted(rule_files.REGIME_DIR.glob("*.yaml")):
        if path.name in NOT_REGIME_FILES:  # a data table beside the regimes (issue 24), validated by its own loader
            assert validate_us_state_laws(yaml.safe_load(path.read_text(encoding="utf-8"))) == [], path
            continue
        assert rule_files.validate_file(path) == [], path


@pytest.mark.parametrize("rule_id", REQUIRED_IDS)
def test_shipped_regimes__have_rule(rule_id: str) -> None:
    rule = find_rule(rule_id)
    assert "[S" in rule.source, "every rule cites its regimes.md source"


def test_shipped_regimes__california_first_among_states() -> None:
    states = [r.id for r in rule_files.load_rules() if r.regime == "us-states"]
    assert states[:2] == ["us-ca-residents", "us-ca-ag"]


@pytest.mark.parametrize(
    ("rule_id", "status"),
    [
        ("gdpr-art33-sa", "confirmed-primary"),
        ("gdpr-art34-subjects", "confirmed-secondary"),
        ("nis2-final", "confirmed-secondary"),
        ("dora-initial", "confirmed-primary"),
        ("dora-clients", "unconfirmed"),
        ("us-co-residents", "partial"),
        ("us-co-ag", "unconfirmed"),
        ("us-la-ag", "unconfirmed"),
        ("us-ri-residents", "partial"),
        ("us-ca-residents", "confirmed-secondary"),
        ("hipaa-media", "confirmed-primary"),
    ],
)
def test_shipped_regimes__keep_reference_status(rule_id: str, status: str) -> None:
    assert find_rule(rule_id).status == status


def test_import__does_not_load_holidays() -> None:
    code = "import sys, breach.adapters.rules as r; r.load_rules(); print('holidays' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


# --- validation of malformed files --------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        (12, "unknown unit 'fortnights'"),
        (13, "unknown key 'deadline_hint'"),
        (18, "status must be one of"),
        (21, "unknown operator 'more than'"),
        (22, "unknown rule 'no-such-rule'"),
        (24, "missing the key 'source'"),
        (24, "missing the key 'binding'"),
        (28, "unknown start event 'noticed'"),
        (29, "business_days needs a holiday calendar"),
    ],
)
def test_validate_file__reports_line(line: int, fragment: str) -> None:
    problems = rule_files.validate_file(DATA / "bad-rule.yaml")
    assert any(p.line == line and fragment in p.message for p in problems), problems
    assert all(p.path.endswith("bad-rule.yaml") for p in problems)


def test_validate_file__duplicate_yaml_key() -> None:
    [problem] = rule_files.validate_file(DATA / "duplicate-key.yaml")
    assert (problem.line, "duplicate key 'period'" in problem.message) == (12, True)


def test_validate_folder__duplicate_ids_across_files() -> None:
    [problem] = rule_files.validate_folder(DATA / "duplicate-ids")
    assert problem.path.endswith("two.yaml") and problem.line == 4
    assert "duplicate rule id 'shared-id'" in problem.message and "one.yaml:4" in problem.message


def test_load_rules__malformed_folder_raises_with_file_and_line() -> None:
    with pytest.raises(ValidationError) as info:
        rule_files.load_rules(DATA)
    assert "bad-rule.yaml:21: unknown operator" in str(info.value)
    assert "duplicate-key.yaml:12" in str(info.value)


def test_load_rules__reads_an_edited_file_again(tmp_path: Path) -> None:
    text = (DATA / "duplicate-ids" / "one.yaml").read_text()
    (tmp_path / "one.yaml").write_text(text)
    assert [r.id for r in rule_files.load_rules(tmp_path)] == ["shared-id"]
    (tmp_path / "one.yaml").write_text(text.replace("shared-id", "renamed-id") + "\n")
    assert [r.id for r in rule_files.load_rules(tmp_path)] == ["renamed-id"]


# --- due times: hand-computed literals ----------------------------------------------------

DUE_TABLE = [
    # GDPR Art. 33(1): 72 elapsed hours across the EU DST change (29 March 2026).
    ("gdpr-art33-sa", {"aware_at": "2026-03-28T10:00:00+01:00"}, "2026-03-31T11:00:00+02:00"),
    ("uk-gdpr-ico", {"aware_at": "2026-06-01T09:00:00+01:00"}, "2026-06-04T09:00:00+01:00"),
    # NIS2 24 h across the DST end (25 October 2026).
    ("nis2-early-warning", {"aware_at": "2026-10-24T12:00:00+02:00"}, "2026-10-25T11:00:00+01:00"),
    ("nis2-notification", {"aware_at": "2026-05-04T08:00:00+02:00"}, "2026-05-07T08:00:00+02:00"),
    # NIS2 final: one month after the notification was submitted; 31 Jan -> 28 Feb.
    ("nis2-final", {"submitted:nis2-notification": "2026-01-31T10:00:00+01:00"}, "2026-02-28T10:00:00+01:00"),
    # DORA initial: 4 h after classification, capped at 24 h after awareness (both ways).
    (
        "dora-initial",
        {"aware_at": "2026-05-04T08:00:00+02:00", "classified_major": "2026-05-04T10:00:00+02:00"},
        "2026-05-04T14:00:00+02:00",
    ),
    (
        "dora-initial",
        {"aware_at": "2026-05-04T08:00:00+02:00", "classified_major": "2026-05-05T06:00:00+02:00"},
        "2026-05-05T08:00:00+02:00",
    ),
    ("dora-intermediate", {"submitted:dora-initial": "2026-05-04T13:30:00+02:00"}, "2026-05-07T13:30:00+02:00"),
    ("dora-final", {"submitted:dora-intermediate": "2026-05-07T13:30:00+02:00"}, "2026-06-07T13:30:00+02:00"),
    ("eprivacy-611-authority", {"detected_at": "2026-02-10T23:30:00+01:00"}, "2026-02-11T23:30:00+01:00"),
    # LGPD: 3 Brazilian working days from Friday 17 April; Tiradentes (Tue 21 April) skipped.
    ("br-lgpd-anpd", {"aware_at": "2026-04-17T10:00:00-03:00"}, "2026-04-23T10:00:00-03:00"),
    ("br-lgpd-subjects", {"aware_at": "2026-04-17T15:00:00+02:00"}, "2026-04-23T10:00:00-03:00"),
    ("hipaa-individuals", {"discovered": "2026-09-01T09:00:00-04:00"}, "2026-10-31T09:00:00-04:00"),
    ("hipaa-hhs", {"discovered": "2026-09-01T09:00:00-04:00"}, "2026-10-31T09:00:00-04:00"),
    # < 500: 60 days after the end of the calendar year of discovery (1 Jan + 60 = 2 Mar 00:00).
    ("hipaa-hhs-annual", {"discovered": "2026-09-01T09:00:00-04:00"}, "2027-03-02T00:00:00-05:00"),
    # SEC: 4 US federal business days from Tue 24 Nov 2026; Thanksgiving (26 Nov) skipped.
    ("sec-8k-item105", {"determined_material": "2026-11-24T16:00:00-05:00"}, "2026-12-01T16:00:00-05:00"),
    ("nydfs-500-17", {"determined": "2026-07-01T09:00:00-04:00"}, "2026-07-04T09:00:00-04:00"),
    ("kr-pipa-pipc", {"aware_at": "2026-03-01T09:00:00+09:00"}, "2026-03-04T09:00:00+09:00"),
    ("sg-pdpa-pdpc", {"assessed_notifiable": "2026-02-27T15:00:00+08:00"}, "2026-03-02T15:00:00+08:00"),
    ("us-ca-residents", {"discovered": "2026-01-10T09:00:00-08:00"}, "2026-02-09T09:00:00-08:00"),
    ("us-ca-residents", {"aware_at": "2026-01-10T09:00:00-08:00"}, "2026-02-09T09:00:00-08:00"),
    # CA AG: 15 calendar days after notifying the individuals.
    ("us-ca-ag", {"submitted:us-ca-residents": "2026-02-05T12:00:00-08:00"}, "2026-02-20T12:00:00-08:00"),
    ("us-wa-ag", {"discovered": "2026-01-10T09:00:00-08:00"}, "2026-02-09T09:00:00-08:00"),
    ("us-tx-residents", {"determined": "2026-06-01T10:00:00-05:00"}, "2026-07-31T10:00:00-05:00"),
    ("us-tx-ag", {"determined": "2026-06-01T10:00:00-05:00"}, "2026-07-01T10:00:00-05:00"),
    # 60 days keep the local clock time across the US DST change (8 March 2026).
    ("us-ct-residents", {"discovered": "2026-03-02T09:00:00-05:00"}, "2026-05-01T09:00:00-04:00"),
    ("us-ct-ag", {"discovered": "2026-03-02T09:00:00-05:00"}, "2026-05-01T09:00:00-04:00"),
    ("us-ct-ag", {"discovered": "2026-03-02T09:00:00-05:00", "submitted:us-ct-residents": "2026-04-10T12:00:00-04:00"},
     "2026-04-10T12:00:00-04:00"),
    # VT AG: 14 business days (Thanksgiving skipped) or the consumer notice, whichever is sooner.
    ("us-vt-ag", {"discovered": "2026-11-18T09:00:00-05:00"}, "2026-12-09T09:00:00-05:00"),
    ("us-vt-ag", {"discovered": "2026-11-18T09:00:00-05:00", "submitted:us-vt-residents": "2026-11-25T10:00:00-05:00"},
     "2026-11-25T10:00:00-05:00"),
    # IA AG: 5 business days after the consumer notice; 3 July 2026 (Independence Day observed) skipped.
    ("us-ia-ag", {"submitted:us-ia-residents": "2026-07-02T10:00:00-05:00"}, "2026-07-10T10:00:00-05:00"),
]  # fmt: skip


@pytest.mark.parametrize(("rule_id", "given", "expected"), DUE_TABLE)
def test_deadline_for__hand_computed(rule_id: str, given: dict[str, str], expected: str) -> None:
    fields = {k: t(v) for k, v in given.items() if k in ("aware_at", "detected_at")}
    events = {k: t(v) for k, v in given.items() if k not in fields}
    fields.setdefault("aware_at", t("2026-01-01T00:00:00+00:00") if events else T0)
    due = deadline_for(find_rule(rule_id), make_facts(events=events, **fields))
    assert due == t(expected)
    assert due.utcoffset() is not None


@pytest.mark.parametrize("rule_id", ["gdpr-art33-processor", "gdpr-art34-subjects", "us-ny-ag", "us-ia-residents"])
def test_deadline_for__no_fixed_period(rule_id: str) -> None:
    assert deadline_for(find_rule(rule_id), make_facts()) is None


def test_deadline_for__final_report_from_latest_intermediate() -> None:
    notices = {"dora-intermediate": [{"at": t("2026-05-07T13:30:00+02:00")}, {"at": t("2026-05-20T09:00:00+02:00")}]}
    assert deadline_for(find_rule("dora-final"), make_facts(notifications=notices)) == t("2026-06-20T09:00:00+02:00")


# --- thresholds -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "scope", "applies"),
    [
        ("hipaa-media", {"US-CA": 501}, True),  # "more than 500 residents of a State"
        ("hipaa-media", {"US-CA": 500}, False),
        ("hipaa-media", {"US-CA": 400, "US-NV": 400}, False),  # per State, not in total
        ("hipaa-hhs", {"US-CA": 500}, True),  # "500 or more"
        ("hipaa-hhs", {"US-CA": 499}, False),
        ("hipaa-hhs", {"US-CA": 300, "US-NY": 200}, True),
        ("hipaa-hhs-annual", {"US-CA": 499}, True),
        ("hipaa-hhs-annual", {"US-CA": 500}, False),
    ],
)
def test_hipaa__thresholds(rule_id: str, scope: dict[str, int], applies: bool) -> None:
    facts = make_facts(regimes_=["hipaa"], scope=scope, events={"discovered": T0})
    ob = by_id(obligations(facts, now=T0))[rule_id]
    assert (ob.state == "pending") is applies, ob.reason
    assert (ob.state == "not_applicable") is not applies


@pytest.mark.parametrize(("residents", "applies"), [(500, False), (501, True)])
def test_california_ag__more_than_500(residents: int, applies: bool) -> None:
    facts = make_facts(scope={"US-CA": residents}, events={"submitted:us-ca-residents": T0})
    ob = by_id(obligations(facts, now=T0))["us-ca-ag"]
    assert ob.state == ("pending" if applies else "not_applicable")


# --- the sample organization ------------------------------------------------------------------


def test_sample_org__high_risk_controller_incident() -> None:
    facts = make_facts(assessment=HIGH, scope={"BE": 1200, "US-CA": 800})
    obs = obligations(facts, now=T0 + timedelta(hours=5))
    found = by_id(obs)
    sa = found["gdpr-art33-sa"]
    assert sa.recipient == ORG["lead_authority"]["name"]  # Art. 56 one-stop-shop: the Belgian DPA
    assert (sa.state, sa.due_at) == ("pending", t("2026-03-31T11:00:00+02:00"))
    assert sa.remaining == timedelta(hours=67)
    subjects = found["gdpr-art34-subjects"]
    assert (subjects.recipient, subjects.state, subjects.due_at) == ("data subjects", "pending", None)
    ca = found["us-ca-residents"]
    assert (ca.state, ca.due_at, ca.start_taken_from) == ("pending", t("2026-04-27T09:00:00+00:00"), "aware")
    # Only the listed regimes, the incident's role and states with residents; chained rules later.
    assert [(o.rule_id, o.state) for o in obs] == [
        ("gdpr-art33-sa", "pending"),
        ("us-ca-residents", "pending"),
        ("gdpr-art34-subjects", "pending"),
        ("gdpr-art34-public", "not_applicable"),
    ]


def test_sample_org__to_dict() -> None:
    facts = make_facts(assessment=HIGH, scope={"BE": 1200})
    sa = by_id(obligations(facts, now=T0))["gdpr-art33-sa"].to_dict("Europe/Brussels")
    assert {k: sa[k] for k in ("obligation", "due_at", "due_at_utc", "state", "remaining_seconds", "met_at")} == {
        "obligation": "gdpr-art33-sa",
        "due_at": "2026-03-31T11:00:00+02:00",
        "due_at_utc": "2026-03-31T09:00:00+00:00",
        "state": "pending",
        "remaining_seconds": 72 * 3600,
        "met_at": None,
    }
    assert {"recipient", "reason", "source", "binding", "overdue"} <= set(sa)


def test_sample_org__unlikely_then_reassessed() -> None:
    before = by_id(obligations(make_facts(scope={"BE": 10}), now=T0))
    assert before["gdpr-art33-sa"].state == "pending"  # the clock runs from awareness, before any assessment
    # undecided before the assessment: pending, and it says what it waits for
    assert before["gdpr-art34-subjects"].state == "pending"
    assert before["gdpr-art34-subjects"].reason.startswith("awaiting the risk assessment (Art. 34(1)")
    assert before["gdpr-art34-subjects"].due_at is None

    unlikely = by_id(obligations(make_facts(scope={"BE": 10}, assessment=UNLIKELY), now=T0))["gdpr-art33-sa"]
    assert (unlikely.state, unlikely.due_at) == ("not_applicable", None)
    assert "risk 'unlikely'" in unlikely.reason and "Art. 33(1)" in unlikely.reason

    again = by_id(obligations(make_facts(scope={"BE": 10}, assessment=RISK), now=T0))
    assert (again["gdpr-art33-sa"].state, again["gdpr-art33-sa"].due_at) == ("pending", t("2026-03-31T11:00:00+02:00"))
    assert again["gdpr-art34-subjects"].state == "not_applicable"


def test_disproportionate_effort__public_communication_instead() -> None:
    assessment = {**HIGH, "notify_subjects": False, "public_communication": True, "exemption": "art34_3_c"}
    found = by_id(obligations(make_facts(assessment=assessment), now=T0))
    assert (found["gdpr-art34-subjects"].state, found["gdpr-art34-public"].state) == ("not_applicable", "pending")


def test_processor_incident__notify_the_controller() -> None:
    found = by_id(obligations(make_facts(role="processor", assessment=HIGH, scope={"BE": 10}), now=T0))
    assert set(found) == {"gdpr-art33-processor"}
    assert (found["gdpr-art33-processor"].state, found["gdpr-art33-processor"].due_at) == ("pending", None)


@pytest.mark.parametrize(
    ("sa_phase", "followups", "state"),
    [
        (None, [], "not_applicable"),  # complete notice: nothing follows
        ("initial", [], "pending"),
        ("initial", ["initial"], "pending"),  # another initial notice: still more to follow
        ("initial", ["initial", "complete"], "met"),
        ("initial", ["supplementary"], "met"),  # the supplementary notice gives the rest
    ],
)
def test_gdpr_followup__phased_notice(sa_phase: str | None, followups: list[str], state: str) -> None:
    at = T0 + timedelta(hours=10)
    notices = {
        "gdpr-art33-sa": [{"at": at, "reference": "DBN1", "reasons_for_delay": None, "phase": sa_phase}],
        "gdpr-art33-followup": [{"at": at + timedelta(days=i + 1), "phase": p} for i, p in enumerate(followups)],
    }
    found = by_id(obligations(make_facts(assessment=RISK, notifications=notices), now=at))
    assert found["gdpr-art33-sa"].state == "met"
    assert found["gdpr-art33-followup"].state == state


# --- chained clocks ---------------------------------------------------------------------------


def test_nis2__final_appears_once_the_notification_is_submitted() -> None:
    flags = {"significant_incident": True}
    before = by_id(obligations(make_facts(regimes_=["nis2"], flags=flags), now=T0))
    assert set(before) == {"nis2-early-warning", "nis2-notification"}
    submitted = t("2026-03-30T16:00:00+02:00")
    facts = make_facts(regimes_=["nis2"], flags=flags, events={"submitted:nis2-notification": submitted})
    final = by_id(obligations(facts, now=submitted))["nis2-final"]
    assert (final.state, final.started_at, final.due_at) == ("pending", submitted, t("2026-04-30T16:00:00+02:00"))


def test_nis2__needs_a_significant_incident() -> None:
    ob = by_id(obligations(make_facts(regimes_=["nis2"]), now=T0))["nis2-early-warning"]
    assert ob.state == "not_applicable" and "significant_incident" in ob.reason


def test_dora__not_major_until_classified() -> None:
    ob = by_id(obligations(make_facts(regimes_=["dora"]), now=T0))["dora-initial"]
    assert ob.state == "not_applicable" and "major" in ob.reason


# --- met, late, overdue -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "reasons", "state", "reason_part"),
    [
        (timedelta(hours=71), None, "met", None),
        (timedelta(hours=72), None, "met", None),  # "not later than 72 hours": the 72nd hour still counts
        (timedelta(hours=73), None, "late", "no reasons for the delay recorded"),
        (timedelta(hours=80), "forensics pending", "late", "reasons for the delay: forensics pending"),
    ],
)
def test_state__met_or_late(after: timedelta, reasons: str | None, state: str, reason_part: str | None) -> None:
    notice = {"at": T0 + after, "reference": "DBN1", "reasons_for_delay": reasons, "phase": None}
    facts = make_facts(assessment=RISK, notifications={"gdpr-art33-sa": [notice]})
    ob = by_id(obligations(facts, now=T0 + timedelta(days=5)))["gdpr-art33-sa"]
    assert (ob.state, ob.met_at, ob.remaining) == (state, T0 + after, None)
    assert ob.reason is None if reason_part is None else reason_part in ob.reason


@pytest.mark.parametrize(("hours", "overdue", "seconds"), [(0, False, 72 * 3600), (72, False, 0), (73, True, -3600)])
def test_state__overdue_is_pending(hours: int, overdue: bool, seconds: int) -> None:
    ob = by_id(obligations(make_facts(assessment=RISK), now=T0 + timedelta(hours=hours)))["gdpr-art33-sa"]
    assert (ob.state, ob.overdue, ob.to_dict()["remaining_seconds"]) == ("pending", overdue, seconds)


def test_state__notice_without_fixed_period_is_met() -> None:
    notices = {"gdpr-art34-subjects": [{"at": T0 + timedelta(days=9), "phase": None}]}
    ob = by_id(obligations(make_facts(assessment=HIGH, notifications=notices), now=T0))["gdpr-art34-subjects"]
    assert (ob.state, ob.met_at) == ("met", T0 + timedelta(days=9))


@pytest.mark.parametrize(
    ("rule_id", "assessment", "after", "late"),
    [
        ("gdpr-art33-sa", RISK, timedelta(hours=72), False),
        ("gdpr-art33-sa", RISK, timedelta(hours=72, seconds=1), True),
        ("gdpr-art33-sa", UNLIKELY, timedelta(days=9), False),  # not applicable: no reasons needed
        ("gdpr-art34-subjects", HIGH, timedelta(days=9), False),  # no fixed period
    ],
)
def test_is_late(rule_id: str, assessment: dict, after: timedelta, late: bool) -> None:
    assert is_late(rule_id, make_facts(assessment=assessment), T0 + after) is late


def test_is_late__unknown_rule() -> None:
    with pytest.raises(NotFoundError, match="unknown obligation 'gdpr-art99'"):
        is_late("gdpr-art99", make_facts(), T0)
