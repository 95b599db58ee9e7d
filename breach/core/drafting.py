"""Notices and register entries: templates/ rendered in a strict jinja2 sandbox.

Pure: `render(kind=..., lang=..., fmt=..., context=..., templates=...)` takes the context
dict the caller built (see templates/README.md) and the templates to use (a `TemplateSet`:
jinja2 environments and message catalogues, built by breach.adapters.templates from the
data folder's own templates, then the shipped ones) and returns text; nothing is read,
sent or stored here.
The tool prepares, people decide: every document starts with a localized DRAFT marker,
and required content that is missing shows as a visible localized placeholder, e.g.
`[MISSING: number of data subjects — GDPR Art. 33(3)(a)]`, listed in `Rendered.missing`.

Responder text is data, never template source: it reaches the templates only as
variables (no `from_string` on it), so `{{ 7*7 }}` in a title stays `{{ 7*7 }}`, and
html output is autoescaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from breach.core.regime_rules import PHASES as PHASES  # defined once, re-exported for notices
from breach.core.states import Phase
from breach.errors import InputError

if TYPE_CHECKING:  # jinja2 is imported when a notice is drafted, not at start-up
    from jinja2.sandbox import ImmutableSandboxedEnvironment

KINDS = (
    "sa-notification",  # GDPR Art. 33(1), (3): controller -> lead supervisory authority
    "subject-letter",  # Art. 34(1), (2): controller -> each data subject
    "public-notice",  # Art. 34(3)(c): public communication instead of letters
    "controller-notice",  # Art. 33(2): processor -> controller
    "followup",  # Art. 33(4): information in phases
    "register-entry",  # Art. 33(5): documentation of every breach
    "us-ca-letter",  # Cal. Civ. Code 1798.82(d) form, with the Art. 34(2) content: California residents
    "us-letter",  # the residents of the US states with compatible notice rules (breach.core.us_letter)
)
#: Kinds written in some languages only (the statute prescribes English headings).
KIND_LANGS: dict[str, tuple[str, ...]] = {"us-ca-letter": ("en",), "us-letter": ("en",)}
LANGS = ("en", "fr", "nl", "de")
FORMATS = ("md", "html", "txt")
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
REQUIRED["us-letter"] = REQUIRED["us-ca-letter"]  # the same Art. 34(2) content, without California's form
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


class TemplateSet(Protocol):
    """The templates a document is rendered from (breach.adapters.templates builds one per search path)."""

    def environment(self, fmt: str) -> Any:
        """The sandboxed jinja2 environment for `fmt` (see `make_environment`)."""
        ...

    def catalogue(self, lang: str) -> Mapping[str, Any]:
        """The message catalogue of `lang` (templates/i18n/<lang>.yaml)."""
        ...

    def origin(self, filename: str | None, name: str) -> tuple[str, str]:
        """Where a template came from: (the path to show, "data folder" or "shipped")."""
        ...

    def where(self, name: str) -> str:
        """The file a template `name` is read from, for error messages."""
        ...


def required_fields(kind: str, labels: Mapping[str, Any]) -> list[Field]:
    """Return the content `kind` needs, with English labels and legal sources.

    `labels`: the `fields` of the English message catalogue (templates/i18n/en.yaml).
    """
    _check(kind=kind)
    return [
        Field(key=key, label=labels[key]["label"], source=labels[key]["source"],
              when=WHEN_BY_KIND.get(kind, {}).get(key) or WHEN.get(key))
        for key in REQUIRED[kind]
    ]


def missing_fields(kind: str, context: dict[str, Any], lang: str | None = None, *,
                   labels: Mapping[str, Any]) -> list[Field]:
    """Return the required fields that are None, empty or absent in `context`.

    A field with a `when` condition counts only if that condition holds (e.g. reasons
    for the delay only when the notice is late). With `lang`, free text must exist in
    that language (a plain string is English). In an initial notice (`notice.phase`),
    Art. 33(3) content not yet known is not missing: it is "to follow" (Art. 33(4)).
    """
    _check_context(context)
    return [f for f in required_fields(kind, labels) if missing_key(f, context, lang) is not None]


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
    return key in DEFERRABLE and _lookup(context, "notice.phase") == Phase.INITIAL


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


def render(kind: str, lang: str, fmt: str, context: dict[str, Any], *, templates: TemplateSet) -> Rendered:
    """Render one document of `kind` in `lang` as `fmt` (md, html or txt), from `templates`.

    Example: `render("sa-notification", "fr", "md", context, templates=...).text` starts with
    `# [PROJET – non approuvé par le service juridique] Notification ...`.
    """
    _check(kind=kind, lang=lang, fmt=fmt)
    _check_context(context)
    name = template_name(kind, lang)
    t = templates.catalogue(lang)
    misses: list[str] = []
    from jinja2 import TemplateError

    filename = None
    try:
        template = templates.environment(fmt).get_template(name)
        filename = template.filename
        text = _typeset(_tidy(template.render(_variables(context, lang, fmt, misses, t))), lang)
        # The subject is the template's `subject` block, rendered without escaping.
        md = templates.environment("md").get_template(name)
        block = md.blocks["subject"](md.new_context(_variables(context, lang, "md", [], t)))
    except TemplateError as exc:
        # The sandbox refused something, or the template is broken: say which file, no traceback.
        where = getattr(exc, "filename", None) or templates.where(name)
        lineno = getattr(exc, "lineno", None)  # TemplateSyntaxError has one, other TemplateErrors do not
        line = f":{lineno}" if lineno else ""
        raise InputError(f"template {where}{line} cannot be rendered: {exc.__class__.__name__}: {exc}") from None
    except KeyError as exc:
        raise InputError(f"template {templates.where(name)} has no block {exc}") from None
    subject = _typeset(" ".join("".join(block).split()), lang)
    labels = templates.catalogue("en")["fields"]
    keys = [k for f in required_fields(kind, labels) if (k := missing_key(f, context, lang)) is not None]
    keys += [k for k in dict.fromkeys(misses) if k not in keys]
    shown, origin = templates.origin(filename, name)
    return Rendered(text=text, missing=keys, template=shown, subject=subject, origin=origin)


def _typeset(text: str, lang: str) -> str:
    """French typography (no-break spaces before ; : ! ?) for French text; others as they are."""
    if lang != "fr":
        return text
    from breach.core.wording import french_typography

    return french_typography(text)


def template_name(kind: str, lang: str) -> str:
    """Return the template's name inside templates/, e.g. "followup/de.md.j2"."""
    _check(kind=kind, lang=lang)
    return f"{kind}/{lang}.md.j2"


