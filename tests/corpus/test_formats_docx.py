"""Word documents: title, heading styles and numbered headings, Word's own numbering, tables."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from bot.corpus.reading import DocumentError, read_document
from bot.corpus.structure import parse_document
from tests.support.documents import write_docx


def parse(path: Path):
    return parse_document(read_document(path))


def test_title_style_heading_styles_and_numbered_headings(tmp_path: Path):
    path = write_docx(
        tmp_path / "notice.docx",
        [
            ("关于做好2023年代表工作的通知", "Title"),
            ("各区县人大常委会：", None),
            ("为做好今年的代表工作，现将有关事项通知如下。", None),
            ("一、总体要求", "Heading 1"),
            ("要坚持党的领导。代表工作要在党委领导下开展。", None),
            ("（一）细化任务", "Heading 2"),
            ("明确分工，落实责任。", None),
            ("二、工作安排", None),  # numbered like Heading 1 but typed by hand: same level
            ("按季度推进各项工作。", None),
            ("附则", "Heading 1"),
            ("本通知自印发之日起施行。", None),
        ],
    )
    source = read_document(path)
    assert source.markdown and source.title == "关于做好2023年代表工作的通知"
    doc = parse_document(source)
    assert doc.title == "关于做好2023年代表工作的通知" and doc.title_in_text
    assert [(s.heading, s.level) for s in doc.sections] == [
        ("一、总体要求", 1),
        ("（一）细化任务", 2),
        ("二、工作安排", 1),
        ("附则", 1),
    ]
    assert doc.salutation == "各区县人大常委会："  # the 主送机关 is metadata
    assert doc.paragraphs[0].text.startswith("为做好") and doc.paragraphs[0].section is None
    body = next(p for p in doc.paragraphs if p.text == "明确分工，落实责任。")
    assert doc.heading_path(body.section) == ("一、总体要求", "（一）细化任务")


def test_chinese_style_names(tmp_path: Path):
    """Chinese Word and WPS name the styles 「标题」 and 「标题 1」."""
    path = write_docx(
        tmp_path / "cn.docx",
        [
            ("全市工作会议讲话", "标题"),
            ("开场白。", None),
            ("总体情况", "标题 1"),
            ("情况很好。", None),
            ("具体数据", "标题 2"),
            ("数据如下。", None),
        ],
    )
    doc = parse(path)
    assert doc.title == "全市工作会议讲话"
    assert [(s.heading, s.level) for s in doc.sections] == [("总体情况", 1), ("具体数据", 2)]


def test_first_heading_styled_paragraph_is_the_title(tmp_path: Path):
    path = write_docx(
        tmp_path / "h.docx",
        [
            ("在全市代表工作会议上的讲话", "Heading 1"),
            ("同志们：", None),
            ("一、坚持党的领导", "Heading 1"),
            ("要坚持党的领导。", None),
        ],
    )
    doc = parse(path)
    assert doc.title == "在全市代表工作会议上的讲话"
    assert [s.heading for s in doc.sections] == ["一、坚持党的领导"]


def test_plain_first_paragraph_is_the_title_and_numbering_makes_sections(tmp_path: Path):
    path = write_docx(
        tmp_path / "plain.docx",
        [
            ("在全市代表工作会议上的讲话", None),
            ("——2023年1月5日", None),
            ("一、坚持党的领导", None),
            ("要坚持党的领导。各项工作都要在党的领导下开展。", None),
            ("二、密切联系群众", None),
            ("要密切联系群众。", None),
        ],
    )
    doc = parse(path)
    assert doc.title == "在全市代表工作会议上的讲话"
    assert doc.date == "2023-01-05" and doc.byline == ("——2023年1月5日",)
    assert [s.heading for s in doc.sections] == ["一、坚持党的领导", "二、密切联系群众"]
    assert doc.paragraphs[0].number == 1 and doc.paragraphs[0].text.startswith("要坚持党的领导")


def _chinese_numbering(document) -> str:
    """Add a Word list whose levels print 「一、」 and 「（一）」; returns its numId."""
    from docx.oxml import parse_xml

    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering = document.part.numbering_part.element
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {ns} w:abstractNumId="90"><w:multiLevelType w:val="multilevel"/>'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
            '<w:lvlText w:val="%1、"/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
            '<w:lvlText w:val="（%2）"/></w:lvl>'
            "</w:abstractNum>"
        ),
    )
    numbering.append(parse_xml(f'<w:num {ns} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    return "90"


def _number(paragraph, num_id: str, level: int) -> None:
    from docx.oxml import parse_xml

    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {ns}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>')
    )


def test_word_automatic_numbering_is_written_out(tmp_path: Path):
    """The numbers Word shows are not in the paragraph text; headings are found by them."""
    import docx

    document = docx.Document()
    num_id = _chinese_numbering(document)
    document.add_paragraph("关于加强代表工作的意见", style="Title")
    for text, level in [
        ("总体要求", 0),
        ("指导思想", 1),
        ("基本原则", 1),
        ("主要任务", 0),
        ("加强学习", 1),
    ]:
        _number(document.add_paragraph(text), num_id, level)
        document.add_paragraph(f"{text}的具体内容。")
    path = tmp_path / "numbered.docx"
    document.save(str(path))
    doc = parse(path)
    assert [(s.heading, s.level) for s in doc.sections] == [
        ("一、总体要求", 1),
        ("（一）指导思想", 2),
        ("（二）基本原则", 2),
        ("二、主要任务", 1),
        ("（一）加强学习", 2),
    ]


def test_tables_and_soft_breaks(tmp_path: Path):
    import docx

    document = docx.Document()
    document.add_paragraph("代表视察情况报告", style="Title")
    document.add_paragraph("一、视察安排", style="Heading 1")
    table = document.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "项目", (0, 1): "次数", (1, 0): "集中视察", (1, 1): "3"}.items():
        table.cell(r, c).text = text
    paragraph = document.add_paragraph("第一行文字。")
    paragraph.add_run().add_break()
    paragraph.add_run("第二行文字。")
    path = tmp_path / "table.docx"
    document.save(str(path))
    doc = parse(path)
    assert [p.text for p in doc.paragraphs] == [
        "项目 次数",
        "集中视察 3",
        "第一行文字。",
        "第二行文字。",
    ]
    assert all(p.section == 0 for p in doc.paragraphs)


def test_table_of_contents_lines_are_skipped(tmp_path: Path):
    path = write_docx(
        tmp_path / "toc.docx",
        [
            ("年度工作报告", "Title"),
            ("一、工作回顾…………………………1", None),
            ("二、下一步打算……………………3", None),
            ("一、工作回顾", "Heading 1"),
            ("去年工作成效明显。", None),
            ("二、下一步打算", "Heading 1"),
            ("今年继续努力。", None),
        ],
    )
    doc = parse(path)
    assert [s.heading for s in doc.sections] == ["一、工作回顾", "二、下一步打算"]
    assert [p.text for p in doc.paragraphs] == ["去年工作成效明显。", "今年继续努力。"]


def test_body_line_starting_with_hash_is_not_a_heading(tmp_path: Path):
    path = write_docx(tmp_path / "hash.docx", [("说明", "Title"), ("#话题 标签不是标题。", None)])
    doc = parse(path)
    assert doc.sections == () and doc.paragraphs[0].text == "＃话题 标签不是标题。"


# ---- broken and mislabeled files -----------------------------------------------------------


def test_corrupt_docx(tmp_path: Path):
    path = tmp_path / "corrupt.docx"
    path.write_bytes(b"PK\x03\x04" + bytes(range(200)))
    with pytest.raises(DocumentError, match="docx"):
        read_document(path)


def test_truncated_docx(tmp_path: Path):
    good = write_docx(tmp_path / "good.docx", [("标题", "Title"), ("正文。", None)])
    path = tmp_path / "truncated.docx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(DocumentError, match="docx|损坏"):
        read_document(path)


def test_zip_that_is_not_a_word_document(tmp_path: Path):
    path = tmp_path / "archive.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(DocumentError, match="不是有效的 Word"):
        read_document(path)


def test_legacy_doc_and_encrypted_docx_are_explained(tmp_path: Path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024)
    (tmp_path / "old.doc").write_bytes(ole)
    (tmp_path / "locked.docx").write_bytes(ole)
    with pytest.raises(DocumentError, match="另存为 .docx"):
        read_document(tmp_path / "old.doc")
    with pytest.raises(DocumentError, match="旧版 .doc 或加密"):
        read_document(tmp_path / "locked.docx")


def test_docx_saved_as_txt_or_doc_is_read_as_docx(tmp_path: Path):
    good = write_docx(
        tmp_path / "good.docx",
        [("会议讲话", "Title"), ("一、总体要求", "Heading 1"), ("正文。", None)],
    )
    for name in ("renamed.txt", "renamed.doc"):
        path = tmp_path / name
        path.write_bytes(good.read_bytes())
        source = read_document(path)
        assert any("实际是 Word" in note for note in source.notes)
        assert parse_document(source).sections[0].heading == "一、总体要求"


def test_web_page_saved_as_doc_is_read_as_html(tmp_path: Path):
    path = tmp_path / "download.doc"
    path.write_text(
        "<html><head><title>通知</title></head><body><h1>关于开会的通知</h1><p>定于周一开会。</p></body></html>",
        encoding="utf-8",
    )
    doc = parse_document(read_document(path))
    assert doc.title == "关于开会的通知" and doc.paragraphs[0].text == "定于周一开会。"
