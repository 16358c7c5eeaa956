"""The library a bot answers from: the current `Engine`, replaced whole when the corpus changes.

`Library.current` is an `Edition`: one engine with the list of its documents and its
example questions, never modified after it is made. A front end reads `current` once per
request and uses that edition throughout, so a reload in the middle of a request cannot
mix two indexes.

Reloads build the new engine on a worker thread (`_BUILDS`) while the event loop
goes on answering from the old one, warm it up there (jieba's dictionary loads off the
loop), and then swap a single reference. The saved index is brought up to date document by
document (`bot.search.store.open_index`): an added or changed file is indexed alone into a
small new segment and a removed one marked deleted, so a reload costs about what changed,
not the size of the library. A reload that fails (the folder is gone, nothing in it is
readable) keeps the old edition and says why. Reloads and additions take turns (one lock),
so two of them never build at the same time.

Once the newer segments or the deleted passages have grown (`SearchIndex.merge_advised`),
the segments are merged into one in a process of its own, in the background; the merged
edition is then swapped in like a reload, never on a question's path. A saved index found
damaged after it was opened is rebuilt at the next poll of `watch`.

`add` puts a new document file into the corpus folder under a safe name (no path
components, no hidden or ignored names, never over an existing file) after checking that
it can be read, and reloads. `watch` polls the folder's file list, sizes and modification
times and reloads when they change (and have stopped changing).

Nothing here knows about Telegram; the strings users see come from `bot.texts`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot import texts
from bot.answer.engine import Engine
from bot.corpus.guard import parse_guarded
from bot.corpus.library import SYNONYMS_NAME, USER_DICT_NAME, CorpusError, Problem, corpus_files
from bot.corpus.reading import READERS, DocumentError
from bot.corpus.structure import Document
from bot.search.store import merge_in_background, open_index, text_key

log = logging.getLogger("speechbot.library")

Builder = Callable[[Path, Path], Engine]
# Editions are built on one thread, always the same: the memory an edition's build takes is
# then reused by the next one (glibc keeps a heap a thread, and gives little of it back)
_BUILDS = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="library-build")
Snapshot = tuple[tuple[str, int, int], ...]  # (path, mtime_ns, size) of every file that matters

DEFAULT_WATCH_SECONDS = 3.0
MAX_NAME_BYTES = 180  # well under the 255 bytes most file systems allow, room for 「（2）」
WARM_UP_QUESTION = "讲话"
EXAMPLES = 2
ADDABLE_SUFFIXES = tuple(sorted(READERS))  # .txt .md .docx .pdf .html ...


def open_engine(
    corpus: Path, cache_dir: Path, *, follow_symlinks: bool = False, progress: bool | None = None
) -> Engine:
    """`Engine.open` with the settings that say how the corpus is read: links that leave the
    folder followed or skipped and reported (FOLLOW_SYMLINKS), a progress bar while a large
    index is built (SPEECHBOT_PROGRESS)."""
    index = open_index(corpus, cache_dir, progress=progress, follow_symlinks=follow_symlinks)
    return Engine(index)


# ---- what is in an edition ------------------------------------------------------------------


@dataclass(frozen=True)
class DocInfo:
    index: int  # the engine's document index (`Engine.ask(..., doc=index)`)
    title: str
    date: str | None
    speaker: str | None
    passages: int
    path: str  # as the index has it (absolute)
    name: str  # the path relative to the corpus folder, for people

    @property
    def number(self) -> int:
        """The number people see and type (`/doc 2`): 1-based."""
        return self.index + 1


def documents_of(engine: Engine) -> tuple[DocInfo, ...]:
    """The documents of an engine's index with their passage counts, in index order."""
    index = engine.index
    root = Path(index.root)
    inside = str(root) + os.sep if root.is_dir() else None  # (strings: a library has thousands)
    out = []
    for i, info in enumerate(index.document_infos()):
        if inside is not None and info.path.startswith(inside):
            name = info.path[len(inside) :]
        else:
            name = os.path.basename(info.path)
        out.append(DocInfo(i, info.title, info.date, info.speaker, info.count, info.path, name))
    return tuple(out)


