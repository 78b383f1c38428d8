"""pareto_frontier on hand-made points (score higher is better, cost lower is better)."""

from __future__ import annotations

import math

from taskladder.report import pareto_frontier


def test_dominated_points_are_dropped_and_order_is_cheapest_first():
    points = [(0.9, 10.0), (0.5, 0.0), (0.7, 1.0), (0.6, 2.0), (0.9, 20.0), (0.4, 0.5)]
    assert pareto_frontier(points) == [1, 2, 0]


def test_unknown_cost_or_score_is_never_on_the_frontier():
    points = [(0.99, None), (0.5, 1.0), (None, 0.0), (0.8, math.nan)]
    assert pareto_frontier(points) == [1]


def test_equal_cost_keeps_only_the_best_and_duplicates_both_stay():
    assert pareto_frontier([(0.5, 1.0), (0.6, 1.0)]) == [1]
    assert pareto_frontier([(0.6, 1.0), (0.6, 1.0)]) == [0, 1]


def test_equal_score_keeps_only_the_cheapest():
    assert pareto_frontier([(0.8, 3.0), (0.8, 1.0), (0.8, 2.0)]) == [1]


def test_empty_and_single():
    assert pareto_frontier([]) == []
    assert pareto_frontier([(0.1, 5.0)]) == [0]
