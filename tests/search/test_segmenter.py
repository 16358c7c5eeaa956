"""The segmenter is rjieba (jieba-rs): it must give Python jieba's words, honour a jieba
user dictionary, and read jieba's frequencies for `informativeness` and `analyse`."""

import logging
import math
import subprocess
import sys
import threading
from pathlib import Path

import jieba
import pytest

import bot.search.tokenize as tokenize
from bot.search.tokenize import Tokenizer, fold

jieba.setLogLevel(logging.WARNING)

# Written for this test: a speech-like paragraph, an encyclopaedia-like one, traditional
# characters and full-width forms, and ASCII chunks that jieba-rs alone cuts otherwise.
TEXTS = [
    "各位代表，同志们：今天我们召开座谈会，听取大家对人大常委会工作的意见和建议。",
    "要夯实履职基础。切实加强宪法法律知识、经济社会发展知识的学习，提高议事质量和效率。",
    "长江是亚洲第一长河，全长6300余公里，流经青海、西藏、四川、云南等11个省级行政区。",
    "人大代表應該怎樣依法履職？ＡＢＣ１２３的電腦在臺灣售價約２．５萬元。",
    "该站位于zh-hk与zh-tw之间，距离2.4km，坐标a.l和hat-p-2b，参见www.example.com和formula_1。",
    "他用c++和c#编写程序，版本号为quicktime6.5.1，增长了3.5%，型号mk.6a。",
    "1995年至2010-2011赛季，球队在u-21联赛中取得了16-19的成绩。",
]


@pytest.fixture(scope="module")
def reference() -> jieba.Tokenizer:
    seg = jieba.Tokenizer()
    seg.initialize()
    return seg


def test_words_agree_with_python_jieba(reference: jieba.Tokenizer):
    seg = Tokenizer().segmenter()
    for text in TEXTS:
        folded = fold(text)
        assert seg.lcut(folded) == reference.lcut(folded, HMM=True), text


def test_search_mode_agrees_with_python_jieba(reference: jieba.Tokenizer):
    seg = Tokenizer().segmenter()
    for text in TEXTS[:3]:
        assert seg.lcut_for_search(fold(text)) == reference.lcut_for_search(fold(text), HMM=True)


def test_frequencies_are_jiebas(reference: jieba.Tokenizer):
    tok = Tokenizer()
    for word in ["人大代表", "工作", "的", "履职", "不存在的词语组合", "长江"]:
        expected = min(
            math.log(reference.total / (reference.FREQ.get(word, 0) + 1)),
            tokenize.MAX_INFORMATIVENESS,
        )
        assert tok.informativeness(word) == pytest.approx(expected, abs=1e-12)


def test_user_dictionary_as_jieba_reads_it(tmp_path: Path, reference: jieba.Tokenizer):
    userdict = tmp_path / "userdict.txt"
    # a byte-order mark, a frequency and a tag, a frequency alone, a bare word, a blank line
    userdict.write_text(
        "\ufeff强基固本 100000 n\n校长陪餐 10\n\n全过程人民民主\n", encoding="utf-8"
    )
    custom = jieba.Tokenizer()
    custom.initialize()
    custom.load_userdict(str(userdict))
    tok = Tokenizer(userdict)
    text = "凝心凝力、强基固本，发展全过程人民民主，推行校长陪餐制度。"
    assert tok.segmenter().lcut(fold(text)) == custom.lcut(fold(text))
    assert "强基固本" in tok.words(text) and "全过程人民民主" in tok.words(text)
    for word in ["强基固本", "校长陪餐", "全过程人民民主", "人大代表"]:
        expected = min(
            math.log(custom.total / (custom.FREQ.get(word, 0) + 1)), tokenize.MAX_INFORMATIVENESS
        )
        assert tok.informativeness(word) == pytest.approx(expected, abs=1e-9), word
    assert (
        Tokenizer().informativeness("强基固本") == tokenize.MAX_INFORMATIVENESS
    )  # no leak into the default


def test_analyse_shows_known_parts_as_before(reference: jieba.Tokenizer):
    query = Tokenizer().analyse("中华人民共和国全国人民代表大会常务委员会的职权是什么？")
    for part in query.shown:
        assert part in query.words or reference.FREQ.get(part), part
    assert "人民" in query.shown and "中华人民共和国" in query.shown


def test_signature_follows_the_tokenizer_version(monkeypatch: pytest.MonkeyPatch):
    before = Tokenizer().signature
    monkeypatch.setattr(tokenize, "TOKENIZER_VERSION", tokenize.TOKENIZER_VERSION + "-next")
    assert Tokenizer().signature != before


def test_segmenter_loads_once_across_threads():
    tok = Tokenizer()
    assert not tok.loaded  # lazy: nothing loaded until the first text
    results: list[list[str]] = []
    segmenters = set()

    def work() -> None:
        for text in TEXTS:
            results.append(tok.index_terms(text))
        segmenters.add(id(tok.segmenter()))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(segmenters) == 1
    expected = [Tokenizer().index_terms(text) for text in TEXTS]
    assert sorted(map(tuple, results)) == sorted(map(tuple, expected * 4))


