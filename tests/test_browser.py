"""Issue 16 in headless Chromium: the report renders (chart bars, a screenshot that is not blank),
and legal approves a draft through `breach serve` with a click; the approval is the CLI's."""

from __future__ import annotations

import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import background_share, chromium, content_share
from conftest import Cli
from serving import serving, status_of


@pytest.fixture
def drafted(cli: Cli, assessed: str) -> str:
    assert cli("draft", assessed, "sa-notification", "--lang", "fr").exit_code == 0
    return assessed


def test_chromium_renders_the_report_with_one_bar_per_obligation(cli: Cli, drafted: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert cli("report", drafted, "--out", str(out)).exit_code == 0
    obligations = [o["obligation"] for o in cli.json("show", drafted)["obligations"]]
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(out.as_uri())
        assert page.title().startswith(drafted)
        bars = page.locator("svg.deadlines rect")
        assert bars.count() == len(obligations)
        assert sorted(bars.evaluate_all("els => els.map(e => e.dataset.obligation)")) == sorted(obligations)
        box = page.locator("svg.deadlines").bounding_box()
        assert box and box["width"] > 600 and box["height"] > 60  # drawn, not collapsed
        for o in obligations:
            width = page.locator(f"#bar-{o}").bounding_box()["width"]
            assert width > 2, o
        # The first screen (header, key times, chart, risk) is mostly not background: most of
        # its squares hold content, and the pixels are not nearly all one colour.
        shot = page.screenshot()
        assert content_share(shot) > 0.5, content_share(shot)
        share, colour = background_share(shot)
        assert share < 0.85, (share, colour)
        assert content_share(page.screenshot(full_page=True)) > 0.5
        # Printing to PDF (A4) works without a script.
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


# --- breach serve ---------------------------------------------------------------------------


@pytest.fixture
def server(cli: Cli, drafted: str) -> Iterator[tuple[str, int, subprocess.Popen]]:
    with serving(cli.home) as running:
        yield running


def test_serve_prints_a_loopback_url_with_a_token_and_refuses_requests_without_it(server, drafted: str) -> None:
    url, port, _ = server
    base, _, token = url.partition("/?token=")
    assert base == f"http://127.0.0.1:{port}" and len(token) >= 24
    for path in ("/", f"/incidents/{drafted}", f"/incidents/{drafted}/drafts/sa-notification/fr"):
        assert status_of(base + path) in (401, 403), path
    assert status_of(base + "/?token=not-the-token") == 403
    assert status_of(base + "/", headers={"Cookie": "breach_review=guessed"}) == 403
    post = f"{base}/incidents/{drafted}/drafts/sa-notification/fr/review"
    assert status_of(post, data=b"decision=approve&version=1&name=X") in (401, 403)
    import http.cookiejar

    browser_like = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with browser_like.open(url, timeout=10) as r:  # the printed URL works: cookie set, then the page
        assert r.status == 200 and "token=" not in r.url and drafted in r.read().decode()


def test_a_draft_approved_on_the_review_page_shows_the_name_in_review_json(cli: Cli, server, drafted: str) -> None:
    url, _, _ = server
    with chromium() as browser:
        page = browser.new_page()
        page.set_default_timeout(15_000)
        page.goto(url)
        assert "token=" not in page.url  # the token leaves the address bar once the cookie is set
        page.get_by_role("link", name=drafted).click()
        assert page.locator("svg.deadlines rect").count() == len(cli.json("show", drafted)["obligations"])
        page.get_by_role("link", name="sa-notification (fr)").click()
        shown = page.locator("#approve-form input[name=sha256]").input_value()
        assert "PROJET" in page.locator(".notice").inner_text()
        # One reads before one approves: the forms are laid out below the end of the text.
        text_box = page.locator(".notice").bounding_box()
        for form in ("#approve-form", "#changes-form"):
            assert page.locator(form).bounding_box()["y"] >= text_box["y"] + text_box["height"], form
        page.fill("#approve-name", "Marie Dupont <legal>")
        page.click("#approve")
        assert "Approved: v1 by Marie Dupont <legal>" in page.locator("#done").inner_text()
        # Approved, the text on screen is the one to send: no draft marker any more.
        assert "PROJET" not in page.locator(".notice").inner_text()
        assert "as approved" in page.locator("#text-heading").inner_text()
        # CSRF: the same form posted without its token (or from another origin) is refused.
        form_url = page.url.split("?")[0] + "/review"
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
        assert status_of(form_url, data=b"decision=changes&version=1&name=X&comment=y",
                         headers={"Cookie": cookie}) == 403
    rows = cli.json("review", drafted)
    approved = [r for r in rows if r["kind"] == "sa-notification" and r["lang"] == "fr"]
    assert approved[0]["state"] == "approved" and approved[0]["approved_by"] == "Marie Dupont <legal>"
    assert approved[0]["sha256"] == shown  # the approval bound the version that was on screen
    reviewed = [e for e in cli.json("timeline", drafted) if e["kind"] == "reviewed"]
    assert reviewed[-1]["data"]["via"] == "review page" and reviewed[-1]["data"]["by"] == "Marie Dupont <legal>"
    assert reviewed[-1]["data"]["started_by"] == "tester"  # `breach serve` started without --as: USER
    report = cli.home.parent / "after.html"
    assert cli("report", drafted, "--out", str(report)).exit_code == 0
    assert "approved by Marie Dupont &lt;legal&gt; via the review page started by tester" in report.read_text()
