"""The faster folding, word filter and character grams give the terms the plain code gave."""

import unicodedata

from bot.search.tokenize import Tokenizer, char_grams, fold, stopwords


def _han(ch: str) -> bool:
    return (
        "\u4e00" <= ch <= "\u9fff"
        or "\u3400" <= ch <= "\u4dbf"
        or "\U00020000" <= ch <= "\U0002ffff"
    )


def _plain_grams(folded: str) -> list[str]:
    out = [ch for ch in folded if _han(ch)]
    out += [
        folded[i : i + 2] for i in range(len(folded) - 1) if _han(folded[i]) and _han(folded[i + 1])
    ]
    return out


TEXTS = [
    "人大代表在人大工作中处于什么地位？",
    "ＡＢＣ１２３ 臺灣的電腦",
    "Hello, World! 人工智能 a1 ",
    "𠀀𠀁中文x中",
    "，。、",
    "",
    "  x  ",
    "2003年11月，涞滩镇被评为全国首批十大历史文化名镇。",
]


def test_char_grams_equal_the_plain_definition():
    for text in TEXTS:
        assert char_grams(fold(text)) == _plain_grams(fold(text))


def test_fold_keeps_length_and_folds_width_and_script():
    for text in TEXTS:
        assert len(fold(text)) == len(text)
    assert fold("ＡＢＣ１２３ 臺灣") == "abc123 台湾"


def test_index_terms_equal_the_plain_definition():
    tok = Tokenizer()
    stop = stopwords()
    for text in TEXTS:
        words = [w for w in tok.segmenter().lcut(fold(text))]
        kept = [
            w
            if any(unicodedata.category(c)[0] in "LN" for c in w) and w.strip() and w not in stop
            else ""
            for w in words
        ]
        runs, current = [], ""
        for w in kept + [""]:
            if w:
                current += w
            elif current:
                runs.append(current)
                current = ""
        expected = [w for w in kept if w] + _plain_grams(" ".join(runs))
        assert tok.index_terms(text) == expected
