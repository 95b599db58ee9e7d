"""Notices and register entries: templates/ rendered in a strict jinja2 sandbox.

Pure: `render(kind=..., lang=..., fmt=..., context=...)` takes the context dict the
caller built (see templates/README.md) and returns text; nothing is sent or stored.
The tool prepares, people decide: every document starts with a localized DRAFT marker,
and required content that is missing shows as a visible localized placeholder, e.g.
`[MISSING: number of data subjects — GDPR Art. 33(3)(a)]`, listed in `Rendered.missing`.

Responder text is data, never template source: it reaches the templates only as
variables (no `from_string` on it), so `{{ 7*7 }}` in a title stays `{{ 7*7 }}`, and
html output is autoescaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from breach.core.resources import shipped
from breach.errors import InputError

KINDS = (
    "sa-notification",  # GDPR Art. 33(1), (3): controller -> lead supervisory authority
    "subject-letter",  # Art. 34(1), (2): controller -> each data subject
    "public-notice",  # Art. 34(3)(c): public communication instead of letters
    "controller-notice",  # Art. 33(2): processor -> controller
    "followup",  # Art. 33(4): information in phases
    "register-entry",  # Art. 33(5): documentation of every breach
    "us-ca-letter",  # Cal. Civ. Code 1798.82(d) form, with the Art. 34(2) content: California residents
)
#: Kinds written in some languages only (the statute prescribes English headings).
KIND_LANGS: dict[str, tuple[str, ...]] = {"us-ca-letter": ("en",)}
LANGS = ("en", "fr", "nl", "de")
FORMATS = ("md", "html", "txt")
#: Phases of a notice to the supervisory authority (GDPR Art. 33(4); the Belgian DPA form's
#: "type of notification"): initial (more to follow), complete, supplementary (to an earlier one).
PHASES = ("initial", "complete", "supplementary")

#: The top-level context keys a template may read (see templates/README.md).
CONTEXT_KEYS = ("incident", "org", "assessment", "obligations", "notice", "generated_at")

_A = "assessment.answers."

#: Required content per kind: dotted context keys. Labels and legal sources are in
#: templates/i18n/<lang>.yaml under `fields`; the English ones are `Field.label/source`.
#: Art. 34(2): what the people affected are told, in a letter or (Art. 34(3)(c)) in public.
_TO_PEOPLE = (
    "org.name",
    "org.contact.name",
    "org.contact.email",
    "incident.aware_at",
    _A + "plain_summary",
    _A + "data_items",
    _A + "consequences",
    _A + "measures_taken",
    _A + "advice_to_subjects",
)

REQUIRED: dict[str, tuple[str, ...]] = {
    "sa-notification": (
        "org.name",
        "org.lead_authority.name",
        "org.contact.name",
        "org.contact.email",
        "incident.occurred_at",
        "incident.detected_at",
        "incident.aware_at",
        "notice.reasons_for_delay",
        _A + "nature_summary",
        _A + "breach_types",
        _A + "subject_categories",
        _A + "subjects_count",
        _A + "data_categories",
        _A + "data_items",
        _A + "records_count",
        _A + "consequences",
        _A + "measures_taken",  # Art. 33(3)(d): measures taken *or* proposed; proposed ones are shown if given
    ),
    "subject-letter": _TO_PEOPLE,
    "public-notice": _TO_PEOPLE,
    "controller-notice": (
        "org.name",
        "org.contact.name",
        "org.contact.email",
        "incident.id",
        "incident.occurred_at",
        "incident.detected_at",
        "incident.aware_at",
        _A + "nature_summary",
        _A + "breach_types",
        _A + "subjects_count",
        _A + "data_items",
        _A + "records_count",
        _A + "consequences",
        _A + "measures_taken",
    ),
    "followup": (
        "org.name",
        "org.lead_authority.name",
        "org.contact.name",
        "org.contact.email",
        "notice.previous_reference",
        "notice.reasons_for_delay",
        _A + "nature_summary",
        _A + "subjects_count",
        _A + "data_items",
        _A + "records_count",
        _A + "consequences",
        _A + "measures_taken",
    ),
    "register-entry": (
        "incident.id",
        "incident.title",
        "incident.occurred_at",
        "incident.detected_at",
        "incident.aware_at",
        _A + "nature_summary",
        _A + "breach_types",
        _A + "subjects_count",
        _A + "data_items",
        _A + "consequences",
        _A + "measures_taken",
        "assessment.risk",
        "assessment.rationale",
        "notice.reasons_for_delay",
    ),
    "us-ca-letter": (
        "org.name",
        "org.contact.name",
        "org.contact.email",
        "incident.aware_at",
        _A + "plain_summary",
        _A + "data_items",
        _A + "consequences",
        _A + "measures_taken",
        _A + "advice_to_subjects",
    ),
}
REQUIRED["sa-notification"] += ("notice.previous_reference",)

#: Fields required only when another context value is truthy.
WHEN: dict[str, str] = {
    "notice.reasons_for_delay": "notice.late",  # Art. 33(1): reasons when later than 72 h
}
#: The same, for one kind only (the follow-up always cites the first notice).
WHEN_BY_KIND: dict[str, dict[str, str]] = {
    "sa-notification": {"notice.previous_reference": "notice.supplementary"},  # cites the DBN reference
}

#: Free text people write. A plain string is English; other languages come as
#: {fr: ..., nl: ..., de: ...}. A document in language L prints only L's text: never
#: another language's (the Belgian DPA treats a notice not in fr/nl/de as inadmissible).
FREE_TEXT = frozenset({
    *(_A + k for k in ("nature_summary", "plain_summary", "consequences", "measures_taken", "measures_proposed",
                       "advice_to_subjects", "awareness_note", "reasons_for_delay", "risk_override_reason",
                       "discovery_details", "security_measures_before", "subjects_not_informed_reason",
                       "other_bodies_details", "processor_details", "cause_details")),
    "incident.awareness_note", "incident.summary", "notice.reasons_for_delay",
    "org.contact.role", "org.sector", "org.security_measures", "org.dpo.reason",
})

#: Art. 33(3) content an initial notice may leave "to follow" (Art. 33(4): information in phases).
DEFERRABLE = frozenset({
    "incident.occurred_at", "incident.detected_at",
    *(_A + k for k in ("nature_summary", "breach_types", "subject_categories", "subjects_count", "data_categories",
                       "data_items", "records_count", "consequences", "measures_taken")),
})


@dataclass(frozen=True)
class Field:
    """One piece of required content: where it sits in the context and the law asking for it."""

    key: str  # dotted path in the context, e.g. "assessment.answers.subjects_count"
    label: str  # English
    source: str  # e.g. "GDPR Art. 33(3)(a)"
    when: str | None = None  # required only when this context key is truthy


@dataclass(frozen=True)
class Rendered:
    """A drafted document. `missing` lists the context keys shown as placeholders."""

    text: str
    missing: list[str]
    template: str  # "templates/followup/de.md.j2" when shipped, else the data folder's file
    subject: str  # the subject line, without the DRAFT marker
    origin: str = "shipped"  # or "data folder": the organization's own template was used


def required_fields(kind: str) -> list[Field]:
    """Return the content `kind` needs, with English labels and legal sources."""
    _check(kind=kind)
    labels = _i18n("en")["fields"]
    return [
        Field(key=key, label=labels[key]["label"], source=labels[key]["source"],
              when=WHEN_BY_KIND.get(kind, {}).get(key) or WHEN.get(key))
        for key in REQUIRED[kind]
    ]


def missing_fields(kind: str, context: dict[str, Any], lang: str | None = None) -> list[Field]:
    """Return the required fields that are None, empty or absent in `context`.

    A field with a `when` condition counts only if that condition holds (e.g. reasons
    for the delay only when the notice is late). With `lang`, free text must exist in
    that language (a plain string is English). In an initial notice (`notice.phase`),
    Art. 33(3) content not yet known is not missing: it is "to follow" (Art. 33(4)).
    """
    _check_context(context)
    return [f for f in required_fields(kind) if missing_key(f, context, lang) is not None]


def missing_key(field: Field, context: dict[str, Any], lang: str | None) -> str | None:
    """How `field` is missing: its key, "key (L)" for a missing translation, or None."""
    if field.when is not None and not _lookup(context, field.when):
        return None
    value, untranslated = _pick(_lookup(context, field.key), lang, field.key in FREE_TEXT)
    if untranslated:
        return f"{field.key} ({lang})"
    if not _is_missing(value):
        return None
    return None if _deferred(field.key, context) else field.key


def missing_translations(missing: list[str]) -> list[str]:
    """The entries of a draft's `missing` that are translations ("key (fr)"), not unknown facts."""
    return [m for m in missing if m.endswith(")") and " (" in m]


