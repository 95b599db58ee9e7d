"""Drafting: every shipped template renders, carries the law's content, and stays a sandbox."""

from __future__ import annotations

import copy
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from breach.adapters import templates
from breach.adapters.resources import CHECKOUT as ROOT
from breach.adapters.templates import render
from breach.adapters.yamlfiles import load_yaml
from breach.core import drafting
from breach.core.drafting import FORMATS, KINDS, LANGS
from breach.errors import InputError

DATA = Path(__file__).parent / "data"
I18N = {lang: json.loads(json.dumps(load_yaml(ROOT / "templates" / "i18n" / f"{lang}.yaml"))) for lang in LANGS}
PLACEHOLDER_WORDS = ("[MISSING", "[MANQUANT", "[ONTBREEKT", "[FEHLT")
PAIRS = [(kind, lang) for kind in KINDS for lang in drafting.kind_langs(kind)]
ALL = [(kind, lang, fmt) for kind, lang in PAIRS for fmt in FORMATS]


def sample_context() -> dict[str, Any]:
    """A complete drafting context: the sample organization plus tests/data/sample_context.json.

    The sample's free texts are neutral (numbers, identifiers), so they are given in
    every language, as a fully translated incident would be.
    """
    context = json.loads((DATA / "sample_context.json").read_text(encoding="utf-8"))
    context.pop("_comment", None)
    context["org"] = json.loads(json.dumps(load_yaml(ROOT / "incidents" / "organization.yaml")))
    return translated(context)


def translated(context: dict[str, Any]) -> dict[str, Any]:
    """Every plain-string free text of `context` given in all four languages."""
    for key in drafting.FREE_TEXT:
        *path, last = key.split(".")
        node = context
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get(last), str):
            node[last] = dict.fromkeys(LANGS, node[last])
    return context


def answers(context: dict[str, Any]) -> dict[str, Any]:
    return context["assessment"]["answers"]


def everywhere(text: str) -> dict[str, str]:
    """Free text given in every language."""
    return dict.fromkeys(LANGS, text)


def in_lang(value: Any, lang: str) -> Any:
    return value[lang] if isinstance(value, dict) else value


def number(value: int, lang: str) -> str:
    return f"{value:,}".replace(",", I18N[lang]["thousands"])


def labels(lang: str, group: str, codes: list[str]) -> list[str]:
    return [I18N[lang][group][code] for code in codes]


def placeholder(lang: str, key: str) -> str:
    field = I18N[lang]["fields"][key]
    return f"[{I18N[lang]['missing']}{I18N[lang]['colon']} {field['label']} — {field['source']}]"


def visible(text: str, fmt: str) -> str:
    """What a reader sees: html unescaped, so values can be compared with the context."""
    return html.unescape(text) if fmt == "html" else text


# --- every template renders completely --------------------------------------------------


@pytest.mark.parametrize(("kind", "lang", "fmt"), ALL)
def test_render__complete_context_leaves_no_placeholder(kind: str, lang: str, fmt: str) -> None:
    result = render(kind, lang, fmt, sample_context())
    assert result.missing == []
    for token in (*PLACEHOLDER_WORDS, "{{", "}}", "{%", "%}", "None"):
        assert token not in result.text, token
    assert result.template == f"templates/{kind}/{lang}.md.j2"
    assert (ROOT / result.template).is_file()


@pytest.mark.parametrize(("kind", "lang", "fmt"), ALL)
def test_render__starts_with_the_draft_marker_and_subject(kind: str, lang: str, fmt: str) -> None:
    result = render(kind, lang, fmt, sample_context())
    marker = templates.draft_marker(lang)
    assert result.subject and marker not in result.subject
    first = result.text.splitlines()[0]
    if fmt == "md":
        assert first == f"# [{marker}] {result.subject}"
    elif fmt == "txt":
        assert first == f"[{marker}] {result.subject}"
    else:
        assert first == "<!DOCTYPE html>"
        title = re.search(r"<title>(.*)</title>", result.text).group(1)
        h1 = re.search(r"<h1>(.*)</h1>", result.text).group(1)
        assert html.unescape(title) == result.subject
        assert html.unescape(h1) == f"[{marker}] {result.subject}"
        assert f'<html lang="{lang}">' in result.text


