"""`speechbot inspect PATH [--json]`: what the bot read from a file or folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import texts
from bot.frontends.cli import main
from tests.support.official import OPINION, SPEECH, build_docx, build_txt

KEYS = {
    "file",
    "title",
    "date",
    "speaker",
    "doc_number",
    "source",
    "sections",
    "passages",
    "set_aside",
}


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def documents(folder: Path) -> Path:
    build_txt(folder / "意见.txt", OPINION)
    (folder / "讲话").mkdir()
    build_docx(folder / "讲话" / "讲话.docx", SPEECH)
    (folder / "坏文件.pdf").write_bytes(b"not a pdf at all")
    return folder


def test_human_output_metadata_outline_counts_set_aside_and_skipped(capsys, documents: Path):
    code, out, err = run_cli(capsys, "inspect", str(documents))
    assert code == 0 and err == ""
    blocks = out.split("\n\n")
    opinion = next(b for b in blocks if "== 意见.txt" in b)
    assert f"标题：{OPINION.title}" in opinion
    for line in (
        "日期：2024-03-08",
        "发文机关：某某市人民政府办公厅",
        "文号：某政办发〔2024〕7号",
        "来源：" + texts.INSPECT_NOT_STATED,
        "  一、总体要求",
        "    （一）加强组织领导。",
        "  [文号] 某政办发〔2024〕7号",
        "  [落款] 2024年3月8日",
        "  [公开方式] （此件公开发布）",
        "  [版记] 抄送：市委办公厅，市人大常委会办公厅。",
    ):
        assert line in opinion.splitlines(), line
    assert "正文 4 个段落" in opinion
    speech = next(b for b in blocks if "== 讲话/讲话.docx" in b)
    assert "讲话人：某某市市长 王明" in speech and "来源：某某日报" in speech
    bad = next(b for b in blocks if "坏文件.pdf" in b)
    assert texts.SKIPPED_FILE.split("{")[0] in bad
    assert out.rstrip().endswith(texts.INSPECT_SUMMARY.format(files=3, documents=2, skipped=1))


def test_passages_listed_shortened(capsys, documents: Path):
    code, out, _ = run_cli(capsys, "inspect", str(documents / "意见.txt"), "--passages")
    assert code == 0
    listed = out.split(texts.INSPECT_PASSAGES, 1)[1].strip().splitlines()
    assert listed[0].strip() == f"0. {texts.INSPECT_TITLE_LINE}{OPINION.title}"
    assert not any(texts.INSPECT_TITLE_LINE in line for line in listed[1:])
    assert all(len(line) < 90 for line in listed)
    assert not any("2024年3月8日" in line or "此件" in line for line in listed)


def test_json_one_object_a_document_in_the_shape_promised(capsys, documents: Path):
    code, out, err = run_cli(capsys, "inspect", str(documents), "--json")
    assert code == 0
    assert "坏文件.pdf" in err  # a skipped file is reported beside the JSON, not in it
    objects = [json.loads(line) for line in out.splitlines()]
    assert len(objects) == 2 and all(set(o) == KEYS for o in objects)
    opinion = next(o for o in objects if o["file"] == "意见.txt")
    assert opinion["title"] == OPINION.title
    assert (opinion["date"], opinion["speaker"], opinion["doc_number"], opinion["source"]) == (
        "2024-03-08",
        "某某市人民政府办公厅",
        "某政办发〔2024〕7号",
        None,
    )
    assert opinion["sections"][0] == {"heading": "一、总体要求", "level": 1}
    assert {"heading": "（一）加强组织领导。", "level": 2} in opinion["sections"]
    first = opinion["passages"][0]
    assert set(first) == {"text", "section", "subsection", "paragraph"}
    assert first["paragraph"] == 0 and first["text"] == OPINION.title
    assert "某政办发〔2024〕7号" in opinion["set_aside"]
    texts_ = [p["text"] for p in opinion["passages"] if p["paragraph"] > 0]
    for line in opinion["set_aside"]:
        assert not any(t.startswith(line) for t in texts_), line
    speech = next(o for o in objects if o["file"] == "讲话/讲话.docx")
    assert speech["date"] == "2024-05-10" and speech["source"] == "某某日报"
    closing = speech["passages"][-1]
    assert closing["section"] == "二、扎实推进重点任务" and closing["subsection"] is None


def test_nothing_readable_exits_1_and_a_missing_path_2(capsys, folder: Path):
    (folder / "坏文件.docx").write_bytes(b"PK\x03\x04 broken")
    code, out, _ = run_cli(capsys, "inspect", str(folder))
    assert code == 1 and "坏文件.docx" in out
    code, _, err = run_cli(capsys, "inspect", str(folder / "missing"))
    assert code == 2 and len(err.strip().splitlines()) == 1
