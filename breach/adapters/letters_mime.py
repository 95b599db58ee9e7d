"""The approved letter as an e-mail people can read: multipart/alternative.

Legal approves one Markdown text; a mail client shows either part. The text/plain part
has no Markdown marks (`## `, `**`, `- `), the text/html part is simple html with
inline styles (mail clients drop style sheets). Both are derived from the approved
text by fixed rules, nothing else: the per-person markers stay markers, filled later
(`[[recipient_name]]` escaped for html by the caller).
"""

from __future__ import annotations

import binascii
import html
import re

_HEADING = re.compile(r"^#{1,6} +(.*)$")
_ITEM = re.compile(r"^[-*] +(.*)$")
_STRONG = re.compile(r"\*\*(.+?)\*\*")
_EM = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")

BOUNDARY = "=_breach_letter_alternative"
STYLE_BODY = "font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1a1a1a;max-width:640px"
STYLE_H2 = "font-size:17px;margin:22px 0 8px 0;color:#1a1a1a"
STYLE_P = "margin:0 0 12px 0"
STYLE_UL = "margin:0 0 12px 0;padding-left:22px"


def _unmark(text: str) -> str:
    return _EM.sub(r"\1", _STRONG.sub(r"\1", text))


def _blocks(body: str) -> list[tuple[str, list[str]]]:
    """("h", [text]) | ("p", [lines]) | ("ul", [items]) from the Markdown body."""
    blocks: list[tuple[str, list[str]]] = []
    for line in body.split("\n"):
        line = line.rstrip()
        if not line:
            blocks.append(("", []))
            continue
        heading, item = _HEADING.match(line), _ITEM.match(line)
        if heading:
            blocks.append(("h", [heading.group(1)]))
        elif item:
            if blocks and blocks[-1][0] == "ul":
                blocks[-1][1].append(item.group(1))
            else:
                blocks.append(("ul", [item.group(1)]))
        elif blocks and blocks[-1][0] == "p":
            blocks[-1][1].append(line)
        else:
            blocks.append(("p", [line]))
    return [b for b in blocks if b[0]]


def plain_text(body: str) -> str:
    """The letter body as plain text: headings as their own line, bullets as "•", no marks."""
    out: list[str] = []
    for kind, lines in _blocks(body):
        if kind == "h":
            out.append(_unmark(lines[0]))
        elif kind == "ul":
            out.append("\n".join(f"  • {_unmark(item)}" for item in lines))
        else:
            out.append("\n".join(_unmark(line) for line in lines))
    return "\n\n".join(out) + "\n"


def html_text(body: str, *, lang: str, subject: str) -> str:
    """The letter body as a small html document with inline styles; every text is escaped."""
    def esc(text: str) -> str:
        return _unmark(html.escape(text, quote=False))

    parts = [f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
             f"<title>{html.escape(subject, quote=False)}</title>\n</head>\n<body style=\"{STYLE_BODY}\">"]
    for kind, lines in _blocks(body):
        if kind == "h":
            parts.append(f'<h2 style="{STYLE_H2}">{esc(lines[0])}</h2>')
        elif kind == "ul":
            items = "\n".join(f"<li>{esc(item)}</li>" for item in lines)
            parts.append(f'<ul style="{STYLE_UL}">\n{items}\n</ul>')
        else:
            parts.append(f'<p style="{STYLE_P}">' + "<br>\n".join(esc(line) for line in lines) + "</p>")
    parts.append("</body>\n</html>")
    return "\n".join(parts) + "\n"


def part_head(content_type: str, cte: str, eol: str) -> str:
    """The boundary line and the headers of one part, up to its blank line."""
    return (f"--{BOUNDARY}{eol}Content-Type: {content_type}; charset=utf-8{eol}"
            f"Content-Transfer-Encoding: {cte}{eol}{eol}")


def closing(eol: str) -> str:
    return f"{eol}--{BOUNDARY}--{eol}"


def encoded_words(text: str, fold: str) -> str:
    """RFC 2047 base64 encoded-words of at most 75 characters, split on characters."""
    words: list[str] = []
    chunk: list[str] = []
    size = 0
    for char in text:
        width = len(char.encode())
        if size + width > 45:  # 45 octets -> 60 base64 characters + 12 of framing
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += width
    words.append("".join(chunk))
    return fold.join(
        "=?utf-8?b?" + binascii.b2a_base64(w.encode(), newline=False).decode("ascii") + "?="
        for w in words
    )
