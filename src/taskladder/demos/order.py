"""Demo order: which demo sits nearest the input.

Selectors return demos most similar LAST (``DemoSelector.select``). A small model given
nearest-neighbour demos mostly repeats the answer of the demos closest to the input (SmolLM2-135M
on the support-ticket example answers the last demo's label on 84% of test rows), so the order
decides the answer as much as the set does. ``vote-last`` keeps the same demos but groups them
by answer, the answer with the largest rank-weighted vote (1/rank, rank 1 = most similar) last:
the last demo then carries the answer most of the neighbours agree on, not only the single
closest one's.
"""

from __future__ import annotations

from typing import Literal

from ..store.keys import expected_key
from ..task import Example

DemoOrder = Literal["vote-last"]
ORDERS: tuple[str, ...] = ("vote-last",)


def vote_last(demos: list[Example]) -> list[Example]:
    """``demos`` (most similar last) regrouped by answer: groups by ascending rank-weighted vote,
    each group in its own similarity order, so the winning answer's most similar demo is last.
    Ties between groups go to the group holding the more similar demo."""
    keys = [expected_key(e.outputs) for e in demos]
    weight: dict[str, float] = {}
    closest: dict[str, int] = {}
    n = len(demos)
    for pos, key in enumerate(keys):
        weight[key] = weight.get(key, 0.0) + 1.0 / (n - pos)  # the last demo has rank 1
        closest[key] = pos
    # Stable: within a group the demos keep their similarity order.
    order = sorted(range(n), key=lambda pos: (weight[keys[pos]], closest[keys[pos]]))
    return [demos[pos] for pos in order]


def ordered(demos: list[Example], order: str | None) -> list[Example]:
    """``demos`` (most similar last) in the prompt order ``order`` names; None keeps them."""
    if order is None:
        return demos
    if order == "vote-last":
        return vote_last(demos)
    raise ValueError(f"unknown demo order '{order}'; use one of {', '.join(ORDERS)}")
