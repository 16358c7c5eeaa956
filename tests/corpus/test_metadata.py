"""Title, date and speaker: from YAML front matter, byline lines, the title, a signature line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corpus.metadata import find_date, parse_byline, speaker_from_title, split_front_matter
from bot.corpus.reading import SourceText, read_document
from bot.corpus.structure import parse_document
from tests.support.documents import SPEECH_BODY, SPEECH_TITLE, speech_text
from tests.support.paths import SPEECH


def parse(text: str, name: str = "doc.txt", markdown: bool = False):
    return parse_document(SourceText(Path(name), text, markdown))


def read(tmp_path: Path, text: str, name: str = "doc.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse_document(read_document(path))


# ---- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,iso",
    [
        ("2023年1月5日", "2023-01-05"),
        ("2023年12月31日", "2023-12-31"),
        ("２０２３年３月５日", "2023-03-05"),
        ("二〇二三年三月五日", "2023-03-05"),
        ("二〇二三年十二月二十一日", "2023-12-21"),
        ("2023-01-05", "2023-01-05"),
        ("2023.3.5", "2023-03-05"),
        ("2023/03/05 10:30", "2023-03-05"),
        ("2023年3月", "2023-03"),
    ],
)
def test_find_date(text: str, iso: str):
    found = find_date(text)
    assert found is not None and found.iso == iso


@pytest.mark.parametrize("text", ["2022年度工作", "2023年", "共13个月", "1.5亿元", "2023年13月1日"])
def test_not_dates(text: str):
    assert find_date(text) is None


# ---- byline lines after the title -------------------------------------------------------------


@pytest.mark.parametrize(
    "line,date,speaker",
    [
        ("——2025年3月5日在第十四届全国人民代表大会第三次会议上", "2025-03-05", None),
        ("（2023年1月5日）", "2023-01-05", None),
        ("*** 2023年1月5日", "2023-01-05", "***"),
        ("国务院总理 李强 2024年3月5日", "2024-03-05", "国务院总理 李强"),
        ("——习近平2023年1月5日在中央经济工作会议上", "2023-01-05", "习近平"),
        ("（2023年1月5日，张三）", "2023-01-05", "张三"),
        ("发布时间：2023-01-05 10:30 来源：新华社", "2023-01-05", None),
        ("讲话人：张三 时间：2023年1月5日", "2023-01-05", "张三"),
        ("——在全市人大工作会议上的讲话", None, None),
    ],
)
def test_byline_lines(line: str, date: str | None, speaker: str | None):
    parsed = parse_byline(line)
    assert parsed is not None
    assert (parsed[0].date, parsed[0].speaker) == (date, speaker)


@pytest.mark.parametrize(
    "line",
    [
        "这次会议是在2023年1月5日召开的。",
        "一、2023年1月至6月工作情况",
        "总体要求",
    ],
)
def test_body_lines_are_not_bylines(line: str):
    assert parse_byline(line) is None


def test_subtitle_is_metadata_not_a_numbered_paragraph():
    doc = parse(speech_text(byline=["——2023年1月5日在全市人大代表工作会议上"]))
    assert doc.title == SPEECH_TITLE
    assert doc.date == "2023-01-05" and doc.speaker is None
    assert doc.byline == ("——2023年1月5日在全市人大代表工作会议上", SPEECH_BODY[0])
    assert doc.paragraphs[0].number == 1 and doc.paragraphs[0].text == SPEECH_BODY[1]
    assert all("2023年1月5日" not in p.text for p in doc.paragraphs)


def test_name_and_date_lines_after_the_title():
    doc = parse(speech_text(byline=["国务院总理　李强", "（2024年3月5日）"]))
    assert (doc.date, doc.speaker) == ("2024-03-05", "国务院总理 李强")
    assert len(doc.byline) == 3 and doc.paragraphs[0].text == SPEECH_BODY[1]


def test_masked_speaker_and_date_line():
    doc = parse(speech_text(byline=["*** 2023年1月5日"]))
    assert (doc.date, doc.speaker) == ("2023-01-05", "***")


def test_a_name_alone_is_not_taken_without_a_date():
    doc = parse(speech_text(body=["总体要求", *SPEECH_BODY]))
    assert doc.speaker is None and doc.byline == ()
    assert doc.paragraphs[0].text == "总体要求"


@pytest.mark.parametrize(
    "title,speaker",
    [
        ("习近平在中央经济工作会议上的讲话", "习近平"),
        ("市委书记张三同志在全市经济工作会议上的讲话", "市委书记 张三"),
        ("在全市2022年度人大代表集中视察座谈会上的讲话", None),
        ("关于在全市开展代表活动的通知", None),
    ],
)
def test_speaker_from_title(title: str, speaker: str | None):
    assert speaker_from_title(title) == speaker
    assert parse(f"{title}\n正文。\n").speaker == speaker


def test_date_from_the_title_and_from_a_signature_line():
    assert parse("2023年1月5日全市代表工作会议纪要\n会议决定开展视察。\n").date == "2023-01-05"
    notice = parse(
        "关于开展集中视察的通知\n各代表小组：\n定于下周开展集中视察。\n某某市人大常委会办公室\n2023年3月8日\n"
    )
    assert (notice.date, notice.authority) == ("2023-03-08", "某某市人大常委会办公室")
    # the signature is metadata: not a paragraph
    assert [p.text for p in notice.paragraphs] == ["定于下周开展集中视察。"]


def test_official_header_lines_are_not_the_title():
    doc = parse(
        "某某市人民政府文件\n某政发〔2023〕5号\n关于做好代表建议办理工作的通知\n各区县人民政府：\n请认真办理。\n"
    )
    assert doc.title == "关于做好代表建议办理工作的通知"
    assert doc.byline == ("某某市人民政府文件", "某政发〔2023〕5号", "各区县人民政府：")
    assert doc.doc_number == "某政发〔2023〕5号" and doc.salutation == "各区县人民政府："
    assert [p.text for p in doc.paragraphs] == ["请认真办理。"]


def test_a_sentence_or_salutation_is_not_a_title():
    doc = parse("各位代表：\n现在，我代表市政府向大会报告工作。\n", name="报告.txt")
    assert doc.title == "报告" and not doc.title_in_text
    assert doc.paragraphs[0].text == "各位代表："


def test_bundled_speech_has_no_invented_metadata():
    doc = parse_document(read_document(SPEECH))
    assert (doc.date, doc.speaker, doc.authority, doc.doc_number) == (None, None, None, None)
    assert doc.byline == ("尊敬的*副部长、*书记，同志们：",)  # the salutation only
    assert doc.paragraphs[0].text.startswith("各位代表、同志们：这次")


# ---- YAML front matter ---------------------------------------------------------------------


def test_front_matter_in_txt(tmp_path: Path):
    doc = read(
        tmp_path,
        "---\ntitle: 政府工作报告\ndate: 2024-03-05\nspeaker: 李强\n---\n"
        "一、2023年工作回顾\n过去一年，经济回升向好。\n",
    )
    assert (doc.title, doc.date, doc.speaker) == ("政府工作报告", "2024-03-05", "李强")
    assert doc.title_in_text
    assert [s.heading for s in doc.sections] == ["一、2023年工作回顾"]
    assert [p.text for p in doc.paragraphs] == ["过去一年，经济回升向好。"]


def test_front_matter_in_markdown_with_the_title_repeated(tmp_path: Path):
    doc = read(
        tmp_path,
        '---\ntitle: "工作要点：2024年"\ndate: 2024年1月8日\n讲话人: 张三\n---\n\n'
        "# 工作要点：2024年\n\n"
        "——2024年1月9日修订\n\n## 一、学习\n\n认真学习。\n",
        name="plan.md",
    )
    assert (doc.title, doc.speaker) == ("工作要点：2024年", "张三")
    assert doc.date == "2024-01-08"  # front matter wins over the text
    assert [s.heading for s in doc.sections] == ["一、学习"]
    assert [p.text for p in doc.paragraphs] == ["认真学习。"]


def test_front_matter_that_yaml_cannot_parse_is_read_line_by_line():
    meta, rest = split_front_matter(
        "---\ntitle: 关于: 代表工作: 的意见\ndate: 2023-1-5\n---\n正文。\n"
    )
    assert meta == {"title": "关于: 代表工作: 的意见", "date": "2023-01-05"}
    assert rest == "正文。\n"


def test_markdown_rules_are_not_front_matter():
    meta, rest = split_front_matter("---\n\n正文第一段。\n\n---\n")
    assert meta == {} and rest.startswith("---")
    doc = parse("# 标题\n\n正文。\n\n---\n\n***\n\n下一段。\n", name="a.md", markdown=True)
    assert [p.text for p in doc.paragraphs] == ["正文。", "下一段。"]
