"""Exponential backoff with full jitter, honouring a server's ``Retry-After``."""

from __future__ import annotations

import random

from pydantic import BaseModel


class RetryPolicy(BaseModel):
    max_retries: int = 6
    base_s: float = 0.5
    max_s: float = 30.0
    max_retry_after_s: float = 120.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if retry_after is not None:
            # The server said when; add a little jitter so a crowd does not return at once.
            return min(retry_after, self.max_retry_after_s) + rng.uniform(0, 0.1)
        cap = min(self.max_s, self.base_s * (2 ** (attempt - 1)))
        return rng.uniform(0, cap)
