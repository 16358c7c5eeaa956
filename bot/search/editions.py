"""Editions of a corpus's index, and the store folder that holds them.

An *edition* (`live.json`, replaced atomically) names the segments in use, which of their
documents are deleted (a deletion file per changed segment, with the deleted passages'
document frequencies so that BM25's statistics stay exact), and which file each live
document came from. Adding a document writes a small new segment; removing one writes a
deletion file; merging writes one segment in place of several. A question only ever reads a
published edition, opened whole (`Edition.open`) before it is swapped in.

A store is one folder under the cache (`corpora/<key>/`, the key made of the corpus path, the
BM25 parameters and the tokenizer's kind, so that a cache shared by several corpora or
setups keeps each); `store.json` says whose it is. Writers take `lock` (one writer at a time,
across processes); a merge works without it and takes it only to publish. Whatever the live
edition does not name is removed once a new edition is published, and by the next writer
after a crash: old segments, deletion files, unfinished `tmp-*` and `merge-*` folders.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import shutil
import tempfile
import threading
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, overload

import numpy as np

from bot.atomic import fsync_folder, write_atomic
from bot.corpus.structure import Document
from bot.search.bm25 import BM25Index, BM25Params, SegmentPart
from bot.search.checked_files import FileDamaged, FileSet, FileSum, verify
from bot.search.passage_table import PassageTable
from bot.search.segments import (
    FORMAT,
    SEGMENT_FILE,
    IndexDamaged,
    Segment,
    SegmentMeta,
    open_segment,
)

log = logging.getLogger(__name__)

LIVE = "live.json"
STORE_FILE = "store.json"
DOCUMENT_CACHE = 64  # documents kept unpickled (paragraph_text, section_text, toc)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass
class FileEntry:
    """A corpus file as an edition saw it: its size, modification time and content key, and
    where its document is (`seg`, `doc`), or why it was passed over (`problem`; `dup` is the
    text it repeats)."""

    path: str
    size: int
    mtime: int
    key: str
    seg: int = -1
    doc: int = -1
    problem: str | None = None
    dup: str | None = None

    def to_json(self) -> list:
        return [
            self.path,
            self.size,
            self.mtime,
            self.key,
            self.seg,
            self.doc,
            self.problem,
            self.dup,
        ]

    @classmethod
    def from_json(cls, raw: list) -> FileEntry:
        path, size, mtime, key, seg, doc, problem, dup = raw
        return cls(
            str(path),
            int(size),
            int(mtime),
            str(key),
            int(seg),
            int(doc),
            _opt_str(problem),
            _opt_str(dup),
        )


@dataclass
class SegmentEntry:
    id: str
    sum: FileSum  # of its segment.json
    deletions: str | None = None  # its deletion file, if any of its documents are deleted
    deletions_sum: FileSum | None = None


@dataclass
class Manifest:
    """An edition: the segments in use, their deletions, and the corpus's files."""

    edition: int
    created_ns: int
    parser: str
    tokenizer: str
    params: BM25Params
    segments: list[SegmentEntry]
    files: list[FileEntry]

    def to_bytes(self) -> bytes:
        body = {
            "format": FORMAT,
            "edition": self.edition,
            "created_ns": self.created_ns,
            "parser": self.parser,
            "tokenizer": self.tokenizer,
            "params": asdict(self.params),
            "segments": [
                [
                    s.id,
                    s.sum.as_json(),
                    s.deletions,
                    s.deletions_sum.as_json() if s.deletions_sum else None,
                ]
                for s in self.segments
            ],
            "files": [f.to_json() for f in self.files],
        }
        text = json.dumps(body, sort_keys=True)
        return json.dumps({"crc": zlib.crc32(text.encode("ascii")), "body": body}).encode("ascii")

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        """The manifest; IndexDamaged if it is not one (a missing key, a bad checksum)."""
        try:
            outer = json.loads(data.decode("ascii"))
            body = outer["body"]
            if zlib.crc32(json.dumps(body, sort_keys=True).encode("ascii")) != outer["crc"]:
                raise ValueError("checksum mismatch")
            if body["format"] != FORMAT:
                raise ValueError(f"format {body['format']!r}")
            segments = [
                SegmentEntry(
                    str(i), FileSum.from_json(s), _opt_str(d), FileSum.from_json(ds) if ds else None
                )
                for i, s, d, ds in body["segments"]
            ]
            manifest = cls(
                int(body["edition"]),
                int(body["created_ns"]),
                str(body["parser"]),
                str(body["tokenizer"]),
                BM25Params(**body["params"]),
                segments,
                [FileEntry.from_json(f) for f in body["files"]],
            )
        except (KeyError, TypeError, ValueError, UnicodeDecodeError, AttributeError) as exc:
            raise IndexDamaged(f"{LIVE}: {type(exc).__name__}: {exc}") from None
        if not manifest.segments:
            raise IndexDamaged(f"{LIVE}: no segments")
        return manifest


