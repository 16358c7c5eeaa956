"""Files replaced in one step: a reader (or the next process, after a crash) sees the old file or
the new one whole, never half of one.

The new content goes to a hidden temporary file beside the target, which takes the target's name
with `os.replace` once it is complete; on any error it is removed and the target is left as it
was. `durable` also waits for the disk (fsync of the file, and of the folder for the new name),
for files that must survive a power cut, not only a crash of the process. Imports nothing of the
project: any layer may use it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_file(path: Path, *, durable: bool = False) -> Iterator[BinaryIO]:
    """A binary file to write that becomes `path` when the block ends without an error (the
    folder is made if needed). On an error, nothing is left behind and `path` is unchanged."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_folder(path.parent)


def write_atomic(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Replace `path` with `data` in one step (see `atomic_file`)."""
    with atomic_file(path, durable=durable) as out:
        out.write(data)


def fsync_folder(folder: Path) -> None:
    """Make the folder's entries (new names, renames) durable, where the OS allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
