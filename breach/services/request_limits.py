"""Request bodies on the review site are small forms: capped, and refused before they are read.

A form (decision, name, comment, CSRF token) is a few kB; `MAX_FORM_BYTES` leaves room for
a long comment. A larger declared Content-Length is refused without reading a byte; a body
that streams past the cap (chunked, or a lying Content-Length) is refused as soon as it does.
"""

from __future__ import annotations

from typing import Any

#: A review form with a comment of a few pages; the comment itself is capped when it is recorded.
MAX_FORM_BYTES = 256 * 1024


class BodyTooLarge(Exception):
    """The request body is over the cap (or its declared length is not a number)."""


async def read_body(request: Any, limit: int = MAX_FORM_BYTES) -> bytes:
    """The request's body, at most `limit` bytes; BodyTooLarge before reading more than that."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise BodyTooLarge(f"Content-Length {declared[:20]!r} is not a number")
        if int(declared) > limit:
            raise BodyTooLarge(f"the form is {int(declared):,} bytes; the limit is {limit:,}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"the form is over the {limit:,}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)
