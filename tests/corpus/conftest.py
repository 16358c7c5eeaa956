"""Fixtures for the ingestion tests; the document builders live in builders.py."""

from __future__ import annotations

from pathlib import Path

import pytest

# ---- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "library"
    path.mkdir()
    return path
