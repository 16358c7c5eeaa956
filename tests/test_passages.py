from pathlib import Path

from bot.corpus.passages import MAX_CHARS, SLACK_CHARS, make_passages, pack_spans
from bot.corpus.reading import SourceText, read_document
from bot.corpus.sentences import split_sentences
from bot.corpus.structure import parse_document
from tests.support.paths import SPEECH


def test_sentences_keep_closing_quotes_and_lose_nothing():
    text = "习近平总书记强调：“我们要加强制度保障。”这为舞台，也提出了要求；要回应关切！对吗？尾巴"
    sentences = split_sentences(text)
    assert sentences == [
        "习近平总书记强调：“我们要加强制度保障。”",
        "这为舞台，也提出了要求；",
        "要回应关切！",
        "对吗？",
        "尾巴",
    ]
    assert "".join(sentences) == text


def test_sentences_half_width_and_empty():
    assert split_sentences("") == []
    assert split_sentences("Yes! No? Ok;") == ["Yes!", " No?", " Ok;"]


def test_speech_passages_are_whole_sentences_with_provenance():
    doc = parse_document(read_document(SPEECH))
    passages = make_passages(doc, 0)
    assert passages[0].paragraph == 0 and passages[0].text == doc.title
    body = passages[1:]
    for p in body:
        paragraph = doc.paragraphs[p.paragraph - 1].text
        assert paragraph[p.start : p.end] == p.text
        assert len(p.text) <= MAX_CHARS + SLACK_CHARS
        if p.text[-1] not in "。！？；：”":  # only a sentence too long for one passage is cut
            assert len(_sentence_around(paragraph, p.end - 1)) > MAX_CHARS, p.text
    lengths = [len(p.text) for p in body if p.paragraph > 2]
    assert 80 <= sum(lengths) / len(lengths) <= 130
    # passages tile each paragraph: nothing is lost between or around them
    for number in range(1, len(doc.paragraphs) + 1):
        spans = [(p.start, p.end) for p in body if p.paragraph == number]
        text = doc.paragraphs[number - 1].text
        edges = [0] + [x for span in spans for x in span] + [len(text)]
        gaps = [text[edges[i] : edges[i + 1]] for i in range(0, len(edges), 2)]
        assert all(not gap.strip() for gap in gaps)


def _sentence_around(text: str, offset: int) -> str:
    pos = 0
    for sentence in split_sentences(text):
        if pos <= offset < pos + len(sentence):
            return sentence
        pos += len(sentence)
    raise AssertionError("offset outside text")


def test_passages_know_section_and_subpoint():
    doc = parse_document(read_document(SPEECH))
    passages = make_passages(doc, 0)
    p = next(p for p in passages if "宪法法律知识" in p.text)
    assert p.section is not None and p.section.startswith("三、")
    assert p.subsection == "要夯实履职基础。"
    assert p.text.startswith("要夯实履职基础。")  # a short topic sentence is never left alone
    opening = next(p for p in passages if "讲四点意见" in p.text)
    assert opening.section is None and opening.subsection is None
    closing = next(p for p in passages if p.text.startswith("各位代表、同志们，当前正值"))
    assert closing.section is not None and closing.section.startswith("四、")
    assert closing.subsection is None


def test_long_sentence_is_cut_at_clauses_only_when_too_long():
    clause = "这是一个用来测试的分句内容较长一些"  # 17 characters
    sentence = "，".join([clause] * 12) + "。"  # one sentence of about 215 characters
    text = "短句在前。" + sentence
    spans = pack_spans(text, 0, len(text))
    pieces = [text[a:b] for a, b in spans]
    assert "".join(pieces) == text
    assert len(pieces) >= 2 and all(len(x) <= MAX_CHARS + SLACK_CHARS for x in pieces)
    assert all(x.endswith(("，", "。")) for x in pieces)


def test_a_sentence_that_fits_is_never_split():
    sentence = "甲" * 140 + "。"
    text = sentence + "乙" * 30 + "。"
    assert [text[a:b] for a, b in pack_spans(text, 0, len(text))] == [sentence, "乙" * 30 + "。"]


def test_untitled_document_has_no_title_passage():
    doc = parse_document(SourceText(Path("x.txt"), "一、第一部分\n内容。\n"))
    assert doc.title == "x" and not doc.title_in_text
    assert all(p.paragraph >= 1 for p in make_passages(doc, 0))