def variant(name: str) -> dict[str, Any]:
    """The sample context changed along one branch of the templates."""
    context = sample_context()
    a, assessment = answers(context), context["assessment"]
    if name == "late":
        context["notice"].update(late=True, reasons_for_delay=everywhere("FR-77"))
    elif name == "processor":
        context["incident"]["role"] = "processor"
        assessment.update(notify_sa=False, notify_subjects=False, notify_controller=True)
    elif name == "public":
        assessment.update(public_communication=True, exemption="art34_3_c")
    elif name == "exempt":
        assessment.update(notify_subjects=False, exemption="art34_3_a", risk="unlikely")
    elif name == "no-high-risk":
        assessment.update(notify_subjects=False, exemption=None, risk="risk", level="medium")
        a.update(malicious=False)
    elif name == "undecided":
        for key in ("notify_subjects", "level", "severity", "risk"):
            assessment.pop(key)
        a.pop("malicious")
    elif name == "no-assessment":
        context["assessment"] = None
    elif name == "no-notice":
        context.pop("notice")
        context["obligations"] = []
        context["org"].pop("entities")
    return context


VARIANTS = ("late", "processor", "public", "exempt", "no-high-risk", "undecided", "no-assessment", "no-notice")


@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize(("kind", "lang"), PAIRS)
def test_render__every_branch_renders(kind: str, lang: str, name: str) -> None:
    result = render(kind, lang, "md", variant(name))
    assert "None" not in result.text and "{{" not in result.text
    assert result.text.startswith(f"# [{templates.draft_marker(lang)}] ")
    if name == "late" and "notice.reasons_for_delay" in drafting.REQUIRED[kind]:
        assert "FR-77" in result.text


@pytest.mark.parametrize(
    ("lang", "marker"),
    [("en", "DRAFT"), ("fr", "PROJET"), ("nl", "ONTWERP"), ("de", "ENTWURF")],
)
def test_draft_marker__is_localized(lang: str, marker: str) -> None:
    assert templates.draft_marker(lang).startswith(marker)


# --- legal content ------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "fmt"), [(lang, fmt) for lang in LANGS for fmt in FORMATS])
def test_sa_notification__has_every_art33_3_element(lang: str, fmt: str) -> None:
    context = sample_context()
    a = answers(context)
    text = visible(render("sa-notification", lang, fmt, context).text, fmt)
    expected = [
        # (a) nature, categories and approximate numbers of data subjects and records
        in_lang(a["nature_summary"], lang),
        number(a["subjects_count"], lang),
        number(a["records_count"], lang),
        *labels(lang, "categories", a["data_categories"]),
        *labels(lang, "items", a["data_items"]),
        *labels(lang, "subjects", a["subject_categories"]),
        *labels(lang, "breach_types", a["breach_types"]),
        # (b) contact point
        context["org"]["contact"]["name"],
        context["org"]["contact"]["email"],
        # (c) likely consequences; (d) measures taken or proposed
        in_lang(a["consequences"], lang),
        in_lang(a["measures_taken"], lang),
        in_lang(a["measures_proposed"], lang),
        # Art. 33(1) timestamps, the lead authority, the DBN case reference
        context["incident"]["occurred_at"],
        context["incident"]["detected_at"],
        context["incident"]["aware_at"],
        I18N[lang]["authorities"]["BE"],
        context["notice"]["reference"],
    ]
    for value in expected:
        assert value in text, value


@pytest.mark.parametrize(
    ("lang", "cite"),
    [
        ("en", "GDPR Art. 33(3)(a)"),
        ("fr", "article 33, paragraphe 3, point a), du RGPD"),
        ("nl", "artikel 33, lid 3, onder a), AVG"),
        ("de", "Art. 33 Abs. 3 Buchst. a DSGVO"),
    ],
)
def test_sa_notification__headings_cite_the_law_in_the_language(lang: str, cite: str) -> None:
    text = render("sa-notification", lang, "md", sample_context()).text
    headings = [line for line in text.splitlines() if line.startswith("##")]
    assert headings and all(")" in h for h in headings)
    assert any(cite in h for h in headings)


@pytest.mark.parametrize("lang", LANGS)
def test_sa_notification__late_notice_gives_reasons_for_the_delay(lang: str) -> None:
    context = sample_context()
    context["notice"].update(late=True, reasons_for_delay=everywhere("FR-77 forensics"))
    result = render("sa-notification", lang, "md", context)
    assert "FR-77 forensics" in result.text
    context["notice"]["reasons_for_delay"] = None
    result = render("sa-notification", lang, "md", context)
    assert "notice.reasons_for_delay" in result.missing
    assert placeholder(lang, "notice.reasons_for_delay") in result.text


