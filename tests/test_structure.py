from pathlib import Path

from bot.corpus.reading import SourceText, read_document
from bot.corpus.structure import parse_document
from tests.support.paths import SPEECH


def parse(text: str, markdown: bool = False, name: str = "doc.txt"):
    return parse_document(SourceText(Path(name), text, markdown))


def test_speech_title_sections_and_subpoints():
    doc = parse_document(read_document(SPEECH))
    assert doc.title == "在全市2022年度人大代表集中视察座谈会上的讲话"
    assert [s.heading[:2] for s in doc.sections] == ["一、", "二、", "三、", "四、"]
    assert doc.sections[2].heading == "三、凝心凝力、强基固本，全面加强人大及其常委会自身建设"
    assert all(s.level == 1 and s.parent is None for s in doc.sections)
    points = [sp.title for p in doc.paragraphs for sp in p.subpoints]
    assert len(points) == 12
    assert "要回应群众关切。" in points and "要夯实履职基础。" in points
    # each section's paragraph holds exactly three sub-points
    assert [len(p.subpoints) for p in doc.paragraphs if p.section is not None] == [3, 3, 3, 3]


def test_speech_salutation_is_metadata_and_the_opening_has_no_section():
    doc = parse_document(read_document(SPEECH))
    assert doc.salutation == "尊敬的*副部长、*书记，同志们："
    assert all(not p.text.startswith("尊敬的") for p in doc.paragraphs)
    opening = doc.paragraphs[0]
    assert opening.text.endswith("讲四点意见。") and opening.section is None


def test_closing_words_end_the_last_subpoint():
    doc = parse_document(read_document(SPEECH))
    last = doc.paragraphs[-1]
    assert last.subpoints[-1].title == "要不断优化人大队伍。"
    closing_at = last.text.index("各位代表、同志们，当前正值")
    assert last.subpoints[-1].end == closing_at


def test_heading_families_nest_by_rank():
    doc = parse(
        "年度工作报告\n"
        "第一章 总则\n"
        "第一节 目的\n"
        "本办法用于规范工作。\n"
        "一、基本原则\n"
        "（一）依法办事\n"
        "依法开展工作。\n"
        "1. 具体要求\n"
        "严格执行。\n"
        "第二章 附则\n"
        "本办法自发布之日起施行。\n"
    )
    assert doc.title == "年度工作报告"
    levels = {s.heading: s.level for s in doc.sections}
    assert levels == {
        "第一章 总则": 1,
        "第一节 目的": 2,
        "一、基本原则": 3,
        "（一）依法办事": 4,
        "1. 具体要求": 5,
        "第二章 附则": 1,
    }
    body = next(p for p in doc.paragraphs if p.text == "严格执行。")
    assert doc.heading_path(body.section) == (
        "第一章 总则",
        "第一节 目的",
        "一、基本原则",
        "（一）依法办事",
        "1. 具体要求",
    )


def test_heading_with_body_on_the_same_line():
    doc = parse(
        "通知\n（一）加强组织领导。各地要高度重视，抓好落实。\n（二）强化督查。定期通报进展情况。\n"
    )
    assert [s.heading for s in doc.sections] == ["（一）加强组织领导。", "（二）强化督查。"]
    assert [p.text for p in doc.paragraphs] == ["各地要高度重视，抓好落实。", "定期通报进展情况。"]


def test_numbers_that_are_not_headings():
    doc = parse("报告\n1.5亿元用于民生项目，其中大部分投向农村。\n2023年全市生产总值增长5%。\n")
    assert doc.sections == ()
    assert len(doc.paragraphs) == 2


def test_markdown_headings():
    doc = parse(
        "# 工作要点\n\n引言段落。\n\n## 一、学习\n\n认真学习。\n\n### 细则\n\n每周一次。\n",
        markdown=True,
        name="a.md",
    )
    assert doc.title == "工作要点"
    assert [(s.heading, s.level) for s in doc.sections] == [("一、学习", 1), ("细则", 2)]
    assert doc.paragraphs[0].section is None


def test_document_without_headings_is_paragraphs():
    doc = parse("随笔\n第一段文字。\n第二段文字。\n")
    assert doc.sections == ()
    assert [p.number for p in doc.paragraphs] == [1, 2]


def test_subpoints_with_yishi_markers():
    doc = parse(
        "意见\n一、总体要求\n一是加强学习。认真学习文件精神，提高认识。二是强化落实。明确责任分工，按期完成任务。\n"
    )
    assert [sp.title for sp in doc.paragraphs[0].subpoints] == ["一是加强学习。", "二是强化落实。"]
