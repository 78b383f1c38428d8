"""Per-model limits: requests and tokens per minute (``RateLimiter``) and calls in flight
(``ConcurrencyLimit``, fixed or adaptive).

RateLimiter is a sliding one-minute window: before a call, wait until both the request count
and the estimated tokens of the last 60 s leave room. Cheap: a deque of (time, tokens).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque


class RateLimiter:
    def __init__(self, rpm: int | None = None, tpm: int | None = None, window_s: float = 60.0):
        self.rpm, self.tpm, self.window = rpm, tpm, window_s
        self._events: deque[tuple[float, int]] = deque()
        self._tokens = 0
        self._lock = asyncio.Lock()

    @property
    def active(self) -> bool:
        return bool(self.rpm or self.tpm)

    async def acquire(self, tokens: int = 0) -> None:
        if not self.active:
            return
        if self.tpm:
            tokens = min(tokens, self.tpm)  # one call larger than the budget still runs, alone
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._events and now - self._events[0][0] >= self.window:
                    _, t = self._events.popleft()
                    self._tokens -= t
                rpm_ok = not self.rpm or len(self._events) < self.rpm
                tpm_ok = not self.tpm or self._tokens + tokens <= self.tpm
                if rpm_ok and tpm_ok:
                    self._events.append((now, tokens))
                    self._tokens += tokens
                    return
                wait = self.window - (now - self._events[0][0]) if self._events else 0.01
                await asyncio.sleep(max(wait, 0.001))


ADAPTIVE_START = 8  # calls in flight an adaptive limit starts from (or the ceiling, when lower)
BACKOFF_COOLDOWN_S = 1.0  # one burst of 429s (the calls of one window) halves the limit once, not per call


class ConcurrencyLimit:
    """Calls in flight for one model: exactly as asked, or adaptive below that ceiling.

    Fixed: ``limit`` slots, like a semaphore. Adaptive (``models.yaml``: ``adaptive_concurrency:
    true``), after Inspect AI's adaptive connections and TCP's congestion control: start at
    ``ADAPTIVE_START`` (never above the ceiling); each success adds one slot until the first
    rate-limit answer (slow start: the limit doubles every round of calls), then one slot per
    ``limit`` successes (additive increase); a 429 or a ``Retry-After`` halves it (multiplicative
    decrease), at most once per ``BACKOFF_COOLDOWN_S``. It never exceeds the asked concurrency,
    and the RPM/TPM limiter still spaces every call, so growth stays within those limits.
    Calls already in flight above a lowered limit finish; no new one starts until they have.
    """

    def __init__(self, ceiling: int, adaptive: bool = False, start: int = ADAPTIVE_START):
        self.ceiling = max(1, ceiling)
        self.adaptive = adaptive
        self.limit = min(self.ceiling, max(1, start)) if adaptive else self.ceiling
        self.in_flight = 0
        self.peak = 0  # the most calls ever in flight at once
        self.backoffs = 0
        self._threshold = self.ceiling  # slow start below it, additive increase from it
        self._credit = 0
        self._last_backoff = float("-inf")
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def __aenter__(self) -> ConcurrencyLimit:
        if self.in_flight < self.limit and not self._waiters:  # a free slot: taken without another coroutine
            self._take()
        else:
            await self.acquire()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.release()

    async def acquire(self) -> None:
        if self.in_flight < self.limit and not self._waiters:
            self._take()
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the slot was handed over just as we were cancelled: pass it on
            else:
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def succeeded(self) -> None:
        """A call got an answer: an adaptive limit grows."""
        if not self.adaptive or self.limit >= self.ceiling:
            return
        if self.limit < self._threshold:
            self.limit += 1
        else:
            self._credit += 1
            if self._credit >= self.limit:
                self._credit = 0
                self.limit += 1
        self._wake()

    def rate_limited(self) -> None:
        """The provider said slow down (429, or an answer carrying Retry-After): an adaptive limit halves."""
        if not self.adaptive:
            return
        now = time.monotonic()
        if now - self._last_backoff < BACKOFF_COOLDOWN_S:
            return
        self._last_backoff = now
        self.limit = max(1, self.limit // 2)
        self._threshold = self.limit
        self._credit = 0
        self.backoffs += 1

    def _take(self) -> None:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._take()
                waiter.set_result(None)