@dataclass(frozen=True)
class Deletions:
    """A segment's deleted documents and what their passages held (segment term ids and how
    many deleted passages have each)."""

    docs: np.ndarray
    terms: np.ndarray
    counts: np.ndarray

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez(buffer, docs=self.docs, terms=self.terms, counts=self.counts)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Deletions:
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as z:
                return cls(
                    z["docs"].astype(np.int64),
                    z["terms"].astype(np.int64),
                    z["counts"].astype(np.int64),
                )
        except (KeyError, ValueError, OSError, zlib.error) as exc:
            raise IndexDamaged(f"deletions: {exc}") from None


NO_DELETIONS = Deletions(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))


def passages_of(meta: SegmentMeta, docs: np.ndarray) -> np.ndarray:
    """The passages of the segment's documents `docs` (sorted)."""
    if not len(docs):
        return np.zeros(0, np.int64)
    parts = [
        np.arange(meta.documents[d].first, meta.documents[d].first + meta.documents[d].count)
        for d in sorted(docs.tolist())
    ]
    return np.concatenate(parts).astype(np.int64)


# ---- an edition, opened -------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentInfo:
    """What is kept in memory of each document: enough to list it and find its passages."""

    title: str
    path: str
    date: str | None
    speaker: str | None
    key: str  # its file's content key
    first: int  # its passages are first <= pid < first + count
    count: int
    text_key: str = ""  # its paragraphs' hash (the same text in another file is not indexed twice)


class LazyDocuments(Sequence[Document]):
    """The indexed documents, read from their segments when asked for (with a small LRU)."""

    def __init__(
        self,
        infos: list[DocumentInfo],
        where: list[tuple[Segment, int]],
        size: int = DOCUMENT_CACHE,
    ) -> None:
        self.infos = infos
        self._where = where
        self.size = size
        self._cache: OrderedDict[int, Document] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.infos)

    @overload
    def __getitem__(self, i: int) -> Document: ...
    @overload
    def __getitem__(self, i: slice) -> list[Document]: ...
    def __getitem__(self, i: int | slice) -> Document | list[Document]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        with self._lock:
            if i in self._cache:
                self._cache.move_to_end(i)
                return self._cache[i]
        segment, local = self._where[i]
        document = replace(segment.document(local), path=self.infos[i].path)
        with self._lock:  # questions may be answered from several threads
            self._cache[i] = document
            if len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return document

    def __iter__(self) -> Iterator[Document]:
        return (self[i] for i in range(len(self)))


