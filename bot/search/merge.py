"""Merging an edition's segments into one, with the deleted documents left out.

The documents, passages and texts of each segment's live documents are copied in order; the
postings are assembled by `bm25.build.write_postings` from each segment read as a run with
its deleted passages dropped and terms and passages renumbered (the first segment's terms
keep their order, so the largest segment is read range by range, never whole). The result is
a segment like any other, in a scratch folder of the store: `indexer.merge` adopts it and
publishes the edition that uses it.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bot.search.bm25.build import Run, SegmentRun, write_postings
from bot.search.checked_files import FileSet
from bot.search.editions import Edition, Store
from bot.search.passage_table import TEXTS_FILE, write_columns
from bot.search.segments import DOCS_BLOB, DOCS_OFFSETS, DocMeta, SegmentMeta


@dataclass
class Merged:
    """A merged segment, written into `folder` (not yet adopted by the store)."""

    meta: SegmentMeta
    folder: Path
    moved: dict[tuple[int, int], int]  # (segment, its document) -> the document in the merged
    term_maps: list[np.ndarray]  # per segment: its term ids -> the merged segment's (-1: gone)


def merge_segments(store: Store, edition: Edition) -> Merged:
    """One segment holding the live documents of all of `edition`'s segments, in order."""
    scratch = store.scratch("merge")
    files = FileSet(scratch)
    try:
        moved, pid_maps, lengths, n = _copy_documents(edition, files)
        term_maps, terms, live_df = _merged_terms(edition)
        runs: list[Run] = [
            SegmentRun(segment.postings, segment.folder, term_map, pid_map, df)
            for segment, term_map, pid_map, df in zip(
                edition.segments, term_maps, pid_maps, live_df, strict=True
            )
        ]
        try:
            write_postings(terms, runs, lengths, edition.manifest.params, files=files)
        finally:
            for run in runs:
                run.close()
        length_sum = int(lengths.astype(np.int64).sum())
        meta = SegmentMeta(
            uuid.uuid4().hex[:16],
            n,
            len(terms),
            sum(int(df[df > 0].sum()) for df in live_df),
            length_sum / n if n and length_sum else 0.0,
            tuple(_documents(edition, moved)),
            files.close(),
        )
        return Merged(meta, scratch, moved, term_maps)
    except BaseException:
        files.abandon()
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def _copy_documents(
    edition: Edition, files: FileSet
) -> tuple[dict[tuple[int, int], int], list[np.ndarray], np.ndarray, int]:
    """The live documents' passages (columns, texts) and stored documents, copied in order.
    Returns where each document went, each segment's passage ids -> the merged ones (-1 if
    deleted), the merged passages' lengths and their number."""
    texts = files.opened(TEXTS_FILE)
    blobs = files.opened(DOCS_BLOB)
    blob_ends: list[np.ndarray] = []
    moved: dict[tuple[int, int], int] = {}
    pid_maps: list[np.ndarray] = []
    columns: dict[str, list[np.ndarray]] = {n: [] for n in ("doc", "paragraph", "start", "end")}
    columns.update(path=[], sub=[])
    text_ends: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    strings: dict[str, int] = {}
    paths: dict[tuple[int, ...], int] = {}
    n = n_docs = text_at = blob_at = 0
    for s, (segment, dels) in enumerate(zip(edition.segments, edition.deletions, strict=True)):
        meta, table = segment.meta, segment.table
        live_docs = np.ones(len(meta.documents), dtype=bool)
        live_docs[dels.docs] = False
        doc_map = np.cumsum(live_docs) - 1 + n_docs
        for local in np.flatnonzero(live_docs).tolist():
            moved[(s, local)] = int(doc_map[local])
        doc = np.asarray(table.doc)
        live = np.flatnonzero(live_docs[doc])
        pid_map = np.full(meta.passages, -1, dtype=np.int64)
        pid_map[live] = np.arange(n, n + live.size)
        pid_maps.append(pid_map)
        string_map = np.asarray(
            [strings.setdefault(x, len(strings)) for x in table.strings] + [0], dtype=np.int32
        )
        path_map = np.asarray(
            [
                paths.setdefault(tuple(int(string_map[i]) for i in p), len(paths))
                for p in table.paths
            ]
            + [0],
            dtype=np.int32,
        )
        columns["doc"].append(doc_map[doc[live]].astype(np.int32))
        for name in ("paragraph", "start", "end"):
            columns[name].append(np.asarray(getattr(table, name))[live])
        columns["path"].append(path_map[np.asarray(table.path)[live]])
        sub = np.asarray(table.sub)[live]
        columns["sub"].append(np.where(sub >= 0, string_map[sub], -1).astype(np.int32))
        lengths.append(np.asarray(segment.postings.lengths, dtype=np.int32)[live])
        # texts and stored documents: runs of consecutive live passages / documents at a time
        offsets = np.asarray(table.offsets)
        sizes = offsets[live + 1] - offsets[live]
        text_ends.append(np.cumsum(sizes) + text_at)
        text_at += int(sizes.sum())
        for lo, hi in _runs(live):
            texts.write(table.blob[int(offsets[lo]) : int(offsets[hi])])
        doc_offsets = segment.doc_offsets
        docs_live = np.flatnonzero(live_docs)
        blob_sizes = doc_offsets[docs_live + 1] - doc_offsets[docs_live]
        blob_ends.append(np.cumsum(blob_sizes) + blob_at)
        blob_at += int(blob_sizes.sum())
        for lo, hi in _runs(docs_live):
            blobs.write(segment.blobs(lo, hi))
        n += live.size
        n_docs += docs_live.size
    files.finish(TEXTS_FILE)
    files.finish(DOCS_BLOB)
    files.array(DOCS_OFFSETS, np.concatenate([[0], *blob_ends]).astype(np.int64))
    joined = {
        name: np.concatenate(parts).astype(np.int32) if parts else np.zeros(0, np.int32)
        for name, parts in columns.items()
    }
    joined["offsets"] = np.concatenate([[0], *text_ends]).astype(np.int64)
    write_columns(files, joined, _ordered(strings), _ordered(paths))
    all_lengths = np.concatenate(lengths) if lengths else np.zeros(0, np.int32)
    return moved, pid_maps, all_lengths, n


