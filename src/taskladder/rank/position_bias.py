"""How much a judge's verdict depends on which answer it saw first.

Two figures, as in the MT-Bench paper: the share of pairs whose verdict changes when the
order is swapped (``flip_rate``; GPT-4 kept its verdict only ~65% of the time there), and the
share of decisive verdicts that went to the answer shown first (``first_slot_share``; 0.5
for an unbiased judge).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from pydantic import BaseModel

from .comparison import Comparison


class PositionBias(BaseModel):
    n_with_order: int  # verdicts whose display order is known
    n_decisive_with_order: int
    first_slot_share: float | None  # decisive verdicts won by the first-shown answer
    n_swapped_pairs: int  # (item, pair) judged in both orders, matched one-to-one
    flip_rate: float | None  # share of swapped pairs whose verdict changed (any change)
    reversal_rate: float | None  # share whose winner swapped outright (A then B, or B then A)


def measure_position_bias(comparisons: Sequence[Comparison]) -> PositionBias:
    """Measure position bias from comparisons that carry ``first``."""
    ordered = [c for c in comparisons if c.first is not None]
    decisive = [c for c in ordered if c.winner != "tie"]
    first_wins = sum(1 for c in decisive if c.winner_name == c.first_name)

    # Match each verdict shown X-first with one shown Y-first on the same item and pair.
    groups: dict[tuple[str, frozenset[str]], dict[str, list[str | None]]] = defaultdict(lambda: defaultdict(list))
    for c in ordered:
        groups[(c.item, frozenset((c.a, c.b)))][c.first_name or ""].append(c.winner_name)
    n_pairs = flips = reversals = 0
    for by_first in groups.values():
        sides = list(by_first.values())
        if len(sides) != 2:
            continue
        for v1, v2 in zip(sides[0], sides[1]):
            n_pairs += 1
            if v1 != v2:
                flips += 1
                if v1 is not None and v2 is not None:
                    reversals += 1
    return PositionBias(
        n_with_order=len(ordered),
        n_decisive_with_order=len(decisive),
        first_slot_share=first_wins / len(decisive) if decisive else None,
        n_swapped_pairs=n_pairs,
        flip_rate=flips / n_pairs if n_pairs else None,
        reversal_rate=reversals / n_pairs if n_pairs else None,
    )
