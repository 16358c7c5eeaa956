"""Documents on disk -> text -> structure -> passages.

The flow reads one way: `files` (which files) -> `reading` (which reader; limits applied
once) -> `formats/` (one reader a format, each giving a `source.SourceText`) -> `structure`
(title, front and back matter, headings, sub-points) -> `passages`. Shared pieces have
homes of their own: `limits`, `source`, `encoding`, `headings`, `metadata`.
"""

# The version of what parsing produces. Bump it whenever the documents, their metadata or their
# passages come out differently for the same bytes: it is part of every cache key, so a bump
# makes the index re-read every document once.
PARSER_VERSION = 3
