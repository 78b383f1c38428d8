"""Content overlap between splits: test (or dev) examples whose input also appears in train.

Ids cannot catch it (TREC's test set has 10 questions that occur word for word in train, under
other ids): inputs are compared after normalising case, Unicode form and whitespace. A score
on leaked examples measures memory, not skill, so the count is shown with every result and
``dedupe`` removes the leaked examples from train (never from dev or test, whose scores
must stay comparable).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .example import Example
from .packed import PackedExamples


def normalised_input(example: Example) -> str:
    text = unicodedata.normalize("NFKC", example.input_text()).casefold()
    return " ".join(text.split())  # str.split and re's \s agree on what is white space


@dataclass(frozen=True)
class SplitOverlap:
    """How many dev/test examples share their normalised input with an earlier split."""

    dev_in_train: int = 0
    test_in_train: int = 0
    test_in_dev: int = 0
    removed_from_train: int = 0  # by dedupe

    @property
    def total(self) -> int:
        return self.dev_in_train + self.test_in_train + self.test_in_dev

    def as_dict(self) -> dict[str, int]:
        return {
            "dev_in_train": self.dev_in_train,
            "test_in_train": self.test_in_train,
            "test_in_dev": self.test_in_dev,
            "removed_from_train": self.removed_from_train,
        }

    def describe(self) -> str:
        """One line for the console; empty when the splits share nothing."""
        if not self.total:
            return ""
        parts = [
            f"{n} {what}"
            for n, what in (
                (self.test_in_train, "test inputs in train"),
                (self.dev_in_train, "dev inputs in train"),
                (self.test_in_dev, "test inputs in dev"),
            )
            if n
        ]
        return "split overlap: " + ", ".join(parts) + " (same text after normalising case and spaces)"


def _keys(part: Sequence[Example]) -> np.ndarray:
    """Each example's normalised input as an 8-byte hash: a million dev inputs as a set of
    strings held ~150 MB; two different inputs sharing a 64-bit hash is a ~1e-8 chance at that size."""
    return np.fromiter((hash(normalised_input(e)) for e in part), dtype=np.int64, count=len(part))


def measure_overlap(
    train: Sequence[Example], dev: Sequence[Example], test: Sequence[Example], removed_from_train: int = 0
) -> SplitOverlap:
    train_keys, dev_keys, test_keys = _keys(train), _keys(dev), _keys(test)
    # Counts do not depend on order: each side searched in is sorted once, in place.
    train_keys.sort()
    dev_keys.sort()
    return SplitOverlap(
        dev_in_train=_found(dev_keys, train_keys),
        test_in_train=_found(test_keys, train_keys),
        test_in_dev=_found(test_keys, dev_keys),
        removed_from_train=removed_from_train,
    )


_CHUNK = 1 << 16


def _found(keys: np.ndarray, sorted_among: np.ndarray) -> int:
    """How many of ``keys`` are in ``sorted_among`` (``np.isin(keys, sorted_among).sum()``): a
    binary search, ``keys`` a chunk at a time. ``np.isin`` sorts both together, with ~40 bytes a
    key of temporaries (12 MB for 300,000 dev keys)."""
    if not len(keys) or not len(sorted_among):
        return 0
    found = 0
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        at = np.minimum(np.searchsorted(sorted_among, chunk), len(sorted_among) - 1)
        found += int((sorted_among[at] == chunk).sum())
    return found


def drop_leaked(train: Sequence[Example], dev: Sequence[Example], test: Sequence[Example]) -> Sequence[Example]:
    """Train without the examples whose normalised input appears in dev or test."""
    leaked = np.isin(_keys(train), np.concatenate([_keys(dev), _keys(test)]))
    if isinstance(train, PackedExamples):
        return train.take(~leaked)
    return [e for e, out in zip(train, leaked.tolist()) if not out]
