"""One segment's postings, as saved: per term its passages (sorted, uint32) and counts, per
passage its length, and the frequent terms again passage by passage (the forward rows).

Arrays are separate `.npy` files, opened memory-mapped where queries read them only here
and there (postings and rows); the terms are one UTF-8 file, one a line. Nothing here depends
on the corpus statistics: idf, length norms and bounds are the index's (`BM25Index`), made
for the live passages of all segments together. `tf_bound` is each term's largest weight
without its idf at the segment's own average length (`avgdl`), from which the index derives
a bound for any idf and average length.

The forward rows hold only terms in at least `row_min_df` passages (2% of them, at least 64),
renumbered densely (`fwd_row_of`: term id -> row id, -1 if not kept) so row ids fit in
uint8/uint16: the rows are touched at random passages, so after some questions nearly all
their pages are resident, and rows of every term (571 MB at 1M passages) cost ~550 MiB of
RSS where these cost ~135.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ARRAYS = (
    "offsets",
    "docs",
    "tfs",
    "tf_bound",
    "lengths",
    "fwd_offsets",
    "fwd_terms",
    "fwd_tfs",
    "fwd_row_of",
)
MAPPED = ("docs", "tfs", "fwd_terms", "fwd_tfs")  # read where queries touch them
TERMS_FILE = "bm25.terms"
# forward rows keep the terms in at least max(n // ROW_DF_DIVISOR, ROW_DF_FLOOR) passages (2%: at
# 1M passages 833 terms, 42% of the postings, 138 MB; rows of all terms were 571 MB, all resident)
ROW_DF_DIVISOR = 50
ROW_DF_FLOOR = 64


def row_min_df(n_docs: int) -> int:
    """The document frequency from which a term is kept in the forward rows: the long lists
    whose binary searches the rows replace."""
    return max(n_docs // ROW_DF_DIVISOR, ROW_DF_FLOOR)


def array_file(name: str) -> str:
    return f"bm25.{name}.npy"


def encode_terms(terms: list[str]) -> bytes:
    # surrogatepass: a term cut from text decoded with surrogate escapes still round-trips
    return "\n".join(terms).encode("utf-8", "surrogatepass")


def decode_terms(data: bytes, count: int) -> list[str]:
    terms = data.decode("utf-8", "surrogatepass").split("\n") if count else []
    if len(terms) != count:
        raise ValueError(f"{TERMS_FILE} holds {len(terms)} terms, expected {count}")
    return terms


@dataclass
class Postings:
    """A segment's postings (read-only once made). Passage and term ids are the segment's own."""

    terms: list[str]
    offsets: np.ndarray  # term -> start of its postings (len terms + 1)
    docs: np.ndarray  # postings: passage ids, sorted within each term
    tfs: np.ndarray  # postings: the term's count in the passage
    tf_bound: np.ndarray  # term -> largest weight / idf at `avgdl`
    lengths: np.ndarray  # passage -> number of tokens
    avgdl: float  # the segment's average length, at which `tf_bound` was computed
    fwd_offsets: np.ndarray | None = None  # passage -> start of its row (len passages + 1)
    fwd_terms: np.ndarray | None = None  # row postings: row ids of the passage's frequent terms
    fwd_tfs: np.ndarray | None = None
    fwd_row_of: np.ndarray | None = None  # term -> its row id (-1: only in its list)
    _vocab: dict[str, int] | None = field(default=None, repr=False)
    _lock: Any = field(default_factory=threading.Lock, repr=False)

    @property
    def n_docs(self) -> int:
        return int(self.lengths.shape[0])

    @property
    def n_terms(self) -> int:
        return len(self.terms)

    @property
    def n_postings(self) -> int:
        return int(self.docs.shape[0])

    @property
    def total_length(self) -> int:
        return int(np.asarray(self.lengths, dtype=np.int64).sum())

    @property
    def vocab(self) -> dict[str, int]:
        """Term -> id, made on first use (a million terms take a fraction of a second)."""
        if self._vocab is None:
            with self._lock:
                if self._vocab is None:
                    self._vocab = {t: i for i, t in enumerate(self.terms)}
        return self._vocab

    @property
    def df(self) -> np.ndarray:
        return np.diff(np.asarray(self.offsets)).astype(np.int64)

    @property
    def n_row_terms(self) -> int:
        rows = self.fwd_row_of
        return 0 if rows is None or not rows.size else int(rows.max()) + 1

    @classmethod
    def open(cls, folder: Path, n_terms: int, avgdl: float, mmap: bool = True) -> Postings:
        """The postings saved in `folder`; postings and rows memory-mapped (`mmap`)."""
        arrays: dict[str, np.ndarray] = {}
        for name in ARRAYS:
            path = folder / array_file(name)
            if name.startswith("fwd_") and not path.exists():
                continue  # saved without forward rows: look-ups search the lists
            mapped = mmap and name in MAPPED
            # plain ndarray views of the mapped files: slicing a np.memmap is slow
            arrays[name] = np.asarray(np.load(path, mmap_mode="r" if mapped else None))
        if any(name.startswith("fwd_") for name in arrays) and not all(
            name in arrays for name in ARRAYS if name.startswith("fwd_")
        ):
            for name in [n for n in arrays if n.startswith("fwd_")]:
                del arrays[name]  # some of the rows only: use none
        terms = decode_terms((folder / TERMS_FILE).read_bytes(), n_terms)
        return cls(terms=terms, avgdl=avgdl, **arrays)  # type: ignore[arg-type]

    def check(self) -> None:
        """Raise ValueError unless the arrays fit together (shapes and bounds that a damaged or
        mismatched file would break; reading them is cheap, the big postings are not read)."""
        n_terms, n = self.n_terms, self.n_docs
        offsets = np.asarray(self.offsets)
        if offsets.shape != (n_terms + 1,) or self.tf_bound.shape != (n_terms,):
            raise ValueError("term arrays do not match the terms")
        if n_terms and (int(offsets[0]) != 0 or np.any(np.diff(offsets) < 0)):
            raise ValueError("term offsets are not increasing")
        if int(offsets[-1]) != self.docs.shape[0] or self.tfs.shape != self.docs.shape:
            raise ValueError("postings do not match the term offsets")
        if n and int(np.asarray(self.lengths).min()) < 0:
            raise ValueError("negative passage lengths")
        if not np.all(np.isfinite(self.tf_bound)):
            raise ValueError("term bounds are not finite")
        if self.fwd_offsets is not None:
            fwd = np.asarray(self.fwd_offsets)
            rows = np.asarray(self.fwd_row_of)
            if fwd.shape != (n + 1,) or rows.shape != (n_terms,):
                raise ValueError("forward rows do not match the passages or terms")
            if n and (int(fwd[0]) != 0 or np.any(np.diff(fwd.astype(np.int64)) < 0)):
                raise ValueError("forward row offsets are not increasing")
            if int(fwd[-1]) != self.fwd_terms.shape[0] or self.fwd_tfs.shape != (  # type: ignore[union-attr]
                int(fwd[-1]),
            ):
                raise ValueError("forward rows do not match their offsets")
            if rows.size and int(rows.max()) >= 2 ** (8 * self.fwd_terms.dtype.itemsize):  # type: ignore[union-attr]
                raise ValueError("forward row ids out of range")
