"""Limits and patterns every reader shares, kept in one place.

Sizes are checked before a file is read whole (`size_limit`), the text a reader produced
after (`MAX_TEXT_CHARS`).
"""

from __future__ import annotations

import re
from pathlib import Path

from bot import texts

MAX_FILE_BYTES = 50 * 1024 * 1024  # text and web pages
MAX_PACKAGE_BYTES = 100 * 1024 * 1024  # .docx and .pdf, whose bytes are mostly images
MAX_TEXT_CHARS = 5_000_000  # about fifty books; more is not a document a person collected
PACKAGE_SUFFIXES = frozenset({".docx", ".pdf"})

MAX_HEADING_CHARS = 60  # a numbered line longer than this is body text, not a heading

# A line of a typed table of contents: 「一、总体要求…………3」, 「第二章 总则 .... 12」
TOC_LINE = re.compile(r"[.…·．_\s]{4,}\s*\d{1,4}\s*$")
MAX_TOC_LINE_CHARS = 80


def size_limit(path: Path | str) -> int:
    """The largest file, in bytes, read for a document of this name."""
    return MAX_PACKAGE_BYTES if Path(path).suffix.lower() in PACKAGE_SUFFIXES else MAX_FILE_BYTES


def too_large(size: int, limit: int) -> str:
    """The reason given for a file over its limit."""
    return texts.FILE_TOO_LARGE.format(size=size // (1024 * 1024), limit=limit // (1024 * 1024))


def is_toc_line(line: str) -> bool:
    """「一、总体要求…………3」: a line of a typed table of contents."""
    return len(line.strip()) <= MAX_TOC_LINE_CHARS and TOC_LINE.search(line) is not None


# A .docx is a zip: checked before anything is inflated. What python-docx inflates is bounded
# by the sizes the zip declares (Python's zipfile stops at the declared size), so the declared
# sizes are what is checked: their sum, and the ratio of each large part to its compressed size.
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024  # all parts, images included
MAX_XML_BYTES = 48 * 1024 * 1024  # the XML parts, parsed into a tree: a 500-page report has ~15
MAX_ZIP_MEMBERS = 10_000
MAX_ZIP_RATIO = 200  # deflated XML of real documents stays well under 100 to 1
ZIP_RATIO_FROM_BYTES = 1024 * 1024  # parts smaller than this may compress as they like

# Reading in a worker process (bot.corpus.guard): its address space and time.
GUARD_MEMORY_BYTES = 1024 * 1024 * 1024
GUARD_SECONDS = 60.0