@dataclass
class Edition:
    """A published edition, opened: everything a question reads."""

    store: Store
    manifest: Manifest
    segments: list[Segment]
    deletions: list[Deletions]
    bm25: BM25Index
    passages: PassageTable
    infos: list[DocumentInfo]
    documents: LazyDocuments
    unit_of: np.ndarray
    leads: np.ndarray
    notices: list[tuple[str, str, bool]]  # (path, reason, skipped) saved with the files

    @property
    def fingerprint(self) -> str:
        """Changes whenever the passages could change: each edition's own."""
        made = f"{self.store.key}:{self.manifest.edition}:{self.manifest.created_ns}"
        return hashlib.sha256(made.encode()).hexdigest()[:24]

    @property
    def damaged(self) -> str | None:
        return next((s.damaged for s in self.segments if s.damaged), None)

    @property
    def deleted_passages(self) -> int:
        return self.bm25.n_docs - self.bm25.n_live

    @property
    def tail_passages(self) -> int:
        return self.bm25.n_docs - self.bm25.n_base

    @classmethod
    def open(cls, store: Store, manifest: Manifest) -> Edition:
        """Open every segment of `manifest` (IndexDamaged if anything does not fit)."""
        segments = [
            open_segment(store.folder / f"seg-{s.id}", s.sum, store.withdraw)
            for s in manifest.segments
        ]
        deletions = [store.read_deletions(s) for s in manifest.segments]
        parts = []
        for segment, dels in zip(segments, deletions, strict=False):
            n_docs = len(segment.meta.documents)
            if dels.docs.size and (int(dels.docs.min()) < 0 or int(dels.docs.max()) >= n_docs):
                raise IndexDamaged("deletions name documents the segment does not have")
            if dels.terms.size and (
                int(dels.terms.min()) < 0 or int(dels.terms.max()) >= segment.meta.terms
            ):
                raise IndexDamaged("deletions name terms the segment does not have")
            parts.append(
                SegmentPart(
                    segment.postings,
                    passages_of(segment.meta, dels.docs),
                    dels.terms,
                    dels.counts,
                )
            )
        try:
            bm25 = BM25Index(manifest.params, segments[0].postings, parts)
        except ValueError as exc:
            raise IndexDamaged(str(exc)) from None

        # documents: the live ones in segment order, each with the file it came from
        by_place = {(f.seg, f.doc): f for f in manifest.files if f.seg >= 0}
        infos: list[DocumentInfo] = []
        where: list[tuple[Segment, int]] = []
        doc_maps: list[np.ndarray] = []
        at = 0
        for s, (segment, dels) in enumerate(zip(segments, deletions, strict=False)):
            deleted = set(dels.docs.tolist())
            doc_map = np.full(len(segment.meta.documents), -1, dtype=np.int32)
            for local, meta in enumerate(segment.meta.documents):
                if local in deleted:
                    continue
                entry = by_place.pop((s, local), None)
                if entry is None:
                    raise IndexDamaged(f"{LIVE}: a live document has no file")
                doc_map[local] = len(infos)
                infos.append(
                    DocumentInfo(
                        meta.title,
                        entry.path,
                        meta.date,
                        meta.speaker,
                        entry.key,
                        at + meta.first,
                        meta.count,
                        meta.text_key,
                    )
                )
                where.append((segment, local))
            doc_maps.append(doc_map)
            at += segment.meta.passages
        if by_place:
            raise IndexDamaged(f"{LIVE}: files point at documents that are not there")
        passages = PassageTable.joined(
            [segment.table for segment in segments], doc_maps, [i.title for i in infos]
        )
        unit_of, leads = _layout(segments)
        notices = []
        for f in manifest.files:
            if f.problem is not None:
                notices.append((f.path, f.problem, True))
            elif f.seg >= 0:
                for note in segments[f.seg].meta.documents[f.doc].notices:
                    notices.append((f.path, note, False))
        return cls(
            store,
            manifest,
            segments,
            deletions,
            bm25,
            passages,
            infos,
            LazyDocuments(infos, where),
            unit_of,
            leads,
            notices,
        )


def _layout(segments: list[Segment]) -> tuple[np.ndarray, np.ndarray]:
    """(paragraph unit of each passage, whether it opens its unit), through all segments."""
    leads_parts = []
    for segment in segments:
        doc = np.asarray(segment.table.doc)
        paragraph = np.asarray(segment.table.paragraph)
        leads = np.ones(doc.size, dtype=bool)
        if doc.size:
            leads[1:] = (doc[1:] != doc[:-1]) | (paragraph[1:] != paragraph[:-1])
        leads_parts.append(leads)
    leads = np.concatenate(leads_parts) if leads_parts else np.zeros(0, bool)
    unit_of = (np.cumsum(leads) - 1).astype(np.int32)
    return unit_of, leads


