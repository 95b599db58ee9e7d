"""Issue 25, "see the first day" in Slack: the customers' windows as one reminder and a count.

A processor with 1,200 customers has 1,200 contract windows (breach.core.customers). Slack gets
reminders for the earliest pending window only (one reminder per window, for all customers due
then) and counts in the status message, never a customer's name or id unless the profile allows
it (`slack: {customer_names: true}`), and never one reminder per customer.
"""

from __future__ import annotations

import json
from pathlib import Path

from test_cli_slack import ok, outbox
from test_customers import write_list


def _bodies(stub) -> str:
    return "\n".join(json.dumps(r.params, ensure_ascii=False) for r in stub.requests)


def test_customer_windows_are_one_reminder_series_and_counts_without_names(cli, home: Path, slack_stub) -> None:
    write_list(home / "customers.csv", 300)
    iid = cli.open("Platform", "--aware-at", "2026-11-28 09:00")
    ok(cli("scope", iid, "--customers", "all"))
    ok(cli("slack", "remind"))
    keys = [r["key"] for r in outbox(home)]
    customer_keys = [k for k in keys if "contract-notice" in k]
    # one series for the earliest window (24 h from awareness: T-12 h ... deadline still ahead), not 300
    assert customer_keys and len(customer_keys) <= 6, customer_keys
    assert all(":contract-notices:" in k for k in customer_keys)
    bodies = _bodies(slack_stub)
    assert "Brand 1" not in bodies and "brand1.example" not in bodies and "c0001" not in bodies
    scheduled = [r.params["text"] for r in slack_stub.calls("chat.scheduleMessage")
                 if "contract-notices" in r.params["text"]]
    assert scheduled, "the earliest window's reminders are scheduled"
    assert all("100 of 300 customers" in t and "GDPR Art. 33(2)" in t for t in scheduled)
    assert all("2026-11-29T09:00:00+01:00" in t for t in scheduled)  # aware + 24 h


def test_the_status_message_counts_customers(cli, home: Path, slack_stub) -> None:
    write_list(home / "customers.csv", 30)
    iid = cli.open("Platform", "--aware-at", "2026-11-28 09:00")
    ok(cli("scope", iid, "--customers", "all"))
    ok(cli("notified", iid, "contract-notice:c0000", "--at", "2026-11-28 13:00"))
    ok(cli("slack", "post", iid))
    posts = [p.params for p in slack_stub.calls("chat.postMessage")]
    last = json.dumps(posts[-1]["blocks"], ensure_ascii=False)
    assert "30 affected, 1 notified; 9 due at the earliest window" in last, last
    assert "contract-notices" in last and "c0000" not in last
    assert "Brand" not in _bodies(slack_stub)


def test_when_the_earliest_window_is_met_the_reminders_move_to_the_next(cli, home: Path, slack_stub) -> None:
    write_list(home / "customers.csv", 3)  # c0000 24 h, c0001 36 h, c0002 48 h
    iid = cli.open("Platform", "--aware-at", "2026-11-28 09:00")
    ok(cli("scope", iid, "--customers", "all"))
    ok(cli("slack", "remind"))
    first = {r.params["post_at"] for r in slack_stub.calls("chat.scheduleMessage")}
    ok(cli("notified", iid, "contract-notice:c0000", "--at", "2026-11-28 13:00"))
    ok(cli("slack", "remind"))
    assert slack_stub.calls("chat.deleteScheduledMessage"), "the met window's reminders are withdrawn"
    later = {r.params["post_at"] for r in slack_stub.calls("chat.scheduleMessage")} - first
    # the 36-hour window: 2026-11-29T20:00Z; its T-24 h is 2026-11-28T20:00Z
    assert 1795982400 in {int(p) for p in later}


def test_names_only_when_the_profile_allows_them(cli, home: Path, slack_stub) -> None:
    profile = home / "organization.yaml"
    profile.write_text(profile.read_text() + "\nslack:\n  customer_names: true\n")
    write_list(home / "customers.csv", 3)
    iid = cli.open("Platform", "--aware-at", "2026-11-28 09:00")
    ok(cli("scope", iid, "--customers", "all"))
    ok(cli("slack", "remind"))
    texts = [r.params["text"] for r in slack_stub.calls("chat.scheduleMessage")
             if "contract-notices" in r.params["text"]]
    assert texts and all("Brand 0" in t and "Brand 1" not in t for t in texts)
    assert not any("brand0.example" in t for t in texts)
