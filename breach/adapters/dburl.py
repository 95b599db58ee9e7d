"""The team database's URL: where it comes from, and how messages show it (never with its password)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from breach.adapters.config import URL_ENV
from breach.errors import StoreError

SCHEMES = ("postgresql", "postgres")


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***, as every message and record shows it."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<a database URL that cannot be parsed>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":***"
        netloc = f"{userinfo}@{hostport}"
    query = re.sub(r"(?i)(password=)[^&]*", r"\1***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def check_url(url: str) -> None:
    if urlsplit(url).scheme not in SCHEMES:
        raise StoreError(f"{URL_ENV} must be a postgresql://USER:PASSWORD@HOST:PORT/DATABASE URL, not "
                         f"{mask_url(url)!r}; unset it to keep the log in the data folder's breach.db")
