"""The document library on Telegram: /docs, /doc N narrowing, /reload and documents sent by owners.

The library is the four-format one of tests/library (docx, PDF, web page, GBK text), copied
for each test, so that tests may add, change and remove its files.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram.ext import Application

from bot import texts
from bot.answer import Engine
from bot.answer.library import Library
from bot.frontends.telegram.app import build_application
from tests.support.documents import docx_bytes, write_image_pdf
from tests.support.fake_bot_api import Call, FakeBotApi, User
from tests.support.library import (
    CASES,
    FLOOD_CASE,
    FLOOD_TEXT,
    TREES_TITLE,
    WATER_DOCX,
    WATER_TITLE,
    build_library,
)
from tests.support.process import bot_env, start_bot
from tests.support.telegram import ALICE, BOB, GROUP, running
from tests.support.waiting import PATIENCE, eventually

OWNER = ALICE
IMPOSTOR = User(1004, "Alice", "alice")  # the owner's name and username, another user id
WATER, REPORT, SORTING, TREES = CASES


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_library(tmp_path_factory.mktemp("tg-library") / "documents")


@pytest.fixture
def folder(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "documents"))


@pytest.fixture
def settings(api: FakeBotApi, make_settings, folder: Path, tmp_path: Path):
    """Owner ALICE; the chats' document choices kept in this test's own folder."""
    return make_settings(
        api.base_url, corpus=folder, cache_dir=tmp_path / "state", owner_ids=frozenset({OWNER.id})
    )


@pytest.fixture
def library(folder: Path, cache_dir: Path) -> Library:
    return Library(folder, cache_dir)


@pytest.fixture
async def app(settings, library: Library) -> AsyncIterator[Application]:
    async with running(build_application(settings, library)) as application:
        yield application


def number_of(library: Library, title: str) -> int:
    return next(d.number for d in library.current.documents if d.title == title)


def first_line(call: Call) -> str:
    return call.text.split("\n")[0]


def no_failed_calls(api: FakeBotApi) -> None:
    failed = [(c.method, c.error) for c in api.calls if not c.ok]
    assert not failed, failed


async def ask(api: FakeBotApi, user: User, text: str, **where) -> Call:
    return await api.reply_to(api.say(user, text, **where))


def scope_line(title: str) -> str:
    return texts.TG_SCOPE_LINE.format(title=title)


# ---- answers in a library of several documents ----------------------------------------------


async def test_each_answer_names_its_document_and_section(api: FakeBotApi, app) -> None:
    for case in CASES:
        reply = await ask(api, BOB, case.question)
        lines = reply.text.split("\n")
        assert lines[0] == f"《{case.title}》" and lines[1].startswith(case.section)
        assert case.quote in reply.text and "只在" not in reply.text
    no_failed_calls(api)


async def test_docs_lists_the_documents_with_a_button_each(
    api: FakeBotApi, app, library: Library
) -> None:
    reply = await ask(api, BOB, "/docs")
    lines = reply.text.split("\n")
    assert lines[0] == texts.TG_DOCS_TITLE.format(documents=4, passages=library.current.passages)
    for info in library.current.documents:
        assert f"{info.number}. 《{info.title}》" in reply.text
    water = next(line for line in lines if WATER_TITLE in line)
    assert "2023-03-22" in water
    assert lines[-1] == texts.TG_DOCS_SCOPE_ALL
    assert [b["text"] for b in reply.buttons] == ["1", "2", "3", "4"]
    no_failed_calls(api)


# ---- narrowing ------------------------------------------------------------------------------


async def test_doc_n_narrows_every_answer_until_reset(
    api: FakeBotApi, app, library: Library
) -> None:
    n = number_of(library, TREES_TITLE)
    reply = await ask(api, BOB, f"/doc {n}")
    assert reply.text == texts.TG_NARROWED.format(number=n, title=TREES_TITLE)
    assert [b["text"] for b in reply.buttons] == [texts.TG_ALL_DOCUMENTS]

    answer = await ask(api, BOB, WATER.question)  # its answer is in another document
    assert WATER_TITLE not in answer.text and WATER.quote not in answer.text
    assert answer.text.endswith(scope_line(TREES_TITLE))

    answer = await ask(api, BOB, TREES.question)
    assert first_line(answer) == f"《{TREES_TITLE}》" and TREES.quote in answer.text
    assert answer.text.endswith(scope_line(TREES_TITLE))
    api.tap(BOB, answer.result, texts.MORE_RESULTS)  # the next result: the same document only
    more = await api.wait_for("sendMessage", lambda c: c.text.startswith("[2] "))
    assert first_line(more) == f"[2] 《{TREES_TITLE}》" and more.text.endswith(
        scope_line(TREES_TITLE)
    )

    docs = await ask(api, BOB, "/docs")
    assert docs.text.endswith(texts.TG_DOCS_SCOPE_ONE.format(number=n, title=TREES_TITLE))
    assert f"✓ {n}" in [b["text"] for b in docs.buttons]

    reset = await ask(api, BOB, "/doc 0")
    assert reset.text == texts.TG_UNNARROWED.format(documents=4)
    answer = await ask(api, BOB, WATER.question)
    assert first_line(answer) == f"《{WATER_TITLE}》" and "只在" not in answer.text

    for word in ("all", "全部"):
        await ask(api, BOB, f"/doc {n}")
        assert (await ask(api, BOB, WATER.question)).text.endswith(scope_line(TREES_TITLE))
        await ask(api, BOB, f"/doc {word}")
        assert first_line(await ask(api, BOB, WATER.question)) == f"《{WATER_TITLE}》"
    no_failed_calls(api)


async def test_the_buttons_on_the_list_narrow_and_reset(
    api: FakeBotApi, app, library: Library
) -> None:
    n = number_of(library, WATER_TITLE)
    docs = await ask(api, BOB, "/docs")
    api.tap(BOB, docs.result, str(n))
    confirm = await api.reply_to(docs.result)
    assert confirm.text == texts.TG_NARROWED.format(number=n, title=WATER_TITLE)
    answer = await ask(api, BOB, TREES.question)
    assert TREES.quote not in answer.text and answer.text.endswith(scope_line(WATER_TITLE))

    api.tap(BOB, confirm.result, texts.TG_ALL_DOCUMENTS)
    await api.reply_to(confirm.result)
    answer = await ask(api, BOB, TREES.question)
    assert TREES.quote in answer.text and "只在" not in answer.text
    no_failed_calls(api)


async def test_bad_doc_arguments_get_a_short_explanation(api: FakeBotApi, app) -> None:
    assert (await ask(api, BOB, "/doc 9")).text == texts.TG_NO_SUCH_DOC.format(
        number="9", documents=4
    )
    assert (await ask(api, BOB, "/doc 节水")).text == texts.TG_DOC_USAGE
    assert (await ask(api, BOB, "/doc")).text.startswith(
        texts.TG_DOCS_TITLE.format(documents=4, passages=0)[:4]
    )
    no_failed_calls(api)


async def test_narrowing_is_per_chat_and_inline_mode_searches_everything(
    api: FakeBotApi, app, library: Library
) -> None:
    await ask(api, BOB, f"/doc {number_of(library, TREES_TITLE)}")
    assert first_line(await ask(api, ALICE, WATER.question)) == f"《{WATER_TITLE}》"
    await ask(api, BOB, f"/doc@{api.username} {number_of(library, WATER_TITLE)}", chat=GROUP)
    group_answer = await ask(api, BOB, f"/ask@{api.username} {TREES.question}", chat=GROUP)
    assert group_answer.text.endswith(scope_line(WATER_TITLE))
    assert (await ask(api, BOB, TREES.question)).text.endswith(scope_line(TREES_TITLE))

    query = api.inline(BOB, WATER.question)  # inline: no chat to narrow, all documents
    call = await api.wait_for("answerInlineQuery", lambda c: c.params["inline_query_id"] == query)
    assert any(
        WATER.quote in re.sub(r"<[^>]+>", "", r["input_message_content"]["message_text"])
        for r in call.params["results"]
    )
    no_failed_calls(api)


async def test_narrowing_survives_a_restart(
    api: FakeBotApi, settings, library: Library, cache_dir: Path
) -> None:
    n = number_of(library, TREES_TITLE)
    async with running(build_application(settings, library)):
        await ask(api, BOB, f"/doc {n}")
    restarted = Library(library.corpus, cache_dir)
    async with running(build_application(settings, restarted)):
        answer = await ask(api, BOB, WATER.question)
        assert answer.text.endswith(scope_line(TREES_TITLE))
    no_failed_calls(api)


async def test_a_chosen_document_follows_its_file_and_resets_when_it_is_gone(
    api: FakeBotApi, app, library: Library, folder: Path
) -> None:
    await ask(api, BOB, f"/doc {number_of(library, TREES_TITLE)}")
    (folder / "0-防汛.txt").write_text(
        FLOOD_TEXT, encoding="utf-8"
    )  # sorts first: the numbers shift
    await ask(api, OWNER, "/reload")
    answer = await ask(api, BOB, TREES.question)
    assert TREES.quote in answer.text and answer.text.endswith(scope_line(TREES_TITLE))

    (folder / "植树安排.txt").unlink()
    await ask(api, OWNER, "/reload")
    answer = await ask(api, BOB, WATER.question)
    assert answer.text.startswith(texts.TG_SCOPE_GONE.format(title=TREES_TITLE) + "\n")
    assert f"《{WATER_TITLE}》" in answer.text and "只在" not in answer.text
    answer = await ask(api, BOB, WATER.question)  # said once; then simply all documents
    assert first_line(answer) == f"《{WATER_TITLE}》"
    no_failed_calls(api)


# ---- owners: /reload and sending documents --------------------------------------------------


async def test_owner_commands_are_refused_for_everyone_else_by_user_id(
    api: FakeBotApi, app, folder: Path, library: Library
) -> None:
    for user in (BOB, IMPOSTOR):
        assert (await ask(api, user, "/reload")).text == texts.TG_RELOAD_REFUSED
        sent = api.send_document(user, "防汛.txt", FLOOD_TEXT.encode("utf-8"))
        assert (await api.reply_to(sent)).text == texts.TG_ADD_REFUSED
    assert (
        await ask(api, BOB, f"/reload@{api.username}", chat=GROUP)
    ).text == texts.TG_RELOAD_REFUSED
    assert not [c for c in api.calls if c.method == "getFile"] and not api.downloads
    assert not (folder / "防汛.txt").exists() and library.current.version == 1
    help_for_bob = await ask(api, BOB, "/help")
    assert "/reload" not in help_for_bob.text and "/docs" in help_for_bob.text
    assert "/reload" in (await ask(api, OWNER, "/help")).text
    no_failed_calls(api)


async def test_an_owner_adds_a_document_by_sending_it(
    api: FakeBotApi, app, folder: Path, library: Library
) -> None:
    assert FLOOD_CASE.quote not in (await ask(api, BOB, FLOOD_CASE.question)).text
    sent = api.send_document(
        OWNER, "../防汛 通知.txt", FLOOD_TEXT.encode("gbk"), mime_type="text/plain"
    )
    reply = await api.reply_to(sent)
    get_file = next(c for c in api.calls if c.method == "getFile")
    assert get_file.ok and api.downloads == [get_file.result["file_path"]]
    assert (folder / "防汛 通知.txt").read_bytes() == FLOOD_TEXT.encode("gbk")
    info = next(d for d in library.current.documents if d.title == FLOOD_CASE.title)
    assert reply.text == texts.TG_ADDED.format(
        title=FLOOD_CASE.title, name="防汛 通知.txt", passages=info.passages, documents=5
    )
    answer = await ask(api, BOB, FLOOD_CASE.question)  # answerable at once, for everyone
    assert first_line(answer) == f"《{FLOOD_CASE.title}》" and FLOOD_CASE.quote in answer.text

    again = api.send_document(OWNER, "防汛（副本）.txt", FLOOD_TEXT.encode("utf-8"))
    assert (await api.reply_to(again)).text == texts.TG_ADD_ALREADY.format(
        title=FLOOD_CASE.title, name="防汛 通知.txt"
    )
    no_failed_calls(api)


async def test_an_owner_adds_a_word_document_under_a_taken_name(
    api: FakeBotApi, app, folder: Path, tmp_path: Path
) -> None:
    (folder / "2023" / "节水工作会议讲话.docx").unlink()
    (folder / "节水.docx").write_bytes(b"PK\x03\x04 something else")  # the name is taken
    await ask(api, OWNER, "/reload")
    assert WATER.quote not in (await ask(api, BOB, WATER.question)).text
    sent = api.send_document(OWNER, "节水.docx", docx_bytes(WATER_DOCX))
    reply = await api.reply_to(sent)
    assert reply.text.startswith(texts.TG_ADDED_RENAMED.format(name="节水（2）.docx"))
    assert (folder / "节水.docx").read_bytes() == b"PK\x03\x04 something else"
    answer = await ask(api, BOB, WATER.question)
    assert first_line(answer) == f"《{WATER_TITLE}》" and WATER.quote in answer.text
    no_failed_calls(api)


async def test_unusable_files_are_refused_with_the_reason(
    api: FakeBotApi, app, folder: Path, library: Library, tmp_path: Path
) -> None:
    before = sorted(p.name for p in folder.rglob("*"))
    scan = api.send_document(
        OWNER, "扫描件.pdf", write_image_pdf(tmp_path / "scan.pdf").read_bytes()
    )
    reply = await api.reply_to(scan)
    assert (
        reply.text.startswith(texts.TG_ADD_UNREADABLE.format(name="扫描件.pdf", reason=""))
        and "文字" in reply.text
    )
    old = api.send_document(OWNER, "旧报告.doc", b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    assert (await api.reply_to(old)).text == texts.TG_ADD_UNSUPPORTED.format(name="旧报告.doc")
    assert (
        len([c for c in api.calls if c.method == "getFile"]) == 1
    )  # an unsupported name is not downloaded
    assert sorted(p.name for p in folder.rglob("*")) == before and library.current.version == 1
    no_failed_calls(api)


async def test_a_single_file_corpus_refuses_documents_clearly(
    api: FakeBotApi, make_settings, folder: Path, cache_dir: Path, tmp_path: Path
) -> None:
    single = Library(folder / "植树安排.txt", cache_dir)
    settings = make_settings(
        api.base_url, cache_dir=tmp_path / "state", owner_ids=frozenset({OWNER.id})
    )
    async with running(build_application(settings, single)):
        sent = api.send_document(OWNER, "防汛.txt", FLOOD_TEXT.encode("utf-8"))
        reply = await api.reply_to(sent)
    assert reply.text == texts.TG_ADD_NOT_A_FOLDER.format(path=folder / "植树安排.txt")
    assert not (folder / "防汛.txt").exists()


async def test_reload_reports_what_changed_and_old_buttons_go_stale(
    api: FakeBotApi, app, folder: Path, library: Library
) -> None:
    before = await ask(api, BOB, WATER.question)
    (folder / "防汛.txt").write_text(FLOOD_TEXT, encoding="utf-8")
    (folder / "旧报告.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 600)
    old_passages = library.current.passages
    reply = await ask(api, OWNER, "/reload")
    now = library.current
    assert reply.text.split("\n")[0] == texts.TG_RELOADED.format(
        documents=5, passages=now.passages, before_documents=4, before_passages=old_passages
    )
    assert texts.TG_RELOAD_SKIPPED.format(count=1) in reply.text and "旧报告.doc" in reply.text
    assert FLOOD_CASE.quote in (await ask(api, BOB, FLOOD_CASE.question)).text

    query = api.tap(BOB, before.result, texts.MORE_RESULTS)  # made from the previous index
    stale = await api.wait_for(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query
    )
    assert stale.params["text"] == texts.STALE_BUTTON
    no_failed_calls(api)


async def test_a_failed_reload_tells_the_owner_and_keeps_answering(
    api: FakeBotApi, app, folder: Path
) -> None:
    shutil.rmtree(folder)
    reply = await ask(api, OWNER, "/reload")
    assert (
        reply.text.startswith(texts.TG_RELOAD_FAILED.format(reason=""))
        and "找不到语料路径" in reply.text
    )
    assert WATER.quote in (await ask(api, BOB, WATER.question)).text
    no_failed_calls(api)


class GatedBuilder:
    def __init__(self) -> None:
        self.building = threading.Event()
        self.release = threading.Event()

    def __call__(self, corpus: Path, cache_dir: Path) -> Engine:
        self.building.set()
        engine = Engine.open(corpus, cache_dir)
        assert self.release.wait(20)
        return engine


async def test_questions_during_a_reload_are_answered_from_a_complete_index(
    api: FakeBotApi, settings, folder: Path, cache_dir: Path
) -> None:
    builder = GatedBuilder()
    library = Library(folder, cache_dir, Engine.open(folder, cache_dir), builder)
    users = [User(2000 + i, f"U{i}") for i in range(6)]
    async with running(build_application(settings, library)):
        (folder / "防汛.txt").write_text(FLOOD_TEXT, encoding="utf-8")
        reload = api.say(OWNER, "/reload")
        await asyncio.to_thread(builder.building.wait, 20)
        during = [api.say(user, case.question) for user in users for case in (*CASES, FLOOD_CASE)]
        replies = [
            await api.reply_to(m) for m in during
        ]  # answered while the new index is being built
        assert not [
            c for c in api.sent(OWNER.id) if c.reply_to == reload["message_id"]
        ]  # still building
        builder.release.set()
        done = await api.reply_to(reload)
        after = [api.say(user, FLOOD_CASE.question) for user in users]
        later = [await api.reply_to(m) for m in after]
    assert done.text.startswith(
        texts.TG_RELOADED.format(
            documents=5, passages=library.current.passages, before_documents=4, before_passages=0
        )[:10]
    )
    for message, reply in zip(during, replies, strict=True):
        case = next(c for c in (*CASES, FLOOD_CASE) if c.question == message["text"])
        if case is FLOOD_CASE:  # the old index: not there yet, and said plainly
            assert reply.text.startswith(texts.NOT_FOUND)
        else:
            assert first_line(reply) == f"《{case.title}》" and case.quote in reply.text
    assert all(first_line(r) == f"《{FLOOD_CASE.title}》" for r in later)
    assert all(texts.TG_ERROR not in c.text for c in api.sent())
    no_failed_calls(api)


# ---- speechbot run --watch ------------------------------------------------------------------


@pytest.mark.slow
async def test_run_watch_picks_up_new_files_and_survives_the_folder_vanishing(
    api: FakeBotApi, folder: Path, cache_dir: Path, tmp_path: Path
) -> None:
    env = bot_env(
        cache_dir,
        SPEECHBOT_CORPUS=str(folder),
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_API_BASE_URL=api.base_url,
    )
    process = await start_bot(env, tmp_path, "--watch", "0.2")
    before = picked_up = after_vanishing = ""
    try:
        await eventually(lambda: api.polls > 0, "polling")
        before = (await ask(api, BOB, FLOOD_CASE.question)).text
        (folder / "防汛.txt").write_text(FLOOD_TEXT, encoding="utf-8")
        for _ in range(100):  # picked up by itself within a few polls
            picked_up = (await ask(api, BOB, FLOOD_CASE.question)).text
            if FLOOD_CASE.quote in picked_up:
                break
            await asyncio.sleep(0.1)
        if FLOOD_CASE.quote in picked_up:
            shutil.rmtree(folder)
            await asyncio.sleep(1.0)
            after_vanishing = (await ask(api, BOB, FLOOD_CASE.question)).text
            after_vanishing += (await ask(api, BOB, WATER.question)).text
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(process.communicate(), PATIENCE)
    log = err.decode()
    assert FLOOD_CASE.quote not in before, log
    assert FLOOD_CASE.quote in picked_up, log
    # the last good index
    assert FLOOD_CASE.quote in after_vanishing and WATER.quote in after_vanishing, log
    assert process.returncode == 0, log
    assert log.count("still answering from the last good index") == 1, log
    assert "Traceback" not in log and api.token not in log