def _deferred(key: str, context: dict[str, Any]) -> bool:
    return key in DEFERRABLE and _lookup(context, "notice.phase") == "initial"


def _pick(value: Any, lang: str | None, free: bool) -> tuple[Any, bool]:
    """(the value in `lang`, whether only its translation is lacking).

    Per-language text gives `lang`'s text; a plain string in a free-text field is English.
    Lists (e.g. security measures) are picked item by item.
    """
    if lang is None:
        return value, False
    if _per_language(value):
        text = value.get(lang)
        if _is_missing(text):
            return None, any(not _is_missing(v) for v in value.values())
        return text, False
    if free and isinstance(value, str) and value.strip() and lang != "en":
        return None, True
    if isinstance(value, list) and any(_per_language(v) or (free and isinstance(v, str)) for v in value):
        picked = [_pick(v, lang, free) for v in value]
        if any(lacking for _, lacking in picked):
            return None, True
        return [v for v, _ in picked if not _is_missing(v)], False
    return value, False


def render(kind: str, lang: str, fmt: str, context: dict[str, Any],
           template_dirs: tuple[Path, ...] | None = None) -> Rendered:
    """Render one document of `kind` in `lang` as `fmt` (md, html or txt).

    Example: `render("sa-notification", "fr", "md", context).text` starts with
    `# [PROJET – non approuvé par le service juridique] Notification ...`.
    `template_dirs`: folders searched in order (a data folder's own `templates/` first,
    see breach.core.resources.search_path); default: the shipped templates only.
    """
    _check(kind=kind, lang=lang, fmt=fmt)
    _check_context(context)
    dirs = tuple(template_dirs) if template_dirs else (shipped("templates"),)
    name = template_name(kind, lang)
    misses: list[str] = []
    from jinja2 import TemplateError

    try:
        template = _environment(fmt, dirs).get_template(name)
        text = _tidy(template.render(_variables(context, lang, fmt, misses, dirs)))
        if lang == "fr":
            from breach.core.wording import french_typography

            text = french_typography(text)
        # The subject is the template's `subject` block, rendered without escaping.
        md = _environment("md", dirs).get_template(name)
        block = md.blocks["subject"](md.new_context(_variables(context, lang, "md", [], dirs)))
    except TemplateError as exc:
        # The sandbox refused something, or the template is broken: say which file, no traceback.
        where = getattr(exc, "filename", None) or _template_file(dirs, name)
        line = f":{exc.lineno}" if getattr(exc, "lineno", None) else ""
        raise InputError(f"template {where}{line} cannot be rendered: {exc.__class__.__name__}: {exc}") from None
    except KeyError as exc:
        raise InputError(f"template {_template_file(dirs, name)} has no block {exc}") from None
    subject = " ".join("".join(block).split())
    if lang == "fr":
        from breach.core.wording import french_typography

        subject = french_typography(subject)
    keys = [k for f in required_fields(kind) if (k := missing_key(f, context, lang)) is not None]
    keys += [k for k in dict.fromkeys(misses) if k not in keys]
    used = Path(template.filename or name)
    own = dirs[0] != shipped("templates") and used.is_relative_to(dirs[0])
    return Rendered(text=text, missing=keys, template=str(used) if own else f"templates/{name}", subject=subject,
                    origin="data folder" if own else "shipped")


