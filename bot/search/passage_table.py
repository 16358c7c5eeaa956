"""Passages stored as columns, so a library of a million passages fits in modest memory.

Numbers live in numpy arrays (separate .npy files, memory-mapped once saved), texts in
one UTF-8 file read by offset (`TextFile`: a few texts a question, so nothing of it needs to
stay mapped in the process), and headings as interned strings. `PassageTable[i]`
builds the `Passage` value on demand, so the rest of the program still sees ordinary
frozen `Passage` objects.

Each segment of the index has its own table; `PassageTable.joined` puts the tables of an
edition's segments one after the other (passage ids through all segments, document numbers
of the live documents, -1 for a deleted passage's), reading texts from each segment's file.
"""

from __future__ import annotations

import bisect
import itertools
import json
import os
import threading
import weakref
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

import numpy as np

from bot.corpus.passages import Passage
from bot.search.checked_files import FileSet

_COLUMNS = ("doc", "paragraph", "start", "end", "path", "sub", "offsets")
# surrogatepass: a text decoded with surrogate escapes (a file name as a title) still round-trips
_ENCODING, _ERRORS = "utf-8", "surrogatepass"


def column_file(name: str) -> str:
    return f"passages.{name}.npy"


TEXTS_FILE = "texts.bin"
META_FILE = "passages.json"


