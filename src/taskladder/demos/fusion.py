"""Nearest demos by reciprocal-rank fusion of BM25 and sentence embeddings.

Each retriever ranks the pool; a row scores ``sum 1 / (c + rank)`` over the rankings it is in
(Cormack et al. 2009, c = 60). The two fail differently on short paraphrased inputs: BM25 is
misled by a second topic's words, embeddings by a paraphrase of another intent; a row both
rank high is more often of the input's intent than either's first pick (support tickets, dev:
nearest-row label right 83% fused, 81% embedding, 73% BM25).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError
from ..task import Example
from .base import DemoSelector
from .dense import EmbeddingSelector, EmbedFn
from .lexical import BM25Selector
from .topk import top_indices

if TYPE_CHECKING:
    from ..embeddings import EmbeddingCache

# Each ranking is read this deep (at least; more when more demos are wanted): a row past it
# in both rankings would score almost nothing anyway.
MIN_DEPTH = 100


class FusionSelector(DemoSelector):
    strategy = "fusion"

    def __init__(
        self,
        k: int,
        seed: int = 0,
        c: float = 60.0,
        embed_fn: EmbedFn | None = None,
        embedding_cache: "EmbeddingCache | None" = None,
    ):
        super().__init__(k, seed)
        if c <= 0:
            raise ConfigError(f"fusion: c must be above 0, got {c}")
        self.c = c
        self._bm25 = BM25Selector(k, seed)
        self._dense = EmbeddingSelector(k, seed, embed_fn=embed_fn, embedding_cache=embedding_cache)

    def _fit(self, pool: list[Example]) -> None:
        self._bm25.fit(pool)
        self._dense.fit(pool)

    def _encode_queries(self, examples: list[Example]) -> list[Any]:
        return self._dense._encode_queries(examples)

    def _order(self, example: Example, want: int, excluded: set[int], rep: Any) -> Iterable[int]:
        n = len(self.pool)
        depth = min(n, max(MIN_DEPTH, 2 * want))
        fused = np.zeros(n, dtype=np.float64)
        assert self._bm25.index is not None
        lexical = self._bm25.index.scores(example.input_text())
        matched = np.flatnonzero(lexical > 0)  # rows sharing no term are not ranked by BM25
        lex_top = matched[top_indices(lexical[matched], depth, self._bm25._rank[matched])]
        fused[lex_top] += 1.0 / (self.c + 1 + np.arange(len(lex_top)))
        dense_top = top_indices(rep.scores, depth, self._dense._rank)
        fused[dense_top] += 1.0 / (self.c + 1 + np.arange(len(dense_top)))
        # Rows in neither ranking (score 0) follow in the embedding order, ties by the seeded rank.
        ranked = top_indices(fused, min(n, depth * 2), self._dense._rank)
        ranked = ranked[fused[ranked] > 0]
        if len(ranked) >= want:
            return ranked
        taken = set(ranked.tolist())
        rest = [
            i
            for i in top_indices(rep.scores, min(n, want + len(taken) + len(excluded)), self._dense._rank).tolist()
            if i not in taken
        ]
        return np.concatenate([ranked, np.asarray(rest, dtype=np.int64)])
