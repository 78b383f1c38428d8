"""Bradley–Terry fit: agreement with choix, recovery of known strengths, ties, first position."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest

from taskladder.rank import ELO_PER_LOGIT, Comparison, fit_bradley_terry, to_elo


def _simulate(strength: np.ndarray, n_battles: int, seed: int, *, bias: float = 0.0, p_tie: float = 0.0):
    """Named comparisons from a BT world; a shown first; optional first-slot bias and ties."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(n_battles):
        i, j = rng.choice(len(strength), 2, replace=False)
        first = "a" if rng.random() < 0.5 else "b"
        d = strength[i] - strength[j] + (bias if first == "a" else -bias)
        if rng.random() < p_tie:
            w = "tie"
        else:
            w = "a" if rng.random() < 1 / (1 + math.exp(-d)) else "b"
        rows.append(Comparison(item=f"q{k % 50}", a=f"p{i}", b=f"p{j}", winner=w, first=first))
    return rows


def test_agrees_with_choix_within_half_an_elo_point():
    choix = pytest.importorskip("choix")
    strength = np.random.default_rng(1).normal(0, 1, 12)
    rows = _simulate(strength, 3000, seed=2)
    names = [f"p{k}" for k in range(12)]
    index = {n: k for k, n in enumerate(names)}
    decisive = [(index[c.winner_name], index[c.b if c.winner == "a" else c.a]) for c in rows]
    ours = to_elo(fit_bradley_terry(rows, players=names, prior=0.0).logits)
    for theirs in (choix.opt_pairwise(12, decisive, alpha=0), choix.ilsr_pairwise(12, decisive, alpha=0, tol=1e-12)):
        assert np.max(np.abs(ours - to_elo(theirs))) < 0.5


def test_recovers_known_strengths_on_the_elo_scale():
    strength = np.array([1.5, 0.5, 0.0, -0.5, -1.5])
    fit = fit_bradley_terry(_simulate(strength, 20000, seed=3), players=[f"p{k}" for k in range(5)], prior=0.0)
    assert fit.converged
    elo = np.array([fit.ratings[f"p{k}"] for k in range(5)])
    assert abs(elo.mean() - 1000.0) < 1e-6
    truth = 1000 + ELO_PER_LOGIT * (strength - strength.mean())
    assert np.max(np.abs(elo - truth)) < 25  # ~1/7 logit at 8000 battles per contestant
    assert list(np.argsort(-elo)) == [0, 1, 2, 3, 4]


def test_a_tie_counts_as_half_a_win_each():
    rows = _simulate(np.array([0.8, 0.0, -0.6]), 600, seed=4, p_tie=0.3)
    # the same evidence with each tie written as one win for each side and every other row doubled
    doubled = []
    for c in rows:
        if c.winner == "tie":
            doubled += [c.model_copy(update={"winner": "a"}), c.model_copy(update={"winner": "b"})]
        else:
            doubled += [c, c]
    a = fit_bradley_terry(rows, players=["p0", "p1", "p2"], prior=0.0)
    b = fit_bradley_terry(doubled, players=["p0", "p1", "p2"], prior=0.0)
    assert np.allclose(a.logits, b.logits, atol=1e-8)
    assert not np.allclose(a.logits, fit_bradley_terry([c for c in rows if c.winner != "tie"], players=["p0", "p1", "p2"], prior=0.0).logits, atol=1e-3)


def test_first_position_term_recovers_a_simulated_bias():
    strength = np.random.default_rng(5).normal(0, 1, 6)
    rows = _simulate(strength, 12000, seed=6, bias=0.6)
    fit = fit_bradley_terry(rows, first_position=True, prior=0.0)
    assert fit.first_position_logit == pytest.approx(0.6, abs=0.08)
    assert fit.first_position_elo == pytest.approx(0.6 * ELO_PER_LOGIT, abs=0.08 * ELO_PER_LOGIT)
    plain = fit_bradley_terry(rows, prior=0.0)
    assert plain.first_position_logit is None


def test_undefeated_contestant_needs_the_prior(caplog):
    rows = [Comparison(item=str(k), a="champ", b="other", winner="a") for k in range(5)]
    with caplog.at_level(logging.WARNING):
        mle = fit_bradley_terry(rows, prior=0.0)
    assert not mle.converged and "did not converge" in caplog.text
    shrunk = fit_bradley_terry(rows)  # default prior keeps it finite
    assert shrunk.converged
    assert 0 < shrunk.logits[0] - shrunk.logits[1] < 20
    assert shrunk.p_win("champ", "other") > 0.8
