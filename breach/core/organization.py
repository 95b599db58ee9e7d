"""The organization profile (`organization.yaml` in the data folder), validated on load.

Pure: the profile's text comes in (breach.adapters.profile reads the file).
"""

from __future__ import annotations

from typing import Any

from breach.core.profile import SLACK_ROLES, Profile
from breach.core.yamlio import LineDict, LineList, loads_yaml
from breach.errors import Problem, ValidationError

FILE_NAME = "organization.yaml"

_TOP: dict[str, type | tuple[type, ...]] = {
    "name": str, "source": str, "timezone": str, "languages": list, "entities": list,
    "joint_controllers": bool, "contact": dict, "lead_authority": dict, "regimes": list,
    "data_inventory": list, "security_measures": list, "sectors": list,
    "sector": (str, dict), "dpo": dict,  # Belgian DPA form: sector of activity; DPO or its absence
    "review": dict,  # legal review: {four_eyes: true} (who drafted a version may not approve it)
    "words": dict,  # each country's words: {national_id: {NL: {nl: BSN}}} (breach/core/national_words.py)
    "slack": dict,  # who may act from Slack: {users: {U0123ABCD: {name: "Lea Legal", role: legal}}}
}
#: `lead_authority` is required too unless no controller has an EU main establishment (Art. 27 case).
_REQUIRED = ("name", "timezone", "entities", "contact")
_ENTITY = {"id", "name", "registration", "address", "country", "subdivision", "main_establishment",
           "roles", "source", "description"}
_CONTACT = {"name", "role", "email", "privacy_email", "phone", "source"}
_AUTHORITY = {"country", "name", "short", "languages", "languages_mandatory", "basis", "source"}
_DPO = {"designated", "name", "email", "phone", "reason", "source"}
_LANGS = ("en", "fr", "nl", "de")
_ITEM = {"id", "label", "category", "credential", "source"}
_REVIEW = {"four_eyes": bool}
_WORDS = ("national_id",)
CATEGORIES = ("simple", "behavioural", "financial", "sensitive")
_SLACK_USER = {"name", "role"}


def checked_org(data: Any, source: str) -> dict[str, Any]:
    """A parsed profile, validated; raises ValidationError with every problem (file and line)."""
    problems = validate_org(data, source)
    if problems or not isinstance(data, LineDict):  # validate_org names a profile that is not a mapping
        raise ValidationError(problems)
    return data


def load_org_text(text: str, *, source: str) -> Profile:
    """A profile from its text (the version a team pushed to the database), typed once validated; problems
    name `source`."""
    return Profile.of(checked_org(loads_yaml(text, path=source), source))


def validate_org(data: Any, path: str) -> list[Problem]:
    """Every problem in a parsed profile, each with its line, in the order of the checks below."""
    from breach.core import authorities

    if not isinstance(data, LineDict):
        return [Problem(path, None, "the organization profile must be a mapping")]
    return [
        *_check_top(data, path),
        *_check_items(data, path, "entities", _ENTITY, ("name", "country")),
        *_check_establishment(data, path, authorities),
        *_check_items(data, path, "data_inventory", _ITEM, ("id", "category")),
        *_check_languages(data, path),
        *_check_sections(data, path),
        *_check_review(data, path),
        *_check_slack(data.get("slack"), path),
        *_check_words(data.get("words"), path),
    ]


def _at(path: str, node: LineDict, key: str, msg: str) -> Problem:
    return Problem(path, node.line_of(key), msg)


def _check_top(data: LineDict, path: str) -> list[Problem]:
    """Known top-level keys of the right type, the required ones, and a zone that exists."""
    from breach.core import time as clock
    from breach.errors import InputError

    problems: list[Problem] = []
    for key, value in data.items():
        if key not in _TOP:
            problems.append(_at(path, data, key, f"unknown key {key!r} (known: {', '.join(sorted(_TOP))})"))
        elif not isinstance(value, expected := _TOP[key]):
            kinds = expected if isinstance(expected, tuple) else (expected,)
            problems.append(_at(path, data, key, f"{key!r} must be a {' or '.join(k.__name__ for k in kinds)}"))
    for key in _REQUIRED:
        if key not in data:
            problems.append(Problem(path, data.line, f"missing required key {key!r}"))
    if isinstance(data.get("timezone"), str):
        try:
            clock.zone(data["timezone"])
        except InputError as exc:
            problems.append(_at(path, data, "timezone", str(exc)))
    return problems


