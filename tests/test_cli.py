"""The command line is a contract other tools call: output shapes, exit codes, bad input."""

from __future__ import annotations

import codecs
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.frontends.cli import main
from tests.support.paths import ROOT, SHARED_DATA
from tests.support.process import bot_env
from tests.support.waiting import PATIENCE

SPEECH_DEV = SHARED_DATA / "speech_qa_dev.jsonl"


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_prints_passage_section_and_document(capsys):
    code, out, _ = run_cli(capsys, "ask", "人大代表需要学习哪些知识？")
    assert code == 0
    assert "《在全市2022年度人大代表集中视察座谈会上的讲话》" in out
    assert (
        "三、凝心凝力、强基固本，全面加强人大及其常委会自身建设 › 要夯实履职基础。 · 第4段" in out
    )
    assert "宪法法律知识、经济社会发展知识、人大业务知识" in out


def test_ask_json_contract(capsys):
    code, out, _ = run_cli(capsys, "ask", "人大代表需要学习哪些知识？", "--json", "--top", "3")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert data["question"] == "人大代表需要学习哪些知识？" and data["found"] is True
    assert len(data["results"]) == 3
    first = data["results"][0]
    assert set(first) == {"text", "section", "subsection", "document", "paragraph", "score"}
    assert first["section"].startswith("三、") and first["subsection"] == "要夯实履职基础。"
    assert isinstance(first["paragraph"], int) and isinstance(first["score"], float)
    scores = [r["score"] for r in data["results"]]
    assert scores == sorted(scores, reverse=True)


def test_ask_json_not_found(capsys):
    _, out, _ = run_cli(capsys, "ask", "如何申请护照？", "--json")
    data = json.loads(out)
    assert data["found"] is False and isinstance(data["results"], list)


def test_ask_plain_not_found_says_so(capsys):
    _, out, _ = run_cli(capsys, "ask", "明天股票会涨吗？")
    assert "未找到相关内容" in out


def test_questions_from_stdin_in_order(capsys, monkeypatch):
    import io

    monkeypatch.setattr(
        sys,
        "stdin",
        io.StringIO("人大代表需要学习哪些知识？\n\n如何申请护照？\n一府一委两院要树立什么观念？\n"),
    )
    code, out, _ = run_cli(capsys, "ask", "-", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["question"] for r in rows] == [
        "人大代表需要学习哪些知识？",
        "",
        "如何申请护照？",
        "一府一委两院要树立什么观念？",
    ]
    assert [r["found"] for r in rows] == [True, False, False, True]


def test_blank_question_gets_a_hint(capsys):
    code, out, err = run_cli(capsys, "ask", "   ")
    assert code == 0 and "请输入一个问题" in out and "Traceback" not in err


def test_sections_lists_the_table_of_contents(capsys):
    code, out, _ = run_cli(capsys, "sections")
    assert code == 0
    assert out.splitlines()[0] == "《在全市2022年度人大代表集中视察座谈会上的讲话》"
    assert (
        sum(line.strip().startswith(("一、", "二、", "三、", "四、")) for line in out.splitlines())
        == 4
    )


def test_missing_corpus_exits_2_with_one_line(capsys, tmp_path):
    code, out, err = run_cli(capsys, "ask", "问题", "--corpus", str(tmp_path / "nope"))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "找不到语料路径" in err


def test_empty_corpus_exits_2(capsys, tmp_path):
    code, _, err = run_cli(capsys, "ask", "问题", "--corpus", str(tmp_path))
    assert code == 2 and "没有可用的文档" in err


