"""A hard spending cap shared by every call of a climb.

Before a provider call starts, its worst case is reserved: input tokens counted with
tiktoken plus a safety margin for other tokenizers, plus ``max_tokens`` (or a default
cap) of output, at the model's price. A call whose worst case no longer fits is not made,
so the money spent can never pass the limit, even with many calls in flight at once.
"""

from __future__ import annotations

import functools
import threading

from ..models.config import Price
from ..prompt import count_text_tokens

TOKENIZER_MARGIN = 1.25  # other providers' tokenizers count up to ~20% more than tiktoken
PER_MESSAGE_TOKENS = 8
DEFAULT_OUTPUT_CAP = 1024  # worst-case output when a call sets no max_tokens


class Budget:
    def __init__(self, limit_usd: float):
        self.limit_usd = float(limit_usd)
        self.spent_usd = 0.0
        self.reserved_usd = 0.0
        self.refused_calls = 0
        self._lock = threading.Lock()

    @property
    def remaining_usd(self) -> float:
        return self.limit_usd - self.spent_usd - self.reserved_usd

    def reserve(self, worst_case_usd: float) -> bool:
        with self._lock:
            if self.spent_usd + self.reserved_usd + worst_case_usd > self.limit_usd + 1e-12:
                self.refused_calls += 1
                return False
            self.reserved_usd += worst_case_usd
            return True

    def settle(self, reserved_usd: float, actual_usd: float) -> None:
        with self._lock:
            self.reserved_usd -= reserved_usd
            self.spent_usd += actual_usd


def worst_case_cost(price: Price | None, messages: list[dict[str, str]], max_tokens: int | None) -> float:
    """Upper bound of one call's cost; 0 when the price is unknown (it cannot be bounded)."""
    if price is None:
        return 0.0

    counts = [_text_tokens(str(m.get("content", ""))) for m in messages]
    input_tokens = (sum(counts) + PER_MESSAGE_TOKENS * len(messages)) * TOKENIZER_MARGIN
    output_tokens = max_tokens or DEFAULT_OUTPUT_CAP
    return price.cost(int(input_tokens) + 1, int(output_tokens))


@functools.lru_cache(maxsize=4096)
def _text_tokens(text: str) -> int:
    """Tokens of one message's text, counted once per distinct text: the instructions and demos
    that every call of a run repeats are not counted again for each call."""
    return count_text_tokens([text], "gpt-4o")[0]
