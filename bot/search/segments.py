"""A segment: documents' passages, postings and the documents themselves, written once.

As in Lucene and tantivy, the index of a library is a list of *segments* (see
`bot.search.editions` for how an edition names the live ones). A segment is a folder written
once and never changed: its passages (columns and one texts file, `passage_table.py`), their
postings and forward rows (`bm25/postings.py`), and its documents as compressed pickles, read
when a document is shown. `segment.json` lists its documents (title, date, speaker, passage
range, text hash, notices) and every other file's size and CRC-32, recorded as they were
written.

A segment is checked when it is first opened in a process: sizes, the structure of its
arrays, and the checksums of files up to `VERIFY_NOW_BYTES`; larger files (postings, texts)
are checksummed on a background thread, and damage found there is reported through
`on_damage` (the edition is withdrawn, and the next open rebuilds). A segment stays open (its
files mapped, or held by a descriptor) as long as an edition uses it, so removing its folder
does not disturb the questions being answered from it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import uuid
import weakref
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.corpus.structure import Document
from bot.search.bm25 import BM25Params, Postings
from bot.search.bm25.build import RunCollector, write_postings
from bot.search.checked_files import (
    FileDamaged,
    FileSet,
    FileSum,
    check_size,
    verify,
    verify_elsewhere,
)
from bot.search.passage_table import TEXTS_FILE, DocumentPassages, PassageTable, TableBuilder

log = logging.getLogger(__name__)

FORMAT = "7"
SEGMENT_FILE = "segment.json"
DOCS_BLOB = "documents.bin"
DOCS_OFFSETS = "documents.offsets.npy"
VERIFY_NOW_BYTES = 32 << 20  # files up to this size are checksummed when a segment opens
VERIFY_RATE = 32 << 20  # bytes a second the larger ones are checksummed at, in the background
_COMPRESSION = 3  # zlib level of the stored documents (~60% of their pickles)
_SPILL_FROM = 4 << 20  # postings of a segment being written beyond which runs go to disk


class IndexDamaged(Exception):
    """A file of the saved index is missing, damaged or does not fit the others."""


# ---- what a segment holds -------------------------------------------------------------------


@dataclass(frozen=True)
class DocMeta:
    """One document of a segment: what is listed of it, and its passages first..first+count."""

    title: str
    date: str | None
    speaker: str | None
    first: int
    count: int
    text_key: str  # its paragraphs' hash: the same text in another file is not indexed twice
    notices: tuple[str, ...] = ()  # warnings about it (no headings, lossy decoding, ...)


@dataclass(frozen=True)
class SegmentMeta:
    id: str
    passages: int
    terms: int
    postings: int
    avgdl: float
    documents: tuple[DocMeta, ...]
    files: dict[str, FileSum]

    def to_bytes(self) -> bytes:
        data = {
            "format": FORMAT,
            "id": self.id,
            "passages": self.passages,
            "terms": self.terms,
            "postings": self.postings,
            "avgdl": self.avgdl,
            "documents": [
                [d.title, d.date, d.speaker, d.first, d.count, d.text_key, list(d.notices)]
                for d in self.documents
            ],
            "files": {name: s.as_json() for name, s in self.files.items()},
        }
        return json.dumps(data).encode("ascii")  # ASCII escapes: file names as the OS gives them

    @classmethod
    def from_bytes(cls, data: bytes) -> SegmentMeta:
        try:
            raw = json.loads(data.decode("ascii"))
            if raw["format"] != FORMAT:
                raise ValueError(f"format {raw['format']!r}")
            documents = tuple(
                DocMeta(
                    str(t), _opt_str(d), _opt_str(s), int(f), int(c), str(k), tuple(map(str, n))
                )
                for t, d, s, f, c, k, n in raw["documents"]
            )
            meta = cls(
                str(raw["id"]),
                int(raw["passages"]),
                int(raw["terms"]),
                int(raw["postings"]),
                float(raw["avgdl"]),
                documents,
                {str(k): FileSum.from_json(v) for k, v in raw["files"].items()},
            )
        except (KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
            raise IndexDamaged(f"{SEGMENT_FILE}: {exc}") from None
        at = 0
        for d in meta.documents:
            if d.first != at or d.count <= 0:
                raise IndexDamaged(f"{SEGMENT_FILE}: documents do not cover the passages")
            at += d.count
        if at != meta.passages:
            raise IndexDamaged(f"{SEGMENT_FILE}: documents do not cover the passages")
        return meta


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass
class IndexedDocument:
    """A document cut and segmented, its terms numbered as the segment being written numbers
    them: for each passage its distinct terms (`ids`, `tfs`; `counts` of them a passage) and
    its length in tokens; `blob` is the compressed pickle of the `Document`."""

    title: str
    date: str | None
    speaker: str | None
    text_key: str
    notices: tuple[str, ...]
    passages: DocumentPassages
    ids: np.ndarray
    tfs: np.ndarray
    counts: np.ndarray
    lengths: np.ndarray
    blob: bytes


def document_blob(document: Document) -> bytes:
    import pickle

    return zlib.compress(pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL), _COMPRESSION)


def _document_of(blob: bytes) -> Document:
    import pickle

    document = pickle.loads(zlib.decompress(blob))
    if not isinstance(document, Document):
        raise IndexDamaged("a stored document is not a document")
    return document


# ---- writing a segment ----------------------------------------------------------------------


class SegmentWriter:
    """Collects documents into a new segment in a temporary folder of the store; `finish`
    writes the rest and returns its metadata (the folder is then ready to be adopted)."""

    def __init__(self, folder: Path, params: BM25Params, expected_postings: int = 0) -> None:
        self.folder = folder
        self.params = params
        self.files = FileSet(folder)
        self.table = TableBuilder(self.files.opened(TEXTS_FILE))
        self.blobs = self.files.opened(DOCS_BLOB)
        self.blob_ends: list[int] = []
        spill = folder / "runs" if expected_postings >= _SPILL_FROM else None
        self.collector = RunCollector(spill)
        self.lengths: list[np.ndarray] = []
        self.documents: list[DocMeta] = []
        self.n = 0

    def add(self, doc: IndexedDocument) -> int:
        """Add a document; its number in the segment."""
        number = len(self.documents)
        count = len(doc.passages)
        self.table.add_document(number, doc.passages)
        pids = np.repeat(np.arange(self.n, self.n + count, dtype=np.uint32), doc.counts)
        self.collector.add(doc.ids, pids, doc.tfs)
        self.lengths.append(np.asarray(doc.lengths, dtype=np.int32))
        self.blobs.write(doc.blob)
        self.blob_ends.append(self.blobs.size)
        self.documents.append(
            DocMeta(doc.title, doc.date, doc.speaker, self.n, count, doc.text_key, doc.notices)
        )
        self.n += count
        return number

    def finish(self, terms: list[str]) -> SegmentMeta:
        files = self.files
        files.finish(TEXTS_FILE)
        files.finish(DOCS_BLOB)
        files.array(DOCS_OFFSETS, np.asarray([0] + self.blob_ends, dtype=np.int64))
        self.table.write(files)
        del self.table
        lengths = np.concatenate(self.lengths) if self.lengths else np.zeros(0, dtype=np.int32)
        runs = self.collector.finish()
        try:
            write_postings(terms, runs, lengths, self.params, files=files)
        finally:
            for run in runs:
                run.close()
        n_postings = sum(run.size for run in runs)
        shutil.rmtree(self.folder / "runs", ignore_errors=True)
        length_sum = int(lengths.astype(np.int64).sum())
        meta = SegmentMeta(
            uuid.uuid4().hex[:16],
            self.n,
            len(terms),
            n_postings,
            length_sum / self.n if self.n and length_sum else 0.0,
            tuple(self.documents),
            files.close(),
        )
        return meta

    def abandon(self) -> None:
        self.files.abandon()


# ---- a segment, opened ------------------------------------------------------------------------


class Segment:
    """A saved segment, opened: postings, passage table (the segment's own document numbers)
    and its documents, read on demand. Every file stays open (mapped, or an open descriptor)
    while the segment is in use, so that removing the folder does not disturb it."""

    def __init__(self, folder: Path, meta: SegmentMeta) -> None:
        self.folder, self.meta = folder, meta
        self.damaged: str | None = None
        self.checked = threading.Event()  # set once every file's checksum has been compared
        self.postings = Postings.open(folder, meta.terms, meta.avgdl)
        self.table = PassageTable.load(folder, [d.title for d in meta.documents])
        self.doc_offsets = np.load(folder / DOCS_OFFSETS)
        self._docs_fd = os.open(folder / DOCS_BLOB, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        weakref.finalize(self, os.close, self._docs_fd)

    @property
    def id(self) -> str:
        return self.meta.id

    def check(self) -> None:
        """IndexDamaged unless the arrays fit together and fit the metadata."""
        meta = self.meta
        try:
            self.postings.check()
            self.table.check(len(meta.documents))
        except ValueError as exc:
            raise IndexDamaged(str(exc)) from None
        if (
            self.postings.n_docs != meta.passages
            or len(self.table) != meta.passages
            or self.postings.n_postings != meta.postings
            or self.doc_offsets.shape != (len(meta.documents) + 1,)
        ):
            raise IndexDamaged("segment files do not match its metadata")
        offsets = self.doc_offsets
        if offsets.size and (
            int(offsets[0]) != 0
            or np.any(np.diff(offsets) <= 0)
            or int(offsets[-1]) != meta.files[DOCS_BLOB].size
        ):
            raise IndexDamaged("document offsets do not fit the documents file")
        doc = np.asarray(self.table.doc)
        firsts = np.asarray([d.first for d in meta.documents], dtype=np.int64)
        if doc.size and not np.array_equal(np.searchsorted(doc, np.arange(len(firsts))), firsts):
            raise IndexDamaged("passages do not match their documents")

    def document(self, local: int) -> Document:
        lo, hi = int(self.doc_offsets[local]), int(self.doc_offsets[local + 1])
        return _document_of(_pread(self._docs_fd, hi - lo, lo))

    def blobs(self, lo: int, hi: int) -> bytes:
        """The stored bytes of documents lo <= d < hi, one after the other."""
        a, b = int(self.doc_offsets[lo]), int(self.doc_offsets[hi])
        return _pread(self._docs_fd, b - a, a)


def _pread(fd: int, size: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        data = os.pread(fd, size, offset)
    else:  # pragma: no cover - Windows
        with _PREAD_LOCK:
            os.lseek(fd, offset, os.SEEK_SET)
            data = os.read(fd, size)
    if len(data) != size:
        raise IndexDamaged("a stored document is cut short")
    return data


_PREAD_LOCK = threading.Lock()
_OPEN: weakref.WeakValueDictionary[str, Segment] = weakref.WeakValueDictionary()
_OPEN_LOCK = threading.Lock()


def open_segment(
    folder: Path, expected: FileSum, on_damage: Callable[[Segment], None] | None = None
) -> Segment:
    """The segment in `folder`, whose `segment.json` must match `expected`; one object per
    segment and process (segments never change), checked when first opened; `on_damage` is
    called if its large files turn out damaged later."""
    key = str(folder)
    with _OPEN_LOCK:
        segment = _OPEN.get(key)
    if segment is not None:
        if segment.damaged:
            raise IndexDamaged(segment.damaged)
        return segment
    try:
        verify(folder, SEGMENT_FILE, expected)
        meta = SegmentMeta.from_bytes((folder / SEGMENT_FILE).read_bytes())
        if meta.id != folder.name.removeprefix("seg-"):
            raise IndexDamaged(f"{SEGMENT_FILE} names another segment")
        later = []
        for name, expected_sum in meta.files.items():
            if expected_sum.size <= VERIFY_NOW_BYTES:
                verify(folder, name, expected_sum)
            else:
                check_size(folder, name, expected_sum)
                later.append((name, expected_sum))
        segment = Segment(folder, meta)
        segment.check()
    except FileDamaged as exc:
        raise IndexDamaged(f"{folder.name}: {exc}") from None
    except IndexDamaged as exc:
        raise IndexDamaged(f"{folder.name}: {exc}") from None
    except (OSError, ValueError) as exc:
        raise IndexDamaged(f"{folder.name}: {type(exc).__name__}: {exc}") from None
    if later:
        threading.Thread(
            target=_verify_later,
            args=(segment, later, on_damage),
            name="verify-index",
            daemon=True,
        ).start()
    else:
        segment.checked.set()
    with _OPEN_LOCK:
        _OPEN[key] = segment
    return segment


def _verify_later(
    segment: Segment,
    files: list[tuple[str, FileSum]],
    on_damage: Callable[[Segment], None] | None,
) -> None:
    """Checksum the large files of a segment already in use, in a process of its own at a
    gentle pace and the lowest priority (the questions being answered come first); damage is
    reported."""
    try:
        verify_elsewhere(segment.folder, files, VERIFY_RATE)
    except FileDamaged as exc:
        segment.damaged = f"{segment.folder.name}: {exc}"
        log.warning("the saved index is damaged (%s); it is rebuilt at the next reload", exc)
        if on_damage is not None:
            on_damage(segment)
    except OSError as exc:  # the check could not be made: say so, the index is used as it is
        log.warning("could not check the saved index's large files: %s", exc)
    finally:
        segment.checked.set()
