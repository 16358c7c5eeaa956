from dataclasses import replace
from pathlib import Path

import pytest

from bot.corpus.passages import make_passages
from bot.corpus.reading import read_document
from bot.corpus.structure import parse_document
from bot.search.passage_table import DocumentPassages, PassageTable, TableBuilder
from tests.support.paths import SPEECH


@pytest.fixture(scope="module")
def speech_passages():
    doc = parse_document(read_document(SPEECH))
    return doc.title, make_passages(doc, 0)


def test_columns_give_back_the_same_passages(speech_passages, tmp_path: Path):
    title, passages = speech_passages
    table = PassageTable.from_passages(passages, [title])
    assert len(table) == len(passages)
    assert list(table) == passages
    table.save(tmp_path)
    loaded = PassageTable.load(tmp_path)
    assert list(loaded) == passages
    assert loaded[-1] == passages[-1] and loaded[3:5] == passages[3:5]
    assert loaded.text(5) == passages[5].text
    with pytest.raises(IndexError):
        loaded[len(passages)]


def test_headings_are_interned_once(speech_passages):
    title, passages = speech_passages
    table = PassageTable.from_passages(passages, [title])
    distinct = {h for p in passages for h in p.headings} | {
        p.subsection for p in passages if p.subsection
    }
    assert len(table.strings) == len(distinct)
    assert list(table.doc) == [0] * len(passages)


def test_documents_added_as_columns_give_back_their_passages(speech_passages):
    """A build adds each document's passages as columns made in its worker: the table gives
    back the same passages, also for headings repeated across documents, no subsection, an
    empty text, a lone surrogate and a document without passages."""
    title, passages = speech_passages
    odd = [
        replace(
            passages[1],
            doc=1,
            document="附件文件",
            section="附件",
            subsection=None,
            headings=("附件",),
            text="文字\udc80半个",
        ),
        replace(passages[2], doc=1, document="附件文件", subsection="新的小标题", text=""),
    ]
    again = [replace(p, doc=2) for p in passages[:3]]
    documents = [passages, odd, again, []]
    builder = TableBuilder()
    for doc, ps in enumerate(documents):
        columns = DocumentPassages.of(ps)
        assert len(columns) == len(ps) and columns.text_list() == [p.text for p in ps]
        builder.add_document(doc, columns)
    table = PassageTable(
        builder.columns(),
        b"".join(builder.chunks),
        [title, "附件文件", title, "空"],
        builder.string_list(),
        builder.path_list(),
    )
    everything = [p for ps in documents for p in ps]
    assert [replace(p, pid=0) for p in table] == [replace(p, pid=0) for p in everything]
    distinct = {h for p in everything for h in p.headings} | {
        p.subsection for p in everything if p.subsection
    }
    assert len(table.strings) == len(distinct)  # each heading interned once


def test_empty_table(tmp_path: Path):
    table = PassageTable.from_passages([], [])
    table.save(tmp_path)
    assert len(PassageTable.load(tmp_path)) == 0


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux's /proc")
def test_loaded_texts_are_read_by_range_not_mapped(speech_passages, tmp_path: Path):
    title, passages = speech_passages
    PassageTable.from_passages(passages, [title]).save(tmp_path)
    loaded = PassageTable.load(tmp_path)
    assert [loaded.text(i) for i in range(len(passages))] == [p.text for p in passages]
    assert bytes(loaded.blob) == (tmp_path / "texts.bin").read_bytes()
    assert str(tmp_path / "texts.bin") not in Path("/proc/self/maps").read_text()
