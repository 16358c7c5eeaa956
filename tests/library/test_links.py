"""Links in the corpus folder that lead out of it (FOLLOW_SYMLINKS), wherever the corpus is listed:
the index the command line opens, the bot's library (its reloads and its watch), /reload on
Telegram. Skipped, they are reported with the reason; followed, they are documents like others,
and the watch sees their targets change."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from bot import texts
from bot.answer import Engine
from bot.answer.library import Library
from bot.corpus.files import display_name
from bot.frontends.cli import main
from bot.frontends.telegram.app import build_application
from tests.support.fake_bot_api import FakeBotApi, User
from tests.support.library import FLOOD_CASE, FLOOD_TEXT
from tests.support.telegram import running
from tests.support.waiting import eventually

OWNER = User(4242, "Owner")
HOME_TITLE = "关于做好社区养老服务的通知"
HOME_TEXT = (
    f"{HOME_TITLE}\n一、服务内容\n社区养老服务站每天上午八点开门，为老人提供午餐和健康咨询。\n"
)
NEW_FLOOD = FLOOD_TEXT + "\n二、补充要求\n汛期值班电话须二十四小时有人接听。\n"


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """A corpus folder with one document of its own and a link to a document outside it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "防汛.txt").write_text(FLOOD_TEXT, encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "养老.txt").write_text(HOME_TEXT, encoding="utf-8")
    (corpus / "防汛.txt").symlink_to(outside / "防汛.txt")
    return corpus


def skipped_line(corpus: Path) -> str:
    link = corpus / "防汛.txt"
    reason = texts.LINK_OUTSIDE_CORPUS.format(target=display_name(os.readlink(link)))
    return texts.SKIPPED_FILE.format(path=display_name(str(link)), reason=reason)


def titles(library: Library) -> set[str]:
    return {d.title for d in library.current.documents}


def test_speechbot_docs_reports_a_link_it_skips(
    linked: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["docs", "--corpus", str(linked)]) == 0
    out, err = capsys.readouterr()
    assert HOME_TITLE in out and FLOOD_CASE.title not in out
    assert skipped_line(linked) in err.splitlines()


def test_speechbot_docs_follows_links_when_the_setting_says_so(
    linked: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOLLOW_SYMLINKS", "1")
    assert main(["docs", "--corpus", str(linked)]) == 0
    out, err = capsys.readouterr()
    assert HOME_TITLE in out and FLOOD_CASE.title in out
    assert "已跳过" not in err


async def test_a_reload_reports_the_link_it_skips_or_follows_it(
    linked: Path, tmp_path: Path
) -> None:
    skipping = Library(linked, tmp_path / "cache")
    result = await skipping.reload()
    assert result.ok and titles(skipping) == {HOME_TITLE}
    [problem] = result.skipped
    assert problem.path == str(linked.resolve() / "防汛.txt")
    assert problem.reason.startswith(texts.LINK_OUTSIDE_CORPUS.split("（")[0])

    following = Library(linked, tmp_path / "cache", follow_symlinks=True)
    assert titles(following) == {HOME_TITLE, FLOOD_CASE.title}
    result = await following.reload()
    assert result.ok and not result.skipped
    answer = following.engine.ask(FLOOD_CASE.question, top=1)
    assert answer.found and answer.best is not None
    assert answer.best.passage.document == FLOOD_CASE.title


async def test_the_watch_sees_a_linked_file_change_and_nothing_else(
    linked: Path, tmp_path: Path
) -> None:
    """The watch lists the files as the index does: with links followed, the link's target is
    watched (and an unchanged folder is never reloaded); skipped, it is not."""
    following = Library(linked, tmp_path / "cache", follow_symlinks=True)
    skipping = Library(linked, tmp_path / "cache")
    watchers = [asyncio.create_task(library.watch(0.05)) for library in (following, skipping)]
    try:
        await asyncio.sleep(0.5)  # ten polls: nothing changed, nothing reloaded
        assert following.current.version == skipping.current.version == 1
        (linked.parent / "outside" / "防汛.txt").write_text(NEW_FLOOD, encoding="utf-8")
        await eventually(lambda: following.current.version == 2)
        best = following.engine.ask("汛期值班电话要有人接听吗", top=1).best
        assert best is not None and "二十四小时" in best.passage.text
        await asyncio.sleep(0.5)
        assert following.current.version == 2 and skipping.current.version == 1
    finally:
        for watcher in watchers:
            watcher.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)


async def test_reload_on_telegram_lists_the_skipped_link_or_follows_it(
    api: FakeBotApi, make_settings, linked: Path, tmp_path: Path
) -> None:
    engine = Engine.open(linked, tmp_path / "cache")
    for follow in (False, True):
        settings = make_settings(
            api.base_url,
            corpus=linked,
            cache_dir=tmp_path / f"state-{follow}",
            owner_ids=frozenset({OWNER.id}),
            follow_symlinks=follow,
        )
        async with running(build_application(settings, engine)):
            reply = await api.reply_to(api.say(OWNER, "/reload"))
        documents = 2 if follow else 1
        assert reply.text.split("\n")[0].startswith(
            texts.TG_RELOADED.format(
                documents=documents, passages=0, before_documents=1, before_passages=0
            ).split("，")[0]
        )
        if follow:
            assert "防汛.txt" not in reply.text
        else:
            assert texts.TG_RELOAD_SKIPPED.format(count=1) in reply.text
            assert "防汛.txt" in reply.text and "FOLLOW_SYMLINKS=1" in reply.text