class PassageTable(Sequence[Passage]):
    def __init__(
        self,
        columns: dict[str, np.ndarray],
        blob: bytes | TextFile,
        titles: list[str],
        strings: list[str],
        paths: list[tuple[int, ...]],
    ) -> None:
        self.doc = columns["doc"]
        self.paragraph = columns["paragraph"]
        self.start = columns["start"]
        self.end = columns["end"]
        self.path = columns["path"]  # index into `paths`: the heading path of the passage
        self.sub = columns["sub"]  # index into `strings`, -1 for none
        self.offsets = columns["offsets"]  # len+1 byte offsets into the blob
        self.blob = blob
        self.titles = titles
        self.strings = strings
        self.paths = paths

    # ---- build -------------------------------------------------------------------------
    @classmethod
    def from_passages(cls, passages: Iterable[Passage], titles: list[str]) -> PassageTable:
        builder = TableBuilder()
        for doc, of_doc in itertools.groupby(passages, key=lambda p: p.doc):
            builder.add_document(doc, DocumentPassages.of(list(of_doc)))
        columns, blob = builder.columns(), b"".join(builder.chunks)
        return cls(columns, blob, list(titles), builder.string_list(), builder.path_list())

    # ---- read --------------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.doc.shape[0])

    def text(self, i: int) -> str:
        return bytes(self.blob[int(self.offsets[i]) : int(self.offsets[i + 1])]).decode(
            _ENCODING, _ERRORS
        )

    def headings(self, i: int) -> tuple[str, ...]:
        return tuple(self.strings[s] for s in self.paths[int(self.path[i])])

    def _get(self, i: int) -> Passage:
        headings = self.headings(i)
        sub = int(self.sub[i])
        doc = int(self.doc[i])
        return Passage(
            pid=i,
            doc=doc,
            document=self.titles[doc] if doc >= 0 else "",
            section=headings[0] if headings else None,
            subsection=self.strings[sub] if sub >= 0 else None,
            headings=headings,
            paragraph=int(self.paragraph[i]),
            start=int(self.start[i]),
            end=int(self.end[i]),
            text=self.text(i),
        )

    @overload
    def __getitem__(self, i: int) -> Passage: ...
    @overload
    def __getitem__(self, i: slice) -> list[Passage]: ...
    def __getitem__(self, i: int | slice) -> Passage | list[Passage]:
        if isinstance(i, slice):
            return [self._get(j) for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._get(i)

    def __iter__(self) -> Iterator[Passage]:
        return (self._get(i) for i in range(len(self)))

    # ---- save / load -------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        files = FileSet(folder)
        files.raw(TEXTS_FILE, [bytes(self.blob)])
        write_columns(
            files,
            {name: getattr(self, name) for name in _COLUMNS},
            self.strings,
            self.paths,
            self.titles,
        )
        files.close()

    @classmethod
    def load(cls, folder: Path, titles: list[str] | None = None) -> PassageTable:
        """The table saved in `folder`; `titles` the documents' (else the saved ones)."""
        columns = {
            name: np.asarray(np.load(folder / column_file(name), mmap_mode="r"))
            for name in _COLUMNS
        }
        meta = json.loads((folder / META_FILE).read_bytes().decode(_ENCODING, _ERRORS))
        blob = TextFile(folder / TEXTS_FILE)
        return cls(
            columns,
            blob,
            list(titles if titles is not None else meta.get("titles", [])),
            meta["strings"],
            [tuple(p) for p in meta["paths"]],
        )

    def check(self, n_docs: int) -> None:
        """ValueError unless the columns fit together and point inside the strings, the paths,
        the documents (`n_docs`) and the texts file."""
        n = len(self)
        for name in _COLUMNS:
            if getattr(self, name).shape != ((n + 1,) if name == "offsets" else (n,)):
                raise ValueError(f"passage column {name} has the wrong length")
        if not n:
            return
        offsets = np.asarray(self.offsets)
        if (
            int(offsets[0]) != 0
            or np.any(np.diff(offsets) < 0)
            or int(offsets[-1]) != len(self.blob)
        ):
            raise ValueError("passage text offsets do not fit the texts file")
        doc = np.asarray(self.doc)
        if int(doc.min()) < 0 or int(doc.max()) >= n_docs or np.any(np.diff(doc) < 0):
            raise ValueError("passage document numbers out of range")
        if int(np.asarray(self.path).min()) < 0 or int(np.asarray(self.path).max()) >= len(
            self.paths
        ):
            raise ValueError("passage heading paths out of range")
        sub = np.asarray(self.sub)
        if int(sub.min()) < -1 or int(sub.max()) >= len(self.strings):
            raise ValueError("passage sub-point titles out of range")
        flat = np.fromiter((s for p in self.paths for s in p), dtype=np.int64)
        if flat.size and (int(flat.min()) < 0 or int(flat.max()) >= len(self.strings)):
            raise ValueError("heading paths point outside the strings")

    @classmethod
    def joined(
        cls, tables: list[PassageTable], doc_maps: list[np.ndarray], titles: list[str]
    ) -> PassageTable:
        """The tables of several segments one after the other: `doc_maps[i]` gives the
        document number (in `titles`) of each of table i's documents, -1 if deleted. Nothing
        is copied: the columns read the segments' own (`JoinedColumn`)."""
        if len(tables) == 1 and np.array_equal(doc_maps[0], np.arange(doc_maps[0].size)):
            t = tables[0]
            return cls(
                {name: getattr(t, name) for name in _COLUMNS}, t.blob, titles, t.strings, t.paths
            )
        return JoinedTable(tables, doc_maps, titles)


class JoinedColumn:
    """A column of several segments' tables read as one, without copying them: `parts[k]`
    holds passages starts[k] <= i < starts[k + 1]; `maps[k]` (a lookup table) or `shifts[k]`
    (added where the value is not -1) turns a segment's values into the whole table's.
    An element or a slice is read from its parts; `np.asarray` makes the whole column."""

    def __init__(
        self,
        parts: list[np.ndarray],
        starts: np.ndarray,
        maps: list[np.ndarray] | None = None,
        shifts: list[int] | None = None,
    ) -> None:
        self.parts, self.starts, self.maps, self.shifts = parts, starts, maps, shifts
        self._starts = [int(x) for x in starts]
        self.shape = (int(starts[-1]),)
        self.dtype = np.dtype(np.int32)

    def __len__(self) -> int:
        return self.shape[0]

    def _fix(self, k: int, values: np.ndarray) -> np.ndarray:
        if self.maps is not None:
            return self.maps[k][values]
        if self.shifts is not None and self.shifts[k]:
            return np.where(values >= 0, values + self.shifts[k], values)
        return values

    def _range(self, lo: int, hi: int) -> np.ndarray:
        out = []
        k = int(np.searchsorted(self.starts, lo, side="right")) - 1
        while lo < hi:
            base, end = int(self.starts[k]), min(hi, int(self.starts[k + 1]))
            if end > lo:
                part = np.asarray(self.parts[k][lo - base : end - base])
                out.append(np.asarray(self._fix(k, part), dtype=np.int32))
            lo = max(end, lo)
            k += 1
        return np.concatenate(out) if out else np.zeros(0, np.int32)

    def __getitem__(self, key: int | slice | np.integer) -> Any:
        if isinstance(key, slice):
            lo, hi, step = key.indices(self.shape[0])
            values = self._range(lo, hi) if hi > lo else np.zeros(0, np.int32)
            return values if step == 1 else values[::step]
        i = int(key)  # one element (a passage shown, its neighbours): plain ints, no arrays
        if i < 0:
            i += self.shape[0]
        if not 0 <= i < self.shape[0]:
            raise IndexError(key)
        k = bisect.bisect_right(self._starts, i) - 1
        value = int(self.parts[k][i - self._starts[k]])
        if self.maps is not None:
            return int(self.maps[k][value])
        if self.shifts is not None and value >= 0:
            return value + self.shifts[k]
        return value

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        values = self._range(0, self.shape[0])
        return values if dtype is None else values.astype(dtype)


class JoinedTable(PassageTable):
    """Several segments' tables as one (see `PassageTable.joined`)."""

    def __init__(
        self, tables: list[PassageTable], doc_maps: list[np.ndarray], titles: list[str]
    ) -> None:
        self.tables = tables
        self.doc_maps = [np.asarray(m, dtype=np.int32) for m in doc_maps]
        self.table_starts = np.cumsum([0] + [len(t) for t in tables]).astype(np.int64)
        self._table_starts = [int(x) for x in self.table_starts]
        strings: list[str] = []
        paths: list[tuple[int, ...]] = []
        string_shifts, path_shifts = [], []
        for table in tables:
            s0, p0 = len(strings), len(paths)
            string_shifts.append(s0)
            path_shifts.append(p0)
            strings += table.strings
            paths += [tuple(s + s0 for s in p) for p in table.paths] if s0 else table.paths

        def column(name: str, **how: Any) -> JoinedColumn:
            parts = [getattr(t, name) for t in tables]
            return JoinedColumn(parts, self.table_starts, **how)

        columns: dict[str, Any] = {
            "doc": column("doc", maps=self.doc_maps),
            "paragraph": column("paragraph"),
            "start": column("start"),
            "end": column("end"),
            "path": column("path", shifts=path_shifts),
            "sub": column("sub", shifts=string_shifts),
            "offsets": np.zeros(1, np.int64),  # texts are read from each segment's table
        }
        super().__init__(columns, b"", titles, strings, paths)

    def __len__(self) -> int:
        return int(self.table_starts[-1])

    def _where(self, i: int) -> tuple[int, int]:
        k = bisect.bisect_right(self._table_starts, i) - 1
        return k, i - self._table_starts[k]

    def text(self, i: int) -> str:
        k, local = self._where(i)
        return self.tables[k].text(local)

    def _get(self, i: int) -> Passage:
        k, local = self._where(i)
        p = self.tables[k]._get(local)
        doc = int(self.doc_maps[k][p.doc])
        return Passage(
            pid=i,
            doc=doc,
            document=self.titles[doc] if doc >= 0 else "",
            section=p.section,
            subsection=p.subsection,
            headings=p.headings,
            paragraph=p.paragraph,
            start=p.start,
            end=p.end,
            text=p.text,
        )


class TextFile:
    """The texts file, read by byte range (`file[a:b]`) with one `pread` each.

    A memory-mapped file stays resident page by page as questions touch it (the kernel maps
    pages around each one read): at a million passages most of its 275 MB after a few
    hundred questions. Read by range, only the kernel's page cache holds it, shared and
    reclaimable, and each question reads a few hundred bytes."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        self.size = os.fstat(self._fd).st_size
        self._lock = threading.Lock()  # only where there is no pread (seek + read)
        weakref.finalize(self, os.close, self._fd)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, span: slice) -> bytes:
        start, stop, _ = span.indices(self.size)
        if stop <= start:
            return b""
        if hasattr(os, "pread"):
            return os.pread(self._fd, stop - start, start)
        with self._lock:  # pragma: no cover - Windows
            os.lseek(self._fd, start, os.SEEK_SET)
            return os.read(self._fd, stop - start)

    def __bytes__(self) -> bytes:
        return self[0 : self.size]


def write_columns(
    files: FileSet,
    columns: dict[str, np.ndarray],
    strings: list[str],
    paths: list[tuple[int, ...]],
    titles: list[str] | None = None,
) -> None:
    for name in _COLUMNS:
        files.array(column_file(name), np.asarray(columns[name]))
    meta: dict[str, list] = {"strings": list(strings), "paths": [list(p) for p in paths]}
    if titles is not None:  # a table saved alone; a segment keeps its documents' titles itself
        meta["titles"] = list(titles)
    files.raw(META_FILE, [json.dumps(meta, ensure_ascii=False).encode(_ENCODING, _ERRORS)])


@dataclass(frozen=True)
class DocumentPassages:
    """One document's passages as columns: made where the document is segmented (a pool
    worker), so that the process writing the table appends arrays and a few headings instead
    of taking passages one by one (and they travel between processes as a few arrays)."""

    paragraph: np.ndarray  # int32, a passage
    start: np.ndarray
    end: np.ndarray
    path: np.ndarray  # index into `paths`
    sub: np.ndarray  # index into `subs`, -1 for none
    sizes: np.ndarray  # int64: bytes of each passage's text in `texts`
    paths: tuple[tuple[str, ...], ...]
    subs: tuple[str, ...]
    texts: bytes  # the texts in UTF-8, one after the other

    @classmethod
    def of(cls, passages: Sequence[Passage]) -> DocumentPassages:
        paths: dict[tuple[str, ...], int] = {}
        subs: dict[str, int] = {}
        encoded = [p.text.encode(_ENCODING, _ERRORS) for p in passages]

        def column(values: Iterable[int]) -> np.ndarray:
            return np.fromiter(values, dtype=np.int32, count=len(passages))

        return cls(
            column(p.paragraph for p in passages),
            column(p.start for p in passages),
            column(p.end for p in passages),
            column(paths.setdefault(p.headings, len(paths)) for p in passages),
            column(
                -1 if p.subsection is None else subs.setdefault(p.subsection, len(subs))
                for p in passages
            ),
            np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)),
            tuple(paths),
            tuple(subs),
            b"".join(encoded),
        )

    def __len__(self) -> int:
        return int(self.paragraph.shape[0])

    def text_list(self) -> list[str]:
        ends = np.cumsum(self.sizes).tolist()
        starts = [0, *ends][: len(ends)]
        return [
            self.texts[a:b].decode(_ENCODING, _ERRORS) for a, b in zip(starts, ends, strict=True)
        ]


class TableBuilder:
    """Collects passages document by document into compact columns; texts go to `sink` (a
    binary file) as they come, or are kept as chunks."""

    def __init__(self, sink: Any = None) -> None:
        self.sink = sink
        self.chunks: list[bytes] = []
        self.interned: dict[str, int] = {}
        self.path_ids: dict[tuple[int, ...], int] = {}
        self.rows = {name: array("i") for name in _COLUMNS if name != "offsets"}
        self.offsets = array("q", [0])

    def add_document(self, doc: int, passages: DocumentPassages) -> None:
        """A document's passages: their rows, headings interned, texts to the sink."""
        interned, rows = self.interned, self.rows
        path_ids = [
            self.path_ids.setdefault(
                tuple(interned.setdefault(h, len(interned)) for h in path), len(self.path_ids)
            )
            for path in passages.paths
        ]
        sub_ids = [interned.setdefault(s, len(interned)) for s in passages.subs]
        n = len(passages)
        rows["doc"].frombytes(np.full(n, doc, dtype=np.int32).tobytes())
        for name in ("paragraph", "start", "end"):
            rows[name].frombytes(np.asarray(getattr(passages, name), dtype=np.int32).tobytes())
        rows["path"].frombytes(np.asarray(path_ids, dtype=np.int32)[passages.path].tobytes())
        # -1 (no subsection) takes the -1 put last
        rows["sub"].frombytes(np.asarray([*sub_ids, -1], dtype=np.int32)[passages.sub].tobytes())
        if self.sink is not None:
            self.sink.write(passages.texts)
        else:
            self.chunks.append(passages.texts)
        ends = self.offsets[-1] + np.cumsum(passages.sizes, dtype=np.int64)
        self.offsets.frombytes(ends.tobytes())

    def columns(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {
            name: np.frombuffer(values, dtype=np.int32).copy()
            if len(values)
            else np.zeros(0, np.int32)
            for name, values in self.rows.items()
        }
        out["offsets"] = np.frombuffer(self.offsets, dtype=np.int64).copy()
        return out

    def string_list(self) -> list[str]:
        strings = [""] * len(self.interned)
        for s, i in self.interned.items():
            strings[i] = s
        return strings

    def path_list(self) -> list[tuple[int, ...]]:
        paths: list[tuple[int, ...]] = [()] * len(self.path_ids)
        for path, i in self.path_ids.items():
            paths[i] = path
        return paths

    def write(self, files: FileSet) -> None:
        """The columns and headings (the texts went to the sink as they came)."""
        write_columns(files, self.columns(), self.string_list(), self.path_list())
