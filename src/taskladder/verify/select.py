"""Selection pipelines: filter candidates by verifiers, then rank the survivors pairwise.

Domain signals beat judges where they exist, so verifiers go first and cheaply remove what
is plainly wrong (failing tests, invalid JSON, a translation that does not come back); the
judge budget is then spent only on plausible candidates. A ranker orders survivors best
first, for example ``pairwise_ranker`` over a best-of-N schedule.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from pydantic import BaseModel

from ..rank.best_of_n import best_of_n
from .result import Verifier, VerifyResult

Ranker = Callable[[list[str]], Sequence[int]]  # survivors -> their indices, best first
ARanker = Callable[[list[str]], Awaitable[Sequence[int]]]


class Selection(BaseModel):
    best: int | None  # index into the original candidates; None when none survived
    text: str | None
    survivors: list[int]  # original indices that passed every verifier, best first once ranked
    checks: list[list[VerifyResult]]  # per candidate, one result per verifier run (stops at the first failure)


def _filter(candidates: Sequence[str], verifiers: Sequence[Verifier]) -> tuple[list[int], list[list[VerifyResult]]]:
    survivors, checks = [], []
    for k, cand in enumerate(candidates):
        results = []
        for verify in verifiers:
            res = verify(cand)
            results.append(res)
            if not res.passed:
                break  # later verifiers are usually dearer (a sandbox after a schema check)
        checks.append(results)
        if all(r.passed for r in results):
            survivors.append(k)
    return survivors, checks


def _finish(candidates: Sequence[str], survivors: list[int], order: Sequence[int] | None, checks) -> Selection:
    ranked = [survivors[k] for k in order] if order is not None else survivors
    if order is not None and sorted(order) != list(range(len(survivors))):
        ranked += [s for s in survivors if s not in ranked]  # a ranker that returns a prefix (just the best)
    best = ranked[0] if ranked else None
    return Selection(best=best, text=None if best is None else candidates[best], survivors=ranked, checks=checks)


def select(candidates: Sequence[str], verifiers: Sequence[Verifier] = (), ranker: Ranker | None = None) -> Selection:
    """Keep candidates passing every verifier (in order), then let ``ranker`` order them.

    Without a ranker, or with one survivor, the first survivor wins (sample order).
    """
    survivors, checks = _filter(candidates, verifiers)
    order = ranker([candidates[k] for k in survivors]) if ranker and len(survivors) > 1 else None
    return _finish(candidates, survivors, order, checks)


async def aselect(candidates: Sequence[str], verifiers: Sequence[Verifier] = (), ranker: ARanker | None = None) -> Selection:
    """``select`` with an async ranker (an LLM judge)."""
    survivors, checks = _filter(candidates, verifiers)
    order = await ranker([candidates[k] for k in survivors]) if ranker and len(survivors) > 1 else None
    return _finish(candidates, survivors, order, checks)


def pairwise_ranker(judge, *, item_input, rubric: str | None = None, schedule=None, stop_at: float | None = 0.95,
                    max_calls: int | None = None, seed: int = 0) -> ARanker:
    """An async ranker that runs a best-of-N schedule with a pairwise ``Judge`` and orders
    the survivors by their Bradley–Terry ratings."""

    async def rank(texts: list[str]) -> list[int]:
        res = await best_of_n(texts, judge, item_input=item_input, rubric=rubric, schedule=schedule,
                              stop_at=stop_at, max_calls=max_calls, seed=seed)
        rest = sorted((k for k in range(len(texts)) if k != res.best), key=lambda k: -res.ratings[k])
        return [res.best, *rest]

    return rank
