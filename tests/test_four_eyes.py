"""Issue 20: who acts is who is signed in, and four eyes when the organization asks for it.

With `review: {four_eyes: true}` in organization.yaml, the person who drafted a version (or
recorded legal's edit of it with `draft --from`) cannot approve it: not in the CLI, not on the
review page (neither as the name typed nor as the identity `breach serve --as` was started for),
not through the Python API. A review-page act records both names, as two fields.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from conftest import Cli
from serving import Browserish, form_fields, serving

import breach
from breach.adapters.profile import load_org
from breach.adapters.templates import draft_marker
from breach.core.review import four_eyes_refusal, same_person
from breach.errors import ApprovalError, ValidationError

RULE = "four-eyes rule (review.four_eyes in organization.yaml)"
PAGE = "/incidents/{iid}/drafts/sa-notification/fr"


def four_eyes_on(home: Path) -> None:
    org = home / "organization.yaml"
    org.write_text(org.read_text() + "\nreview:\n  four_eyes: true\n")


@pytest.fixture
def drafted_by_ana(cli: Cli, assessed: str) -> str:
    """The sa-notification (fr) v1, drafted by Ana Peeters."""
    assert cli("draft", assessed, "sa-notification", "--lang", "fr", "--as", "Ana Peeters").exit_code == 0
    return assessed


def approve(cli: Cli, iid: str, who: str, version: int = 1):
    return cli("review", "approve", iid, "sa-notification", "--lang", "fr", "--version", str(version),
               "--as", who, "--allow-missing")


def state_of(cli: Cli, iid: str, version: int = 1) -> str:
    return next(r["state"] for r in cli.json("review", iid) if (r["lang"], r["version"]) == ("fr", version))


# --- the rule, pure ---------------------------------------------------------------------------


def test_names_compare_without_case_or_extra_whitespace() -> None:
    assert same_person("Ana Peeters", "  ana   PEETERS ")
    assert not same_person("Ana Peeters", "Ana Peters")
    assert not same_person("", "")  # nobody is not a person
    assert four_eyes_refusal(drafter="Ana Peeters", approvers=["Claire", "ana peeters"], version=3) == (
        f"{RULE}: Ana Peeters drafted version 3; another person must approve it")
    assert four_eyes_refusal(drafter="Ana Peeters", approvers=["Claire", "Bob"], version=3) is None


def test_the_profile_key_is_validated_like_the_others(tmp_path: Path, home: Path) -> None:
    base = (home / "organization.yaml").read_text()
    good = tmp_path / "good.yaml"
    good.write_text(base + "\nreview:\n  four_eyes: true\n")
    assert load_org(good)["review"] == {"four_eyes": True}
    for extra, message in (("review:\n  four_eyes: yes please\n", "review.four_eyes takes true or false"),
                           ("review:\n  for_eyes: true\n", "unknown key 'for_eyes' in review"),
                           ("review: true\n", "'review' must be a dict")):
        bad = tmp_path / "bad.yaml"
        bad.write_text(base + "\n" + extra)
        with pytest.raises(ValidationError, match=re.escape(message)):
            load_org(bad)


# --- the CLI ----------------------------------------------------------------------------------


def test_cli__the_author_may_approve_without_four_eyes(cli: Cli, drafted_by_ana: str) -> None:
    assert approve(cli, drafted_by_ana, "Ana Peeters").exit_code == 0  # the behaviour so far
    assert state_of(cli, drafted_by_ana) == "approved"


def test_cli__with_four_eyes_the_author_is_refused_and_another_person_approves(cli: Cli, drafted_by_ana: str) -> None:
    four_eyes_on(cli.home)
    refused = approve(cli, drafted_by_ana, "  ana   PEETERS ")  # the same person, typed differently
    assert refused.exit_code == 1
    assert f"Error: {RULE}: Ana Peeters drafted version 1; another person must approve it" in refused.stderr
    assert "Traceback" not in refused.output
    assert state_of(cli, drafted_by_ana) == "draft"  # nothing recorded
    assert [e for e in cli.json("timeline", drafted_by_ana) if e["kind"] == "reviewed"] == []
    assert approve(cli, drafted_by_ana, "Claire (Legal)").exit_code == 0
    row = next(r for r in cli.json("review", drafted_by_ana) if r["lang"] == "fr")
    assert (row["state"], row["approved_by"]) == ("approved", "Claire (Legal)")


def test_cli__whoever_imported_legals_edit_cannot_approve_that_version(cli: Cli, drafted_by_ana: str,
                                                                         tmp_path: Path) -> None:
    four_eyes_on(cli.home)
    text = Path(next(r for r in cli.json("review", drafted_by_ana) if r["lang"] == "fr")["path"]).read_text()
    edited = tmp_path / "edited.md"
    edited.write_text(text + "\nUne phrase ajoutée par le service juridique.\n")
    assert cli("draft", drafted_by_ana, "sa-notification", "--lang", "fr", "--from", str(edited),
               "--as", "Claire (Legal)").exit_code == 0
    refused = approve(cli, drafted_by_ana, "claire (legal)", version=2)
    assert refused.exit_code == 1 and f"{RULE}: Claire (Legal) drafted version 2" in refused.stderr
    assert approve(cli, drafted_by_ana, "Ana Peeters", version=2).exit_code == 0  # v2 is Claire's text, not Ana's
    assert state_of(cli, drafted_by_ana, 2) == "approved"


def test_cli__requesting_changes_to_ones_own_draft_stays_allowed(cli: Cli, drafted_by_ana: str) -> None:
    four_eyes_on(cli.home)
    result = cli("review", "request-changes", drafted_by_ana, "sa-notification", "--lang", "fr", "--version", "1",
                 "--as", "Ana Peeters", "--comment", "I forgot the DPO")
    assert result.exit_code == 0 and state_of(cli, drafted_by_ana) == "changes requested"


# --- the Python API ---------------------------------------------------------------------------


def api_approve(home: Path, iid: str, *, session_as: str, by: str) -> dict:
    with breach.open_session(home, author=session_as) as s:
        return breach.review_act(s, iid, "sa-notification", lang="fr", version=1, by=by, decision="approved",
                                 comment=None, now=breach.now(), allow_missing=True)


def test_api__with_four_eyes_the_author_is_refused_by_name_or_as_the_session(cli: Cli, drafted_by_ana: str) -> None:
    four_eyes_on(cli.home)
    with pytest.raises(ApprovalError, match=re.escape(f"{RULE}: Ana Peeters drafted version 1")):
        api_approve(cli.home, drafted_by_ana, session_as="Ana Peeters", by="Ana Peeters")
    # A session opened as the author, approving under another name: refused too.
    with pytest.raises(ApprovalError, match=re.escape(RULE) + ".*this session acts as Ana Peeters"):
        api_approve(cli.home, drafted_by_ana, session_as="Ana Peeters", by="Claire (Legal)")
    assert state_of(cli, drafted_by_ana) == "draft"
    result = api_approve(cli.home, drafted_by_ana, session_as="Claire (Legal)", by="Claire (Legal)")
    assert result["by"] == "Claire (Legal)" and state_of(cli, drafted_by_ana) == "approved"


def test_api__without_four_eyes_the_author_may_approve(cli: Cli, drafted_by_ana: str) -> None:
    api_approve(cli.home, drafted_by_ana, session_as="Ana Peeters", by="Ana Peeters")
    assert state_of(cli, drafted_by_ana) == "approved"


# --- the review page (`breach serve`, a real server) ------------------------------------------


def web_approve(site: Browserish, iid: str, name: str) -> tuple[int, str]:
    path = PAGE.format(iid=iid)
    fields = form_fields(site.get(path), "approve-form")
    return site.send(path + "/review", {**fields, "name": name, "allow_missing": "yes"})


def reviewed_events(cli: Cli, iid: str) -> list[dict]:
    return [e for e in cli.json("timeline", iid) if e["kind"] == "reviewed"]


def test_web__the_author_is_refused_as_the_name_typed_or_as_the_sessions_identity(cli: Cli,
                                                                                   drafted_by_ana: str) -> None:
    four_eyes_on(cli.home)
    with serving(cli.home, "--as", "Bob Martens") as (url, _, _):
        status, page = web_approve(Browserish(url), drafted_by_ana, "ANA  peeters")
    assert status == 409
    assert f"{RULE}: Ana Peeters drafted version 1; another person must approve it" in html.unescape(page)
    with serving(cli.home, "--as", "ana peeters") as (url, _, _):  # the site started for the author
        status, page = web_approve(Browserish(url), drafted_by_ana, "Claire (Legal)")
    assert status == 409 and RULE in html.unescape(page)
    assert "this session acts as ana peeters" in html.unescape(page)
    assert reviewed_events(cli, drafted_by_ana) == [] and state_of(cli, drafted_by_ana) == "draft"
    with serving(cli.home, "--as", "Bob Martens") as (url, _, _):
        status, page = web_approve(Browserish(url), drafted_by_ana, "Claire (Legal)")
    assert status == 200 and "Approved: v1 by Claire (Legal)" in html.unescape(page)
    assert state_of(cli, drafted_by_ana) == "approved"


def test_web__without_four_eyes_the_author_may_approve(cli: Cli, drafted_by_ana: str) -> None:
    with serving(cli.home, "--as", "Ana Peeters") as (url, _, _):
        status, _ = web_approve(Browserish(url), drafted_by_ana, "Ana Peeters")
    assert status == 200 and state_of(cli, drafted_by_ana) == "approved"


def test_web__an_approval_records_the_typed_name_and_the_sessions_identity(cli: Cli, drafted_by_ana: str) -> None:
    with serving(cli.home, "--as", "Bob Martens") as (url, _, _):
        site = Browserish(url)
        status, _ = web_approve(site, drafted_by_ana, "Claire (Legal)")
        report = site.get(f"/incidents/{drafted_by_ana}")
    assert status == 200
    event = reviewed_events(cli, drafted_by_ana)[-1]
    assert (event["data"]["by"], event["data"]["started_by"], event["data"]["via"]) == (
        "Claire (Legal)", "Bob Martens", "review page")
    assert event["author"] == "Bob Martens"  # the session acts as who the site was started for
    line = "approved by Claire (Legal) via the review page started by Bob Martens"
    assert line in html.unescape(report)  # the live report on the site
    out = cli.home.parent / "report.html"
    assert cli("report", drafted_by_ana, "--out", str(out)).exit_code == 0
    assert line in html.unescape(out.read_text())  # and `breach report`


# --- the page: read, then approve; an approved version is not a draft ---------------------------


def notice_text(page: str) -> str:
    return html.unescape(re.search(r'<div class="notice">(.*?)</div>', page, re.S).group(1))


def test_the_approve_form_comes_after_the_text_and_an_approved_version_has_no_draft_marker(
        cli: Cli, drafted_by_ana: str) -> None:
    marker = draft_marker("fr")
    path = PAGE.format(iid=drafted_by_ana)
    with serving(cli.home, "--as", "Bob Martens") as (url, _, _):
        site = Browserish(url)
        before = site.get(path)
        assert f"[{marker}]" in notice_text(before)  # a draft says so
        assert before.index('<div class="notice">') < before.index('id="approve-form"')
        assert before.index('<div class="notice">') < before.index('id="changes-form"')
        status, _ = web_approve(site, drafted_by_ana, "Claire (Legal)")
        assert status == 200
        after = site.get(path + "?v=1")
    text = notice_text(after)
    assert marker not in text and "PROJET" not in text
    assert "Text of v1 as approved" in after
    # It is the approved rendition written to send, word for word (less the markup).
    final = reviewed_events(cli, drafted_by_ana)[-1]["data"]["final_path"]
    sent = (cli.home / final).read_text()
    first_heading = next(line.lstrip("# ").strip() for line in sent.splitlines() if line.startswith("#"))
    assert first_heading in text and marker not in sent
    assert 'id="approve-form"' not in after  # nothing left to approve
