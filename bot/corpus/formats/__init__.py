"""One reader a format: bytes of a file -> `bot.corpus.source.SourceText`.

Each module imports its own library (python-docx, pypdf, BeautifulSoup) only when a file of
its format is read; `bot.corpus.reading` decides which reader a file gets.
"""