def _template_file(dirs: tuple[Path, ...], name: str) -> str:
    return str(next((d / name for d in dirs if (d / name).is_file()), name))


def template_name(kind: str, lang: str) -> str:
    """Return the template's name inside templates/, e.g. "followup/de.md.j2"."""
    _check(kind=kind, lang=lang)
    return f"{kind}/{lang}.md.j2"


def kind_langs(kind: str) -> tuple[str, ...]:
    """The languages `kind` is written in (us-ca-letter: English, as the statute's headings)."""
    return KIND_LANGS.get(kind, LANGS)


def draft_marker(lang: str) -> str:
    """Return the localized DRAFT marker that opens every document, e.g. "ENTWURF – ..."."""
    _check(lang=lang)
    return _i18n(lang)["draft"]


def placeholders_in(text: str, lang: str) -> list[str]:
    """The MISSING placeholders still in a text (e.g. legal's edit), as `label — source`, in order.

    Example: "... [MANQUANT\u202f: nombre de personnes — RGPD art. 33(3)(a)] ..." (fr) -> ["nombre ... 33(3)(a)"].
    Any space before and after the colon counts (legal may retype one with a plain or no-break space),
    so a placeholder never slips past the approval gate for its typography.
    """
    _check(lang=lang)
    t = _i18n(lang)
    colon = re.escape(t["colon"].strip())
    found = re.findall(re.escape(f"[{t['missing']}") + rf"\s*{colon}\s+([^\]\n]*)\]", text)
    return list(dict.fromkeys(found))


