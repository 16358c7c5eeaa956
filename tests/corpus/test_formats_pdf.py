"""PDFs with a text layer: running headers and page numbers dropped, lines joined into
paragraphs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corpus.formats.pdf import join_lines
from bot.corpus.reading import DocumentError, read_document
from bot.corpus.structure import parse_document
from tests.support.documents import SPEECH_BODY, SPEECH_TITLE, wrap, write_image_pdf, write_pdf

WIDTH = 24  # characters a line


def speech_pdf(path: Path, **kwargs) -> Path:
    lines = [SPEECH_TITLE, "——2023年1月5日在全市人大代表工作会议上", *wrap(SPEECH_BODY, WIDTH)]
    return write_pdf(path, lines, **kwargs)


def test_paragraphs_headings_and_metadata(tmp_path: Path):
    path = speech_pdf(tmp_path / "speech.pdf", per_page=7, header="某某市人大常委会办公室")
    doc = parse_document(read_document(path))
    assert doc.title == SPEECH_TITLE
    assert doc.date == "2023-01-05"
    assert doc.byline == ("——2023年1月5日在全市人大代表工作会议上", SPEECH_BODY[0])
    assert doc.salutation == SPEECH_BODY[0]  # 「同志们：」 is metadata, not a paragraph
    assert [s.heading for s in doc.sections] == [SPEECH_BODY[2], SPEECH_BODY[4]]
    texts = [p.text for p in doc.paragraphs]
    # every paragraph comes back whole, joined across lines and page breaks without spaces;
    # one that a sentence end happens to split at a line end may come back as two
    assert "".join(texts) == "".join(
        b for b in SPEECH_BODY if b not in (SPEECH_BODY[0], SPEECH_BODY[2], SPEECH_BODY[4])
    )
    assert SPEECH_BODY[1] in texts
    assert all(" " not in t for t in texts)
    # the running header and the page numbers are gone
    assert not any("办公室" in t or "—" in t for t in texts)


def test_sub_points_survive_line_joining(tmp_path: Path):
    doc = parse_document(read_document(speech_pdf(tmp_path / "speech.pdf")))
    points = [sp.title for p in doc.paragraphs for sp in p.subpoints]
    assert "要加强代表履职能力建设。" in points and "要密切代表同人民群众的联系。" in points


@pytest.mark.parametrize(
    "footer", ["第 {n} 页", "- {n} -", "{n}", "第{n}页 共9页", "{n}/9", "Page {n}"]
)
def test_page_number_styles(tmp_path: Path, footer: str):
    path = speech_pdf(tmp_path / "speech.pdf", per_page=5, page_numbers=footer)
    lines = read_document(path).text.splitlines()
    assert lines[0] == SPEECH_TITLE
    assert "".join(lines[2:]) == "".join(
        SPEECH_BODY
    )  # not a page number left, in a line or joined to one


def test_header_that_names_the_page_is_dropped(tmp_path: Path):
    path = speech_pdf(
        tmp_path / "speech.pdf", per_page=6, header="2023年工作文件汇编", page_numbers=None
    )
    text = read_document(path).text
    assert "汇编" not in text


def test_a_one_page_pdf_keeps_its_first_line(tmp_path: Path):
    path = write_pdf(
        tmp_path / "short.pdf", ["会议纪要", "会议决定下周开展集中视察。"], page_numbers=None
    )
    doc = parse_document(read_document(path))
    assert doc.title == "会议纪要" and doc.paragraphs[0].text == "会议决定下周开展集中视察。"


def test_pages_without_text_are_noted(tmp_path: Path):
    path = speech_pdf(tmp_path / "mixed.pdf", per_page=8, blank_pages=[2])
    source = read_document(path)
    assert source.notes and "第 2 页没有文字层" in source.notes[0]
    assert parse_document(source).title == SPEECH_TITLE


def test_scanned_pdf_without_text_is_refused(tmp_path: Path):
    with pytest.raises(DocumentError, match="没有文字层.*OCR"):
        read_document(write_image_pdf(tmp_path / "scan.pdf"))


def test_corrupt_pdf(tmp_path: Path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4)
    with pytest.raises(DocumentError):
        read_document(path)


def test_not_a_pdf_at_all(tmp_path: Path):
    path = tmp_path / "fake.pdf"
    path.write_text("这其实是一个文本文件。", encoding="utf-8")
    with pytest.raises(DocumentError, match="不是 PDF"):
        read_document(path)


def test_pdf_saved_as_txt_is_read_as_pdf(tmp_path: Path):
    pdf = speech_pdf(tmp_path / "speech.pdf")
    path = tmp_path / "speech.txt"
    path.write_bytes(pdf.read_bytes())
    source = read_document(path)
    assert any("实际是 PDF" in note for note in source.notes)
    assert parse_document(source).title == SPEECH_TITLE


def test_table_of_contents_is_dropped(tmp_path: Path):
    lines = [
        "年度工作报告",
        "目录",
        "一、工作回顾…………………1",
        "二、下一步打算………………2",
        "一、工作回顾",
        "去年工作成效明显。",
        "二、下一步打算",
        "今年继续努力。",
    ]
    doc = parse_document(read_document(write_pdf(tmp_path / "toc.pdf", lines)))
    assert [s.heading for s in doc.sections] == ["一、工作回顾", "二、下一步打算"]


# ---- the line joiner on its own -------------------------------------------------------------


def test_join_lines_rules():
    lines = [
        "关于加强代表工作的意见",  # short: a title, never joined to what follows
        "各区县人大常委会：",
        "为了进一步加强和改进代表工作，充分发挥代表作用",  # full, no sentence end: continues
        "，现提出如下意见。",
        "一、总体要求",
        "要坚持以人民为中心的发展思想，把代表工作做深做实做",
        "细。",
        "English words wrapped at the end of a full line of",
        "text get a space between them when joined again.",
    ]
    assert join_lines(lines) == [
        "关于加强代表工作的意见",
        "各区县人大常委会：",
        "为了进一步加强和改进代表工作，充分发挥代表作用，现提出如下意见。",
        "一、总体要求",
        "要坚持以人民为中心的发展思想，把代表工作做深做实做细。",
        "English words wrapped at the end of a full line of text get a space between them "
        "when joined again.",
    ]


def test_join_lines_indent_and_blank_line_start_paragraphs():
    lines = [
        "第一段的第一行文字写满了整整一行没有标点",
        "\u3000\u3000第二段以全角空格缩进开头写满一行没有标",
        "点",
        "",
        "第三段在空行之后开始写满了一行也没有标点",
    ]
    assert join_lines(lines) == [
        "第一段的第一行文字写满了整整一行没有标点",
        "第二段以全角空格缩进开头写满一行没有标点",
        "第三段在空行之后开始写满了一行也没有标点",
    ]


def test_kangxi_radicals_are_mapped_back(tmp_path: Path):
    path = write_pdf(
        tmp_path / "kangxi.pdf",
        ["会议纪要", "\u2f00是加强学习。\u2f06是强化落实。"],
        page_numbers=None,
    )
    assert "一是加强学习。二是强化落实。" in read_document(path).text
