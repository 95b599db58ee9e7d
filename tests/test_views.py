"""`breach show`: everything known about one incident, as data and as text."""

from __future__ import annotations

from pathlib import Path

from conftest import Cli

from breach.adapters import clock
from breach.services.session import open_session
from breach.services.views import incident_view, render_view


def test_view_gathers_incident_assessment_tasks_obligations_and_drafts(cli: Cli, home: Path, assessed: str) -> None:
    cli.json("draft", assessed, "sa-notification", "--lang", "fr")
    view = incident_view(open_session(home), assessed, now=clock.now())
    assert view["incident"]["id"] == assessed
    assert view["assessment"]["risk"] == "high" and view["assessments"] == 1
    assert view["tasks"] and view["tasks"][0]["state"] == "open"
    assert {o["obligation"] for o in view["obligations"]} >= {"gdpr-art33-sa", "gdpr-art34-subjects"}
    assert view["drafts"] == [{"kind": "sa-notification", "lang": "fr", "version": 1, "state": "draft",
                               "sha256": view["drafts"][0]["sha256"]}]
    assert view["events"] == len(cli.json("timeline", assessed))


def test_text_view_shows_times_in_the_responders_zone(cli: Cli, home: Path, assessed: str) -> None:
    view = incident_view(open_session(home), assessed, now=clock.now())
    brussels = render_view(view, "Europe/Brussels")
    new_york = render_view(view, "America/New_York")
    assert "aware 2026-11-28 09:00 CET" in brussels
    assert "aware 2026-11-28 03:00 EST" in new_york
    assert "risk high" in brussels and "gdpr-art33-sa" in brussels