def test_importing_the_tokenizer_loads_no_segmenter():
    code = "import sys, bot.search.tokenize; print('jieba' in sys.modules, 'rjieba' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.split() == ["False", "False"]


def test_index_parts_are_index_terms_in_two_parts():
    from bot.search.tokenize import char_grams

    for tok in (Tokenizer(), Tokenizer(grams=False), Tokenizer(search_mode=True)):
        for text in TEXTS + ["", "，。", "𠀀𠀁中文x中"]:
            words, gram_text = tok.index_parts(text)
            assert words + char_grams(gram_text) == tok.index_terms(text)


def test_gram_codes_are_char_grams():
    from collections import Counter

    from bot.search.tokenize import char_grams, gram_codes, gram_string

    texts = [fold(t) for t in TEXTS] + ["", "x", "𠀀𠀁中文x中", "中", " 长江 长江"]
    codes, owner = gram_codes(texts)
    for i, text in enumerate(texts):
        assert Counter(gram_string(c) for c in codes[owner == i].tolist()) == Counter(
            char_grams(text)
        )
    assert gram_codes([])[0].size == 0


def test_segmented_entry_counts_index_terms():
    """The build's per-document entry holds, per passage, exactly the counts of index_terms
    (a one-character word that is also a unigram is one term)."""
    from collections import Counter

    from bot.corpus.reading import SourceText
    from bot.corpus.structure import parse_document
    from bot.search.indexer import segment_document, term_string

    tok = Tokenizer()
    text = "标题\n一、总则\n" + "\n".join(TEXTS) + "\n长江长，长江水长。\n"
    document = parse_document(SourceText(Path("t.txt"), text))
    entry = segment_document(document, tok)
    terms = [term_string(t) for t in entry["terms"]]
    assert len(set(terms)) == len(terms)
    assert "长" in terms and "长江" in terms
    start = 0
    passages = entry["passages"].text_list()
    for text, count, length in zip(passages, entry["counts"], entry["lengths"], strict=True):
        ids, tfs = entry["ids"][start : start + count], entry["tfs"][start : start + count]
        start += count
        counted = dict(zip((terms[i] for i in ids), tfs.tolist(), strict=True))
        assert counted == Counter(tok.index_terms(text))
        assert length == len(tok.index_terms(text))
    assert start == len(entry["ids"])


def test_a_lone_surrogate_is_no_error():
    """A question can carry a lone surrogate (JSON "\\ud800"); OpenCC and rjieba take UTF-8 only."""
    tok = Tokenizer()
    assert fold("人大\ud800代表") == "人大\ufffd代表"
    assert tok.words("人大\ud800代表") == ["人大", "代表"]
    assert tok.analyse("\udcff人大代表").words == ["人大代表"]


def test_one_numbering_gives_each_term_one_number_across_documents():
    """A pool worker numbers the terms of all its documents in one `Numbering` (grams in
    sorted arrays, the newest in a dict until merged in): each term keeps its number, and a
    passage's numbered terms are its index terms."""
    import random
    from collections import Counter

    from bot.search.indexer import Numbering, passage_terms, term_string

    rng = random.Random(0)
    chars = [chr(0x4E00 + i) for i in range(300)]
    documents = [
        ["".join(rng.choice(chars) for _ in range(50)) + "，长江" for _ in range(12)]
        for _ in range(40)
    ]
    tok = Tokenizer()
    numbering = Numbering()
    strings: list[str] = []
    for texts in documents:
        entry = passage_terms(texts, tok, numbering)
        strings += [term_string(t) for t in entry["terms"]]
        assert len(strings) == len(numbering) == len(set(strings))
        start = 0
        for text, count in zip(texts, entry["counts"].tolist(), strict=True):
            ids = entry["ids"][start : start + count].tolist()
            tfs = entry["tfs"][start : start + count].tolist()
            start += count
            assert dict(zip((strings[i] for i in ids), tfs, strict=True)) == Counter(
                tok.index_terms(text)
            )
    assert numbering._codes.size > 4096  # the sorted arrays were used, not only the dict


def test_passages_segmented_together_give_what_each_gives_alone():
    """A build cuts a document's passages in one pass (joined by line breaks): the same
    words and grams as passage by passage, also for a passage ending in "\\r" (jieba keeps
    "\\r\\n" whole), holding a line break, or in traditional characters."""
    tok = Tokenizer()
    cases = [
        ["人大代表要加强学习", "zh-hk 2.4km 的测试", ""],
        ["甲乙丙\r", "丁戊己庚"],
        ["第一行\n第二行", "人民代表大会"],
        ["臺灣的經濟發展", "GDP　增長６％"],
    ]
    for texts in cases:
        assert tok.index_parts_of(texts) == [tok.index_parts(t) for t in texts]
