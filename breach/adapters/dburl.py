"""The team database's URL: where it comes from, and how messages show it (never with its password).

A URL is checked before anything connects: scheme, host, port (1-65535), one database
name. What cannot be parsed is refused in one line that shows no part of the password,
whether it was given as a URL (`postgresql://user:pw@host/db`) or as key/value words
(`host=... password=... dbname=...`), or a password with raw special characters split it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from breach.adapters.config import URL_ENV
from breach.errors import StoreError

SCHEMES = ("postgresql", "postgres")
_FORM = "postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
#: key/value connection strings: password=secret, password = 'se cret', PGPASSWORD-like spellings.
_KV_PASSWORD = re.compile(r"(?i)(pass(?:word)?\s*=\s*)('(?:[^'\\]|\\.)*'?|\S*)")
_SPECIALS = "percent-encode special characters in the password (@ as %40, / as %2F, # as %23, ? as %3F, : as %3A)"


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***, as every message and record shows it.

    A string that is not a URL (key/value words) keeps its words with `password=***`; a URL
    whose password spilled out of its place (a raw `/`, `#` or `?` in it) is shown as `scheme://***`.
    """
    if "://" not in url:
        return _KV_PASSWORD.sub(r"\1***", url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        return f"{url.split('://', 1)[0][:20]}://***"
    if "@" in parts.path + parts.query + parts.fragment or (parts.netloc.count("@") > 1):
        return f"{parts.scheme}://***"  # part of a password with a raw special character
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":***"
        netloc = f"{userinfo}@{hostport}"
    query = re.sub(r"(?i)(password=)[^&]*", r"\1***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def check_url(url: str) -> None:
    """Refuse a URL that cannot be used, in one StoreError naming the problem, never the password."""
    shown = mask_url(url)
    fix = "; unset it to keep the log in the data folder's breach.db"
    if "://" not in url:
        raise StoreError(f"{URL_ENV} must be a {_FORM} URL, not key/value words ({shown!r}){fix}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        problem = "its port is not a number from 1 to 65535" if "port" in str(exc).lower() else "it cannot be parsed"
        raise StoreError(f"{URL_ENV} ({shown}) is not a usable URL: {problem}; {_SPECIALS}{fix}") from None
    if parts.scheme not in SCHEMES:
        raise StoreError(f"{URL_ENV} must be a {_FORM} URL, not {shown!r}{fix}")
    if port is not None and not 1 <= port <= 65535:
        raise StoreError(f"{URL_ENV} ({shown}): port {port} is not a port (1-65535){fix}")
    if shown.endswith("://***") or "/" in parts.path.lstrip("/") or not parts.hostname and "host=" not in parts.query:
        raise StoreError(f"{URL_ENV} ({shown}) is not a {_FORM} URL: {_SPECIALS}{fix}")