def _check_items(data: LineDict, path: str, key: str, allowed: set[str], required: tuple[str, ...]) -> list[Problem]:
    """A list of mappings (`entities`, `data_inventory`): known keys, the required ones, a known category."""
    items = data.get(key)
    if not isinstance(items, LineList):
        return []
    problems: list[Problem] = []
    for i, item in enumerate(items):
        if not isinstance(item, LineDict):
            problems.append(Problem(path, items.line_of(i), f"each entry of {key!r} must be a mapping"))
            continue
        problems += [_at(path, item, k, f"unknown key {k!r} in {key}") for k in item if k not in allowed]
        problems += [Problem(path, item.line, f"{key} entry is missing {k!r}") for k in required if k not in item]
        if key == "data_inventory" and item.get("category") not in CATEGORIES:
            problems.append(_at(path, item, "category", f"category must be one of {', '.join(CATEGORIES)}"))
    return problems


def _check_languages(data: LineDict, path: str) -> list[Problem]:
    """Free text may be given per language ({en: ..., fr: ...}): only en, fr, nl, de."""
    problems: list[Problem] = []
    for node, key in ((data, "sector"), (data.get("contact"), "role"), (data.get("dpo"), "reason")):
        value = node.get(key) if isinstance(node, LineDict) else None
        if isinstance(node, LineDict) and isinstance(value, dict) and not set(value) <= set(_LANGS):
            problems.append(_at(path, node, key, f"{key!r} per language takes {', '.join(_LANGS)} only"))
    for i, measure in enumerate(data.get("security_measures") or []):
        if not isinstance(measure, str | dict) or (isinstance(measure, dict) and not set(measure) <= set(_LANGS)):
            problems.append(Problem(path, data["security_measures"].line_of(i) if isinstance(
                data["security_measures"], LineList) else None, "a security measure is text, or text per language"))
    return problems


def _check_sections(data: LineDict, path: str) -> list[Problem]:
    """`contact`, `lead_authority` and `dpo`: known keys and the required ones."""
    problems: list[Problem] = []
    for key, allowed, required in (("contact", _CONTACT, ("name", "email")),
                                   ("lead_authority", _AUTHORITY, ("name", "country")),
                                   ("dpo", _DPO, ("designated",))):
        node = data.get(key)
        if isinstance(node, LineDict):
            problems += [_at(path, node, k, f"unknown key {k!r} in {key}") for k in node if k not in allowed]
            problems += [Problem(path, node.line, f"{key} is missing {k!r}") for k in required if k not in node]
    return problems


def _check_review(data: LineDict, path: str) -> list[Problem]:
    """`review: {four_eyes: true}`."""
    review = data.get("review")
    if not isinstance(review, LineDict):
        return []
    problems: list[Problem] = []
    for k, v in review.items():
        if k not in _REVIEW:
            problems.append(_at(path, review, k, f"unknown key {k!r} in review (known: {', '.join(sorted(_REVIEW))})"))
        elif not isinstance(v, _REVIEW[k]):
            problems.append(_at(path, review, k, f"review.{k} takes true or false"))
    return problems


def _check_words(words: Any, path: str) -> list[Problem]:
    """`words: {national_id: {NL: {nl: BSN, en: BSN}}}`: a country (or US-CA) and a language per word."""
    if not isinstance(words, LineDict):
        return []
    problems: list[Problem] = []
    for kind, by_country in words.items():
        if kind not in _WORDS:
            problems.append(_at(path, words, kind, f"unknown key {kind!r} in words (known: {', '.join(_WORDS)})"))
        elif not isinstance(by_country, LineDict):
            problems.append(_at(path, words, kind, f"words.{kind} maps a country code to {{language: word}}"))
        else:
            problems += _check_word_table(by_country, path, f"words.{kind}")
    return problems


def _check_word_table(by_country: LineDict, path: str, where: str) -> list[Problem]:
    import re

    problems: list[Problem] = []
    for code, by_lang in by_country.items():
        if not isinstance(code, str) or not re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{1,3})?", code):
            problems.append(_at(path, by_country, code, f"{where}: {code!r} is not a country code like NL or US-CA"))
        elif not isinstance(by_lang, LineDict) or not by_lang:
            problems.append(_at(path, by_country, code, f"{where}.{code} maps a language ({', '.join(_LANGS)}) "
                                                          "to a word"))
        else:
            problems += [_at(path, by_lang, lang, f"{where}.{code}.{lang}: a language of {', '.join(_LANGS)} "
                                                  "with a non-empty word")
                         for lang, word in by_lang.items()
                         if lang not in _LANGS or not isinstance(word, str) or not word.strip()]
    return problems


