"""Hostile input, fuzzed with hypothesis through the whole path: an update as Telegram would send it
-> `Application.process_update` -> handlers -> the requests the bot makes to the fake Bot API.

The fake server rejects what Telegram would reject (HTML it cannot parse, a text over 4096 UTF-16
units or empty, button data over 64 bytes, an answerCallbackQuery text over 200 characters, a
query answered twice, more than 50 inline results or ids over 64 bytes, ...). For every example:
no request is rejected, the error handler is never reached, nothing is logged at ERROR, and each
question gets exactly one reply (callback queries and inline queries exactly one answer).

The corpus is the bundled speech plus a hostile document (HTML and Markdown specials, control and
bidirectional characters, combining floods, characters outside the BMP, a paragraph of 12,000
characters without a sentence end), so that answers, context and sections carry such text too.
One Application (as `build_application` makes it, without the rate limiter) and one fake server
serve all examples of the module, on an event loop of its own; updates are fed in directly."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import shutil
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.answer import Engine
from bot.frontends.telegram.app import build_application
from bot.frontends.telegram.buttons import short_fingerprint
from bot.settings import Settings
from tests.support.fake_bot_api import TOKEN, Call, FakeBotApi, User, utf16_len
from tests.support.paths import SEEDS
from tests.support.telegram import GROUP, QUESTIONS

FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
OWNER = User(4242, "Owner", "boss")
PEOPLE = [User(3000 + i, f"P{i}", f"p_{i}" if i % 2 else None) for i in range(5)]
MAX_TEXT = 4096
HOSTILE_DOC = "\n".join(
    [
        "恶意<b>标题</b> & “测试” </i>",
        "一、<script>alert(1)</script>章节 & 名称",
        "人大代表要学习<b>法律</b>知识 & 经济知识，A<B>C，x &amp; y，&#0; &lt; "
        "以及\u202e反向文字\u202c和\u200f标记，e\u0301\u0301\u0301组合字符😀𠀀\x07响铃。",
        "二、超长段落",
        "超长段落里人大代表学习知识的要求" * 800,
        "三、Markdown *星号* _下划线_ `代码` [链接](http://x) ||剧透||",
        "要学习**加粗**和__下划线__的写法。" + "\u0301" * 3000 + "组合字符洪水之后的句子。",
    ]
)
HOSTILE_QUESTIONS = [
    "人大代表学习法律知识",
    "超长段落的要求",
    "反向文字和标记",
    "组合字符",
    "星号下划线代码链接",
    "加粗和下划线的写法",
]


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Harness:
    """The bot and the fake server, driven one update at a time on a private event loop."""

    def __init__(self, engine, cache_dir) -> None:
        self.loop = asyncio.new_event_loop()
        self.api = FakeBotApi()
        self.run(self.api.start())
        self.api.group(GROUP)
        base = Settings.from_env(env_file=None)
        settings_ = dataclasses.replace(
            base,
            corpus=SEEDS,
            cache_dir=cache_dir,
            telegram_token=TOKEN,
            telegram_api_base_url=self.api.base_url,
            telegram_api_file_url=None,
            group_cooldown_seconds=0.0,
            owner_ids=frozenset({OWNER.id}),
            allowed_chat_ids=frozenset(),
        )
        self.app = build_application(settings_, engine, rate_limiter=False)
        self.run(self.app.initialize())
        self.errors: list[BaseException] = []
        self.app.add_error_handler(self._on_error)
        self.fp = short_fingerprint(engine.index.fingerprint)
        self._ids = itertools.count(10**6)
        self.error_log = ErrorLog()  # what the bot logged at ERROR (the fixture installs it)
        self.button_messages: list[dict] = []  # messages of the bot's with buttons to tap
        self.real_data: list[str] = []  # the callback data of their buttons

    async def _on_error(self, update: object, context) -> None:
        self.errors.append(context.error)

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    def feed(self, update: dict) -> list[Call]:
        """Process one update; the calls the bot made for it (errors are counted afresh)."""
        self.errors.clear()
        self.error_log.records.clear()
        first = len(self.api.calls)
        self.run(
            self.app.process_update(
                Update.de_json({"update_id": next(self._ids), **update}, self.app.bot)
            )
        )
        return self.api.calls[first:]

    def close(self) -> None:
        self.run(self.app.shutdown())
        self.run(self.api.stop())
        self.loop.close()


@pytest.fixture(scope="module")
def hostile_engine(tmp_path_factory: pytest.TempPathFactory, cache_dir) -> Engine:
    corpus = tmp_path_factory.mktemp("hostile-corpus")
    for path in SEEDS.glob("*.txt"):
        shutil.copy(path, corpus / path.name)
    (corpus / "zz-hostile.txt").write_text(HOSTILE_DOC, encoding="utf-8")
    return Engine.open(corpus, cache_dir)


@pytest.fixture(scope="module")
def harness(hostile_engine: Engine, cache_dir) -> Iterator[Harness]:
    h = Harness(hostile_engine, cache_dir)
    logging.getLogger().addHandler(h.error_log)
    # answers, contents, a narrowed chat: buttons to tap, made once (strategies must not vary)
    h.button_messages = _bot_messages_with_buttons(h)
    h.real_data = sorted(
        {
            b["callback_data"]
            for m in h.button_messages
            for row in m["reply_markup"]["inline_keyboard"]
            for b in row
            if "callback_data" in b
        }
    )
    check(h, h.api.calls)
    try:
        yield h
    finally:
        logging.getLogger().removeHandler(h.error_log)
        h.close()


def check(h: Harness, calls: list[Call], unseen: bool = False) -> None:
    """Nothing Telegram would refuse, no error handled or logged, no message over the limit.

    `unseen`: a button on a message the bot can no longer see (Telegram sends it without its
    text); redrawing it may then change nothing, which Telegram refuses as "not modified" and the
    bot ignores."""
    refused = [
        (c.method, c.error)
        for c in calls
        if not c.ok
        and not (unseen and c.method == "editMessageText" and "not modified" in (c.error or ""))
    ]
    assert not refused, refused
    assert not h.errors, h.errors
    assert not h.error_log.records, [r.getMessage() for r in h.error_log.records]
    for c in calls:
        if c.ok and c.method.lower() in ("sendmessage", "editmessagetext"):
            assert 1 <= utf16_len(c.text) <= MAX_TEXT


def replies_to(calls: list[Call], message: dict) -> list[Call]:
    return [
        c
        for c in calls
        if c.method.lower() == "sendmessage"
        and c.reply_to == message["message_id"]
        and c.chat_id == message["chat"]["id"]
    ]


# ---- what people type ----------------------------------------------------------------------

SPECIALS = [
    "<b>",
    "</b>",
    "<i>x</i>",
    "<a href='javascript:alert(1)'>",
    "&amp;",
    "&",
    "&#0;",
    "&lt;",
    "<",
    ">",
    '"',
    "'",
    "*bold*",
    "_it_",
    "`code`",
    "```pre```",
    "[link](http://x)",
    "||spoiler||",
    "~",
    "\\",
    "\u202e",
    "\u202d",
    "\u200f",
    "\u200e",
    "\u2066",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u00ad",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\r",
    "\n",
    "\t",
    "\u0301" * 40,
    "e\u0301",
    "😀",
    "👨‍👩‍👧‍👦",
    "𠀀",
    "\U000e0001",
    "\ufffd",
    "@speech_test_bot",
    "@someone_else",
    "/ask",
    "/start",
    "#tag",
    "人大代表",
    "学习",
    "知识",
    "？",
    "。",
    "　",
    " ",
]
fragments = st.one_of(
    st.sampled_from(SPECIALS),
    st.sampled_from(QUESTIONS + HOSTILE_QUESTIONS),
    st.text(st.characters(codec="utf-8"), max_size=20),
)
mixed = st.lists(fragments, max_size=25).map("".join)
unicode_text = st.text(st.characters(codec="utf-8"), max_size=300)
huge = st.builds(
    lambda piece, n: (piece * (n // max(1, len(piece)) + 1))[:n],
    st.one_of(st.sampled_from(SPECIALS + QUESTIONS), unicode_text.filter(bool)),
    st.sampled_from([4097, 20_000, 100_000]),
)
combining_flood = st.builds(
    lambda base, n: base + "\u0301" * n,
    st.sampled_from(["a", "人", "?"]),
    st.sampled_from([500, 5000, 50_000]),
)
invisible = st.lists(
    st.sampled_from(
        ["\u200b", "\u200f", "\u202e", "\ufeff", " ", "\u3000", "\n", "\u00ad", "\u2066", "\u200d"]
    ),
    min_size=1,
    max_size=30,
).map("".join)
any_text = st.one_of(unicode_text, mixed, huge, combining_flood, invisible).filter(bool)
people = st.sampled_from(PEOPLE)


@FUZZ
@given(text=any_text, user=people)
def test_any_private_text_gets_exactly_one_valid_reply(
    harness: Harness, text: str, user: User
) -> None:
    message = harness.api.compose(user, text)
    calls = harness.feed({"message": message})
    check(harness, calls)
    assert len(replies_to(calls, message)) == 1, [
        (c.method, c.reply_to, c.text[:80]) for c in calls
    ]


@FUZZ
@given(
    text=any_text,
    user=people,
    how=st.sampled_from(["mention", "ask", "reply_to_bot", "chatter", "bare_reply"]),
)
def test_group_messages_get_at_most_one_valid_reply(
    harness: Harness, text: str, user: User, how: str
) -> None:
    api = harness.api
    if how == "mention":
        text = f"@{api.username} {text}"
    elif how == "ask":
        text = f"/ask@{api.username} {text}"
    reply_to = None
    if how in ("reply_to_bot", "bare_reply"):
        bot_messages = [
            m
            for m in api.messages.values()
            if m["chat"]["id"] == GROUP and m["from"]["id"] == api.bot_id
        ]
        if not bot_messages:
            seed = api.compose(user, f"@{api.username} {QUESTIONS[0]}", chat=GROUP)
            harness.feed({"message": seed})
            bot_messages = [
                m
                for m in api.messages.values()
                if m["chat"]["id"] == GROUP and m["from"]["id"] == api.bot_id
            ]
        reply_to = bot_messages[-1]["message_id"]
        if how == "bare_reply":  # a bare @mention replying to someone's message asks that message
            someone = api.compose(user, text, chat=GROUP)
            reply_to, text = someone["message_id"], f"@{api.username}"
    message = api.compose(user, text, chat=GROUP, reply_to=reply_to)
    calls = harness.feed({"message": message})
    check(harness, calls)
    answers = [c for c in calls if c.method.lower() == "sendmessage" and c.reply_to is not None]
    assert len(answers) <= 1
    if how in ("mention", "ask") or (how == "reply_to_bot" and not text.startswith("/")):
        assert len(answers) == 1  # (a reply starting with /command@another_bot is that bot's)


@FUZZ
@given(
    command=st.sampled_from(
        [
            "/start",
            "/help",
            "/ask",
            "/sections",
            "/docs",
            "/doc",
            "/reload",
            "/nonsense",
            "/start@speech_test_bot",
            "/doc@speech_test_bot",
            "/doc@other_bot",
        ]
    ),
    argument=st.one_of(
        st.just(""),
        st.sampled_from(
            [
                "0",
                "1",
                "2",
                "-1",
                "99999999999999999999",
                "all",
                "全部",
                "٣",
                "1e3",
                "0x1",
                " 1",
                "1 2",
            ]
        ),
        any_text,
    ),
    user=people,
    in_group=st.booleans(),
)
def test_commands_with_any_argument_get_a_valid_reply(
    harness: Harness, command: str, argument: str, user: User, in_group: bool
) -> None:
    text = f"{command} {argument}" if argument else command
    message = harness.api.compose(user, text, chat=GROUP if in_group else None)
    calls = harness.feed({"message": message})
    check(harness, calls)
    assert len(replies_to(calls, message)) <= 1
    if not in_group and "@other_bot" not in command:
        assert len(replies_to(calls, message)) == 1


def _media(kind: str, caption: str | None) -> dict:
    file = {"file_id": "AgACAgIAAx0", "file_unique_id": "AQADx"}
    if kind == "sticker":
        return {
            "sticker": {
                **file,
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
                "emoji": "😀",
            }
        }
    if kind == "photo":
        out: dict = {"photo": [{**file, "width": 90, "height": 90}]}
    elif kind == "document":
        out = {
            "document": {
                **file,
                "file_name": caption or "x.exe",
                "mime_type": "application/octet-stream",
                "file_size": 10,
            }
        }
    elif kind == "voice":
        out = {"voice": {**file, "duration": 3}}
    elif kind == "location":
        return {"location": {"latitude": 39.9, "longitude": 116.4}}
    elif kind == "contact":
        return {"contact": {"phone_number": "+860000", "first_name": caption or "x"}}
    elif kind == "new_chat_members":
        return {"new_chat_members": [{"id": 77, "is_bot": False, "first_name": caption or "x"}]}
    elif kind == "left_chat_member":
        return {"left_chat_member": {"id": 77, "is_bot": False, "first_name": "x"}}
    elif kind == "pinned_message":
        return {
            "pinned_message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": GROUP, "type": "supergroup"},
            }
        }
    else:
        return {}  # a message with nothing in it at all
    if caption is not None:
        out["caption"] = caption
    return out


@FUZZ
@given(
    kind=st.sampled_from(
        [
            "sticker",
            "photo",
            "document",
            "voice",
            "location",
            "contact",
            "new_chat_members",
            "left_chat_member",
            "pinned_message",
            "empty",
        ]
    ),
    caption=st.one_of(st.none(), any_text),
    user=people,
    in_group=st.booleans(),
    as_update=st.sampled_from(["message", "edited_message", "channel_post", "edited_channel_post"]),
)
def test_messages_without_text_and_edits_are_handled_quietly(
    harness: Harness, kind: str, caption: str | None, user: User, in_group: bool, as_update: str
) -> None:
    api = harness.api
    message = dict(
        api.compose(user, "x", chat=GROUP if in_group else None)
    )  # the stored one stays as it was
    message.pop("text", None)
    message.pop("entities", None)
    message.update(_media(kind, caption))
    if as_update.startswith("edited"):
        message["edit_date"] = int(time.time())
    if "channel" in as_update:
        message.pop("from", None)
        message["chat"] = {"id": -1009999, "type": "channel", "title": "频道"}
    calls = harness.feed({as_update: message})
    check(harness, calls)
    assert (
        len([c for c in calls if c.method.lower() == "sendmessage"]) <= 1
    )  # a refusal for a private document


@FUZZ
@given(text=any_text, user=people, in_group=st.booleans())
def test_edited_text_messages_are_not_answered_again(
    harness: Harness, text: str, user: User, in_group: bool
) -> None:
    api = harness.api
    message = dict(
        api.compose(
            user, f"@{api.username} {text}" if in_group else text, chat=GROUP if in_group else None
        )
    )
    message["edit_date"] = int(time.time())
    calls = harness.feed({"edited_message": message})
    check(harness, calls)
    assert not [c for c in calls if c.method.lower() == "sendmessage"]


# ---- buttons -------------------------------------------------------------------------------


def _bot_messages_with_buttons(h: Harness) -> list[dict]:
    api = h.api
    found = [
        m
        for m in api.messages.values()
        if m.get("from", {}).get("id") == api.bot_id and m.get("reply_markup")
    ]
    if (
        len(found) < 4
    ):  # make some: answers in private and in the group, the contents, a narrowed chat
        asked = [
            (PEOPLE[0], QUESTIONS[0], None),
            (PEOPLE[1], f"@{api.username} {QUESTIONS[1]}", GROUP),
            (PEOPLE[2], "/sections", None),
            (PEOPLE[3], "/doc 1", None),
            (PEOPLE[4], QUESTIONS[3], None),
        ]
        asked += [(PEOPLE[i % 5], q, None) for i, q in enumerate(HOSTILE_QUESTIONS)]
        for user, text, chat in asked:
            h.feed({"message": api.compose(user, text, chat=chat)})
        sections = api.compose(
            PEOPLE[0], "/sections"
        )  # the list of documents, then the hostile one's contents
        h.feed({"message": sections})
        for m in [
            m
            for m in api.messages.values()
            if m.get("reply_markup") and m["chat"]["id"] == PEOPLE[0].id
        ]:
            for row in m["reply_markup"]["inline_keyboard"]:
                for button in row:
                    if button["text"].startswith("《恶意"):
                        query = api.tap(PEOPLE[0], m, button["text"])
                        update = api.updates.pop()
                        h.feed({"callback_query": update["callback_query"]})
                        assert api.callback_queries[query]
        found = [
            m
            for m in api.messages.values()
            if m.get("from", {}).get("id") == api.bot_id and m.get("reply_markup")
        ]
    return found


@st.composite
def callback_data(draw, h: Harness) -> str:
    real = draw(st.sampled_from(h.real_data))
    how = draw(st.sampled_from(["real", "truncated", "mutated", "random", "structured", "long"]))
    if how == "real":
        return real
    if how == "truncated":
        return real[: draw(st.integers(0, len(real) - 1))] or "m"
    if how == "mutated":
        i = draw(st.integers(0, len(real) - 1))
        return (
            real[:i]
            + draw(st.text(st.characters(codec="utf-8"), min_size=1, max_size=3))
            + real[i + 1 :]
        )
    if how == "random":
        return draw(st.text(st.characters(codec="utf-8"), min_size=1, max_size=64))
    if how == "long":
        return real + draw(st.text(min_size=1, max_size=200))
    kind = draw(st.sampled_from("mcdsnxM"))
    fp = draw(st.sampled_from([h.fp, "00000000", h.fp.upper(), ""]))
    numbers = draw(
        st.lists(
            st.one_of(
                st.integers(-(10**12), 10**12).map(str),
                st.sampled_from(["", "00", "0", "all", "٣", "1e3", " 1", "99999999", "abcdef12"]),
            ),
            max_size=4,
        )
    )
    return ":".join([kind, fp, *numbers])[:80]


@FUZZ
@given(data=st.data(), user=people, where=st.sampled_from(["message", "inaccessible", "inline"]))
def test_forged_and_truncated_button_data_gets_one_valid_answer(
    harness: Harness, data, user: User, where: str
) -> None:
    api = harness.api
    payload = data.draw(callback_data(harness))
    message = data.draw(st.sampled_from(harness.button_messages))
    stored = api.messages[(message["chat"]["id"], message["message_id"])]
    query_id = str(10**13 + len(api.callback_queries))
    api.callback_queries[query_id] = False
    query: dict = {"id": query_id, "from": user.json(), "chat_instance": "-42", "data": payload}
    if where == "message":
        query["message"] = stored
    elif where == "inaccessible":
        query["message"] = {"chat": stored["chat"], "message_id": stored["message_id"], "date": 0}
    else:
        query["inline_message_id"] = "AgAAAB4"
    calls = harness.feed({"callback_query": query})
    check(harness, calls, unseen=where == "inaccessible")
    answers = [c for c in calls if c.method.lower() == "answercallbackquery"]
    assert len(answers) == 1, [(c.method, c.params) for c in calls]


# ---- inline mode ---------------------------------------------------------------------------


@FUZZ
@given(
    query=st.one_of(
        st.just(""),
        unicode_text,
        mixed,
        huge,
        invisible,
        st.sampled_from(QUESTIONS + HOSTILE_QUESTIONS),
    ),
    user=people,
)
def test_inline_queries_of_every_size_get_one_valid_answer(
    harness: Harness, query: str, user: User
) -> None:
    api = harness.api
    query_id = api.inline(user, query)
    update = api.updates.pop()  # fed directly, not through getUpdates
    calls = harness.feed({k: v for k, v in update.items() if k != "update_id"})
    check(harness, calls)
    answers = [c for c in calls if c.method.lower() == "answerinlinequery"]
    assert len(answers) == 1 and answers[0].params["inline_query_id"] == query_id
    results = answers[0].params["results"]
    assert len(results) <= 50 and all(len(r["id"].encode()) <= 64 for r in results)
