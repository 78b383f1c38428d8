"""BM25 retrieval over chunk texts (bm25s, through the index the demo selectors use)."""

from __future__ import annotations

import numpy as np

from ..demos.lexical import BM25Index
from .base import Retriever
from .chunking import Chunk
from .index_cache import DEFAULT_INDEX_CACHE, IndexCache, chunks_digest


class BM25Retriever(Retriever):
    """Chunks ranked by BM25. A chunk that shares no term with the query is never returned:
    for context, fewer chunks beat unrelated ones."""

    strategy = "bm25"

    def __init__(self, k: int = 4, *, k1: float = 1.5, b: float = 0.75, cache: IndexCache | None = DEFAULT_INDEX_CACHE):
        super().__init__(k)
        self.k1, self.b = k1, b
        self.cache = cache
        self.index: BM25Index | None = None

    def _fit(self, chunks: list[Chunk]) -> None:
        def build() -> BM25Index:
            return BM25Index([c.display_text for c in chunks], k1=self.k1, b=self.b)

        if not chunks:
            self.index = None
        elif self.cache is None:
            self.index = build()
        else:
            self.index = self.cache.get_or_build(("bm25", self.k1, self.b, chunks_digest(chunks)), build)

    def _scores(self, queries: list[str]) -> list[np.ndarray]:
        assert self.index is not None
        return [self.index.scores(q) for q in queries]

    def _keep(self, scores: np.ndarray, best: np.ndarray) -> list[int]:
        return [int(i) for i in best if scores[i] > 0]
