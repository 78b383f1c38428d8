"""Confusion counts of a label field, from records: gold labels down, predictions across.

Labels are matched as the accuracy metric matches them (``normalize_text``: "Billing" and
"billing." are one class), each shown with its first gold spelling. Answers that could not
be read (parse failure, call error) get their own column, so they are never hidden.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from ..store.records import Record
from .digest import LabelCounts

# Past this many classes a matrix stops being readable; the per-label table still shows them.
MAX_CLASSES = 30


class Confusion(BaseModel):
    labels: list[str]  # gold labels first (most frequent first), then labels only ever predicted
    counts: list[list[int]]  # counts[gold][predicted]
    no_answer: list[int]  # per gold label: no readable prediction

    @property
    def total(self) -> int:
        return sum(map(sum, self.counts)) + sum(self.no_answer)


def confusion_of(counts: LabelCounts) -> Confusion | None:
    """The matrix of counts gathered one example at a time (``report.digest``)."""
    if not counts.gold_freq:
        return None
    order = counts.order()
    index = {k: i for i, k in enumerate(order)}
    matrix = [[0] * len(order) for _ in order]
    for (g, p), n in counts.cells.items():
        matrix[index[g]][index[p]] = n
    no_answer = [0] * len(order)
    for g, n in counts.no_answer.items():
        no_answer[index[g]] = n
    return Confusion(labels=counts.names(order), counts=matrix, no_answer=no_answer)


def confusion(records: Iterable[Record], field: str) -> Confusion | None:
    return confusion_of(LabelCounts.of(records, field))
