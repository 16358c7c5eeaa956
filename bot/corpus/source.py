"""What a format reader gives: the text of one file (`SourceText`), or `DocumentError`.

The text keeps one line a paragraph or heading. With `markdown=True`, `#` lines are
headings; a reader escapes a body line that starts with `#` (`escape_markdown_line`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


class DocumentError(Exception):
    """A document that cannot be used, with the reason."""


@dataclass(frozen=True)
class SourceText:
    path: Path
    text: str
    markdown: bool = False  # '#' lines are headings
    # Metadata the file states outright (YAML front matter); None: find it in the text.
    title: str | None = None
    date: str | None = None
    speaker: str | None = None
    notes: tuple[str, ...] = ()  # things the reader noticed that the owner should know


def escape_markdown_line(line: str) -> str:
    """A body line for markdown=True text: a leading '#' would make it a heading."""
    return "＃" + line[1:] if line.startswith("#") else line


_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])[ \t\u00a0]+(?=[{_CJK}])")


def squeeze_cjk_spaces(text: str) -> str:
    """Spaces between two Chinese characters (justified PDF text, HTML line breaks) removed."""
    return _CJK_GAP.sub("", text)
