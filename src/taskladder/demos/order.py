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

import json
from typing import Literal

from ..task import Example

DemoOrder = Literal["vote-last"]
ORDERS: tuple[str, ...] = ("vote-last",)


def _answer(e: Example) -> str:
    return json.dumps(e.outputs, sort_keys=True, ensure_ascii=False)


def vote_last(demos: list[Example]) -> list[Example]:
    """``demos`` (most similar last) regrouped by answer: groups by ascending rank-weighted vote,
    each group in its own similarity order, so the winning answer's most similar demo is last.
    Ties between groups go to the group holding the more similar demo."""
    weight: dict[str, float] = {}
    closest: dict[str, int] = {}
    n = len(demos)
    for pos, e in enumerate(demos):
        key = _answer(e)
        weight[key] = weight.get(key, 0.0) + 1.0 / (n - pos)  # the last demo has rank 1
        closest[key] = pos
    return sorted(demos, key=lambda e: (weight[_answer(e)], closest[_answer(e)]))  # stable: keeps positions


def ordered(demos: list[Example], order: str | None) -> list[Example]:
    """``demos`` (most similar last) in the prompt order ``order`` names; None keeps them."""
    if order is None:
        return demos
    if order == "vote-last":
        return vote_last(demos)
    raise ValueError(f"unknown demo order '{order}'; use one of {', '.join(ORDERS)}")
