"""The location line every front end shows under a passage's document title."""

from __future__ import annotations

from bot import texts
from bot.corpus.passages import Passage
from bot.frontends.location import location_of
from bot.frontends.plain import location
from bot.frontends.telegram import render


def passage(section: str | None, subsection: str | None, paragraph: int) -> Passage:
    headings = tuple(h for h in (section, subsection) if h)
    return Passage(0, 0, "讲话", section, subsection, headings, paragraph, 0, 2, "正文")


def test_section_sub_point_and_paragraph() -> None:
    where = location_of(passage("三、提高履职能力", "要夯实履职基础。", 5))
    assert where.text == "三、提高履职能力 › 要夯实履职基础。 · 第5段"
    assert [where.text[a:b] for a, b in where.headings] == ["三、提高履职能力", "要夯实履职基础。"]


def test_a_sub_point_that_is_the_section_is_said_once() -> None:
    where = location_of(passage("一、总体要求", "一、总体要求", 2))
    assert where.text == "一、总体要求 · 第2段" and where.headings == ((0, 6),)


def test_before_the_first_heading_and_the_title() -> None:
    opening = location_of(passage(None, None, 1))
    assert opening.text == f"{texts.FRONT_MATTER} · 第1段" and opening.headings == ()
    title = location_of(passage(None, None, 0))
    assert title.text == f"{texts.FRONT_MATTER} · {texts.TITLE_LABEL}"


def test_the_front_ends_say_it_alike(speech_engine) -> None:
    for p in speech_engine.index.passages:
        where = location_of(p)
        assert location(p) == where.text
        assert render.location_block(p) == render.Block(where.text, where.headings)
