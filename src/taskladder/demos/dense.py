"""Nearest demos by cosine similarity of sentence embeddings."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import embeddings
from ..errors import ConfigError
from ..task import Example
from .ann import VectorIndex
from .base import DemoSelector
from .topk import top_indices

if TYPE_CHECKING:
    from ..embeddings import EmbeddingCache

EmbedFn = Callable[[list[str]], np.ndarray]


def default_embed_fn(cache: "EmbeddingCache | None" = None) -> EmbedFn:
    """``taskladder.embeddings.embed_texts``, persisting vectors in ``cache`` when one is given."""

    if cache is None:
        return embeddings.embed_texts  # looked up per call, so it can be swapped (tests do)
    return functools.partial(embeddings.embed_texts, cache=cache)


@dataclass(frozen=True)
class QueryScores:
    """A query's cosine similarity to every pool row (one row of a batched matrix product)."""

    vector: np.ndarray
    scores: np.ndarray


def normalized(matrix: Any, what: str) -> np.ndarray:
    """float32 rows of unit length (cosine = dot product); zero rows stay zero.

    Rows already of unit length (``embed_texts`` output) are used as they are, without a
    copy: a 100k x 384 pool is 150 MB.
    """
    m = np.asarray(matrix, dtype=np.float32)
    if m.ndim != 2:
        raise ConfigError(f"{what}: expected a 2-D embedding matrix, got shape {m.shape}")
    norms = np.sqrt(np.einsum("ij,ij->i", m, m))  # no (n x dim) temporary, unlike linalg.norm
    if np.all((np.abs(norms - 1.0) < 1e-4) | (norms == 0)):
        return m
    return m / np.where(norms == 0, 1.0, norms)[:, None]


class EmbeddingSelector(DemoSelector):
    """Nearest demos by cosine over ``embed_fn`` vectors (default: ``taskladder.embeddings``,
    persisted in ``embedding_cache``, else the settings' embeddings cache)."""

    strategy = "embedding"

    def __init__(self, k: int, seed: int = 0, embed_fn: EmbedFn | None = None,
                 embedding_cache: "EmbeddingCache | None" = None):
        super().__init__(k, seed)
        self.embed_fn = embed_fn
        self.embedding_cache = embedding_cache
        self.matrix = np.zeros((0, 0), dtype=np.float32)
        self._rank = np.zeros(0, dtype=np.int64)
        self._given: np.ndarray | None = None  # precomputed pool vectors, only during fit

    def fit(self, pool: Sequence[Example], *, embeddings: np.ndarray | None = None) -> "EmbeddingSelector":
        """Fit on ``pool``; pass ``embeddings`` (one row per example) to skip embedding it."""
        self._given = embeddings
        try:
            super().fit(pool)
        finally:
            self._given = None
        return self

    def _embed(self, texts: list[str]) -> np.ndarray:
        fn = self.embed_fn or default_embed_fn(self.embedding_cache)
        return normalized(fn(texts), "embed_fn output")

    def _fit(self, pool: list[Example]) -> None:
        given = self._given
        if given is not None:
            if len(given) != len(pool):
                raise ConfigError(f"embeddings have {len(given)} rows for a pool of {len(pool)} examples")
            self.matrix = normalized(given, "embeddings")
        else:
            self.matrix = self._embed([e.input_text() for e in pool]) if pool else np.zeros((0, 0), np.float32)
        self._rank = np.random.default_rng(self.seed).permutation(len(pool))
        self.index = VectorIndex(self.matrix, seed=self.seed)

    def _encode_queries(self, examples: list[Example]) -> list[Any]:
        if not examples or not self.pool:
            return [None] * len(examples)
        vectors = self._embed([e.input_text() for e in examples])
        # Exact einsum for small pools, IVF for large ones: either way a query's scores do
        # not depend on the batch it came in (see demos/ann.py).
        return [QueryScores(v, s) for v, s in zip(vectors, self.index.scores(vectors))]

    def _order(self, example: Example, want: int, excluded: set[int], rep: Any) -> Iterable[int]:
        return top_indices(rep.scores, want, self._rank)