@pytest.mark.parametrize(("lang", "fmt"), [(lang, fmt) for lang in LANGS for fmt in FORMATS])
def test_subject_letter__has_every_art34_2_element_and_the_markers(lang: str, fmt: str) -> None:
    context = sample_context()
    a = answers(context)
    text = visible(render("subject-letter", lang, fmt, context).text, fmt)
    for value in (
        in_lang(a["plain_summary"], lang),  # what happened, in plain words
        *labels(lang, "items", a["data_items"]),  # what data
        in_lang(a["consequences"], lang),  # likely consequences (Art. 33(3)(c))
        in_lang(a["measures_taken"], lang),  # what we did (Art. 33(3)(d))
        in_lang(a["advice_to_subjects"], lang),  # what you can do
        context["org"]["contact"]["name"],  # who to contact (Art. 33(3)(b))
        context["org"]["contact"]["email"],
    ):
        assert value in text, value
    greeting = next(line for line in text.splitlines() if "[[recipient_name]]" in line)
    assert greeting.rstrip(",</p>").endswith("[[recipient_name]]")
    assert text.count("[[recipient_name]]") == 1
    assert "[[recipient_data]]" in text


@pytest.mark.parametrize("lang", LANGS)
def test_subject_letter__advises_a_password_change_only_when_passwords_leaked(lang: str) -> None:
    context = sample_context()
    with_password = render("subject-letter", lang, "md", context).text
    answers(context)["data_items"] = ["name"]
    without = render("subject-letter", lang, "md", context).text
    password = I18N[lang]["items"]["password"]
    assert password.lower() in with_password.lower().split("## ")[-2]  # the "what you can do" section
    assert len(with_password) > len(without)


@pytest.mark.parametrize("lang", LANGS)
def test_followup__refers_to_the_earlier_notification(lang: str) -> None:
    context = sample_context()
    result = render("followup", lang, "md", context)
    assert context["notice"]["previous_reference"] in result.subject
    context["notice"]["previous_reference"] = None
    assert "notice.previous_reference" in render("followup", lang, "md", context).missing


@pytest.mark.parametrize("lang", LANGS)
def test_register_entry__records_decision_rationale_and_obligations(lang: str) -> None:
    context = sample_context()
    text = render("register-entry", lang, "md", context).text
    for line in context["assessment"]["rationale"]:  # the engine's lines are English
        assert (line in text) is (lang == "en")
    if lang != "en":  # rebuilt in the language from the structured result
        assert I18N[lang]["rationale"]["document"] in text
        assert I18N[lang]["rationale"]["notify_sa"] in text
    assert I18N[lang]["risks"]["high"] in text
    for code in ("gdpr-art33-sa", "gdpr-art34-subjects"):
        assert I18N[lang]["obligations"][code] in text
    context["obligations"] = []
    assert render("register-entry", lang, "md", context).missing == []


# --- missing content ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "lang", "fmt"),
    [
        (kind, lang, fmt)
        for kind in ("sa-notification", "controller-notice", "followup", "register-entry")
        for lang in LANGS
        for fmt in FORMATS
    ],
)
def test_render__missing_subjects_count_is_listed_and_visible(kind: str, lang: str, fmt: str) -> None:
    context = sample_context()
    del answers(context)["subjects_count"]
    result = render(kind, lang, fmt, context)
    assert result.missing == ["assessment.answers.subjects_count"]
    assert placeholder(lang, "assessment.answers.subjects_count") in visible(result.text, fmt)


def test_placeholder__reads_like_the_law_in_each_language() -> None:
    assert placeholder("en", "assessment.answers.subjects_count") == (
        "[MISSING: number of data subjects — GDPR Art. 33(3)(a)]"
    )
    assert placeholder("fr", "assessment.answers.subjects_count") == (
        "[MANQUANT\u202f: nombre de personnes concernées — art. 33, par. 3, a), RGPD]"
    )


@pytest.mark.parametrize(("kind", "lang"), PAIRS)
def test_render__empty_context_shows_every_required_field(kind: str, lang: str) -> None:
    result = render(kind, lang, "md", {})
    always = [f.key for f in templates.required_fields(kind) if f.when is None]
    assert sorted(result.missing) == sorted(always)  # templates and REQUIRED agree
    for key in always:
        assert placeholder(lang, key) in result.text, key


@pytest.mark.parametrize("value", [None, "", "   ", [], {}])
def test_missing_fields__none_empty_or_blank_is_missing(value: Any) -> None:
    context = sample_context()
    answers(context)["consequences"] = value
    missing = templates.missing_fields("sa-notification", context)
    assert [f.key for f in missing] == ["assessment.answers.consequences"]
    assert missing[0].source == "GDPR Art. 33(3)(c)"


