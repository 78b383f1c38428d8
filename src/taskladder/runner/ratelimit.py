"""Requests-per-minute and tokens-per-minute limits, per model.

A sliding one-minute window: before a call, wait until both the request count and the
estimated tokens of the last 60 s leave room. Cheap: a deque of (time, tokens).
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
