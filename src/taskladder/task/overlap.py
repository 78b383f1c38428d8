"""Content overlap between splits: test (or dev) examples whose input also appears in train.

Ids cannot catch it (TREC's test set has 10 questions that occur word for word in train, under
other ids): inputs are compared after normalising case, Unicode form and whitespace. A score
on leaked examples measures memory, not skill, so the count is shown with every result and
``dedupe`` removes the leaked examples from train (never from dev or test, whose scores
must stay comparable).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .example import Example

_SPACE = re.compile(r"\s+")


def normalised_input(example: Example) -> str:
    text = unicodedata.normalize("NFKC", example.input_text()).casefold()
    return _SPACE.sub(" ", text).strip()


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
        return {"dev_in_train": self.dev_in_train, "test_in_train": self.test_in_train,
                "test_in_dev": self.test_in_dev, "removed_from_train": self.removed_from_train}

    def describe(self) -> str:
        """One line for the console; empty when the splits share nothing."""
        if not self.total:
            return ""
        parts = [f"{n} {what}" for n, what in ((self.test_in_train, "test inputs in train"),
                                               (self.dev_in_train, "dev inputs in train"),
                                               (self.test_in_dev, "test inputs in dev")) if n]
        return "split overlap: " + ", ".join(parts) + " (same text after normalising case and spaces)"


def _count_in(part: list[Example], seen: set[str]) -> int:
    return sum(1 for e in part if normalised_input(e) in seen)


def measure_overlap(train: list[Example], dev: list[Example], test: list[Example],
                    removed_from_train: int = 0) -> SplitOverlap:
    train_keys = {normalised_input(e) for e in train}
    dev_keys = {normalised_input(e) for e in dev}
    return SplitOverlap(dev_in_train=_count_in(dev, train_keys), test_in_train=_count_in(test, train_keys),
                        test_in_dev=_count_in(test, dev_keys), removed_from_train=removed_from_train)


def drop_leaked(train: list[Example], dev: list[Example], test: list[Example]) -> list[Example]:
    """Train without the examples whose normalised input appears in dev or test."""
    held_out = {normalised_input(e) for e in dev + test}
    return [e for e in train if normalised_input(e) not in held_out]
