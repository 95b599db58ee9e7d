"""Sources you can check (issue 24): our own reading of a rule's or an authority's source, and
the list of entries still to check (`breach regimes list --unconfirmed`).

An entry's `status` is the reference's mark (shared/reference/regimes.md): a row it marks
unconfirmed stays so in our data. What we read ourselves is a separate mark, `checked`:

    checked: {url: https://..., quote: "the sentence, verbatim", date: 2026-12-05}

filled only when the quoted sentence was read on that page (the statute or the authority's
official site). An entry is still to check when neither its status is confirmed nor it was
checked by us. The US state laws (us-state-laws.yaml) carry their own status, set from what
was read: a law is still to check while it is not confirmed or confirmed-secondary.

Pure: callers pass the loaded rules, directory and laws.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from breach.core.yamlio import Bad, LineDict

CHECKED_KEYS = ("url", "quote", "date")
#: A quotation, not a copy of the page: the sentence the entry rests on.
MAX_QUOTE = 400
#: us-state-laws.yaml statuses that mean the text was read.
US_LAW_READ = ("confirmed", "confirmed-secondary")


@dataclass(frozen=True)
class Checked:
    """Our reading: the page, the sentence read there (verbatim) and the day it was read."""

    url: str
    quote: str
    date: str

    def to_dict(self) -> dict[str, str]:
        return {"url": self.url, "quote": self.quote, "date": self.date}


def validate_checked(node: LineDict, bad: Bad, what: str) -> None:
    """Problems with `node["checked"]`, when present: a mapping {url, quote, date}, each required."""
    if "checked" not in node:
        return
    value = node["checked"]
    line = node.line_of("checked")
    if not isinstance(value, LineDict):
        bad(line, f"checked in {what} is a mapping {{url, quote, date}} (what we read, where and when)")
        return
    for key in value:
        if key not in CHECKED_KEYS:
            bad(value.line_of(key), f"unknown key {key!r} in checked of {what} (allowed: {', '.join(CHECKED_KEYS)})")
    for key in CHECKED_KEYS:
        if key not in value:
            bad(value.line, f"checked in {what} is missing the key {key!r}")
    url, quote, date = value.get("url"), value.get("quote"), value.get("date")
    if "url" in value and not (isinstance(url, str) and url.startswith(("https://", "http://"))):
        bad(value.line_of("url"), f"checked url must be the web address read (https://...), got {url!r}")
    if "quote" in value and (not isinstance(quote, str) or not quote.strip()):
        bad(value.line_of("quote"), "checked quote must be the sentence read, verbatim (non-empty text)")
    elif isinstance(quote, str) and len(quote) > MAX_QUOTE:
        bad(value.line_of("quote"), f"checked quote must be short (at most {MAX_QUOTE} characters), "
                                    f"got {len(quote)}")
    if "date" in value and not _is_date(date):
        bad(value.line_of("date"), f"checked date must be the day it was read (YYYY-MM-DD), got {date!r}")


def checked_of(node: Mapping[str, Any]) -> Checked | None:
    """The `checked` mark of a validated entry, or None."""
    value = node.get("checked")
    if not isinstance(value, Mapping):
        return None
    return Checked(url=str(value["url"]), quote=str(value["quote"]).strip(), date=_iso(value["date"]))


def _is_date(value: Any) -> bool:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return True
    if isinstance(value, str):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return False
        return True
    return False


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


# --- the listing -------------------------------------------------------------------------


def is_to_check(status: str, checked: Checked | None) -> bool:
    """Still to check: neither confirmed by the reference nor checked by us."""
    return not status.startswith("confirmed") and checked is None


def marks(status: str, checked: Checked | None, *, whose: str = "regimes.md") -> str:
    """Both marks, as a listing shows them: "unconfirmed in regimes.md; checked 2026-12-05: <url>"."""
    text = f"{status} in {whose}"
    return f"{text}; checked {checked.date}: {checked.url}" if checked else text


def us_law_rows(laws: Mapping[str, Mapping[str, Any]], *, unconfirmed: bool) -> list[dict[str, Any]]:
    """One listing row per US state law (us-state-laws.yaml): `us-law:US-AL`, with its statute.

    With `unconfirmed`, only the laws whose text was not read (status not confirmed*)."""
    rows = []
    for ident, law in laws.items():
        status = str(law.get("status", "unconfirmed"))
        if unconfirmed and status in US_LAW_READ:
            continue
        regulator = law.get("regulator")
        rows.append({
            "id": f"us-law:{ident}", "regime": "us-state-laws", "recipient": f"residents of {law.get('name')}",
            "start": "-", "period": _days(law.get("residents")), "binding": "law",
            "source": f"{law.get('statute')} ({law.get('url')})", "status": status, "jurisdiction": ident,
            "duty": "notice", "per_authority": None, "checked": None,
            "regulator": regulator.get("recipient") if isinstance(regulator, Mapping) else None,
        })
    return rows


def _days(residents: Any) -> str | None:
    days = residents.get("deadline_days") if isinstance(residents, Mapping) else None
    return f"{days} days" if isinstance(days, int) else None


def count_by_regime(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """How many rows each regime has ("authorities", "us-state-laws", "dora", ...)."""
    out: dict[str, int] = {}
    for row in rows:
        out[str(row["regime"])] = out.get(str(row["regime"]), 0) + 1
    return out