def _merged_terms(edition: Edition) -> tuple[list[np.ndarray], list[str], list[np.ndarray]]:
    """Each segment's term ids -> merged ids (-1 for terms none of whose live passages are
    left), the merged terms (the first segment's still used, in order, then the others' new
    ones), and each segment's live document frequencies."""
    live_df = []
    for segment, dels in zip(edition.segments, edition.deletions, strict=True):
        df = segment.postings.df.copy()
        if dels.terms.size:
            np.subtract.at(df, dels.terms, dels.counts)
        live_df.append(df)
    first = edition.segments[0].postings
    kept = np.flatnonzero(live_df[0] > 0)
    first_map = np.full(first.n_terms, -1, dtype=np.int64)
    first_map[kept] = np.arange(kept.size)
    terms = [first.terms[t] for t in kept.tolist()]
    term_maps = [first_map]
    vocab = first.vocab
    extra: dict[str, int] = {}
    for segment, df in zip(edition.segments[1:], live_df[1:], strict=True):
        term_map = np.full(segment.postings.n_terms, -1, dtype=np.int64)
        for t in np.flatnonzero(df > 0).tolist():
            term = segment.postings.terms[t]
            base = vocab.get(term, -1)
            merged = int(first_map[base]) if base >= 0 else -1
            if merged < 0:
                merged = extra.setdefault(term, len(terms))
                if merged == len(terms):
                    terms.append(term)
            term_map[t] = merged
        term_maps.append(term_map)
    return term_maps, terms, live_df


def _documents(edition: Edition, moved: dict[tuple[int, int], int]) -> list[DocMeta]:
    out: list[DocMeta] = []
    first = 0
    for (s, local), _ in sorted(moved.items(), key=lambda item: item[1]):
        doc = edition.segments[s].meta.documents[local]
        out.append(replace(doc, first=first))
        first += doc.count
    return out


def _runs(ids: np.ndarray) -> list[tuple[int, int]]:
    """[lo, hi) ranges of consecutive values of the sorted `ids`."""
    if not ids.size:
        return []
    breaks = np.flatnonzero(np.diff(ids) != 1)
    starts = np.concatenate([[ids[0]], ids[breaks + 1]])
    ends = np.concatenate([ids[breaks] + 1, [ids[-1] + 1]])
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _ordered(numbered: dict) -> list:
    out: list = [None] * len(numbered)
    for value, i in numbered.items():
        out[i] = value
    return out
