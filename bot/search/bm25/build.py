"""Building a segment's postings in bounded memory.

Postings arrive as *runs*: the postings of consecutive passages, sorted by (term, passage).
A build collects each document's (term, passage, count) triples and sorts them a few million
at a time into runs (set aside on disk for a large build); a merge reads its input segments as
runs, with their deleted passages left out and terms and passages renumbered. The runs are
then assembled window by window of terms: the postings of a term are its postings in each run
one after the other, which keeps them sorted by passage because the runs come in passage
order. Each posting's place is known from the counts alone (no sort of the whole corpus), so
besides the outputs a build holds one window (8M postings) and one run at a time: at a
million passages (160M postings) the old single sort of packed keys peaked at 4.5 GiB.

The same pass finds each term's largest weight without its idf (`tf_bound`) and counts the
forward rows (the frequent terms passage by passage); a second pass over the frequent terms'
lists, read back one at a time, fills the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from bot.search.bm25.postings import TERMS_FILE, Postings, array_file, encode_terms, row_min_df
from bot.search.bm25.variants import BM25Params
from bot.search.checked_files import FileSet, NpyReader

WINDOW = 1 << 23  # postings assembled at a time (32 MB of passage ids)
SPILL = 1 << 23  # postings collected before they are sorted into a run


def tf_dtype(top: int) -> np.dtype:
    return np.dtype(np.uint8 if top < 2**8 else np.uint16 if top < 2**16 else np.uint32)


class Run:
    """Postings of consecutive passages sorted by (term, passage): `terms`, the distinct term
    ids in ascending order, and `ends`, where each one's postings end; the passages and counts
    are in memory or read from saved arrays."""

    def __init__(
        self,
        terms: np.ndarray,
        ends: np.ndarray,
        pids: np.ndarray | NpyReader,
        tfs: np.ndarray | NpyReader,
        max_tf: int,
    ) -> None:
        self.terms = np.asarray(terms, dtype=np.int64)
        self.ends = np.asarray(ends, dtype=np.int64)
        self.pids, self.tfs, self.max_tf = pids, tfs, max_tf

    @property
    def size(self) -> int:
        return int(self.ends[-1]) if self.ends.size else 0

    def counts(self, n_terms: int) -> np.ndarray:
        out = np.zeros(n_terms, dtype=np.int64)
        if self.terms.size:
            out[self.terms] = np.diff(self.ends, prepend=0)
        return out

    def window(self, t0: int, t1: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(term ids, passages, counts) of the terms t0 <= t < t1, in (term, passage) order."""
        i0, i1 = np.searchsorted(self.terms, (t0, t1))
        lo = int(self.ends[i0 - 1]) if i0 else 0
        hi = int(self.ends[i1 - 1]) if i1 else lo
        counts = np.diff(self.ends[i0:i1], prepend=lo)
        tids = np.repeat(self.terms[i0:i1], counts)
        return tids, _part(self.pids, lo, hi), _part(self.tfs, lo, hi)

    def close(self) -> None:
        for part in (self.pids, self.tfs):
            if isinstance(part, NpyReader):
                part.close()


def _part(values: np.ndarray | NpyReader, lo: int, hi: int) -> np.ndarray:
    return values.read(lo, hi) if isinstance(values, NpyReader) else values[lo:hi]