@dataclass(frozen=True)
class Edition:
    """One complete, immutable state of the library: an engine and what people see of it."""

    engine: Engine
    documents: tuple[DocInfo, ...]
    examples: tuple[str, ...]
    version: int  # 1 for the first load, +1 for each successful reload

    @classmethod
    def of(cls, engine: Engine, version: int = 1) -> Edition:
        return cls(engine, documents_of(engine), tuple(engine.examples(EXAMPLES)), version)

    @property
    def fingerprint(self) -> str:
        return self.engine.index.fingerprint

    @property
    def passages(self) -> int:
        return len(self.engine.index.passages)

    @property
    def problems(self) -> list[Problem]:
        return list(self.engine.index.problems)

    def document(self, index: int | None) -> DocInfo | None:
        if index is None or not 0 <= index < len(self.documents):
            return None
        return self.documents[index]

    def locate(
        self, path: str | None, title: str | None = None, index: int | None = None
    ) -> DocInfo | None:
        """The document a choice made earlier refers to now: the same file (at `index`, or
        wherever it moved to after a reload), else the only document with that title; None
        if it is gone."""
        here = self.document(index)
        if here is not None and path and here.path == path:
            return here
        if path:
            for info in self.documents:
                if info.path == path:
                    return info
        if title:
            same = [info for info in self.documents if info.title == title]
            if len(same) == 1:
                return same[0]
        return None

    def same_text(self, document: Document) -> DocInfo | None:
        """The indexed document with exactly the paragraphs of `document`, if any (by the hash
        of its paragraphs: no indexed document is read)."""
        wanted = text_key(document)
        for info, indexed in zip(self.documents, self.engine.index.document_infos(), strict=True):
            if indexed.text_key == wanted:
                return info
        return None


# ---- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reloaded:
    ok: bool
    previous: Edition
    current: Edition  # the edition answering now (the previous one if the reload failed)
    error: str | None = None  # why it failed, for the owner

    @property
    def skipped(self) -> list[Problem]:
        return [p for p in self.current.problems if getattr(p, "skipped", True)]


class AddStatus:
    ADDED = "added"
    ALREADY_THERE = "already_there"  # the same text is already indexed
    UNSUPPORTED = "unsupported"  # not a document format we read (by its name)
    UNREADABLE = "unreadable"  # a reader refused it (scanned PDF, damaged file, empty, ...)
    NOT_A_FOLDER = "not_a_folder"  # the corpus is a single file
    FAILED = "failed"  # saving or reloading failed


@dataclass(frozen=True)
class Added:
    status: str
    name: str = ""  # the file name it was saved under (or would have been)
    detail: str = ""  # the reason, for refusals
    renamed: bool = False  # another file had the name: saved under a numbered one
    document: DocInfo | None = None  # the new (or the already indexed) document
    edition: Edition | None = None

    @property
    def ok(self) -> bool:
        return self.status == AddStatus.ADDED


# ---- file names -----------------------------------------------------------------------------

_UNSAFE = re.compile(r'[<>:"/\\|?*]')
_IGNORED_STEMS = {"readme", "userdict", "synonyms"}


