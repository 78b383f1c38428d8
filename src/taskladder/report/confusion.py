"""Confusion counts of a label field, from records: gold labels down, predictions across.

Labels are matched as the accuracy metric matches them (``normalize_text``: "Billing" and
"billing." are one class), each shown with its first gold spelling. Answers that could not
be read (parse failure, call error) get their own column, so they are never hidden.
"""

from __future__ import annotations

from pydantic import BaseModel

from ..metrics import normalize_text
from ..store.records import Record

# Past this many classes a matrix stops being readable; the per-label table still shows them.
MAX_CLASSES = 30


class Confusion(BaseModel):
    labels: list[str]  # gold labels first (most frequent first), then labels only ever predicted
    counts: list[list[int]]  # counts[gold][predicted]
    no_answer: list[int]  # per gold label: no readable prediction

    @property
    def total(self) -> int:
        return sum(map(sum, self.counts)) + sum(self.no_answer)


def confusion(records: list[Record], field: str) -> Confusion | None:
    scored = [r for r in records if r.expected.get(field) is not None]
    if not scored:
        return None
    names: dict[str, str] = {}
    gold_freq: dict[str, int] = {}
    for r in scored:
        key = normalize_text(r.expected[field])
        names.setdefault(key, str(r.expected[field]))
        gold_freq[key] = gold_freq.get(key, 0) + 1
    predicted: list[str | None] = []
    for r in scored:
        value = None if r.prediction is None else r.prediction.get(field)
        answer = None if value is None else normalize_text(value)
        if answer is not None:
            names.setdefault(answer, str(value))
        predicted.append(answer)
    order = sorted(gold_freq, key=lambda k: (-gold_freq[k], names[k]))
    order += sorted((k for k in names if k not in gold_freq), key=lambda k: names[k])
    index = {k: i for i, k in enumerate(order)}
    counts = [[0] * len(order) for _ in order]
    no_answer = [0] * len(order)
    for r, answered in zip(scored, predicted):
        g = index[normalize_text(r.expected[field])]
        if answered is None:
            no_answer[g] += 1
        else:
            counts[g][index[answered]] += 1
    return Confusion(labels=[names[k] for k in order], counts=counts, no_answer=no_answer)
