"""An arena as a kernel run: one example = every pair of runs judged on it, both orders.

The judgments are the run's records (``trace["comparisons"]``), so a killed arena resumes
with the examples it had judged, and judge calls finished before the kill come back from
the call cache. The leaderboard is fitted on the comparisons of every record, resumed or new.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..models.base import Prediction, Usage
from ..rank.arena import player_names, shown_output
from ..rank.comparison import Comparison
from ..rank.judge import judge_both_orders
from ..rank.judge_prompt import LLMJudgePrompt
from ..rank.leaderboard import Leaderboard, rank_comparisons
from ..rank.llm_judge import LLMJudge
from ..runner.calls import ModelCaller
from ..runner.gold import with_gold_patches
from ..runner.kernel import RunPlan, RunResult, execute
from ..store import Record, RunInfo, Store
from ..task import Example, Task
from ..task.spec import TaskSpec

DEFAULT_CONCURRENCY = 8  # examples judged at once (each makes 2 calls per pair of runs)


@dataclass
class ArenaResult(RunResult):
    """The stored arena run, its comparisons and the leaderboard fitted on them."""

    comparisons: list[Comparison]
    board: Leaderboard
    unparsed_verdicts: int = 0
    judge_errors: int = 0


class ArenaJudge:
    """Judges every pair of players' outputs on one example at a time (a ``Predictor``)."""

    batch_size = 1

    def __init__(self, caller: ModelCaller, prompt: LLMJudgePrompt, players: list[str],
                 outputs: dict[str, dict[str, Record]], rubric: str | None = None,
                 concurrency: int = DEFAULT_CONCURRENCY):
        self.caller = caller
        self.prompt = prompt
        self.players = players
        self.outputs = outputs  # player -> example id -> record
        self.rubric = rubric
        self.concurrency = concurrency
        self.name = f"arena:{caller.cfg.name}"
        self.unparsed = 0
        self.errors = 0

    async def aprepare(self, task: Task) -> None:
        """The judge needs no preparation; its model was checked when the arena was set up."""

    async def apredict(self, examples: Sequence[Example]) -> list[Prediction]:
        return [await self._judge(e) for e in examples]

    async def _judge(self, example: Example) -> Prediction:
        judge = LLMJudge(self.caller, self.prompt)  # one per example: its counters are this example's cost
        pairs = list(itertools.combinations(self.players, 2))
        verdicts = await asyncio.gather(*(
            judge_both_orders(judge, item=example.id, item_input=example.inputs, a_name=a,
                              a_output=shown_output(self.outputs[a][example.id]), b_name=b,
                              b_output=shown_output(self.outputs[b][example.id]), rubric=self.rubric)
            for a, b in pairs))
        self.unparsed += judge.unparsed
        self.errors += judge.errors
        comparisons = [c.model_dump(exclude_none=True) for v in verdicts for c in v.comparisons]
        return Prediction(
            output={"judgments": len(comparisons)}, raw_text="", usage=Usage(), cost_usd=judge.cost_usd,
            spent_usd=judge.spent_usd, calls=judge.calls, cached_calls=judge.cached_calls,
            error=f"{judge.errors} judge calls failed" if judge.errors else None,
            trace={"comparisons": comparisons},
        )

    def describe(self) -> dict[str, Any]:
        return {"kind": "arena", "name": self.name, "players": self.players}


def judge_runs(runs: list[tuple[RunInfo, list[Record]]], caller: ModelCaller, prompt: LLMJudgePrompt, *,
               store: Store, limit: int | None = None, rubric: str | None = None,
               concurrency: int = DEFAULT_CONCURRENCY, n_boot: int = 500, progress: bool = False) -> ArenaResult:
    """Judge ``runs`` (two or more runs of one task) pairwise on their shared examples."""
    names = player_names([r for r, _ in runs])
    outputs = {n: {rec.example_id: rec for rec in records} for n, (_, records) in zip(names, runs)}
    first_info, first_records = runs[0]
    shared = [r for r in first_records if all(r.example_id in outputs[n] for n in names[1:])]
    shared = shared[: limit if limit else None]
    examples = [Example(id=r.example_id, inputs=r.inputs, outputs=r.expected) for r in shared]
    spec = TaskSpec.model_validate(first_info.task_spec)
    task = Task(spec=spec, train=[], dev=[], test=[])
    setattr(task, first_info.split, examples)
    # Repairs made in `view`: an example marked ambiguous is not judged (it has no right answer).
    task, patches_used = with_gold_patches(task, store, first_info.split)
    examples = list(task.split(first_info.split))
    judge = ArenaJudge(caller, prompt, names, outputs, rubric=rubric, concurrency=concurrency)
    players = dict(zip(names, (r.run_id for r, _ in runs)))
    plan = RunPlan(
        task=task, split=first_info.split, examples=examples, scorer=None, model=judge.name,
        fingerprint=first_info.task_fingerprint, label=f"{spec.name} · arena, judge {caller.cfg.name}",
        identity={"arena": players, "judge": caller.cfg.identity(), "rubric": rubric, "limit": limit,
                  "prompt": prompt.model_dump()},
        pipeline={"kind": "arena", "rung": "arena", "judge": caller.cfg.name, "players": players},
        gold_patches=patches_used,
    )
    result = execute(plan, judge, store=store, stats=caller.stats, progress=progress,
                     finish=lambda records: {"judgments": sum(len(r.trace.get("comparisons", [])) for r in records)})
    comparisons = [Comparison.model_validate(c) for r in result.records for c in r.trace.get("comparisons", [])]
    board = rank_comparisons(comparisons, n_boot=n_boot)
    return ArenaResult(run=result.run, records=result.records, comparisons=comparisons, board=board,
                       unparsed_verdicts=judge.unparsed, judge_errors=judge.errors)
