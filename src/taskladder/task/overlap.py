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
from .packed import PackedExamples, in_sorted


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
    return _overlap(_keys(train), _keys(dev), _keys(test), removed_from_train)


def dedupe_and_measure(
    train: Sequence[Example], dev: Sequence[Example], test: Sequence[Example], dedupe: bool
) -> tuple[Sequence[Example], SplitOverlap]:
    """Train (without its leaked examples when ``dedupe``) and the splits' overlap after that:
    ``drop_leaked`` then ``measure_overlap``, with each example's input normalised and hashed
    once, not once for each (every row read, hashed and its ``Example`` made twice)."""
    train_keys, dev_keys, test_keys = _keys(train), _keys(dev), _keys(test)
    removed = 0
    if dedupe:
        leaked = _leaked(train_keys, dev_keys, test_keys)
        removed = int(leaked.sum())
        if removed:
            train, train_keys = _without(train, leaked), train_keys[~leaked]
    return train, _overlap(train_keys, dev_keys, test_keys, removed)


def _overlap(train_keys: np.ndarray, dev_keys: np.ndarray, test_keys: np.ndarray, removed: int) -> SplitOverlap:
    # Counts do not depend on order: each side searched in is sorted once, in place.
    train_keys.sort()
    dev_keys.sort()
    return SplitOverlap(
        dev_in_train=_found(dev_keys, train_keys),
        test_in_train=_found(test_keys, train_keys),
        test_in_dev=_found(test_keys, dev_keys),
        removed_from_train=removed,
    )


def _found(keys: np.ndarray, sorted_among: np.ndarray) -> int:
    """How many of ``keys`` are in ``sorted_among`` (``np.isin(keys, sorted_among).sum()``)."""
    return int(in_sorted(keys, sorted_among).sum())


def _leaked(train_keys: np.ndarray, dev_keys: np.ndarray, test_keys: np.ndarray) -> np.ndarray:
    """Whether each train key is among the dev or test keys (``np.isin``)."""
    held_out = np.concatenate([dev_keys, test_keys])
    held_out.sort()
    return in_sorted(train_keys, held_out)


def _without(train: Sequence[Example], leaked: np.ndarray) -> Sequence[Example]:
    if isinstance(train, PackedExamples):
        return train.take(~leaked)
    return [e for e, out in zip(train, leaked.tolist()) if not out]


def drop_leaked(train: Sequence[Example], dev: Sequence[Example], test: Sequence[Example]) -> Sequence[Example]:
    """Train without the examples whose normalised input appears in dev or test."""
    return _without(train, _leaked(_keys(train), _keys(dev), _keys(test)))
