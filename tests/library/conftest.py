"""Fixtures for the library tests: the four-format library, built once and copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.answer import Engine
from tests.support.library import build_library


@pytest.fixture(scope="session")
def pristine_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_library(tmp_path_factory.mktemp("library") / "documents")


@pytest.fixture
def library_dir(pristine_library: Path, tmp_path: Path) -> Path:
    """A copy of the library this test may change."""
    return Path(shutil.copytree(pristine_library, tmp_path / "documents"))


@pytest.fixture(scope="session")
def library_engine(pristine_library: Path, cache_dir: Path) -> Engine:
    return Engine.open(pristine_library, cache_dir)
