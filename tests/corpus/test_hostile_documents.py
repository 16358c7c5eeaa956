"""Hostile and odd documents (issue 15): zip bombs, runaway readers, names the OS gives as bytes,
links out of the corpus, encrypted PDFs, mixed encodings, an unreadable corpus root."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import texts
from bot.corpus.files import CorpusError, corpus_files, display_name
from bot.corpus.guard import Guard, parse_guarded
from bot.corpus.library import Problem, parse_file
from bot.corpus.limits import MAX_UNZIPPED_BYTES, MAX_XML_BYTES
from bot.corpus.reading import read_document
from bot.corpus.source import DocumentError
from bot.frontends.cli import main
from tests.support.documents import speech_text, wrap, write_docx_bomb, write_pdf
from tests.support.official import OPINION, PDF_WIDTH, build_txt
from tests.support.paths import ROOT
from tests.support.waiting import PATIENCE

MIB = 1024 * 1024


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- .docx zip bombs and the worker's limits --------------------------------------------------


def test_a_docx_that_inflates_past_the_limit_is_refused_before_inflating(tmp_path: Path):
    bomb = write_docx_bomb(tmp_path / "bomb.docx", MAX_UNZIPPED_BYTES + 40 * MIB)
    assert bomb.stat().st_size < 2 * MIB
    started = time.perf_counter()
    with pytest.raises(DocumentError, match="压缩炸弹"):
        read_document(bomb)
    assert time.perf_counter() - started < 1.0  # nothing was inflated


def test_a_docx_with_more_text_xml_than_any_real_document_is_refused(tmp_path: Path):
    big = write_docx_bomb(tmp_path / "big.docx", MAX_XML_BYTES + 2 * MIB, varied=True)
    with pytest.raises(DocumentError) as refused:
        read_document(big)
    assert str(refused.value).startswith("Word 文件的文字部分解压后有 ")


def test_a_docx_part_compressed_far_beyond_real_documents_is_refused(tmp_path: Path):
    bomb = write_docx_bomb(tmp_path / "ratio.docx", 20 * MIB)
    with pytest.raises(DocumentError, match=r"压缩比高达 \d+:1"):
        parse_file(bomb)


def test_an_ordinary_docx_is_not_taken_for_a_bomb(tmp_path: Path):
    from tests.support.official import build_docx

    doc = parse_guarded(build_docx(tmp_path / "意见.docx", OPINION))
    assert doc.title == OPINION.title and doc.doc_number == "某政办发〔2024〕7号"


def test_reading_past_the_memory_limit_is_refused_and_the_next_document_read(tmp_path: Path):
    big = tmp_path / "big.txt"
    big.write_text(("社区食堂建设要因地制宜，方便群众就餐。" * 40 + "\n") * 20000, encoding="utf-8")
    good = build_txt(tmp_path / "意见.txt", OPINION)
    with Guard(memory_bytes=150 * MIB) as guard:
        with pytest.raises(DocumentError) as refused:
            guard.parse(big)
        assert str(refused.value) == texts.READ_OUT_OF_MEMORY.format(limit=150)
        assert guard.parse(good).title == OPINION.title  # the worker serves on


def test_reading_past_the_time_limit_is_refused(tmp_path: Path):
    slow = tmp_path / "slow.txt"
    slow.write_text(speech_text() * 20000, encoding="utf-8")
    with pytest.raises(DocumentError) as refused:
        parse_guarded(slow, seconds=0.05)
    assert str(refused.value) == texts.READ_TIMED_OUT.format(seconds=0.05)


def test_an_idle_guard_ends_its_worker_and_starts_one_for_the_next_document(tmp_path: Path):
    good = build_txt(tmp_path / "意见.txt", OPINION)
    with Guard(idle_seconds=0.2) as guard:
        assert guard.parse(good).title == OPINION.title and guard.running
        deadline = time.monotonic() + PATIENCE
        while guard.running and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not guard.running  # no document for a while: the worker ended
        assert guard.parse(good).title == OPINION.title and guard.running


def test_an_uploaded_bomb_is_refused_with_its_reason(tmp_path: Path):
    import asyncio

    from bot.answer.library import AddStatus, Library

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    build_txt(corpus / "意见.txt", OPINION)
    library = Library(corpus, tmp_path / "cache")
    data = write_docx_bomb(tmp_path / "bomb.docx", MAX_UNZIPPED_BYTES + MIB).read_bytes()
    added = asyncio.run(library.add("报告.docx", data))
    assert added.status == AddStatus.UNREADABLE and "压缩炸弹" in added.detail
    assert sorted(p.name for p in corpus.iterdir()) == ["意见.txt"]


# ---- names the OS gives as bytes, and names with control characters ---------------------------


def test_a_name_that_is_not_utf8_is_read_and_its_title_decoded(tmp_path: Path, capsys):
    folder = tmp_path / "docs"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/" + "工作报告".encode("gbk") + b".txt"
    with open(raw, "wb") as fh:
        fh.write("一、总体要求\n各区要按时完成任务。\n".encode())
    files = corpus_files(folder)
    assert len(files) == 1 and os.fsencode(files[0]) == raw
    assert parse_file(files[0]).title == "工作报告"
    code, out, _ = run_cli(capsys, "inspect", str(folder), "--json")
    assert code == 0
    item = json.loads(out)
    assert item["title"] == "工作报告" and item["file"] == r"\xb9\xa4\xd7\xf7\xb1\xa8\xb8\xe6.txt"


def test_names_with_line_breaks_and_escapes_are_printed_escaped(tmp_path: Path, capsys):
    folder = tmp_path / "docs"
    folder.mkdir()
    name = "伪造\n已跳过 x：\x1b[31m红字.txt"
    (folder / name).write_text(speech_text(), encoding="utf-8")
    (folder / "坏\r文件.pdf").write_bytes(b"not a pdf")
    for argv in (("docs", "--corpus", str(folder)), ("inspect", str(folder))):
        code, out, err = run_cli(capsys, *argv)
        assert code == 0
        shown = out + err
        assert "\x1b" not in shown and "\r" not in shown
        assert display_name(name) in out
        assert r"伪造\n已跳过 x：\x1b[31m红字.txt" in out
        assert r"坏\r文件.pdf" in err + out


# ---- links out of the corpus -------------------------------------------------------------------


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd.txt").write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (outside / "folder").mkdir()
    (outside / "folder" / "secret.txt").write_text(speech_text(), encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    build_txt(corpus / "意见.txt", OPINION)
    (corpus / "passwd.txt").symlink_to(outside / "passwd.txt")
    (corpus / "more").symlink_to(outside / "folder", target_is_directory=True)
    (corpus / "same.txt").symlink_to(corpus / "意见.txt")  # inside: kept
    (corpus / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    return corpus


def test_links_out_of_the_corpus_are_skipped_and_reported(linked: Path):
    problems: list[Problem] = []
    files = corpus_files(linked, problems=problems)
    assert sorted(p.name for p in files) == sorted(["意见.txt", "same.txt"])
    reasons = {Path(p.path).name: p.reason for p in problems}
    assert set(reasons) == {"passwd.txt", "more", "gone.txt"}
    assert "FOLLOW_SYMLINKS=1" in reasons["passwd.txt"] and "FOLLOW_SYMLINKS=1" in reasons["more"]
    assert reasons["gone.txt"] == texts.LINK_BROKEN


def test_links_are_followed_when_asked(linked: Path):
    files = corpus_files(linked, follow_symlinks=True, problems=[])
    assert sorted(p.name for p in files) == sorted(
        ["passwd.txt", "same.txt", "secret.txt", "意见.txt"]
    )


def test_a_linked_file_is_never_served(linked: Path, capsys):
    code, out, err = run_cli(capsys, "ask", "root:x:0:0", "--corpus", str(linked), "--json")
    assert code == 0 and "/bin/bash" not in out
    code, out, _ = run_cli(capsys, "inspect", str(linked))
    assert "passwd.txt" in out and "FOLLOW_SYMLINKS=1" in out and "/bin/bash" not in out


# ---- encrypted PDFs ----------------------------------------------------------------------------


def encrypted_pdf(path: Path, algorithm: str, user_password: str = "") -> Path:
    from pypdf import PdfReader, PdfWriter

    plain = write_pdf(path.with_suffix(".plain"), wrap(OPINION.lines, PDF_WIDTH), per_page=14)
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password=user_password, owner_password="owner-only", algorithm=algorithm)
    writer.write(path)
    return path


@pytest.mark.parametrize("algorithm", ["AES-128", "AES-256"])
def test_pdf_with_an_owner_password_only_is_read(tmp_path: Path, algorithm: str):
    doc = parse_file(encrypted_pdf(tmp_path / "意见.pdf", algorithm))
    assert doc.title == OPINION.title and doc.date == "2024-03-08"
    assert doc.paragraphs[0].text == OPINION.first_paragraph


def test_pdf_with_a_password_to_open_is_refused_with_the_reason(tmp_path: Path):
    with pytest.raises(DocumentError, match="打开密码"):
        parse_file(encrypted_pdf(tmp_path / "locked.pdf", "AES-256", user_password="secret"))


# ---- a UTF-8 file with one GBK line ------------------------------------------------------------


def test_a_utf8_file_with_one_gbk_line_is_read_and_the_line_named(tmp_path: Path):
    path = tmp_path / "意见.txt"
    lines = [line.encode() for line in OPINION.lines]
    lines[5] = OPINION.lines[5].encode("gbk")  # 「一、总体要求」 pasted from an old file
    lines[6] = OPINION.lines[6].encode("gbk")
    path.write_bytes(b"\n".join(lines) + b"\n")
    doc = parse_file(path)
    assert [s.heading for s in doc.sections][0] == "一、总体要求"
    assert any(p.text == OPINION.lines[6] for p in doc.paragraphs)
    assert doc.notes == (texts.LINES_NOT_UTF8.format(lines="6、7", encoding="GB18030"),)


# ---- an unreadable corpus root ------------------------------------------------------------------


def test_a_corpus_path_that_cannot_be_read_is_one_line(tmp_path: Path, capsys):
    too_long = tmp_path / ("长" * 200) / "docs"
    with pytest.raises(CorpusError, match="无法读取语料路径"):
        corpus_files(too_long)
    code, out, err = run_cli(capsys, "docs", "--corpus", str(too_long))
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run the check as another user")
def test_a_corpus_folder_without_read_permission_is_one_line(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    build_txt(corpus / "意见.txt", OPINION)
    corpus.chmod(0o300)  # searchable but not listable
    for folder in (tmp_path, *tmp_path.parents[:2]):
        folder.chmod(folder.stat().st_mode | 0o055)
    # the command runs as root until its modules are loaded, then as nobody
    script = (
        "import os, sys, bot.frontends.cli, bot.search.store, bot.answer\n"
        "os.setgid(65534); os.setuid(65534)\n"
        "raise SystemExit(bot.frontends.cli.main(sys.argv[1:]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "docs", "--corpus", str(corpus)],
        env={**os.environ, "SPEECHBOT_CACHE_DIR": str(tmp_path / "cache")},
        capture_output=True,
        text=True,
        timeout=PATIENCE,
        cwd=ROOT,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "speechbot: " + texts.CORPUS_UNREADABLE.format(path=str(corpus), reason="Permission denied")
    ]
