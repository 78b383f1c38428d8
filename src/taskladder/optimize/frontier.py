"""The per-example Pareto set (GEPA): candidates that are best on some example and that no
other candidate matches or beats on every example. Keeping them beside the top by mean score
keeps candidates that solve different examples alive, so later rounds can combine them."""

from __future__ import annotations

from collections.abc import Sequence


def per_example_front(scores: Sequence[Sequence[float]]) -> list[int]:
    """Indices of the non-dominated score vectors that reach the per-example best somewhere,
    the ones best on the most examples first. All vectors score the same examples."""
    if not scores:
        return []
    n = len(scores[0])
    best = [max(s[j] for s in scores) for j in range(n)]
    wins = [sum(1 for j in range(n) if s[j] >= best[j]) for s in scores]

    def dominated(i: int) -> bool:
        a = scores[i]
        for k, b in enumerate(scores):
            if k == i:
                continue
            if all(bj >= aj for aj, bj in zip(a, b)) and (any(bj > aj for aj, bj in zip(a, b)) or k < i):
                return True  # an exact tie is kept once: the earlier candidate
        return False

    front = [i for i in range(len(scores)) if wins[i] > 0 and not dominated(i)]
    return sorted(front, key=lambda i: (-wins[i], i))
