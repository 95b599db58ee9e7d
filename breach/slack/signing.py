"""Slack request signatures, for HTTP request URLs (pure; `now` is passed in).

Socket Mode envelopes arrive over the connection the app token opened, so they need no
signature. If Slack is ever pointed at an HTTP request URL instead, every request must carry
`X-Slack-Signature: v0=HMAC-SHA256(signing secret, "v0:{timestamp}:{body}")` and a
`X-Slack-Request-Timestamp` no older than five minutes: older ones are replays and are refused.
"""

from __future__ import annotations

import hashlib
import hmac

from breach.errors import InputError

#: Slack's own advice: refuse requests more than five minutes away from now.
REPLAY_WINDOW_SECONDS = 5 * 60


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def verify_request(secret: str, *, timestamp: str | None, body: bytes, signature_header: str | None,
                   now: float) -> None:
    """Refuse (InputError) an unsigned, wrongly signed or replayed request; return None when it is Slack's."""
    if not secret:
        raise InputError("no Slack signing secret is set: requests cannot be verified")
    if not timestamp or not signature_header:
        raise InputError("the request is not signed (X-Slack-Request-Timestamp and X-Slack-Signature missing)")
    try:
        sent = int(timestamp)
    except ValueError:
        raise InputError("X-Slack-Request-Timestamp is not a number") from None
    if abs(now - sent) > REPLAY_WINDOW_SECONDS:
        raise InputError("the request is more than five minutes old: a replay is refused")
    if not hmac.compare_digest(signature(secret, timestamp, body), signature_header):
        raise InputError("the request's signature does not match the signing secret")
