"""What the report needs from a run's records, gathered in one streaming pass.

The report used to hold every record of every run in memory (a 20,000-record run: 0.4 GB);
it now reads each run once, a page at a time, and keeps only counts: per label field, the
confusion counts (the per-label table is derived from them); the number of examples and of
wrong ones; the worst few errors; the first example id. Memory is bounded by the number of
distinct labels and the errors shown, never by the number of records.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..metrics import NO_ANSWER, as_text, breakdown_rows, normalize_text
from ..store.records import Record
from ..task import TaskSpec
from .worst import is_wrong, order_key

# A label set larger than this (without a spec saying so) is more likely free text.
MAX_INFERRED_LABELS = 200
# Past this length an expected value is free text, not a label.
_MAX_LABEL_CHARS = 80
WORST_LIMIT = 25


class LabelCounts:
    """Confusion counts of one label field, added to one example at a time.

    Labels are matched as the accuracy metric matches them (``normalize_text``); each is
    named with its first gold spelling, else its first predicted one, as ``encode_labels`` and
    ``confusion`` always named them.
    """

    def __init__(self) -> None:
        self.gold_freq: dict[str, int] = {}  # insertion order: first gold occurrence
        self.gold_name: dict[str, Any] = {}  # key -> first gold value
        self.pred_name: dict[str, Any] = {}  # key -> first predicted value (order: first prediction)
        self.cells: dict[tuple[str, str], int] = {}
        self.no_answer: dict[str, int] = {}

    @classmethod
    def of(cls, records: Iterable[Record], field: str) -> "LabelCounts":
        """The counts of ``field`` over ``records`` (examples with no gold value left out)."""
        counts = cls()
        for r in records:
            counts.add_record(r, field)
        return counts

    def add_record(self, r: Record, field: str) -> None:
        gold = r.expected.get(field)
        if gold is not None:
            self.add(gold, None if r.prediction is None else r.prediction.get(field))

    def add(self, gold: Any, predicted: Any) -> None:
        """One scored example: ``gold`` is not None; ``predicted`` None means no readable answer."""
        g = normalize_text(gold)
        if g not in self.gold_freq:
            self.gold_freq[g] = 0
            self.gold_name[g] = gold
        self.gold_freq[g] += 1
        if predicted is None:
            self.no_answer[g] = self.no_answer.get(g, 0) + 1
            return
        p = normalize_text(predicted)
        if p not in self.pred_name:
            self.pred_name[p] = predicted
        self.cells[g, p] = self.cells.get((g, p), 0) + 1

    @property
    def total(self) -> int:
        return sum(self.gold_freq.values())

    def _value(self, key: str) -> Any:
        return self.gold_name[key] if key in self.gold_name else self.pred_name[key]

    def order(self) -> list[str]:
        """Gold labels most frequent first, then labels only ever predicted."""
        names = {
            k: str(self._value(k)) for k in (*self.gold_freq, *(k for k in self.pred_name if k not in self.gold_freq))
        }
        order = sorted(self.gold_freq, key=lambda k: (-self.gold_freq[k], names[k]))
        order += sorted((k for k in names if k not in self.gold_freq), key=lambda k: names[k])
        return order

    def names(self, keys: Iterable[str]) -> list[str]:
        return [str(self._value(k)) for k in keys]

    def per_label_rows(self) -> list[dict[str, Any]]:
        """``metrics.per_label_breakdown``'s rows, from the counts: each (gold, predicted) cell
        is given once, weighted by its count, so every number is the one the per-example arrays gave."""
        import numpy as np

        if not self.gold_freq:
            return []
        keys = list(self.gold_freq) + [k for k in self.pred_name if k not in self.gold_freq]
        code = {k: i for i, k in enumerate(keys)}
        cells = [(code[g], code[p], n) for (g, p), n in self.cells.items()]
        cells += [(code[g], NO_ANSWER, n) for g, n in self.no_answer.items()]
        gold, pred, weight = (np.array(column) for column in zip(*cells))
        names = [as_text(self._value(k)) for k in keys]
        return breakdown_rows(gold.astype(np.int64), pred.astype(np.int64), names, weight.astype(np.float64))


class _Candidate:
    """A field that may be a label (no spec says which): every expected value a short
    string, repeated. Dropped, and its counts with it, the moment it cannot be."""

    def __init__(self) -> None:
        self.short_strings = 0  # examples whose value is a string of at most 80 characters
        self.counts = LabelCounts()


@dataclass
class RunDigest:
    """One run's records, reduced to what the report shows."""

    n: int = 0
    wrong: int = 0
    worst: list[Record] = field(default_factory=list)
    first_id: str | None = None  # smallest example id: the example whose messages are shown
    labels: dict[str, LabelCounts] = field(default_factory=dict)
    expected_keys: set[str] = field(default_factory=set)
    candidates: dict[str, _Candidate | None] | None = None  # None: fields given

    def inferred_fields(self) -> list[str]:
        """The label field of a run without a spec: a single output field whose expected values
        are short strings that repeat (free text would make a per-label table meaningless)."""
        if self.candidates is None or len(self.expected_keys) != 1 or not self.n:
            return []
        name = next(iter(self.expected_keys))
        cand = self.candidates.get(name)
        if cand is None or cand.short_strings != self.n:
            return []
        distinct = len(cand.counts.gold_freq)
        if distinct > MAX_INFERRED_LABELS or distinct > max(2, self.n // 2):
            return []
        self.labels = {name: cand.counts}
        return [name]


def digest(records: Iterable[Record], fields: list[str] | None, limit: int = WORST_LIMIT) -> RunDigest:
    """Read ``records`` once. ``fields``: the label fields to count; None: infer them (as
    ``RunDigest.inferred_fields``), counting each field that still could be one."""
    d = RunDigest(labels={f: LabelCounts() for f in fields or []}, candidates=None if fields is not None else {})

    def wrong_ones() -> Iterator[Record]:
        for r in records:
            d.n += 1
            if d.first_id is None or r.example_id < d.first_id:
                d.first_id = r.example_id
            for name, counts in d.labels.items():
                counts.add_record(r, name)
            if d.candidates is not None:
                _infer_step(d, r)
            if is_wrong(r):
                d.wrong += 1
                yield r

    # nsmallest is sorted(...)[:limit] (ties keep record order) holding only ``limit`` records.
    d.worst = heapq.nsmallest(limit, wrong_ones(), key=order_key)
    return d


def _infer_step(d: RunDigest, r: Record) -> None:
    assert d.candidates is not None
    d.expected_keys.update(r.expected)
    if len(d.expected_keys) > 1:
        d.candidates.clear()  # more than one output field: none is inferred a label
        return
    for name, value in r.expected.items():  # one field at most, here
        cand = d.candidates.setdefault(name, _Candidate())
        if cand is None:
            continue  # already ruled out
        if not (isinstance(value, str) and len(value) <= _MAX_LABEL_CHARS):
            d.candidates[name] = None
            continue
        cand.short_strings += 1
        cand.counts.add(value, None if r.prediction is None else r.prediction.get(name))
        if len(cand.counts.gold_freq) > MAX_INFERRED_LABELS:
            d.candidates[name] = None


def digest_runs(runs: Sequence[tuple[Any, Iterable[Record]]], task_spec: TaskSpec | None) -> list[RunDigest]:
    """A digest per run, in order. Label fields: the spec's, else those inferred from the
    first run with records (the best run: ``runs`` is in leaderboard order)."""
    fields = [name for name, f in task_spec.outputs.items() if f.type == "label"] if task_spec is not None else None
    out = []
    for _, records in runs:
        d = digest(records, fields)
        if fields is None and d.n:
            fields = d.inferred_fields()
        out.append(d)
    return out
