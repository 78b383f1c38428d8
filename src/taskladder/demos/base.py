"""The selector interface: fit a pool once, then pick k demos per query.

Strategies only rank pool indices (``_order``); ``ranked`` owns the rest, so the leakage
guard and the "most similar last" order hold for every strategy alike.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from ..errors import ConfigError
from ..task import Example
from .guard import LeakGuard

# Queries encoded together in ``select_many``: big enough to amortise a scan of the pool,
# small enough that a (batch x pool) score matrix stays small (64 x 100k float32 = 25 MB).
QUERY_BATCH = 64


def stable_seed(seed: int, text: str) -> int:
    """A per-query seed that is the same in every process (``hash()`` is salted per run)."""
    digest = hashlib.sha256(f"{seed}\x00{text}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


class DemoSelector(ABC):
    """Picks ``k`` demos for a query from a fitted pool; the most similar one comes LAST."""

    strategy: ClassVar[str] = ""

    def __init__(self, k: int, seed: int = 0):
        if k < 0:
            raise ConfigError(f"demo selection: k must be 0 or more, got {k}")
        self.k = k
        self.seed = seed
        self._pool: list[Example] | None = None
        self._guard: LeakGuard | None = None

    @property
    def pool(self) -> list[Example]:
        if self._pool is None:
            raise RuntimeError(f"{type(self).__name__}.fit(pool) must be called before selecting")
        return self._pool

    def fit(self, pool: Sequence[Example]) -> "DemoSelector":
        """Build the index over ``pool`` once; later selections only query it."""
        self._pool = list(pool)
        self._guard = LeakGuard(self._pool)
        self._fit(self._pool)
        return self

    def ranked(self, example: Example, n: int | None = None) -> list[Example]:
        """Up to ``n`` pool examples, best first (all when ``n`` is None), never leaking."""
        return self._ranked(example, n, self._encode_queries([example])[0])

    def select(self, example: Example) -> list[Example]:
        """``k`` demos in prompt order: the best (most similar) one last, nearest the input."""
        return list(reversed(self.ranked(example, self.k)))

    def select_many(self, examples: Sequence[Example]) -> list[list[Example]]:
        """``select`` for each example; query-side work (embeddings, scores) is batched."""
        out: list[list[Example]] = []
        for start in range(0, len(examples), QUERY_BATCH):
            chunk = list(examples[start : start + QUERY_BATCH])
            reps = self._encode_queries(chunk)
            out.extend(list(reversed(self._ranked(e, self.k, r))) for e, r in zip(chunk, reps))
        return out

    def _ranked(self, example: Example, n: int | None, rep: Any) -> list[Example]:
        pool = self.pool
        assert self._guard is not None
        n = len(pool) if n is None else min(n, len(pool))
        if n <= 0:
            return []
        excluded = self._guard.excluded(example)
        # Ask for enough to survive the guard; if repeated texts in the pool still leave us
        # short, widen the request until the whole pool has been ranked.
        want = min(len(pool), n + len(excluded))
        while True:
            picked = self._guard.take(self._order(example, want, excluded, rep), n, excluded)
            if len(picked) >= n or want >= len(pool):
                return [pool[i] for i in picked]
            want = min(len(pool), want * 2)

    def _encode_queries(self, examples: list[Example]) -> list[Any]:
        """Per-query representation shared by ``_order`` calls (None unless overridden)."""
        return [None] * len(examples)

    @abstractmethod
    def _fit(self, pool: list[Example]) -> None: ...

    @abstractmethod
    def _order(self, example: Example, want: int, excluded: set[int], rep: Any) -> Iterable[int]:
        """Pool indices, best first, at least ``want`` of them when the pool has that many.

        ``excluded`` is a hint (skip them to save work); the guard filters regardless.
        """
