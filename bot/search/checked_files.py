"""Files of the saved index, written with their size and CRC-32 and checked against them.

`FileSet` writes `.npy` arrays (whole, or streamed piece by piece when their size is known
ahead) and raw files into one folder, keeping each file's size and CRC-32 as it goes (nothing
is read back to checksum it), and syncs them to disk on `close`. `verify` compares a folder's
files with what was recorded: a truncated, zeroed or flipped file is found before any of it
is used. `NpyReader` reads a range of a saved array into memory, so that a build or a
merge can go through a large array without mapping it (mapped pages count towards the
process's resident memory until the kernel takes them back).
"""

from __future__ import annotations

import os
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.atomic import fsync_folder

_BLOCK = 1 << 22  # bytes checksummed or read at a time
_SLOW_BLOCK = 1 << 20  # ... when checking in the background


@dataclass(frozen=True)
class FileSum:
    size: int
    crc: int

    def as_json(self) -> list[int]:
        return [self.size, self.crc]

    @classmethod
    def from_json(cls, value: object) -> FileSum:
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int) and v >= 0 for v in value)
        ):
            raise ValueError(f"not a file checksum: {value!r}")
        return cls(int(value[0]), int(value[1]))


class FileDamaged(ValueError):
    """A file of the index is missing, or its size or checksum is not what was written."""


class _Sink:
    def __init__(self, path: Path) -> None:
        self.fh = path.open("wb")
        self.size = 0
        self.crc = 0

    def write(self, data: bytes | memoryview) -> None:
        self.fh.write(data)
        self.size += len(data)
        self.crc = zlib.crc32(data, self.crc)


class StreamedArray:
    """A 1-D `.npy` array of known length written piece by piece."""

    def __init__(self, sink: _Sink, dtype: np.dtype, length: int) -> None:
        self.sink, self.dtype, self.length, self.written = sink, np.dtype(dtype), length, 0
        header = {
            "descr": np.lib.format.dtype_to_descr(self.dtype),
            "fortran_order": False,
            "shape": (length,),
        }
        np.lib.format.write_array_header_1_0(self, header)

    def write(self, data: bytes) -> None:  # the header, from numpy
        self.sink.write(data)

    def append(self, values: np.ndarray) -> None:
        values = np.ascontiguousarray(values, dtype=self.dtype)
        if self.written + values.size > self.length:
            raise ValueError("more values than the array was declared with")
        self.sink.write(values.tobytes() if values.nbytes < _BLOCK else values.data.cast("B"))
        self.written += values.size


class FileSet:
    """The files written into one folder, with their sizes and checksums."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.sums: dict[str, FileSum] = {}
        self._open: dict[str, _Sink] = {}

    def _sink(self, name: str) -> _Sink:
        if name in self.sums or name in self._open:
            raise ValueError(f"{name} written twice")
        sink = self._open[name] = _Sink(self.folder / name)
        return sink

    def _done(self, name: str) -> None:
        sink = self._open.pop(name)
        sink.fh.flush()
        os.fsync(sink.fh.fileno())
        sink.fh.close()
        self.sums[name] = FileSum(sink.size, sink.crc)

    def array(self, name: str, values: np.ndarray) -> None:
        values = np.ascontiguousarray(values)
        if values.ndim != 1:
            raise ValueError("only 1-D arrays")
        stream = self.stream(name, values.dtype, values.size)
        for lo in range(0, values.size, _BLOCK):
            stream.append(values[lo : lo + _BLOCK])
        self.finish(name)

    def stream(self, name: str, dtype: np.dtype | type, length: int) -> StreamedArray:
        return StreamedArray(self._sink(name), np.dtype(dtype), length)

    def finish(self, name: str) -> None:
        self._done(name)

    def raw(self, name: str, chunks: Iterable[bytes]) -> None:
        sink = self._sink(name)
        for chunk in chunks:
            sink.write(chunk)
        self._done(name)

    def opened(self, name: str) -> _Sink:
        """A raw file to write into piece by piece (`sink.write`), closed by `finish`."""
        return self._sink(name)

    def close(self) -> dict[str, FileSum]:
        for name in list(self._open):
            self._done(name)
        fsync_folder(self.folder)
        return dict(self.sums)

    def abandon(self) -> None:
        for sink in self._open.values():
            sink.fh.close()
        self._open.clear()


def file_sum(path: Path, rate: float | None = None) -> FileSum:
    """The file's size and CRC-32; read at most `rate` bytes a second when given, in small
    blocks (a check at the side leaves the caches and the memory bus to the questions)."""
    crc = size = 0
    started = time.monotonic()
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK if rate is None else _SLOW_BLOCK):
            crc = zlib.crc32(block, crc)
            size += len(block)
            if rate:
                ahead = size / rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
    return FileSum(size, crc)


def check_size(folder: Path, name: str, expected: FileSum) -> None:
    try:
        size = (folder / name).stat().st_size
    except FileNotFoundError:
        raise FileDamaged(f"{name} is missing") from None
    if size != expected.size:
        raise FileDamaged(f"{name} has {size:,} bytes, {expected.size:,} were written")


def verify(folder: Path, name: str, expected: FileSum, rate: float | None = None) -> None:
    """FileDamaged unless `folder / name` has the size and checksum it was written with."""
    check_size(folder, name, expected)
    if file_sum(folder / name, rate) != expected:
        raise FileDamaged(f"{name} does not match its checksum")


# Checksums in a process of its own, at the lowest priority, a gentle pace and in small
# blocks: a thread of the bot's took the GIL twice a block, and 16 MB blocks flushed the
# caches; at 1M passages those cost the questions' p95 ~0.4 ms while the check ran.
_CHECKSUM_SCRIPT = """
import os, sys, time, zlib
rate, parent = float(sys.argv[1]), os.getppid()
try:
    os.nice(19)
