"""Embedding retrieval: cosine similarity between the query and every chunk."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..demos.ann import VectorIndex
from ..demos.dense import normalized
from ..embeddings import embed_texts
from ..embeddings.model import DEFAULT_MODEL
from .base import Retriever
from .chunking import Chunk
from .index_cache import DEFAULT_INDEX_CACHE, IndexCache, chunks_digest

if TYPE_CHECKING:
    from ..embeddings import EmbeddingCache

EmbedFn = Callable[[list[str]], np.ndarray]

class EmbeddingRetriever(Retriever):
    """Chunks ranked by cosine similarity of sentence embeddings.

    ``embed_fn`` maps texts to one vector per text (default: ``taskladder.embeddings.
    embed_texts`` with ``model``, which caches vectors on disk by content hash, in
    ``embedding_cache`` or else the settings' embeddings cache). Only the
    default function's matrices are shared through the index cache: an injected function
    may give other vectors for the same texts.
    """

    strategy = "embedding"

    def __init__(
        self,
        k: int = 4,
        *,
        embed_fn: EmbedFn | None = None,
        model: str = DEFAULT_MODEL,
        cache: IndexCache | None = DEFAULT_INDEX_CACHE,
        embedding_cache: "EmbeddingCache | None" = None,
    ):
        super().__init__(k)
        self.embed_fn = embed_fn
        self.embedding_cache = embedding_cache
        self.model = model
        self.cache = cache
        self.matrix = np.zeros((0, 0), dtype=np.float32)
        self._index: VectorIndex | None = None
        self._indexed: np.ndarray | None = None

    def _embed(self, texts: list[str]) -> np.ndarray:
        if self.embed_fn is not None:
            vectors = self.embed_fn(texts)
        else:
            vectors = embed_texts(texts, self.model, cache=self.embedding_cache)
        return normalized(vectors, "embed_fn output")

    def fit_matrix(self, chunks: list[Chunk], matrix: np.ndarray) -> "EmbeddingRetriever":
        """Fit with precomputed chunk vectors (one row per chunk), skipping the embedding."""
        if len(matrix) != len(chunks):
            raise ValueError(f"{len(matrix)} embedding rows for {len(chunks)} chunks")
        self._chunks = list(chunks)
        self._order = np.arange(len(chunks), dtype=np.int64)
        self.matrix = normalized(matrix, "chunk embeddings")
        self._reindex()
        return self

    def _fit(self, chunks: list[Chunk]) -> None:
        def build() -> np.ndarray:
            return self._embed([c.display_text for c in chunks])

        if not chunks:
            self.matrix = np.zeros((0, 0), dtype=np.float32)
        elif self.cache is None or self.embed_fn is not None:
            self.matrix = build()
        else:
            self.matrix = self.cache.get_or_build(("embedding", self.model, chunks_digest(chunks)), build)
        self._reindex()

    def _scores(self, queries: list[str]) -> list[np.ndarray]:
        # Exact einsum up to ANN_MIN_ROWS chunks, IVF above (see demos/ann.py): a query's
        # scores never depend on the batch it came in, so prompts and cache keys do not either.
        index = self._index
        if index is None or self._indexed is not self.matrix:  # the matrix was set directly
            index = self._reindex()
        return index.scores(self._embed(queries))

    def _reindex(self) -> VectorIndex:
        self._index, self._indexed = VectorIndex(self.matrix), self.matrix
        return self._index

    def _keep(self, scores: np.ndarray, best: np.ndarray) -> list[int]:
        """Chunks in cells the IVF index did not read score -inf: never return them."""
        return [int(i) for i in best if np.isfinite(scores[i])]
