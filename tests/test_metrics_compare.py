"""Paired comparisons: paired bootstrap and McNemar on synthetic paired systems."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binomtest

from taskladder.errors import ConfigError
from taskladder.metrics import compare_auto, get_metric, mcnemar_scores, paired_compare

ACC = get_metric("accuracy", None)


def paired_systems(seed: int, n: int, p_a: float, p_b: float) -> tuple[list, list, list]:
    """Two systems on the same examples; a shared difficulty makes their errors correlated."""
    rng = np.random.default_rng(seed)
    difficulty = rng.random(n)
    expected = [{"y": "yes"}] * n
    a = [{"y": "yes" if d < p_a else "no"} for d in difficulty + rng.normal(0, 0.2, n)]
    b = [{"y": "yes" if d < p_b else "no"} for d in difficulty + rng.normal(0, 0.2, n)]
    return a, b, expected


@pytest.mark.parametrize("method", ["bootstrap", "mcnemar"])
def test_detects_a_real_difference(method):
    a, b, expected = paired_systems(0, 400, 0.6, 0.75)
    result = paired_compare(ACC, a, b, expected, method=method)
    assert result.method == method and result.n == 400
    assert result.diff == pytest.approx(result.score_b - result.score_a) and result.diff > 0
    assert result.p_value < 0.05
    assert 0 < result.ci_low <= result.diff <= result.ci_high


@pytest.mark.parametrize("method", ["bootstrap", "mcnemar"])
def test_identical_systems_show_no_difference(method):
    a, _, expected = paired_systems(1, 300, 0.7, 0.7)
    result = paired_compare(ACC, a, list(a), expected, method=method)
    assert result.diff == 0 and result.p_value == 1.0
    assert result.ci_low == 0 and result.ci_high == 0


@pytest.mark.parametrize("method", ["bootstrap", "mcnemar"])
def test_false_positive_rate_under_the_null(method):
    # Equal accuracy, different errors: p < 0.05 should happen about 5% of the time.
    rejections = sum(
        paired_compare(ACC, *paired_systems(s, 200, 0.7, 0.7), method=method, n_boot=500, seed=s).p_value < 0.05
        for s in range(120)
    )
    assert rejections <= 14, rejections  # 5% of 120 = 6; 14 is far in the tail


def test_swapping_systems_mirrors_the_result():
    a, b, expected = paired_systems(2, 300, 0.6, 0.7)
    ab = paired_compare(ACC, a, b, expected, seed=4)
    ba = paired_compare(ACC, b, a, expected, seed=4)
    assert ab.diff == pytest.approx(-ba.diff)
    assert ab.ci_low == pytest.approx(-ba.ci_high) and ab.ci_high == pytest.approx(-ba.ci_low)
    assert ab.p_value == pytest.approx(ba.p_value)


def test_mcnemar_matches_direct_binomtest():
    a, b, expected = paired_systems(3, 250, 0.55, 0.65)
    sa, sb = ACC.scores(a, expected), ACC.scores(b, expected)
    only_a, only_b = int(((sa == 1) & (sb == 0)).sum()), int(((sa == 0) & (sb == 1)).sum())
    result = paired_compare(ACC, a, b, expected, method="mcnemar")
    assert result.p_value == pytest.approx(binomtest(only_b, only_a + only_b, 0.5).pvalue)
    assert result.diff == pytest.approx((only_b - only_a) / 250)
    assert mcnemar_scores(sa, sb) == result


def test_mcnemar_refuses_partial_credit_and_non_mean_metrics():
    f1 = get_metric("token_f1", None)
    expected = [{"t": "the red cat"}, {"t": "a dog"}]
    a = [{"t": "red cat"}, {"t": "dog"}]
    b = [{"t": "red"}, {"t": "dog"}]
    with pytest.raises(ConfigError, match="bootstrap"):
        paired_compare(f1, a, b, expected, method="mcnemar")
    macro = get_metric("macro_f1", None)
    with pytest.raises(ConfigError, match="bootstrap"):
        paired_compare(macro, [{"y": "a"}], [{"y": "b"}], [{"y": "a"}], method="mcnemar")
    with pytest.raises(ConfigError, match="mcnemar"):
        paired_compare(ACC, [{"y": "a"}], [{"y": "b"}], [{"y": "a"}], method="t-test")


def test_compare_auto_picks_the_method():
    a, b, expected = paired_systems(4, 100, 0.6, 0.7)
    assert compare_auto(ACC, a, b, expected).method == "mcnemar"
    f1 = get_metric("token_f1", None)
    gold = [{"t": "the red cat"}] * 20
    assert compare_auto(f1, [{"t": "red"}] * 20, [{"t": "red cat"}] * 20, gold).method == "bootstrap"
    macro = get_metric("macro_f1", None)
    assert compare_auto(macro, a, b, expected).method == "bootstrap"


def test_paired_bootstrap_for_macro_f1():
    rng = np.random.default_rng(6)
    labels = ["a", "b", "c"]
    gold = [{"y": labels[i]} for i in rng.integers(0, 3, size=300)]
    weak = [{"y": g["y"] if rng.random() < 0.5 else labels[rng.integers(0, 3)]} for g in gold]
    strong = [{"y": g["y"] if rng.random() < 0.9 else labels[rng.integers(0, 3)]} for g in gold]
    macro = get_metric("macro_f1", None)
    result = paired_compare(macro, weak, strong, gold, n_boot=500)
    assert result.score_a == pytest.approx(macro.aggregate(weak, gold))
    assert result.score_b == pytest.approx(macro.aggregate(strong, gold))
    assert result.diff > 0 and result.ci_low > 0 and result.p_value < 0.05


def test_degenerate_sizes():
    empty = paired_compare(ACC, [], [], [])
    assert empty.n == 0 and math.isnan(empty.diff) and math.isnan(empty.p_value)
    one = paired_compare(ACC, [None], [{"y": "a"}], [{"y": "a"}])
    assert one.diff == 1.0 and one.p_value == 1.0 and one.ci_low == one.ci_high == 1.0
    with pytest.raises(ValueError):
        paired_compare(ACC, [None], [], [{"y": "a"}])
