"""Document builders for the tests: every document is made here, offline, from pip packages only.

PDFs are drawn with reportlab's built-in CID font STSong-Light, which needs no font file
(CI has no CJK fonts), so their text layer holds real Chinese text.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

SPEECH_TITLE = "在全市人大代表工作会议上的讲话"
SPEECH_BODY = (
    "同志们：",
    "这次会议的主要任务是总结去年的代表工作，部署今年的任务。下面，我讲两点意见。",
    "一、提高站位，深入学习贯彻会议精神",
    "要坚持全面准确深入理解内涵。原原本本、逐字逐句学习会议报告，把学习报告同学习重要讲话结合起来，为贯彻落实打下坚实基础。"
    "要研究制定学习宣传贯彻的工作方案。通过集中学习、代表接待日等形式，在各级人大代表中迅速掀起学习宣传贯彻的热潮。",
    "二、履职尽责，推动代表工作高质量发展",
    "要加强代表履职能力建设。人大代表是人大工作的基础，代表的素质和能力直接关系到人大工作的质量和水平。"
    "要密切代表同人民群众的联系。代表联络站要定期开放，认真听取和反映群众的意见和要求。",
)


def speech_text(
    title: str = SPEECH_TITLE, body: Sequence[str] = SPEECH_BODY, byline: Iterable[str] = ()
) -> str:
    return "\n".join([title, *byline, *body]) + "\n"


# ---- .docx -------------------------------------------------------------------------------


Paragraphs = Sequence[tuple[str, str | None]]


def _save_docx(out: str | IO[bytes], paragraphs: Paragraphs) -> None:
    import docx
    from docx.enum.style import WD_STYLE_TYPE

    document = docx.Document()
    names = {s.name for s in document.styles}
    for text, style in paragraphs:
        if style is not None and style not in names:
            document.styles.add_style(style, WD_STYLE_TYPE.PARAGRAPH)
            names.add(style)
        document.add_paragraph(text, style=style)
    document.save(out)


def write_docx(path: Path, paragraphs: Paragraphs) -> Path:
    """(text, style) pairs; style None is the Normal style. A style name that the default
    template lacks (「标题 1」, as Chinese Word names Heading 1) is created."""
    _save_docx(str(path), paragraphs)
    return path


def docx_bytes(paragraphs: Paragraphs) -> bytes:
    """The .docx `write_docx` would write, as bytes (an upload, say)."""
    out = io.BytesIO()
    _save_docx(out, paragraphs)
    return out.getvalue()


# ---- .pdf --------------------------------------------------------------------------------


def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def wrap(paragraphs: Sequence[str], width: int) -> list[str]:
    """Paragraphs cut into lines of `width` characters, as a typesetter fills a line."""
    lines: list[str] = []
    for paragraph in paragraphs:
        lines.extend(paragraph[i : i + width] for i in range(0, len(paragraph), width))
    return lines


def write_pdf(
    path: Path,
    lines: Sequence[str],
    per_page: int = 12,
    header: str | None = None,
    page_numbers: str | None = "— {n} —",
    blank_pages: Sequence[int] = (),
) -> Path:
    """A PDF with one text line per `lines` item, `per_page` lines a page, an optional running
    header and page-number footer on every page, and image-only (text-less) pages at the
    1-based positions in `blank_pages`."""
    from reportlab.pdfgen import canvas

    font = _register_font()
    pdf = canvas.Canvas(str(path))
    pages: list[Sequence[str] | None] = [
        lines[i : i + per_page] for i in range(0, len(lines), per_page)
    ] or [[]]
    for index in sorted(blank_pages):
        pages.insert(index - 1, None)
    for number, page in enumerate(pages, start=1):
        if page is None:  # a "scanned" page: drawn shapes, no text
            pdf.rect(72, 300, 400, 400, fill=1)
            pdf.showPage()
            continue
        if header:
            pdf.setFont(font, 9)
            pdf.drawString(72, 810, header)
        pdf.setFont(font, 12)
        for j, line in enumerate(page):
            pdf.drawString(72, 770 - 20 * j, line)
        if page_numbers:
            pdf.setFont(font, 9)
            pdf.drawString(280, 30, page_numbers.format(n=number))
        pdf.showPage()
    pdf.save()
    return path


def write_image_pdf(path: Path, pages: int = 2) -> Path:
    """A PDF like a scan: pages with drawings only, no text layer."""
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    for _ in range(pages):
        pdf.rect(72, 72, 300, 500, fill=1)
        pdf.showPage()
    pdf.save()
    return path


# ---- .html -------------------------------------------------------------------------------


def write_html(
    path: Path, lines: Sequence[str], title: str | None = None, centred: Sequence[str] = ()
) -> Path:
    """A web page as government sites lay out a document: one <p> a line, the lines in
    `centred` centred and bold (a title split over two <p> among them), a <title> in the head."""
    from html import escape

    head = f"<title>{escape(title)}</title>" if title else ""
    body = []
    for line in lines:
        if line in centred:
            body.append(
                '<p style="text-align: center;"><span style="font-weight: bold;">'
                f"{escape(line)}</span></p>"
            )
        else:
            body.append(f'<p style="text-indent: 2em;">{escape(line)}</p>')
    page = (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8">{head}</head><body>\n'
        + "\n".join(body)
        + "\n</body></html>\n"
    )
    path.write_text(page, encoding="utf-8")
    return path


def write_docx_bomb(
    path: Path, inflated_bytes: int, text: str = "内容", varied: bool = False
) -> Path:
    """A valid .docx whose word/document.xml holds `inflated_bytes` of the same paragraph:
    a few hundred KB on disk (deflate compresses it about 340 to 1), a zip bomb when read.
    `varied`: paragraphs of random hex text instead, which compress about 2 to 1."""
    import os
    import zipfile

    import docx

    base = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("标题")
    document.save(base)
    with zipfile.ZipFile(base) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    xml = parts.pop("word/document.xml").decode("utf-8")
    head, _, tail = xml.partition("<w:body>")
    paragraph = f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()
    chunk = paragraph * max(1, (1 << 20) // len(paragraph))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
        with archive.open("word/document.xml", "w", force_zip64=True) as out:
            out.write((head + "<w:body>").encode())
            written = 0
            while written < inflated_bytes:
                if varied:
                    noise = os.urandom(1 << 16).hex()
                    chunk = "".join(
                        f"<w:p><w:r><w:t>{noise[i : i + 64]}</w:t></w:r></w:p>"
                        for i in range(0, len(noise), 64)
                    ).encode()
                out.write(chunk)
                written += len(chunk)
            out.write(("</w:body>" + tail.split("</w:body>", 1)[-1]).encode())
    return path