def kind_langs(kind: str) -> tuple[str, ...]:
    """The languages `kind` is written in (us-ca-letter: English, as the statute's headings)."""
    return KIND_LANGS.get(kind, LANGS)


def draft_marker(t: Mapping[str, Any]) -> str:
    """Return the localized DRAFT marker that opens every document, e.g. "ENTWURF – ...".

    `t`: the language's message catalogue.
    """
    return str(t["draft"])


def placeholders_in(text: str, t: Mapping[str, Any]) -> list[str]:
    """The MISSING placeholders still in a text (e.g. legal's edit), as `label — source`, in order.

    Example: "... [MANQUANT\u202f: nombre de personnes — RGPD art. 33(3)(a)] ..." (fr) -> ["nombre ... 33(3)(a)"].
    Any space before and after the colon counts (legal may retype one with a plain or no-break space),
    so a placeholder never slips past the approval gate for its typography. `t`: the language's
    message catalogue.
    """
    colon = re.escape(t["colon"].strip())
    found = re.findall(re.escape(f"[{t['missing']}") + rf"\s*{colon}\s+([^\]\n]*)\]", text)
    return list(dict.fromkeys(found))


def make_environment(fmt: str, loader: Any) -> ImmutableSandboxedEnvironment:
    """Build the sandboxed jinja2 environment used for `fmt` (autoescape only for html) over `loader`.

    ImmutableSandboxedEnvironment: no access to Python internals (SecurityError) and no
    mutation of the context from a template. StrictUndefined and a `finalize` that
    refuses None make template bugs fail loudly instead of printing blanks or "None".
    `loader`: a jinja2 loader (breach.adapters.templates gives one over the search path).
    """
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    _check(fmt=fmt)
    return ImmutableSandboxedEnvironment(
        loader=loader,
        undefined=StrictUndefined,
        autoescape=fmt == "html",
        finalize=_refuse_none,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )


