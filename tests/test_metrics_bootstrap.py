"""Bootstrap intervals: coverage, width, determinism and degenerate sizes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from taskladder.metrics import bootstrap_ci, bootstrap_mean_ci, get_metric

ACC = get_metric("accuracy", None)


def bernoulli_run(rng: np.random.Generator, n: int, p: float) -> tuple[list[dict], list[dict]]:
    correct = rng.random(n) < p
    expected = [{"y": "yes"}] * n
    predicted = [{"y": "yes" if c else "no"} for c in correct]
    return predicted, expected


def test_interval_covers_true_mean_at_about_the_nominal_rate():
    rng = np.random.default_rng(11)
    p, trials, hits = 0.7, 300, 0
    for t in range(trials):
        predicted, expected = bernoulli_run(rng, 150, p)
        low, high = bootstrap_ci(ACC, predicted, expected, n_boot=400, seed=t)
        hits += low <= p <= high
    coverage = hits / trials
    # Nominal 95%; percentile bootstrap runs slightly under at this n. Binomial s.d. ~1.3%.
    assert 0.89 <= coverage <= 0.99, coverage


def test_interval_narrows_like_one_over_root_n():
    rng = np.random.default_rng(5)
    widths = {}
    for n in (100, 1600):
        low, high = bootstrap_ci(ACC, *bernoulli_run(rng, n, 0.6), n_boot=1000)
        widths[n] = high - low
    ratio = widths[100] / widths[1600]
    assert 2.5 < ratio < 6.0, ratio  # sqrt(16) = 4


def test_interval_contains_point_estimate_and_grows_with_level():
    predicted, expected = bernoulli_run(np.random.default_rng(2), 300, 0.8)
    point = ACC.aggregate(predicted, expected)
    low80, high80 = bootstrap_ci(ACC, predicted, expected, level=0.8)
    low99, high99 = bootstrap_ci(ACC, predicted, expected, level=0.99)
    assert low99 < low80 <= point <= high80 < high99


def test_seeded_and_reproducible():
    predicted, expected = bernoulli_run(np.random.default_rng(1), 200, 0.5)
    assert bootstrap_ci(ACC, predicted, expected, seed=3) == bootstrap_ci(ACC, predicted, expected, seed=3)
    assert bootstrap_ci(ACC, predicted, expected, seed=3) != bootstrap_ci(ACC, predicted, expected, seed=4)


def test_stored_scores_give_the_same_interval_as_the_metric():
    predicted, expected = bernoulli_run(np.random.default_rng(8), 250, 0.65)
    scores = ACC.scores(predicted, expected)
    assert bootstrap_mean_ci(scores, seed=2) == bootstrap_ci(ACC, predicted, expected, seed=2)


def test_degenerate_sizes():
    low, high = bootstrap_ci(ACC, [], [])
    assert math.isnan(low) and math.isnan(high)
    assert bootstrap_ci(ACC, [{"y": "a"}], [{"y": "a"}]) == (1.0, 1.0)
    assert bootstrap_ci(ACC, [None], [{"y": "a"}]) == (0.0, 0.0)
    assert bootstrap_ci(ACC, [{"y": "a"}] * 5, [{"y": "a"}] * 5) == (1.0, 1.0)
    with pytest.raises(ValueError):
        bootstrap_ci(ACC, [None], [{"y": "a"}, {"y": "b"}])
    with pytest.raises(ValueError):
        bootstrap_ci(ACC, [None], [{"y": "a"}], level=95)


def test_macro_f1_interval_is_resampled_not_averaged():
    rng = np.random.default_rng(9)
    labels = ["a", "b", "c", "d"]
    gold = [{"y": labels[i]} for i in rng.integers(0, 4, size=400)]
    pred = [{"y": g["y"] if rng.random() < 0.7 else labels[rng.integers(0, 4)]} for g in gold]
    metric = get_metric("macro_f1", None)
    point = metric.aggregate(pred, gold)
    low, high = bootstrap_ci(metric, pred, gold, n_boot=500, seed=1)
    assert low < point < high and high - low < 0.2
    assert (low, high) == bootstrap_ci(metric, pred, gold, n_boot=500, seed=1)