def safe_file_name(name: str | None) -> str | None:
    """A file name that is safe to create in the corpus folder, or None if `name` does not
    end in a format we read. Path components (either slash) are dropped, control and
    format characters (such as right-to-left overrides) removed, characters Windows forbids
    replaced, leading dots and Word's `~$` taken off (hidden and lock files are not read),
    names the library passes over (README, userdict, synonyms) changed, and the length capped."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = _UNSAFE.sub("_", base).strip()
    stem, dot, suffix = base.rpartition(".")
    suffix = "." + suffix.lower().strip() if dot else ""
    if suffix not in READERS:
        return None
    stem = stem.lstrip(".~$ ").rstrip(". ")
    if not stem.strip("_"):
        stem = texts.UPLOAD_NAME_FALLBACK
    if stem.lower() in _IGNORED_STEMS:
        stem = texts.UPLOAD_NAME_RESERVED.format(stem=stem)
    while len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem.rstrip(". ") + suffix


def _numbered(name: str, n: int) -> str:
    stem, suffix = os.path.splitext(name)
    return name if n == 1 else texts.UPLOAD_NAME_NUMBERED.format(stem=stem, n=n, suffix=suffix)


def _place(folder: Path, name: str, data: bytes) -> tuple[Path, bool, bool]:
    """Write `data` into `folder` as `name`, or `name（2）`, … if another file has the name.

    Returns (path, created, renamed). A file with the same name and the same bytes is
    taken as it is (created False). The bytes go to a hidden temporary file first and are
    linked to the final name, which fails rather than replace a file that appeared
    meanwhile: no file is ever overwritten, and no half-written document is ever visible."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        for n in range(1, 1000):
            target = folder / _numbered(name, n)
            if target.exists() or target.is_symlink():
                if (
                    target.is_file()
                    and target.stat().st_size == len(data)
                    and target.read_bytes() == data
                ):
                    return target, False, n > 1
                continue
            try:
                os.link(tmp, target)
            except FileExistsError:
                continue
            except OSError:  # a file system without hard links: exclusive create instead
                try:
                    with open(target, "xb") as out:
                        out.write(data)
                except FileExistsError:
                    continue
            return target, True, n > 1
        raise OSError(f"too many files named like {name}")
    finally:
        Path(tmp).unlink(missing_ok=True)


def _check(name: str, data: bytes) -> Document:
    """Parse `data` as a file called `name` (outside the corpus) in a worker process with a
    memory and a time limit; DocumentError if unusable or if it hits a limit."""
    return parse_guarded(Path(name), data)


# ---- the library ----------------------------------------------------------------------------


