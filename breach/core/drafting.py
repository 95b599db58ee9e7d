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
)
LANGS = ("en", "fr", "nl", "de")
FORMATS = ("md", "html", "txt")

#: The top-level context keys a template may read (see templates/README.md).
CONTEXT_KEYS = ("incident", "org", "assessment", "obligations", "notice", "generated_at")

_A = "assessment.answers."

#: Required content per kind: dotted context keys. Labels and legal sources are in
#: templates/i18n/<lang>.yaml under `fields`; the English ones are `Field.label/source`.
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
    "subject-letter": (
        "org.name",
        "org.contact.name",
        "org.contact.email",
        "incident.aware_at",
        _A + "nature_summary",
        _A + "data_items",
        _A + "consequences",
        _A + "measures_taken",
        _A + "advice_to_subjects",
    ),
    "public-notice": (
        "org.name",
        "org.contact.name",
        "org.contact.email",
        "incident.aware_at",
        _A + "nature_summary",
        _A + "data_items",
        _A + "consequences",
        _A + "measures_taken",
        _A + "advice_to_subjects",
    ),
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
}

#: Fields required only when another context value is truthy.
WHEN: dict[str, str] = {
    "notice.reasons_for_delay": "notice.late",  # Art. 33(1): reasons when later than 72 h
}


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
        Field(key=key, label=labels[key]["label"], source=labels[key]["source"], when=WHEN.get(key))
        for key in REQUIRED[kind]
    ]


def missing_fields(kind: str, context: dict[str, Any]) -> list[Field]:
    """Return the required fields that are None, empty or absent in `context`.

    A field with a `when` condition counts only if that condition holds (e.g. reasons
    for the delay only when the notice is late).
    """
    _check_context(context)
    return [
        f
        for f in required_fields(kind)
        if (f.when is None or _lookup(context, f.when)) and _is_missing(_lookup(context, f.key))
    ]


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
    keys = [f.key for f in missing_fields(kind, context)]
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


def draft_marker(lang: str) -> str:
    """Return the localized DRAFT marker that opens every document, e.g. "ENTWURF – ..."."""
    _check(lang=lang)
    return _i18n(lang)["draft"]


def placeholders_in(text: str, lang: str) -> list[str]:
    """The MISSING placeholders still in a text (e.g. legal's edit), as `label — source`, in order.

    Example: "... [MANQUANT : nombre de personnes — RGPD art. 33(3)(a)] ..." (fr) -> ["nombre ... 33(3)(a)"].
    """
    _check(lang=lang)
    t = _i18n(lang)
    found = re.findall(re.escape(f"[{t['missing']}{t['colon']} ") + r"([^\]\n]*)\]", text)
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
    """The functions templates use to read the context. Values come back as display text."""

    def val(key: str) -> Any:
        """The raw value at `key` (a per-language text picked for `lang`), or None."""
        value = _lookup(context, key)
        if _per_language(value):
            value = value.get(lang)
        return None if _is_missing(value) else value

    def placeholder(key: str) -> str:
        field = t["fields"].get(key) or {"label": key, "source": "?"}
        return f"[{t['missing']}{t['colon']} {field['label']} — {field['source']}]"

    def need(key: str, group: str | None = None) -> str:
        """Display text for required content, or a visible placeholder (recorded as missing)."""
        value = val(key)
        if value is None:
            misses.append(key)
            return placeholder(key)
        return show(value, group)

    def need_list(key: str, group: str | None = None) -> list[str]:
        """A list as display strings (one per bullet), or [placeholder]."""
        value = val(key)
        if value is None:
            misses.append(key)
            return [placeholder(key)]
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
            return _join(shown, t["conj_and"]) if group else "; ".join(shown)
        if isinstance(value, dict):
            return "; ".join(f"{k}: {show(v)}" for k, v in value.items())
        return lab(group, value) if group else str(value)

    def yesno(key: str) -> str:
        value = _lookup(context, key)
        return show(value) if isinstance(value, bool) else t["unknown"]

    def authority() -> str:
        """The lead authority under its official name in `lang` when known (BE), else the profile's."""
        country = val("org.lead_authority.country")
        names = t.get("authorities") or {}
        return names[country] if country in names else need("org.lead_authority.name")

    def entity_line(entity: Any) -> str:
        """ "Name, registration, address" of one entity of the organization profile."""
        if not isinstance(entity, dict):
            return show(entity)
        parts = (entity.get(k) for k in ("name", "registration", "address"))
        return ", ".join(str(p) for p in parts if not _is_missing(p))

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
            out.append(
                {
                    "label": label or t["unknown"],
                    "state": lab("states", state) if not _is_missing(state) else t["unknown"],
                    "due": None if _is_missing(ob.get("due_at")) else str(ob["due_at"]),
                    "met": None if _is_missing(ob.get("met_at")) else str(ob["met_at"]),
                    "reason": None if _is_missing(ob.get("reason")) else str(ob["reason"]),
                }
            )
        return out

    return {
        "val": val,
        "need": need,
        "need_list": need_list,
        "lab": lab,
        "show": show,
        "yesno": yesno,
        "authority": authority,
        "entity_line": entity_line,
        "obligation_rows": obligation_rows,
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