def _refuse_none(value: Any) -> Any:
    from jinja2.exceptions import UndefinedError

    if value is None:
        raise UndefinedError("a template printed None: use need(), val() or show()")
    return value


# --- internals ------------------------------------------------------------------------


def check_lang(lang: str) -> None:
    """Refuse a language breach does not write in."""
    _check(lang=lang)


def _check(*, kind: str | None = None, lang: str | None = None, fmt: str | None = None) -> None:
    for value, allowed, what in ((kind, KINDS, "kind"), (lang, LANGS, "language"), (fmt, FORMATS, "format")):
        if value is not None and value not in allowed:
            raise InputError(f"unknown {what} {value!r} (choose from: {', '.join(allowed)})")
    if kind is not None and lang is not None and lang not in kind_langs(kind):
        raise InputError(f"{kind} is written in {', '.join(kind_langs(kind))} only, not {lang!r}")


def _check_context(context: Any) -> None:
    if not isinstance(context, dict):
        raise InputError(f"the drafting context must be a dict, not {type(context).__name__}")


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


def _variables(context: dict[str, Any], lang: str, fmt: str, misses: list[str], t: Mapping[str, Any]) -> dict[str, Any]:
    helpers = Helpers(context, lang, t, misses).functions()
    return {**{k: context.get(k) for k in CONTEXT_KEYS}, **helpers, "fmt": fmt, "lang": lang, "t": t}


