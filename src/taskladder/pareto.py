"""The quality/cost Pareto frontier: the runs nothing else beats on both axes.

Kept pure (plain numbers in, indices out) so it is easy to test and reuse outside the
report, e.g. by the ladder climber deciding whether a rung pays for itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeGuard


def _known(value: float | None) -> TypeGuard[float]:
    return value is not None and not math.isnan(value)


def pareto_frontier(points: Sequence[tuple[float | None, float | None]]) -> list[int]:
    """Indices of the Pareto-optimal ``(score, cost)`` points, cheapest first.

    Higher score and lower cost are better. A point is on the frontier when no other
    point is at least as good on both axes and strictly better on one. Points with an
    unknown score or cost (``None``/NaN) are left out: an unknown price must not pass
    for a free one. Exact duplicates dominate neither each other, so both are kept.
    """
    known = [
        (i, float(s), float(c))
        for i, (s, c) in enumerate(points)
        if _known(s) and _known(c)
    ]
    # Cheapest first; at equal cost the best score first, so one sweep that keeps every
    # point scoring above (or tying the exact point of) the best seen so far is enough.
    known.sort(key=lambda p: (p[2], -p[1], p[0]))
    frontier: list[int] = []
    best: tuple[float, float] | None = None  # (score, cost) of the last frontier point
    for i, score, cost in known:
        if best is None or score > best[0] or (score == best[0] and cost == best[1]):
            frontier.append(i)
            best = (score, cost)
    return frontier
