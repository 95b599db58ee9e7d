"""Slack identities in the profile (slack.users), the rights per role, and request signatures."""

from __future__ import annotations

import pytest

from breach.core.organization import load_org_text
from breach.core.profile import Profile
from breach.errors import InputError, ValidationError
from breach.slack.identity import find_user, refusal
from breach.slack.signing import signature, verify_request

BASE = "name: X\ntimezone: Europe/Brussels\nentities: [{name: X, country: BE}]\ncontact: {name: A, email: a@x.be}\n" \
       "lead_authority: {name: GBA, country: BE}\n"
ORG = Profile.of({"slack": {"users": {"U0123ABCD": {"name": "Lea Legal", "role": "legal"},
                                      "U0VIEW001": {"name": "Vera", "role": "viewer"}}}})


def test_the_profile_maps_slack_users_and_rejects_bad_entries() -> None:
    good = load_org_text(BASE + 'slack:\n  users:\n    U0123ABCD: {name: "Lea Legal", role: legal}\n', source="o")
    assert find_user(good, "U0123ABCD").to_dict() == {"user": "U0123ABCD", "person": "Lea Legal", "role": "legal"}
    with pytest.raises(ValidationError, match="role must be one of responder, legal, viewer"):
        load_org_text(BASE + "slack:\n  users:\n    U0123ABCD: {name: Lea, role: boss}\n", source="o")
    with pytest.raises(ValidationError, match="not a Slack user id"):
        load_org_text(BASE + "slack:\n  users:\n    lea: {name: Lea, role: legal}\n", source="o")
    with pytest.raises(ValidationError, match="missing 'name'"):
        load_org_text(BASE + "slack:\n  users:\n    U0123ABCD: {role: legal}\n", source="o")


def test_rights_per_role() -> None:
    assert refusal(ORG, "U0123ABCD", "approve") == (find_user(ORG, "U0123ABCD"), None)
    assert "may not record a notice" in refusal(ORG, "U0VIEW001", "record_notice")[1]
    assert refusal(ORG, "U0VIEW001", "status")[1] is None
    user, text = refusal(ORG, "U0NOBODY1", "status")
    assert user is None and "slack.users" in text and "U0NOBODY1" in text


NOW = 1_795_871_100  # BREACH_NOW as epoch seconds


def test_a_signed_request_within_five_minutes_is_accepted_and_a_forged_one_refused() -> None:
    body = b"command=%2Fbreach&text=status"
    sig = signature("s3cret", str(NOW - 299), body)
    verify_request("s3cret", timestamp=str(NOW - 299), body=body, signature_header=sig, now=NOW)
    with pytest.raises(InputError, match="signature does not match"):
        verify_request("s3cret", timestamp=str(NOW - 299), body=body + b"x", signature_header=sig, now=NOW)
    with pytest.raises(InputError, match="not signed"):
        verify_request("s3cret", timestamp=None, body=body, signature_header=None, now=NOW)


def test_a_replay_older_than_five_minutes_is_refused() -> None:
    body = b"payload=%7B%7D"
    old = str(NOW - 301)
    with pytest.raises(InputError, match="more than five minutes old"):
        verify_request("s3cret", timestamp=old, body=body, signature_header=signature("s3cret", old, body), now=NOW)
