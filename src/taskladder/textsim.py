"""chrF / chrF++ via sacrebleu (Popović 2015, 2017), the standard implementation.

chrF++ (``word_order=2``, the default here) adds word unigrams and bigrams to character
n-grams up to 6, with recall weighted twice precision (beta = 2). Scores are 0–100, as in
sacrebleu, so they compare with published figures.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .errors import TaskladderError


@lru_cache(maxsize=8)
def _metric(word_order: int, char_order: int, beta: int) -> Any:
    try:
        from sacrebleu.metrics import CHRF
    except ImportError:  # pragma: no cover - depends on the environment
        raise TaskladderError("chrF needs the 'sacrebleu' package; install it with: pip install sacrebleu") from None
    return CHRF(char_order=char_order, word_order=word_order, beta=beta)


def chrf(hypothesis: str, reference: str, *, word_order: int = 2, char_order: int = 6, beta: int = 2) -> float:
    """Sentence-level chrF++ (chrF with ``word_order=0``) of one hypothesis against one reference."""
    return float(_metric(word_order, char_order, beta).sentence_score(hypothesis or "", [reference or ""]).score)