# ---- the store -----------------------------------------------------------------------------------


class Store:
    """One corpus's folder of segments and its live edition (see the module docstring)."""

    def __init__(
        self, folder: Path, key: str, temporary: bool = False, writable: bool = True
    ) -> None:
        self.folder = folder
        self.key = key
        self.temporary = temporary  # a folder of our own, removed once the edition is open
        self.writable = writable
        self._thread_lock = threading.RLock()

    @classmethod
    def open(cls, cache_dir: Path, key: str, about: dict[str, Any]) -> Store:
        """The store `key` in `cache_dir` (made if needed). A cache folder that cannot be
        written is reported in one line and the store is read-only: its live edition is used
        if it is still the corpus's, else the index is built in a temporary folder and held
        in memory (see `in_memory`)."""
        folder = Path(cache_dir) / "corpora" / key
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".probe-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            probe.write_bytes(b"")
            probe.unlink()
            if not (folder / STORE_FILE).exists():
                write_atomic(
                    folder / STORE_FILE,
                    json.dumps(about, indent=1).encode("ascii"),
                    durable=True,
                )
        except OSError as exc:
            _warn_read_only(Path(cache_dir), exc)
            return cls(folder, key, writable=False)
        _remove_legacy(Path(cache_dir))
        return cls(folder, key)

    @classmethod
    def in_memory(cls, key: str) -> Store:
        """A store in a new temporary folder, to be `discard`ed once its edition is open (the
        open files stay usable: the index is then held in memory)."""
        return cls(Path(tempfile.mkdtemp(prefix="speechbot-index-")), key, temporary=True)

    # ---- locking -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, name: str = "lock") -> Iterator[None]:
        """Exclusive across processes (flock where the OS has it) and threads."""
        with self._thread_lock, _flock(self.folder / name, blocking=True):
            yield

    def merging(self) -> contextlib.AbstractContextManager[bool]:
        """Held while a merge runs: True if this process got it (no other merge is running)."""
        return _flock(self.folder / "merge.lock", blocking=False)

    # ---- reading -------------------------------------------------------------------------------
    def read_manifest(self) -> Manifest | None:
        """The live edition's manifest; None if there is none; IndexDamaged if unreadable.
        (The last one read or written in this process is kept: the same bytes are not parsed
        again. Manifests are never changed once made.)"""
        try:
            data = (self.folder / LIVE).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise IndexDamaged(f"{LIVE}: {exc}") from None
        known = _MANIFESTS.get(str(self.folder))
        if known is not None and known[0] == data:
            return known[1]
        manifest = Manifest.from_bytes(data)
        _MANIFESTS[str(self.folder)] = (data, manifest)
        return manifest

    def read_deletions(self, entry: SegmentEntry) -> Deletions:
        if entry.deletions is None:
            return NO_DELETIONS
        if entry.deletions_sum is None or "/" in entry.deletions or "\\" in entry.deletions:
            raise IndexDamaged(f"{LIVE}: a deletion file without its checksum")
        try:
            verify(self.folder, entry.deletions, entry.deletions_sum)
            return Deletions.from_bytes((self.folder / entry.deletions).read_bytes())
        except (FileDamaged, OSError) as exc:
            raise IndexDamaged(str(exc)) from None

    # ---- writing --------------------------------------------------------------------------------
    def scratch(self, kind: str = "tmp") -> Path:
        """A new temporary folder in the store (removed by `clean` if left behind)."""
        return Path(tempfile.mkdtemp(dir=self.folder, prefix=f"{kind}-{os.getpid()}-"))

    def adopt(self, scratch: Path, meta: SegmentMeta) -> SegmentEntry:
        """Make a finished segment folder a segment of the store."""
        files = FileSet(scratch)
        files.raw(SEGMENT_FILE, [meta.to_bytes()])
        checksum = files.close()[SEGMENT_FILE]
        os.replace(scratch, self.folder / f"seg-{meta.id}")
        fsync_folder(self.folder)
        return SegmentEntry(meta.id, checksum)

    def withdraw(self, segment: Segment) -> None:
        """A segment of the live edition turned out damaged: no edition is live any more (the
        next open rebuilds the index)."""
        with contextlib.suppress(OSError):
            (self.folder / LIVE).unlink()

    def write_deletions(
        self, segment_id: str, edition: int, deletions: Deletions
    ) -> tuple[str, FileSum]:
        name = f"del-{segment_id}-{edition}.npz"
        files = FileSet(self.folder)
        files.raw(name, [deletions.to_bytes()])
        return name, files.close()[name]

    def publish(self, manifest: Manifest) -> None:
        """Make `manifest` the live edition (atomically), then remove what it does not need."""
        data = manifest.to_bytes()
        write_atomic(self.folder / LIVE, data, durable=True)
        _MANIFESTS[str(self.folder)] = (data, manifest)
        self.clean(manifest)

    def next_edition(self) -> int:
        try:
            manifest = self.read_manifest()
        except IndexDamaged:
            manifest = None
        return (manifest.edition + 1) if manifest is not None else 1

    # ---- housekeeping ---------------------------------------------------------------------------
    def clean(self, manifest: Manifest | None) -> list[str]:
        """Remove what the live edition does not name: segments, deletion files, unfinished
        folders (a merge's only when no merge is running). Call with the lock held."""
        keep = {LIVE, STORE_FILE, "lock", "merge.lock"}
        if manifest is not None:
            for s in manifest.segments:
                keep.add(f"seg-{s.id}")
                if s.deletions:
                    keep.add(s.deletions)
        removed = []
        merge_idle: bool | None = None
        for path in self.folder.iterdir():
            name = path.name
            if name in keep or name.startswith(".probe-"):
                continue
            if name.startswith("merge-"):
                if merge_idle is None:
                    with self.merging() as idle:
                        merge_idle = idle
                if not merge_idle:
                    continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    path.unlink()
            removed.append(name)
        if removed:
            log.info("index cache: removed %s", ", ".join(sorted(removed)))
        return removed

    def size(self) -> int:
        return folder_size(self.folder)

    def discard(self) -> None:
        """Remove a temporary store's folder (its open files stay usable)."""
        if self.temporary:
            shutil.rmtree(self.folder, ignore_errors=True)


