"""Issue 21, "types at every boundary": what `--json` prints is what the services' TypedDicts say.

Each command's JSON carries every key its TypedDict requires and no key it does not name (read with
get_type_hints, so a key marked NotRequired may be absent). A key added to the output without the
type, or a type naming a key the output lost, fails here.
"""

from __future__ import annotations

from typing import Any, NotRequired, get_origin, get_type_hints

from conftest import Cli

from breach.core.duty_rows import ObligationRow, StatusRow
from breach.services.notifications import NoticeRecorded, NoticeRetracted
from breach.services.obligations import ClockMarked
from breach.services.status import ListedIncident
from breach.services.views import AssessmentView, IncidentView, TaskRow


def fits(data: dict[str, Any], shape: type) -> None:
    hints = get_type_hints(shape, include_extras=True)
    required = {k for k, v in hints.items() if get_origin(v) is not NotRequired}
    assert required <= set(data), f"{shape.__name__} lacks {sorted(required - set(data))}"
    assert set(data) <= set(hints), f"{shape.__name__} does not name {sorted(set(data) - set(hints))}"


def test_the_check_sees_a_missing_and_an_unnamed_key() -> None:
    row = {"n": 1, "text": "t", "state": "open", "note": None, "source": None, "step": None}
    fits(row, TaskRow)
    for wrong in ({k: v for k, v in row.items() if k != "note"}, {**row, "extra": 1}):
        try:
            fits(wrong, TaskRow)
        except AssertionError:
            continue
        raise AssertionError(f"not refused: {wrong}")


def test_status_show_and_list_print_their_types(cli: Cli, assessed: str) -> None:
    assert cli("scope", assessed, "-j", "BE=100,US-CA=20").exit_code == 0
    rows = cli.json("status", assessed)
    assert rows
    for row in rows:
        fits(row, StatusRow)
    view = cli.json("show", assessed)
    fits(view, IncidentView)
    fits(view["assessment"], AssessmentView)
    for task in view["tasks"]:
        fits(task, TaskRow)
    for row in view["obligations"] + view["advisories"]:
        fits(row, ObligationRow)
    listed = cli("list")
    assert listed.exit_code == 0
    from breach.services.session import open_session
    from breach.services.status import incident_list

    for incident in incident_list(open_session(cli.home), include_closed=True, now=_now()):
        fits(dict(incident), ListedIncident)


def test_mark_notified_and_retract_print_their_types(cli: Cli, assessed: str) -> None:
    fits(cli.json("mark", assessed, "determined", "--at", "2026-11-28 10:00"), ClockMarked)
    notice = cli.json("notified", assessed, "gdpr-art33-sa", "--at", "2026-11-28 12:00", "--without-approval",
                      "--reason", "the authority's portal was down")
    fits(notice, NoticeRecorded)
    fits(cli.json("retract", assessed, "gdpr-art33-sa", "--reason", "recorded on the wrong incident"),
         NoticeRetracted)


def _now():
    from breach.adapters import clock

    return clock.now()
