"""Run a best-of-N schedule against a judge, with a call budget and early stopping.

Early stopping: after each round the driver refits Bradley–Terry on all verdicts so far and
stops when P(leader is the best) >= ``stop_at``, estimated by the Laplace approximation
(see ``p_best``). The selection is then the Bradley–Terry leader. Without early stopping
the schedule's own pick is returned (the BT leader, or the knockout champion).

Three entry points share one generator: ``run_best_of_n`` (a synchronous batch compare
function: simulations, tests), ``arun_best_of_n`` (an async batch compare function) and
``best_of_n`` (candidate texts and a ``Judge``: what a pipeline calls).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Generator, Sequence
from typing import Any, Union

import numpy as np
from pydantic import BaseModel, Field

from .bradley_terry import BEST_OF_N_PRIOR, PairData, newton_fit, to_elo
from .comparison import Comparison, Winner
from .judge import Judge, JudgeFn, as_judge_fn
from .p_best import p_best_laplace
from .schedules import Knockout, Pair, RoundRobin, SequentialHalving, outcomes_of

Schedule = Union[RoundRobin, Knockout, SequentialHalving]
CompareBatch = Callable[[list[Pair]], list[Winner]]
ACompareBatch = Callable[[list[Pair]], Awaitable[list[Winner]]]


class BestOfNResult(BaseModel):
    best: int
    ratings: list[float]  # BT on the Elo scale over all verdicts, per candidate
    p_best: float  # Laplace estimate that `best` is truly the best
    calls: int
    rounds: int
    stopped_early: bool
    budget_exhausted: bool
    schedule: str
    verdicts: list[tuple[int, int, str]] = Field(default_factory=list)  # (first, second, 'a'|'b'|'tie')


def _drive(
    n: int, schedule: Schedule, *, stop_at: float | None, max_calls: int | None, seed: int, prior: float,
) -> Generator[list[Pair], list[Winner], BestOfNResult]:
    rng = np.random.default_rng(seed)  # the schedule's draws (brackets, pairings)
    mc = np.random.default_rng([seed, 1])  # Laplace draws: kept apart so stopping checks do not reshuffle the schedule
    log: list[tuple[int, int, str]] = []
    history: list[tuple[int, int, float, int]] = []
    pick: int | None = None
    rounds = 0
    stopped_early = exhausted = False
    if n == 1:
        return BestOfNResult(best=0, ratings=[1000.0], p_best=1.0, calls=0, rounds=0, stopped_early=False,
                             budget_exhausted=False, schedule=schedule.kind)
    plan = schedule.plan(n, rng)
    try:
        pairs = next(plan)
        while True:
            if max_calls is not None and len(log) + len(pairs) > max_calls:
                pairs = pairs[: max(0, max_calls - len(log))]
                exhausted = True
            if not pairs:
                break
            verdicts = list((yield pairs))
            if len(verdicts) != len(pairs):
                raise ValueError(f"compare returned {len(verdicts)} verdicts for {len(pairs)} pairs")
            rounds += 1
            log += [(x, y, v) for (x, y), v in zip(pairs, verdicts)]
            history += outcomes_of(pairs, verdicts)
            if exhausted:
                break
            if stop_at is not None:
                theta, _, hess, _, _ = newton_fit(PairData.from_outcomes(n, history), first_position=True, prior=prior)
                if p_best_laplace(theta, hess, rng=mc) >= stop_at:
                    stopped_early = True
                    break
            pairs = plan.send(verdicts)
    except StopIteration as stop:
        pick = stop.value
    theta, _, hess, _, _ = newton_fit(PairData.from_outcomes(n, history), first_position=True, prior=prior)
    best = int(np.argmax(theta)) if pick is None else int(pick)
    return BestOfNResult(
        best=best, ratings=to_elo(theta).tolist(), p_best=p_best_laplace(theta, hess, leader=best, rng=mc),
        calls=len(log), rounds=rounds, stopped_early=stopped_early, budget_exhausted=exhausted,
        schedule=schedule.kind, verdicts=log,
    )


def run_best_of_n(
    n: int, compare: CompareBatch, schedule: Schedule | None = None, *, stop_at: float | None = None,
    max_calls: int | None = None, seed: int = 0, prior: float = BEST_OF_N_PRIOR,
) -> BestOfNResult:
    """Pick the best of ``n`` candidates with a synchronous batch judge.

    ``compare(pairs)`` gets ordered pairs (first shown, second shown) and returns one verdict
    per pair: 'a' (first shown won), 'b' or 'tie'.
    """
    gen = _drive(n, schedule or SequentialHalving(), stop_at=stop_at, max_calls=max_calls, seed=seed, prior=prior)
    try:
        pairs = next(gen)
        while True:
            pairs = gen.send(compare(pairs))
    except StopIteration as stop:
        return stop.value


async def arun_best_of_n(
    n: int, compare: ACompareBatch, schedule: Schedule | None = None, *, stop_at: float | None = None,
    max_calls: int | None = None, seed: int = 0, prior: float = BEST_OF_N_PRIOR,
) -> BestOfNResult:
    """As ``run_best_of_n`` with an async batch judge (a round's calls may run concurrently)."""
    gen = _drive(n, schedule or SequentialHalving(), stop_at=stop_at, max_calls=max_calls, seed=seed, prior=prior)
    try:
        pairs = next(gen)
        while True:
            pairs = gen.send(await compare(pairs))
    except StopIteration as stop:
        return stop.value


async def best_of_n(
    candidates: Sequence[str], judge: Judge | JudgeFn, *, item_input: Any, rubric: str | None = None,
    schedule: Schedule | None = None, stop_at: float | None = 0.95, max_calls: int | None = None,
    concurrency: int = 8, seed: int = 0, prior: float = BEST_OF_N_PRIOR,
) -> BestOfNResult:
    """Pick the best candidate text for one input with a pairwise ``Judge``."""
    fn = as_judge_fn(judge)
    sem = asyncio.Semaphore(concurrency)

    async def one(pair: Pair) -> Winner:
        async with sem:
            return await fn(item_input, candidates[pair[0]], candidates[pair[1]], rubric)

    async def compare(pairs: list[Pair]) -> list[Winner]:
        return list(await asyncio.gather(*(one(p) for p in pairs)))

    return await arun_best_of_n(
        len(candidates), compare, schedule, stop_at=stop_at, max_calls=max_calls, seed=seed, prior=prior
    )


def verdict_comparisons(result: BestOfNResult, names: Sequence[str], item: str) -> list[Comparison]:
    """The judge calls of a best-of-N run as ``Comparison`` rows (for the store, or ranking)."""
    return [
        Comparison(item=item, a=names[x], b=names[y], winner=v, first="a")  # type: ignore[arg-type]
        for x, y, v in result.verdicts
    ]
