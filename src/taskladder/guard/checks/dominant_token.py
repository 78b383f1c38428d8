"""Input: one word dominating a long prompt, even when its copies are not back to back.

Words are whitespace tokens with ASCII punctuation removed, so "poem, poem! poem" cannot
dodge the count by varying punctuation.
"""

from __future__ import annotations

from ..config import DominantTokenConfig
from ..decision import Finding
from ..text import TextView
from .base import Check


class DominantTokenCheck(Check[DominantTokenConfig]):
    name = "dominant_token"

    def find(self, view: TextView) -> list[Finding]:
        cfg = self.config
        # A text shorter than min_tokens one-character tokens cannot qualify: skip the split.
        if len(view.text) < 2 * cfg.min_tokens - 1:
            return []
        words = view.words
        if len(words) < cfg.min_tokens:
            return []
        token, count = view.word_counts.most_common(1)[0]
        share = count / len(words)
        if share < cfg.threshold:
            return []
        first, last = max(view.low.find(token), 0), max(view.low.rfind(token) + len(token), 0)
        word = token.decode("utf-8", "replace")
        return [
            self.finding(
                span=(view.char_offset(first), view.char_offset(last)),
                score=round(share, 4),
                message=f"word {word[:40]!r} is {count} of {len(words)} words ({share:.0%})",
            )
        ]