def make_environment(fmt: str, template_dirs: tuple[Path, ...] | None = None):
    """Build the sandboxed jinja2 environment used for `fmt` (autoescape only for html).

    ImmutableSandboxedEnvironment: no access to Python internals (SecurityError) and no
    mutation of the context from a template. StrictUndefined and a `finalize` that
    refuses None make template bugs fail loudly instead of printing blanks or "None".
    """
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.exceptions import UndefinedError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    _check(fmt=fmt)

    def finalize(value: Any) -> Any:
        if value is None:
            raise UndefinedError("a template printed None: use need(), val() or show()")
        return value

    return ImmutableSandboxedEnvironment(
        loader=FileSystemLoader([str(d) for d in (template_dirs or (shipped("templates"),))]),
        undefined=StrictUndefined,
        autoescape=fmt == "html",
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


# --- internals ------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _environment(fmt: str, template_dirs: tuple[Path, ...]):
    return make_environment(fmt, template_dirs)


def _check(*, kind: str | None = None, lang: str | None = None, fmt: str | None = None) -> None:
    for value, allowed, what in ((kind, KINDS, "kind"), (lang, LANGS, "language"), (fmt, FORMATS, "format")):
        if value is not None and value not in allowed:
            raise InputError(f"unknown {what} {value!r} (choose from: {', '.join(allowed)})")
    if kind is not None and lang is not None and lang not in kind_langs(kind):
        raise InputError(f"{kind} is written in {', '.join(kind_langs(kind))} only, not {lang!r}")


def _check_context(context: Any) -> None:
    if not isinstance(context, dict):
        raise InputError(f"the drafting context must be a dict, not {type(context).__name__}")


@lru_cache(maxsize=32)
def _i18n(lang: str, template_dirs: tuple[Path, ...] | None = None) -> dict[str, Any]:
    """The message catalogue of `lang`; the first folder that has it wins."""
    from breach.core.yamlio import load_yaml, plain

    for folder in template_dirs or (shipped("templates"),):
        path = folder / "i18n" / f"{lang}.yaml"
        if path.is_file():
            return plain(load_yaml(path))
    raise InputError(f"no message catalogue for {lang!r} (templates/i18n/{lang}.yaml)")



def _lookup(context: dict[str, Any], key: str) -> Any:
    value: Any = context
    for part in key.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict):
        return not value or all(_is_missing(v) for v in (value.values() if isinstance(value, dict) else value))
    return False


def _per_language(value: Any) -> bool:
    """A responder text given per language: {"en": "...", "fr": "..."}."""
    return isinstance(value, dict) and bool(value) and set(value) <= set(LANGS)


