"""Proposer calls as a run of the kernel: each proposal request is one "example" whose answer is
an instruction, so proposals are cached, resumable and their spend lands in the calls table,
tagged with their own run, like every evaluation."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from ..models.base import Prediction
from ..models.config import ModelConfig
from ..models.pricing import lookup_price
from ..pipeline.stages.outcomes import prediction_from
from ..runner.budget import Budget, worst_case_cost
from ..runner.calls import ModelCaller, RunStats
from ..runner.kernel import RunPlan, execute
from ..runner.preflight import check_access
from ..store import Record, Store
from ..task import Example, Task
from .candidate import clip_instruction
from .prompts import parse_instruction
from .spend import StepCost

PROPOSAL_TOKENS = 400  # an instruction, not an essay (the confirmation reserve assumes a bounded length)


class ProposerPredictor:
    batch_size = 1
    concurrency = 4

    def __init__(self, caller: ModelCaller, check: bool):
        self.caller = caller
        self.name = f"{caller.cfg.name} (proposer)"
        self._check = check

    async def aprepare(self, task: Task) -> None:
        if self._check:
            check_access(self.caller.cfg)

    async def apredict(self, examples: Sequence[Example]) -> list[Prediction]:
        out = []
        for e in examples:
            outcome = await self.caller.call(e.inputs["messages"], {"max_tokens": PROPOSAL_TOKENS})
            pred = prediction_from([outcome], {})
            if not outcome.error:
                text = parse_instruction(outcome.text)
                pred.output = {"instruction": clip_instruction(text)} if text else None
                pred.parse_error = None if text else "empty proposal"
            out.append(pred)
        return out

    def describe(self) -> dict[str, Any]:
        return {"kind": "optimize-proposer", "model": self.caller.cfg.name}


def proposal_requests(prompts: list[list[dict[str, str]]], tag: str) -> list[Example]:
    return [Example(id=f"{tag}-{i}", inputs={"messages": p}) for i, p in enumerate(prompts)]


def proposals_cost(cfg: ModelConfig, requests: list[Example]) -> StepCost:
    price = lookup_price(cfg)
    return StepCost(sum(worst_case_cost(price, e.inputs["messages"], PROPOSAL_TOKENS) for e in requests), len(requests))


def run_proposals(task: Task, cfg: ModelConfig, requests: list[Example], *, store: Store, budget: Budget,
                  client: Any = None, progress: bool = False) -> tuple[list[str], list[Record], str]:
    """The proposer's instructions for ``requests`` (those it answered), its records and run id."""
    stats = RunStats()
    caller = ModelCaller(cfg, store, stats, client=client, budget=budget)
    digest = hashlib.sha256(json.dumps([e.inputs for e in requests], sort_keys=True).encode()).hexdigest()[:16]
    plan = RunPlan(task=task, split="train", examples=requests, model=cfg.name, scorer=None,
                   identity={"optimize": "proposals", "requests": digest, "model": cfg.identity()},
                   pipeline={"kind": "optimize-proposer", "model": cfg.name, "requests": len(requests)},
                   label=f"{task.name} · {cfg.name} proposing instructions")
    result = execute(plan, ProposerPredictor(caller, check=client is None), store=store, stats=stats,
                     progress=progress, max_error_rate=1.0)
    texts = [r.prediction["instruction"] for r in result.records if r.prediction and r.prediction.get("instruction")]
    return texts, list(result.records), result.run.run_id
