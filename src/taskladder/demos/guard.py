"""The leakage guard: a demo must never be the query itself or a copy of its input.

Every selector's output passes through ``LeakGuard.take`` (and ``pack_demos`` through
``filter_leaks``), so this file is the one place the rule lives: a pool example is excluded
when it has the query's id or the same *normalised* input text (an exact duplicate filed
under another id would otherwise hand the model the answer).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from ..task import Example


def normalize_text(text: str) -> str:
    """Unicode NFKC, case-folded, whitespace collapsed: what counts as 'the same input'."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def text_key(example: Example) -> str:
    return normalize_text(example.input_text())


class LeakGuard:
    """Pool lookups by id and by normalised input text, built once at fit time."""

    def __init__(self, pool: Sequence[Example]):
        self._keys = [text_key(e) for e in pool]
        self._by_id: dict[str, list[int]] = {}
        self._by_text: dict[str, list[int]] = {}
        for i, (e, key) in enumerate(zip(pool, self._keys)):
            self._by_id.setdefault(e.id, []).append(i)
            self._by_text.setdefault(key, []).append(i)

    def excluded(self, example: Example) -> set[int]:
        """Pool indices that must not be shown with ``example``."""
        return set(self._by_id.get(example.id, ())) | set(self._by_text.get(text_key(example), ()))

    def take(self, order: Iterable[int], n: int, excluded: set[int]) -> list[int]:
        """The first ``n`` indices of ``order`` that do not leak, one per distinct input text."""
        picked: list[int] = []
        seen: set[str] = set()
        if n <= 0:
            return picked
        for i in order:
            i = int(i)
            if i in excluded or self._keys[i] in seen:
                continue
            seen.add(self._keys[i])
            picked.append(i)
            if len(picked) == n:
                break
        return picked


def filter_leaks(example: Example, candidates: Sequence[Example]) -> list[Example]:
    """``candidates`` without leaks of ``example`` and without repeated inputs, order kept."""
    guard = LeakGuard(candidates)
    return [candidates[i] for i in guard.take(range(len(candidates)), len(candidates), guard.excluded(example))]
