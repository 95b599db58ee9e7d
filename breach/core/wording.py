"""Fixed words in the filing language: dates, country names, rationale, obligation reasons.

Pure: the message catalogue (`templates/i18n/<lang>.yaml`) is passed in as `t`. Country
names and month names come from CLDR (babel, imported inside the functions so that
`breach --help` stays fast). No English reaches an fr, nl or de document from here:
the risk engine's rationale lines are English, so for other languages they are
rebuilt from the structured result (scores, factors, decision) with catalogue keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from breach.core.data_words import reason_lines

#: The reason an obligation gives while its trigger waits for the risk assessment (breach.core.regimes).
AWAITING_ASSESSMENT = "awaiting the risk assessment"

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)")
#: French typography: a narrow no-break space before : ; ? ! (not in URLs or times).
_FR_PUNCT = re.compile(r"(?<=\S)[ \u00a0]([:;?!])(?=[\s*<]|$)", re.MULTILINE)


def is_iso_time(value: Any) -> bool:
    return isinstance(value, str) and bool(_ISO.fullmatch(value))


def show_time(value: str, lang: str, t: Mapping[str, Any]) -> str:
    """'2026-11-28T14:05:00+01:00' -> '28 novembre 2026, 14:05 (UTC+01:00)' (CLDR month names)."""
    from babel.dates import format_date

    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    offset = when.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}" if offset else ""
    return str(t["datetime_format"]).format(date=format_date(when.date(), "long", locale=lang),
                                       time=when.strftime("%H:%M"), offset=offset)


def country_name(code: str, lang: str, t: Mapping[str, Any]) -> str:
    """ISO 3166 code -> its name in `lang` (CLDR); 'US-CA' -> 'Californie (États-Unis)'."""
    from babel import Locale

    code = str(code).upper()
    country, _, sub = code.partition("-")
    name = Locale.parse(lang).territories.get(country, country)
    if sub:
        part = (t.get("subdivisions") or {}).get(code, code)
        return f"{part} ({name})"
    return str(name)


def french_typography(text: str) -> str:
    """A narrow no-break space (U+202F) before : ; ? ! as French typography wants."""
    return _FR_PUNCT.sub("\u202f\\1", text)


def _num(value: Any, t: Mapping[str, Any]) -> str:
    if value is None:
        return "?"
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text.replace(".", t["decimal"])


def rationale_lines(assessment: Mapping[str, Any], lang: str, t: Mapping[str, Any],
                    override_reason: str | None) -> list[str]:
    """The decision's reasons in `lang`, from the structured result (not the English lines)."""
    r = t["rationale"]
    out = []
    if assessment.get("severity") is not None:
        out.append(r["enisa"].format(se=_num(assessment.get("severity"), t), dpc=_num(assessment.get("dpc"), t),
                                     ei=_num(assessment.get("ei"), t), cb=_num(assessment.get("cb"), t),
                                     level=t["levels"].get(assessment.get("level"), "?")))
    categories = (assessment.get("answers") or {}).get("data_categories") or []
    if categories:
        words = [t["categories"].get(c, c) for c in categories]
        out.append(r["categories"].format(categories=", ".join(words)))
    for factor in assessment.get("factors") or []:
        out.append(r["factor"].format(factor=t["factors"].get(factor, factor)))
    out += reason_lines(assessment, lang, t)  # the reasons for not notifying, in every language (Art. 33(5))
    computed, risk = assessment.get("computed_risk") or assessment.get("risk"), assessment.get("risk")
    if computed:
        out.append(r["computed"].format(risk=t["risks"].get(computed, computed)))
    if assessment.get("risk_override"):
        out.append(r["override"].format(risk=t["risks"].get(risk, risk),
                                        reason=override_reason or r["no_reason"]))
    if assessment.get("role") == "processor":
        out.append(r["processor"])
    elif assessment.get("notify_sa") is not None:
        out.append(r["notify_sa"] if assessment.get("notify_sa") else r["no_notify_sa"])
        exemption = assessment.get("exemption")
        if exemption:
            out.append(r["exemption"].format(exemption=t["exemptions"].get(exemption, exemption)))
        elif assessment.get("notify_subjects") is not None:
            out.append(r["notify_subjects"] if assessment.get("notify_subjects") else r["no_notify_subjects"])
    out.append(r["document"])
    return out


