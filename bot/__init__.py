"""speechbot: answers questions about Chinese speeches and official documents by quoting them.

The package is laid out in the order data flows through it:

    corpus/     files -> text -> structure (title, sections, sub-points) -> passages
    search/     tokens -> BM25 index -> saved index
    answer/     question -> ranked passages -> Answer ("found" or "not found")
    frontends/  command line, terminal chat, Telegram

Nothing flows backwards: the answer engine knows nothing of Telegram.
"""

__version__ = "0.1.0"