class Library:
    def __init__(
        self,
        corpus: Path,
        cache_dir: Path,
        engine: Engine | None = None,
        builder: Builder | None = None,
        *,
        follow_symlinks: bool = False,
        progress: bool | None = None,
    ) -> None:
        """`follow_symlinks`, `progress`: how the corpus is read (see `open_engine`), by the
        default builder and by `snapshot`, which must list the files the index reads."""
        self.corpus = Path(corpus).expanduser()
        self.cache_dir = Path(cache_dir)
        self.follow_symlinks = follow_symlinks
        self._builder: Builder = builder or functools.partial(
            open_engine, follow_symlinks=follow_symlinks, progress=progress
        )
        self._own_builder = builder is not None  # else the index says what it saw of the files
        self._loaded: Snapshot | None = self._snapshot_or_none()
        self._current = Edition.of(
            engine if engine is not None else self._builder(self.corpus, self.cache_dir)
        )
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self._merging: asyncio.Task[None] | None = None

    @classmethod
    def of(
        cls,
        engine: Engine,
        cache_dir: Path,
        builder: Builder | None = None,
        *,
        follow_symlinks: bool = False,
        progress: bool | None = None,
    ) -> Library:
        """The library of an engine already opened (its corpus is the engine's root)."""
        return cls(
            Path(engine.index.root),
            cache_dir,
            engine,
            builder,
            follow_symlinks=follow_symlinks,
            progress=progress,
        )

    @property
    def current(self) -> Edition:
        return self._current

    @property
    def engine(self) -> Engine:
        return self._current.engine

    @property
    def is_folder(self) -> bool:
        return self.corpus.is_dir()

    def _turn(self) -> asyncio.Lock:
        """The lock reloads and additions take turns with (one per event loop)."""
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    # ---- reloading ------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """Path, modification time and size of every document file, the user dictionary and
        the synonyms file. CorpusError if the corpus is gone; OSError if the folder cannot be
        listed. (What is skipped, links out of the folder, is reported by the reload that
        follows a change.)"""
        files = corpus_files(self.corpus, follow_symlinks=self.follow_symlinks, problems=[])
        out = []
        for path in [*files, self._userdict(), self._synonyms()]:
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            out.append((str(path), st.st_mtime_ns, st.st_size))
        return tuple(out)

    def _snapshot_or_none(self) -> Snapshot | None:
        try:
            return self.snapshot()
        except (CorpusError, OSError):
            return None

    def _build(self, version: int) -> tuple[Snapshot | None, Edition]:
        """On a worker thread: the next edition, complete and warmed up. The files are seen
        before they are read, so that a change while building is noticed later: by the index
        itself (it looks at every file's size and time first), else here."""
        own = self._own_builder
        seen = self._snapshot_or_none() if own else None
        userdict = self._stat(self._userdict())
        engine = self._builder(self.corpus, self.cache_dir)
        if not own:
            seen = self._seen_by(engine, userdict)
        engine.ask(WARM_UP_QUESTION, top=1)  # loads the segmenter here, not on the event loop
        return seen, Edition.of(engine, version)

    def _userdict(self) -> Path:
        root = self.corpus
        return (root if root.is_dir() else root.parent) / USER_DICT_NAME

    def _synonyms(self) -> Path:
        root = self.corpus
        return (root if root.is_dir() else root.parent) / SYNONYMS_NAME

    @staticmethod
    def _stat(path: Path) -> tuple[str, int, int] | None:
        try:
            st = path.stat()
        except OSError:
            return None
        return (str(path), st.st_mtime_ns, st.st_size)

    def _seen_by(self, engine: Engine, userdict: tuple[str, int, int] | None) -> Snapshot | None:
        """`snapshot()` as the index saw the files before reading them (its paths are the
        resolved corpus folder's, the snapshot's this library's)."""
        files = getattr(engine.index, "files_seen", None)
        if files is None:
            return self._snapshot_or_none()
        root, corpus = str(Path(engine.index.root)), str(self.corpus)
        if root != corpus:
            cut = len(root)
            files = tuple(
                (corpus + path[cut:] if path.startswith(root) else path, mtime, size)
                for path, mtime, size in files
            )
        return tuple(files) + ((userdict,) if userdict is not None else ())

    async def reload(self) -> Reloaded:
        """Build a new edition off the event loop and swap it in; on failure keep the old one."""
        async with self._turn():
            return await self._reload()

    async def _reload(self) -> Reloaded:
        previous = self._current
        try:
            seen, edition = await asyncio.get_running_loop().run_in_executor(
                _BUILDS, self._build, previous.version + 1
            )
        except CorpusError as exc:
            return Reloaded(False, previous, previous, str(exc))
        except Exception as exc:  # a reload must never take the bot down
            log.exception("reload of %s failed", self.corpus)
            return Reloaded(False, previous, previous, f"{type(exc).__name__}: {exc}")
        self._current, self._loaded = edition, seen
        log.info(
            "library reloaded: %d documents, %d passages (was %d, %d)",
            len(edition.documents),
            edition.passages,
            len(previous.documents),
            previous.passages,
        )
        if edition.engine.index.merge_advised:
            self._merge_later()
        return Reloaded(True, previous, edition)

    # ---- merging segments -----------------------------------------------------------------
    def _merge_later(self) -> None:
        """Merge the index's segments in the background (one merge at a time)."""
        if self._merging is None or self._merging.done():
            self._merging = asyncio.get_running_loop().create_task(self._merge())

    async def _merge(self) -> None:
        index = self._current.engine.index
        try:
            merged = await merge_in_background(
                Path(index.root), self.cache_dir, index.bm25.params, index.tokenizer
            )
        except Exception:  # a merge must never take the bot down; the segments still answer
            log.exception("merging the index's segments failed")
            return
        if merged:  # the merged edition, swapped in like a reload
            async with self._turn():
                await self._reload()

    async def merged(self) -> None:
        """Wait for a background merge, if one is running (tests, shutdown)."""
        task = self._merging
        if task is not None:
            await asyncio.shield(task)

    # ---- adding a document ----------------------------------------------------------------
    async def add(self, name: str | None, data: bytes) -> Added:
        """Save a document into the corpus folder and index it at once (see `Added`)."""
        safe = safe_file_name(name)
        if safe is None:
            return Added(AddStatus.UNSUPPORTED, name or "", detail=Path(name or "").suffix)
        if not self.corpus.is_dir():
            return Added(AddStatus.NOT_A_FOLDER, safe, detail=str(self.corpus))
        try:
            document = await asyncio.to_thread(_check, safe, data)
        except DocumentError as exc:
            return Added(AddStatus.UNREADABLE, safe, detail=str(exc))
        except OSError as exc:  # no room in the temporary folder, say
            return Added(AddStatus.FAILED, safe, detail=exc.strerror or str(exc))
        async with self._turn():
            known = self._current.same_text(document)
            if known is not None:
                return Added(AddStatus.ALREADY_THERE, safe, document=known, edition=self._current)
            try:
                path, created, renamed = await asyncio.to_thread(_place, self.corpus, safe, data)
            except OSError as exc:
                return Added(AddStatus.FAILED, safe, detail=exc.strerror or str(exc))
            reloaded = await self._reload()
            if not reloaded.ok:
                if created:
                    path.unlink(missing_ok=True)
                return Added(
                    AddStatus.FAILED,
                    path.name,
                    detail=reloaded.error or "",
                    renamed=renamed,
                    edition=reloaded.current,
                )
            edition = reloaded.current
            info = edition.locate(str(path.resolve()))
            if info is None:  # the index passed it over after all
                reason = next(
                    (
                        p.reason
                        for p in edition.problems
                        if Path(p.path).resolve() == path.resolve()
                    ),
                    "",
                )
                if created:
                    path.unlink(missing_ok=True)
                return Added(
                    AddStatus.UNREADABLE, path.name, detail=reason, renamed=renamed, edition=edition
                )
            log.info("added %s to the library: %d passages", path.name, info.passages)
            return Added(
                AddStatus.ADDED, path.name, renamed=renamed, document=info, edition=edition
            )

    # ---- watching the folder --------------------------------------------------------------
    async def watch(self, interval: float = DEFAULT_WATCH_SECONDS) -> None:
        """Reload whenever the corpus's files change; runs until cancelled.

        A change is acted on once the files have stopped changing (two polls alike), so a
        file still being copied is not read half-written. If the folder vanishes or nothing
        in it can be read, the last good edition goes on answering and the reason is logged
        once (again only when the reason changes)."""
        pending: Snapshot | None = None
        failed: Snapshot | None = None
        trouble: str | None = None

        def complain(reason: str) -> None:
            nonlocal trouble
            if reason != trouble:
                edition = self._current
                log.warning(
                    "watch: %s; still answering from the last good index"
                    " (%d documents, %d passages)",
                    reason,
                    len(edition.documents),
                    edition.passages,
                )
                trouble = reason

        while True:
            await asyncio.sleep(interval)
            try:
                try:
                    seen = await asyncio.to_thread(self.snapshot)
                except (CorpusError, OSError) as exc:
                    pending = None
                    complain(f"cannot list the corpus ({exc})")
                    continue
                if self._current.engine.index.damaged and seen == self._loaded:
                    pending = None
                    result = await self.reload()  # the damaged index is rebuilt
                    if not result.ok:
                        complain(f"reload failed ({result.error})")
                    continue
                if seen == self._loaded or seen == failed:
                    if trouble is not None and seen == self._loaded:
                        log.info("watch: the corpus is back, unchanged")
                        trouble = None
                    pending = None
                    continue
                if seen != pending:
                    pending = seen  # wait for one more poll: a file may still be being written
                    continue
                pending = None
                result = await self.reload()
                if result.ok:
                    failed, trouble = None, None
                    log.info(
                        "watch: the corpus changed; now %d documents, %d passages",
                        len(result.current.documents),
                        result.current.passages,
                    )
                else:
                    failed = seen
                    complain(f"reload failed ({result.error})")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the watcher must outlive anything odd on the disk
                complain(f"{type(exc).__name__}: {exc}")