_MANIFESTS: dict[str, tuple[bytes, Manifest]] = {}  # store folder -> its last manifest


def folder_size(folder: Path) -> int:
    total = 0
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


def store_key(root: Path, params: BM25Params, tokenizer_kind: str) -> str:
    h = hashlib.sha256()
    h.update(os.fsencode(str(root)) + b"\0")
    h.update(json.dumps(asdict(params), sort_keys=True).encode() + b"\0")
    h.update(tokenizer_kind.encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:20]


@contextlib.contextmanager
def _flock(path: Path, blocking: bool) -> Iterator[bool]:
    """An exclusive lock on `path` (made if needed); yields whether it was got (always when
    blocking). Where there is no flock, only this process's threads are kept apart."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield True
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


_WARNED: set[str] = set()


def _warn_read_only(cache_dir: Path, exc: OSError) -> None:
    key = str(cache_dir)
    if key not in _WARNED:
        _WARNED.add(key)
        log.warning(
            "index cache %s cannot be written (%s): the index is kept in memory only",
            cache_dir,
            exc.strerror or exc,
        )


def _remove_legacy(cache_dir: Path) -> None:
    """The whole-index folders and per-document entries of earlier versions (index/, docs/):
    nothing reads them any more."""
    for name in ("index", "docs"):
        folder = cache_dir / name
        if folder.is_dir() and not folder.is_symlink():
            log.info("index cache: removing the earlier format's %s/", name)
            shutil.rmtree(folder, ignore_errors=True)
