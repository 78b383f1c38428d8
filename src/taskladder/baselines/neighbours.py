"""Nearest training example for each query, by BM25 or by embedding cosine.

Both indexes answer ``nearest(texts) -> (indices, scores)``, so the kNN copy baseline and the
classifiers' fallback for non-label fields can use either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..embeddings import DEFAULT_MODEL, embed_texts

if TYPE_CHECKING:
    from ..embeddings import EmbeddingCache

# Query rows scored at once against the whole train matrix (bounds memory for big tasks).
_QUERY_CHUNK = 2048


class NeighbourIndex(Protocol):
    kind: str

    def fit(self, texts: list[str]) -> None: ...

    def nearest(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]: ...


class Bm25Neighbours:
    """BM25 (bm25s) over lower-cased word tokens, English stop words removed.

    A score of 0 means the query shares no word with any training text.
    """

    kind = "bm25"

    def fit(self, texts: list[str]) -> None:
        import bm25s

        self._retriever = bm25s.BM25()
        self._retriever.index(self._tokenize(texts), show_progress=False)

    def nearest(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        docs, scores = self._retriever.retrieve(self._tokenize(texts), k=1, show_progress=False)
        return np.asarray(docs)[:, 0], np.asarray(scores, dtype=np.float32)[:, 0]

    @staticmethod
    def _tokenize(texts: list[str]) -> list[list[str]]:
        import bm25s

        return bm25s.tokenize(texts, stopwords="en", return_ids=False, show_progress=False)


class EmbedNeighbours:
    """Cosine similarity of sentence embeddings (cached by content hash in ``cache``, else in
    the settings' embeddings cache)."""

    kind = "embedding cosine"

    def __init__(self, model: str | None = None, cache: "EmbeddingCache | None" = None):
        self.model = model or DEFAULT_MODEL
        self.cache = cache

    def fit(self, texts: list[str]) -> None:
        self._train = embed_texts(texts, model=self.model, cache=self.cache)

    def nearest(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        return nearest_rows(embed_texts(texts, model=self.model, cache=self.cache), self._train)


def nearest_rows(queries: np.ndarray, train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index and cosine of the most similar ``train`` row for each (normalised) query row."""
    idx = np.empty(len(queries), dtype=np.int64)
    sim = np.empty(len(queries), dtype=np.float32)
    for start in range(0, len(queries), _QUERY_CHUNK):
        block = queries[start : start + _QUERY_CHUNK] @ train.T
        best = block.argmax(axis=1)
        idx[start : start + len(best)] = best
        sim[start : start + len(best)] = block[np.arange(len(best)), best]
    return idx, sim
