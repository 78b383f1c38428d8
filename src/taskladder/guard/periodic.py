"""Find runs where a short unit repeats back to back ("poem poem poem ...", "abcabcabc").

Trying every unit length at every position is quadratic-ish and far too slow for a 1 ms
budget on 10,000 characters. Instead we sample positions every ``step`` characters and ask
``str.find`` where the next ``window`` characters occur again within ``max_unit`` characters:
in a run with period ``p`` they recur exactly ``p`` characters later, so each sample costs
one C-level search. ``step`` is chosen so that every qualifying run contains a sample with
enough of the run after it, which makes the scan exact for the configured thresholds, not a
heuristic. Runs found are then extended both ways with slice comparisons.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple


class Run(NamedTuple):
    start: int
    end: int
    period: int

    @property
    def repeats(self) -> float:
        return (self.end - self.start) / self.period

    def unit(self, text: str) -> str:
        return text[self.start : self.start + self.period]


class PeriodicScanner:
    """Reusable scanner for one set of thresholds (``step`` is computed once)."""

    def __init__(self, *, max_unit: int, min_repeats: float, min_run_chars: int, window: int = 8):
        self.max_unit = max_unit
        self.min_repeats = min_repeats
        self.min_run_chars = min_run_chars
        self.window = max(1, min(window, min_run_chars // 2))
        # A run of length L with period p is caught from any sample that has at least
        # window + p characters of the run after it, so sampling every
        # min_p(L_min(p) - window - p) characters never misses a qualifying run.
        slack = min(self._min_length(p) - self.window - p for p in range(1, max_unit + 1))
        self.step = max(1, slack)

    def _min_length(self, period: int) -> int:
        return max(self.min_run_chars, math.ceil(period * self.min_repeats))

    def scan(self, text: str) -> list[Run]:
        runs: list[Run] = []
        n, w, j = len(text), self.window, 0
        floor = 0  # runs never extend back past the end of the previous one
        # Maximal runs already measured and found too short, by period: a later sample inside
        # one would measure the same run again (crafted near-threshold text made that slow).
        short: dict[int, tuple[int, int]] = {}
        while j + w <= n:
            run = self._run_at(text, j, floor, short)
            if run is not None:
                runs.append(run)
                floor = j = run.end
                short.clear()
            else:
                j += self.step
        return runs

    def _run_at(self, text: str, j: int, floor: int, short: dict[int, tuple[int, int]]) -> Run | None:
        w = self.window
        win = text[j : j + w]
        limit = j + self.max_unit + w
        k = text.find(win, j + 1, limit)
        while k != -1:
            p = k - j
            known = short.get(p)
            if known is None or not (known[0] <= j and j + p + w <= known[1]):
                end = _extend_forward(text, j, p)
                start = _extend_backward(text, j, p, floor)
                length = (end - start) // p * p  # whole units only; a partial tail is not a repeat
                if length >= self._min_length(p):
                    return Run(start, start + length, p)
                short[p] = (start, end)
            k = text.find(win, k + 1, limit)
        return None


def _extend_forward(text: str, j: int, p: int) -> int:
    """Largest ``end`` such that ``text[j:end]`` has period ``p``."""
    n = len(text)

    def periodic(d: int) -> bool:  # is text[j : j + d] periodic?
        return text[j + p : j + d] == text[j : j + d - p]

    return j + _gallop(periodic, good=min(n, j + p) - j, limit=n - j, size=max(2 * p, 16))


def _extend_backward(text: str, j: int, p: int, floor: int) -> int:
    """Smallest ``start >= floor`` such that ``text[start:j + p]`` has period ``p``."""

    def periodic(d: int) -> bool:  # is text[j - d : j + p] periodic?
        return text[j - d : j] == text[j - d + p : j + p]

    return j - _gallop(periodic, good=0, limit=j - floor, size=16)


def _gallop(ok: Callable[[int], bool], *, good: int, limit: int, size: int) -> int:
    """Largest ``d <= limit`` with ``ok(d)``, given ``ok(good)`` and ``ok`` true up to some
    point and false after: double the step until it fails, then bisect the last gap. Long
    runs cost a logarithmic number of slice comparisons instead of one per character."""
    while good < limit:
        probe = min(limit, size)
        if ok(probe):
            good, size = probe, size * 2
            continue
        bad = probe
        while bad - good > 1:
            mid = (good + bad) // 2
            if ok(mid):
                good = mid
            else:
                bad = mid
        return good
    return good
