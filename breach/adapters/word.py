"""Word documents (python-docx, imported only here): a notice's rendition, and legal's edited text back.

A .docx is never the record: approvals bind the stored text's sha256 (breach.core.review).
`write_docx` lays out the blocks of a stored version with the DRAFT marker in the page
header until it is approved, and the version and its sha256 in the footer; the
document's keywords name the version it was made from, so an edit coming back can be
checked against it. `read_docx` turns legal's edited document back into blocks and
refuses one with unresolved tracked changes: accepting or rejecting them is legal's
decision, and either way the other half would be lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from breach.adapters.files import write_private
from breach.core.mdblocks import Block, from_runs, runs
from breach.errors import InputError

KEYWORDS = re.compile(r"^breach:(?P<incident>[^:]+):(?P<kind>[^:]+):(?P<lang>[^:]+):v(?P<version>\d+):sha256:"
                      r"(?P<sha256>[0-9a-f]{64})$")
_TRACKED = "//w:ins | //w:del | //w:moveFrom | //w:moveTo"


@dataclass(frozen=True)
class Origin:
    """The stored version a .docx was made from (its keywords), if it says."""

    incident: str
    kind: str
    lang: str
    version: int
    sha256: str


def keywords(*, incident: str, kind: str, lang: str, version: int, sha256: str) -> str:
    return f"breach:{incident}:{kind}:{lang}:v{version}:sha256:{sha256}"


def write_docx(path: Path, blocks: list[Block], *, title: str, marker: str | None, footer: str,
               keywords_: str, lang: str) -> Path:
    """Write `blocks` as a Word document (0600); `marker` goes in every page's header when given."""
    import io

    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Emu, Pt, RGBColor

    doc = Document()
    props = doc.core_properties
    props.title, props.keywords, props.language, props.author = title[:250], keywords_, lang, "breach"
    section = doc.sections[0]
    section.page_height, section.page_width = Emu(10692130), Emu(7560310)  # A4 in EMU
    if marker:
        head = section.header.paragraphs[0]
        head.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = head.add_run(marker)
        run.bold = True
        run.font.size = Pt(14)
        run.font.color.rgb = RGBColor(0xB7, 0x1C, 0x1C)
    foot = section.footer.paragraphs[0]
    foot.add_run(footer).font.size = Pt(8)
    for block in blocks:
        if block.kind == "heading":
            para = doc.add_heading(level=max(1, min(block.level, 9)))
        elif block.kind == "bullet":
            para = doc.add_paragraph(style="List Bullet")
        else:
            para = doc.add_paragraph()
        if block.tight:  # no blank line before it in the text: an explicit zero spacing says so on the way back
            para.paragraph_format.space_before = 0
        for n, line in enumerate(block.lines):
            if n:
                para.add_run().add_break()
            for text, bold, italic in runs(line):
                run = para.add_run(text)
                run.bold, run.italic = bold or None, italic or None
    buffer = io.BytesIO()
    doc.save(buffer)
    return write_private(path, buffer.getvalue())


#: A notice is a few pages: its .docx unpacks to well under 1 MB. More is a mistake or a zip bomb.
MAX_UNPACKED_BYTES = 20_000_000
#: A notice has tens of paragraphs; an edited one a few hundred at most.
MAX_PARAGRAPHS = 10_000
_PARAGRAPH = re.compile(rb"<w:p[\s/>]")


def check_size(path: Path) -> None:
    """Refuse a .docx whose parts unpack to more than MAX_UNPACKED_BYTES or whose body holds more than
    MAX_PARAGRAPHS paragraphs, before any XML is parsed (the counts stream; nothing is held whole)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                raise InputError(f"{path} unpacks to {unpacked:,} bytes; a notice is far smaller (limit "
                                 f"{MAX_UNPACKED_BYTES:,}): save the notice alone as a new .docx")
            if "word/document.xml" not in zf.namelist():
                return  # not a Word document: read_docx says so
            count, tail, read = 0, b"", 0
            with zf.open("word/document.xml") as fh:
                while chunk := fh.read(1 << 20):
                    read += len(chunk)
                    if read > MAX_UNPACKED_BYTES:  # a size the directory understated
                        raise InputError(f"{path} unpacks to more than {MAX_UNPACKED_BYTES:,} bytes; a notice "
                                         "is far smaller: save the notice alone as a new .docx")
                    data = tail + chunk
                    count += len(_PARAGRAPH.findall(data))
                    tail = data[-5:]
                    count -= len(_PARAGRAPH.findall(tail))  # counted again with the next chunk
                    if count > MAX_PARAGRAPHS:
                        raise InputError(f"{path} has more than {MAX_PARAGRAPHS:,} paragraphs; a notice has far "
                                         "fewer: remove the empty ones, then import it again")
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
        raise InputError(f"{path} is not a Word document (.docx) that can be read: {exc}") from None


def read_docx(path: Path) -> tuple[list[Block], Origin | None, int]:
    """Legal's document -> (blocks, the version it was made from, number of comments not imported)."""
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    check_size(path)
    try:
        doc = Document(str(path))
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except (PackageNotFoundError, Exception) as exc:  # a zip that is no docx raises zipfile's own errors
        raise InputError(f"{path} is not a Word document (.docx) that can be read: {exc}") from None
    tracked = doc.element.xpath(_TRACKED)
    if tracked:
        raise InputError(f"{path} has {len(tracked)} unresolved tracked change(s): accept or reject the changes "
                         "first (in Word: Review > Accept/Reject), then import it again")
    if doc.tables:
        raise InputError(f"{path} has {len(doc.tables)} table(s), which a notice cannot hold: put their content in "
                         "paragraphs or bullet points, then import it again")
    blocks: list[Block] = []
    for para in doc.paragraphs:
        lines = _lines(para)
        if not any(line.strip() for line in lines):
            continue
        style = (para.style.name if para.style is not None else "") or ""
        level = _heading_level(style)
        # Written by write_docx with zero spacing before: no blank line before it; a bullet that
        # legal added after another bullet joins the list.
        tight = bool(blocks) and (para.paragraph_format.space_before == 0
                                  or (style.startswith("List") and blocks[-1].kind == "bullet"))
        if level:
            blocks.append(Block("heading", (" ".join(line.strip() for line in lines),), level=level, tight=tight))
        elif style.startswith("List"):
            items = [line for line in lines if line.strip()]
            blocks.extend(Block("bullet", (line,), tight=tight or n > 0) for n, line in enumerate(items))
        else:
            blocks.append(Block("paragraph", tuple(lines), tight=tight))
    match = KEYWORDS.match((doc.core_properties.keywords or "").strip())
    origin = Origin(incident=match["incident"], kind=match["kind"], lang=match["lang"],
                    version=int(match["version"]), sha256=match["sha256"]) if match else None
    comments = len(doc.element.xpath("//w:commentReference"))
    return blocks, origin, comments


def _heading_level(style: str) -> int:
    if style == "Title":
        return 1
    m = re.fullmatch(r"Heading (\d)", style)
    return int(m.group(1)) if m else 0


def _lines(para) -> list[str]:  # noqa: ANN001
    """A paragraph's runs as markdown lines (a line break in Word starts a new line)."""
    lines: list[list[tuple[str, bool, bool]]] = [[]]
    for item in para.iter_inner_content():
        for run in getattr(item, "runs", [item]):
            bold, italic = bool(run.bold), bool(run.italic) and not run.bold
            for n, piece in enumerate(run.text.split("\n")):
                if n:
                    lines.append([])
                lines[-1].append((piece.replace("\t", " "), bold, italic))
    return [from_runs(parts).rstrip() for parts in lines]
