"""`taskladder eval --dry-run`: what a run would send and cost, with nothing sent and no run stored."""

from __future__ import annotations

import asyncio
from typing import Any

import typer

from ..errors import ConfigError
from ..ladder.estimate import estimate_rung
from ..models.config import ModelConfig, resolve_model
from ..pipeline.llm import LLMPipeline
from ..pipeline.plan import PipelinePlan
from ..pipeline.spec import PipelineSpec
from ..runner.calls import ModelCaller
from ..store import Store
from ..task import Task
from .common import money


def dry_run(task: Task, spec: PipelineSpec, *, split: str, limit: int | None, models: dict[str, ModelConfig],
            store: Store, show: int) -> dict[str, Any]:
    """The plans of the first ``show`` examples and the calls and cost of the whole split."""
    examples = task.split(split)[: limit if limit else None]
    if not examples:
        raise ConfigError(f"task '{task.name}': the {split} split is empty; add data or change the split")
    head = {"dry_run": True, "task": task.name, "split": split, "label": spec.label(), "model": spec.model,
            "examples": len(examples)}
    if spec.is_baseline:
        return head | {"kind": "baseline", "calls": 0, "cached_calls": 0, "estimated_usd": 0.0, "max_usd": 0.0,
                       "judge_calls_follow": False, "plans": []}
    if spec.demos and spec.demos.k and spec.demos.rationales:
        # The prompts hold rationales the model has not written yet: no honest plan without calls.
        raise ConfigError(f"--dry-run cannot plan '{spec.label()}': its rationale demos are bootstrapped by calling "
                          f"the model on {spec.demos.rationale_pool} train examples before any prompt is known; "
                          "run it without --dry-run")
    cfg = resolve_model(spec.model, models)
    caller = ModelCaller(cfg, store)  # for params and cache keys only: nothing here calls the provider
    pipeline = LLMPipeline(spec, task, models)
    asyncio.run(pipeline.aprepare(caller))
    plans = [pipeline.plan(e) for e in examples[:show]]
    estimate = estimate_rung(task, _samples_only(spec), cfg, store, examples)
    return head | {"kind": "llm", "calls": estimate.calls, "cached_calls": estimate.cached_calls,
                   "estimated_usd": estimate.typical_usd, "max_usd": estimate.max_usd,
                   "judge_calls_follow": bool(spec.sampling and spec.sampling.select == "judge"),
                   "plans": [p.model_dump() for p in plans]}


def _samples_only(spec: PipelineSpec) -> PipelineSpec:
    """Best-of-N without its judge: the same sample calls, which are all the estimate can count
    (the estimator knows only the pipeline's own model, not the judge's)."""
    if not spec.sampling or spec.sampling.select != "judge":
        return spec
    return spec.model_copy(update={"sampling": spec.sampling.model_copy(update={"select": "vote", "judge": None})})


def print_dry_run(result: dict[str, Any]) -> None:
    title = f"{result['task']} · {result['split']} · {result['label']}: {result['examples']} examples"
    if result["kind"] == "baseline":
        typer.echo(f"{title} · offline baseline, no provider calls")
        return
    cost = ("cost unknown (no price for this model)" if result["estimated_usd"] is None else
            f"estimated {money(result['estimated_usd'])} (at most {money(result['max_usd'])})")
    typer.echo(f"{title} → {result['calls']} calls ({result['cached_calls']} cached) · {cost}")
    if result["judge_calls_follow"]:
        typer.echo("  + the judge's calls, which depend on the samples' answers (not counted)")
    for plan in map(PipelinePlan.model_validate, result["plans"]):
        if plan.blocked:
            typer.echo(f"\n── example {plan.example_id}: {plan.blocked}; no call")
        for i, call in enumerate(plan.calls, 1):
            params = " ".join(f"{k}={v}" for k, v in sorted(call.params.items()))
            typer.echo(f"\n── example {plan.example_id} · call {i} of {len(plan.calls)} · sample {call.sample_index}"
                       f" · {params} · key {(call.cache_key or '')[:12]}")
            for message in call.messages:
                typer.echo(f"[{message['role']}]\n{message['content']}")
