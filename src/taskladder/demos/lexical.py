"""BM25 over ``Example.input_text()`` with bm25s (sparse, precomputed scores)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ..task import Example
from .base import DemoSelector
from .topk import top_indices


class BM25Index:
    """A bm25s index with its own vocabulary; queries never grow the vocabulary."""

    def __init__(self, texts: list[str], *, k1: float = 1.5, b: float = 0.75, stopwords: str | None = "en"):
        import bm25s
        from bm25s.tokenization import Tokenizer

        self.size = len(texts)
        self._tokenizer = Tokenizer(stopwords=stopwords or [])
        self.doc_ids: list[list[int]] = self._tokenizer.tokenize(
            texts, return_as="ids", show_progress=False
        )
        self._empty = self._tokenizer.get_vocab_dict().get("")
        self._retriever = bm25s.BM25(k1=k1, b=b)
        self._retriever.index(self.doc_ids, show_progress=False)

    def query_ids(self, text: str) -> list[int]:
        ids = self._tokenizer.tokenize([text], update_vocab=False, return_as="ids", show_progress=False)[0]
        return [i for i in ids if i != self._empty]

    def scores(self, text: str) -> np.ndarray:
        """BM25 score of every document for ``text`` (zeros when no query term is known)."""
        ids = self.query_ids(text)
        if not ids or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(ids), dtype=np.float32)


class BM25Selector(DemoSelector):
    """Nearest demos by BM25. Documents sharing no term with the query come after every
    match, in a seeded order, so a query with unknown words still gets k demos."""

    strategy = "bm25"

    def __init__(self, k: int, seed: int = 0, k1: float = 1.5, b: float = 0.75, stopwords: str | None = "en"):
        super().__init__(k, seed)
        self.k1, self.b, self.stopwords = k1, b, stopwords
        self.index: BM25Index | None = None
        self._perm = np.zeros(0, dtype=np.int64)
        self._rank = np.zeros(0, dtype=np.int64)

    def _fit(self, pool: list[Example]) -> None:
        self.index = BM25Index(
            [e.input_text() for e in pool], k1=self.k1, b=self.b, stopwords=self.stopwords
        )
        self._perm = np.random.default_rng(self.seed).permutation(len(pool))
        self._rank = np.empty_like(self._perm)
        self._rank[self._perm] = np.arange(len(pool))

    def _order(self, example: Example, want: int, excluded: set[int], rep: Any) -> Iterable[int]:
        assert self.index is not None
        scores = self.index.scores(example.input_text())
        matched = np.flatnonzero(scores > 0)
        if len(matched) >= want:
            return matched[top_indices(scores[matched], want, self._rank[matched])]
        best = matched[top_indices(scores[matched], len(matched), self._rank[matched])]
        return _then(best, self._perm, set(best.tolist()))


def _then(first: np.ndarray, rest: np.ndarray, skip: set[int]) -> Iterator[int]:
    yield from first.tolist()
    for i in rest.tolist():
        if i not in skip:
            yield i
