"""The ``Metric`` interface every scorer implements.

A metric scores one example in [0, 1] (the runner stores it on the record) and aggregates
a whole split (the report's headline number). Most metrics are means over examples, which
lets bootstrap and paired tests work on precomputed per-example scores; metrics that are
not (macro-F1) say so with ``decomposable = False`` and are re-aggregated per resample.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import numpy as np

Output = dict[str, Any]


class Metric(ABC):
    """Scores predictions against expected outputs; higher is better, in [0, 1]."""

    name: str = "metric"
    higher_is_better: bool = True
    # True when ``aggregate`` is the mean of ``score``: intervals can then be vectorised.
    decomposable: bool = True

    def score(self, predicted: Output | None, expected: Output) -> float:
        """Score one example. ``None`` (a parse failure or a failed call) scores 0."""
        if predicted is None:
            return 0.0
        return float(self._score(predicted, expected))

    @abstractmethod
    def _score(self, predicted: Output, expected: Output) -> float: ...

    def scores(self, predicted: list[Output | None], expected: list[Output]) -> np.ndarray:
        """Per-example scores as a float array (the input of bootstrap and paired tests)."""
        _check_lengths(predicted, expected)
        return np.fromiter(
            (self.score(p, e) for p, e in zip(predicted, expected)), dtype=float, count=len(expected)
        )

    def aggregate(self, predicted: list[Output | None], expected: list[Output]) -> float:
        """The split-level score: the mean of per-example scores (NaN for no examples)."""
        values = self.scores(predicted, expected)
        return float(values.mean()) if len(values) else float("nan")

    def resampler(
        self, predicted: list[Output | None], expected: list[Output]
    ) -> Callable[[np.ndarray], np.ndarray]:
        """A function from a block of resampled index rows to ``aggregate`` on each row.

        Mean-type metrics score every example once and average rows of scores. Others
        re-aggregate each resample; they may override this with a vectorised form that
        prepares the data once (macro-F1 does).
        """
        if self.decomposable:
            values = self.scores(predicted, expected)
            return lambda idx: values[idx].mean(axis=1)

        def each_row(idx: np.ndarray) -> np.ndarray:
            return np.array(
                [self.aggregate([predicted[j] for j in row], [expected[j] for j in row]) for row in idx]
            )

        return each_row

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def _check_lengths(predicted: list[Any], expected: list[Any]) -> None:
    if len(predicted) != len(expected):
        raise ValueError(f"{len(predicted)} predictions for {len(expected)} expected outputs")
