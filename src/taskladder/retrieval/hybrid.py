"""Hybrid retrieval: BM25 and embedding rankings merged by reciprocal-rank fusion.

RRF (Cormack et al. 2009) adds ``1 / (c + rank)`` over the rankings a chunk appears in. It
needs no score calibration between BM25 (unbounded) and cosine (-1..1), which is why it is
the usual way to combine the two.
"""

from __future__ import annotations

import numpy as np

from .base import Retriever
from .chunking import Chunk
from .dense import EmbeddingRetriever
from .lexical import BM25Retriever

RRF_C = 60  # the constant from the RRF paper; damps the weight of the very top ranks


class HybridRetriever(Retriever):
    strategy = "hybrid"

    def __init__(self, k: int = 4, *, lexical: BM25Retriever, dense: EmbeddingRetriever, depth: int = 50):
        super().__init__(k)
        self.lexical, self.dense = lexical, dense
        self.depth = depth  # how deep each ranking is read before fusing
        self._position: dict[str, int] = {}

    def _fit(self, chunks: list[Chunk]) -> None:
        self.lexical.fit(chunks)
        self.dense.fit(chunks)
        self._position = {c.id: i for i, c in enumerate(chunks)}

    def _scores(self, queries: list[str]) -> list[np.ndarray]:
        n = len(self.chunks)
        depth = min(n, max(self.depth, self.k))
        fused = [np.zeros(n, dtype=np.float64) for _ in queries]
        for ranker in (self.lexical, self.dense):
            for scores, hits in zip(fused, ranker.search_many(queries, depth)):
                for hit in hits:
                    scores[self._position[hit.chunk.id]] += 1.0 / (RRF_C + hit.rank)
        return fused

    def _keep(self, scores: np.ndarray, best: np.ndarray) -> list[int]:
        return [int(i) for i in best if scores[i] > 0]
