"""Front and back matter of official texts and speeches: metadata, never passages, in every format.

Each fixture (tests/support/official.py) is a document written for these tests; it is built as
.txt, .docx, .pdf and .html and must come back with the same metadata, the same body and no
metadata line among its passages.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.corpus import metadata
from bot.corpus.library import parse_file
from bot.corpus.passages import make_passages
from bot.corpus.source import SourceText
from bot.corpus.structure import Document, parse_document
from tests.support.official import BUILDERS, FIXTURES, NOTICE_WITH_PLAN, SPEECH, Fixture
from tests.support.paths import SPEECH as BUNDLED_SPEECH


def built(tmp_path: Path, fixture: Fixture, suffix: str) -> Document:
    return parse_file(BUILDERS[suffix](tmp_path / f"{fixture.name}{suffix}", fixture))


def body_passages(document: Document) -> list[str]:
    return [p.text for p in make_passages(document, 0) if p.paragraph > 0]


@pytest.mark.parametrize("suffix", sorted(BUILDERS))
@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.name for f in FIXTURES])
def test_front_and_back_matter_are_metadata_not_passages(
    tmp_path: Path, fixture: Fixture, suffix: str
):
    doc = built(tmp_path, fixture, suffix)
    assert doc.title == fixture.title and doc.title_in_text
    for name, value in fixture.expect.items():
        assert getattr(doc, name) == value, name
    kinds = tuple(m.kind for m in doc.set_aside if m.kind != metadata.TITLE)
    assert kinds == fixture.kinds
    assert [s.heading for s in doc.sections] == list(fixture.sections)
    assert doc.paragraphs[0].text == fixture.first_paragraph
    assert doc.paragraphs[-1].text == fixture.last_paragraph
    # no line set aside is a paragraph or the start of a passage
    passages = body_passages(doc)
    for meta in doc.set_aside:
        assert not any(squeeze(p.text).startswith(squeeze(meta.text)) for p in doc.paragraphs)
        assert not any(squeeze(text).startswith(squeeze(meta.text)) for text in passages), meta
    # every other line of the fixture is still there, as a heading or in a passage
    kept = squeeze("".join(passages))
    aside = {squeeze(m.text) for m in doc.set_aside} | {squeeze(t) for t in fixture.title_lines}
    for line in fixture.lines:
        heading = next((s for s in fixture.sections if line.startswith(s)), "")
        rest = squeeze(line[len(heading) :])
        assert squeeze(line) in aside or rest in kept, line


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_the_closing_vocative_ends_the_sub_point(tmp_path: Path):
    doc = built(tmp_path, SPEECH, ".txt")
    closing = doc.paragraphs[-1]
    assert doc.heading_path(closing.section) == ("二、扎实推进重点任务",)
    last = [p for p in make_passages(doc, 0) if p.paragraph == closing.number]
    assert last and all(p.subsection is None for p in last)
    assert all(p.section == "二、扎实推进重点任务" for p in last)
    # the paragraph before it still carries its sub-point
    before = doc.paragraphs[-2]
    assert doc.heading_path(before.section) == ("二、扎实推进重点任务", "（二）完善社区服务设施。")


def test_an_exclamation_vocative_also_ends_the_lower_heading():
    doc = parse_document(
        SourceText(
            Path("report.txt"),
            "工作报告\n一、主要任务\n（一）稳增长。\n扩大有效投资。\n"
            "各位代表！我们要支持国防和军队建设，巩固军政军民团结。\n二、政府建设\n依法行政。\n",
        )
    )
    defence = next(p for p in doc.paragraphs if p.text.startswith("各位代表！"))
    assert doc.heading_path(defence.section) == ("一、主要任务",)


def test_notice_with_an_attachment_marker_keeps_both_parts():
    lines = [*NOTICE_WITH_PLAN.lines]
    lines.insert(lines.index("某某市社区食堂建设实施方案"), "附件")
    doc = parse_document(SourceText(Path("notice.txt"), "\n".join(lines)))
    assert (doc.date, doc.authority) == ("2024-04-02", "某某市人民政府办公厅")
    aside = [(m.kind, m.text) for m in doc.set_aside]
    assert (metadata.ATTACHMENT, "附件") in aside
    assert (metadata.ATTACHMENT_TITLE, "某某市社区食堂建设实施方案") in aside
    assert [p.text for p in doc.paragraphs][:2] == [
        NOTICE_WITH_PLAN.first_paragraph,
        "为推进社区食堂建设，方便群众就餐，制定本方案。",
    ]
    assert [s.heading for s in doc.sections] == list(NOTICE_WITH_PLAN.sections)


def test_a_second_attachment_marker_and_title_are_set_aside():
    text = "\n".join(
        [
            *NOTICE_WITH_PLAN.lines,
            "附件2",
            "社区食堂补助资金管理办法",
            "第一条 为规范补助资金管理，制定本办法。",
        ]
    )
    doc = parse_document(SourceText(Path("notice.txt"), text))
    aside = [(m.kind, m.text) for m in doc.set_aside]
    assert (metadata.ATTACHMENT, "附件2") in aside
    assert (metadata.ATTACHMENT_TITLE, "社区食堂补助资金管理办法") in aside
    assert doc.paragraphs[-1].text == "第一条 为规范补助资金管理，制定本办法。"


@pytest.mark.parametrize(
    "line,speaker",
    [
        ("某某市市长 王 明", "某某市市长 王明"),
        ("王 明", "王明"),
        ("欧阳修文", "欧阳修文"),
        ("市委书记 张三同志", "市委书记 张三"),
        ("国务院总理　李强", "国务院总理 李强"),
    ],
)
def test_speaker_lines_with_spaces_inside_names(line: str, speaker: str):
    assert metadata.person_name(line.replace("\u3000", " ")) == speaker


@pytest.mark.parametrize("line", ["总体要求", "全文", "方案", "一、总体要求", "关闭", "目录"])
def test_short_lines_that_are_not_names(line: str):
    assert metadata.person_name(line) is None
    doc = parse_document(SourceText(Path("a.txt"), f"关于做好社区工作的通知\n{line}\n正文。\n"))
    assert doc.speaker is None


@pytest.mark.parametrize(
    "line,kind",
    [
        ("索引号：000014349/2024-00012", metadata.LABELLED),
        ("发文字号：某政发〔2024〕3号", metadata.LABELLED),
        ("（某政发〔2024〕3号）", metadata.DOC_NUMBER),
        ("同志们：", metadata.SALUTATION),
        ("各省、自治区、直辖市人民政府，国务院各部委、各直属机构：", metadata.ADDRESSEE),
    ],
)
def test_front_line_kinds(line: str, kind: str):
    found = metadata.front_line(line)
    assert found is not None and found.kind == kind


@pytest.mark.parametrize(
    "line",
    ["要求：各单位按时报送。", "各单位要高度重视。", "地点：市政府第一会议室", "总体要求"],
)
def test_body_lines_are_not_front_matter(line: str):
    assert metadata.front_line(line) is None


def test_doc_number_and_authority_from_the_title():
    doc = parse_document(
        SourceText(
            Path("a.txt"),
            "某某市人民政府办公厅关于做好防汛工作的通知（某政办明电〔2024〕5号）\n各区：\n请做好防汛。\n",
        )
    )
    assert doc.doc_number == "某政办明电〔2024〕5号"
    assert doc.authority == "某某市人民政府办公厅"


def test_labelled_source_at_the_end_of_a_web_article():
    doc = parse_document(
        SourceText(
            Path("a.txt"),
            "社区食堂开业\n今天，第一家社区食堂开业。\n（来源：某某日报）\n责任编辑：张三\n",
        )
    )
    assert doc.source == "某某日报"
    assert [p.text for p in doc.paragraphs] == ["今天，第一家社区食堂开业。"]


def test_bundled_speech_still_parses_whole():
    doc = parse_file(BUNDLED_SPEECH)
    assert doc.title == "在全市2022年度人大代表集中视察座谈会上的讲话"
    assert doc.salutation == "尊敬的*副部长、*书记，同志们："
    assert [s.heading[:2] for s in doc.sections] == ["一、", "二、", "三、", "四、"]
    assert sum(len(p.subpoints) for p in doc.paragraphs) == 12


def _kinds(lines: Sequence[str]) -> list[str]:
    doc = parse_document(SourceText(Path("a.txt"), "\n".join(lines)))
    return [m.kind for m in doc.set_aside]


def test_a_date_line_is_a_signature_at_the_end_and_a_byline_under_the_title():
    assert _kinds(["通知", "明天放假。", "2024年5月1日"]) == [metadata.SIGNATURE]
    assert _kinds(["通知", "2024年5月1日", "明天放假。"]) == [metadata.BYLINE]


def test_back_matter_never_takes_the_whole_body():
    doc = parse_document(SourceText(Path("a.txt"), "名单\n某某市人民政府办公厅\n2024年5月1日\n"))
    assert [p.text for p in doc.paragraphs] == ["某某市人民政府办公厅", "2024年5月1日"]
