"""Who may do what: owner-only commands checked by user id, the chat allow-list (leave other groups,
ignore other chats), the token kept out of logs and error replies, `.env` kept out of git."""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import pytest

from bot import texts
from bot.answer.library import Library
from bot.frontends.telegram.app import build_application
from tests.support.fake_bot_api import TOKEN, ApiError, FakeBotApi, User
from tests.support.paths import ROOT, SEEDS
from tests.support.telegram import GROUP, QUESTIONS, running
from tests.support.waiting import eventually

OWNER = User(4242, "Owner", "boss")
IMPOSTOR = User(4343, "Owner", "boss")  # the owner's name and username, another user id
RENAMED_OWNER = User(4242, "Someone", "new_name")  # the owner under another name
STRANGER = User(4444, "Stranger", "stranger")
OTHER_GROUP = -1001000000999
TOKEN_SECRET_HALF = TOKEN.split(":", 1)[1]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for path in SEEDS.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    return folder


async def reply(api: FakeBotApi, user: User, text: str, **where):
    return await api.reply_to(api.say(user, text, **where))


async def test_owner_commands_go_by_user_id_never_by_name(
    api: FakeBotApi, corpus: Path, cache_dir: Path, make_settings
) -> None:
    library = Library(corpus, cache_dir)
    settings = make_settings(api.base_url, corpus=corpus, owner_ids=frozenset({OWNER.id}))
    async with running(build_application(settings, library)):
        for user, where in [(IMPOSTOR, {}), (STRANGER, {}), (IMPOSTOR, {"chat": GROUP})]:
            assert (
                await reply(api, user, f"/reload@{api.username}", **where)
            ).text == texts.TG_RELOAD_REFUSED
        sent = api.send_document(
            IMPOSTOR, "新文件.txt", "新文件\n一、内容\n要认真学习新文件。".encode()
        )
        assert (await api.reply_to(sent)).text == texts.TG_ADD_REFUSED
        assert (
            library.current.version == 1
            and not (corpus / "新文件.txt").exists()
            and not api.downloads
        )
        assert "/reload" not in (await reply(api, IMPOSTOR, "/help")).text
        # the owner is the owner under any name
        done = await reply(api, RENAMED_OWNER, "/reload")
        assert (
            done.text.startswith(texts.TG_RELOADED.split("{")[0]) and library.current.version == 2
        )
    assert all(c.ok for c in api.calls)


async def test_the_allow_list_leaves_other_groups_and_ignores_other_chats(
    api: FakeBotApi, engine, make_settings
) -> None:
    api.group(OTHER_GROUP, "别的群")
    settings = make_settings(
        api.base_url,
        allowed_chat_ids=frozenset({GROUP, STRANGER.id}),
        owner_ids=frozenset({OWNER.id}),
    )
    async with running(build_application(settings, engine)):
        ignored = [
            api.say(IMPOSTOR, QUESTIONS[0]),  # a private chat not on the list
            api.say(IMPOSTOR, f"/ask@{api.username} {QUESTIONS[0]}", chat=OTHER_GROUP),
            api.say(STRANGER, f"@{api.username} {QUESTIONS[1]}", chat=OTHER_GROUP),
        ]
        await api.wait_for("leaveChat")
        query = api.inline(IMPOSTOR, QUESTIONS[0])  # inline mode: the user must be on the list
        assert (await reply(api, STRANGER, QUESTIONS[0])).ok  # on the list: a private chat
        assert (await reply(api, IMPOSTOR, f"/ask@{api.username} {QUESTIONS[2]}", chat=GROUP)).ok
        assert (await reply(api, OWNER, QUESTIONS[3])).ok  # owners are answered anywhere
        api.inline(STRANGER, QUESTIONS[0])
        await api.wait_for("answerInlineQuery")
    leaves = [c for c in api.calls if c.method == "leaveChat"]
    assert [c.chat_id for c in leaves] == [
        OTHER_GROUP
    ]  # once, however many messages came from there
    assert OTHER_GROUP in api.left and not api.sent(OTHER_GROUP) and not api.sent(IMPOSTOR.id)
    assert all(
        not [
            c for c in api.sent() if c.reply_to == m["message_id"] and c.chat_id == m["chat"]["id"]
        ]
        for m in ignored
    )
    assert not api.inline_queries[query]  # never answered
    assert all(c.ok for c in api.calls)


async def test_the_token_is_in_no_log_line_and_no_reply(
    api: FakeBotApi, corpus: Path, cache_dir: Path, make_settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Errors whose text carries the token (as a URL would) reach neither the log nor the user."""
    caplog.set_level(logging.DEBUG)
    library = Library(corpus, cache_dir)
    settings = make_settings(api.base_url, corpus=corpus, owner_ids=frozenset({OWNER.id}))
    leak = f"https://api.telegram.org/bot{TOKEN}/sendMessage"
    async with running(build_application(settings, library)):
        api.fail_next["sendmessage"] = ApiError(400, f"Bad Request: wrong request {leak}")
        question = api.say(STRANGER, QUESTIONS[0])
        error_reply = await api.wait_for(
            "sendMessage", lambda c: c.ok and c.reply_to == question["message_id"]
        )
        assert error_reply.text == texts.TG_ERROR  # the error handler's fixed words
        api.fail_next["getfile"] = ApiError(400, f"Bad Request: wrong file id for {leak}")
        sent = api.send_document(
            OWNER, "新文件.txt", "新文件\n一、内容\n要认真学习新文件。".encode()
        )
        refused = await api.reply_to(sent)
        assert refused.text.startswith(texts.TG_DOWNLOAD_FAILED.split("{")[0])
        await eventually(lambda: "wrong request" in caplog.text.lower(), "the error to be logged")
    # python-telegram-bot capitalizes error descriptions (lower-casing the rest): look in any case
    shown = [c.text for c in api.calls if c.ok] + [str(c.params.get("text")) for c in api.calls]
    assert not [t for t in shown if TOKEN_SECRET_HALF.lower() in t.lower()]
    assert "<token>" in refused.text
    assert TOKEN_SECRET_HALF.lower() not in caplog.text.lower()
    assert "<token>" in caplog.text


def test_dot_env_is_ignored_by_git() -> None:
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run([git, "check-ignore", "-q", ".env"], cwd=ROOT)
    tracked = subprocess.run(
        [git, "ls-files", "--error-unmatch", ".env"], cwd=ROOT, capture_output=True
    )
    assert ignored.returncode == 0 and tracked.returncode != 0
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert "TELEGRAM_BOT_TOKEN=\n" in example  # the example carries no token
