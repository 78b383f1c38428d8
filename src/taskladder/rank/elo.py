"""Online Elo, for display only.

Online Elo depends on the order in which battles are replayed and never converges to a
fixed point, so it is not used for intervals or selection; the Bradley–Terry fit is. It is
kept because people read it fluently ("this run moved +40 after the last batch").
"""

from __future__ import annotations

from collections.abc import Iterable

from .comparison import Comparison


def online_elo(
    comparisons: Iterable[Comparison], *, k: float = 16.0, initial: float = 1000.0, scale: float = 400.0,
) -> dict[str, float]:
    """Replay comparisons in the given order with the classic Elo update (tie = half a win)."""
    rating: dict[str, float] = {}
    for c in comparisons:
        ra = rating.setdefault(c.a, initial)
        rb = rating.setdefault(c.b, initial)
        expected_a = 1.0 / (1.0 + 10.0 ** ((rb - ra) / scale))
        score_a = {"a": 1.0, "b": 0.0, "tie": 0.5}[c.winner]
        rating[c.a] = ra + k * (score_a - expected_a)
        rating[c.b] = rb - k * (score_a - expected_a)
    return rating
