"""Best-of-N schedules with scripted and simulated judges whose truth is known."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from taskladder.rank import (
    Knockout,
    RoundRobin,
    SequentialHalving,
    best_of_n,
    circle_rounds,
    run_best_of_n,
    verdict_comparisons,
)


def perfect(strength):
    """A noiseless judge: the stronger candidate always wins, whatever the order."""
    return lambda pairs: ["a" if strength[x] > strength[y] else "b" for x, y in pairs]


def noisy(strength, seed, bias=0.5):
    rng = np.random.default_rng(seed)

    def compare(pairs):
        return ["a" if rng.random() < 1 / (1 + math.exp(-(strength[x] - strength[y] + bias))) else "b" for x, y in pairs]

    return compare


def test_circle_rounds_meet_everyone_once():
    for n in (2, 5, 8):
        pairs = [frozenset(m) for rnd in circle_rounds(list(range(n))) for m in rnd]
        assert len(pairs) == len(set(pairs)) == n * (n - 1) // 2


@pytest.mark.parametrize("n", [5, 8])
def test_round_robin_judges_every_ordered_pair_once(n):
    strength = np.random.default_rng(n).normal(size=n)
    res = run_best_of_n(n, perfect(strength), RoundRobin())
    assert res.calls == n * (n - 1)
    assert Counter((x, y) for x, y, _ in res.verdicts) == Counter({(x, y): 1 for x in range(n) for y in range(n) if x != y})
    assert res.best == int(np.argmax(strength)) and not res.stopped_early


@pytest.mark.parametrize("n", [7, 16])
def test_knockout_plays_both_orders_and_crowns_the_best_of_a_perfect_judge(n):
    strength = np.random.default_rng(n).normal(size=n)
    res = run_best_of_n(n, perfect(strength), Knockout())
    assert res.best == int(np.argmax(strength))
    assert res.calls == 2 * (n - 1)  # no split verdicts, so no replays
    firsts = Counter(frozenset((x, y)) for x, y, _ in res.verdicts)
    assert set(firsts.values()) == {2}


def test_knockout_replays_a_split_then_flips_a_seeded_coin():
    first_slot = lambda pairs: ["a"] * len(pairs)  # every match splits
    res = run_best_of_n(4, first_slot, Knockout(replays=1), seed=3)
    assert res.calls == 2 * 2 * 3  # 3 matches, each played twice in both orders
    assert res.best == run_best_of_n(4, first_slot, Knockout(replays=1), seed=3).best


def test_sequential_halving_respects_its_budget_and_finds_the_best():
    n = 16
    strength = np.random.default_rng(0).normal(size=n)
    res = run_best_of_n(n, perfect(strength), SequentialHalving(budget=60))
    assert res.calls <= 60 and res.rounds == 4
    assert res.best == int(np.argmax(strength))


def test_sequential_halving_beats_knockout_with_a_noisy_biased_judge():
    """Known truth, 80 worlds of 16 candidates: halving at half of round robin's calls finds
    the best far more often than chance (1/16) and than knockout."""
    hits = Counter()
    for t in range(80):
        strength = np.random.default_rng([1, t]).normal(0, 1.0, 16)
        best = int(np.argmax(strength))
        for name, sched in (("halving", SequentialHalving()), ("knockout", Knockout())):
            hits[name] += run_best_of_n(16, noisy(strength, [2, t]), sched, seed=t).best == best
    assert hits["halving"] >= 0.4 * 80
    assert hits["halving"] > hits["knockout"]


def test_p_best_is_calibrated_and_early_stop_trusts_it():
    """Laplace P(leader is best) should match how often the pick is right."""
    p, right = [], []
    for t in range(60):
        strength = np.random.default_rng([3, t]).normal(0, 1.5, 6)
        res = run_best_of_n(6, noisy(strength, [4, t]), RoundRobin(), seed=t)
        p.append(res.p_best)
        right.append(res.best == int(np.argmax(strength)))
    assert abs(np.mean(p) - np.mean(right)) < 0.12


def test_early_stop_and_max_calls():
    # candidate 0 beats everyone; the rest are indistinguishable coin flips
    rng = np.random.default_rng(0)
    judge = lambda pairs: [("a" if x == 0 else "b") if 0 in (x, y) else ("a" if rng.random() < 0.5 else "b") for x, y in pairs]
    res = run_best_of_n(8, judge, RoundRobin(), stop_at=0.9)
    assert res.stopped_early and res.calls < 56 and res.best == 0 and res.p_best >= 0.9
    full = run_best_of_n(8, judge, RoundRobin(), stop_at=None)
    assert not full.stopped_early and full.calls == 56
    capped = run_best_of_n(8, judge, RoundRobin(), max_calls=7)
    assert capped.calls == 7 and capped.budget_exhausted


async def test_async_best_of_n_with_a_judge_on_texts():
    texts = ["ok", "a fine answer", "the best, most thorough answer", "meh", "x"]

    async def judge(item_input, a, b, rubric):
        assert rubric == "longer is better" and item_input == {"q": 1}
        return "a" if len(a) > len(b) else "b"

    res = await best_of_n(texts, judge, item_input={"q": 1}, rubric="longer is better", schedule=RoundRobin(), stop_at=None)
    assert res.best == 2 and res.calls == 20
    rows = verdict_comparisons(res, [f"c{k}" for k in range(5)], item="q1")
    assert len(rows) == 20 and all(r.first == "a" for r in rows)
    assert sum(r.winner_name == "c2" for r in rows) == 8