def test_missing_fields__zero_and_false_are_answers() -> None:
    context = sample_context()
    answers(context).update(records_count=0, malicious=False)
    assert templates.missing_fields("sa-notification", context) == []


def test_required_fields__have_english_labels_and_sources() -> None:
    for kind in KINDS:
        fields = templates.required_fields(kind)
        assert fields
        for field in fields:
            assert field.label and field.source.startswith("GDPR Art.")
    delay = {f.key: f for f in templates.required_fields("sa-notification")}["notice.reasons_for_delay"]
    assert delay.when == "notice.late"


@pytest.mark.parametrize("lang", LANGS)
def test_per_language_responder_text__is_picked_or_reported_missing(lang: str) -> None:
    context = sample_context()
    answers(context)["consequences"] = {"fr": "hameçonnage", "nl": "phishing-golf", "de": "Phishing-Welle"}
    result = render("sa-notification", lang, "md", context)
    if lang == "en":
        assert result.missing == ["assessment.answers.consequences (en)"]
        assert "hameçonnage" not in result.text and "Phishing-Welle" not in result.text
    else:
        assert answers(context)["consequences"][lang] in result.text
        assert result.missing == []


def test_render__does_not_change_the_context() -> None:
    context = sample_context()
    before = copy.deepcopy(context)
    for kind, lang in PAIRS:
        render(kind, lang, "html", context)
    assert context == before


@pytest.mark.parametrize(
    ("kind", "lang", "fmt", "message"),
    [
        ("sa-notice", "en", "md", "unknown kind 'sa-notice'"),
        ("followup", "es", "md", "unknown language 'es'"),
        ("followup", "en", "pdf", "unknown format 'pdf'"),
    ],
)
def test_render__unknown_kind_language_or_format(kind: str, lang: str, fmt: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        render(kind, lang, fmt, sample_context())


def test_render__context_must_be_a_dict() -> None:
    with pytest.raises(InputError, match="must be a dict"):
        render("followup", "en", "md", [])  # type: ignore[arg-type]


# --- responder text is data, templates are a sandbox -------------------------------------


@pytest.mark.parametrize(("lang", "fmt"), [(lang, fmt) for lang in LANGS for fmt in FORMATS])
def test_render__template_syntax_in_responder_text_stays_literal(lang: str, fmt: str) -> None:
    context = sample_context()
    context["incident"]["title"] = "{{ 7*7 }}"
    answers(context)["nature_summary"] = everywhere("{% raw %}{{ config }}{% endraw %}")
    result = render("register-entry", lang, fmt, context)
    assert "{{ 7*7 }}" in result.text
    assert "{{ 7*7 }}" in result.subject
    assert "{% raw %}{{ config }}{% endraw %}" in result.text
    assert "49" not in result.text


@pytest.mark.parametrize(("kind", "lang"), PAIRS)
def test_render__html_escapes_responder_text(kind: str, lang: str) -> None:
    context = sample_context()
    answers(context)["nature_summary"] = answers(context)["plain_summary"] = everywhere("<script>alert(1)</script>")
    context["org"]["name"] = context["incident"]["title"] = "Spark & <b>central</b>"
    result = render(kind, lang, "html", context)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result.text
    assert "Spark &amp; &lt;b&gt;central&lt;/b&gt;" in result.text
    assert "<script>" not in result.text and "<b>" not in result.text
    if kind != "us-ca-letter":  # its subject is the statute's title, "Notice of Data Breach"
        assert "Spark & <b>central</b>" in result.subject  # the subject is plain text, not html


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ (1).__class__.__base__ }}",
    ],
)
def test_sandbox__blocks_python_internals(fmt: str, source: str) -> None:
    from jinja2.exceptions import SecurityError, UndefinedError

    env = templates.make_environment(fmt)
    with pytest.raises((SecurityError, UndefinedError)):
        env.from_string(source).render(cycler=None)


def test_sandbox__mro_is_a_security_error() -> None:
    from jinja2.exceptions import SecurityError

    with pytest.raises(SecurityError):
        templates.make_environment("md").from_string("{{ ''.__class__.__mro__ }}").render()


def test_sandbox__templates_cannot_change_data() -> None:
    from jinja2.exceptions import SecurityError

    env = templates.make_environment("md")
    with pytest.raises(SecurityError):
        env.from_string("{{ items.append(1) }}").render(items=[])


def test_sandbox__template_bugs_fail_loudly() -> None:
    from jinja2.exceptions import UndefinedError

    env = templates.make_environment("md")
    with pytest.raises(UndefinedError):
        env.from_string("{{ nothing_here }}").render()
    with pytest.raises(UndefinedError):
        env.from_string("{{ value }}").render(value=None)


