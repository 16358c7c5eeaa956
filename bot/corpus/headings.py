"""Numbered heading families of Chinese official texts, and Markdown headings.

Families, outermost first when several occur in one document: `第一章`/`第一部分`/`第一编`,
`第一节`, `一、`, `（一）`, `1.`/`1、`, `（1）`. The rank says which family a line opens;
levels are ranked per document by `structure`.
"""

from __future__ import annotations

import re

CN_NUM = "一二三四五六七八九十百零〇两"

# (family rank, pattern). Lower rank = outer level.
HEADING_FAMILIES: tuple[tuple[int, re.Pattern[str]], ...] = (
    (0, re.compile(rf"^第[{CN_NUM}\d]+(?:部分|章|编|篇)")),
    (1, re.compile(rf"^第[{CN_NUM}\d]+节")),
    (2, re.compile(rf"^[{CN_NUM}]{{1,3}}[、．.](?![{CN_NUM}])")),
    (3, re.compile(rf"^[（(][{CN_NUM}]{{1,3}}[）)]")),
    (4, re.compile(r"^\d{1,2}(?:[、]|[.．](?!\d))")),
    (5, re.compile(r"^[（(]\d{1,2}[）)]")),
)
MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def heading_family(line: str) -> int | None:
    """The rank of the heading family `line` starts with (0 = 第一章 ... 5 = （1）), or None."""
    for rank, pattern in HEADING_FAMILIES:
        if pattern.match(line):
            return rank
    return None
