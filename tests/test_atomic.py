"""Files replaced in one step (bot/atomic.py): the old file or the new one, whole, and nothing
left behind when writing fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.atomic import atomic_file, write_atomic


def test_a_new_file_and_its_folder_are_made(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "state.json"
    write_atomic(path, b'{"offset": 1}')
    assert path.read_bytes() == b'{"offset": 1}'
    assert sorted(p.name for p in path.parent.iterdir()) == ["state.json"]


@pytest.mark.parametrize("durable", [False, True], ids=["plain", "durable"])
def test_an_existing_file_is_replaced_whole(tmp_path: Path, durable: bool) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(b"old")
    write_atomic(path, b"new" * 1000, durable=durable)
    assert path.read_bytes() == b"new" * 1000
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_an_error_while_writing_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(b"old")
    with pytest.raises(OSError, match="disk full"):
        with atomic_file(path) as out:
            out.write(b"half of the new")
            raise OSError("disk full")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_the_old_file_stays_until_the_new_one_is_complete(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(b"old")
    with atomic_file(path) as out:
        out.write(b"new")
        out.flush()
        assert path.read_bytes() == b"old"  # a reader meanwhile sees the old file
    assert path.read_bytes() == b"new"