def obligation_reason(ob: dict[str, Any], lang: str, t: Mapping[str, Any], delay: str | None) -> str | None:
    """Why an obligation is in its state, in `lang`: English rule text only in English documents."""
    reason = ob.get("reason")
    if lang == "en" or not reason:
        return reason
    code = ob.get("reason_code") or "other"
    text = t["reasons"].get(code, t["reasons"]["other"])
    return str(text).format(reasons=delay or t["reasons"]["none_given"])


#: Internal source tokens of shared/reference/regimes.md ([S1], [S27]): not for readers.
_TOKENS = re.compile(r"\s*\[S\d+\]")
_BOOL = {"True": "yes", "False": "no"}
def short_source(source: str | None) -> str:
    """'GDPR Art. 33(1); EDPB Guidelines 9/2022 on awareness [S1][S2]' -> without the [S..] tokens."""
    return _TOKENS.sub("", source or "").strip()


def human_reason(reason: str | None) -> str:
    """A rule's reason in words: no Python booleans, no internal keys."""
    if not reason:
        return ""
    text = re.sub(r"\b(True|False)\b", lambda m: _BOOL[m.group(1)], reason)
    text = re.sub(r"latest assessment: (\w+) is (yes|no), not (yes|no)",
                  lambda m: f"the assessment answered {m.group(1).replace('_', ' ')}: {m.group(2)}", text)
    return _TOKENS.sub("", text)


# --- values in words: what every human output shows for an event's or an answer's value ---------

#: Languages a free-text answer may be given in (a dict of these keys is one answer in several languages).
TEXT_LANGS = ("en", "fr", "nl", "de")
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


def is_translations(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(k in TEXT_LANGS for k in value)


def key_words(key: str) -> str:
    """An answer key or a choice value for readers: 'dpc_score' -> 'dpc score'."""
    return key.replace("_", " ") if isinstance(key, str) and _SNAKE.match(key) else str(key)


def words(value: Any, lang: str | None = None, *, none: str = "not answered") -> str:
    """Any recorded value in words, never a Python repr.

    Texts in several languages -> the reader's language (`lang`) if given, else 'en: …; fr: …';
    True/False -> yes/no; None -> `none` ('not answered', or 'unknown'); lists -> 'a, b';
    other dicts -> 'key: value; …' with keys in words; snake_case choice values in words.
    """
    if value is None:
        return none
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return str(value)
    if is_translations(value):
        if lang and value.get(lang) not in (None, ""):
            return words(value[lang], none=none)
        order = sorted(value, key=lambda k: TEXT_LANGS.index(k))  # English first, as the templates list them
        return "; ".join(f"{k}: {words(value[k], none=none)}" for k in order)
    if isinstance(value, dict):
        if not value:
            return "none"
        return "; ".join(f"{key_words(str(k))}: {words(v, lang, none=none)}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(words(v, lang, none=none) for v in value) if value else "none"
    return key_words(str(value))


#: The rules file's notes on its own research status (shared/reference/regimes.md): not for readers.
_INTERNAL = re.compile(r"regimes\.md|Status per |\bfrom (?:general )?knowledge\b(?! that)|\bfrom memory\b"
                       r"|not seen verbatim|hand-populated seed", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


def human_note(note: str | None) -> str:
    """A rule's note for readers: without the rules file's status notes and source tokens.

    'Status per regimes.md: Art. 34 wording from knowledge, … in [S3]. "Without undue delay"; …'
    -> '"Without undue delay"; …'. A parenthesis or clause that is such a note goes; so does a
    sentence that still is one.
    """
    if not note:
        return ""
    text = _TOKENS.sub("", note)
    # "(...; from general knowledge, not researched in regimes.md)" -> "(...)"
    text = re.sub(r";\s*[^;()]*?(?:from (?:general )?knowledge|from memory|regimes\.md)[^;()]*(?=\))", "", text,
                  flags=re.IGNORECASE)
    # a parenthesis that is all status note: "(record duty confirmed; … unconfirmed in regimes.md)"
    text = re.sub(r"\s*\((?:[^()]|\([^()]*\))*\)",
                  lambda m: "" if _INTERNAL.search(m.group(0)) else m.group(0), text)
    kept = [s for s in _SENTENCE.split(text.strip()) if s and not _INTERNAL.search(s)]
    return " ".join(kept).strip()