def _check_slack(slack: Any, path: str) -> list[Problem]:
    """`slack: {users: {U0123ABCD: {name: "Lea Legal", role: legal}}, customer_names: false}`: Slack user ids
    to people and roles; whether reminders may name the processor's customers (default: counts only)."""
    if not isinstance(slack, LineDict):
        return []
    problems: list[Problem] = []
    for k in slack:
        if k not in ("users", "customer_names"):
            problems.append(Problem(path, slack.line_of(k), f"unknown key {k!r} in slack (known: users, "
                                                             "customer_names)"))
    if "customer_names" in slack and not isinstance(slack["customer_names"], bool):
        problems.append(Problem(path, slack.line_of("customer_names"), "slack.customer_names is true or false"))
    users = slack.get("users")
    if users is not None and not isinstance(users, LineDict):
        return [*problems, Problem(path, slack.line_of("users"), "slack.users maps Slack user ids to "
                                   "{name: ..., role: ...}")]
    mapped: LineDict = users or LineDict()
    for user_id, person in mapped.items():
        where = mapped.line_of(user_id)
        if not (isinstance(user_id, str) and user_id[:1] in "UW" and user_id.isalnum() and user_id.isupper()):
            problems.append(Problem(path, where, f"slack.users: {user_id!r} is not a Slack user id (U0123ABCD)"))
        if not isinstance(person, dict):
            problems.append(Problem(path, where, f"slack.users.{user_id} takes {{name: ..., role: ...}}"))
            continue
        unknown = sorted(set(person) - _SLACK_USER)
        if unknown:
            problems.append(Problem(path, where, f"unknown key {unknown[0]!r} in slack.users.{user_id}"))
        if not isinstance(person.get("name"), str) or not person["name"].strip():
            problems.append(Problem(path, where, f"slack.users.{user_id} is missing 'name' (the person's name)"))
        if person.get("role") not in SLACK_ROLES:
            problems.append(Problem(path, where, f"slack.users.{user_id}: role must be one of "
                                    f"{', '.join(SLACK_ROLES)}"))
    return problems


def _check_establishment(data: LineDict, path: str, authorities: Any) -> list[Problem]:
    """Per controller entity, `main_establishment: true|false` says whether the one-stop-shop applies.

    GDPR Art. 56: the lead authority is the one of the main establishment's member state. With
    every controller `main_establishment: false` and outside the EU/EEA (the Art. 27 case), there
    is no lead authority: each authority where affected people live is notified (EDPB Guidelines
    9/2022 v2.0, para 73).
    """
    problems: list[Problem] = []
    entities = [e for e in data.get("entities") or [] if isinstance(e, LineDict)]
    main = []
    for e in entities:
        if "main_establishment" not in e:
            continue
        if not isinstance(e["main_establishment"], bool):
            problems.append(Problem(path, e.line_of("main_establishment"), "main_establishment takes true or false"))
        elif e["main_establishment"]:
            main.append(e)
            if not authorities.member_state(str(e.get("country") or "")):
                problems.append(Problem(path, e.line_of("main_establishment"),
                                        f"a main establishment (GDPR Art. 4(16)) is in an EU/EEA member state, "
                                        f"not {e.get('country')!r}; set main_establishment: false"))
    if len(main) > 1:
        problems.append(Problem(path, main[1].line_of("main_establishment"),
                                "only one entity can be the main establishment (GDPR Art. 56: one lead authority)"))
    declared = any("main_establishment" in e for e in entities)
    lead = data.get("lead_authority")
    if (main or not declared) and "lead_authority" not in data:
        problems.append(Problem(path, data.line, "missing required key 'lead_authority' (the authority of the main "
                                                 "establishment, GDPR Art. 56)"))
    if main and isinstance(lead, LineDict) and isinstance(lead.get("country"), str):
        country = authorities.member_state(str(main[0].get("country") or ""))
        if country and authorities.member_state(lead["country"]) != country:
            problems.append(Problem(path, lead.line_of("country"),
                                    f"lead_authority is the authority of the main establishment's member state "
                                    f"({country}), not {lead['country']!r} (GDPR Art. 56)"))
    if declared and not main and "lead_authority" in data:
        problems.append(Problem(path, data.line_of("lead_authority"),
                                "no entity is the main establishment, so there is no lead authority: remove "
                                "lead_authority (every authority concerned is notified, EDPB Guidelines 9/2022 "
                                "para 73) or mark the main establishment"))
    return problems
