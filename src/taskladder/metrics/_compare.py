"""Paired comparison of two systems on the same examples: is B really better than A?

Pairing matters: both systems answered the same examples, so per-example differences cancel
the example-to-example difficulty that dominates the variance of each score alone.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import BaseModel

from ..errors import ConfigError
from ._base import Metric, Output, _check_lengths
from ._bootstrap import check_level, percentile_interval, resampled

Method = Literal["bootstrap", "mcnemar"]
_NAN = float("nan")


class CompareResult(BaseModel):
    """B against A on the same examples; ``diff`` is ``score_b - score_a``."""

    method: Method
    n: int
    score_a: float
    score_b: float
    diff: float
    ci_low: float
    ci_high: float
    p_value: float


def paired_compare(
    metric: Metric,
    predicted_a: list[Output | None],
    predicted_b: list[Output | None],
    expected: list[Output],
    method: Method = "bootstrap",
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> CompareResult:
    """Compare system B with system A under ``metric``.

    ``bootstrap``: both systems are re-scored on the same resampled examples; the interval
    is the percentile interval of the resampled differences and the two-sided p-value is
    twice the share of them on the other side of 0 (add-one smoothed, so it is never 0).
    ``mcnemar``: exact binomial test on the discordant pairs; needs 0/1 per-example scores.
    """
    _check_lengths(predicted_a, expected)
    _check_lengths(predicted_b, expected)
    check_level(level)
    if method == "mcnemar":
        if not metric.decomposable:
            raise ConfigError(
                f"McNemar's test compares per-example correctness, but '{metric.name}' is not a "
                "mean over examples; use method='bootstrap'"
            )
        return mcnemar_scores(metric.scores(predicted_a, expected), metric.scores(predicted_b, expected), level)
    if method != "bootstrap":
        raise ConfigError(f"unknown comparison method '{method}'; use bootstrap or mcnemar")
    n = len(expected)
    if n == 0:
        return _empty("bootstrap")
    if metric.decomposable:
        return paired_bootstrap_scores(
            metric.scores(predicted_a, expected), metric.scores(predicted_b, expected), n_boot, seed, level
        )
    score_a = metric.aggregate(predicted_a, expected)
    score_b = metric.aggregate(predicted_b, expected)
    stat_a = metric.resampler(predicted_a, expected)
    stat_b = metric.resampler(predicted_b, expected)
    diffs = resampled(lambda idx: stat_b(idx) - stat_a(idx), n, n_boot, seed)
    return _bootstrap_result(n, score_a, score_b, diffs, level)


def compare_auto(
    metric: Metric,
    predicted_a: list[Output | None],
    predicted_b: list[Output | None],
    expected: list[Output],
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> CompareResult:
    """McNemar when every per-example score is 0 or 1 (and the metric is a mean), else
    the paired bootstrap."""
    method: Method = "bootstrap"
    if metric.decomposable and len(expected):
        both = np.concatenate([metric.scores(predicted_a, expected), metric.scores(predicted_b, expected)])
        if np.isin(both, (0.0, 1.0)).all():
            method = "mcnemar"
    return paired_compare(metric, predicted_a, predicted_b, expected, method, n_boot, seed, level)


def paired_bootstrap_scores(
    scores_a: np.ndarray | list[float],
    scores_b: np.ndarray | list[float],
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> CompareResult:
    """Paired bootstrap from stored per-example scores of a mean-type metric."""
    a, b = _paired_arrays(scores_a, scores_b)
    if len(a) == 0:
        return _empty("bootstrap")
    d = b - a
    diffs = resampled(lambda idx: d[idx].mean(axis=1), len(d), n_boot, seed)
    return _bootstrap_result(len(d), float(a.mean()), float(b.mean()), diffs, level)


def mcnemar_scores(
    scores_a: np.ndarray | list[float], scores_b: np.ndarray | list[float], level: float = 0.95
) -> CompareResult:
    """Exact McNemar test from stored 0/1 per-example scores.

    The interval is the Wald interval of a difference of paired proportions; it is zero
    wide when the systems never disagree, as every resample would be too.
    """
    from scipy.stats import binomtest, norm

    check_level(level)
    a, b = _paired_arrays(scores_a, scores_b)
    if not (np.isin(a, (0.0, 1.0)).all() and np.isin(b, (0.0, 1.0)).all()):
        raise ConfigError(
            "McNemar's test needs 0/1 per-example scores (right or wrong) but this metric gives "
            "partial credit; use method='bootstrap'"
        )
    n = len(a)
    if n == 0:
        return _empty("mcnemar")
    only_a = int(np.sum((a == 1) & (b == 0)))
    only_b = int(np.sum((a == 0) & (b == 1)))
    discordant = only_a + only_b
    p_value = binomtest(only_b, discordant, 0.5).pvalue if discordant else 1.0
    diff = (only_b - only_a) / n
    se = math.sqrt(max(discordant - (only_b - only_a) ** 2 / n, 0.0)) / n
    z = float(norm.ppf(0.5 + level / 2))
    return CompareResult(
        method="mcnemar", n=n, score_a=float(a.mean()), score_b=float(b.mean()), diff=diff,
        ci_low=max(-1.0, diff - z * se), ci_high=min(1.0, diff + z * se), p_value=float(p_value),
    )


def _bootstrap_result(n: int, score_a: float, score_b: float, diffs: np.ndarray, level: float) -> CompareResult:
    diff = score_b - score_a
    if n == 1:
        # One example: every resample repeats it, so there is no evidence either way.
        low, high, p_value = diff, diff, 1.0
    else:
        low, high = percentile_interval(diffs, level)
        p_value = _two_sided_p(diff, diffs)
    return CompareResult(
        method="bootstrap", n=n, score_a=score_a, score_b=score_b, diff=diff,
        ci_low=low, ci_high=high, p_value=p_value,
    )


def _two_sided_p(diff: float, diffs: np.ndarray) -> float:
    if diff == 0:
        return 1.0
    beyond = int(np.sum(diffs <= 0)) if diff > 0 else int(np.sum(diffs >= 0))
    return min(1.0, 2 * (beyond + 1) / (len(diffs) + 1))


def _paired_arrays(scores_a: np.ndarray | list[float], scores_b: np.ndarray | list[float]) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(scores_a, dtype=float), np.asarray(scores_b, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"paired scores differ in shape: {a.shape} and {b.shape}")
    return a, b


def _empty(method: Method) -> CompareResult:
    return CompareResult(method=method, n=0, score_a=_NAN, score_b=_NAN, diff=_NAN,
                         ci_low=_NAN, ci_high=_NAN, p_value=_NAN)
