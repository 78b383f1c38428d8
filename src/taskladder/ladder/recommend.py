"""Which row of a climb to recommend: the cheapest run not significantly worse than the best."""

from __future__ import annotations

from ..pareto import pareto_frontier
from ..runner import EvalResult
from .results import ClimbResult
from .significance import not_significantly_worse


def mark_pareto(result: ClimbResult) -> None:
    """Flag the rows on the quality-vs-cost frontier."""
    ran = [r for r in result.rungs if r.status == "ran"]
    for i in pareto_frontier([(r.score, r.cost_per_1k_calls) for r in ran]):
        ran[i].pareto = True


def recommend(result: ClimbResult, runs: dict[int, EvalResult]) -> int | None:
    """The index of the cheapest run not significantly worse than the best (ties: the higher score)."""
    # Only rows that ran cleanly: a failed rung (errors or unparseable answers) is never recommended.
    scores = {i: score for i in runs if result.rungs[i].status == "ran" and (score := result.rungs[i].score) is not None}
    ran = list(scores)
    if not ran:
        return None
    best = max(ran, key=lambda i: scores[i])
    fine = [i for i in ran if i == best or not_significantly_worse(runs[best], runs[i])]

    def cost(i: int) -> float:
        c = result.rungs[i].cost_per_1k_calls
        return float("inf") if c is None else c

    return min(fine, key=lambda i: (cost(i), -scores[i]))
