"""Maximal marginal relevance: relevant demos that do not repeat each other.

Greedy: each step takes the candidate maximising
``lambda * relevance - (1 - lambda) * max similarity to the demos already taken``,
over the ``fetch_k`` most relevant candidates. Relevance and similarity come from
embeddings (cosine) or from BM25 (scores scaled to [0, 1]; similarity = Jaccard overlap
of the two documents' BM25 terms).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..errors import ConfigError
from ..task import Example
from .base import DemoSelector
from .dense import EmbeddingSelector, EmbedFn

if TYPE_CHECKING:
    from ..embeddings import EmbeddingCache
from .lexical import BM25Selector
from .topk import top_indices

# MMR is quadratic in its candidates: it diversifies the first MAX_PICKS demos chosen from at
# most MAX_FETCH candidates (a prompt never holds more), and ranks any further ones plainly.
MAX_PICKS = 256
MAX_FETCH = 2048


class MMRSelector(DemoSelector):
    strategy = "mmr"

    def __init__(
        self,
        k: int,
        seed: int = 0,
        lambda_: float = 0.5,
        backend: Literal["embedding", "bm25"] = "embedding",
        fetch_k: int | None = None,
        embed_fn: EmbedFn | None = None,
        embedding_cache: "EmbeddingCache | None" = None,
    ):
        super().__init__(k, seed)
        if not 0.0 <= lambda_ <= 1.0:
            raise ConfigError(f"mmr: lambda_ must be in [0, 1], got {lambda_}")
        if backend not in ("embedding", "bm25"):
            raise ConfigError(f"mmr: unknown backend '{backend}'; use 'embedding' or 'bm25'")
        self.lambda_ = lambda_
        self.backend = backend
        self.fetch_k = fetch_k
        self._inner: EmbeddingSelector | BM25Selector = (
            EmbeddingSelector(k, seed, embed_fn=embed_fn, embedding_cache=embedding_cache) if backend == "embedding" else BM25Selector(k, seed)
        )

    def fit(self, pool: Sequence[Example], *, embeddings: np.ndarray | None = None) -> "MMRSelector":
        """Fit on ``pool``; ``embeddings`` (embedding backend) skips embedding the pool."""
        if isinstance(self._inner, EmbeddingSelector):
            self._inner.fit(pool, embeddings=embeddings)
        else:
            self._inner.fit(pool)
        super().fit(pool)
        return self

    def _fit(self, pool: list[Example]) -> None:
        """The inner selector already holds the index (built in ``fit``)."""

    def _encode_queries(self, examples: list[Example]) -> list[Any]:
        return self._inner._encode_queries(examples)

    def _relevance(self, example: Example, rep: Any) -> np.ndarray:
        inner = self._inner
        if isinstance(inner, EmbeddingSelector):
            return rep.scores
        assert inner.index is not None
        scores = inner.index.scores(example.input_text())
        top = float(scores.max()) if len(scores) else 0.0
        return scores / top if top > 0 else scores

    def _similarity(self, idx: np.ndarray) -> np.ndarray:
        inner = self._inner
        if isinstance(inner, EmbeddingSelector):
            vectors = inner.matrix[idx]
            return vectors @ vectors.T
        assert inner.index is not None
        return _jaccard([inner.index.doc_ids[i] for i in idx.tolist()])

    def _order(self, example: Example, want: int, excluded: set[int], rep: Any) -> Iterable[int]:
        relevance = self._relevance(example, rep)
        if excluded:
            # Leaks must not even count as "already covered" for the diversity term.
            relevance = relevance.copy()
            relevance[list(excluded)] = -np.inf
        picks = min(want, MAX_PICKS)
        fetch = min(max(picks, self.fetch_k or 4 * picks, 20), MAX_FETCH) + len(excluded)
        cand = top_indices(relevance, fetch, self._inner._rank)
        cand = cand[np.isfinite(relevance[cand])]
        if len(cand) == 0:
            return []
        chosen = cand[_greedy(relevance[cand].astype(np.float64), self._similarity(cand), picks, self.lambda_)]
        if want <= len(chosen):
            return chosen
        # Past MAX_PICKS, diversity buys little: the rest follow in plain relevance order.
        rest = top_indices(relevance, want + len(excluded), self._inner._rank)
        taken = set(chosen.tolist())
        return np.concatenate([chosen, np.array([i for i in rest.tolist() if i not in taken], dtype=np.int64)])


def _greedy(rel: np.ndarray, sim: np.ndarray, picks: int, lambda_: float) -> list[int]:
    """Positions in ``rel`` chosen by MMR, in the order chosen (most relevant first)."""
    taken = [0]  # candidates come sorted by relevance: the first is the most relevant
    closest = sim[0].astype(np.float64)  # each candidate's max similarity to those taken
    free = np.ones(len(rel), dtype=bool)
    free[0] = False
    while len(taken) < min(picks, len(rel)):
        gain = lambda_ * rel - (1.0 - lambda_) * closest
        gain[~free] = -np.inf
        j = int(np.argmax(gain))
        taken.append(j)
        free[j] = False
        closest = np.maximum(closest, sim[j])
    return taken


def _jaccard(docs: list[list[int]]) -> np.ndarray:
    """Pairwise Jaccard overlap of token-id sets, as one sparse product."""
    from scipy.sparse import csr_matrix

    rows = [sorted(set(d)) for d in docs]
    indptr = np.cumsum([0] + [len(r) for r in rows])
    indices = np.fromiter((t for r in rows for t in r), dtype=np.int64, count=int(indptr[-1]))
    width = int(indices.max()) + 1 if len(indices) else 1
    b = csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(len(rows), width))
    inter = (b @ b.T).toarray()
    sizes = np.diff(indptr).astype(np.float32)
    union = sizes[:, None] + sizes[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 1.0).astype(np.float32)