class Helpers:
    """The functions templates use to read the context. Values come back as display text.

    Free text (FREE_TEXT, or any {fr: ..., en: ...}) is shown only in `lang`: a missing
    translation is a placeholder recorded as "key (lang)" in `misses`, never another language's text.
    """

    #: The methods a template may call, by the name it calls them.
    EXPOSED = ("val", "need", "opt", "fact", "need_list", "lab", "show", "yesno", "authority", "country",
               "jurisdictions", "entity_line", "rationale", "obligation_rows", "advice", "phase", "data_kinds",
               "to_confirm", "evidence")

    def __init__(self, context: dict[str, Any], lang: str, t: Mapping[str, Any], misses: list[str]):
        self.context, self.lang, self.t, self.misses = context, lang, t, misses

    def functions(self) -> dict[str, Callable[..., Any]]:
        return {name: getattr(self, name) for name in self.EXPOSED}

    def picked(self, key: str) -> tuple[Any, bool]:
        value, lacking = _pick(_lookup(self.context, key), self.lang, key in FREE_TEXT)
        return (None if _is_missing(value) else value), lacking

    def val(self, key: str) -> Any:
        """The raw value at `key` in `lang` (free text only in `lang`), or None."""
        return self.picked(key)[0]

    def placeholder(self, key: str, untranslated: bool = False) -> str:
        t = self.t
        field = t["fields"].get(key) or {"label": key, "source": "?"}
        label = f"{field['label']} ({t['translation']})" if untranslated else field["label"]
        return f"[{t['missing']}{t['colon']} {label} — {field['source']}]"

    def untranslated(self, key: str) -> str:
        """The placeholder for a text lacking only its translation into `lang` (recorded as "key (lang)")."""
        self.misses.append(f"{key} ({self.lang})")
        return self.placeholder(key, untranslated=True)

    def need(self, key: str, group: str | None = None) -> str:
        """Display text for required content, or a visible placeholder (recorded as missing).

        In an initial notice, Art. 33(3) content not yet known reads "to follow" (Art. 33(4)).
        """
        value, lacking = self.picked(key)
        if lacking:
            return self.untranslated(key)
        if value is None:
            if _deferred(key, self.context):
                return str(self.t["to_follow"])
            self.misses.append(key)
            return self.placeholder(key)
        return self.show(value, group)

    def opt(self, key: str, group: str | None = None) -> str | None:
        """Optional content: None when not given at all; a placeholder when only its translation lacks."""
        value, lacking = self.picked(key)
        if lacking:
            return self.untranslated(key)
        return None if value is None else self.show(value, group)

    def fact(self, key: str, group: str | None = None) -> str:
        """An optional fact of the authority's form: its value, else "to follow" (initial) or "not known"."""
        shown = self.opt(key, group)
        if shown is not None:
            return shown
        return str(self.t["to_follow"] if _lookup(self.context, "notice.phase") == Phase.INITIAL else self.t["unknown"])

    def need_list(self, key: str, group: str | None = None) -> list[str]:
        """A list as display strings (one per bullet), or [placeholder]."""
        value, lacking = self.picked(key)
        if lacking or value is None:
            return [self.need(key, group)]
        values = value if isinstance(value, list | tuple) else [value]
        return [self.show(v, group) for v in values if not _is_missing(v)]

    def lab(self, group: str, code: Any) -> str:
        """The localized label of a code (e.g. lab("levels", "high")); unknown codes as is."""
        labels = self.t.get(group) or {}
        if group == "items" and code == "national_id":  # the country of the people it is for (issue 24)
            from breach.core.national_words import word_for

            org = _lookup(self.context, "org")  # the profile as the templates read it (breach.core.profile)
            words = ((org.get("words") or {}).get("national_id") or {}) if isinstance(org, dict) else {}
            word = word_for(_lookup(self.context, "country"), self.lang, words)
            if word:
                return word
        return labels.get(code, str(code)) if isinstance(code, str) else self.show(code)

    def show(self, value: Any, group: str | None = None) -> str:
        """Any value as display text in `lang`: yes/no, numbers, lists, times, labels of codes."""
        from breach.core import wording

        t = self.t
        if value is None:
            return str(t["unknown"])
        if _per_language(value):
            return self.show(value.get(self.lang), group)
        if isinstance(value, bool):
            return str(t["answer_yes"]) if value else str(t["answer_no"])
        if isinstance(value, int | float):
            return _number(value, t)
        if isinstance(value, list | tuple):
            shown = [self.show(v, group) for v in value if not _is_missing(v)]
            if group and group != "categories":
                return _join(shown, t["conj_and"])
            return str(t["semicolon"]).join(shown)
        if isinstance(value, dict):
            return str(t["semicolon"]).join(f"{k}{t['colon']} {self.show(v)}" for k, v in value.items())
        if wording.is_iso_time(value):
            return wording.show_time(value, self.lang, t)
        return self.lab(group, value) if group else str(value)

    def yesno(self, key: str) -> str:
        value = _lookup(self.context, key)
        return self.show(value) if isinstance(value, bool) else self.t["unknown"]

    def authority(self) -> str:
        """The lead authority under its official name in `lang` when known (BE), else the profile's."""
        country = self.val("org.lead_authority.country")
        names = self.t.get("authorities") or {}
        return names[country] if country in names else self.need("org.lead_authority.name")

    def country(self, code: Any) -> str:
        """A country (or US-CA style subdivision) named in `lang` from CLDR, never the profile's English."""
        from breach.core import wording

        return wording.country_name(str(code), self.lang, self.t)

    def jurisdictions(self, key: str) -> str | None:
        """{BE: 1200, US-CA: 800} -> "Belgique : 1 200 ; Californie (États-Unis) : 800"."""
        value = _lookup(self.context, key)
        if not isinstance(value, dict) or not value:
            return None
        t = self.t
        return str(t["semicolon"]).join(f"{self.country(k)}{t['colon']} {self.show(v)}" for k, v in value.items())

    def entity_line(self, entity: Any) -> str:
        """ "Name, registration, address, country" of one entity; the country named in `lang`."""
        if not isinstance(entity, dict):
            return self.show(entity)
        parts = [entity.get(k) for k in ("name", "registration", "address")]
        if not _is_missing(entity.get("country")):
            parts.append(self.country(entity["country"]))
        return ", ".join(str(p) for p in parts if not _is_missing(p))

    def rationale(self) -> list[str]:
        """The reasons for the risk decision in `lang` (Art. 33(5) register)."""
        from breach.core import wording

        assessment = _lookup(self.context, "assessment")
        if self.lang == "en" or not isinstance(assessment, dict) or _is_missing(assessment.get("rationale")):
            return self.need_list("assessment.rationale")
        reason = None
        if assessment.get("risk_override") and not _is_missing(_lookup(self.context, _A + "risk_override_reason")):
            reason = self.need(_A + "risk_override_reason")
        return wording.rationale_lines(assessment, self.lang, self.t, reason)

    def obligation_rows(self) -> list[dict[str, Any]]:
        """The context's obligations with localized labels and states (Art. 33(5) register)."""
        return [self.obligation_row(ob) for ob in _lookup(self.context, "obligations") or [] if isinstance(ob, dict)]

    def obligation_row(self, ob: dict[str, Any]) -> dict[str, Any]:
        """One obligation of the register: its label, state, due and met times, and why, in `lang`."""
        from breach.core import wording

        t = self.t
        code = ob.get("obligation")
        label = (t.get("obligations") or {}).get(code) or " – ".join(
            str(x) for x in (code, ob.get("recipient")) if not _is_missing(x)
        )
        state = ob.get("state")
        delay = None
        if not _is_missing(ob.get("reasons_for_delay")):
            delay, lacking = _pick(ob["reasons_for_delay"], self.lang, True)
            if lacking:
                delay = self.untranslated("notice.reasons_for_delay")
        return {
            "label": label or t["unknown"],
            "state": self.lab("states", state) if not _is_missing(state) else t["unknown"],
            "due": None if _is_missing(ob.get("due_at")) else self.show(ob["due_at"]),
            "met": None if _is_missing(ob.get("met_at")) else self.show(ob["met_at"]),
            "reason": wording.obligation_reason(ob, self.lang, t, delay),
        }

    def advice(self) -> list[str]:
        """Concrete advice derived from the data items (passwords, e-mail, identity numbers...)."""
        items = _lookup(self.context, _A + "data_items") or []
        table = self.t.get("advice") or {}
        return list(dict.fromkeys(table[i] for i in items if isinstance(i, str) and i in table))

    def data_kinds(self) -> str:
        """The kinds of data among the items involved (health data, contact details...), in `lang`.

        Never the whole ENISA category (GDPR Art. 33(3)(a): the categories of data concerned): a health-only
        breach names health data, contact details appear only with a contact item (e-mail, address, phone).
        """
        from breach.core.data_words import data_kinds

        kinds = data_kinds(_lookup(self.context, _A + "data_items"))
        if not kinds:
            return self.need(_A + "data_items")
        words = self.t.get("data_kinds") or {}
        return ", ".join(str(words.get(k, k)) for k in kinds)

    def evidence(self, fact: str) -> str | None:
        """The evidence given for a mitigating fact (e.g. "disproportionate_effort") in `lang`, or None."""
        from breach.core.data_words import evidence_in

        given = (_lookup(self.context, "assessment.evidence") or {}).get(fact)
        return evidence_in(given, self.lang, dict(self.t)) or None

    def to_confirm(self) -> list[str]:
        """The questions the decision took a cautious reading of, in `lang` (GDPR Art. 33(4): to follow)."""
        assessment = _lookup(self.context, "assessment")
        items = assessment.get("to_confirm") if isinstance(assessment, dict) else None
        questions = self.t.get("questions_to_confirm") or {}
        return [str(questions.get(q, str(q).replace("_", " "))) for item in items or [] if isinstance(item, dict)
                for q in [item.get("question")] if q]

    def phase(self) -> str | None:
        """initial, complete or supplementary (Art. 33(4); the Belgian DPA form's type of notification)."""
        value = _lookup(self.context, "notice.phase")
        return value if value in PHASES else None


def _number(value: int | float, t: Mapping[str, Any]) -> str:
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
