from pathlib import Path

from bot.search.tokenize import Tokenizer, fold


def test_fold_width_case_and_script_keeps_length():
    original = "人大代表應該怎樣依法履職？ＡＢＣ１２３"
    folded = fold(original)
    assert folded == "人大代表应该怎样依法履职?abc123"
    assert len(folded) == len(original)


def test_words_drop_punctuation_and_question_words():
    tok = Tokenizer()
    assert tok.words("人大代表需要学习哪些知识？") == ["人大代表", "学习", "知识"]
    assert tok.words("什么？怎么！吗") == []


def test_traditional_question_gives_simplified_terms():
    tok = Tokenizer()
    assert tok.query_terms("人大代表應該怎樣依法履職？") == tok.query_terms(
        "人大代表应该怎样依法履职？"
    )


def test_index_terms_include_sub_words():
    terms = Tokenizer().index_terms("人大代表")
    assert {"人大", "代表", "人大代表"} <= set(terms)


def test_user_dictionary_changes_segmentation_and_signature(tmp_path: Path):
    plain = Tokenizer()
    word = "强基固本"
    userdict = tmp_path / "userdict.txt"
    userdict.write_text(f"{word} 100000 n\n", encoding="utf-8")
    custom = Tokenizer(userdict)
    assert word in custom.words("凝心凝力、强基固本，全面加强")
    assert custom.signature != plain.signature


def test_informativeness_is_higher_for_rarer_words():
    tok = Tokenizer()
    assert tok.informativeness("人大代表") > tok.informativeness("工作")