def _variables(context: dict[str, Any], lang: str, fmt: str, misses: list[str],
               template_dirs: tuple[Path, ...] | None = None) -> dict[str, Any]:
    t = _i18n(lang, template_dirs)
    helpers = _helpers(context, lang, t, misses)
    return {**{k: context.get(k) for k in CONTEXT_KEYS}, **helpers, "fmt": fmt, "lang": lang, "t": t}


def _helpers(context: dict[str, Any], lang: str, t: dict[str, Any], misses: list[str]) -> dict[str, Callable]:
    """The functions templates use to read the context. Values come back as display text.

    Free text (FREE_TEXT, or any {fr: ..., en: ...}) is shown only in `lang`: a missing
    translation is a placeholder recorded as "key (lang)", never another language's text.
    """
    from breach.core import wording

    def picked(key: str) -> tuple[Any, bool]:
        value, lacking = _pick(_lookup(context, key), lang, key in FREE_TEXT)
        return (None if _is_missing(value) else value), lacking

    def val(key: str) -> Any:
        """The raw value at `key` in `lang` (free text only in `lang`), or None."""
        return picked(key)[0]

    def placeholder(key: str, untranslated: bool = False) -> str:
        field = t["fields"].get(key) or {"label": key, "source": "?"}
        label = f"{field['label']} ({t['translation']})" if untranslated else field["label"]
        return f"[{t['missing']}{t['colon']} {label} — {field['source']}]"

    def need(key: str, group: str | None = None) -> str:
        """Display text for required content, or a visible placeholder (recorded as missing).

        In an initial notice, Art. 33(3) content not yet known reads "to follow" (Art. 33(4)).
        """
        value, lacking = picked(key)
        if lacking:
            misses.append(f"{key} ({lang})")
            return placeholder(key, untranslated=True)
        if value is None:
            if _deferred(key, context):
                return t["to_follow"]
            misses.append(key)
            return placeholder(key)
        return show(value, group)

    def opt(key: str, group: str | None = None) -> str | None:
        """Optional content: None when not given at all; a placeholder when only its translation lacks."""
        value, lacking = picked(key)
        if lacking:
            misses.append(f"{key} ({lang})")
            return placeholder(key, untranslated=True)
        return None if value is None else show(value, group)

    def fact(key: str, group: str | None = None) -> str:
        """An optional fact of the authority's form: its value, else "to follow" (initial) or "not known"."""
        shown = opt(key, group)
        if shown is not None:
            return shown
        return t["to_follow"] if _lookup(context, "notice.phase") == "initial" else t["unknown"]

    def need_list(key: str, group: str | None = None) -> list[str]:
        """A list as display strings (one per bullet), or [placeholder]."""
        value, lacking = picked(key)
        if lacking or value is None:
            return [need(key, group)]
        values = value if isinstance(value, list | tuple) else [value]
        return [show(v, group) for v in values if not _is_missing(v)]

    def lab(group: str, code: Any) -> str:
        """The localized label of a code (e.g. lab("levels", "high")); unknown codes as is."""
        labels = t.get(group) or {}
        return labels.get(code, str(code)) if isinstance(code, str) else show(code)

    def show(value: Any, group: str | None = None) -> str:
        if value is None:
            return t["unknown"]
        if _per_language(value):
            return show(value.get(lang), group)
        if isinstance(value, bool):
            return t["answer_yes"] if value else t["answer_no"]
        if isinstance(value, int | float):
            return _number(value, t)
        if isinstance(value, list | tuple):
            shown = [show(v, group) for v in value if not _is_missing(v)]
            if group and group != "categories":
                return _join(shown, t["conj_and"])
            return t["semicolon"].join(shown)
        if isinstance(value, dict):
            return t["semicolon"].join(f"{k}{t['colon']} {show(v)}" for k, v in value.items())
        if wording.is_iso_time(value):
            return wording.show_time(value, lang, t)
        return lab(group, value) if group else str(value)

    def yesno(key: str) -> str:
        value = _lookup(context, key)
        return show(value) if isinstance(value, bool) else t["unknown"]

    def authority() -> str:
        """The lead authority under its official name in `lang` when known (BE), else the profile's."""
        country = val("org.lead_authority.country")
        names = t.get("authorities") or {}
        return names[country] if country in names else need("org.lead_authority.name")

    def country(code: Any) -> str:
        """A country (or US-CA style subdivision) named in `lang` from CLDR, never the profile's English."""
        return wording.country_name(str(code), lang, t)

    def jurisdictions(key: str) -> str | None:
        """{BE: 1200, US-CA: 800} -> "Belgique : 1 200 ; Californie (États-Unis) : 800"."""
        value = _lookup(context, key)
        if not isinstance(value, dict) or not value:
            return None
        return t["semicolon"].join(f"{country(k)}{t['colon']} {show(v)}" for k, v in value.items())

    def entity_line(entity: Any) -> str:
        """ "Name, registration, address, country" of one entity; the country named in `lang`."""
        if not isinstance(entity, dict):
            return show(entity)
        parts = [entity.get(k) for k in ("name", "registration", "address")]
        if not _is_missing(entity.get("country")):
            parts.append(country(entity["country"]))
        return ", ".join(str(p) for p in parts if not _is_missing(p))

    def rationale() -> list[str]:
        """The reasons for the risk decision in `lang` (Art. 33(5) register)."""
        assessment = _lookup(context, "assessment")
        if lang == "en" or not isinstance(assessment, dict) or _is_missing(assessment.get("rationale")):
            return need_list("assessment.rationale")
        reason = None
        if assessment.get("risk_override") and not _is_missing(_lookup(context, _A + "risk_override_reason")):
            reason = need(_A + "risk_override_reason")
        return wording.rationale_lines(assessment, lang, t, reason)

    def obligation_rows() -> list[dict[str, Any]]:
        """The context's obligations with localized labels and states (Art. 33(5) register)."""
        out = []
        for ob in _lookup(context, "obligations") or []:
            if not isinstance(ob, dict):
                continue
            code = ob.get("obligation")
            label = (t.get("obligations") or {}).get(code) or " – ".join(
                str(x) for x in (code, ob.get("recipient")) if not _is_missing(x)
            )
            state = ob.get("state")
            delay = None
            if not _is_missing(ob.get("reasons_for_delay")):
                delay, lacking = _pick(ob["reasons_for_delay"], lang, True)
                if lacking:
                    misses.append(f"notice.reasons_for_delay ({lang})")
                    delay = placeholder("notice.reasons_for_delay", untranslated=True)
            out.append(
                {
                    "label": label or t["unknown"],
                    "state": lab("states", state) if not _is_missing(state) else t["unknown"],
                    "due": None if _is_missing(ob.get("due_at")) else show(ob["due_at"]),
                    "met": None if _is_missing(ob.get("met_at")) else show(ob["met_at"]),
                    "reason": wording.obligation_reason(ob, lang, t, delay),
                }
            )
        return out

    def advice() -> list[str]:
        """Concrete advice derived from the data items (passwords, e-mail, identity numbers...)."""
        items = _lookup(context, _A + "data_items") or []
        table = t.get("advice") or {}
        return list(dict.fromkeys(table[i] for i in items if isinstance(i, str) and i in table))

    def phase() -> str | None:
        """initial, complete or supplementary (Art. 33(4); the Belgian DPA form's type of notification)."""
        value = _lookup(context, "notice.phase")
        return value if value in PHASES else None

    return {
        "val": val,
        "need": need,
        "opt": opt,
        "fact": fact,
        "need_list": need_list,
        "lab": lab,
        "show": show,
        "yesno": yesno,
        "authority": authority,
        "country": country,
        "jurisdictions": jurisdictions,
        "entity_line": entity_line,
        "rationale": rationale,
        "obligation_rows": obligation_rows,
        "advice": advice,
        "phase": phase,
    }


def _number(value: int | float, t: dict[str, Any]) -> str:
    """1843 -> "1,843" (en), "1 843" (fr), "1.843" (nl, de); 0.75 -> "0,75" (fr, nl, de)."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
    return text.replace(",", "\0").replace(".", t["decimal"]).replace("\0", t["thousands"])


def _join(items: list[str], conj: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conj} {items[-1]}"


_BLANKS = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    """One blank line between blocks, no trailing spaces, one final newline."""
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return _BLANKS.sub("\n\n", text).strip("\n") + "\n"
