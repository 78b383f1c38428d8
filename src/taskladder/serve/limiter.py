"""Bounded concurrency that refuses instead of queueing.

A request that finds every slot busy gets 429 with ``Retry-After`` at once: queueing
behind a slow model only turns overload into timeouts. The server runs one event loop,
so the check-and-increment needs no lock (nothing awaits between them).
"""

from __future__ import annotations

import math


class ConcurrencyLimiter:
    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.limit = limit
        self.in_flight = 0
        self._mean_s: float | None = None  # exponentially weighted mean service time

    def try_acquire(self) -> bool:
        if self.in_flight >= self.limit:
            return False
        self.in_flight += 1
        return True

    def release(self, elapsed_s: float) -> None:
        self.in_flight -= 1
        self._mean_s = elapsed_s if self._mean_s is None else 0.8 * self._mean_s + 0.2 * elapsed_s

    def retry_after(self) -> int:
        """Seconds a client should wait: about one mean service time, at least 1."""
        return max(1, math.ceil(self._mean_s or 1.0))
