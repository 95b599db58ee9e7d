"""`breach serve` without a browser: loopback only, tokens and cookies, CSRF, acts that bind the version shown."""

from __future__ import annotations

import pytest
from conftest import Cli, high_risk_answer
from markupsafe import escape
from serving import Browserish, form_fields, serving, status_of

from breach.errors import ApprovalError, InputError
from breach.services.review_site import check_host, is_loopback


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("0.0.0.0", False), ("192.168.1.10", False), ("::", False), ("example.org", False),
])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_check_host__refuses_a_remote_host_unless_allowed_then_warns() -> None:
    assert check_host("127.0.0.1", allow_remote=False) is None
    with pytest.raises(InputError, match="not a loopback address.*--allow-remote"):
        check_host("0.0.0.0", allow_remote=False)
    assert "Warning: serving on 0.0.0.0" in check_host("0.0.0.0", allow_remote=True)


def test_serve_refuses_a_non_loopback_host_without_allow_remote(cli: Cli) -> None:
    result = cli("serve", "--host", "0.0.0.0", "--port", "0")
    assert result.exit_code == 1
    assert "not a loopback address" in result.stderr and "http://" not in result.stdout


def test_review_act_binds_only_the_version_on_screen(cli: Cli, assessed: str) -> None:
    from breach.api import open_session
    from breach.services.notices import review_act

    cli("draft", assessed, "sa-notification", "--lang", "fr")
    with pytest.raises(ApprovalError, match="not the text that was reviewed"), open_session(cli.home) as s:
        review_act(s, assessed, "sa-notification", lang="fr", version=1, by="L", decision="approved",
                   comment=None, now=__import__("breach").now(), expect_sha256="0" * 64, via="review page")
    assert cli.json("review", assessed)[0]["state"] == "draft"


@pytest.fixture
def site(cli: Cli, assessed: str):
    cli("draft", assessed, "sa-notification", "--lang", "fr")
    with serving(cli.home) as (url, _, _):
        yield Browserish(url)


def test_incidents_page_lists_the_next_deadline(site: Browserish, assessed: str) -> None:
    page = site.get("/")
    assert assessed in page and "gdpr-art33-sa" in page and "2026-12-01 09:00 CET" in page


def test_request_changes_through_the_page_and_csrf_and_stale_versions(cli: Cli, site: Browserish,
                                                                      assessed: str) -> None:
    path = f"/incidents/{assessed}/drafts/sa-notification/fr"
    page = site.get(path)
    fields = form_fields(page, "changes-form")
    assert fields["sha256"] == cli.json("review", assessed)[0]["sha256"] and fields["csrf"]
    # Without the CSRF token, with a wrong one, or from another origin: 403, nothing recorded.
    assert site.post(path + "/review", {**fields, "csrf": "", "name": "L", "comment": "x"}) == 403
    assert site.post(path + "/review", {**fields, "csrf": "forged", "name": "L", "comment": "x"}) == 403
    assert site.post(path + "/review", {**fields, "name": "L", "comment": "x"},
                     headers={"Origin": "http://evil.example"}) == 403
    # A sha256 that is not the version's (the page was stale): refused, nothing recorded.
    assert site.post(path + "/review", {**fields, "sha256": "f" * 64, "name": "L", "comment": "x"}) == 409
    assert cli.json("review", assessed)[0]["state"] == "draft"
    assert site.post(path + "/review", {**fields, "name": "Legal Team", "comment": "Name the DPO"}) == 200
    row = cli.json("review", assessed)[0]
    assert row["state"] == "changes requested"
    reviewed = [e for e in cli.json("timeline", assessed) if e["kind"] == "reviewed"][-1]["data"]
    assert (reviewed["by"], reviewed["comment"], reviewed["via"]) == ("Legal Team", "Name the DPO", "review page")
    assert reviewed["started_by"] == "tester"  # `breach serve` without --as: the login name (USER)
    assert ("changes requested by Legal Team via the review page started by tester: Name the DPO"
            in site.get(f"/incidents/{assessed}"))


def test_a_host_header_naming_another_machine_is_refused(site: Browserish) -> None:
    assert status_of(site.base + "/", headers={"Host": "evil.example"}, opener=site.opener) == 403


def test_the_word_rendition_of_a_version_downloads(site: Browserish, assessed: str) -> None:
    with site.opener.open(f"{site.base}/incidents/{assessed}/drafts/sa-notification/fr/v1.docx", timeout=10) as r:
        assert r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
        assert r.read()[:2] == b"PK"


def test_pages_forbid_scripts_and_framing(site: Browserish) -> None:
    with site.opener.open(site.base + "/", timeout=10) as r:
        assert "default-src 'none'" in r.headers["Content-Security-Policy"]
        assert r.headers["X-Frame-Options"] == "DENY"


def test_a_draft_page_diffs_any_older_version(cli: Cli, site: Browserish, assessed: str, tmp_path) -> None:
    from pathlib import Path

    text = Path(cli.json("review", assessed)[0]["path"]).read_text()
    measures = high_risk_answer("measures_taken", "fr")  # a sentence of the incident's that the notice says
    assert measures in text and "Étape" not in text
    for n, value in enumerate(("Étape un.", "Étape deux.")):
        edited = tmp_path / f"e{n}.md"
        edited.write_text(text.replace(measures, value))
        assert cli("draft", assessed, "sa-notification", "--lang", "fr", "--from", str(edited)).exit_code == 0
    path = f"/incidents/{assessed}/drafts/sa-notification/fr"
    latest = site.get(path)
    assert "Changes from v2 to v3" in latest and "Étape deux." in latest
    assert f'href="{path}?v=3&amp;from=1"' in latest
    older = site.get(path + "?v=3&from=1")
    assert "Changes from v1 to v3" in older and str(escape(measures)) in older  # as the page escapes it


# --- issue 23: a body is capped and refused before it is read -----------------------------------


def _raw_post(site: Browserish, path: str, headers: dict, body_chunks: list[bytes]) -> int:
    import http.client
    from urllib.parse import urlsplit

    cookie = "; ".join(f"{c.name}={c.value}" for h in site.opener.handlers
                       if hasattr(h, "cookiejar") for c in h.cookiejar)
    parts = urlsplit(site.base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.putrequest("POST", path)
    for name, value in {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded", **headers}.items():
        conn.putheader(name, value)
    conn.endheaders()
    try:
        for chunk in body_chunks:
            conn.send(chunk)
    except OSError:
        pass  # the server may close the connection once it has refused
    status = conn.getresponse().status
    conn.close()
    return status


def test_a_gigabyte_content_length_is_refused_before_the_body_is_read(site: Browserish, assessed: str) -> None:
    path = f"/incidents/{assessed}/drafts/sa-notification/fr/review"
    # Only 10 bytes follow the 1 GB announced: a server that read the body first would wait (timeout).
    assert _raw_post(site, path, {"Content-Length": str(10**9)}, [b"csrf=x&a=b"]) == 413


def test_a_chunked_body_over_the_cap_is_refused_while_streaming(site: Browserish, assessed: str) -> None:
    from breach.services.request_limits import MAX_FORM_BYTES

    path = f"/incidents/{assessed}/drafts/sa-notification/fr/review"
    piece = b"a" * 65536
    chunks = [b"%x\r\n%s\r\n" % (len(piece), piece)] * (MAX_FORM_BYTES // len(piece) + 2) + [b"0\r\n\r\n"]
    assert _raw_post(site, path, {"Transfer-Encoding": "chunked"}, chunks) == 413
