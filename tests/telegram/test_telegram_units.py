"""The pure parts of the Telegram layer: HTML rendering and splitting, button data, log redaction,
question extraction. Rendered HTML is checked with the fake server's Telegram-style parser."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.frontends.telegram import buttons, logsafe
from bot.frontends.telegram.access import Cooldown
from bot.frontends.telegram.questions import question_from
from bot.frontends.telegram.render import Block, pack
from tests.support.fake_bot_api import ApiError, parse_html, utf16_len

FP = "0123abcd"

# Text like the corpus's, plus everything HTML cares about and characters outside the BMP.
text_chars = st.sampled_from(
    list("人大代表学习知识要坚持，。！？；、“”<>&\"' \nabc123") + ["𠀀", "😀"]
)
texts_ = st.text(text_chars, max_size=300)


def visible(html: str) -> str:
    return parse_html(html)[0]


@given(texts_, st.lists(st.tuples(st.integers(0, 300), st.integers(0, 300)), max_size=5))
def test_a_block_is_valid_telegram_html_that_shows_its_text(
    text: str, raw_spans: list[tuple[int, int]]
) -> None:
    spans, pos = [], 0
    for a, b in sorted((min(a, b), max(a, b)) for a, b in raw_spans):
        if a >= pos and b <= len(text) and a < b:
            spans.append((a, b))
            pos = b
    html = Block(text, tuple(spans)).html()
    shown, entities = parse_html(html)
    assert shown == text
    assert len(entities) == len(spans)


@settings(max_examples=60, deadline=None)
@given(st.lists(texts_, min_size=1, max_size=30), st.integers(20, 400))
def test_pack_keeps_every_character_within_the_limit(lines: list[str], limit: int) -> None:
    messages = pack([Block(line) for line in lines], limit=limit)
    shown = [visible(m) for m in messages if m]
    assert all(utf16_len(s) <= limit for s in shown)
    assert "".join(shown).replace("\n", "").replace(" ", "") == "".join(lines).replace(
        "\n", ""
    ).replace(" ", "")


def test_a_long_block_is_cut_at_sentence_ends_and_keeps_its_bold() -> None:
    sentence = "要认真做好检查工作，确保落到实处。"
    text = sentence * 400  # 6,800 characters
    start = text.index("检查", 5000)
    messages = pack([Block.heading("标题"), Block(text, ((start, start + 2),))])
    assert len(messages) == 2
    shown = [parse_html(m) for m in messages]
    assert all(utf16_len(t) <= 4096 and t.endswith("。") for t, _ in shown)
    assert shown[0][0].startswith("标题\n")
    assert any(
        t[e["offset"] : e["offset"] + e["length"]] == "检查" for t, ents in shown for e in ents
    )


def test_characters_outside_the_bmp_count_twice() -> None:
    text = "𠀀。" * 3000  # 6,000 characters, 9,000 UTF-16 units
    messages = pack([Block(text)])
    assert all(utf16_len(visible(m)) <= 4096 for m in messages)
    assert "".join(visible(m) for m in messages) == text


def test_the_fake_server_rejects_what_telegram_rejects() -> None:
    for bad in [
        "<b>x",
        "x</b>",
        "<b>x</i>",
        "<script>x</script>",
        "a < b",
        "a & b",
        "a > b",
        "&nbsp;",
        "<span>x</span>",
    ]:
        with pytest.raises(ApiError, match="can't parse entities"):
            parse_html(bad)
    assert parse_html("<b>a</b> &lt;&amp;&gt;&quot;&#x27;&#39;")[0] == "a <&>\"''"


@given(
    st.sampled_from(["m", "c", "d", "s"]),
    st.integers(0, buttons.MAX_NUMBER - 1),
    st.integers(0, buttons.MAX_NUMBER - 1),
    st.text(max_size=600),
)
def test_button_data_round_trips_within_64_bytes(kind: str, a: int, b: int, question: str) -> None:
    actions: dict[str, buttons.Action] = {
        "m": buttons.More(a, buttons.question_hash(question)),
        "c": buttons.Context(a),
        "d": buttons.Document(a),
        "s": buttons.Section(a, b),
    }
    action = actions[kind]
    data = buttons.encode(action, FP)
    assert len(data.encode()) <= 64
    assert buttons.decode(data, FP) == action
    with pytest.raises(buttons.StaleButton):
        buttons.decode(data, "ffffffff")  # another corpus


@given(st.text(max_size=80))
def test_any_forged_data_is_stale_or_valid_never_an_error(data: str) -> None:
    try:
        action = buttons.decode(data, FP)
    except buttons.StaleButton:
        return
    assert buttons.encode(action, FP) == data


def test_the_token_is_redacted_from_messages_arguments_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = "123456789:AAredactMeRedactMeRedactMe_0123456"
    logsafe.protect(token)
    logger = logging.getLogger("speechbot.test")
    with caplog.at_level(logging.DEBUG):
        logger.info("url https://api.telegram.org/bot%s/getMe", token)
        logger.info("secret half %s", token.split(":")[1])
        try:
            raise RuntimeError(f"failed https://api.telegram.org/bot{token}/sendMessage")
        except RuntimeError:
            logger.exception("boom")
    assert token not in caplog.text and token.split(":")[1] not in caplog.text
    assert caplog.text.count("<token>") >= 3
    assert "bot<token>/getMe" in caplog.text


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("/ask@speech_test_bot 人大代表要学什么？", "人大代表要学什么？"),
        ("/ask 人大代表\n要学什么？", "人大代表\n要学什么？"),
        ("@speech_test_bot 人大代表要学什么", "人大代表要学什么"),
        ("人大代表 @Speech_Test_Bot 要学什么", "人大代表   要学什么"),
        ("@speech_test_bot_two 问题", "@speech_test_bot_two 问题"),
        ("/ask@speech_test_bot", ""),
        ("", ""),
    ],
)
def test_question_from_strips_the_command_and_the_mention(text: str, question: str) -> None:
    assert question_from(text, "speech_test_bot") == question


def test_cooldown_is_per_key_and_expires() -> None:
    now = [0.0]
    cooldown = Cooldown(3.0, clock=lambda: now[0])
    assert not cooldown.wait(("ask", 1, 1))
    assert cooldown.wait(("ask", 1, 1))
    assert not cooldown.wait(("ask", 1, 2)) and not cooldown.wait(("ask", 2, 1))
    now[0] = 3.5
    assert not cooldown.wait(("ask", 1, 1))
    assert not Cooldown(0.0).wait(("ask", 1, 1)) and not Cooldown(0.0).wait(("ask", 1, 1))


def test_file_url_follows_the_base_url() -> None:
    from bot.frontends.telegram.app import file_url_for

    assert file_url_for("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
    assert file_url_for("http://127.0.0.1:8081/bot/") == "http://127.0.0.1:8081/file/bot"
