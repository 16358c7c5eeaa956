"""BM25 over segments whose scores equal rank-bm25's for the same tokens and parameters.

- `variants.py`: the three variants' formulas (okapi, plus, l), chosen once from the params;
- `postings.py`: one segment's saved postings and forward rows;
- `build.py`: building postings in bounded memory, from documents or by merging segments;
- `maxscore.py`: the exact top-k search, with its frozen tuning;
- `index.py`: `BM25Index`, the live statistics over the segments of one edition.
"""

from bot.search.bm25.index import BM25Index, SegmentPart, deleted_df, deleted_df_of
from bot.search.bm25.maxscore import DEFAULT_TUNING, MaxScoreTuning, TermList
from bot.search.bm25.postings import Postings, row_min_df
from bot.search.bm25.variants import BM25Params, rank_bm25_reference

__all__ = [
    "DEFAULT_TUNING",
    "BM25Index",
    "BM25Params",
    "MaxScoreTuning",
    "Postings",
    "SegmentPart",
    "TermList",
    "deleted_df",
    "deleted_df_of",
    "rank_bm25_reference",
    "row_min_df",
]
