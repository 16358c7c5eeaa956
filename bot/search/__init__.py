"""Tokens -> BM25 index -> saved index."""
