"""Decontamination: drop training rows that share word n-grams with the dev/test splits.

The rule (texts are compared field by field, as case-folded word sequences without
punctuation):

* two texts overlap when they share a run of ``n`` (default 13) consecutive words;
* when either text has fewer than ``n`` words, a run of ``short_n`` (default 8) words counts;
* when either text has fewer than ``short_n`` words, only identical text counts (a short
  phrase such as "thank you very much" occurs everywhere; containment would flag noise).

13 words follows the GPT-3 / PaLM contamination studies; the 8-word fallback keeps short
texts (captions, tickets, questions) checkable at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from .report import FilterReport, _Collector
from .text import row_id, row_texts, words

R = TypeVar("R")


def _grams(w: list[str], n: int) -> Iterable[str]:
    return (" ".join(w[i : i + n]) for i in range(len(w) - n + 1))


class _EvalIndex:
    """The eval splits' n-grams, each mapped to the first eval row id holding it."""

    def __init__(self, n: int, short_n: int):
        self.n, self.short_n = n, short_n
        self.long: dict[str, str] = {}  # n-grams of eval texts with >= n words
        self.short_of_short: dict[str, str] = {}  # short_n-grams of eval texts with short_n..n-1 words
        self.short_all: dict[str, str] = {}  # short_n-grams of all eval texts with >= short_n words
        self.exact: dict[str, str] = {}  # whole eval texts with < n words

    def add(self, text: str, where: str) -> None:
        w = words(text)
        if not w:
            return
        if len(w) >= self.n:
            for g in _grams(w, self.n):
                self.long.setdefault(g, where)
        else:
            self.exact.setdefault(" ".join(w), where)
        if len(w) >= self.short_n:
            for g in _grams(w, self.short_n):
                self.short_all.setdefault(g, where)
                if len(w) < self.n:
                    self.short_of_short.setdefault(g, where)

    def match(self, text: str) -> tuple[str, str] | None:
        """(reason, eval row) of the first overlap of ``text`` with the eval texts, if any."""
        w = words(text)
        if not w:
            return None
        if len(w) < self.short_n:
            hit = self.exact.get(" ".join(w))
            return ("identical_short_text", hit) if hit else None
        if len(w) >= self.n:
            for g in _grams(w, self.n):
                if g in self.long:
                    return (f"shared_{self.n}gram", self.long[g])
            table = self.short_of_short  # only a short eval text lowers the bar to short_n
        else:
            table = self.short_all  # this text is short: short_n against every eval text
        for g in _grams(w, self.short_n):
            if g in table:
                return (f"shared_{self.short_n}gram", table[g])
        return None


def decontaminate(
    rows: Sequence[R],
    eval_sets: Mapping[str, Sequence[Any]] | Sequence[Any],
    *,
    n: int = 13,
    short_n: int = 8,
    fields: Sequence[str] | None = None,
    eval_fields: Sequence[str] | None = None,
) -> tuple[list[R], FilterReport]:
    """Remove rows that overlap any eval row (see the module docstring for the rule).

    ``eval_sets`` is ``{"dev": rows, "test": rows}`` (or one sequence of rows/strings);
    ``fields``/``eval_fields`` pick which fields are compared (default: all content fields,
    so a leaked reference answer counts as well as a leaked input).
    """
    if not 1 <= short_n <= n:
        raise ValueError(f"need 1 <= short_n <= n, got short_n={short_n}, n={n}")
    sets = eval_sets if isinstance(eval_sets, Mapping) else {"eval": eval_sets}
    index = _EvalIndex(n, short_n)
    for split, eval_rows in sets.items():
        for j, er in enumerate(eval_rows):
            where = f"{split}:{row_id(er, j)}"
            for t in row_texts(er, eval_fields):
                index.add(t, where)

    out = _Collector(
        "decontamination",
        len(rows),
        rule=(
            f"overlap with {'/'.join(sets)}: shared {n}-word run; {short_n}-word run when either text "
            f"has < {n} words; identical text when either has < {short_n} words"
        ),
    )
    kept: list[R] = []
    for i, row in enumerate(rows):
        hit = None
        for t in row_texts(row, fields):
            hit = index.match(t)
            if hit:
                break
        if hit is None:
            kept.append(row)
        else:
            reason, where = hit
            out.remove(row_id(row, i), f"{reason}:{where.split(':', 1)[0]}", matched=where)
    return kept, out.report
