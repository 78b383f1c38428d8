"""Best-of-N schedules: which pairs to judge, round after round, under a judge budget.

Every match is judged in both orders (two judge calls), so a judge's first-slot bias
cancels within the match. A schedule is a generator: it yields a round of ordered pairs
``(shown_first, shown_second)``, receives the verdicts ('a' = first shown won, 'b', 'tie'),
and finally returns the index it selects. The driver (``best_of_n``) adds what every
schedule shares: a hard call budget and early stopping.

- ``RoundRobin``: every pair, both orders: N(N-1) calls, played as N-1 circle-method rounds
  so early stopping can end it after any round. Picks the Bradley–Terry leader.
- ``Knockout``: a seeded random bracket, both orders per match; a split verdict is replayed
  up to ``replays`` times, then decided by a seeded coin. About 2(N-1) calls; one bad call
  can eliminate the best.
- ``SequentialHalving``: ceil(log2 N) rounds sharing ``budget`` calls equally; in each round
  the survivors play balanced matches, then Bradley–Terry is refitted on *all* battles so
  far and the better half survives. Default budget: half of round robin's.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Literal

import numpy as np
from pydantic import BaseModel

from .bradley_terry import BEST_OF_N_PRIOR, PairData, newton_fit
from .comparison import Winner

Pair = tuple[int, int]
Plan = Generator[list[Pair], list[Winner], int]

_SCORE = {"a": 1.0, "b": 0.0, "tie": 0.5}


def outcomes_of(pairs: list[Pair], verdicts: list[Winner]) -> list[tuple[int, int, float, int]]:
    """(first, second, score_first, +1) tuples for PairData: the order is always known here."""
    return [(x, y, _SCORE[v], 1) for (x, y), v in zip(pairs, verdicts)]


def both_orders(matches: list[Pair]) -> list[Pair]:
    return [p for x, y in matches for p in ((x, y), (y, x))]


def circle_rounds(players: list[int]) -> list[list[Pair]]:
    """Round-robin rounds by the circle method: each player meets each other exactly once."""
    ps = list(players)
    if len(ps) % 2:
        ps.append(-1)  # bye
    m = len(ps)
    rounds = []
    for _ in range(m - 1):
        rounds.append([(ps[k], ps[m - 1 - k]) for k in range(m // 2) if -1 not in (ps[k], ps[m - 1 - k])])
        ps = [ps[0], ps[-1], *ps[1:-1]]
    return rounds


def _fit(n: int, history: list[tuple[int, int, float, int]], prior: float) -> np.ndarray:
    theta, *_ = newton_fit(PairData.from_outcomes(n, history), first_position=True, prior=prior)
    return theta


class RoundRobin(BaseModel):
    kind: Literal["round_robin"] = "round_robin"
    prior: float = BEST_OF_N_PRIOR

    def calls(self, n: int) -> int:
        return n * (n - 1)

    def plan(self, n: int, rng: np.random.Generator) -> Plan:
        history: list[tuple[int, int, float, int]] = []
        for matches in circle_rounds([int(p) for p in rng.permutation(n)]):
            pairs = both_orders(matches)
            verdicts = yield pairs
            history += outcomes_of(pairs, verdicts)
        return int(np.argmax(_fit(n, history, self.prior)))


class Knockout(BaseModel):
    kind: Literal["knockout"] = "knockout"
    replays: int = 1

    def calls(self, n: int) -> int:
        return 2 * (n - 1)  # without replays

    def plan(self, n: int, rng: np.random.Generator) -> Plan:
        alive = [int(p) for p in rng.permutation(n)]
        while len(alive) > 1:
            bye = alive.pop(int(rng.integers(len(alive)))) if len(alive) % 2 else None
            matches = [(alive[k], alive[k + 1]) for k in range(0, len(alive), 2)]
            margin = {m: 0.0 for m in matches}  # m[0]'s points minus m[1]'s, over orders and replays
            pending = list(matches)
            for _ in range(self.replays + 1):
                pairs = both_orders(pending)
                verdicts = yield pairs
                for k, m in enumerate(pending):
                    first_points = _SCORE[verdicts[2 * k]] + (1.0 - _SCORE[verdicts[2 * k + 1]])
                    margin[m] += first_points - 1.0
                pending = [m for m in pending if margin[m] == 0.0]
                if not pending:
                    break
            # still level after the replays: a seeded coin decides
            alive = [m[0] if margin[m] > 0 else m[1] if margin[m] < 0 else m[int(rng.integers(2))] for m in matches]
            if bye is not None:
                alive.append(bye)
        return alive[0]


class SequentialHalving(BaseModel):
    kind: Literal["sequential_halving"] = "sequential_halving"
    budget: int | None = None  # judge calls; default N(N-1)/2, half of round robin
    prior: float = BEST_OF_N_PRIOR

    def calls(self, n: int) -> int:
        return self.budget if self.budget is not None else n * (n - 1) // 2

    def plan(self, n: int, rng: np.random.Generator) -> Plan:
        budget = self.calls(n)
        n_rounds = max(1, math.ceil(math.log2(n)))
        survivors = list(range(n))
        history: list[tuple[int, int, float, int]] = []
        used = 0
        for r in range(n_rounds):
            if len(survivors) == 1:
                break
            matches_r = max(1, (budget - used) // (n_rounds - r) // 2)
            matches = _balanced_matches([survivors[k] for k in rng.permutation(len(survivors))], matches_r)
            pairs = both_orders(matches)
            verdicts = yield pairs
            used += len(pairs)
            history += outcomes_of(pairs, verdicts)
            theta = _fit(n, history, self.prior)
            keep = math.ceil(len(survivors) / 2)
            survivors = sorted(survivors, key=lambda k: -theta[k])[:keep]
        theta = _fit(n, history, self.prior)
        return max(survivors, key=lambda k: theta[k])


def _balanced_matches(players: list[int], count: int) -> list[Pair]:
    """``count`` matches among ``players``, walking circle-method rounds (repeating the whole
    round robin if the budget allows), so games per player stay within one of each other."""
    rounds = circle_rounds(players)
    out: list[Pair] = []
    while len(out) < count:
        for rnd in rounds:
            for m in rnd:
                out.append(m)
                if len(out) == count:
                    return out
    return out
