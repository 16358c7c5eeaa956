"""Which characters count as Chinese characters (bot/chars.py), for every layer alike."""

from __future__ import annotations

import pytest

from bot.chars import HAN, is_han


@pytest.mark.parametrize(
    "ch", ["人", "龘", "\u4e00", "\u9fff", "㐀", "\u4dbf", "𠀀", "\U0002a6d6", "\U0002ffff"]
)
def test_han_characters(ch: str) -> None:
    assert is_han(ch) and HAN.fullmatch(ch)


@pytest.mark.parametrize(
    "ch", ["A", "1", "，", "。", "ー", "あ", "가", "\u3000", "\uf900", "\U00030000", "😀"]
)
def test_not_han_characters(ch: str) -> None:
    assert not is_han(ch) and not HAN.fullmatch(ch)


def test_the_regex_and_the_function_agree_everywhere() -> None:
    for code in range(0x30100):
        if 0xD800 <= code <= 0xDFFF:
            continue
        ch = chr(code)
        assert is_han(ch) == bool(HAN.fullmatch(ch)), hex(code)
