"""Threshold choice on synthetic confidences: known optima, and the cheapest-threshold property
checked against brute force."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskladder.cascade import CascadeObservations, choose_threshold, cost_quality_curve, pick_point, thin_curve


def known(n: int = 10) -> CascadeObservations:
    """Confidence i/n; the cheap tier is right exactly when confidence >= 0.5; strong always right."""
    conf = [(i + 1) / n for i in range(n)]
    return CascadeObservations(
        ids=[f"e{i}" for i in range(n)], confidence=conf, cheap_score=[float(c >= 0.5) for c in conf],
        strong_score=[1.0] * n, cheap_cost=[0.0] * n, strong_cost=[0.001] * n)


def test_known_optimum_escalates_exactly_the_wrong_answers():
    obs = known()
    assert choose_threshold(obs, 1.0) == pytest.approx(0.5)
    point, reached = pick_point(cost_quality_curve(obs), 1.0)
    assert reached and point.escalated == 4 and point.score == 1.0
    assert point.cost_per_1k_calls == pytest.approx(4 * 0.001 / 10 * 1000)
    assert choose_threshold(obs, 0.8) == pytest.approx(0.3)  # two lowest escalated: 8 of 10 right
    assert choose_threshold(obs) == pytest.approx(0.5)  # default target: the strong tier's own score
    point, reached = pick_point(cost_quality_curve(obs), 1.01)  # out of reach: the best, cheapest
    assert not reached and point.escalated == 4


def test_curve_runs_from_cheap_alone_to_strong_alone_with_cost_growing():
    obs = known()
    curve = cost_quality_curve(obs)
    assert curve[0].escalated == 0 and curve[0].score == pytest.approx(0.6) and curve[0].cost_per_1k_calls == 0
    assert curve[-1].escalated == 10 and curve[-1].score == 1.0 and curve[-1].share_escalated == 1.0
    assert curve[-1].cost_per_1k_calls == pytest.approx(1.0)
    costs = [p.cost_per_1k_calls for p in curve]
    assert costs == sorted(costs) and len(curve) == 11


def test_missing_confidence_is_always_escalated_and_unknown_price_gives_unknown_cost():
    obs = CascadeObservations(ids=["a", "b", "c"], confidence=[None, 0.9, 0.2], cheap_score=[1.0, 1.0, 0.0],
                              strong_score=[0.0, 1.0, 1.0], cheap_cost=[0.0] * 3, strong_cost=[0.5, 0.5, None])
    curve = cost_quality_curve(obs)
    assert curve[0].escalated == 1  # the example without confidence, even at the lowest threshold
    assert curve[0].cost_per_1k_calls == pytest.approx(0.5 / 3 * 1000)
    assert curve[-1].cost_per_1k_calls is None  # the escalated set now includes an unknown price


def test_observations_must_line_up():
    with pytest.raises(ValueError, match="strong_score has 1 values for 2 examples"):
        CascadeObservations(ids=["a", "b"], confidence=[0.1, 0.2], cheap_score=[1, 0], strong_score=[1],
                            cheap_cost=[0, 0], strong_cost=[0, 0])


def test_thinning_keeps_both_ends_and_the_chosen_point():
    obs = known(500)
    curve = cost_quality_curve(obs)
    chosen, _ = pick_point(curve, 1.0)
    thin = thin_curve(curve, keep=11, always=chosen)
    assert thin[0] == curve[0] and thin[-1] == curve[-1] and chosen in thin
    assert len(thin) <= 13 and [p.escalated for p in thin] == sorted(p.escalated for p in thin)


def brute(obs: CascadeObservations, t: float) -> tuple[float, float]:
    n = obs.n
    esc = [c is None or c < t for c in obs.confidence]
    score = sum(s if e else c for e, s, c in zip(esc, obs.strong_score, obs.cheap_score)) / n
    cost = sum(obs.cheap_cost) + sum(c for e, c in zip(esc, obs.strong_cost) if e)
    return score, cost / n * 1000


@settings(max_examples=150, deadline=None)
@given(data=st.lists(st.tuples(st.sampled_from([0.1, 0.3, 0.5, 0.7, 0.9, 1.0]), st.booleans(), st.booleans(),
                               st.floats(0.0, 2.0)), min_size=1, max_size=30),
       target=st.floats(0.0, 1.0))
def test_choice_is_the_cheapest_threshold_that_reaches_the_target(data, target):
    obs = CascadeObservations(
        ids=[str(i) for i in range(len(data))], confidence=[d[0] for d in data],
        cheap_score=[float(d[1]) for d in data], strong_score=[float(d[2]) for d in data],
        cheap_cost=[0.0] * len(data), strong_cost=[d[3] for d in data])
    candidates = sorted(set(obs.confidence)) + [math.inf]
    options = [brute(obs, t) for t in candidates]
    point, reached = pick_point(cost_quality_curve(obs), target)
    score, cost = brute(obs, point.threshold)
    assert score == pytest.approx(point.score) and cost == pytest.approx(point.cost_per_1k_calls)
    ok = [c for s, c in options if s >= target - 1e-12]
    assert reached == bool(ok)
    if ok:
        assert score >= target - 1e-12 and cost <= min(ok) + 1e-9
    else:
        assert score == pytest.approx(max(s for s, _ in options))
