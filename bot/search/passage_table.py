"""Passages stored as columns, so a library of a million passages fits in modest memory.

Numbers live in numpy arrays, texts in one UTF-8 blob (memory-mapped once saved), and
headings as interned strings. `PassageTable[i]` builds the `Passage` value on demand, so
the rest of the program still sees ordinary frozen `Passage` objects.
"""

from __future__ import annotations

import json
import mmap
from pathlib import Path
from typing import Iterable, Iterator, Sequence, overload

import numpy as np

from bot.corpus.passages import Passage

_COLUMNS = ("doc", "paragraph", "start", "end", "path", "sub", "offsets")


class PassageTable(Sequence[Passage]):
    def __init__(
        self,
        columns: dict[str, np.ndarray],
        blob: bytes | mmap.mmap,
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
    def from_passages(cls, passages: Iterable[Passage], titles: list[str]) -> "PassageTable":
        interned: dict[str, int] = {}
        path_ids: dict[tuple[int, ...], int] = {}
        rows: dict[str, list[int]] = {name: [] for name in _COLUMNS if name != "offsets"}
        chunks: list[bytes] = []
        offsets = [0]
        for p in passages:
            path = tuple(interned.setdefault(h, len(interned)) for h in p.headings)
            rows["doc"].append(p.doc)
            rows["paragraph"].append(p.paragraph)
            rows["start"].append(p.start)
            rows["end"].append(p.end)
            rows["path"].append(path_ids.setdefault(path, len(path_ids)))
            rows["sub"].append(-1 if p.subsection is None else interned.setdefault(p.subsection, len(interned)))
            data = p.text.encode("utf-8")
            chunks.append(data)
            offsets.append(offsets[-1] + len(data))
        columns = {name: np.asarray(values, dtype=np.int32) for name, values in rows.items()}
        columns["offsets"] = np.asarray(offsets, dtype=np.int64)
        strings = [""] * len(interned)
        for s, i in interned.items():
            strings[i] = s
        paths = [()] * len(path_ids)
        for path, i in path_ids.items():
            paths[i] = path
        return cls(columns, b"".join(chunks), list(titles), strings, paths)

    # ---- read --------------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.doc.shape[0])

    def text(self, i: int) -> str:
        return bytes(self.blob[int(self.offsets[i]) : int(self.offsets[i + 1])]).decode("utf-8")

    def _get(self, i: int) -> Passage:
        headings = tuple(self.strings[s] for s in self.paths[int(self.path[i])])
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
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._get(i)

    def __iter__(self) -> Iterator[Passage]:
        return (self._get(i) for i in range(len(self)))

    def in_document(self, doc: int) -> np.ndarray:
        """Passage ids of one document, in order."""
        return np.flatnonzero(self.doc == doc)

    # ---- save / load -------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / "passages.npz", **{name: getattr(self, name) for name in _COLUMNS})
        (folder / "texts.bin").write_bytes(bytes(self.blob))
        meta = {"titles": self.titles, "strings": self.strings, "paths": [list(p) for p in self.paths]}
        (folder / "passages.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "PassageTable":
        with np.load(folder / "passages.npz") as arrays:
            columns = {name: arrays[name] for name in _COLUMNS}
        meta = json.loads((folder / "passages.json").read_text(encoding="utf-8"))
        with (folder / "texts.bin").open("rb") as fh:
            size = fh.seek(0, 2)
            blob: bytes | mmap.mmap = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        return cls(columns, blob, meta["titles"], meta["strings"], [tuple(p) for p in meta["paths"]])
