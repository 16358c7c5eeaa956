"""Passages stored as columns, so a library of a million passages fits in modest memory.

Numbers live in numpy arrays (separate .npy files, memory-mapped once saved), texts in
one UTF-8 file read by offset (`TextFile`: a few texts a question, so nothing of it needs to
stay mapped in the process), and headings as interned strings. `PassageTable[i]`
builds the `Passage` value on demand, so the rest of the program still sees ordinary
frozen `Passage` objects.
"""

from __future__ import annotations

import json
import os
import threading
import weakref
from array import array
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import overload

import numpy as np

from bot.corpus.passages import Passage

_COLUMNS = ("doc", "paragraph", "start", "end", "path", "sub", "offsets")


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
        for p in passages:
            builder.add(p.doc, p)
        columns, blob = builder.columns(), b"".join(builder.chunks)
        return cls(columns, blob, list(titles), builder.string_list(), builder.path_list())

    # ---- read --------------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.doc.shape[0])

    def text(self, i: int) -> str:
        return bytes(self.blob[int(self.offsets[i]) : int(self.offsets[i + 1])]).decode("utf-8")

    def headings(self, i: int) -> tuple[str, ...]:
        return tuple(self.strings[s] for s in self.paths[int(self.path[i])])

    def _get(self, i: int) -> Passage:
        headings = self.headings(i)
        sub = int(self.sub[i])
        doc = int(self.doc[i])
        return Passage(
            pid=i,
            doc=doc,
            document=self.titles[doc],
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
    def __getitem__(self, i):  # type: ignore[no-untyped-def]
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
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "texts.bin").write_bytes(bytes(self.blob))
        _save_columns(
            folder,
            {name: getattr(self, name) for name in _COLUMNS},
            self.titles,
            self.strings,
            self.paths,
        )

    @classmethod
    def load(cls, folder: Path) -> PassageTable:
        columns = {
            name: np.asarray(np.load(folder / f"passages.{name}.npy", mmap_mode="r"))
            for name in _COLUMNS
        }
        meta = json.loads((folder / "passages.json").read_text(encoding="utf-8"))
        blob = TextFile(folder / "texts.bin")
        return cls(
            columns, blob, meta["titles"], meta["strings"], [tuple(p) for p in meta["paths"]]
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


def _save_columns(folder: Path, columns: dict[str, np.ndarray], titles, strings, paths) -> None:
    for name in _COLUMNS:
        np.save(folder / f"passages.{name}.npy", np.asarray(columns[name]))
    meta = {"titles": list(titles), "strings": list(strings), "paths": [list(p) for p in paths]}
    (folder / "passages.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


class TableBuilder:
    """Collects passages one by one into compact columns; texts go to `sink` (a binary
    file) as they come, or are kept as chunks."""

    def __init__(self, sink=None) -> None:  # noqa: ANN001
        self.sink = sink
        self.chunks: list[bytes] = []
        self.interned: dict[str, int] = {}
        self.path_ids: dict[tuple[int, ...], int] = {}
        self.rows = {name: array("i") for name in _COLUMNS if name != "offsets"}
        self.offsets = array("q", [0])

    def add(self, doc: int, p: Passage) -> None:
        interned = self.interned
        path = tuple(interned.setdefault(h, len(interned)) for h in p.headings)
        rows = self.rows
        rows["doc"].append(doc)
        rows["paragraph"].append(p.paragraph)
        rows["start"].append(p.start)
        rows["end"].append(p.end)
        rows["path"].append(self.path_ids.setdefault(path, len(self.path_ids)))
        rows["sub"].append(
            -1 if p.subsection is None else interned.setdefault(p.subsection, len(interned))
        )
        data = p.text.encode("utf-8")
        if self.sink is not None:
            self.sink.write(data)
        else:
            self.chunks.append(data)
        self.offsets.append(self.offsets[-1] + len(data))

    def columns(self) -> dict[str, np.ndarray]:
        out = {
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

    def save(self, folder: Path, titles: list[str]) -> None:
        """The columns beside the texts already written to `folder / "texts.bin"`."""
        _save_columns(folder, self.columns(), titles, self.string_list(), self.path_list())
