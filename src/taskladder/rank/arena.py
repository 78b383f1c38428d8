"""Arena: pairwise judgments of several runs' outputs on the same examples → a Bradley–Terry
leaderboard of pipelines, beside the metric-based one.

Every pair of runs is judged on every shared example, in both orders (the stated
inconsistency policy turns a flip into a tie); all judge calls are cached and costed.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from ..finetune import PairwiseWin
from ..prompt import render_messages
from ..store import Record, RunInfo
from ..task import Example
from .comparison import Comparison
from .judge import judge_both_orders
from .leaderboard import Leaderboard, rank_comparisons


def player_names(runs: list[RunInfo]) -> list[str]:
    """Each run's label (``model · rung`` for a run stored without one) where unique, else
    with the run id's tail."""
    base = [r.label or (f"{r.model} · {r.pipeline.get('rung')}" if r.pipeline.get("rung") else r.model)
            for r in runs]
    return [b if base.count(b) == 1 else f"{b} ({r.run_id[-6:]})" for b, r in zip(base, runs)]


def shown_output(record: Record) -> str:
    if record.prediction is None:
        return record.raw_text or "(no answer)"
    if len(record.prediction) == 1:
        value = next(iter(record.prediction.values()))
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return json.dumps(record.prediction, ensure_ascii=False)


async def run_arena(runs: list[tuple[RunInfo, list[Record]]], judge, *, limit: int | None = None,
                    rubric: str | None = None, concurrency: int = 8, n_boot: int = 500) -> tuple[Leaderboard, list[Comparison]]:
    names = player_names([r for r, _ in runs])
    by_run = [{rec.example_id: rec for rec in records} for _, records in runs]
    shared = [k for k in by_run[0] if all(k in m for m in by_run[1:])]
    shared = shared[: limit if limit else None]
    gate = asyncio.Semaphore(concurrency)

    async def one(example_id: str, i: int, j: int) -> list[Comparison]:
        a, b = by_run[i][example_id], by_run[j][example_id]
        async with gate:
            verdict = await judge_both_orders(
                judge, item=example_id, item_input=a.inputs, a_name=names[i], a_output=shown_output(a),
                b_name=names[j], b_output=shown_output(b), rubric=rubric)
        return verdict.comparisons

    pairs = list(itertools.combinations(range(len(runs)), 2))
    batches = await asyncio.gather(*(one(k, i, j) for k in shared for i, j in pairs))
    comparisons = [c for batch in batches for c in batch]
    return rank_comparisons(comparisons, n_boot=n_boot), comparisons


def arena_rows(board: Leaderboard) -> list[dict[str, Any]]:
    """The rows ``taskladder.report.write_report(arena=...)`` shows."""
    return [{"name": r.name, "rating": r.rating, "ci_low": r.ci_low, "ci_high": r.ci_high} for r in board.ratings]


def preference_pairs(runs: list[tuple[RunInfo, list[Record]]], comparisons: list[Comparison],
                     spec=None) -> list:
    """DPO pairs from the arena: where both orders agreed on a winner, the winner's output is
    ``chosen`` and the loser's ``rejected``, under the prompt both runs answered."""

    names = player_names([r for r, _ in runs])
    by_name = {n: {rec.example_id: rec for rec in records} for n, (_, records) in zip(names, runs)}
    verdicts: dict[tuple[str, str, str], list[str]] = {}
    for c in comparisons:
        verdicts.setdefault((c.item, c.a, c.b), []).append(c.winner)
    wins = []
    for (item, a, b), both in verdicts.items():
        if len(both) != 2 or both[0] != both[1] or both[0] == "tie":
            continue  # a flip or a tie says nothing about preference
        winner, loser = (a, b) if both[0] == "a" else (b, a)
        chosen, rejected = by_name[winner][item], by_name[loser][item]
        prompt: str | list[dict[str, Any]]
        if spec is not None:
            example = Example(id=item, inputs=chosen.inputs)
            prompt = [m for m in render_messages(spec, example) if m["role"] in ("system", "user")]
        else:
            prompt = json.dumps(chosen.inputs, ensure_ascii=False)
        wins.append(PairwiseWin(prompt=prompt, chosen=shown_output(chosen), rejected=shown_output(rejected)))
    return wins
