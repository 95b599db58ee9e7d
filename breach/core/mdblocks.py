"""The small markdown the notice templates write, as blocks: for Word renditions and review pages.

Pure. A drafted notice is markdown of a few shapes only: headings (`#` to `###`),
bullet items (`- `), paragraphs whose lines are kept as line breaks, `**bold**` and
`*italic*`. `parse` turns such text into blocks and `to_markdown` writes them back, so
a notice taken to Word and back unchanged reads the same (tests/test_word.py checks it
for every shipped template). Text is never interpreted as HTML here: the review page
escapes it (autoescape), and Word gets plain runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: (text, bold, italic)
Run = tuple[str, bool, bool]

# Emphasis opens and closes on a non-space, as in CommonMark ("a * b * c" stays text).
_INLINE = re.compile(r"\*\*(?P<b>[^*\s](?:[^*\n]*?[^*\s])?)\*\*"
                     r"|(?<![*\w])\*(?P<i>[^*\s](?:[^*\n]*?[^*\s])?)\*(?![*\w])")
_HEADING = re.compile(r"^(#{1,6}) (.*)$")


@dataclass(frozen=True)
class Block:
    """One heading, bullet item or paragraph; `lines` are a paragraph's line breaks."""

    kind: str  # heading | bullet | paragraph
    lines: tuple[str, ...]
    level: int = 0  # headings: 1 to 6
    tight: bool = False  # follows the previous block on the next line (no blank line between)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def parse(text: str) -> list[Block]:
    """Markdown text -> blocks, in order."""
    blocks: list[Block] = []
    blank = True
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            blank = True
            continue
        heading = _HEADING.match(line)
        if heading:
            blocks.append(Block("heading", (heading.group(2),), level=len(heading.group(1)), tight=not blank))
        elif line.startswith("- "):
            blocks.append(Block("bullet", (line[2:],), tight=not blank))
        elif not blank and blocks and blocks[-1].kind == "paragraph":
            last = blocks[-1]
            blocks[-1] = Block("paragraph", (*last.lines, line), tight=last.tight)
        else:
            blocks.append(Block("paragraph", (line,), tight=not blank and bool(blocks)))
        blank = False
    return blocks


def to_markdown(blocks: list[Block]) -> str:
    """Blocks -> markdown text with one final newline (the shape `parse` reads)."""
    out: list[str] = []
    for i, b in enumerate(blocks):
        if i:
            out.append("\n" if b.tight else "\n\n")
        if b.kind == "heading":
            out.append("#" * max(1, min(b.level, 6)) + " " + b.text)
        elif b.kind == "bullet":
            out.append("- " + b.text)
        else:
            out.append(b.text)
    return "".join(out).strip("\n") + "\n" if out else ""


def runs(line: str) -> list[Run]:
    """`**Name:** Jane *(draft)*` -> [("Name:", bold), (" Jane ", plain), ("(draft)", italic)]."""
    found: list[Run] = []
    pos = 0
    for m in _INLINE.finditer(line):
        if m.start() > pos:
            found.append((line[pos:m.start()], False, False))
        if m.group("b") is not None:
            found.append((m.group("b"), True, False))
        else:
            found.append((m.group("i"), False, True))
        pos = m.end()
    if pos < len(line):
        found.append((line[pos:], False, False))
    return found


def from_runs(parts: list[Run]) -> str:
    """Runs -> one markdown line; neighbouring runs of the same style are joined first (Word splits them)."""
    merged: list[Run] = []
    for text, bold, italic in parts:
        if not text:
            continue
        if merged and merged[-1][1:] == (bold, italic):
            merged[-1] = (merged[-1][0] + text, bold, italic)
        else:
            merged.append((text, bold, italic))
    out = []
    for text, bold, italic in merged:
        core = text.strip()
        if not core or not (bold or italic):
            out.append(text)
            continue
        lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
        mark = "**" if bold else "*"
        out.append(f"{lead}{mark}{core}{mark}{trail}")
    return "".join(out)


def to_html(blocks: list[Block], *, lang: str, title: str) -> str:
    """Blocks -> one self-contained HTML page (every text escaped): a notice's HTML rendition."""
    from html import escape

    def line(text: str) -> str:
        out = []
        for part, bold, italic in runs(text):
            part = escape(part, quote=False)
            out.append(f"<strong>{part}</strong>" if bold else f"<em>{part}</em>" if italic else part)
        return "".join(out)

    body: list[str] = []
    for b in blocks:
        if b.kind == "heading":
            level = max(1, min(b.level, 6))
            body.append(f"<h{level}>{line(b.text)}</h{level}>")
        elif b.kind == "bullet":
            body.append(f"<ul><li>{line(b.text)}</li></ul>")
        else:
            body.append("<p>" + "<br>\n".join(line(x) for x in b.lines) + "</p>")
    head = (f'<!DOCTYPE html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(title, quote=False)}</title>\n</head>\n<body>\n")
    return head + "\n".join(body) + "\n</body>\n</html>\n"
