from bot.answer.engine import MAX_QUESTION_CHARS, highlight_spans


def test_example_question_gets_the_passage_and_its_section(speech_engine):
    answer = speech_engine.ask("人大代表需要学习哪些知识？")
    assert answer.found
    best = answer.best.passage
    assert "宪法法律知识" in best.text
    assert best.section == "三、凝心凝力、强基固本，全面加强人大及其常委会自身建设"
    assert best.subsection == "要夯实履职基础。"
    assert best.document == "在全市2022年度人大代表集中视察座谈会上的讲话"
    assert best.paragraph == 4  # the salutation line is metadata, not paragraph 1


def test_traditional_characters_are_folded(speech_engine):
    answer = speech_engine.ask("人大代表應該怎樣依法履職？")
    assert answer.found and "支持和保障人大代表依法履职" in answer.best.passage.text
    assert answer.best.passage.section.startswith("四、")


def test_full_width_and_noise_do_not_matter(speech_engine):
    plain = speech_engine.ask("调查研究工作要怎么改进？")
    noisy = speech_engine.ask("  调查研究工作，要怎么改进？？！ ")
    assert plain.best.passage.pid == noisy.best.passage.pid


def test_unanswerable_questions_are_not_found(speech_engine):
    for question in [
        "如何申请护照？",
        "明天股票会涨吗？",
        "Who won the 1998 FIFA World Cup?",
        "今天中午吃什么好？",
    ]:
        answer = speech_engine.ask(question)
        assert not answer.found, question


def test_empty_and_stopword_only_questions(speech_engine):
    for question in ["", "   ", "？？", "什么？"]:
        answer = speech_engine.ask(question)
        assert answer.empty and not answer.found and answer.hits == ()


def test_long_question_is_cut_not_refused(speech_engine):
    answer = speech_engine.ask("人大代表需要学习哪些知识？" * 400)  # 5,200 characters
    assert answer.truncated and len(answer.question) == MAX_QUESTION_CHARS
    assert answer.found and "知识" in answer.best.passage.text


def test_html_in_question_is_just_text(speech_engine):
    answer = speech_engine.ask("<b>一府一委两院</b> & 要树立什么观念？")
    assert answer.found and "牢固树立法治观念" in answer.best.passage.text
    tagged = speech_engine.ask("<b>人大代表</b>需要学习哪些知识 &amp; 本领？")
    plain = speech_engine.ask("人大代表需要学习哪些知识 & 本领？")
    assert tagged.found and tagged.best.passage.pid == plain.best.passage.pid
    assert tagged.question == "<b>人大代表</b>需要学习哪些知识 &amp; 本领？"  # shown as asked
    assert speech_engine.ask("<b></b>&nbsp;").empty


def test_more_results_continue_the_ranking(speech_engine):
    first = speech_engine.ask("人大代表", top=3)
    second = speech_engine.ask("人大代表", top=1, offset=1)
    assert second.best.passage.pid == first.hits[1].passage.pid
    assert len({h.passage.pid for h in first.hits}) == 3


def test_hits_carry_matched_terms_and_scores_descend(speech_engine):
    answer = speech_engine.ask("怎么增强代表履职的内生动力？", top=5)
    assert {"内生", "动力"} <= set(answer.best.terms)
    scores = [h.score for h in answer.hits]
    assert scores == sorted(scores, reverse=True)


def test_table_of_contents_and_section_text(speech_engine):
    toc = speech_engine.toc()
    assert [e.heading[:2] for e in toc] == ["一、", "二、", "三、", "四、"]
    assert all(e.passages > 0 for e in toc)
    text = speech_engine.section_text(0, 2)
    assert text[0].startswith("市人大及其常委会要适应新时代人大工作需要")
    assert speech_engine.section_text(0, 99) is None and speech_engine.section_text(5, 0) is None


def test_paragraph_and_neighbours(speech_engine):
    best = speech_engine.ask("人大代表需要学习哪些知识？").best.passage
    paragraph = speech_engine.paragraph_text(best)
    assert paragraph[best.start : best.end] == best.text
    before, after = speech_engine.neighbours(best)
    assert before.pid == best.pid - 1 and after.pid == best.pid + 1
    assert speech_engine.passage(-1) is None and speech_engine.passage(10**6) is None


def test_examples_are_answerable(speech_engine):
    examples = speech_engine.examples()
    assert len(examples) == 2 and len(set(examples)) == 2
    assert all(speech_engine.ask(q).found for q in examples)


def test_highlight_spans_on_original_text():
    text = "人大代表應該依法履職，人大代表"
    spans = highlight_spans(text, ["人大代表", "履职", "人大"])
    assert [text[a:b] for a, b in spans] == ["人大代表", "履職", "人大代表"]


def test_document_infos_count_passages_like_the_passages_do(speech_engine, tmp_path):
    from bot.answer import Engine

    folder = tmp_path / "lib"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "甲文件\n一、第一节\n第一段内容说明节水。\n第二段内容说明节电。\n", encoding="utf-8"
    )
    (folder / "b.txt").write_text("乙文件\n植树造林的安排。\n", encoding="utf-8")
    for engine in (speech_engine, Engine.open(folder, tmp_path / "cache")):
        index = engine.index
        infos = index.document_infos()
        assert [i.title for i in infos] == [d.title for d in index.documents]
        counts = [sum(1 for p in index.passages if p.doc == d) for d in range(len(index.documents))]
        assert [i.count for i in infos] == counts
        assert [index.doc_range(d) for d in range(len(infos))] == [
            (i.first, i.first + i.count) for i in infos
        ]
