"""The retriever interface: fit chunks once, then return the top-k chunks for a query."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from pydantic import BaseModel

from ..demos.topk import top_indices
from ..errors import ConfigError
from .chunking import Chunk

# Queries scored together in ``search_many``: one pass over the index serves the batch,
# and a (batch x chunks) float32 score matrix stays small (64 x 100k = 25 MB).
QUERY_BATCH = 64


class ScoredChunk(BaseModel):
    chunk: Chunk
    score: float
    rank: int  # 1 = best

    model_config = {"frozen": True}


class Retriever(ABC):
    """Ranks fitted chunks for a query, best first; ties go to the earlier chunk."""

    strategy: ClassVar[str] = ""

    def __init__(self, k: int = 4):
        if k < 1:
            raise ConfigError(f"retrieval: k must be at least 1, got {k}")
        self.k = k
        self._chunks: list[Chunk] | None = None
        self._order = np.zeros(0, dtype=np.int64)

    @property
    def chunks(self) -> list[Chunk]:
        if self._chunks is None:
            raise RuntimeError(f"{type(self).__name__}.fit(chunks) must be called before searching")
        return self._chunks

    def fit(self, chunks: Sequence[Chunk]) -> "Retriever":
        """Index ``chunks`` once; searches only read the index."""
        self._chunks = list(chunks)
        self._order = np.arange(len(self._chunks), dtype=np.int64)
        self._fit(self._chunks)
        return self

    def search(self, query: str, k: int | None = None) -> list[ScoredChunk]:
        """The ``k`` (default ``self.k``) best chunks for ``query``, best first."""
        return self.search_many([query], k)[0]

    def search_many(self, queries: Sequence[str], k: int | None = None) -> list[list[ScoredChunk]]:
        """``search`` for each query, with the query-side work batched."""
        want = self.k if k is None else k
        if want < 1:
            raise ConfigError(f"retrieval: k must be at least 1, got {want}")
        chunks = self.chunks
        out: list[list[ScoredChunk]] = []
        for start in range(0, len(queries), QUERY_BATCH):
            batch = [str(q) for q in queries[start : start + QUERY_BATCH]]
            if not chunks:
                out.extend([] for _ in batch)
                continue
            for scores in self._scores(batch):
                out.append(self._top(scores, want))
        return out

    def _top(self, scores: np.ndarray, want: int) -> list[ScoredChunk]:
        chunks = self.chunks
        return [
            ScoredChunk(chunk=chunks[i], score=float(scores[i]), rank=r)
            for r, i in enumerate(self._keep(scores, top_indices(scores, want, self._order)), start=1)
        ]

    def _keep(self, scores: np.ndarray, best: np.ndarray) -> list[int]:
        """Which of the best indices to return; all of them unless a strategy says otherwise."""
        return best.tolist()

    @abstractmethod
    def _fit(self, chunks: list[Chunk]) -> None: ...

    @abstractmethod
    def _scores(self, queries: list[str]) -> list[np.ndarray]:
        """One score per fitted chunk for each query (higher = more relevant)."""