def test_encodings_and_a_bad_file_among_good_ones(capsys, tmp_path):
    gbk = "关于加强节水工作的通知\n一、总体要求\n各单位要建立节水台账，每月报送用水数据。\n"
    (tmp_path / "gbk.txt").write_bytes(gbk.encode("gbk"))
    bom = "关于垃圾分类的意见\n一、目标\n到年底实现垃圾分类全覆盖，设立回收站点。\n"
    (tmp_path / "bom.txt").write_bytes(codecs.BOM_UTF8 + bom.encode("utf-8"))
    (tmp_path / "utf16.txt").write_bytes(
        ("关于植树的安排\n春季组织义务植树活动，每人三棵。\n").encode("utf-16")
    )
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (tmp_path / "empty.txt").write_bytes(b"")

    code, out, err = run_cli(
        capsys, "ask", "节水台账怎么报送？", "--corpus", str(tmp_path), "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["found"] and "每月报送用水数据" in data["results"][0]["text"]
    assert data["results"][0]["document"] == "关于加强节水工作的通知"
    assert "binary.txt" in err and "empty.txt" in err

    _, out, _ = run_cli(
        capsys, "ask", "垃圾分类的目标是什么？", "--corpus", str(tmp_path), "--json"
    )
    assert json.loads(out)["results"][0]["document"] == "关于垃圾分类的意见"
    _, out, _ = run_cli(capsys, "ask", "义务植树每人几棵？", "--corpus", str(tmp_path), "--json")
    assert "每人三棵" in json.loads(out)["results"][0]["text"]


def test_single_file_corpus(capsys, tmp_path):
    doc = tmp_path / "one.md"
    doc.write_text("# 学习计划\n\n## 一、安排\n\n每周三下午集中学习两小时。\n", encoding="utf-8")
    _, out, _ = run_cli(capsys, "ask", "什么时候集中学习？", "--corpus", str(doc), "--json")
    result = json.loads(out)["results"][0]
    assert result["document"] == "学习计划" and result["section"] == "一、安排"


@pytest.mark.skipif(
    not SPEECH_DEV.exists(), reason="shared/data/speech_qa_dev.jsonl is not present"
)
def test_eval_reports_the_dev_set(capsys):
    code, out, _ = run_cli(capsys, "eval", str(SPEECH_DEV))
    assert code == 0
    figures = dict(line.split(None, 1) for line in out.splitlines() if line.strip())
    hit, answerable = map(int, figures["hit@1"].split("/"))
    section, _ = map(int, figures["section@1"].split("/"))
    rejected = figures["negatives"].split()[0]
    assert answerable == 15 and hit >= 14 and section >= 14
    assert rejected == "1/1"


def test_eval_counts_hits_and_negatives(capsys, tmp_path):
    items = [
        {
            "q": "人大代表需要学习哪些知识？",
            "accept": ["宪法法律知识"],
            "section": "三",
            "kind": "lexical",
        },
        {
            "q": "人大代表需要学习哪些知识？",
            "accept": ["宪法法律知识"],
            "section": "一",
            "kind": "lexical",
        },
        {"q": "如何申请护照？", "accept": [], "section": None, "kind": "negative"},
    ]
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items), encoding="utf-8")
    _, out, _ = run_cli(capsys, "eval", str(path))
    assert "hit@1            2/2" in out and "section@1        1/2" in out and "1/1 rejected" in out


def test_real_entry_points(tmp_path):
    env = bot_env(tmp_path / "cache")
    for cmd in ([sys.executable, "-m", "bot"], [str(Path(sys.executable).with_name("speechbot"))]):
        result = subprocess.run(
            cmd + ["ask", "调查研究工作要怎么改进？", "--json"],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=PATIENCE,
        )
        assert result.returncode == 0, result.stderr
        assert "改进调查研究工作" in json.loads(result.stdout)["results"][0]["text"]


def test_chat_answers_like_the_bot(tmp_path):
    env = bot_env(tmp_path / "cache")
    script = "人大代表需要学习哪些知识？\n/more\n/context\n如何申请护照？\n/sections\n/quit\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=PATIENCE,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "宪法法律知识" in out and "未找到相关内容" in out and "四、高度重视" in out
    assert out.index("宪法法律知识") < out.index("未找到相关内容")