def sorted_run(
    term_of: np.ndarray, pid_of: np.ndarray, tf_of: np.ndarray, overwrite: bool = False
) -> Run:
    """The run of postings given in any order (passages in one range), in memory;
    `overwrite`: `term_of` (uint64) may be used as scratch space."""
    t, pids, tfs = sort_postings(term_of, pid_of, tf_of, overwrite)
    if not t.size:
        return Run(np.zeros(0, np.int64), np.zeros(0, np.int64), pids, tfs, 0)
    first = np.empty(t.size, bool)
    first[0] = True
    np.not_equal(t[1:], t[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    ends = np.append(starts[1:], t.size)
    return Run(t[starts], ends, pids, tfs, int(tfs.max()))


def sort_postings(
    term_of: np.ndarray, pid_of: np.ndarray, tf_of: np.ndarray, overwrite: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(term ids, passages (uint32), counts) in (term, passage) order: one sort of packed
    uint64 (term, passage, count) keys (passages counted from the smallest), several times
    faster than an argsort; an argsort when the three do not fit in 64 bits. With
    `overwrite`, `term_of` (uint64) becomes the keys and then the term ids returned (as
    int64): a large build sorts its postings in the same buffers every time, allocating (and
    faulting in) no new 64 MB arrays."""
    term_of, pid_of, tf_of = np.asarray(term_of), np.asarray(pid_of), np.asarray(tf_of)
    if not term_of.size:
        return np.zeros(0, np.int64), np.zeros(0, np.uint32), np.zeros(0, np.uint8)
    p0 = int(pid_of.min())
    top_tf = int(tf_of.max())
    bits = [
        max(int(x), 1).bit_length() for x in (int(term_of.max()), int(pid_of.max()) - p0, top_tf)
    ]
    out_tf = tf_dtype(top_tf)
    if sum(bits) > 64:
        order = np.argsort((term_of.astype(np.uint64) << np.uint64(32)) | pid_of.astype(np.uint64))
        return (
            term_of[order].astype(np.int64),
            pid_of[order].astype(np.uint32),
            tf_of[order].astype(out_tf),
        )
    u64 = np.uint64
    term_shift, pid_shift = u64(bits[1] + bits[2]), u64(bits[2])
    in_place = overwrite and term_of.dtype == u64
    key = term_of if in_place else term_of.astype(u64)
    key <<= term_shift
    part = pid_of.astype(u64)
    part -= u64(p0)
    part <<= pid_shift
    key |= part
    part[:] = tf_of
    key |= part
    key.sort()
    np.bitwise_and(key, u64((1 << bits[2]) - 1), out=part)
    tfs = part.astype(out_tf)
    np.right_shift(key, pid_shift, out=part)
    part &= u64((1 << bits[1]) - 1)
    pids = part.astype(np.uint32)
    del part
    pids += np.uint32(p0)
    key >>= term_shift
    return (key.view(np.int64) if in_place else key.astype(np.int64)), pids, tfs


class RunCollector:
    """Postings added document by document, sorted into runs every `spill_at` postings; kept in
    memory, or written to `folder` (a large build) and read back window by window. A large
    build gathers and sorts each run in the same buffers, allocated once."""

    def __init__(self, folder: Path | None = None, spill_at: int = SPILL) -> None:
        self.folder, self.spill_at = folder, spill_at
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.pending = 0
        self.runs: list[Run] = []
        self._buffers: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def add(self, term_of: np.ndarray, pid_of: np.ndarray, tf_of: np.ndarray) -> None:
        """Postings of passages after all those added before."""
        self.parts.append((term_of, pid_of, tf_of))
        self.pending += int(term_of.size)
        if self.pending >= self.spill_at:
            self._spill()

    def _spill(self) -> None:
        k = self.pending
        if not k:
            return
        buffers = self._buffers
        if buffers is None or buffers[0].size < k:
            buffers = (np.empty(k, np.uint64), np.empty(k, np.uint32), np.empty(k, np.int32))
            if k >= self.spill_at:  # more runs may follow: keep them
                self._buffers = buffers
        for i, buffer in enumerate(buffers):
            np.concatenate([p[i] for p in self.parts], out=buffer[:k], casting="unsafe")
        self.parts, self.pending = [], 0
        run = sorted_run(buffers[0][:k], buffers[1][:k], buffers[2][:k], overwrite=True)
        if self.folder is not None and run.size:
            name = f"run{len(self.runs):04d}"
            files = FileSet(self.folder)
            files.array(f"{name}.pids.npy", np.asarray(run.pids))
            files.array(f"{name}.tfs.npy", np.asarray(run.tfs))
            files.close()
            run = Run(
                run.terms,
                run.ends,
                NpyReader(self.folder / f"{name}.pids.npy"),
                NpyReader(self.folder / f"{name}.tfs.npy"),
                run.max_tf,
            )
        self.runs.append(run)

    def finish(self) -> list[Run]:
        self._spill()
        self._buffers = None
        return self.runs


class _Out:
    """Where `write_postings` puts the arrays: files (`FileSet`) or memory."""

    def __init__(self, files: FileSet | None) -> None:
        self.files = files
        self.arrays: dict[str, np.ndarray] = {}
        self._streams: dict[str, tuple[object, int]] = {}
        self._readers: dict[str, NpyReader] = {}

    def begin(self, name: str, dtype: np.dtype, length: int) -> None:
        if self.files is not None:
            self._streams[name] = (self.files.stream(array_file(name), dtype, length), 0)
        else:
            self.arrays[name] = np.empty(length, dtype)
            self._streams[name] = (None, 0)

    def append(self, name: str, values: np.ndarray) -> None:
        stream, at = self._streams[name]
        if stream is not None:
            stream.append(values)  # type: ignore[attr-defined]
        else:
            self.arrays[name][at : at + values.size] = values
        self._streams[name] = (stream, at + values.size)

    def end(self, name: str) -> None:
        stream, _ = self._streams.pop(name)
        if stream is not None and self.files is not None:
            self.files.finish(array_file(name))
            self._readers[name] = NpyReader(self.files.folder / array_file(name))

    def read(self, name: str, lo: int, hi: int) -> np.ndarray:
        reader = self._readers.get(name)
        return reader.read(lo, hi) if reader is not None else self.arrays[name][lo:hi]

    def put(self, name: str, values: np.ndarray) -> None:
        if self.files is not None:
            self.files.array(array_file(name), values)
        else:
            self.arrays[name] = values

    def close(self) -> None:
        for reader in self._readers.values():
            reader.close()


def write_postings(
    terms: list[str],
    runs: Sequence[Run],
    lengths: np.ndarray,
    params: BM25Params,
    files: FileSet | None = None,
    rows_min_df: int | None = None,
    window: int = WINDOW,
) -> Postings | None:
    """The postings of `runs` (in passage order) over `terms`, for passages of `lengths`:
    written into `files` (then None is returned: open them from the folder), or returned in
    memory. The forward rows keep the terms in at least `rows_min_df` passages (default
    `row_min_df`)."""
    n, n_terms = int(lengths.shape[0]), len(terms)
    df = np.zeros(n_terms, dtype=np.int64)
    for run in runs:
        df += run.counts(n_terms)
    offsets = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(df, out=offsets[1:])
    total = int(offsets[-1])
    tfd = tf_dtype(max((run.max_tf for run in runs), default=0))
    lengths = np.asarray(lengths, dtype=np.int32)
    length_sum = int(lengths.astype(np.int64).sum())
    avgdl = length_sum / n if n and length_sum else 0.0
    formulas = params.formulas
    lf = formulas.length_factor(params, lengths.astype(np.float64), avgdl)
    min_df = max(row_min_df(n) if rows_min_df is None else rows_min_df, 1)
    kept = df >= min_df
    n_rows = int(np.count_nonzero(kept))
    row_of = np.full(n_terms, -1, dtype=np.int32)
    row_of[kept] = np.arange(n_rows, dtype=np.int32)
    row_counts = np.zeros(n, dtype=np.int64)
    tf_bound = np.zeros(n_terms)

    out = _Out(files)
    try:
        out.begin("docs", np.dtype(np.uint32), total)
        out.begin("tfs", tfd, total)
        bounds = []  # the windows: terms t0 <= t < t1, about `window` postings each
        t0 = 0
        while t0 < n_terms:
            t1 = int(np.searchsorted(offsets, offsets[t0] + window, side="right")) - 1
            t1 = min(max(t1, t0 + 1), n_terms)
            bounds.append((t0, t1))
            t0 = t1

        def assemble(t0: int, t1: int) -> tuple[np.ndarray, np.ndarray]:
            """(passages, counts) of the window's terms, each term's from every run in turn."""
            lo, hi = int(offsets[t0]), int(offsets[t1])
            docs = np.empty(hi - lo, np.uint32)
            tfs = np.empty(hi - lo, tfd)
            cursor = offsets[t0:t1] - lo
            for run in runs:
                tids, pids, run_tfs = run.window(t0, t1)
                if not tids.size:
                    continue
                counts = np.bincount(tids - t0, minlength=t1 - t0)
                first = np.cumsum(counts) - counts
                dest = np.repeat(cursor - first, counts) + np.arange(tids.size)
                docs[dest] = pids
                tfs[dest] = run_tfs
                cursor += counts
            if not np.array_equal(cursor, offsets[t0 + 1 : t1 + 1] - lo):
                raise ValueError("the runs' postings do not match their counts")
            return docs, tfs

        # the next window is assembled on a second thread while this one is weighed and written
        # (numpy lets go of the GIL in both): the build's last step uses both cores
        with ThreadPoolExecutor(1) as ahead:
            coming = ahead.submit(assemble, *bounds[0]) if bounds else None
            for i, (t0, t1) in enumerate(bounds):
                assert coming is not None
                docs, tfs = coming.result()
                coming = ahead.submit(assemble, *bounds[i + 1]) if i + 1 < len(bounds) else None
                lo, hi = int(offsets[t0]), int(offsets[t1])
                if hi > lo:
                    weights = formulas.weights(params, 1.0, tfs.astype(np.float64), lf[docs])
                    here = np.flatnonzero(df[t0:t1])
                    tf_bound[t0 + here] = np.maximum.reduceat(weights, offsets[t0:t1][here] - lo)
                    del weights
                    rows_here = kept[t0:t1]
                    if rows_here.any():
                        row_counts += np.bincount(
                            docs[np.repeat(rows_here, df[t0:t1])], minlength=n
                        )
                out.append("docs", docs)
                out.append("tfs", tfs)
                del docs, tfs
        out.end("docs")
        out.end("tfs")

        # the forward rows: each frequent term's list read back, its passages' rows filled in
        n_row_postings = int(row_counts.sum())
        fwd_offsets = np.zeros(n + 1, dtype=np.uint32 if n_row_postings < 2**32 else np.int64)
        np.cumsum(row_counts, out=fwd_offsets[1:])
        del row_counts
        rid_dtype = np.uint8 if n_rows <= 2**8 else np.uint16 if n_rows <= 2**16 else np.uint32
        fwd_terms = np.empty(n_row_postings, dtype=rid_dtype)
        fwd_tfs = np.empty(n_row_postings, dtype=tfd)
        cursor = fwd_offsets[:-1].astype(np.int64)
        for rid, t in enumerate(np.flatnonzero(kept).tolist()):
            lo, hi = int(offsets[t]), int(offsets[t + 1])
            pids = out.read("docs", lo, hi)
            at = cursor[pids]
            fwd_terms[at] = rid
            fwd_tfs[at] = out.read("tfs", lo, hi)
            cursor[pids] += 1
        del cursor
        for name, values in (
            ("offsets", offsets),
            ("tf_bound", tf_bound),
            ("lengths", lengths),
            ("fwd_offsets", fwd_offsets),
            ("fwd_terms", fwd_terms),
            ("fwd_tfs", fwd_tfs),
            ("fwd_row_of", row_of),
        ):
            out.put(name, values)
    finally:
        out.close()
    if files is not None:
        files.raw(TERMS_FILE, [encode_terms(terms)])
        return None
    arrays = out.arrays
    return Postings(
        terms=list(terms),
        offsets=arrays["offsets"],
        docs=arrays["docs"],
        tfs=arrays["tfs"],
        tf_bound=arrays["tf_bound"],
        lengths=arrays["lengths"],
        avgdl=avgdl,
        fwd_offsets=arrays["fwd_offsets"],
        fwd_terms=arrays["fwd_terms"],
        fwd_tfs=arrays["fwd_tfs"],
        fwd_row_of=arrays["fwd_row_of"],
    )


def postings_of_tokens(
    corpus: Sequence[Sequence[str]], params: BM25Params, rows_min_df: int | None = None
) -> Postings:
    """The postings of passages given as token lists (tests, small in-memory indexes)."""
    from collections import Counter

    vocab: dict[str, int] = {}
    term_of: list[int] = []
    pid_of: list[int] = []
    tf_of: list[int] = []
    lengths = np.zeros(len(corpus), dtype=np.int32)
    for d, tokens in enumerate(corpus):
        lengths[d] = len(tokens)
        for term, tf in Counter(tokens).items():
            term_of.append(vocab.setdefault(term, len(vocab)))
            pid_of.append(d)
            tf_of.append(tf)
    terms = [""] * len(vocab)
    for term, i in vocab.items():
        terms[i] = term
    run = sorted_run(
        np.asarray(term_of, dtype=np.int64),
        np.asarray(pid_of, dtype=np.uint32),
        np.asarray(tf_of, dtype=np.int64),
    )
    postings = write_postings(terms, [run], lengths, params, rows_min_df=rows_min_df)
    assert postings is not None
    return postings


class SegmentRun(Run):
    """A saved segment's live postings in a merged numbering (a merge's input): `term_map`
    (its term ids -> merged ids, -1 for terms without a live posting), `pid_map` (its passages
    -> merged ids, -1 if deleted) and `live_df` (each term's live postings). When the merged
    ids keep the segment's order (the first segment of a merge), each window is one range of
    its files, read without mapping them; otherwise the postings are gathered term by term."""

    def __init__(
        self,
        postings: Postings,
        folder: Path | None,
        term_map: np.ndarray,
        pid_map: np.ndarray,
        live_df: np.ndarray,
    ) -> None:
        kept = np.flatnonzero(term_map >= 0)
        order = np.argsort(term_map[kept], kind="stable")
        self.local = kept[order]  # the segment's terms in merged order
        merged = term_map[self.local]
        super().__init__(merged, np.cumsum(live_df[self.local]), np.zeros(0), np.zeros(0), 0)
        self.max_tf = int(np.iinfo(postings.tfs.dtype).max)
        self.term_map, self.pid_map, self.live_df = term_map, pid_map, live_df
        self.offsets = np.asarray(postings.offsets)
        self.df = postings.df
        self.monotone = bool(np.all(np.diff(self.local) > 0))
        self.readers: tuple[NpyReader, NpyReader] | None = None
        if self.monotone and folder is not None:
            self.readers = (
                NpyReader(folder / array_file("docs")),
                NpyReader(folder / array_file("tfs")),
            )
        self.docs_array, self.tfs_array = np.asarray(postings.docs), np.asarray(postings.tfs)

    def window(self, t0: int, t1: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        i0, i1 = np.searchsorted(self.terms, (t0, t1))
        local = self.local[i0:i1]
        if not local.size:
            return np.zeros(0, np.int64), np.zeros(0, np.uint32), np.zeros(0, np.uint8)
        if self.monotone:
            a, b = int(local[0]), int(local[-1]) + 1
            lo, hi = int(self.offsets[a]), int(self.offsets[b])
            if self.readers is not None:
                docs, tfs = self.readers[0].read(lo, hi), self.readers[1].read(lo, hi)
            else:
                docs, tfs = self.docs_array[lo:hi], self.tfs_array[lo:hi]
            owner = np.repeat(np.arange(a, b), self.df[a:b])
        else:
            lens = self.df[local]
            starts = self.offsets[local]
            at = np.repeat(starts - (np.cumsum(lens) - lens), lens) + np.arange(int(lens.sum()))
            docs, tfs = self.docs_array[at], self.tfs_array[at]
            owner = np.repeat(local, lens)
        new = self.pid_map[docs]
        live = np.flatnonzero(new >= 0)
        tids = self.term_map[owner[live]]
        if tids.size and int(tids.min()) < 0:
            raise ValueError("a live posting of a term counted as gone")
        return tids, new[live].astype(np.uint32), tfs[live]

    def close(self) -> None:
        if self.readers is not None:
            for reader in self.readers:
                reader.close()