# --- translations: no English left in fr, nl, de ----------------------------------------

ENGLISH_FUNCTION_WORDS = (" the ", " and ", " of the ", " your ", " we have ", " you ", " with ", " our ", " this ")


def responder_strings(context: dict[str, Any]) -> list[str]:
    """Free text from the context (responder answers, profile data), longest first.

    Codes such as "high" or "email" are kept: templates translate them.
    """
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str) and len(value) >= 4 and not re.fullmatch(r"[a-z0-9_\-]+", value):
            found.append(value)

    walk(context)
    return sorted(set(found), key=len, reverse=True)


def without_data(text: str, context: dict[str, Any]) -> str:
    for value in ("[[recipient_name]]", "[[recipient_data]]", *responder_strings(context)):
        text = text.replace(value, "\n").replace(str(escape(value)), "\n")
    return text


def english_words(line: str) -> list[str]:
    padded = f" {line.lower()} "
    return [word for word in ENGLISH_FUNCTION_WORDS if word in padded]


def sentences(text: str) -> set[str]:
    """Sentences, headings, labels and list items of a rendered text, as fragments."""
    parts = re.split(r"\n|(?<=[.;:!?])\s+|[()\[\]]| [–—] ", text)
    out = set()
    for part in parts:
        part = part.strip(" -*#=,.:;")
        if len(re.findall(r"[A-Za-z]{3,}", part)) >= 2:
            out.add(part)
    return out


@pytest.mark.parametrize("kind", [k for k in KINDS if len(drafting.kind_langs(k)) > 1])
def test_translations__contain_no_english_sentence(kind: str) -> None:
    context = sample_context()
    english = sentences(without_data(render(kind, "en", "txt", context).text, context))
    assert len(english) > 15  # the extraction finds the template's prose
    for lang in ("fr", "nl", "de"):
        for fmt in FORMATS:
            text = without_data(render(kind, lang, fmt, context).text, context)
            leaked = sorted(s for s in english if s in text)
            assert leaked == [], f"{kind}/{lang}.{fmt}: {leaked}"


@pytest.mark.parametrize(
    ("kind", "lang", "fmt"), [(k, lang, f) for k, lang in PAIRS if lang != "en" for f in FORMATS]
)
def test_translations__no_english_function_words(kind: str, lang: str, fmt: str) -> None:
    context = sample_context()
    text = without_data(render(kind, lang, fmt, context).text, context)
    for line in text.splitlines():
        assert english_words(line) == [], f"{kind}/{lang}.{fmt}: {line!r}"


def test_translation_checks__catch_english_left_in_a_translation() -> None:
    context = sample_context()
    english = sentences(without_data(render("subject-letter", "en", "txt", context).text, context))
    french = render("subject-letter", "fr", "txt", context).text
    leaky = french.replace("Madame, Monsieur,", "What you can do\nMadame, Monsieur,")
    assert "What you can do" in {s for s in english if s in leaky}
    leaky_line = next(line for line in leaky.splitlines() if "What you can do" in line)
    assert english_words(leaky_line) == [" you "]
    assert english_words("Modifiez votre mot de passe.") == []


def test_i18n__every_language_has_the_same_keys() -> None:
    def keys(value: Any, prefix: str = "") -> set[str]:
        if not isinstance(value, dict):
            return {prefix}
        return set().union(*(keys(v, f"{prefix}.{k}") for k, v in value.items()))

    reference = keys(I18N["en"])
    for lang in LANGS:
        assert keys(I18N[lang]) == reference, lang
        assert I18N[lang]["lang"] == lang


def test_i18n__required_fields_have_labels_in_every_language() -> None:
    for kind in KINDS:
        for field in templates.required_fields(kind):
            for lang in LANGS:
                assert I18N[lang]["fields"][field.key]["label"]


def test_templates__one_per_kind_and_language_and_nothing_else() -> None:
    shipped = {str(p.relative_to(ROOT / "templates")) for p in (ROOT / "templates").rglob("*.j2")}
    expected = {f"{kind}/{lang}.md.j2" for kind, lang in PAIRS} | {"_base.j2", "_macros.j2"}
    expected |= {f"report/{name}.html.j2" for name in ("_page", "report", "incidents", "draft", "message")}
    expected |= {f"slack/{name}.j2" for name in ("status", "reminder", "witness", "actions")}
    expected |= {f"controller-notice/customer-facts.{lang}.md.j2" for lang in LANGS}  # issue 25: each customer's facts
    assert shipped == expected
