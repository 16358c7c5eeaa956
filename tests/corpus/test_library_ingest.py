"""A document library end to end: every format in sub-folders, bad files beside good ones,
duplicates, answers that name the right document and section."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.answer import Engine
from bot.corpus.library import (
    NO_HEADINGS,
    Problem,
    corpus_files,
    notices,
    parse_file,
    user_dictionary,
)
from bot.corpus.reading import DocumentError
from bot.search.store import open_index
from tests.support.documents import (
    SPEECH_TITLE,
    speech_text,
    wrap,
    write_docx,
    write_image_pdf,
    write_pdf,
)
from tests.support.paths import ROOT

WATER = "关于加强农村饮水安全工作的讲话"
PENSION = "养老服务体系建设情况的报告"
SORTING = "关于开展垃圾分类宣传周活动的通知"
SCHOOL = "在全市校园安全工作会议上的讲话"
PLAN = "2024年科技创新工作要点"
ESSAY = "读书随笔"


def build_library(root: Path) -> Path:
    (root / "讲话" / "2023").mkdir(parents=True)
    (root / "报告").mkdir()
    (root / "通知").mkdir()
    (root / "bad").mkdir()
    (root / ".hidden").mkdir()

    write_docx(
        root / "讲话" / "2023" / "water.docx",
        [
            (WATER, "Title"),
            ("同志们：", None),
            ("一、保障水源安全", "Heading 1"),
            (
                "要划定水源保护区。水源地周边严禁建设排污项目，每季度开展一次水质检测，确保群众喝上放心水。",
                None,
            ),
            ("二、推进管网改造", "Heading 1"),
            ("要加快老旧管网改造。今年计划改造供水管网三百公里，年底前实现自来水村村通。", None),
        ],
    )
    pension = [
        "一、居家养老服务",
        "全市建成社区居家养老服务中心一百二十个，为八十岁以上老人提供上门助餐、助洁和助医服务，老人满意度明显提升。",
        "二、机构养老服务",
        "全市养老机构床位达到一万五千张，护理型床位占比提高到百分之六十，公办养老机构入住率稳步提高。",
    ]
    write_pdf(
        root / "报告" / "pension.pdf",
        [PENSION, "——2023年6月28日在市人大常委会会议上", *wrap(pension, 24)],
        per_page=5,
        header="市人大常委会会议文件",
    )
    (root / "通知" / "sorting.html").write_bytes(
        (
            "<html><head><meta charset='gbk'><title>通知_某某市城管局</title></head><body>"
            f"<nav>首页 通知公告</nav><article><h1>{SORTING}</h1><h2>一、活动时间</h2>"
            "<p>宣传周定于六月第一周举行，各街道同步开展。</p>"
            "<h2>二、活动内容</h2><p>开展垃圾分类进社区、进校园活动，发放厨余垃圾分类指南。</p></article>"
            "<footer>版权所有</footer></body></html>"
        ).encode("gbk")
    )
    (root / "gbk-speech.txt").write_bytes(speech_text().encode("gbk"))
    (root / "school.txt").write_bytes(
        (
            f"{SCHOOL}\n一、排查安全隐患\n要每月开展一次校舍安全排查，发现隐患立即整改。\n"
            "二、加强食堂管理\n要落实校长陪餐制度，保障学生用餐安全。\n"
        ).encode("utf-16")
    )
    (root / "plan.md").write_text(
        f"---\ntitle: {PLAN}\ndate: 2024-01-08\nspeaker: 张三\n---\n\n## 一、基础研究\n\n"
        "设立市级自然科学基金，每年投入两亿元支持基础研究。\n",
        encoding="utf-8",
    )
    (root / "essay.txt").write_text(
        f"{ESSAY}\n读书使人明智，每天坚持阅读半小时。\n好书要反复读，边读边做笔记。\n",
        encoding="utf-8",
    )
    # the same text under another name
    (root / "讲话" / "副本-gbk-speech.txt").write_text(speech_text(), encoding="utf-8")

    (root / "bad" / "empty.txt").write_bytes(b"")
    (root / "bad" / "binary.txt").write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 16
    )
    write_image_pdf(root / "bad" / "scan.pdf")
    (root / "bad" / "corrupt.docx").write_bytes(b"PK\x03\x04" + bytes(300))
    (root / "bad" / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    with (root / "bad" / "huge.txt").open("wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: nothing written to disk

    (root / "userdict.txt").write_text("校长陪餐 10 n\n", encoding="utf-8")
    (root / "~$water.docx").write_bytes(b"\x05lock")  # Word's lock file beside an open document
    (root / ".hidden" / "secret.txt").write_text("不应收录。", encoding="utf-8")
    (root / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0")  # not a document format at all
    return root


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_library(tmp_path_factory.mktemp("library"))


@pytest.fixture(scope="module")
def engine(library: Path, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return Engine.open(library, tmp_path_factory.mktemp("cache"))


def test_folder_is_read_recursively_and_non_documents_are_passed_over(library: Path):
    names = [str(p.relative_to(library)) for p in corpus_files(library)]
    assert (
        "讲话/2023/water.docx" in names
        and "报告/pension.pdf" in names
        and "通知/sorting.html" in names
    )
    assert "bad/old.doc" in names  # reported, not silently missing
    assert not any(
        n.startswith((".hidden", "~$")) or n in {"userdict.txt", "photo.jpg"} for n in names
    )
    assert user_dictionary(library) == library / "userdict.txt"


def test_documents_and_titles(engine: Engine):
    titles = {d.title for d in engine.index.documents}
    assert titles == {WATER, PENSION, SORTING, SPEECH_TITLE, SCHOOL, PLAN, ESSAY}
    plan = next(d for d in engine.index.documents if d.title == PLAN)
    assert (plan.date, plan.speaker) == ("2024-01-08", "张三")
    pension = next(d for d in engine.index.documents if d.title == PENSION)
    assert pension.date == "2023-06-28"


def problems_by_name(index) -> dict[str, list[Problem]]:
    out: dict[str, list[Problem]] = {}
    for problem in index.problems:
        out.setdefault(Path(problem.path).name, []).append(problem)
    return out


def test_every_bad_file_is_reported_once_by_name_with_its_reason(engine: Engine):
    problems = problems_by_name(engine.index)
    expected = {
        "empty.txt": "文件为空",
        "binary.txt": "不是文本",
        "scan.pdf": "没有文字层",
        "corrupt.docx": "docx",
        "old.doc": "另存为 .docx",
        "huge.txt": "文件过大",
        "副本-gbk-speech.txt": "内容相同",
    }
    for name, reason in expected.items():
        assert name in problems, name
        assert len([p for p in problems[name] if p.skipped]) == 1, name
        assert reason in problems[name][0].reason, (name, problems[name][0].reason)
        assert "\n" not in problems[name][0].reason
    assert "gbk-speech.txt" not in problems  # the first of the two copies is the one kept


def test_duplicates_are_indexed_once(engine: Engine):
    assert sum(d.title == SPEECH_TITLE for d in engine.index.documents) == 1
    kept = next(d for d in engine.index.documents if d.title == SPEECH_TITLE)
    assert Path(kept.path).name == "gbk-speech.txt"


def test_duplicate_detection_end_to_end_with_open_index(tmp_path: Path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(speech_text(), encoding="utf-8")
    (folder / "b.txt").write_bytes(speech_text().encode("gb18030"))
    (folder / "c.md").write_text(speech_text(), encoding="utf-8")
    index = open_index(folder, tmp_path / "cache")
    assert len(index.documents) == 1 and Path(index.documents[0].path).name == "a.txt"
    assert sorted(Path(p.path).name for p in index.problems) == ["b.txt", "c.md"]
    again = open_index(folder, tmp_path / "cache")  # from the saved index: same answer
    assert len(again.documents) == 1 and sorted(Path(p.path).name for p in again.problems) == [
        "b.txt",
        "c.md",
    ]


@pytest.mark.parametrize(
    "question,document,section",
    [
        ("水源地周边能建排污项目吗？", WATER, "一、保障水源安全"),
        ("今年要改造多少公里供水管网？", WATER, "二、推进管网改造"),
        ("养老机构床位有多少张？", PENSION, "二、机构养老服务"),
        ("居家养老服务中心建了多少个？", PENSION, "一、居家养老服务"),
        ("宣传周定于哪一周举行？", SORTING, "一、活动时间"),
        ("怎样加强代表履职能力建设？", SPEECH_TITLE, "二、履职尽责，推动代表工作高质量发展"),
        ("校舍安全多久排查一次？", SCHOOL, "一、排查安全隐患"),
        ("自然科学基金每年投入多少？", PLAN, "一、基础研究"),
    ],
)
def test_answers_name_the_right_document_and_section(
    engine: Engine, question: str, document: str, section: str
):
    best = engine.ask(question).best
    assert best is not None, question
    assert (best.passage.document, best.passage.section) == (document, section)


def test_a_document_without_headings_is_searchable_by_paragraph(engine: Engine):
    best = engine.ask("每天阅读多长时间？").best
    assert best is not None
    passage = best.passage
    assert passage.document == ESSAY and passage.section is None and passage.paragraph == 1


def test_headingless_document_carries_a_notice(library: Path):
    document = parse_file(library / "essay.txt")
    assert document.sections == ()
    assert notices(library / "essay.txt", document) == [
        Problem(str(library / "essay.txt"), NO_HEADINGS, skipped=False)
    ]


def test_headingless_document_is_reported_in_problems(engine: Engine):
    problems = problems_by_name(engine.index)
    assert [p.reason for p in problems.get("essay.txt", [])] == [NO_HEADINGS]


def test_title_only_file_is_refused(tmp_path: Path):
    path = tmp_path / "title-only.txt"
    path.write_text("只有一个标题\n", encoding="utf-8")
    with pytest.raises(DocumentError, match="只有标题"):
        parse_file(path)


def test_cli_lists_documents_and_reports_problems_on_stderr(
    library: Path, capsys: pytest.CaptureFixture[str]
):
    from bot.frontends.cli import main

    assert main(["docs", "--corpus", str(library)]) == 0
    out, err = capsys.readouterr()
    assert f"《{WATER}》" in out and f"《{PLAN}》" in out
    lines = err.strip().splitlines()
    for name in ("empty.txt", "binary.txt", "scan.pdf", "corrupt.docx", "old.doc", "huge.txt"):
        assert len([ln for ln in lines if name in ln and "副本" not in ln]) == 1, name


def test_reading_libraries_are_not_imported_to_answer_a_question():
    """`speechbot ask` on a warm cache must not pay for python-docx, pypdf, bs4 or PyYAML."""
    code = (
        "import sys, bot.frontends.cli, bot.search.store, bot.answer, bot.corpus.library;"
        "print(sorted(m for m in ('docx', 'pypdf', 'bs4', 'yaml', 'charset_normalizer')"
        " if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]"


def test_user_dictionary_that_is_not_utf8_is_left_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    """jieba raises on a non-UTF-8 dictionary; that must not stop every question."""
    (tmp_path / "a.txt").write_text(speech_text(), encoding="utf-8")
    (tmp_path / "userdict.txt").write_bytes("全过程人民民主 20 n\n".encode("gbk"))
    assert user_dictionary(tmp_path) is None
    assert "not UTF-8" in caplog.text
    engine = Engine.open(tmp_path, tmp_path / "cache")
    assert engine.ask("怎样加强代表履职能力建设？").found
