"""Deterministic top-k over a score vector (ties broken by a seeded rank, not by chance)."""

from __future__ import annotations

import numpy as np


def top_indices(scores: np.ndarray, want: int, tiebreak: np.ndarray) -> np.ndarray:
    """Indices of the ``want`` best scores, best first; equal scores ordered by ``tiebreak``.

    ``argpartition`` finds the threshold in O(n); everything at or above it (ties at the
    boundary included) is then sorted, so the result never depends on partition internals.
    """
    n = len(scores)
    want = min(want, n)
    if want <= 0:
        return np.zeros(0, dtype=np.int64)
    finite = np.flatnonzero(scores > -np.inf)
    if 0 < len(finite) < n and len(finite) >= want:
        # An IVF query scored only the rows it read; the rest are -inf. Selecting among the
        # scored rows alone is the same answer, and a partition over a mass of equal -inf
        # values is slow.
        return finite[top_indices(scores[finite], want, tiebreak[finite])]
    if want < n:
        threshold = np.partition(scores, n - want)[n - want]
        candidates = np.flatnonzero(scores >= threshold)
    else:
        candidates = np.arange(n)
    order = np.lexsort((tiebreak[candidates], -scores[candidates]))
    return candidates[order][:want]
