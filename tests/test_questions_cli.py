"""`speechbot questions`: the question log as a table or JSON lines, which `speechbot eval` scores
once `accept` phrases are added."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.answer import Engine
from bot.answer.questions import QuestionLog
from bot.frontends.cli import main

FOUND = "人大代表需要学习哪些知识？"
MISSED = "如何申请护照？"
KEYS = {
    "q",
    "asked_at",
    "chat",
    "found",
    "confidence",
    "feedback",
    "document",
    "section",
    "paragraph",
}


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, speech_engine: Engine) -> Path:
    """A log of two questions, answered by the engine as the bot would answer them."""
    folder = tmp_path / "data"
    monkeypatch.setenv("SPEECHBOT_DATA_DIR", str(folder))
    monkeypatch.chdir(tmp_path)
    log = QuestionLog.in_folder(folder)
    for i, (question, chat) in enumerate([(FOUND, "private"), (MISSED, "supergroup")]):
        answer = speech_engine.ask(question, top=1)
        passage = answer.best.passage if answer.found and answer.best else None
        log.record(
            chat=chat,
            user="0123456789ab",
            question=question,
            found=answer.found,
            confidence=answer.confidence,
            document=passage.document if passage else None,
            section=(passage.section or "") if passage else None,
            paragraph=passage.paragraph if passage else None,
            latency_ms=3.5,
            answer_key=f"key-{i}",
        )
    log.vote("key-0", "up")
    log.close()
    return folder


def test_questions_json_lines_have_the_documented_shape(capsys, data: Path, speech_engine) -> None:
    assert main(["questions", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [set(r) for r in rows] == [KEYS, KEYS]
    found, missed = rows
    best = speech_engine.ask(FOUND, top=1).hits[0].passage
    assert found["q"] == FOUND and found["found"] is True and found["confidence"] == "high"
    assert (found["document"], found["section"], found["paragraph"]) == (
        best.document,
        best.section,
        best.paragraph,
    )
    assert found["feedback"] == "up" and found["chat"] == "private"
    assert missed["found"] is False and missed["confidence"] == "none"
    assert missed["document"] is None and missed["feedback"] is None
    assert found["asked_at"][:4].isdigit() and "T" in found["asked_at"]

    assert main(["questions", "--json", "--unanswered"]) == 0
    assert [json.loads(x)["q"] for x in capsys.readouterr().out.splitlines()] == [MISSED]
    assert main(["questions", "--json", "--since", "2999-01-01"]) == 0
    assert capsys.readouterr().out == ""


def test_questions_as_a_table_and_a_bad_since(capsys, data: Path, speech_engine) -> None:
    assert main(["questions"]) == 0
    lines = capsys.readouterr().out.splitlines()
    paragraph = speech_engine.ask(FOUND, top=1).hits[0].passage.paragraph
    assert len(lines) == 3 and FOUND in lines[1] and MISSED in lines[2]
    assert lines[1].endswith(f"第{paragraph}段")
    assert main(["questions", "--since", "yesterday"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--since" in err[0] and "yesterday" in err[0]


def test_no_log_yet_is_said_once(
    capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SPEECHBOT_DATA_DIR", str(tmp_path / "nothing"))
    monkeypatch.chdir(tmp_path)
    assert main(["questions", "--json"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "还没有记录任何问题" in err
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # said once, not warned
    assert not (tmp_path / "nothing").exists()  # reading creates nothing


def test_eval_scores_the_export_once_accept_is_added(capsys, data: Path, tmp_path: Path) -> None:
    assert main(["questions", "--json"]) == 0
    found, missed = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    found["accept"] = ["宪法法律知识"]  # labelled by the operator; `missed` is not labelled yet
    path = tmp_path / "real-questions.jsonl"
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in (found, missed)), encoding="utf-8"
    )
    assert main(["eval", str(path)]) == 0
    out = capsys.readouterr().out
    assert "questions        1" in out and "hit@1            1/1" in out
    assert "section@1        1/1" in out  # the section shown then is the one expected
    assert "未标注 accept 的题目 1 道" in out