except (AttributeError, OSError):
    pass
try:  # Linux: end at once with the process that asked (PR_SET_PDEATHSIG, SIGKILL)
    import ctypes
    ctypes.CDLL(None).prctl(1, 9)
except Exception:
    pass
if os.getppid() != parent:
    sys.exit(0)
for path in sys.argv[2:]:
    crc = size = 0
    started = time.monotonic()
    try:
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                crc = zlib.crc32(block, crc)
                size += len(block)
                if os.getppid() != parent:
                    sys.exit(0)
                ahead = size / rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
    except OSError as exc:
        print("-", exc, flush=True)
    else:
        print(size, crc, flush=True)
"""


def verify_elsewhere(folder: Path, files: list[tuple[str, FileSum]], rate: float) -> None:
    """`verify` for each of `files`, in a process of its own that reads at most `rate` bytes a
    second at the lowest priority (and stops if this process ends); FileDamaged for the
    first that does not match. Blocks until it is done: call it from a background thread."""
    import subprocess
    import sys

    if not sys.executable:  # pragma: no cover - an embedded interpreter: check here
        for name, expected in files:
            verify(folder, name, expected, rate)
        return
    paths = [str(folder / name) for name, _ in files]
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _CHECKSUM_SCRIPT, str(rate), *paths],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.splitlines()
    if done.returncode != 0 or len(lines) != len(files):
        raise OSError(f"the checksum process failed ({done.returncode}): {done.stderr[-300:]}")
    for (name, expected), line in zip(files, lines, strict=True):
        size, _, rest = line.partition(" ")
        if size == "-":
            raise FileDamaged(f"{name}: {rest}")
        if FileSum(int(size), int(rest)) != expected:
            raise FileDamaged(f"{name} does not match its checksum")


class NpyReader:
    """Ranges of a saved 1-D array, read into memory (not mapped). One thread at a time."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as fh:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
            self.start = fh.tell()
        if fortran or len(shape) != 1:
            raise ValueError(f"{path.name}: not a 1-D array")
        self.dtype, self.length = np.dtype(dtype), int(shape[0])
        self._fh = path.open("rb")

    def read(self, lo: int, hi: int) -> np.ndarray:
        lo, hi = max(lo, 0), min(hi, self.length)
        if hi <= lo:
            return np.zeros(0, self.dtype)
        out = np.empty(hi - lo, self.dtype)
        self._fh.seek(self.start + lo * self.dtype.itemsize)
        if self._fh.readinto(out.data.cast("B")) != out.nbytes:
            raise FileDamaged("an array file is shorter than its header says")
        return out

    def close(self) -> None:
        self._fh.close()
