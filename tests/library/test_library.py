"""The library holder (bot/answer/library.py): documents, atomic reloads, adding files, watching."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import threading
from pathlib import Path

import pytest

from bot.answer import Answer, Engine
from bot.answer.library import AddStatus, Library, documents_of, safe_file_name
from bot.corpus.library import CorpusError
from tests.support.documents import docx_bytes, write_image_pdf
from tests.support.library import (
    CASES,
    FLOOD_CASE,
    FLOOD_TEXT,
    REPORT_TITLE,
    TREES_TEXT,
    TREES_TITLE,
    WATER_DOCX,
    WATER_TITLE,
    Case,
)
from tests.support.waiting import eventually


def where(answer: Answer) -> tuple[str, str | None] | None:
    best = answer.best
    return (best.passage.document, best.passage.section) if answer.found and best else None


def check_case(engine: Engine, case: Case) -> None:
    answer = engine.ask(case.question, top=1)
    assert where(answer) == (case.title, case.section), case.question
    assert answer.best is not None and case.quote in answer.best.passage.text


# ---- a library of several documents ---------------------------------------------------------


def test_every_question_is_answered_from_the_right_document_and_section(
    library_engine: Engine,
) -> None:
    assert not [p for p in library_engine.index.problems if p.skipped]
    for case in CASES:
        check_case(library_engine, case)


def test_the_document_list_has_titles_dates_passages_and_names(library_engine: Engine) -> None:
    docs = documents_of(library_engine)
    assert [d.number for d in docs] == [1, 2, 3, 4]
    by_title = {d.title: d for d in docs}
    assert set(by_title) == {c.title for c in CASES}
    water = by_title[WATER_TITLE]
    assert water.date == "2023-03-22" and water.name == os.path.join(
        "2023", "节水工作会议讲话.docx"
    )
    assert sum(d.passages for d in docs) == len(library_engine.index.passages)
    assert all(d.passages > 0 for d in docs)
    assert by_title[TREES_TITLE].name == "植树安排.txt"


def test_a_narrowed_question_is_answered_from_that_document_only(library_engine: Engine) -> None:
    docs = {d.title: d for d in documents_of(library_engine)}
    water = CASES[0]
    trees = docs[TREES_TITLE]
    answer = library_engine.ask(water.question, top=5, doc=trees.index)
    assert all(h.passage.doc == trees.index for h in answer.hits)
    assert where(library_engine.ask(water.question, top=1)) == (water.title, water.section)


def test_a_choice_is_found_again_after_the_numbers_shift(
    library_dir: Path, cache_dir: Path
) -> None:
    library = Library(library_dir, cache_dir)
    edition = library.current
    trees = next(d for d in edition.documents if d.title == TREES_TITLE)
    assert edition.locate(trees.path, trees.title, trees.index) == trees
    assert edition.locate(trees.path, trees.title, 0) == trees  # number moved: same file
    assert edition.locate("/elsewhere/植树.txt", trees.title, 0) == trees  # file moved: same title
    assert edition.locate("/elsewhere/gone.txt", "没有这篇", trees.index) is None


# ---- reloading ------------------------------------------------------------------------------


class GatedBuilder:
    """Builds engines like Engine.open, but holds each build (on its worker thread) until
    released."""

    def __init__(self) -> None:
        self.building = threading.Event()
        self.release = threading.Event()
        self.builds = 0

    def __call__(self, corpus: Path, cache_dir: Path) -> Engine:
        self.builds += 1
        self.building.set()
        engine = Engine.open(corpus, cache_dir)
        assert self.release.wait(20)
        return engine


async def test_questions_during_a_reload_are_answered_from_the_old_index_or_the_new_never_a_mix(
    library_dir: Path, cache_dir: Path, tmp_path: Path
) -> None:
    old_engine = Engine.open(library_dir, cache_dir)
    builder = GatedBuilder()
    library = Library(library_dir, cache_dir, old_engine, builder)
    questions = [c.question for c in CASES] + [FLOOD_CASE.question]
    (library_dir / "防汛.txt").write_text(FLOOD_TEXT, encoding="utf-8")
    new_engine = Engine.open(library_dir, tmp_path / "reference-cache")  # what the reload must give
    expected_old = [where(old_engine.ask(q, top=1)) for q in questions]
    expected_new = [where(new_engine.ask(q, top=1)) for q in questions]
    assert expected_old != expected_new  # the flood question is only answerable after

    reload = asyncio.create_task(library.reload())
    await asyncio.to_thread(builder.building.wait, 20)
    answered_old = 0
    for _ in range(20):  # the event loop keeps answering while the new index is built
        edition = library.current
        assert [where(edition.engine.ask(q, top=1)) for q in questions] == expected_old
        answered_old += 1
        await asyncio.sleep(0.01)
    assert not reload.done() and library.current.version == 1
    builder.release.set()

    seen: set[int] = set()
    while not reload.done():  # right around the swap: each edition is complete, old or new
        edition = library.current
        got = [where(edition.engine.ask(q, top=1)) for q in questions]
        assert got == (expected_old if edition.version == 1 else expected_new)
        seen.add(edition.version)
        await asyncio.sleep(0)
    result = await reload
    assert result.ok and result.previous.version == 1 and result.current.version == 2
    assert [where(library.engine.ask(q, top=1)) for q in questions] == expected_new
    assert answered_old == 20 and 1 in seen


async def test_concurrent_questions_on_threads_during_reloads_never_fail(
    library_dir: Path, cache_dir: Path
) -> None:
    """Readers on other threads, reloads swapping underneath: every answer is a complete one."""
    library = Library(library_dir, cache_dir)
    stop = threading.Event()
    failures: list[str] = []
    answers = 0

    def reader() -> None:
        nonlocal answers
        while not stop.is_set():
            engine = library.engine
            for case in CASES:
                try:
                    answer = engine.ask(case.question, top=1)
                    if where(answer) != (case.title, case.section):
                        failures.append(f"{case.question}: {where(answer)}")
                except Exception as exc:  # noqa: BLE001 - the point is that there are none
                    failures.append(repr(exc))
                answers += 1

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for i in range(2):
            (library_dir / f"extra-{i}.txt").write_text(
                FLOOD_TEXT.replace("两万条", f"{i + 2}万条"), encoding="utf-8"
            )
            result = await library.reload()
            assert result.ok
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    assert not failures and answers > 0
    assert library.current.version == 3


async def test_a_failed_reload_keeps_the_old_index_and_says_why(
    library_dir: Path, cache_dir: Path
) -> None:
    engine = Engine.open(library_dir, cache_dir)

    def broken(corpus: Path, cache: Path) -> Engine:
        raise RuntimeError("disk on fire")

    library = Library(library_dir, cache_dir, engine, broken)
    result = await library.reload()
    assert not result.ok and result.error is not None and "disk on fire" in result.error
    assert library.engine is engine and library.current.version == 1

    library = Library(library_dir, cache_dir, engine)
    shutil.rmtree(library_dir)
    result = await library.reload()
    assert not result.ok and result.error is not None and "找不到语料路径" in result.error
    check_case(library.engine, CASES[0])


async def test_a_reload_reports_the_files_it_passed_over(
    library_dir: Path, cache_dir: Path
) -> None:
    library = Library(library_dir, cache_dir)
    (library_dir / "旧文件.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 600)
    result = await library.reload()
    assert result.ok and [Path(p.path).name for p in result.skipped] == ["旧文件.doc"]


# ---- adding a document ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("防汛通知.txt", "防汛通知.txt"),
        ("../../etc/防汛.txt", "防汛.txt"),
        ("..\\..\\windows\\防汛.TXT", "防汛.txt"),
        ("/etc/passwd.md", "passwd.md"),
        (".hidden.txt", "hidden.txt"),
        ("~$锁定.docx", "锁定.docx"),
        ("..", None),
        ("a\x00b\u202e.txt", "ab.txt"),
        ('报告:"终稿"?.pdf', "报告__终稿__.pdf"),
        ("README.md", "README-文档.md"),
        ("userdict.txt", "userdict-文档.txt"),
        (".txt", "文档.txt"),
        ("报告.exe", None),
        ("报告", None),
        ("报告.doc", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_file_names(given: str | None, expected: str | None) -> None:
    assert safe_file_name(given) == expected


def test_long_names_are_cut_to_fit_the_file_system() -> None:
    name = safe_file_name("很长" * 200 + ".docx")
    assert name is not None and name.endswith(".docx") and len(name.encode()) <= 180


async def test_an_added_document_is_answerable_at_once(library_dir: Path, cache_dir: Path) -> None:
    library = Library(library_dir, cache_dir)
    assert not library.engine.ask(FLOOD_CASE.question, top=1).found
    added = await library.add("防汛.txt", FLOOD_TEXT.encode("gb18030"))
    assert (
        added.ok
        and added.status == AddStatus.ADDED
        and added.name == "防汛.txt"
        and not added.renamed
    )
    assert (library_dir / "防汛.txt").read_bytes() == FLOOD_TEXT.encode("gb18030")
    assert added.document is not None
    assert added.document.title == FLOOD_CASE.title and added.document.passages > 0
    assert added.edition is library.current and len(library.current.documents) == 5
    check_case(library.engine, FLOOD_CASE)
    for case in CASES:
        check_case(library.engine, case)
    assert not list(library_dir.glob(".upload-*"))


async def test_a_docx_is_added_with_its_title(
    library_dir: Path, cache_dir: Path, tmp_path: Path
) -> None:
    library = Library(library_dir, cache_dir)
    (library_dir / "2023" / "节水工作会议讲话.docx").unlink()
    await library.reload()
    added = await library.add("节水讲话.docx", docx_bytes(WATER_DOCX))
    assert added.ok and added.document is not None
    assert added.document.title == WATER_TITLE and added.document.date == "2023-03-22"
    check_case(library.engine, CASES[0])


async def test_a_name_taken_by_another_file_is_never_overwritten(
    library_dir: Path, cache_dir: Path
) -> None:
    library = Library(library_dir, cache_dir)
    original = (library_dir / "植树安排.txt").read_bytes()
    added = await library.add("植树安排.txt", FLOOD_TEXT.encode("utf-8"))
    assert added.ok and added.renamed and added.name == "植树安排（2）.txt"
    assert (library_dir / "植树安排.txt").read_bytes() == original
    assert (library_dir / "植树安排（2）.txt").read_bytes() == FLOOD_TEXT.encode("utf-8")
    check_case(library.engine, FLOOD_CASE)
    check_case(library.engine, CASES[3])


async def test_a_path_in_the_name_stays_inside_the_folder(
    library_dir: Path, cache_dir: Path, tmp_path: Path
) -> None:
    library = Library(library_dir, cache_dir)
    added = await library.add("../../防汛.txt", FLOOD_TEXT.encode("utf-8"))
    assert added.ok and (library_dir / "防汛.txt").is_file()
    assert not (tmp_path / "防汛.txt").exists() and not (library_dir.parent / "防汛.txt").exists()


async def test_the_same_text_again_is_not_added_twice(library_dir: Path, cache_dir: Path) -> None:
    library = Library(library_dir, cache_dir)
    before = sorted(p.name for p in library_dir.rglob("*"))
    added = await library.add("植树（另存）.txt", TREES_TEXT.encode("utf-8"))  # other encoding
    assert added.status == AddStatus.ALREADY_THERE
    assert added.document is not None and added.document.title == TREES_TITLE
    assert sorted(p.name for p in library_dir.rglob("*")) == before
    assert library.current.version == 1


async def test_unreadable_and_unsupported_files_are_refused_with_the_reason(
    library_dir: Path, cache_dir: Path, tmp_path: Path
) -> None:
    library = Library(library_dir, cache_dir)
    before = sorted(p.name for p in library_dir.rglob("*"))
    scanned = write_image_pdf(tmp_path / "scan.pdf").read_bytes()
    added = await library.add("扫描件.pdf", scanned)
    assert added.status == AddStatus.UNREADABLE and "文字" in added.detail
    added = await library.add("空的.txt", b"")
    assert added.status == AddStatus.UNREADABLE and "空" in added.detail
    added = await library.add("坏的.docx", b"PK\x03\x04 not really a zip")
    assert added.status == AddStatus.UNREADABLE and added.detail
    added = await library.add("旧格式.doc", b"\xd0\xcf\x11\xe0")
    assert added.status == AddStatus.UNSUPPORTED
    assert sorted(p.name for p in library_dir.rglob("*")) == before and library.current.version == 1


async def test_a_single_file_corpus_cannot_take_documents(
    library_dir: Path, cache_dir: Path
) -> None:
    library = Library(library_dir / "植树安排.txt", cache_dir)
    added = await library.add("防汛.txt", FLOOD_TEXT.encode("utf-8"))
    assert added.status == AddStatus.NOT_A_FOLDER and "植树安排.txt" in added.detail
    assert not (library_dir / "防汛.txt").exists()


async def test_the_bundled_seeds_folder_takes_documents_too(
    tmp_path: Path, cache_dir: Path
) -> None:
    """A copy of seeds/ (the default corpus folder): adding works there like anywhere."""
    seeds = Path(shutil.copytree(Path(__file__).resolve().parents[2] / "seeds", tmp_path / "seeds"))
    library = Library(seeds, cache_dir)
    added = await library.add("防汛.txt", FLOOD_TEXT.encode("utf-8"))
    assert added.ok and len(library.current.documents) == 2
    check_case(library.engine, FLOOD_CASE)


# ---- watching the folder --------------------------------------------------------------------


def warnings_from(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "speechbot.library" and text in r.getMessage()
    ]


async def test_watch_picks_up_a_new_file_and_survives_the_folder_vanishing(
    library_dir: Path, cache_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="speechbot.library")
    library = Library(library_dir, cache_dir)
    watcher = asyncio.create_task(library.watch(0.05))
    try:
        (library_dir / "防汛.txt").write_text(FLOOD_TEXT, encoding="utf-8")
        await eventually(lambda: library.current.version == 2)
        check_case(library.engine, FLOOD_CASE)

        aside = tmp_path / "aside"
        library_dir.rename(aside)  # the folder vanishes
        await asyncio.sleep(0.5)  # ten polls
        assert library.current.version == 2
        check_case(library.engine, FLOOD_CASE)  # the last good index goes on answering
        assert len(warnings_from(caplog, "still answering from the last good index")) == 1

        aside.rename(library_dir)  # and comes back unchanged: nothing to reload
        await eventually(lambda: warnings_from(caplog, "back, unchanged"))
        assert library.current.version == 2
        (library_dir / "政府工作报告.pdf").unlink()
        await eventually(lambda: library.current.version == 3)
        assert REPORT_TITLE not in {d.title for d in library.current.documents}
    finally:
        watcher.cancel()
        with pytest.raises(asyncio.CancelledError):
            await watcher


async def test_watch_keeps_the_last_good_index_when_nothing_is_readable(
    library_dir: Path, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="speechbot.library")
    library = Library(library_dir, cache_dir)
    watcher = asyncio.create_task(library.watch(0.05))
    try:
        for path in library_dir.rglob("*"):
            if path.is_file():
                path.write_bytes(b"")  # every document emptied
        await eventually(lambda: warnings_from(caplog, "reload failed"))
        await asyncio.sleep(0.4)
        assert len(warnings_from(caplog, "still answering")) == 1
        assert library.current.version == 1
        for case in CASES:
            check_case(library.engine, case)
        (library_dir / "防汛.txt").write_text(
            FLOOD_TEXT, encoding="utf-8"
        )  # something readable again
        await eventually(lambda: library.current.version == 2)
        assert [d.title for d in library.current.documents] == [FLOOD_CASE.title]
    finally:
        watcher.cancel()
        with pytest.raises(asyncio.CancelledError):
            await watcher


async def test_watch_waits_for_a_file_to_stop_changing(library_dir: Path, cache_dir: Path) -> None:
    builds: list[int] = []

    def counting(corpus: Path, cache: Path) -> Engine:
        builds.append(1)
        return Engine.open(corpus, cache)

    library = Library(library_dir, cache_dir, Engine.open(library_dir, cache_dir), counting)
    watcher = asyncio.create_task(library.watch(0.1))
    try:
        path = library_dir / "防汛.txt"
        for i in range(1, 6):  # a slow copy: the file grows for a while
            path.write_text(FLOOD_TEXT[: len(FLOOD_TEXT) * i // 5], encoding="utf-8")
            await asyncio.sleep(0.06)
        await eventually(lambda: library.current.version >= 2)
        await asyncio.sleep(0.3)
        assert len(builds) == 1
        check_case(library.engine, FLOOD_CASE)
    finally:
        watcher.cancel()
        with pytest.raises(asyncio.CancelledError):
            await watcher


def test_a_missing_corpus_is_an_error_at_start(tmp_path: Path, cache_dir: Path) -> None:
    with pytest.raises(CorpusError):
        Library(tmp_path / "nowhere", cache_dir)
