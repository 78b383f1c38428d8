"""Leaderboard intervals: bootstrap over items (not battles), rank ranges, online Elo."""

from __future__ import annotations

import math

import numpy as np

from taskladder.rank import Comparison, online_elo, rank_comparisons


def _world(strength: dict[str, float], n_items: int, per_item: int, seed: int, *, item_prefix: str = "q"):
    rng = np.random.default_rng(seed)
    names = list(strength)
    rows = []
    for it in range(n_items):
        for _ in range(per_item):
            a, b = rng.choice(names, 2, replace=False)
            p = 1 / (1 + math.exp(-(strength[a] - strength[b])))
            rows.append(Comparison(item=f"{item_prefix}{it}", a=a, b=b, winner="a" if rng.random() < p else "b"))
    return rows


def _widths(board):
    return {r.name: r.ci_high - r.ci_low for r in board.ratings}


def test_intervals_resample_items_not_battles():
    rows = _world({"x": 0.6, "y": 0.0, "z": -0.6}, n_items=40, per_item=6, seed=1)
    base = _widths(rank_comparisons(rows, n_boot=200, seed=0))
    # Ten copies of every battle on the SAME items: no new items, so the item bootstrap
    # must not claim ten times the evidence ...
    same_items = _widths(rank_comparisons(rows * 10, n_boot=200, seed=0))
    # ... while ten copies on NEW items is ten times the items, and intervals shrink ~sqrt(10).
    new_items = [c.model_copy(update={"item": f"{c.item}/{k}"}) for k in range(10) for c in rows]
    more = _widths(rank_comparisons(new_items, n_boot=200, seed=0))
    for name in base:
        assert same_items[name] > 0.75 * base[name]
        assert more[name] < 0.5 * base[name]


def test_intervals_cover_truth_and_rank_ranges_separate_clear_gaps():
    strength = {"best": 1.5, "good": 0.5, "mid": 0.45, "weak": -2.45}
    board = rank_comparisons(_world(strength, n_items=150, per_item=8, seed=2), n_boot=300, seed=1)
    by = {r.name: r for r in board.ratings}
    assert [r.name for r in board.ratings][0] == "best" and board.ratings[-1].name == "weak"
    assert by["best"].rank_low == by["best"].rank_high == 1
    assert by["weak"].rank_low == by["weak"].rank_high == 4
    # good and mid are 0.05 logit apart: their rank ranges must overlap
    assert by["good"].rank_low <= by["mid"].rank_high and by["mid"].rank_low <= by["good"].rank_high
    mean = np.mean(list(strength.values()))
    for name, s in strength.items():
        truth = 1000 + 400 / math.log(10) * (s - mean)
        assert by[name].ci_low <= by[name].rating <= by[name].ci_high
        assert by[name].ci_low - 15 <= truth <= by[name].ci_high + 15
    assert board.n_items == 150 and board.n_judgments == 1200
    out = board.to_json()
    assert set(out["ratings"][0]) == {"name", "rating", "ci_low", "ci_high", "rank_low", "rank_high"}


def test_online_elo_moves_towards_the_winner_and_conserves_points():
    rows = [Comparison(item=str(k), a="a", b="b", winner="a") for k in range(10)]
    elo = online_elo(rows)
    assert elo["a"] > 1000 > elo["b"]
    assert elo["a"] + elo["b"] == 2000
    tie = online_elo([Comparison(item="1", a="a", b="b", winner="tie")])
    assert tie == {"a": 1000, "b": 1000}
