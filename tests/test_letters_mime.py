"""The multipart letter's parts (breach.adapters.letters_mime): plain text without Markdown marks, escaped
html, and RFC 2047 headers that decode back to the text."""

from __future__ import annotations

from email.header import decode_header, make_header

from breach.adapters import letters_mime

BODY = "# What happened\n\nSomeone **read** <your> file.\n\n- Change your password\n- Watch your account\n"


def test_plain_text_keeps_the_words_and_drops_the_marks() -> None:
    text = letters_mime.plain_text(BODY)
    assert "What happened" in text and "  • Change your password" in text
    assert "#" not in text and "**" not in text


def test_html_escapes_every_text() -> None:
    page = letters_mime.html_text(BODY, lang="fr", subject="Avis <urgent>")
    assert '<html lang="fr">' in page and "<title>Avis &lt;urgent&gt;</title>" in page
    assert "&lt;your&gt;" in page and "<your>" not in page
    assert page.count("<li") == 2


def test_encoded_words_decode_to_the_text_and_stay_short() -> None:
    subject = "Avis de violation de données – Ëmïlie Dupont-Verhaegen " * 3
    folded = letters_mime.encoded_words(subject, "\r\n ")
    assert all(len(word) <= 75 for word in folded.split("\r\n "))
    assert str(make_header(decode_header(folded))) == subject
